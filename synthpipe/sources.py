"""Sources: run one SQL statement and stream its result as Arrow record batches.

DuckDB files are read natively and PostgreSQL through ADBC where its types allow (Arrow end to
end, no Python objects); every other SQLAlchemy URL, and PostgreSQL results with other types, go
through a server-side cursor, converted to Arrow batch by batch with
types taken from the driver's column description where it has one (PostgreSQL).
Embedded database files (DuckDB, SQLite) are opened read-only: the SQL file can change nothing.
Every failure becomes a typed ``SourceError`` whose message never contains the password.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.engine import URL, make_url

from synthpipe.engine.frames import CALENDAR_DAYS
from synthpipe.errors import (
    ConfigError,
    MissingDependency,
    QueryError,
    SchemaError,
    SourceAuthError,
    SourceError,
    SourceUnreachable,
    SynthpipeError,
)
from synthpipe.redaction import scrub
from synthpipe.stores import redact_url

_DRIVER_PACKAGES = {"postgresql": ("psycopg", "postgres"), "mysql": ("pymysql", "mysql")}
_AUTH_MARKERS = ("password authentication failed", "authentication failed", "Access denied", "no password supplied")
_UNREACHABLE_MARKERS = (
    "Connection refused",
    "could not connect",
    "timeout expired",
    "server closed the connection",
    "Name or service not known",
    "connection is closed",
    "terminating connection",
    "consuming input failed",
)
# what libpq says (through ADBC or psycopg) when a server it reached ended the connection attempt: a
# database, role or option the URL names that the server does not know ('database "app2" does not exist')
_REFUSED_MARKERS = ("Failed to connect", "connection failed:", "connection to server at")

# PostgreSQL type OIDs -> Arrow types (what psycopg reports in cursor.description).
_PG_TYPES: dict[int, pa.DataType] = {
    16: pa.bool_(),
    20: pa.int64(),
    21: pa.int16(),
    23: pa.int32(),
    26: pa.int64(),
    700: pa.float32(),
    701: pa.float64(),
    18: pa.string(),
    19: pa.string(),
    25: pa.string(),
    1042: pa.string(),
    1043: pa.string(),
    1082: pa.date32(),
    1083: pa.time64("us"),
    1266: pa.string(),  # timetz: its text keeps the offset, which Arrow's time64 would silently drop
    1114: pa.timestamp("us"),
    1184: pa.timestamp("us", tz="UTC"),
    1186: pa.duration("us"),
    2950: pa.string(),  # uuid: kept as its canonical text
    114: pa.string(),  # json / jsonb: kept as JSON text
    3802: pa.string(),
    17: pa.binary(),
    869: pa.string(),  # inet / cidr: kept as text
    650: pa.string(),
}
_ONE_SELECT = "it must be a single SELECT (or WITH ... SELECT)"
_DESCRIPTIONS = frozenset({"SUMMARIZE", "DESCRIBE", "SHOW"})  # DuckDB runs them as SELECTs of metadata
_PG_NUMERIC = 1700
_PG_MONEY = 790
# money as a number: the server writes it in its lc_monetary ($1,234.50), two decimals nearly everywhere
_MONEY_TYPE = pa.decimal128(38, 2)


NO_STATEMENT = "the SQL file holds no statement, only comments; write one SELECT statement in it"


class _CommentRules(NamedTuple):
    nested: bool  # /* /* */ */ is one comment (PostgreSQL, DuckDB), not one and a stray */ (SQLite)
    line_ends: str  # what ends a -- comment: PostgreSQL's and DuckDB's lexers take \r too, SQLite only \n


_COMMENT_RULES = {
    "postgresql": _CommentRules(nested=True, line_ends="\r\n"),
    "duckdb": _CommentRules(nested=True, line_ends="\r\n"),
    "sqlite": _CommentRules(nested=False, line_ends="\n"),
}


def parse_source(source: str) -> URL:
    """The SQLAlchemy URL of ``source``, or a ConfigError that shows the accepted forms."""
    try:
        return make_url(source)
    except Exception as exc:
        raise ConfigError(
            f"source {redact_url(source)!r} is not a database URL; use e.g. duckdb:///file.duckdb, "
            "sqlite:///file.db or postgresql://user:password@host:5432/db",
        ) from exc


@contextlib.contextmanager
def open_batches(source: str, sql: str, *, batch_rows: int = 65_536) -> Iterator[Iterator[pa.RecordBatch]]:
    """Run ``sql`` on ``source``; yield an iterator of record batches with one fixed schema."""
    url = parse_source(source)
    if holds_only_comments(sql, url.get_backend_name()):
        raise QueryError(NO_STATEMENT)
    secret = url.password or ""
    opener = {"duckdb": _duckdb_batches, "postgresql": _postgres_batches}.get(url.get_backend_name())
    with contextlib.ExitStack() as stack:
        try:
            batches = stack.enter_context((opener or _sqlalchemy_batches)(url, sql, batch_rows))
        except SynthpipeError:
            raise
        except Exception as exc:
            raise translate_source_error(exc, secret=secret) from exc
        # only the driver's failures are translated: one raised by the caller's own code keeps its type
        yield _guarded(batches, secret)


def _guarded(batches: Iterator[pa.RecordBatch], secret: str) -> Iterator[pa.RecordBatch]:
    """Failures while streaming (a dropped connection) get the same typed errors as at the start."""
    try:
        yield from (_in_parquet_units(_within_calendar(batch)) for batch in batches)
    except SynthpipeError:
        raise
    except Exception as exc:
        raise translate_source_error(exc, secret=secret) from exc


def _in_parquet_units(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with its timestamps in seconds (DuckDB's TIMESTAMP_S) in milliseconds, the
    coarsest unit Parquet holds.

    Why: a staged Parquet file held them as timestamp[ms] under a schema JSON saying timestamp[s],
    and a staged CSV as timestamp[s], so the same rows and seed gave other synthetic rows with
    CSV staging."""
    seconds = [i for i, kind in enumerate(batch.schema.types) if pa.types.is_timestamp(kind) and kind.unit == "s"]
    if not seconds:
        return batch
    columns, schema = list(batch.columns), batch.schema
    for i in seconds:
        schema = schema.set(i, schema.field(i).with_type(pa.timestamp("ms", tz=schema.types[i].tz)))
        columns[i] = columns[i].cast(schema.types[i])
    return pa.RecordBatch.from_arrays(columns, schema=schema)  # fields keep their metadata (a UUID's mark)


