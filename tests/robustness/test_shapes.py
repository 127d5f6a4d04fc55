"""Result shapes: empty, tiny, degenerate, wide, high-cardinality, oddly named, huge values.

Each either round-trips extract → synthesize → load or fails with a typed error that names
the column (where there is one) and the fix, leaving nothing at the destination.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from synthpipe.errors import ConfigError, EmptyResult, SchemaError, StageError
from synthpipe.extract import extract
from synthpipe.load import load
from synthpipe.synthesize import generate, train
from synthpipe.writers import read_table
from tests.robustness.conftest import pipeline_spec, run, visible_keys, write_query
from tests.servers import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_url(pg_server: PostgresServer) -> str:
    return pg_server.url


def test_zero_rows_is_an_empty_result_and_stages_nothing(pg_url: str, tmp_path: Path) -> None:
    query = write_query(tmp_path / "sql", "SELECT i AS id, i * 2 AS v FROM generate_series(1, 10) AS g(i) WHERE false")
    with pytest.raises(StageError) as caught:
        run(pipeline_spec(query, pg_url, tmp_path))
    assert caught.value.stage == "extract" and isinstance(caught.value.__cause__, EmptyResult)
    assert "WHERE" in str(caught.value)
    assert not visible_keys(tmp_path / "staging") and not visible_keys(tmp_path / "destination")


def test_one_row_is_staged_then_refused_with_the_minimum(pg_url: str, tmp_path: Path) -> None:
    query = write_query(tmp_path / "sql", "SELECT 1 AS id, 'only' AS v")
    with pytest.raises(StageError) as caught:
        run(pipeline_spec(query, pg_url, tmp_path))
    assert caught.value.stage == "synthesize" and isinstance(caught.value.__cause__, ConfigError)
    assert "at least 10" in str(caught.value) and "widen the query" in str(caught.value)
    assert visible_keys(tmp_path / "staging") == {"r1_features.parquet", "r1_features.schema.json"}
    assert not visible_keys(tmp_path / "destination")


def test_all_null_and_constant_columns_round_trip(pg_url: str, tmp_path: Path) -> None:
    sql = """
        SELECT i AS id, NULL::integer AS null_int, NULL AS null_untyped, NULL::timestamptz AS null_ts,
               42::bigint AS const_int, 'same'::text AS const_text, DATE '2024-02-29' AS const_date,
               (i % 4) AS varies
        FROM generate_series(1, 200) AS g(i)
    """
    result = run(pipeline_spec(write_query(tmp_path / "sql", sql), pg_url, tmp_path))
    published = read_table(result.load.uri)
    staged = read_table(result.extract.uri)
    assert staged.schema.field("null_untyped").type == pa.string()  # untyped NULL is text in PostgreSQL
    for name in ("null_int", "null_untyped", "null_ts", "const_int", "const_text", "const_date"):
        assert published.schema.field(name).type == staged.schema.field(name).type, name
    for name in ("null_int", "null_untyped", "null_ts"):
        assert published.column(name).null_count == published.num_rows, name
    assert set(published.column("const_int").to_pylist()) == {42}
    assert set(published.column("const_text").to_pylist()) == {"same"}
    assert len(set(published.column("const_date").to_pylist())) == 1


def test_a_thousand_columns_round_trip(pg_url: str, tmp_path: Path) -> None:
    """Stage by stage, without the privacy filters and the report: at 1,000 columns those two take
    36 s and 7 s on this box (measured 2026-12-05; a performance note for their owners, not a failure)."""
    columns = ", ".join(f"(i * {k}) % 7 AS c{k:04d}" for k in range(1000))
    query = write_query(tmp_path / "sql", f"SELECT {columns} FROM generate_series(1, 40) AS g(i)")
    staging, common = str(tmp_path / "staging"), {"name": "wide", "run_id": "r1"}
    extracted = extract(query=query, source=pg_url, staging=staging, **common)
    trained = train(features_uri=extracted.uri, staging=staging, engine={"max_epochs": 1, "hidden_size": 2}, **common)
    generated = generate(model_uri=trained.model_uri, staging=staging, rows=40, privacy={"enabled": False}, **common)
    loaded = load(synthetic_uris=[generated.uri], destination=str(tmp_path / "destination"), fmt="parquet", **common)
    published = read_table(loaded.uri)
    assert extracted.columns == published.column_names == [f"c{k:04d}" for k in range(1000)]
    assert published.num_rows == 40
    assert all(t == pa.int32() for t in published.schema.types)


def test_ten_thousand_categories_keep_only_protected_frequent_ones(pg_url: str, tmp_path: Path) -> None:
    sql = "SELECT 'cat-' || (i % 10000) AS category, (i % 13) AS n FROM generate_series(1, 12000) AS g(i)"
    result = run(pipeline_spec(write_query(tmp_path / "sql", sql), pg_url, tmp_path))
    staged = set(read_table(result.extract.uri).column("category").to_pylist())
    published = read_table(result.load.uri).column("category").to_pylist()
    assert len(staged) == 10_000
    # Each category is held by one or two rows, so none is emitted verbatim: they come back as the
    # prefix that enough of them share (cat-123* stands for cat-1230..cat-1239), or as _RARE_.
    assert not set(published) & staged
    masked = [v for v in set(published) if v != "_RARE_"]
    assert masked and all(re.fullmatch(r"cat-\d*\*+", v) for v in masked)


def test_duplicate_column_names_are_refused_naming_the_column(pg_url: str, tmp_path: Path) -> None:
    query = write_query(tmp_path / "sql", "SELECT i AS id, i * 2 AS id FROM generate_series(1, 20) AS g(i)")
    with pytest.raises(SchemaError) as caught:
        extract(query=query, source=pg_url, staging=str(tmp_path / "staging"), name="f", run_id="r")
    assert caught.value.context["column"] == "id" and "alias" in str(caught.value)
    assert not visible_keys(tmp_path / "staging")


ODD_NAMES = ["select", "from", "user id", "Mixed Case", "a.b", 'quote"d', "名前", "1starts_with_digit", "end "]


def test_reserved_words_spaces_and_unicode_in_names_round_trip(pg_url: str, tmp_path: Path) -> None:
    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    columns = ", ".join(f"(i * {k}) % 5 AS {quoted(name)}" for k, name in enumerate(ODD_NAMES, start=2))
    query = write_query(tmp_path / "sql", f"SELECT {columns} FROM generate_series(1, 100) AS g(i)")
    result = run(pipeline_spec(query, pg_url, tmp_path, destination={"url": str(tmp_path / "out"), "format": "csv"}))
    assert read_table(result.extract.uri).column_names == ODD_NAMES
    assert pacsv.read_csv(result.load.uri).column_names == ODD_NAMES


def test_very_long_strings_round_trip(pg_url: str, tmp_path: Path) -> None:
    sql = "SELECT i AS id, repeat(chr(65 + i % 3), 300000) || '🎉' AS blob FROM generate_series(1, 30) AS g(i)"
    result = run(pipeline_spec(write_query(tmp_path / "sql", sql), pg_url, tmp_path))
    staged = read_table(result.extract.uri).column("blob").to_pylist()
    assert {len(v) for v in staged} == {300_001}
    published = read_table(result.load.uri)
    assert published.schema.field("blob").type == pa.string()
    assert set(published.column("blob").to_pylist()) <= set(staged) | {"_RARE_", None}
