"""DuckDB's own scalar types through the pipeline (its LIST, STRUCT and MAP: test_nested_types.py).

The query is all that changes; each column is published in the type DuckDB's own ``COPY ... TO
'x.parquet'`` writes, or the run stops at extract with a ``SchemaError`` naming the column, its
type and the CAST that fixes it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from synthpipe.errors import SchemaError, StageError
from synthpipe.pipeline import PipelineResult
from synthpipe.writers import read_table
from tests.robustness.conftest import pipeline_spec, run, write_query

pytestmark = pytest.mark.integration

QUERY = """
SELECT uuid() AS order_id, ('00000000-0000-4000-8000-00000000000' || (i % 4))::UUID AS tenant_id,
       (i % 5 + 1)::UTINYINT AS quantity, (['0101', '1100', '00000001'])[i % 3 + 1]::BIT AS flags,
       ('{"plan": "' || (['free', 'pro'])[i % 2 + 1] || '"}')::JSON AS props,
       (TIMESTAMP '2024-01-01' + to_seconds(i * 3607))::TIMESTAMP_S AS seen_at
FROM range(400) AS r(i)
ORDER BY i
"""


@pytest.fixture(scope="module", params=["parquet", "csv"], ids=["parquet-destination", "csv-destination"])
def typed_run(
    empty_duckdb: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> PipelineResult:
    root = tmp_path_factory.mktemp(f"duckdb-types-{request.param}")
    spec = pipeline_spec(write_query(root, QUERY), empty_duckdb, root,
                         destination={"url": str(root / "destination"), "format": request.param})  # fmt: skip
    return run(spec)


def test_uuid_columns_are_published_as_uuids(typed_run: PipelineResult) -> None:
    """DuckDB hands a UUID over as text, and a Parquet destination published VARCHAR where DuckDB's
    own COPY writes Parquet's UUID; now Parquet holds UUIDs (DuckDB reads them back as UUID) and
    a CSV their canonical text."""
    uri = typed_run.load.uri
    if uri.endswith(".parquet"):
        assert read_table(uri).schema.field("order_id").type == pa.uuid()
        described = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{uri}')").fetchall()}
        assert described["order_id"] == described["tenant_id"] == "UUID"
        values = duckdb.sql(f"SELECT order_id::VARCHAR, tenant_id::VARCHAR FROM read_parquet('{uri}')").fetchall()
    else:
        values = duckdb.sql(f"SELECT order_id::VARCHAR, tenant_id::VARCHAR FROM read_csv('{uri}')").fetchall()
    staged = duckdb.sql(f"SELECT order_id::VARCHAR FROM read_parquet('{typed_run.extract.uri}')").fetchall()
    assert len({order for order, _ in values}) == len(values)
    assert not {order for order, _ in values} & {order for (order,) in staged}  # fresh keys, never a real one
    assert all(len(tenant) == 36 for _, tenant in values)


def test_json_columns_are_published_as_json(typed_run: PipelineResult) -> None:
    """DuckDB's JSON type came out of a Parquet destination as VARCHAR; DuckDB's own COPY writes
    Parquet's JSON, which DuckDB reads back as JSON, and so does a published column now."""
    uri = typed_run.load.uri
    if uri.endswith(".parquet"):
        assert read_table(uri).schema.field("props").type == pa.json_()
        described = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{uri}')").fetchall()}
        assert described["props"] == "JSON"
        props = duckdb.sql(f"SELECT DISTINCT props->>'plan' FROM read_parquet('{uri}')").fetchall()
    else:
        props = duckdb.sql(
            f"SELECT DISTINCT props::JSON->>'plan' FROM read_csv('{uri}', all_varchar = true)"
        ).fetchall()
    assert {plan for (plan,) in props} == {"free", "pro"}


def test_bit_strings_are_published_as_their_bits(typed_run: PipelineResult) -> None:
    """DuckDB hands a BIT over as its own storage bytes (a padding count, then the bits: '0101' as
    ``b'\\x04\\xf5'``), which were learned and published as a BLOB no one can read; now as the text
    of its bits, as DuckDB's own COPY writes a BIT to Parquet."""
    uri = typed_run.load.uri
    table = f"read_parquet('{uri}')" if uri.endswith(".parquet") else f"read_csv('{uri}', all_varchar = true)"
    flags = duckdb.sql(f"SELECT flags::VARCHAR FROM {table}")
    assert {flag for (flag,) in flags.fetchall()} == {"0101", "1100", "00000001"}
    if uri.endswith(".parquet"):
        assert read_table(uri).schema.field("flags").type == pa.string()


def test_a_bignum_is_refused_at_extract_naming_its_cast(empty_duckdb: str, tmp_path: Path) -> None:
    """DuckDB's BIGNUM (VARINT), an integer of any size, reached the engine as opaque bytes, which
    refused it as 'binary (bytea)' and advised a cast to text; now extract names the type and the
    casts that keep it a number."""
    query = write_query(tmp_path, "SELECT (i * 1000)::BIGNUM AS big FROM range(50) AS r(i) ORDER BY i")
    with pytest.raises(StageError) as error:
        run(pipeline_spec(query, empty_duckdb, tmp_path))
    cause = error.value.__cause__
    assert isinstance(cause, SchemaError) and error.value.stage == "extract"
    assert "'big'" in str(cause) and "BIGNUM" in str(cause) and 'CAST("big" AS HUGEINT)' in str(cause)


def test_intervals_inside_a_list_are_refused_at_extract_naming_a_fix(empty_duckdb: str, tmp_path: Path) -> None:
    """A column of INTERVALs is staged as durations, but a list of them (``list(shipped - ordered)``
    per user) reached the Parquet writer and failed with a bare ArrowNotImplementedError."""
    sql = "SELECT i % 3 AS k, list(to_hours(i)) AS waits FROM range(30) AS r(i) GROUP BY k ORDER BY k"
    with pytest.raises(StageError) as error:
        run(pipeline_spec(write_query(tmp_path, sql), empty_duckdb, tmp_path))
    cause = error.value.__cause__
    assert isinstance(cause, SchemaError) and error.value.stage == "extract"
    assert (
        "'waits'" in str(cause) and "INTERVAL" in str(cause) and 'list_transform("waits", x -> epoch(x))' in str(cause)
    )