_TICKS_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000}  # ns timestamps stay within 1677-2262


def _within_calendar(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` with its dates and timestamps past the calendar (an ``'infinity'::date``, date32's
    largest value, year 5881580; an ``'infinity'::timestamp``, int64's largest) staged as
    9999-12-31 (23:59:59.999999), the usual open end, and ``'-infinity'`` as 0001-01-01; nulls stay.

    Why: Python's dates end at year 9999, so reading the staged table raised "year 5881580 is out
    of range" (a timestamp: "date value out of range") in every later stage, and the SQL file was
    the only place to mend it."""
    columns = list(batch.columns)
    for i, field in enumerate(batch.schema):
        bounds = _calendar_bounds(field.type)
        if bounds is not None:
            columns[i] = _clamped(columns[i], *bounds)
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _calendar_bounds(kind: pa.DataType) -> tuple[pa.DataType, int, int] | None:
    """The storage type and the first and last values of the calendar (0001-01-01 to 9999-12-31)
    in ``kind``'s unit, for a date or a timestamp that can leave it; else None."""
    if pa.types.is_date32(kind):
        return pa.int32(), CALENDAR_DAYS[0], CALENDAR_DAYS[1]
    per_day = _TICKS_PER_DAY.get(kind.unit) if pa.types.is_timestamp(kind) else None
    if per_day is None:
        return None
    return pa.int64(), CALENDAR_DAYS[0] * per_day, (CALENDAR_DAYS[1] + 1) * per_day - 1


def _clamped(column: pa.Array, storage: pa.DataType, low: int, high: int) -> pa.Array:
    ticks = column.cast(storage)
    if not pc.any(pc.or_(pc.less(ticks, low), pc.greater(ticks, high))).as_py():
        return column
    # skip_nulls=False: with the default a null came out as the calendar's first day
    within = pc.min_element_wise(pc.max_element_wise(ticks, low, skip_nulls=False), high, skip_nulls=False)
    return within.cast(storage).cast(column.type)


def translate_source_error(exc: BaseException, *, secret: str = "") -> SourceError:
    """Map a driver failure onto synthpipe's source errors, with the password (``secret``) and every
    password the spec substituted scrubbed."""
    text = scrub(str(exc), secret)
    text = text.split("\n(Background on this error")[0].strip()
    if _mentions(text, _AUTH_MARKERS):
        return SourceAuthError(
            f"the source refused the credentials ({_first_line(text)}); check the user and password "
            "in the source URL or the Airflow connection",
        )
    if _mentions(text, _UNREACHABLE_MARKERS):
        return SourceUnreachable(
            f"the source database is unreachable ({_first_line(text)}); check host, port and that "
            "the server is running",
        )
    if _mentions(text, _REFUSED_MARKERS):
        # not the query's fault (it never ran), and a retry meets the same refusal
        return SourceError(
            f"the source refused the connection ({_first_line(text)}); check the database name, user and "
            "options in the source URL or the Airflow connection",
        )
    return QueryError(f"the database rejected the query: {text}; fix the SQL file and run again")


def _mentions(text: str, markers: Sequence[str]) -> bool:
    return any(marker.lower() in text.lower() for marker in markers)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no details"


@contextlib.contextmanager
def _duckdb_batches(url: URL, sql: str, batch_rows: int) -> Iterator[Iterator[pa.RecordBatch]]:
    import duckdb

    database = url.database or ":memory:"
    if database != ":memory:":
        _existing_database_file(database, kind="DuckDB")  # missing: a ConfigError, which no retry fixes
    connection = duckdb.connect(database, read_only=database != ":memory:")
    try:
        relation = _as_text_where_arrow_loses(connection.sql(_one_statement(duckdb, sql)))
        logical = {name: _LOGICAL[str(kind)] for name, kind in zip(relation.columns, relation.types, strict=True)
                   if str(kind) in _LOGICAL}  # fmt: skip
        reader = relation.to_arrow_reader(batch_rows)
        yield (_marked(_intervals_as_durations(batch), logical) for batch in reader)
    finally:
        connection.close()


def holds_only_comments(sql: str, backend: str) -> bool:
    """Whether database ``backend`` reads ``sql`` as nothing but comments, ``;`` and whitespace;
    False where its comment rules are not known here (the database then judges).

    Why: a comment-only file got "syntax error at end of input" from PostgreSQL and "does not
    return rows" from SQLite, where DuckDB said what was wrong. Each database's own rules, as a
    file it would run must never be refused: ``/* a /* b */ SELECT 1`` is a query to SQLite."""
    rules = _COMMENT_RULES.get(backend)
    return rules is not None and _code_start(sql, rules) == len(sql)


def _code_start(sql: str, rules: _CommentRules) -> int:
    """Where the first character past the leading comments, ``;`` and whitespace of ``sql`` is
    (``len(sql)``: none). An unterminated comment is code to PostgreSQL and DuckDB (they say so
    themselves) and the rest of the text to SQLite."""
    at = 0
    while at < len(sql):
        if sql.startswith("--", at):
            ends = (sql.find(char, at) for char in rules.line_ends)
            at = min((end for end in ends if end >= 0), default=len(sql))
        elif sql.startswith("/*", at):
            end = _comment_end(sql, at, nested=rules.nested)
            if end < 0:
                return at if rules.nested else len(sql)
            at = end
        elif sql[at].isspace() or sql[at] == ";":
            at += 1
        else:
            return at
    return at


def _comment_end(sql: str, start: int, *, nested: bool) -> int:
    """Where the ``/*`` comment at ``start`` ends (past its ``*/``), or -1 when it does not."""
    depth, at = 1, start + 2
    while depth:
        closer = sql.find("*/", at)
        opener = sql.find("/*", at) if nested else -1
        if closer < 0:
            return -1
        depth, at = (depth + 1, opener + 2) if 0 <= opener < closer else (depth - 1, closer + 2)
    return at


def _one_statement(duckdb: Any, sql: str) -> str:
    """``sql`` if it holds exactly one statement (a trailing ``;`` or comment is none) and that one
    only reads, else a QueryError.

    Why: DuckDB runs every statement of ``SELECT * FROM people; SELECT * FROM orders;`` and returns
    the last, which was staged and published without a word; a comment-only file gave
    "'NoneType' object has no attribute 'types'". And a read-only DuckDB connection still writes
    files: ``COPY (...) TO '/tmp/x.csv'`` and ``EXPORT DATABASE '/tmp/dump'`` wrote them (COPY's row
    count was then staged as the data), ``INSTALL`` downloads into ~/.duckdb, ``SET`` can point a
    log at any path."""
    statements = duckdb.extract_statements(sql)
    if not statements:
        raise QueryError(NO_STATEMENT)
    if len(statements) > 1:
        raise QueryError(
            f"the SQL file holds {len(statements)} statements; {_ONE_SELECT}: keep one (WITH or a join can "
            "combine them)"
        )
    kind = statements[0].type
    if kind == duckdb.StatementType.MULTI:  # a PIVOT whose columns DuckDB finds first: COPY can wrap it too
        raise QueryError(
            "the SQL file holds a PIVOT that does not list its columns (DuckDB runs it as several statements); "
            "list them: PIVOT ... ON col IN ('a', 'b')"
        )
    if kind == duckdb.StatementType.SELECT and _first_word(statements[0].query) in _DESCRIPTIONS:
        raise QueryError(
            f"the SQL file's {_first_word(statements[0].query)} describes tables or columns, not the rows to "
            f"synthesise; {_ONE_SELECT} returning the rows (SUMMARIZE users gave one row of statistics per column)"
        )
    if kind != duckdb.StatementType.SELECT:
        word = _first_word(statements[0].query) or kind.name
        raise QueryError(
            f"the SQL file holds {'an' if word[0] in 'AEIOU' else 'a'} {word} statement; {_ONE_SELECT}: the "
            "source is only read, so COPY, EXPORT, ATTACH, INSTALL, LOAD, SET and writes are refused before they run"
        )
    return sql


def _first_word(statement: str) -> str:
    """The statement's first keyword as written, upper-cased (DuckDB types ``INSTALL`` as ``LOAD``:
    the refusal read "holds a LOAD statement" for an INSTALL, and "a EXPORT")."""
    words = statement[_code_start(statement, _COMMENT_RULES["duckdb"]) :].split(maxsplit=1)
    return words[0].upper().strip("(;") if words else ""


LOGICAL_TYPE = b"synthpipe.logical_type"  # field metadata: what the source's type was, where Arrow's does not say
_LOGICAL = {"UUID": b"uuid", "JSON": b"json"}  # DuckDB types its Arrow export gives as plain text
_PG_LOGICAL = {"uuid": b"uuid", "json": b"json", "jsonb": b"json"}  # PostgreSQL types staged as their text
_PG_LOGICAL_OIDS = {2950: "uuid", 114: "json", 3802: "jsonb"}  # their type oids, as a psycopg description gives them


def _marked(batch: pa.RecordBatch, logical: dict[str, bytes]) -> pa.RecordBatch:
    """``batch`` with the columns the driver hands over as text marked with their type (``logical``:
    column -> ``b"uuid"`` or ``b"json"``, as ``LOGICAL_TYPE``), so that load publishes them in that
    type again where the destination has it.

    Why: DuckDB's Arrow export gives a UUID and a JSON as text, and a Parquet destination published
    VARCHAR where DuckDB's own ``COPY ... TO 'x.parquet'`` writes Parquet's UUID and JSON; a
    PostgreSQL uuid, json or jsonb (staged as its text on both paths, ADBC and psycopg) likewise."""
    if not logical:
        return batch
    fields = [
        field.with_metadata({LOGICAL_TYPE: logical[field.name]}) if field.name in logical else field
        for field in batch.schema
    ]
    return pa.RecordBatch.from_arrays(batch.columns, schema=pa.schema(fields))


_STAGED_AS_TEXT = frozenset({"TIME WITH TIME ZONE", "BIT"})


def _as_text_where_arrow_loses(relation: Any) -> Any:
    """``relation`` with its TIMETZ and BIT columns cast to text.

    Why: DuckDB exports TIMETZ as Arrow time64 and silently drops the offset; as text it keeps it
    (a PostgreSQL timetz is staged as text too). A BIT came as its storage bytes (a padding count,
    then the bits: '0101' as ``b'\\x04\\xf5'``), learned and published as a BLOB no one could read;
    its text is what DuckDB's own ``COPY ... TO 'x.parquet'`` writes."""
    types = [str(kind) for kind in relation.types]
    if not _STAGED_AS_TEXT & set(types):
        return relation
    quoted = ['"' + name.replace('"', '""') + '"' for name in relation.columns]
    columns = [
        f"CAST({column} AS VARCHAR) AS {column}" if kind in _STAGED_AS_TEXT else column
        for column, kind in zip(quoted, types, strict=True)
    ]
    return relation.project(", ".join(columns))


_MONTH_US = 30 * 86_400 * 10**6  # a month counts as 30 days, as in DuckDB's epoch() and psycopg's PostgreSQL intervals
_DAY_US = 86_400 * 10**6
_INTERVAL = pa.month_day_nano_interval()


def _intervals_as_durations(batch: pa.RecordBatch) -> pa.RecordBatch:
    """DuckDB's INTERVAL arrives as Arrow month_day_nano_interval, which nothing downstream models;
    as ``duration[us]`` it is the same type a PostgreSQL interval is staged as."""
    if _INTERVAL not in batch.schema.types:
        return batch
    columns = [_as_duration(column) if column.type == _INTERVAL else column for column in batch.columns]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def _as_duration(column: pa.Array) -> pa.Array:
    parts = np.frombuffer(column.buffers()[1], dtype=[("months", "<i4"), ("days", "<i4"), ("nanos", "<i8")])
    parts = parts[column.offset : column.offset + len(column)]
    micros = parts["months"] * np.int64(_MONTH_US) + parts["days"] * np.int64(_DAY_US) + parts["nanos"] // 1000
    return pa.array(micros, type=pa.duration("us"), mask=column.is_null().to_numpy(zero_copy_only=False))


# PostgreSQL types the ADBC driver hands over as the Arrow type the row path gives them, or as one
# turned into it (interval: month_day_nano -> duration[us]; numeric: text -> decimal128 / float64;
# uuid: 16 bytes -> canonical text); any other type takes the row path.
_ADBC_TYPES = frozenset(
    {"bool", "int2", "int4", "int8", "float4", "float8", "text", "varchar", "bpchar", "name", "char"}
    | {"date", "timestamp", "timestamptz", "time", "interval", "numeric", "uuid"}
)
_ADBC_BYTES_PER_VALUE = 8  # turns batch_rows into the driver's batch size hint (it cuts batches by bytes)


@contextlib.contextmanager
def _postgres_batches(url: URL, sql: str, batch_rows: int) -> Iterator[Iterator[pa.RecordBatch]]:
    """PostgreSQL through ADBC where it can: libpq's binary COPY straight into Arrow (10M rows of the
    scale table: 8.2 s, against 43.7 s as Python rows and 5.6 s for psql's own \\copy). The query is
    described first, without running it; a result with a type the row path maps differently
    (json, arrays, timetz...), a statement that cannot be described, or a missing driver
    take the row path, whose errors and types are the reference."""
    try:
        import adbc_driver_postgresql.dbapi as adbc
    except ModuleNotFoundError:
        adbc = None
    columns = 0
    if adbc is not None:
        connection = adbc.connect(_libpq_uri(url))
        try:
            cursor = connection.cursor()
            columns = _arrow_ready_columns(cursor, sql)
            if columns:
                # the driver cuts batches by bytes: about 8 per value keeps them near batch_rows rows
                hint = max(batch_rows * columns * _ADBC_BYTES_PER_VALUE, 1024)
                cursor.adbc_statement.set_options(**{"adbc.postgresql.batch_size_hint_bytes": str(hint)})
                cursor.execute(sql)
                reader = cursor.fetch_record_batch()
                logical = _pg_logical([(f.name, (f.metadata or {}).get(b"POSTGRESQL:type", b"").decode())
                                       for f in reader.schema])  # fmt: skip
                yield (_marked(_plain(batch), logical) for batch in reader)
        finally:
            connection.close()
    if not columns:
        with _sqlalchemy_batches(url, sql, batch_rows) as batches:
            yield batches


def _libpq_uri(url: URL) -> str:
    """A libpq connection URI: every part percent-encoded (libpq refuses a raw space, which
    SQLAlchemy's rendering leaves in a password), query options passed on as they are."""
    user = quote(url.username or "", safe="")
    password = f":{quote(url.password, safe='')}" if url.password else ""
    host = url.host or ""
    port = f":{url.port}" if url.port else ""
    database = quote(url.database or "", safe="")
    # percent-encoded, spaces too: libpq reads no "+" as a space (urlencode's default), so
    # options=-c%20TimeZone%3DUTC reached the server as "-c+TimeZone=UTC"
    query = urlencode(list(url.query.items()), doseq=True, quote_via=quote)
    return f"postgresql://{user}{password}@{host}{port}/{database}" + (f"?{query}" if query else "")


def _arrow_ready_columns(cursor: Any, sql: str) -> int:
    """How many columns the statement returns, if every one has a type ADBC hands over as the row
    path would; else 0 (and then the row path runs it)."""
    try:
        schema = cursor.adbc_execute_schema(sql)
    except Exception as exc:
        if _mentions(str(exc), (*_AUTH_MARKERS, *_UNREACHABLE_MARKERS)):
            raise
        return 0  # the row path runs it and says what is wrong, as it always has
    types = [(field.metadata or {}).get(b"POSTGRESQL:type", b"").decode() for field in schema]
    return len(types) if types and all(kind in _ADBC_TYPES for kind in types) else 0


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Driver metadata dropped (it would ride into the staged file's schema), numerics typed as the
    row path types them, intervals as durations, infinities as PostgreSQL's own."""
    columns = [
        _infinities_unwrapped(_as_row_path_type(column, field))
        for column, field in zip(batch.columns, batch.schema, strict=True)
    ]
    return _intervals_as_durations(pa.RecordBatch.from_arrays(columns, names=batch.schema.names))


def _as_row_path_type(column: pa.Array, field: pa.Field) -> pa.Array:
    """ADBC hands numeric over as its text and uuid as 16 bytes: numeric(p, s) becomes
    decimal128(p, s), an unconstrained numeric float64, and a uuid its canonical text, exactly as
    from psycopg's column description."""
    meta = field.metadata or {}
    kind = meta.get(b"POSTGRESQL:type")
    if kind == b"uuid":
        return _uuid_text(column.storage if isinstance(column, pa.ExtensionArray) else column)
    if kind != b"numeric":
        return column
    typmod = int(meta.get(b"POSTGRESQL:typmod", b"-1"))
    precision, scale = ((typmod - 4) >> 16, (typmod - 4) & 0xFFFF) if typmod >= 4 else (None, None)
    text = column.storage if isinstance(column, pa.ExtensionArray) else column
    return text.cast(_numeric_type(precision, scale))


def _wrapped(value: int, shift: int, bits: int) -> int:
    """``value + shift`` wrapped into a signed integer of ``bits`` bits, as C's arithmetic does."""
    half = 1 << (bits - 1)
    return (value + shift + half) % (2 * half) - half


# ADBC moves PostgreSQL's dates and timestamps from its 2000 epoch to 1970's by adding the offset,
# also to the infinities (the type's largest and smallest values), which wrap: 'infinity'::date
# arrives as -2147472692 and '-infinity' as -2147472691 (both then read as 0001-01-01).
_PG_EPOCH_SHIFT = {pa.int32(): (10_957, 32), pa.int64(): (946_684_800_000_000, 64)}  # days; microseconds


def _infinities_unwrapped(column: pa.Array) -> pa.Array:
    """``column`` with ADBC's wrapped infinities of a date or microsecond timestamp set back to
    PostgreSQL's (``_within_calendar`` then stages them at the calendar's ends)."""
    storage = pa.int32() if pa.types.is_date32(column.type) else None
    if pa.types.is_timestamp(column.type) and column.type.unit == "us":
        storage = pa.int64()
    if storage is None:
        return column
    shift, bits = _PG_EPOCH_SHIFT[storage]
    largest, smallest = (1 << (bits - 1)) - 1, -(1 << (bits - 1))
    ticks = column.cast(storage)
    for end in (largest, smallest):
        ticks = pc.if_else(pc.equal(ticks, _wrapped(end, shift, bits)), pa.scalar(end, storage), ticks)
    return ticks.cast(column.type)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_UUID_DIGITS = np.concatenate(
    [np.arange(0, 8), np.arange(9, 13), np.arange(14, 18), np.arange(19, 23), np.arange(24, 36)]
)


def _uuid_text(raw: pa.FixedSizeBinaryArray) -> pa.Array:
    """16-byte uuids as ``8-4-4-4-12`` lower-case hex text, vectorised (no Python object per row)."""
    n = len(raw)
    data = np.frombuffer(raw.buffers()[1], dtype=np.uint8)[raw.offset * 16 : (raw.offset + n) * 16].reshape(n, 16)
    text = np.full((n, 36), ord("-"), dtype=np.uint8)
    text[:, _UUID_DIGITS] = np.stack([_HEX[data >> 4], _HEX[data & 15]], axis=2).reshape(n, 32)
    offsets = pa.array(np.arange(0, 36 * n + 1, 36, dtype=np.int32))
    strings = pa.StringArray.from_buffers(n, offsets.buffers()[1], pa.py_buffer(text.tobytes()))
    return pc.if_else(raw.is_null(), pa.scalar(None, pa.string()), strings) if raw.null_count else strings


@contextlib.contextmanager
def _sqlalchemy_batches(url: URL, sql: str, batch_rows: int) -> Iterator[Iterator[pa.RecordBatch]]:
    from sqlalchemy import create_engine

    sqlite = url.get_backend_name() == "sqlite"
    engine = _create_engine(create_engine, _sqlite_read_only(url) if sqlite else url)
    _load_infinities(engine)
    attached: list[str] = []
    if sqlite:
        _refuse_attach(engine, attached)
    try:
        with engine.connect() as connection:
            # no_parameters: the SQL goes to the driver as written, so a literal % (modulo, LIKE 'a%')
            # is not mistaken for a placeholder; nothing is ever bound into the operator's SQL.
            options = connection.execution_options(stream_results=True, yield_per=batch_rows, no_parameters=True)
            try:
                result = options.exec_driver_sql(sql)
            except Exception as exc:
                if attached:
                    raise QueryError(
                        f"the SQL file attaches or writes the database file {attached[0]!r} (ATTACH or VACUUM "
                        "INTO); the SQLite source is only read: query the source database's own tables",
                        path=attached[0],
                    ) from exc
                raise
            if not result.returns_rows:
                raise QueryError(f"the SQL file does not return rows; {_ONE_SELECT}")
            types = _described_types(result.cursor.description)
            postgres = url.get_backend_name() == "postgresql"
            logical = _pg_logical(_described_names(result.cursor.description)) if postgres else {}
            settle = (
                functools.partial(_sqlite_schema, functools.partial(_first_values, options, sql), batch_rows)
                if sqlite
                else _settled
            )
            partitions = _json_as_text(result.partitions(batch_rows), list(result.keys()), logical)
            batches = _convert_partitions(partitions, list(result.keys()), types, settle)
            yield (_marked(batch, logical) for batch in batches)
    finally:
        engine.dispose()


def _json_as_text(
    partitions: Iterator[Sequence[Any]], names: list[str], logical: dict[str, bytes]
) -> Iterator[Sequence[Any]]:
    """``partitions`` with each value of a json or jsonb column (``logical``) as its JSON text.

    Why: psycopg hands a json value over parsed, so a string scalar (``'"abc"'::jsonb``) was staged
    as the bare text ``abc``, no JSON document: a Parquet destination then kept the column as text
    (load publishes JSON only where every value is JSON). Objects and arrays were JSON text already.
    A JSON ``null`` arrives as None and is staged as NULL, as before: psycopg does not tell them apart."""
    places = [at for at, name in enumerate(names) if logical.get(name) == b"json"]
    if not places:
        yield from partitions
        return
    for rows in partitions:
        texts = [list(row) for row in rows]
        for row in texts:
            for at in places:
                row[at] = None if row[at] is None else json.dumps(row[at], default=str, ensure_ascii=False)
        yield texts


def _load_infinities(engine: Any) -> None:
    """psycopg connections of ``engine`` read PostgreSQL's ``'infinity'`` and ``'-infinity'`` dates
    and timestamps as the calendar's ends (9999-12-31 23:59:59.999999, 0001-01-01), as ADBC's
    are staged.

    Why: psycopg refuses them ("date too large (after year 10K): 'infinity'"), so a query with
    an open-ended ``valid_to`` failed as soon as another column (json, an array) took this path."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return
    from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader
    from sqlalchemy import event

    utc = dt.UTC
    loaders = {
        "date": _infinity_loader(DateLoader, dt.date.min, dt.date.max),
        "timestamp": _infinity_loader(TimestampLoader, dt.datetime.min, dt.datetime.max),
        "timestamptz": _infinity_loader(TimestamptzLoader, dt.datetime.min.replace(tzinfo=utc),
                                        dt.datetime.max.replace(tzinfo=utc)),
    }  # fmt: skip

    def register(connection: Any, _record: Any) -> None:
        for name, loader in loaders.items():
            connection.adapters.register_loader(name, loader)

    event.listen(engine, "connect", register)


def _infinity_loader(base: type[Any], first: object, last: object) -> type[Any]:
    """A subclass of psycopg's text loader ``base`` that reads ``-infinity`` as ``first`` and
    ``infinity`` as ``last``."""

    def load(self: Any, data: Any) -> Any:
        text = bytes(data)
        return last if text == b"infinity" else first if text == b"-infinity" else base.load(self, data)

    return type(f"Open{base.__name__}", (base,), {"load": load})


def _refuse_attach(engine: Any, attached: list[str]) -> None:
    """Every connection of ``engine`` refuses ATTACH (and VACUUM INTO, which attaches its target);
    the file each tried to open is appended to ``attached``.

    Why: ``mode=ro`` covers only the main database: ``ATTACH DATABASE '/tmp/x.db' AS x`` created an
    empty /tmp/x.db before the "does not return rows" error, and ``VACUUM INTO '/tmp/copy.db'``
    wrote a full copy of the source database wherever it was told."""
    import sqlite3

    from sqlalchemy import event

    def authorize(action: int, target: str | None, *_: str | None) -> int:
        if action != sqlite3.SQLITE_ATTACH:
            return sqlite3.SQLITE_OK
        attached.append(target or "")
        return sqlite3.SQLITE_DENY

    event.listen(engine, "connect", lambda connection, _record: connection.set_authorizer(authorize))


def _sqlite_read_only(url: URL) -> URL:
    """The SQLite URL as a read-only SQLite URI (``file:///abs/path?mode=ro``).

    Why: opened read-write, a SQL file holding ``DROP TABLE loose`` ran and was committed before the
    "must be a single SELECT" error, and a mistyped path silently created an empty database, whose
    error then blamed the SQL ("no such table"). Read-only, writes fail and no file is created."""
    database = url.database or ":memory:"
    if database == ":memory:":
        return url
    if str(url.query.get("uri", "")).lower() in ("true", "1"):  # already a SQLite URI: only force read-only
        return url.update_query_dict({"mode": "ro"})
    path = _existing_database_file(database, kind="SQLite")
    return url.set(database=path.as_uri()).update_query_dict({"mode": "ro", "uri": "true"})


def _existing_database_file(database: str, *, kind: str) -> Path:
    """The absolute path of an embedded database file, or a ConfigError naming it: a missing file is
    a wrong URL (or a database not built yet), which no retry fixes."""
    path = Path(database).resolve()
    if not path.is_file():
        where = "" if str(path) == database else f" (looked for {str(path)!r})"
        raise ConfigError(
            f"{kind} database file {database!r} not found{where}; fix the source URL "
            "or build the database first (synthpipe demo-data)",
            path=str(path),
        )
    return path


def _create_engine(create_engine: Any, url: URL) -> Any:
    try:
        return create_engine(url)
    except ModuleNotFoundError as exc:
        backend = url.get_backend_name()
        package, extra = _DRIVER_PACKAGES.get(backend, (exc.name or backend, backend))
        raise MissingDependency(package=package, extra=extra, purpose=f"the {backend} source") from exc


def _described_types(description: Sequence[Any] | None) -> list[pa.DataType | None]:
    """Arrow types from a PostgreSQL-style description; None where the driver does not say."""
    types: list[pa.DataType | None] = []
    for column in description or []:
        oid = column[1] if isinstance(column[1], int) else None
        if oid == _PG_NUMERIC:
            types.append(_numeric_type(getattr(column, "precision", None), getattr(column, "scale", None)))
        elif oid == _PG_MONEY:
            types.append(_MONEY_TYPE)
        else:
            types.append(_PG_TYPES.get(oid) if oid is not None else None)
    return types


def _described_names(description: Sequence[Any] | None) -> list[tuple[str, str]]:
    """``(column, type name)`` of a psycopg description for the types of ``_PG_LOGICAL`` (by oid),
    ``""`` for any other."""
    return [(column[0], _PG_LOGICAL_OIDS.get(column[1], "")) for column in description or []]


def _pg_logical(columns: list[tuple[str, str]]) -> dict[str, bytes]:
    """The ``_marked`` map of the columns whose PostgreSQL type (``(column, type name)``) is staged as
    its text and has a type of its own in Parquet (``_PG_LOGICAL``)."""
    return {column: _PG_LOGICAL[kind] for column, kind in columns if kind in _PG_LOGICAL}


def _numeric_type(precision: int | None, scale: int | None) -> pa.DataType:
    """numeric(p, s) keeps its exact decimal type; unconstrained numeric becomes float64 (documented)."""
    if precision and precision <= 38 and scale is not None:
        return pa.decimal128(precision, scale)
    return pa.float64()


def _convert_partitions(
    partitions: Iterator[Sequence[Any]],
    names: list[str],
    types: list[pa.DataType | None],
    settle: Callable[[pa.RecordBatch], pa.Schema] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Rows as record batches of one schema: the one ``settle`` (``_settled`` by default) reads
    in the first batch, every batch cast to it."""
    schema: pa.Schema | None = None
    for rows in partitions:
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        arrays = [_to_arrow(name, values, kind) for name, values, kind in zip(names, columns, types, strict=True)]
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
        if schema is None:
            schema = (settle or _settled)(batch)
        yield _cast_batch(batch, schema)


def _to_arrow(name: str, values: Sequence[Any], kind: pa.DataType | None) -> pa.Array:
    """One column of Python values as Arrow; values Arrow cannot hold natively are kept as text."""
    if kind is _MONEY_TYPE:
        values = [_money_value(value) for value in values]
    if kind is not None and not pa.types.is_string(kind):
        try:
            return pa.array(values, type=kind)
        except (pa.ArrowInvalid, pa.ArrowTypeError, decimal.InvalidOperation, OverflowError):
            if pa.types.is_floating(kind):  # unconstrained numeric: its Decimals become float64 (documented)
                with contextlib.suppress(pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
                    return pa.array([None if value is None else float(value) for value in values], type=kind)
    try:
        return pa.array(values, type=kind) if kind is not None else pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_as_text(value) for value in values], type=pa.string())


def _money_value(value: Any) -> Any:
    """PostgreSQL ``money`` as the number its text writes, in any lc_monetary (``$1,234.50``,
    ``-$1.00``, ``1.234,50 €``): the separator before the last one or two digits is the decimal
    point, every other character but digits a symbol or a grouping mark.

    Why: as text, unique amounts were taken for keys and came back as ``$569285658``."""
    if not isinstance(value, str):
        return value
    digits = "".join(c for c in value if c.isdigit() or c in ".,")
    point = max(digits.rfind("."), digits.rfind(","))
    cents = point >= 0 and 1 <= len(digits) - point - 1 <= 2
    whole, fraction = (digits[:point], digits[point + 1 :]) if cents else (digits, "")
    number = decimal.Decimal("".join(c for c in whole if c.isdigit()) or "0")
    if fraction:
        number += decimal.Decimal(fraction) / 10 ** len(fraction)
    return -number if "-" in value or "(" in value else number


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def _settled(first: pa.RecordBatch) -> pa.Schema:
    """Columns that were all null in the first batch become text: the only type that takes anything."""
    return pa.schema([pa.field(f.name, pa.string()) if pa.types.is_null(f.type) else f for f in first.schema])


# Text SQLite holds an exact amount in: digits, a point and a fixed number of decimals (``12.50``,
# ``-0.05``); no sign, leading zero or space a number's text would not have (``007.50`` is a code).
_FIXED_POINT_TEXT = re.compile(r"-?(?:0|[1-9]\d*)\.(\d+)")


def _sqlite_schema(values_of: Callable[[str], list[Any]], batch_rows: int, first: pa.RecordBatch) -> pa.Schema:
    """The schema of a SQLite result, which says no types: each column's is that of its values in
    the first batch or, where they are all NULL and more rows follow (a full batch of
    ``batch_rows``), of its first non-null values in the whole result (``values_of``); text whose
    every value is a number written with the same number of decimals (``'12.50'``) is a decimal of
    that scale; a column with no value at all is text.

    Why the first non-null values: SQLite sorts NULLs first, so ``... LEFT JOIN reviews ...
    ORDER BY r.created_epoch`` began with 65,536 rows without a review, and the epochs, staged as
    the text a NULL column is given, were learned as categories and masked ('14182*****').

    Why decimals: SQLite has no decimal type (NUMERIC and REAL columns round ``12.10`` to a binary
    float), so apps keep exact amounts as TEXT; staged as text, ``SELECT amount FROM orders`` was
    learned as 6,000 categories and came out masked (``73.**``, ``2**.**``). A decimal of the same
    scale is learned as a number and written back as the same text (``91.44``, ``9.30``)."""
    unique = len(set(first.schema.names)) == len(first.schema.names)  # else check_column_names says so
    more = first.num_rows == batch_rows
    fields = []
    for field, column in zip(first.schema, first.columns, strict=True):
        if pa.types.is_null(field.type) and unique and more:
            column = _to_arrow(field.name, values_of(field.name), None)
        fields.append(pa.field(field.name, _sqlite_type(column)))
    return pa.schema(fields)


def _sqlite_type(column: pa.Array) -> pa.DataType:
    if pa.types.is_null(column.type):
        return pa.string()  # the only type that takes anything
    scale = _fixed_point_scale(column) if pa.types.is_string(column.type) else None
    return column.type if scale is None else pa.decimal128(38, scale)


_PROBED_VALUES = 1_000  # the first non-null values of a column the first batch holds none of


def _first_values(connection: Any, sql: str, name: str) -> list[Any]:
    """The first non-null values of result column ``name``, read by running the query once more as a
    sub-query (only for a column the first batch holds no value of); none where it does not run so
    (the column is then text, as before)."""
    from sqlalchemy.exc import SQLAlchemyError

    quoted = '"' + name.replace('"', '""') + '"'
    probe = f"SELECT {quoted} FROM (\n{sql}\n) WHERE {quoted} IS NOT NULL LIMIT {_PROBED_VALUES}"
    try:
        return [row[0] for row in connection.exec_driver_sql(probe)]
    except SQLAlchemyError:
        return []


def _fixed_point_scale(column: pa.Array) -> int | None:
    """The number of decimals every value of text ``column`` is written with, or None when a value
    is not such a number, the counts differ or the column holds no value."""
    scales = {_decimals(text) for text in column.drop_null().unique().to_pylist()}
    return scales.pop() if len(scales) == 1 and None not in scales else None


def _decimals(text: str) -> int | None:
    """The decimals of fixed-point ``text`` that a decimal128 holds (38 digits at most), else None."""
    found = _FIXED_POINT_TEXT.fullmatch(text)
    return len(found.group(1)) if found and len(text.lstrip("-")) - 1 <= 38 else None


def _cast_batch(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    if batch.schema.equals(schema):
        return batch
    arrays = []
    for field, column in zip(schema, batch.columns, strict=True):
        try:
            arrays.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            if pa.types.is_decimal(field.type) and pa.types.is_string(column.type):
                raise _not_fixed_point(field) from exc
            raise SchemaError(
                f"column {field.name!r} changes type in the middle of the result ({field.type} "
                f"then {column.type}); CAST it to one type in the SQL",
                column=field.name,
            ) from exc
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _not_fixed_point(field: pa.Field) -> SchemaError:
    """A text column staged as a decimal (``_sqlite_schema``) that holds a value later which is no
    number of its decimals; the value itself is not shown (it may be anyone's)."""
    name, scale = field.name, field.type.scale
    return SchemaError(
        f"column {name!r} holds numbers written as text with {scale} decimals in its first rows, so it is "
        f"staged as {field.type}, but a later value is no number of at most {scale} decimals; make every "
        f"value one in the SQL (other text NULL), e.g. CASE WHEN \"{name}\" GLOB '*[^0-9.-]*' THEN NULL "
        f'ELSE printf(\'%.{scale}f\', "{name}") END AS "{name}"',
        column=name,
    )
