from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthpipe.demo import QUERY_FILE, write_demo_database
from synthpipe.engine import Synthesizer
from synthpipe.errors import ConfigError, EmptyResult, QueryError, SchemaError
from synthpipe.extract import extract
from synthpipe.sources import NO_STATEMENT, holds_only_comments
from synthpipe.writers import read_table, schema_from_json


def table_checksum(table: pa.Table) -> str:
    """Order-sensitive digest of every value, independent of the storage format."""
    digest = hashlib.sha256()
    for column in table.columns:
        digest.update(str(column.to_pylist()).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def demo_duckdb(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('db') / 'demo.duckdb'}"
    write_demo_database(url, users=1500, seed=3)
    return url


def write_sql(tmp_path: Path, sql: str) -> Path:
    path = tmp_path / "q.sql"
    path.write_text(sql)
    return path


def test_staged_features_equal_what_the_sql_returns(demo_duckdb: str, tmp_path: Path) -> None:
    result = extract(query=QUERY_FILE, source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r1",
                     batch_rows=100)  # fmt: skip
    expected = duckdb.connect(demo_duckdb.removeprefix("duckdb:///"), read_only=True).sql(QUERY_FILE.read_text())
    expected_table = expected.to_arrow_table()
    staged = pq.read_table(tmp_path / "r1_f.parquet")
    assert result.rows == expected_table.num_rows == staged.num_rows
    assert table_checksum(staged) == table_checksum(expected_table)
    assert result.uri == str(tmp_path / "r1_f.parquet")


def test_csv_staging_keeps_types_through_the_schema_json(demo_duckdb: str, tmp_path: Path) -> None:
    result = extract(query=QUERY_FILE, source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r1", fmt="csv")
    schema = schema_from_json((tmp_path / "r1_f.schema.json").read_text())
    staged = read_table(result.uri, schema=schema)
    assert staged.schema.field("date_account_created").type == pa.date32()
    assert staged.schema.field("total_bookings").type == pa.int64()
    assert staged.num_rows == result.rows


DUCKDB_TYPES_SQL = """
SELECT (i % 6 + 1)::UTINYINT AS quantity, (i * 100)::USMALLINT AS cents, (i * 2654435761 % 4294967295)::UINTEGER AS sku,
       hash(i) AS user_hash, (['paid', 'shipped', NULL])[i % 3 + 1]::order_status AS status,
       TIME '08:00:00' + to_minutes(i) AS at, TIMESTAMP '2024-01-01 10:00:00' + to_seconds(i) AS stamp
FROM range(9) AS r(i)
"""


def test_timestamps_in_seconds_are_staged_as_parquet_holds_them(tmp_path: Path) -> None:
    """Parquet has no seconds unit: DuckDB's TIMESTAMP_S was staged as timestamp[ms] in a Parquet
    file whose schema JSON said timestamp[s], and as timestamp[s] in a CSV, so the same rows and
    seed gave other synthetic rows with CSV staging. Both now stage milliseconds."""
    sql = write_sql(
        tmp_path, "SELECT (TIMESTAMP '2024-01-01 10:00:00' + to_seconds(i))::TIMESTAMP_S AS t FROM range(5) r(i)"
    )
    staged = {}
    for fmt in ("parquet", "csv"):
        result = extract(query=sql, source="duckdb:///:memory:", staging=str(tmp_path / fmt), name="f", run_id="r",
                         fmt=fmt)  # type: ignore[arg-type]  # fmt: skip
        schema = schema_from_json(Path(result.schema_uri).read_text())
        staged[fmt] = read_table(result.uri, schema=schema)
        assert schema.field("t").type == staged[fmt].schema.field("t").type == pa.timestamp("ms")
    assert staged["parquet"].equals(staged["csv"])


@pytest.fixture(scope="module")
def typed_duckdb(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A DuckDB file with an ENUM type, the way an app declares order states."""
    path = tmp_path_factory.mktemp("typed") / "app.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.sql("CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped')")
    return f"duckdb:///{path}"


def test_csv_staging_reads_back_unsigned_integers_and_enums_in_their_types(typed_duckdb: str, tmp_path: Path) -> None:
    """DuckDB's UTINYINT..UBIGINT (``hash()`` is one) and an ENUM staged as CSV came back as text:
    the schema JSON named them (``uint32``, ``dictionary<values=string, ...>``) but only the types
    the reader knew by name were read back, so ``sku`` was learned as a key of text and published
    as strings counting up from the largest one (``'4294203605'``, ``'4294203606'``, ...)."""
    expected = duckdb.connect(typed_duckdb.removeprefix("duckdb:///"), read_only=True).sql(DUCKDB_TYPES_SQL)
    expected_table = expected.to_arrow_table()
    result = extract(query=write_sql(tmp_path, DUCKDB_TYPES_SQL), source=typed_duckdb, staging=str(tmp_path),
                     name="f", run_id="r1", fmt="csv")  # fmt: skip
    staged = read_table(result.uri, schema=schema_from_json(Path(result.schema_uri).read_text()))
    assert staged.schema == expected_table.schema
    assert staged.to_pylist() == expected_table.to_pylist()


def test_total_bookings_are_counted_per_user(tmp_path: Path) -> None:
    database = tmp_path / "hand.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute("""
        CREATE TABLE users (id TEXT, gender TEXT, age INTEGER, language TEXT, signup_method TEXT,
                            date_account_created DATE);
        INSERT INTO users VALUES ('a', 'MALE', 30, 'en', 'basic', DATE '2014-01-01'),
                                 ('b', '-unknown-', NULL, 'fr', 'facebook', DATE '2014-02-01'),
                                 ('c', 'FEMALE', 2014, 'en', 'google', DATE '2014-03-01');
        CREATE TABLE sessions (user_id TEXT, action TEXT, action_type TEXT, action_detail TEXT,
                               device_type TEXT, secs_elapsed DOUBLE);
        INSERT INTO sessions VALUES
            ('a', 'requested', 'booking_request', 'p5', 'Mac Desktop', 10),
            ('a', 'requested', 'booking_request', 'p5', 'Mac Desktop', 20),
            ('a', 'show', 'view', 'p3', 'Mac Desktop', 60),
            ('b', 'show', 'view', 'p3', 'iPhone', 5),
            ('c', 'search', 'click', NULL, 'iPhone', NULL),
            ('c', 'requested', 'booking_request', 'p5', 'iPhone', 7);
    """)
    connection.close()
    result = extract(query=QUERY_FILE, source=f"duckdb:///{database}", staging=str(tmp_path), name="f", run_id="r")
    rows = {row["user_id"]: row for row in read_table(result.uri).to_pylist()}
    assert {user: rows[user]["total_bookings"] for user in rows} == {"a": 2, "b": 0, "c": 1}
    assert (rows["a"]["min_session_time_seconds"], rows["a"]["avg_session_time_seconds"],
            rows["a"]["max_session_time_seconds"]) == (10, 30, 60)  # fmt: skip
    assert rows["a"]["number_of_actions_taken"] == 3 and rows["a"]["number_of_unique_actions"] == 2
    assert rows["c"]["avg_session_time_seconds"] == 7


def test_bad_sql_is_a_query_error_and_writes_nothing(demo_duckdb: str, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="rejected the query"):
        extract(query=write_sql(tmp_path, "SELEC broken FROM"), source=demo_duckdb, staging=str(tmp_path / "out"),
                name="f", run_id="r")  # fmt: skip
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_failure_in_the_callers_code_keeps_its_type(demo_duckdb: str) -> None:
    """Only the driver's failures become source errors; a bug in what consumes the batches used to
    be reported as 'the database rejected the query'."""
    from synthpipe.sources import open_batches

    with pytest.raises(KeyError, match="not the database"), open_batches(demo_duckdb, "SELECT 1 AS a") as batches:
        next(batches)
        raise KeyError("not the database")
    with pytest.raises(QueryError, match="rejected the query"), open_batches(demo_duckdb, "SELEC broken") as batches:
        next(batches)


def test_empty_result_is_a_typed_error_and_writes_nothing(demo_duckdb: str, tmp_path: Path) -> None:
    with pytest.raises(EmptyResult, match="no rows"):
        extract(query=write_sql(tmp_path, "SELECT * FROM users WHERE 1 = 0"), source=demo_duckdb,
                staging=str(tmp_path / "out"), name="f", run_id="r")  # fmt: skip
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_missing_sql_file_is_a_query_error(demo_duckdb: str, tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="not found"):
        extract(query=tmp_path / "nope.sql", source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r")


def test_a_missing_duckdb_file_is_a_permanent_config_error(tmp_path: Path) -> None:
    """It was SourceUnreachable, which is transient: the CLI exited 75 and schedulers retried a typo."""
    with pytest.raises(ConfigError, match=r"DuckDB database file .*none\.duckdb' not found") as caught:
        extract(query=QUERY_FILE, source=f"duckdb:///{tmp_path / 'none.duckdb'}", staging=str(tmp_path),
                name="f", run_id="r")  # fmt: skip
    assert not caught.value.transient and not (tmp_path / "none.duckdb").exists()


def test_duplicate_column_names_are_refused_with_the_fix(demo_duckdb: str, tmp_path: Path) -> None:
    sql = write_sql(tmp_path, "SELECT u.id, s.user_id AS id FROM users u JOIN sessions s ON s.user_id = u.id")
    with pytest.raises(SchemaError, match="alias"):
        extract(query=sql, source=demo_duckdb, staging=str(tmp_path / "out"), name="f", run_id="r")


def test_sqlite_source_gives_the_same_rows_as_duckdb(tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'demo.db'}"
    duck_url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    for url in (sqlite_url, duck_url):
        write_demo_database(url, users=800, seed=5)
    from_sqlite = extract(query=QUERY_FILE, source=sqlite_url, staging=str(tmp_path), name="s", run_id="r")
    from_duckdb = extract(query=QUERY_FILE, source=duck_url, staging=str(tmp_path), name="d", run_id="r")
    sqlite_rows = read_table(from_sqlite.uri).to_pylist()
    duck_rows = read_table(from_duckdb.uri).to_pylist()
    assert len(sqlite_rows) == len(duck_rows) > 0
    assert [r["total_bookings"] for r in sqlite_rows] == [r["total_bookings"] for r in duck_rows]
    assert [r["max_session_time_seconds"] for r in sqlite_rows] == [r["max_session_time_seconds"] for r in duck_rows]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM users;\nSELECT * FROM sessions;\n", "holds 2 statements; it must be a single SELECT"),
        ("-- just a comment\n/* and another */\n", "holds no statement, only comments"),
    ],
)
def test_duckdb_runs_one_statement_or_says_why_not(demo_duckdb: str, tmp_path: Path, sql: str, message: str) -> None:
    """Two statements ran silently and the last one was published; a comment-only file gave
    "'NoneType' object has no attribute 'types'"."""
    with pytest.raises(QueryError, match=message):
        extract(query=write_sql(tmp_path, sql), source=demo_duckdb, staging=str(tmp_path / "out"), name="f",
                run_id="r")  # fmt: skip
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_a_trailing_semicolon_and_comment_are_not_a_second_statement(demo_duckdb: str, tmp_path: Path) -> None:
    sql = write_sql(tmp_path, "SELECT id FROM users; -- the users\n/* done */\n")
    result = extract(query=sql, source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r")
    assert result.columns == ["id"] and result.rows == 1500


@pytest.mark.parametrize("source", ["sqlite://", "duckdb:///:memory:"])
def test_a_comment_only_file_says_so_on_every_source(tmp_path: Path, source: str) -> None:
    """SQLite said "the SQL file does not return rows" (PostgreSQL "syntax error at end of input");
    only DuckDB said what was wrong."""
    sql = write_sql(tmp_path, "-- the users, one row each\n/* to do:\n   write it */ ;\n-- later\n")
    with pytest.raises(QueryError) as raised:
        extract(query=sql, source=source, staging=str(tmp_path / "out"), name="f", run_id="r")
    assert str(raised.value) == NO_STATEMENT


def test_comments_are_read_as_each_database_reads_them(tmp_path: Path) -> None:
    """A query is never refused as comments only where its own database would run it: SQLite's
    comments do not nest (``/* a /* b */`` is one) and end at a newline; DuckDB's and PostgreSQL's
    nest and end at a carriage return too (extract reads the file with newlines made ``\\n``)."""
    query = write_sql(tmp_path, "/* a /* b */ SELECT 1 AS a")
    assert extract(query=query, source="sqlite://", staging=str(tmp_path), name="f", run_id="r").rows == 1
    with pytest.raises(QueryError, match="unterminated /\\* comment"):
        extract(query=query, source="duckdb:///:memory:", staging=str(tmp_path), name="f", run_id="r")
    assert holds_only_comments("/* a /* b */ */", "duckdb") and not holds_only_comments("/* a /* b */ */", "sqlite")
    assert holds_only_comments("-- a\rSELECT 1", "sqlite") and not holds_only_comments("-- a\rSELECT 1", "postgresql")
    assert not holds_only_comments("-- a", "mysql")  # rules not known here: the database judges


@pytest.mark.parametrize("sql", ["DROP TABLE loose", "CREATE TABLE made (a INTEGER)", "DELETE FROM loose"])
def test_a_sqlite_source_is_opened_read_only(tmp_path: Path, sql: str) -> None:
    """Opened read-write, ``DROP TABLE loose`` ran and was committed before the 'must be a single
    SELECT' error; read-only, the database refuses it and the file is left as it was."""
    database = tmp_path / "app.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE loose (a INTEGER)")
        connection.execute("INSERT INTO loose VALUES (1), (2)")
    connection.close()
    with pytest.raises(QueryError, match="readonly"):
        extract(query=write_sql(tmp_path, sql), source=f"sqlite:///{database}", staging=str(tmp_path / "out"),
                name="f", run_id="r")  # fmt: skip
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT name FROM sqlite_master").fetchall() == [("loose",)]
        assert connection.execute("SELECT count(*) FROM loose").fetchone() == (2,)
    connection.close()
    staged = extract(query=write_sql(tmp_path, "SELECT a FROM loose"), source=f"sqlite:///{database}",
                     staging=str(tmp_path / "out"), name="f", run_id="r")  # fmt: skip
    assert read_table(staged.uri).column("a").to_pylist() == [1, 2]


@pytest.mark.parametrize("statement", ["ATTACH DATABASE '{target}' AS x", "VACUUM INTO '{target}'"])
@pytest.mark.parametrize("in_memory", [False, True], ids=["file", "memory"])
def test_a_sqlite_source_creates_no_file(tmp_path: Path, statement: str, in_memory: bool) -> None:
    """``mode=ro`` covers only the main database: ATTACH created an empty file before failing and
    VACUUM INTO wrote a full copy of the source wherever it was told."""
    database = tmp_path / "app.sqlite"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE loose (a INTEGER)")
    connection.close()
    target = tmp_path / "elsewhere" / "made.db"
    target.parent.mkdir()
    source = "sqlite://" if in_memory else f"sqlite:///{database}"
    with pytest.raises(QueryError, match=r"attaches or writes the database file .*made\.db.*only read"):
        extract(query=write_sql(tmp_path, statement.format(target=target)), source=source,
                staging=str(tmp_path / "out"), name="f", run_id="r")  # fmt: skip
    assert list(target.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("COPY (SELECT id FROM users) TO '{target}/users.csv'", "COPY"),
        ("EXPORT DATABASE '{target}/dump'", "EXPORT"),
        ("ATTACH '{target}/other.duckdb' AS other", "ATTACH"),
        ("SET log_query_path = '{target}/queries.log'", "SET"),
        ("INSTALL spatial", "INSTALL"),
        ("/* a note */ -- and another\n  export database '{target}/dump2'", "EXPORT"),
        ("COPY (PIVOT users ON gender USING count(*)) TO '{target}/pivot.csv'", "PIVOT"),
    ],
)
def test_a_duckdb_source_writes_no_file(demo_duckdb: str, tmp_path: Path, sql: str, kind: str) -> None:
    """Read-only DuckDB still runs COPY ... TO and EXPORT DATABASE: both wrote their files, and
    COPY's row count was then staged as the data."""
    target = tmp_path / "elsewhere"
    target.mkdir()
    article = "an" if kind[0] in "AEIOU" else "a"
    with pytest.raises(QueryError, match=rf"holds {article} {kind}\b"):
        extract(query=write_sql(tmp_path, sql.format(target=target)), source=demo_duckdb,
                staging=str(tmp_path / "out"), name="f", run_id="r")  # fmt: skip
    assert list(target.iterdir()) == []


@pytest.mark.parametrize("sql", ["SUMMARIZE users", "describe users", "SHOW TABLES", "SUMMARIZE SELECT age FROM users"])
def test_a_duckdb_description_of_a_table_is_not_taken_for_its_rows(demo_duckdb: str, tmp_path: Path, sql: str) -> None:
    """``SUMMARIZE users`` returns one row of statistics per column (the real min and max as text):
    its 16 rows were synthesised and published as if they were the table's."""
    with pytest.raises(
        QueryError, match=rf"{sql.split()[0].upper()} describes .* not the rows to synthesise; .*SELECT"
    ):
        extract(query=write_sql(tmp_path, sql), source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r")


def test_a_duckdb_pivot_that_lists_its_columns_is_a_select(demo_duckdb: str, tmp_path: Path) -> None:
    sql = write_sql(
        tmp_path, "PIVOT (SELECT id, gender FROM users) ON gender IN ('MALE', 'FEMALE') USING count(*) GROUP BY id"
    )
    result = extract(query=sql, source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r")
    assert result.rows == 1500


def test_a_missing_sqlite_file_is_named_and_not_created(tmp_path: Path) -> None:
    """A mistyped path used to create an empty database, whose error then blamed the SQL ('no such table')."""
    missing = tmp_path / "typo.sqlite"
    with pytest.raises(ConfigError, match=r"SQLite database file .*typo\.sqlite' not found"):
        extract(query=write_sql(tmp_path, "SELECT * FROM loose"), source=f"sqlite:///{missing}",
                staging=str(tmp_path / "out"), name="f", run_id="r")  # fmt: skip
    assert not missing.exists()


def test_duckdb_intervals_are_staged_as_durations_like_postgresql_ones(tmp_path: Path) -> None:
    """DuckDB's INTERVAL comes out of Arrow as month_day_nano_interval, which the engine cannot
    model; staged as duration[us] (a month = 30 days, as DuckDB's epoch()) it is synthesised."""
    database = tmp_path / "intervals.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute(
        "CREATE TABLE t AS SELECT i, CASE WHEN i % 10 = 0 THEN NULL "
        "ELSE to_months((i % 3)::INTEGER) + to_days(1) + to_minutes(i::BIGINT) END AS waited "
        "FROM range(1, 3001) t(i)"
    )
    connection.close()
    result = extract(query=write_sql(tmp_path, "SELECT i, waited FROM t"), source=f"duckdb:///{database}",
                     staging=str(tmp_path / "out"), name="f", run_id="r", batch_rows=700)  # fmt: skip
    staged = read_table(result.uri)
    assert staged.schema.field("waited").type == pa.duration("us")
    assert staged.column("waited").null_count == 300
    first = staged.slice(0, 2).column("waited").to_pylist()
    assert first == [dt.timedelta(days=31, minutes=1), dt.timedelta(days=61, minutes=2)]


def test_infinite_dates_are_staged_as_the_calendars_ends(tmp_path: Path) -> None:
    """DuckDB's 'infinity'::DATE is date32's largest value, year 5881580: reading the staged table
    raised "year 5881580 is out of range" in every later stage; its 'infinity'::TIMESTAMP, int64's
    largest, "date value out of range". A null in a batch holding an infinity came out 0001-01-01."""
    database = tmp_path / "open_ends.duckdb"
    connection = duckdb.connect(str(database))
    connection.execute(
        "CREATE TABLE t AS SELECT i, CASE WHEN i % 13 = 0 THEN 'infinity'::DATE WHEN i % 17 = 0 THEN "
        "'-infinity'::DATE WHEN i % 19 = 0 THEN NULL ELSE DATE '1950-01-01' + (i * 37)::INT END AS valid_to "
        "FROM range(1, 401) t(i)"
    )
    connection.execute("ALTER TABLE t ADD COLUMN ended_at TIMESTAMP")
    connection.execute("UPDATE t SET ended_at = CASE WHEN valid_to IS NULL THEN NULL ELSE valid_to::TIMESTAMP END")
    connection.close()
    result = extract(query=write_sql(tmp_path, "SELECT i, valid_to, ended_at FROM t"), source=f"duckdb:///{database}",
                     staging=str(tmp_path / "out"), name="f", run_id="r", batch_rows=100)  # fmt: skip
    staged = read_table(result.uri).to_pandas()
    dates, times = staged["valid_to"].tolist(), read_table(result.uri).column("ended_at").to_pylist()
    assert dates[12] == dt.date(9999, 12, 31) and dates[16] == dt.date(1, 1, 1) and dates[18] is None
    assert times[12] == dt.datetime(9999, 12, 31, 23, 59, 59, 999999) and times[16] == dt.datetime(1, 1, 1)
    assert times[18] is None and times[0] == dt.datetime(1950, 2, 7)
    assert dates.count(dt.date(9999, 12, 31)) == 400 // 13 and staged["valid_to"].isna().sum() == 19


def test_duckdb_timetz_keeps_its_offset_as_text(tmp_path: Path) -> None:
    sql = """SELECT i, ('08:30:00+02'::TIMETZ + to_minutes(i::BIGINT)) AS "opens at" FROM range(1, 40) t(i)"""
    result = extract(query=write_sql(tmp_path, sql), source="duckdb:///:memory:", staging=str(tmp_path / "out"),
                     name="f", run_id="r")  # fmt: skip
    staged = read_table(result.uri)
    assert staged.schema.field("opens at").type == pa.string()
    assert staged.column("opens at")[0].as_py() == "08:31:00+02"


@pytest.mark.parametrize(
    ("sql", "warned"),
    [
        ("SELECT user_id, action FROM sessions", True),
        ("SELECT user_id, action FROM sessions ORDER BY user_id, secs_elapsed", False),
        ("SELECT * FROM users", False),  # no key repeats: rows in any order give the same run
        ("SELECT CASE WHEN gender = 'FEMALE' THEN id END AS manager_id, gender FROM users", False),  # nulls: no key
        ("SELECT user_id, row_number() OVER (PARTITION BY user_id ORDER BY secs_elapsed) AS n FROM sessions", True),
        ("SELECT * FROM (SELECT user_id FROM sessions ORDER BY user_id) AS s", True),  # a sub-query's order is not kept
        ("SELECT 'order by' AS s, user_id FROM sessions -- ORDER BY user_id", True),  # text and comments
        ("SELECT user_id FROM sessions\nORDER\n  BY user_id", False),
    ],
)
def test_a_query_that_leaves_an_entitys_rows_unordered_is_flagged(
    demo_duckdb: str, tmp_path: Path, sql: str, warned: bool
) -> None:
    """Later stages fix the order of the rows by their values, except among one user's rows,
    whose order the engine learns: without ORDER BY a database may return those in another order
    on each run, and the same seed then gives other synthetic rows."""
    result = extract(query=write_sql(tmp_path, sql), source=demo_duckdb, staging=str(tmp_path), name="f", run_id="r")
    assert bool(result.warnings) is warned
    assert all("ORDER BY user_id" in w for w in result.warnings)
    assert not extract(query=QUERY_FILE, source=demo_duckdb, staging=str(tmp_path), name="d", run_id="r").warnings


@pytest.mark.parametrize(
    ("column", "warned"),
    [
        ("{'city': 'c' || (i % 5), 'zip': 1000 + i % 7} AS address_key", True),
        ("MAP {'city': 'c' || i} AS address_key", False),
        ("[i % 3, 1] AS tag_id", True),
    ],
)
def test_a_nested_column_named_like_a_key_is_checked_for_repeats(tmp_path: Path, column: str, warned: bool) -> None:
    """A STRUCT named address_key crashed extract: Arrow's count_distinct has no kernel for structs."""
    sql = write_sql(tmp_path, f"SELECT i AS n, {column} FROM range(40) t(i)")
    result = extract(query=sql, source="duckdb:///:memory:", staging=str(tmp_path / "out"), name="f", run_id="r")
    assert result.rows == 40 and bool(result.warnings) is warned


UNION = (
    "(CASE WHEN i % 2 = 0 THEN union_value(num := i) ELSE union_value(str := 'x' || i) END)"
    "::UNION(num INT, str VARCHAR)"
)


@pytest.mark.parametrize("column", [f"{UNION} AS u", f"{{'inner': {UNION}}} AS u", f"[{UNION}] AS u"])
def test_a_union_column_is_refused_naming_it_and_the_cast(tmp_path: Path, column: str) -> None:
    """A DuckDB UNION failed extract with a raw ArrowNotImplementedError (Parquet schema conversion)."""
    sql = write_sql(tmp_path, f"SELECT i AS id, {column} FROM range(1, 301) t(i)")
    with pytest.raises(SchemaError, match=r"column 'u' is a UNION .* CAST\(\"u\" AS VARCHAR\)") as caught:
        extract(query=sql, source="duckdb:///:memory:", staging=str(tmp_path / "out"), name="f", run_id="r")
    assert caught.value.context == {"column": "u"}
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def sqlite_orders(path: Path, rows: list[tuple[object, ...]]) -> str:
    """A SQLite file with an app's ``orders`` table, its columns declared as apps declare them."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE orders (id INTEGER, amount TEXT, code TEXT, ratio TEXT, qty TEXT)")
        connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?, ?)", rows)
    connection.close()
    return f"sqlite:///{path}"


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_sqlite_amounts_kept_as_text_are_staged_as_decimals_of_their_scale(tmp_path: Path, fmt: str) -> None:
    """SQLite has no decimal type, so apps keep exact amounts as TEXT ('12.50'); staged as text,
    the amounts of ``SELECT amount FROM orders`` were learned as categories and came out masked
    ('73.**'). Text that is not a number of one fixed scale stays text: a code with a leading zero,
    decimals of several scales, whole numbers (order numbers, zip codes)."""
    rows = [
        (1, "12.50", "007.50", "1.5", "42"),
        (2, "9.30", "1.25", "2.25", "7"),
        (3, None, "3.75", None, None),
        (4, "-0.05", "2.50", "3.125", "3"),
    ]
    source = sqlite_orders(tmp_path / "app.sqlite", rows)
    staged = extract(query=write_sql(tmp_path, "SELECT * FROM orders ORDER BY id"), source=source,
                     staging=str(tmp_path / "out"), name="f", run_id="r", fmt=fmt)  # fmt: skip
    table = read_table(staged.uri, schema=schema_from_json(Path(staged.schema_uri).read_text()))
    assert table.schema.field("amount").type == pa.decimal128(38, 2)
    assert [str(v) if v is not None else None for v in table.column("amount").to_pylist()] == [
        "12.50", "9.30", None, "-0.05"
    ]  # fmt: skip
    assert [table.schema.field(name).type for name in ("code", "ratio", "qty")] == [pa.string()] * 3
    assert table.column("code").to_pylist() == ["007.50", "1.25", "3.75", "2.50"]
    huge = "SELECT '1234567890123456789012345678901234567.50' AS huge"  # 39 digits: no decimal128 holds it
    staged = extract(query=write_sql(tmp_path, huge), source=source, staging=str(tmp_path / "out"), name="f",
                     run_id="r", fmt=fmt)  # fmt: skip
    assert read_table(staged.uri, schema=schema_from_json(Path(staged.schema_uri).read_text())).schema.types == [
        pa.string()
    ]  # fmt: skip


def test_sqlite_text_amounts_that_stop_being_numbers_are_named(tmp_path: Path) -> None:
    """Staged as a decimal from its first rows, a later text that is no amount is named with the
    fix, never quoted (it may be anyone's), and not mistaken for a column that changed type."""
    rows = [(1, "1.50", "a", None, None), (2, "2.50", "b", None, None), (3, "private", "c", None, None)]
    source = sqlite_orders(tmp_path / "app.sqlite", rows)
    with pytest.raises(SchemaError, match=r"'amount' holds numbers written as text with 2 decimals.*printf") as err:
        extract(query=write_sql(tmp_path, "SELECT id, amount FROM orders ORDER BY id"), source=source,
                staging=str(tmp_path / "out"), name="f", run_id="r", batch_rows=2)  # fmt: skip
    assert "private" not in str(err.value)


def test_sqlite_text_amounts_come_back_as_amounts_of_their_scale(tmp_path: Path) -> None:
    """What the user saw: the synthetic amounts of a TEXT column were masked text ('73.**'); now
    they are numbers about the real ones' range (1.00-125.75), with their two decimals."""
    rows = [(i, f"{(i * 37) % 500 / 4 + 1:.2f}", None, None, None) for i in range(300)]
    source = sqlite_orders(tmp_path / "app.sqlite", rows)
    staged = extract(query=write_sql(tmp_path, "SELECT id, amount FROM orders ORDER BY id"), source=source,
                     staging=str(tmp_path / "out"), name="f", run_id="r")  # fmt: skip
    synthetic = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(read_table(staged.uri)).sample(100)
    amounts = synthetic.column("amount").to_pylist()
    assert synthetic.schema.field("amount").type == pa.decimal128(38, 2)
    assert all(v.as_tuple().exponent == -2 and 0 < v < 130 for v in amounts if v is not None)  # real: 1.00-125.75
    assert len(set(amounts)) > 20


def test_sqlite_months_written_by_strftime_come_back_as_months(tmp_path: Path) -> None:
    """``strftime('%Y-%m', created_at)`` is how a SQLite query keys monthly KPIs; its text was
    learned as 24 categories, each rare, and came back masked ('2014-0*'). It is a time line now,
    written back as the same YYYY-MM text."""
    with sqlite3.connect(tmp_path / "app.sqlite") as connection:
        connection.execute("CREATE TABLE orders (created_at TEXT, currency TEXT, amount REAL)")
        connection.executemany(
            "INSERT INTO orders VALUES (?, ?, ?)",
            [(f"{2014 + i // 365}-{i % 12 + 1:02d}-{i % 28 + 1:02d} 10:00:00", cur, i % 50) for i in range(730)
             for cur in ("USD", "EUR", "GBP")],
        )  # fmt: skip
    connection.close()
    sql = "SELECT strftime('%Y-%m', created_at) AS month, currency, count(*) AS orders, sum(amount) AS revenue "
    staged = extract(query=write_sql(tmp_path, sql + "FROM orders GROUP BY 1, 2 ORDER BY 1, 2"),
                     source=f"sqlite:///{tmp_path / 'app.sqlite'}", staging=str(tmp_path / "out"), name="f",
                     run_id="r")  # fmt: skip
    real = read_table(staged.uri)
    synthesizer = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(real)
    months = synthesizer.sample(72).column("month").to_pylist()
    assert synthesizer.describe()["columns"]["month"]["kind"] == "datetime"
    assert all(re.fullmatch(r"201[45]-(0[1-9]|1[0-2])", month) for month in months)
    assert len(set(months)) > 6


def test_sqlite_columns_null_in_the_first_batch_take_the_type_of_their_first_values(tmp_path: Path) -> None:
    """SQLite sorts NULLs first and says no result types: ``LEFT JOIN reviews ... ORDER BY
    r.created_epoch`` began with a batch of orders without a review, and the epochs and tips
    after it were staged as text (learned as categories, masked '14182*****'). A column with no
    value at all is still text."""
    with sqlite3.connect(tmp_path / "app.sqlite") as connection:
        connection.execute("CREATE TABLE orders (id INTEGER)")
        connection.execute("CREATE TABLE reviews (order_id INTEGER, created_epoch INTEGER, tip TEXT, note TEXT)")
        connection.executemany("INSERT INTO orders VALUES (?)", [(i,) for i in range(8)])
        connection.executemany("INSERT INTO reviews VALUES (?, ?, ?, NULL)", [(5, 1402774710, "1.25"),
                                                                              (6, 1415807791, "0.75")])  # fmt: skip
    connection.close()
    sql = """SELECT o.id, r.created_epoch, r.tip, r.note AS "a ""quoted"" note"
             FROM orders o LEFT JOIN reviews r ON r.order_id = o.id
             ORDER BY r.created_epoch, o.id -- SQLite: NULLs first"""
    staged = extract(query=write_sql(tmp_path, sql), source=f"sqlite:///{tmp_path / 'app.sqlite'}",
                     staging=str(tmp_path / "out"), name="f", run_id="r", batch_rows=3)  # fmt: skip
    table = read_table(staged.uri)
    assert [field.type for field in table.schema] == [pa.int64(), pa.int64(), pa.decimal128(38, 2), pa.string()]
    assert table.column("created_epoch").to_pylist()[-2:] == [1402774710, 1415807791]
    assert [str(v) for v in table.column("tip").to_pylist()[-2:]] == ["1.25", "0.75"]


def test_a_panels_unit_codes_without_an_order_by_are_warned_about_like_keys() -> None:
    """A query of R's Blackmoor visits keyed by ``subject`` (``100`` .. ``273b``) orders each girl's
    visits as the database returns them; a school's ``subject`` (words) keys nothing."""
    from synthpipe.extract import unordered_warning

    codes = [str(100 + i // 3) + ("b" if i % 7 == 0 else "") for i in range(360)]
    visits = pa.RecordBatch.from_pydict({"subject": codes, "age": list(range(360))})
    warning = unordered_warning("SELECT * FROM visits", visits)
    assert warning is not None and "repeat 'subject'" in warning
    assert unordered_warning("SELECT * FROM visits ORDER BY subject, age", visits) is None
    lessons = pa.RecordBatch.from_pydict({"subject": ["Math", "Art", "Physics"] * 40, "grade": list(range(120))})
    assert unordered_warning("SELECT * FROM lessons", lessons) is None
