"""Extract from a real PostgreSQL server (a throwaway cluster the test session starts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote, quote_plus

import adbc_driver_postgresql.dbapi as adbc
import duckdb
import pyarrow as pa
import pytest

from synthpipe.demo import QUERY_FILE, write_demo_database
from synthpipe.errors import QueryError, SourceAuthError, SourceError, SourceUnreachable
from synthpipe.extract import extract
from synthpipe.sources import NO_STATEMENT
from synthpipe.writers import read_table
from tests.servers import PostgresServer, free_port
from tests.unit.test_extract import table_checksum

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_demo(pg_server: PostgresServer) -> str:
    write_demo_database(pg_server.url, users=1500, seed=11)
    return pg_server.url


def test_postgres_extract_equals_the_same_query_on_duckdb(pg_demo: str, tmp_path: Path) -> None:
    duck_url = f"duckdb:///{tmp_path / 'same.duckdb'}"
    write_demo_database(duck_url, users=1500, seed=11)
    from_pg = extract(query=QUERY_FILE, source=pg_demo, staging=str(tmp_path), name="pg", run_id="r", batch_rows=256)
    expected = duckdb.connect(str(tmp_path / "same.duckdb"), read_only=True).sql(QUERY_FILE.read_text())
    staged = read_table(from_pg.uri)
    expected_table = expected.to_arrow_table()
    assert from_pg.rows == expected_table.num_rows == staged.num_rows
    assert staged.column_names == expected_table.column_names
    assert staged.schema.field("date_account_created").type == expected_table.schema.field("date_account_created").type
    assert table_checksum(staged) == table_checksum(expected_table)


def test_wrong_password_is_an_auth_error_without_the_password(pg_server: PostgresServer, tmp_path: Path) -> None:
    wrong = "wrong-password-123456"
    url = f"postgresql://{pg_server.user}:{wrong}@{pg_server.host}:{pg_server.port}/{pg_server.database}"
    with pytest.raises(SourceAuthError) as caught:
        extract(query=QUERY_FILE, source=url, staging=str(tmp_path), name="f", run_id="r")
    assert wrong not in str(caught.value) and wrong not in repr(caught.value.context)
    assert not list(tmp_path.iterdir())


def test_unreachable_server_is_a_transient_error(tmp_path: Path) -> None:
    url = f"postgresql://u:some-password-1@127.0.0.1:{free_port()}/db"
    with pytest.raises(SourceUnreachable) as caught:
        extract(query=QUERY_FILE, source=url, staging=str(tmp_path), name="f", run_id="r")
    assert caught.value.transient
    assert "some-password-1" not in str(caught.value)


PLAIN_TYPES_SQL = """
SELECT g AS i4, g::int2 AS i2, g::int8 * 1000000000 AS i8, g / 3.0::float4 AS f4, g / 7.0::float8 AS f8,
       g % 2 = 0 AS flag, 'row ' || g AS label, ('c' || g % 3)::varchar(4) AS code, 'x'::char(3) AS padded,
       date '2024-01-01' + g AS day, timestamp '2024-01-01 08:00' + g * interval '90 minutes' AS at,
       timestamptz '2024-01-01 08:00+02' + g * interval '1 day' AS at_tz, time '08:30' AS clock,
       g * interval '1 day 2 hours' + interval '1 month' AS span,
       CASE WHEN g % 5 = 0 THEN NULL ELSE g END AS sparse, (g * 1.25)::numeric(12, 2) AS price,
       g / 7.0 AS ratio, (g::numeric * 1000000)::numeric(40, 3) AS wide,
       CASE WHEN g % 4 = 0 THEN NULL ELSE md5(g::text)::uuid END AS key
