"""Table files: a CSV keeps what a reader needs to type its columns back."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from synthpipe.writers import all_logical_text, as_logical, open_batches, open_writer, read_table

DURATIONS = [
    dt.timedelta(days=1, hours=2, minutes=3, seconds=4, microseconds=500),
    None,
    dt.timedelta(seconds=-90),
    dt.timedelta(0),
    dt.timedelta(days=-40, microseconds=1),
]


def _written(tmp_path: Path, table: pa.Table) -> Path:
    path = tmp_path / "table.csv"
    with path.open("wb") as handle:
        writer = open_writer(handle, table.schema, "csv")
        writer.write(table)
        writer.close()
    return path


def test_a_csv_writes_durations_as_hours_minutes_and_seconds(tmp_path: Path) -> None:
    """pyarrow wrote a duration as its bare integer (93784000500 for 1 day 2:03:04.0005 in
    microseconds): a reader could not know the unit. Written as [-]H:MM:SS.fraction, DuckDB reads
    the column as intervals, and the staging reader types it back from the schema."""
    table = pa.table({"waited": pa.array(DURATIONS, pa.duration("us")), "n": list(range(len(DURATIONS)))})
    path = _written(tmp_path, table)
    lines = path.read_text().splitlines()
    assert lines[1:4] == ['"26:03:04.0005",0', ",1", '"-0:01:30",2']
    assert read_table(str(path), schema=table.schema).equals(table)
    with open_batches(str(path), schema=table.schema) as (schema, batches):
        assert schema == table.schema and pa.Table.from_batches(list(batches), schema).equals(table)
    read = duckdb.execute(f"SELECT waited FROM read_csv('{path}', columns={{'waited': 'INTERVAL', 'n': 'BIGINT'}})")
    assert [row[0] for row in read.fetchall()] == DURATIONS


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_a_duration_keeps_every_unit_exactly_through_a_csv(tmp_path: Path, unit: str) -> None:
    ticks = [0, 1, -1, 10**17 + 7, None]  # 10**17 + 7 is no float64: written exactly
    table = pa.table({"d": pa.array(ticks, pa.int64()).cast(pa.duration(unit))})
    assert read_table(str(_written(tmp_path, table)), schema=table.schema).equals(table)


def test_a_csv_writes_timestamps_to_their_last_nonzero_digit_and_reads_them_back(tmp_path: Path) -> None:
    """pyarrow wrote every timestamp to the microsecond: a column of whole seconds (PostgreSQL's
    timestamp_first_active) was published as ``2013-09-19 22:08:41.000000``. Written as PostgreSQL
    prints them, DuckDB, pandas and the staging reader read them back exactly, a tz-aware one with
    its offset."""
    naive = [dt.datetime(2013, 9, 19, 22, 8, 41), dt.datetime(2013, 9, 19, 22, 8, 41, 500_000), None,
             dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999_999)]  # fmt: skip
    paris = dt.datetime(2024, 3, 31, 1, 59, 59, 1_500, tzinfo=dt.UTC)
    table = pa.table(
        {
            "seen_at": pa.array(naive, pa.timestamp("us")),
            "local": pa.array([paris, paris, None, paris, None], pa.timestamp("us", tz="Europe/Paris")),
            "ns": pa.array([0, 10**9 + 5, None, 1, 10**18], pa.timestamp("ns")),
        }
    )
    path = _written(tmp_path, table)
    lines = path.read_text().splitlines()
    assert lines[1] == '"2013-09-19 22:08:41","2024-03-31 03:59:59.0015+0200","1970-01-01 00:00:00"'
    assert lines[2].startswith('"2013-09-19 22:08:41.5",') and lines[2].endswith(',"1970-01-01 00:00:01.000000005"')
    assert lines[4].startswith('"0001-01-01 00:00:00",')
    assert read_table(str(path), schema=table.schema).equals(table)
    with open_batches(str(path), schema=table.schema) as (schema, batches):
        assert pa.Table.from_batches(list(batches), schema).equals(table)
    columns = "{'seen_at': 'TIMESTAMP', 'local': 'VARCHAR', 'ns': 'VARCHAR'}"
    read = duckdb.execute(f"SELECT seen_at FROM read_csv('{path}', columns={columns})")
    assert [row[0] for row in read.fetchall()] == naive


def test_a_csv_writes_arrays_structs_and_maps_as_json_read_back_in_their_types(tmp_path: Path) -> None:
    """pyarrow's CSV writer refused nested columns (ArrowInvalid: Unsupported Type); as JSON text,
    DuckDB reads them as JSON, and the staged schema types them back."""
    table = pa.table(
        {
            "tags": pa.array([["red", "blue"], [], None], pa.list_(pa.string())),
            "visit": pa.array(
                [{"n": 1, "day": dt.date(2024, 1, 2)}, None, {"n": None, "day": None}],
                pa.struct([("n", pa.int32()), ("day", pa.date32())]),
            ),
            "attrs": pa.array([[("size", 3)], [], None], pa.map_(pa.string(), pa.int64())),
            "codes": pa.array([[(7, "v")], None, []], pa.map_(pa.int64(), pa.string())),
        }
    )
    path = _written(tmp_path, table)
    lines = path.read_text().splitlines()
    assert lines[1] == '"[""red"", ""blue""]","{""n"": 1, ""day"": ""2024-01-02""}","{""size"": 3}","[[7, ""v""]]"'
    assert read_table(str(path), schema=table.schema).equals(table)
    read = duckdb.execute(f"SELECT tags::JSON ->> '$[0]', attrs::JSON ->> '$.size' FROM read_csv('{path}') LIMIT 1")
    assert read.fetchall() == [("red", "3")]


def test_the_staged_schema_describes_nested_types_exactly() -> None:
    from synthpipe.extract import describe_schema
    from synthpipe.writers import schema_from_json

    schema = pa.schema({"x": pa.float64(), "tags": pa.list_(pa.string()), "attrs": pa.map_(pa.string(), pa.int64())})
    assert schema_from_json(json.dumps(describe_schema(schema, 3))) == schema


def test_a_csv_writes_bytes_as_postgresql_hex_read_back_exactly(tmp_path: Path) -> None:
    """pyarrow wrote raw bytes, and a CSV reader refused the file (Invalid UTF8 payload)."""
    table = pa.table({"digest": pa.array([bytes.fromhex("89504e47"), None, b"", b"\\x"], pa.binary())})
    path = _written(tmp_path, table)
    assert path.read_text().splitlines()[1:] == ['"\\x89504e47"', "", '"\\x"', '"\\x5c78"']
    assert read_table(str(path), schema=table.schema).equals(table)


def test_a_csv_writes_times_of_day_to_their_last_nonzero_digit_and_reads_them_back(tmp_path: Path) -> None:
    """A DuckDB TIME (``ordered_at::TIME``, ``make_time(hour(t), 0, 0)``) was published to the
    microsecond, ``09:00:00.000000``, where timestamps beside it read ``2013-09-19 22:08:41``."""
    times = [dt.time(9, 0), dt.time(17, 49, 34, 500_000), None, dt.time(23, 59, 59, 999_999), dt.time(0, 0)]
    table = pa.table(
        {"seen": pa.array(times, pa.time64("us")), "ns": pa.array([1, 0, None, 10**9, 5], pa.time64("ns"))}
    )
    path = _written(tmp_path, table)
    assert path.read_text().splitlines()[1:3] == ['"09:00:00","00:00:00.000000001"', '"17:49:34.5","00:00:00"']
    assert read_table(str(path), schema=table.schema).equals(table)
    read = duckdb.execute(f"SELECT seen FROM read_csv('{path}', columns={{'seen': 'TIME', 'ns': 'VARCHAR'}})")
    assert [row[0] for row in read.fetchall()] == times


def test_text_that_is_no_uuid_or_json_is_not_published_as_one() -> None:
    """Load publishes a column staged from a DuckDB UUID or JSON in that type only when every
    synthetic value is such text; a made-up label (``_RARE_``) keeps the column text."""
    uuids = pa.array(["81309ddc-3a1a-4b37-845a-afc58b877e6c", None])
    assert all_logical_text(uuids, "uuid")
    assert not all_logical_text(pa.array(["81309ddc-3a1a-4b37-845a-afc58b877e6c", "_RARE_"]), "uuid")
    assert all_logical_text(pa.array(['{"plan": "pro"}', "[]", None]), "json")
    assert not all_logical_text(pa.array(['{"plan": "pro"}', '{"plan": pro*}']), "json")
    published = as_logical(uuids, pa.uuid())
    assert (
        published.type == pa.uuid() and str(published[0].as_py()) == uuids[0].as_py() and published[1].as_py() is None
    )
