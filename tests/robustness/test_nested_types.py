"""DuckDB's LIST, STRUCT and MAP (and PostgreSQL arrays, in test_pg_types.py) through the pipeline.

The query is all that changes: the nested columns are staged in their types (as JSON text in a
staged CSV, typed back from the schema JSON), learned as JSON, and published in their types to
Parquet and as JSON text to a CSV; the report compares their fields, places and JSON values.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from synthpipe.pipeline import PipelineResult
from synthpipe.writers import read_table
from tests.robustness.conftest import pipeline_spec, run, write_query

pytestmark = pytest.mark.integration

QUERY = """
SELECT i AS n,
  [i % 5, i % 7] AS pair,
  CASE WHEN i % 40 = 0 THEN ['sku' || i] ELSE (['red', 'blue'])[1 : 1 + i % 2] END AS tags,
  {'plan': (['free', 'pro'])[1 + i % 2], 'seats': i % 3} AS props,
  MAP {'size': i % 11} AS attrs
FROM range(600) AS r(i)
"""
# i % 11, not i % 9: with 9 the columns repeat every 630 rows, so the 600 rows held almost every
# combination there is, and a model that learned them had nothing to publish but copies of real rows,
# which the privacy filters drop (the holdout's too): the refills reshaped every column
TYPES = {
    "pair": pa.list_(pa.int64()),
    "tags": pa.list_(pa.string()),
    "props": pa.struct([("plan", pa.string()), ("seats", pa.int64())]),
    "attrs": pa.map_(pa.string(), pa.int64()),
}


@pytest.fixture(scope="module", params=["parquet", "csv"], ids=["parquet-staging", "csv-staging"])
def nested_run(
    empty_duckdb: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[PipelineResult, Path]:
    root = tmp_path_factory.mktemp(f"nested-{request.param}")
    query = write_query(root, QUERY)
    spec = pipeline_spec(query, empty_duckdb, root, staging={"url": str(root / "staging"), "format": request.param})
    return run(spec), root


def _same_types(published: pa.Schema) -> bool:
    """Equal up to the names Arrow gives a list's item or a map's entries (DuckDB's differ from pyarrow's)."""
    return all(published.field(name).type.equals(kind, check_metadata=False) or
               str(published.field(name).type).replace("element", "item") == str(kind)
               for name, kind in TYPES.items())  # fmt: skip


def test_parquet_destination_keeps_list_struct_and_map_types(nested_run: tuple[PipelineResult, Path]) -> None:
    result, _ = nested_run
    published = read_table(result.load.uri)
    assert _same_types(published.schema), published.schema
    rows = published.to_pylist()
    assert all(len(row["pair"]) == 2 for row in rows)
    assert {row["props"]["plan"] for row in rows} == {"free", "pro"}
    assert {key for row in rows for key, _ in row["attrs"]} == {"size"}


def test_a_tag_one_row_holds_is_not_published(nested_run: tuple[PipelineResult, Path]) -> None:
    result, _ = nested_run
    tags = {tag for row in read_table(result.load.uri).column("tags").to_pylist() if row for tag in row}
    assert tags <= {"red", "blue"}


def test_csv_destination_writes_json_text(nested_run: tuple[PipelineResult, Path]) -> None:
    result, root = nested_run
    from synthpipe.load import load

    csv = load(synthetic_uris=result.synthesize.synthetic_uris, destination=str(root / "csv"),
               name="features", run_id="r1", fmt="csv")  # fmt: skip
    table = pacsv.read_csv(
        csv.uri, convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(TYPES, pa.string()))
    )
    props = [json.loads(text) for text in table.column("props").to_pylist()]
    assert {p["plan"] for p in props} == {"free", "pro"}
    assert all(isinstance(json.loads(text), dict) for text in table.column("attrs").to_pylist())


def test_the_report_compares_fields_places_and_json_values(nested_run: tuple[PipelineResult, Path]) -> None:
    """A struct and a text-keyed map by their fields, an array of one length by its places, tags by
    their JSON."""
    result, _ = nested_run
    report_json = next(uri for uri in result.load.report_uris if uri.endswith(".json"))
    columns = {c["name"]: c for c in json.loads(Path(report_json).read_text())["quality"]["columns"]}
    assert {"props.plan", "props.seats", "pair[0]", "pair[1]", "tags", "attrs.size"} <= set(columns)
    assert columns["props.plan"]["kind"] == "categorical" and columns["props.plan"]["score"] > 0.9
    assert columns["pair[0]"]["kind"] == "numeric" and columns["attrs.size"]["kind"] == "numeric"
    tags = [label for label in columns["tags"]["distribution"]["labels"] if label != "(other)"]
    assert tags and all(isinstance(json.loads(label), list) for label in tags)
    assert not any("sku" in label for label in tags)  # one row's tag is not named on a published card