FROM generate_series(1, 3000) AS g
"""

MIXED_TYPES_SQL = (
    "SELECT g AS id, g / 3.0 AS ratio, (g * 1.5)::numeric(10, 2) AS price, json_build_object('g', g) AS doc "
    "FROM generate_series(1, 50) g"
)


def test_plain_types_stream_through_arrow_exactly_as_rows_would(pg_server: PostgresServer) -> None:
    """ADBC (libpq COPY into Arrow) must give the same table, types and values as the row path."""
    from sqlalchemy.engine import make_url

    from synthpipe.sources import _arrow_ready_columns, _postgres_batches, _sqlalchemy_batches

    with adbc.connect(pg_server.url) as connection, connection.cursor() as cursor:
        assert _arrow_ready_columns(cursor, PLAIN_TYPES_SQL) == 19  # so the ADBC path is the one compared
        assert _arrow_ready_columns(cursor, MIXED_TYPES_SQL) == 0
    url = make_url(pg_server.url)
    with _postgres_batches(url, PLAIN_TYPES_SQL, 500) as batches:
        batches = list(batches)
    with _sqlalchemy_batches(url, PLAIN_TYPES_SQL, 500) as rows:
        expected = pa.Table.from_batches(list(rows))
    assert len(batches) >= 3  # streamed in pieces near batch_rows, not as one block
    assert pa.Table.from_batches(batches).equals(expected)


def test_types_arrow_would_hand_over_differently_take_the_row_path(pg_server: PostgresServer) -> None:
    from synthpipe.sources import open_batches

    with open_batches(pg_server.url, MIXED_TYPES_SQL) as batches:
        table = pa.Table.from_batches(list(batches))
    assert table.schema.field("price").type == pa.decimal128(10, 2)
    assert table.schema.field("ratio").type == pa.float64() and table.schema.field("doc").type == pa.string()
    assert table.num_rows == 50 and not table.schema.metadata


def test_a_password_with_url_characters_and_spaces_connects_and_never_shows(pg_server: PostgresServer) -> None:
    """libpq refuses a raw space in a URI (SQLAlchemy's rendering leaves one in a password), and a
    driver may echo the password percent-encoded: neither form may reach an error message."""
    import psycopg

    from synthpipe.errors import SourceAuthError
    from synthpipe.sources import open_batches

    password = "p@ss:w/rd%1 x?&#"
    with psycopg.connect(pg_server.url, autocommit=True) as connection:
        connection.execute("DROP ROLE IF EXISTS odd_password")
        connection.execute(f"CREATE ROLE odd_password LOGIN PASSWORD '{password}'")
    host = f"{pg_server.host}:{pg_server.port}/{pg_server.database}"
    url = f"postgresql://odd_password:{quote(password, safe='')}@{host}?application_name=odd"
    with open_batches(url, "SELECT 1 AS a, 'x' AS b") as batches:
        assert pa.Table.from_batches(list(batches)).to_pylist() == [{"a": 1, "b": "x"}]
    wrong = password + "z"
    with (
        pytest.raises(SourceAuthError) as caught,
        open_batches(url.replace(quote(password, safe=""), quote(wrong, safe="")), "SELECT 1") as batches,
    ):
        list(batches)
    message = str(caught.value)
    assert wrong not in message and quote(wrong, safe="") not in message and quote_plus(wrong) not in message


def test_a_comment_only_file_says_so_and_a_query_after_a_comment_runs(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    """PostgreSQL answered a comment-only file with "syntax error at end of input"."""
    query = tmp_path / "q.sql"
    query.write_text("-- the users\n/* to do: /* nested */ write it */ ;\n")
    with pytest.raises(QueryError) as raised:
        extract(query=query, source=pg_server.url, staging=str(tmp_path), name="c", run_id="r")
    assert str(raised.value) == NO_STATEMENT
    query.write_text("/* a note /* nested */ */ SELECT 1 AS a")
    assert extract(query=query, source=pg_server.url, staging=str(tmp_path), name="c", run_id="r").rows == 1


def test_url_options_with_spaces_reach_the_server_as_written(pg_server: PostgresServer) -> None:
    """libpq reads a URI's query percent-decoded only, so a space written as ``+`` (urlencode's
    default) arrived as a plus: ``?options=-c%20TimeZone%3DEurope/Berlin`` failed with
    'unrecognized configuration parameter "+TimeZone"' (blamed on the SQL file), and
    ``application_name=nightly%20run`` was set to ``nightly+run``."""
    from synthpipe.sources import open_batches

    options = "options=-c%20TimeZone%3DEurope/Berlin&application_name=nightly%20run"
    sql = "SELECT current_setting('TimeZone') AS zone, current_setting('application_name') AS app"
    with open_batches(f"{pg_server.url}?{options}", sql) as batches:
        assert pa.Table.from_batches(list(batches)).to_pylist() == [{"zone": "Europe/Berlin", "app": "nightly run"}]


@pytest.mark.parametrize(
    ("part", "wrong", "named"),
    [("database", "no_such_db", 'database "no_such_db" does not exist'),
     ("options", "-c no_such_setting=1", '"no_such_setting"')],
)  # fmt: skip
def test_a_connection_the_server_refuses_blames_the_source_url_not_the_sql(
    pg_server: PostgresServer, tmp_path: Path, part: str, wrong: str, named: str
) -> None:
    """A mistyped database name (or a bad connection option) was reported as "the database rejected
    the query: ... fix the SQL file", though the SQL never ran."""
    server = f"postgresql://{pg_server.user}:{pg_server.password}@{pg_server.host}:{pg_server.port}"
    url = (
        f"{server}/{wrong}" if part == "database" else f"{server}/{pg_server.database}?options={quote(wrong, safe='')}"
    )
    with pytest.raises(SourceError) as caught:
        extract(query=QUERY_FILE, source=url, staging=str(tmp_path), name="f", run_id="r")
    message = str(caught.value)
    assert not isinstance(caught.value, QueryError) and not caught.value.transient
    assert named in message and "source URL" in message and "SQL file" not in message
    assert pg_server.password not in message


