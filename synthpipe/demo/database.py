"""Write the generated demo tables into DuckDB (default), PostgreSQL or SQLite, chosen by URL."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy.engine import make_url

from synthpipe.demo.airbnb import SESSIONS_SCHEMA, USERS_DEFAULT, USERS_SCHEMA, DemoChunk, generate
from synthpipe.errors import ConfigError, MissingDependency
from synthpipe.stores import redact_url

_SQL_TYPES = {
    pa.string(): "TEXT",
    pa.date32(): "DATE",
    pa.timestamp("us"): "TIMESTAMP",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE PRECISION",
}

# Row-store engines need it to roll sessions up per user without a scan per user.
_INDEXES = ("CREATE INDEX sessions_by_user ON sessions (user_id)", "CREATE UNIQUE INDEX users_by_id ON users (id)")


@dataclass(frozen=True)
class DemoDatabase:
    """What was written: where, and how many rows per table."""

    url: str
    users: int
    sessions: int


def write_demo_database(url: str, *, users: int = USERS_DEFAULT, seed: int = 0) -> DemoDatabase:
    """Create (or replace) the ``users`` and ``sessions`` tables at ``url``.

    Args:
        url: a SQLAlchemy URL: ``duckdb:///path.duckdb``, ``postgresql://user:pass@host/db``
            or ``sqlite:///path.db``.
        users: number of users; sessions follow (~50 per active user).
        seed: the same seed writes the same rows.
    """
    backend = make_url(url).get_backend_name()
    writers = {"duckdb": _write_duckdb, "postgresql": _write_postgres, "sqlite": _write_sqlite}
    if backend not in writers:
        raise ConfigError(
            f"demo-data cannot write to {redact_url(url)!r}; valid backends: {sorted(writers)}",
            backend=backend,
        )
    counts = writers[backend](url, generate(users=users, seed=seed))
    return DemoDatabase(url=redact_url(url), users=counts[0], sessions=counts[1])


def _create_statements(quote: str = '"') -> list[str]:
    statements = []
    for name, schema in (("users", USERS_SCHEMA), ("sessions", SESSIONS_SCHEMA)):
        columns = ", ".join(f"{quote}{f.name}{quote} {_SQL_TYPES[f.type]}" for f in schema)
        statements += [f"DROP TABLE IF EXISTS {name}", f"CREATE TABLE {name} ({columns})"]
    return statements


def duckdb_load(connection: Any, chunks: Iterable[DemoChunk]) -> tuple[int, int]:
    """Append the chunks to fresh ``users``/``sessions`` tables on an open DuckDB connection."""
    for statement in _create_statements():
        connection.execute(statement)
    counts = [0, 0]
    for chunk in chunks:
        for index, (name, table) in enumerate((("users", chunk.users), ("sessions", chunk.sessions))):
            connection.register("_chunk", table)
            connection.execute(f"INSERT INTO {name} SELECT * FROM _chunk")
            connection.unregister("_chunk")
            counts[index] += table.num_rows
    return counts[0], counts[1]


def _write_duckdb(url: str, chunks: Iterable[DemoChunk]) -> tuple[int, int]:
    import duckdb

    database = make_url(url).database or ":memory:"
    if database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(database)
    try:
        return duckdb_load(connection, chunks)
    finally:
        connection.close()


def _write_postgres(url: str, chunks: Iterable[DemoChunk]) -> tuple[int, int]:
    try:
        import psycopg
    except ImportError as exc:
        raise MissingDependency(package="psycopg", extra="postgres", purpose="PostgreSQL") from exc
    parsed = make_url(url)
    with psycopg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password, dbname=parsed.database
    ) as connection:
        for statement in _create_statements():
            connection.execute(statement)
        counts = [0, 0]
        for chunk in chunks:
            for index, (name, table) in enumerate((("users", chunk.users), ("sessions", chunk.sessions))):
                _copy_into_postgres(connection, name, table)
                counts[index] += table.num_rows
        for statement in _INDEXES:
            connection.execute(statement)
        connection.execute("ANALYZE users")
        connection.execute("ANALYZE sessions")
    return counts[0], counts[1]


def _copy_into_postgres(connection: Any, name: str, table: pa.Table) -> None:
    """COPY is PostgreSQL's bulk path: one round trip per chunk instead of one per row."""
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer, pacsv.WriteOptions(include_header=False))
    with connection.cursor().copy(f"COPY {name} FROM STDIN (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def _write_sqlite(url: str, chunks: Iterable[DemoChunk]) -> tuple[int, int]:
    database = make_url(url).database or ":memory:"
    connection = sqlite3.connect(database)
    try:
        for statement in _create_statements():
            connection.execute(statement)
        counts = [0, 0]
        for chunk in chunks:
            for index, (name, table) in enumerate((("users", chunk.users), ("sessions", chunk.sessions))):
                marks = ", ".join("?" * table.num_columns)
                rows = zip(*(_sqlite_values(column) for column in table.columns), strict=True)
                connection.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
                counts[index] += table.num_rows
        for statement in _INDEXES:
            connection.execute(statement)
        connection.commit()
        return counts[0], counts[1]
    finally:
        connection.close()


def _sqlite_values(column: pa.ChunkedArray) -> list[Any]:
    """SQLite has no date type: store ISO text, as SQLite's own date functions expect."""
    if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
        return [None if value is None else value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
                for value in column.to_pylist()]  # fmt: skip
    return column.to_pylist()
