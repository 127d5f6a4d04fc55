"""Every PostgreSQL type a query may return: extract → synthesize → load, against a real server.

One wide query carries every type (so the pipeline runs once): arrays and ``bytea`` too, which the
engine once refused (its typed errors for what it cannot model are tested on Python objects, in
tests/unit/engine/test_edge_cases.py). The mapping each type goes through is the table in
``tests/robustness/README.md``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
import sqlalchemy as sa

from synthpipe.extract import extract
from synthpipe.pipeline import PipelineResult
from synthpipe.writers import read_table, schema_from_json
from tests.robustness.conftest import pipeline_spec, run, write_query
from tests.servers import PostgresServer

pytestmark = pytest.mark.integration

ROWS = 300

# column -> (SQL expression over i = 1..ROWS, staged Arrow type, synthetic Arrow type)
SUPPORTED: dict[str, tuple[str, pa.DataType]] = {
    "c_smallint": ("(i %% 100)::smallint", pa.int16()),
    "c_integer": ("(i * 7)::integer", pa.int32()),
    "c_bigint": ("(i::bigint * 10000000000)", pa.int64()),
    "c_numeric": ("(i * 1.0123456789)::numeric(38,10)", pa.decimal128(38, 10)),
    "c_numeric_free": ("(i / 7.0)::numeric", pa.float64()),  # unconstrained numeric (or precision > 38)
    "c_numeric_small": ("(i / 4.0)::numeric(6,2)", pa.decimal128(6, 2)),
    "c_account_id": ("(1000000000000000000 + i)::numeric(19,0)", pa.decimal128(19, 0)),  # a key: regenerated
    "c_real": ("(i / 7.0)::real", pa.float32()),
    "c_double": ("(i / 3.0)::double precision", pa.float64()),
    "c_boolean": ("i %% 3 = 0", pa.bool_()),
    "c_text": ("(ARRAY['héllo wörld','日本語テキスト','😀🎉 emoji','','plain'])[1 + i %% 5]::text", pa.string()),
    "c_varchar": ("CASE WHEN i %% 11 = 0 THEN NULL ELSE 'v' || (i %% 7) END::varchar(20)", pa.string()),
    "c_char": ("('c' || (i %% 4))::char(5)", pa.string()),
    "c_date": ("(DATE '2020-01-01' + i)", pa.date32()),
    "c_timestamp": ("(TIMESTAMP '2020-01-01 00:00:00' + i * interval '37 minutes')", pa.timestamp("us")),
    "c_timestamptz": ("(TIMESTAMPTZ '2020-01-01 00:00:00+02' + i * interval '37 minutes')", pa.timestamp("us", "UTC")),
    "c_interval": ("(i * interval '1 hour 3 minutes')", pa.duration("us")),
    "c_time": ("(TIME '00:00' + i * interval '61 seconds')", pa.time64("us")),
    "c_timetz": ("(TIMETZ '08:30:00+02' + i * interval '1 minute')", pa.string()),
    "c_uuid": ("md5((i %% 9)::text)::uuid", pa.string()),
    "c_json": ("json_build_object('k', i %% 4, 's', 'é')", pa.string()),
    "c_jsonb": ("jsonb_build_object('k', i %% 4)", pa.string()),
    "c_enum": ("(ARRAY['sad','ok','happy']::robust_mood[])[1 + i %% 3]", pa.string()),
    "c_inet": ("('10.0.0.' || (i %% 20))::inet", pa.string()),
    "c_money": ("(i * 1.25 - 100)::money", pa.decimal128(38, 2)),  # a number, not "-$98.75" text (a key)
    "c_int_array": ("ARRAY[i %% 3, i %% 5]", pa.list_(pa.int64())),
    "c_text_array": ("ARRAY['a' || (i %% 3), 'b']", pa.list_(pa.string())),
    "c_bytea": ("decode(md5((i %% 6)::text), 'hex')", pa.binary()),
}


PUBLISHED_AS = {"c_uuid": pa.uuid(), "c_json": pa.json_(), "c_jsonb": pa.json_()}
"""Staged as text and published to Parquet in their own type again (marked ``logical`` in the schema JSON)."""


def select(columns: dict[str, tuple[str, pa.DataType]], rows: int = ROWS) -> str:
    body = ",\n  ".join(f"{expr.replace('%%', '%')} AS {name}" for name, (expr, _) in columns.items())
    return f"SELECT\n  {body}\nFROM generate_series(1, {rows}) AS g(i)\n"


@pytest.fixture(scope="module")
def pg_url(pg_server: PostgresServer) -> str:
    engine = sa.create_engine(pg_server.url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "DO $$ BEGIN CREATE TYPE robust_mood AS ENUM ('sad', 'ok', 'happy'); "
            "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
    engine.dispose()
    return pg_server.url


@pytest.fixture(scope="module", params=["parquet", "csv"], ids=["parquet-staging", "csv-staging"])
def wide_run(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> tuple[PipelineResult, Path]:
    """The wide query through the pipeline, staged as Parquet and as CSV (typed back by the schema JSON)."""
    root = tmp_path_factory.mktemp(f"types-{request.param}")
    query = write_query(root, select(SUPPORTED))
    return run(
        pipeline_spec(query, pg_url, root, staging={"url": str(root / "staging"), "format": request.param})
    ), root


def staged_table(result: PipelineResult) -> pa.Table:
    """The staged features with their types (a CSV gets them back from the schema JSON beside it)."""
    schema_uri = result.extract.schema_uri
    return read_table(result.extract.uri, schema=schema_from_json(Path(schema_uri).read_text()))


@pytest.mark.parametrize("column", sorted(SUPPORTED))
def test_supported_type_keeps_its_mapped_type_from_staging_to_destination(
    wide_run: tuple[PipelineResult, Path], column: str
) -> None:
    result, _root = wide_run
    expected = SUPPORTED[column][1]
    staged = staged_table(result)
    published = read_table(result.load.uri)
    assert staged.schema.field(column).type == expected
    assert published.schema.field(column).type == PUBLISHED_AS.get(column, expected)
    assert published.num_rows > 0


def test_jsonb_string_scalars_are_staged_as_json_and_published_as_json(pg_url: str, tmp_path: Path) -> None:
    """psycopg hands jsonb over parsed: '"gold"'::jsonb was staged as the bare text gold (no JSON),
    so the column could not be published as JSON."""
    tier = "(ARRAY['\"gold\"', '\"free\"', '3'])[1 + i % 3]::jsonb"
    sql = f"SELECT i % 5 AS plan, {tier} AS tier FROM generate_series(1, 300) g(i)"
    result = run(pipeline_spec(write_query(tmp_path, sql), pg_url, tmp_path))
    staged = read_table(result.extract.uri).column("tier").to_pylist()
    assert sorted(set(staged)) == ['"free"', '"gold"', "3"]
    published = read_table(result.load.uri)
    assert published.schema.field("tier").type == pa.json_()
    assert {json.loads(text) for text in published.column("tier").to_pylist()} <= {"gold", "free", 3}


@pytest.mark.parametrize("path", ["adbc", "psycopg"])
def test_a_uuid_column_is_published_as_uuid_on_either_path(pg_url: str, tmp_path: Path, path: str) -> None:
    """A PostgreSQL uuid was published to Parquet as text (read back as VARCHAR), where a DuckDB
    UUID is published as UUID. A query of ADBC's types runs through ADBC; a jsonb column sends it
    down the psycopg row path, which marks the uuid (and the jsonb, published as JSON) alike."""
    doc = ", jsonb_build_object('k', i % 4) AS doc" if path == "psycopg" else ""
    sql = f"SELECT md5((i % 40)::text)::uuid AS account_id, i % 5 AS plan{doc} FROM generate_series(1, 300) g(i)"
    result = run(pipeline_spec(write_query(tmp_path, sql), pg_url, tmp_path))
    described = json.loads(Path(result.extract.schema_uri).read_text())["columns"]
    assert {c["name"]: c.get("logical") for c in described} == {
        "account_id": "uuid", "plan": None, **({"doc": "json"} if doc else {})
    }  # fmt: skip
    published = read_table(result.load.uri)
    assert published.schema.field("account_id").type == pa.uuid()
    assert published.schema.field("doc").type == pa.json_() if doc else "doc" not in published.column_names


def test_unicode_emoji_and_empty_strings_survive_staging_exactly(wide_run: tuple[PipelineResult, Path]) -> None:
    staged = staged_table(wide_run[0]).column("c_text").to_pylist()
    assert set(staged) == {"héllo wörld", "日本語テキスト", "😀🎉 emoji", "", "plain"}
    published = set(read_table(wide_run[0].load.uri).column("c_text").to_pylist())
    assert published <= set(staged) | {None, "_RARE_"}


def test_values_keep_their_meaning_through_the_mapping(wide_run: tuple[PipelineResult, Path]) -> None:
    staged = staged_table(wide_run[0]).slice(0, 1).to_pylist()[0]
    assert staged["c_numeric"] == decimal.Decimal("1.0123456789")
    assert staged["c_timestamptz"] == dt.datetime(2019, 12, 31, 22, 37, tzinfo=dt.UTC)
    assert staged["c_interval"] == dt.timedelta(hours=1, minutes=3)
    assert staged["c_time"] == dt.time(0, 1, 1)
    assert staged["c_timetz"] == "08:31:00+02:00"
    assert staged["c_char"] == "c1   "  # char(n) keeps its blank padding
    assert staged["c_uuid"] == "c4ca4238-a0b9-2382-0dcc-509a6f75849b"
    assert staged["c_json"] == '{"k": 1, "s": "é"}'
    assert staged["c_inet"] == "10.0.0.1"
    assert staged["c_money"] == decimal.Decimal("-98.75")
    assert staged["c_int_array"] == [1, 1] and staged["c_text_array"] == ["a1", "b"]


def test_a_numeric_id_is_a_key_regenerated_past_every_real_one(wide_run: tuple[PipelineResult, Path]) -> None:
    """Staged as decimal128(19, 0), a numeric(19,0) id was learned as a number: synthetic rows
    carried real ids."""
    staged = staged_table(wide_run[0]).column("c_account_id").to_pylist()
    published = read_table(wide_run[0].load.uri).column("c_account_id").to_pylist()
    assert len(set(published)) == len(published) and min(published) > max(staged)


def test_json_objects_and_arrays_come_back_as_json_and_lists(wide_run: tuple[PipelineResult, Path]) -> None:
    """A json column's keys are learned as columns and written back as JSON text; a text[] of one
    length has each place learned and comes back as a list."""
    published = read_table(wide_run[0].load.uri)
    objects = [json.loads(text) for text in published.column("c_json").to_pylist() if text is not None]
    assert objects and all(set(o) == {"k", "s"} and o["k"] in range(4) and o["s"] == "é" for o in objects)
    arrays = [a for a in published.column("c_text_array").to_pylist() if a is not None]
    assert arrays and all(len(a) == 2 and a[1] == "b" and a[0] in {"a0", "a1", "a2"} for a in arrays)


def test_nulls_stay_nulls_and_decimals_keep_their_scale(wide_run: tuple[PipelineResult, Path]) -> None:
    staged = staged_table(wide_run[0])
    assert staged.column("c_varchar").null_count == ROWS // 11
    published = read_table(wide_run[0].load.uri)
    values = [v for v in published.column("c_numeric").to_pylist() if v is not None]
    assert values and all(v.as_tuple().exponent == -10 for v in values)


def test_csv_destination_reads_back_with_the_same_columns(wide_run: tuple[PipelineResult, Path]) -> None:
    result, root = wide_run
    from synthpipe.load import load

    csv = load(synthetic_uris=result.synthesize.synthetic_uris, destination=str(root / "csv"),
               name="features", run_id="r1", fmt="csv")  # fmt: skip
    table = pacsv.read_csv(csv.uri)
    assert table.column_names == list(SUPPORTED)
    assert table.num_rows == result.load.rows


def test_csv_destination_writes_intervals_postgresql_reads_as_the_same_intervals(
    wide_run: tuple[PipelineResult, Path], pg_url: str
) -> None:
    """Written as pyarrow writes a duration, an interval column was bare microseconds (3780000000
    for an hour and three minutes), which a reader cannot tell from a count."""
    result, root = wide_run
    from synthpipe.load import load

    csv = load(synthetic_uris=result.synthesize.synthetic_uris, destination=str(root / "intervals"),
               name="features", run_id="r1", fmt="csv")  # fmt: skip
    as_text = pacsv.ConvertOptions(column_types={"c_interval": pa.string()}, strings_can_be_null=True)
    texts = pacsv.read_csv(csv.uri, convert_options=as_text).column("c_interval").to_pylist()
    engine = sa.create_engine(pg_url)
    with engine.connect() as connection:
        parsed = connection.execute(sa.text("SELECT unnest(CAST(:texts AS text[]))::interval"), {"texts": texts})
        intervals = [row[0] for row in parsed]
    engine.dispose()
    published = read_table(result.load.uri).column("c_interval").to_pylist()
    assert intervals == published and any(value is not None for value in published)


@pytest.fixture(scope="module")
def nan_and_infinity_query(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sql = (
        "SELECT i AS id, (i * 37) % 101 AS a, 'k' || (i % 9) AS c, "
        "CASE WHEN i % 50 = 0 THEN 'NaN'::float8 WHEN i % 50 = 1 THEN 'Infinity'::float8 "
        "WHEN i % 50 = 2 THEN '-Infinity'::float8 WHEN i % 50 = 3 THEN NULL ELSE i / 3.0 END AS v "
        f"FROM generate_series(1, {ROWS}) AS g(i)"
    )
    return write_query(tmp_path_factory.mktemp("nan"), sql)


def test_double_nan_and_infinity_are_staged_as_such(pg_url: str, nan_and_infinity_query: Path, tmp_path: Path) -> None:
    staged = read_table(extract(query=nan_and_infinity_query, source=pg_url, staging=str(tmp_path),
                                name="f", run_id="r").uri)  # fmt: skip
    values = staged.column("v").to_pylist()
    assert staged.schema.field("v").type == pa.float64()
    assert sum(v is not None and math.isnan(v) for v in values) == ROWS // 50
    assert values.count(math.inf) == values.count(-math.inf) == ROWS // 50
    assert values.count(None) == ROWS // 50  # NULL and NaN stay distinct


def test_double_with_nan_and_infinity_round_trips(pg_url: str, nan_and_infinity_query: Path, tmp_path: Path) -> None:
    """Documented mapping: ±Infinity and NULL are generated; NaN is modelled as NULL (pandas' missing value)."""
    result = run(pipeline_spec(nan_and_infinity_query, pg_url, tmp_path))
    assert result.synthesize.rows == result.extract.rows
    published = read_table(result.load.uri)
    assert published.schema.field("v").type == pa.float64()
    counts = special_counts(published.column("v").to_pylist())
    assert counts["inf"] > 0 and counts["-inf"] > 0 and counts["null"] > 0
    assert counts["nan"] == 0


def special_counts(values: list[float | None]) -> dict[str, int]:
    return {"nan": sum(v is not None and math.isnan(v) for v in values), "inf": values.count(math.inf),
            "-inf": values.count(-math.inf), "null": values.count(None)}  # fmt: skip


def test_integer_column_with_nulls_next_to_a_float_column(pg_url: str, tmp_path: Path) -> None:
    sql = (
        "SELECT CASE WHEN i % 10 = 0 THEN NULL ELSE i * 7 END::integer AS a, (i / 7.0)::float8 AS b "
        f"FROM generate_series(1, {ROWS}) AS g(i)"
    )
    result = run(pipeline_spec(write_query(tmp_path, sql), pg_url, tmp_path))
    published = read_table(result.load.uri)
    assert published.schema.field("a").type == pa.int32()
    assert published.column("a").null_count > 0


def test_boolean_column_with_nulls(pg_url: str, tmp_path: Path) -> None:
    sql = (
        "SELECT i AS id, CASE WHEN i % 11 = 0 THEN NULL ELSE i % 3 = 0 END AS flag "
        f"FROM generate_series(1, {ROWS}) AS g(i)"
    )
    result = run(pipeline_spec(write_query(tmp_path, sql), pg_url, tmp_path))
    published = read_table(result.load.uri)
    assert published.schema.field("flag").type == pa.bool_()
    assert published.column("flag").null_count > 0