OPEN_ENDS_SQL = """
SELECT g AS i,
       CASE WHEN g % 7 = 0 THEN 'infinity'::date WHEN g % 11 = 0 THEN '-infinity'::date
            WHEN g % 13 = 0 THEN NULL ELSE date '2020-01-01' + g END AS valid_to,
       CASE WHEN g % 7 = 0 THEN 'infinity'::timestamp WHEN g % 11 = 0 THEN '-infinity'::timestamp
            WHEN g % 13 = 0 THEN NULL ELSE timestamp '2020-01-01' + g * interval '1 hour' END AS ended_at,
       CASE WHEN g % 7 = 0 THEN 'infinity'::timestamptz WHEN g % 11 = 0 THEN '-infinity'::timestamptz
            WHEN g % 13 = 0 THEN NULL ELSE timestamptz '2020-01-01 00:00+00' + g * interval '1 hour' END AS ended_tz
       EXTRA
FROM generate_series(1, 100) AS g ORDER BY g
"""


@pytest.mark.parametrize("extra", ["", ", json_build_object('g', g) AS doc"], ids=["arrow", "rows"])
def test_infinite_dates_and_timestamps_are_staged_as_the_calendars_ends(
    pg_server: PostgresServer, tmp_path: Path, extra: str
) -> None:
    """PostgreSQL's open ends (``COALESCE(valid_to, 'infinity')``, a slowly changing dimension's
    current rows) are staged as 9999-12-31 (23:59:59.999999) and ``'-infinity'`` as 0001-01-01;
    nulls stay null.
    Through ADBC, whose epoch shift wraps PostgreSQL's sentinels, both ends of a date came out
    0001-01-01 and a timestamp's as a number no later stage could read ("date value out of range");
    through psycopg (any query with a json column) extract failed: "date too large (after year 10K):
    'infinity'; fix the SQL file"."""
    query = tmp_path / "open_ends.sql"
    query.write_text(OPEN_ENDS_SQL.replace("EXTRA", extra))
    result = extract(query=query, source=pg_server.url, staging=str(tmp_path), name="e", run_id="r")
    rows = read_table(result.uri).to_pylist()
    end, start = dt.datetime(9999, 12, 31, 23, 59, 59, 999999), dt.datetime(1, 1, 1)
    utc = dt.UTC
    assert [rows[6][c] for c in ("valid_to", "ended_at")] == [dt.date(9999, 12, 31), end]  # g = 7
    assert [rows[10][c] for c in ("valid_to", "ended_at")] == [dt.date(1, 1, 1), start]  # g = 11
    assert rows[6]["ended_tz"] == end.replace(tzinfo=utc) and rows[10]["ended_tz"] == start.replace(tzinfo=utc)
    assert rows[0]["valid_to"] == dt.date(2020, 1, 2) and rows[0]["ended_at"] == dt.datetime(2020, 1, 1, 1)
    assert rows[0]["ended_tz"] == dt.datetime(2020, 1, 1, 1, tzinfo=utc)
    assert [rows[12][c] for c in ("valid_to", "ended_at", "ended_tz")] == [None, None, None]  # g = 13
