"""Stage 1 — extract: run a SQL file against a source and stage its result on a store.

Reads: the SQL file and the source database. Writes: ``<run_id>_<name>.schema.json`` and then
``<run_id>_<name>.<parquet|csv>`` on the staging store, each atomically; the features are the
commit marker (``_stage_batches``). The result streams through Arrow record batches, so peak
memory depends on the batch size, not the result size.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from synthpipe.engine.codecs.identifier import may_name_a_key, names_a_key, names_units
from synthpipe.engine.nested import arrow_json_text, is_nested, type_text
from synthpipe.errors import EmptyResult, QueryError, SchemaError
from synthpipe.query_order import SortKey, query_order
from synthpipe.sources import LOGICAL_TYPE, open_batches
from synthpipe.stores import Store
from synthpipe.workspace import Workspace
from synthpipe.writers import TableWriter, closed_on_error, open_writer, type_from_name

StagingFormat = Literal["parquet", "csv"]
log = logging.getLogger(__name__)


class ExtractResult(BaseModel):
    """What extract staged: small enough for XCom."""

    uri: str
    schema_uri: str
    rows: int
    columns: list[str]
    seconds: float
    warnings: list[str] = []
    order_by: list[str] = []  # the query's ORDER BY as output columns: load publishes the synthetic rows so


def extract(
    *,
    query: str | Path,
    source: str,
    staging: Store | str,
    name: str,
    run_id: str,
    fmt: StagingFormat = "parquet",
    batch_rows: int = 65_536,
) -> ExtractResult:
    """Run the SQL in file ``query`` against ``source`` and stage the rows.

    Args:
        query: path of a ``.sql`` file the operator controls (nothing is interpolated into it).
        source: a SQLAlchemy URL (``duckdb:///f.duckdb``, ``postgresql://u:p@h/db``, ``sqlite:///f.db``).
        staging: the store (or its URL) that receives the staged features.
        name: the data set's name, used in keys (``booking_features``).
        run_id: scopes every key, so a rerun of the same run id overwrites the same keys.
        fmt: staged file format.
        batch_rows: rows per Arrow batch; bounds memory.

    Raises:
        QueryError: missing SQL file or SQL the database rejects.
        EmptyResult: the query returned no rows (nothing is written).
        SchemaError: duplicate column names or a type Arrow cannot hold.
        SourceUnreachable / SourceAuthError: the database is down or refused the credentials.
    """
    started = time.perf_counter()
    sql = read_query(query)
    workspace = Workspace(staging, name=name, run_id=run_id)
    key, schema_key = workspace.features_key(fmt), workspace.schema_key()
    with open_batches(source, sql, batch_rows=batch_rows) as batches:
        schema, rows, first, order = _stage_batches(
            workspace, fmt, batches, functools.partial(query_order, sql, source)
        )
    warnings = [w for w in [unordered_warning(sql, first)] if w]
    for warning in warnings:
        log.warning(warning)
    return ExtractResult(
        uri=workspace.store.uri(key),
        schema_uri=workspace.store.uri(schema_key),
        rows=rows,
        columns=schema.names,
        seconds=round(time.perf_counter() - started, 3),
        warnings=warnings,
        order_by=[str(key) for key in order],
    )


_SQL_NOISE = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", re.DOTALL)


def unordered_warning(sql: str, first: pa.RecordBatch) -> str | None:
    """A warning when rows share a key (a user's actions) and ``sql`` does not order its result
    (no ORDER BY outside parentheses).

    Why only then: later stages choose and order rows by their values (synthpipe.row_order), so
    the order a database returns rows in does not matter, except among the rows of one entity,
    whose order is data the engine learns; without ORDER BY it may differ on each run (a window
    with ties on DuckDB did), and the same seed then gives other synthetic rows.
    """
    repeated = [name for name in first.schema.names if _keys_rows(first.column(name), name)]
    if not repeated or _orders_its_rows(sql):
        return None
    key = repeated[0]
    return (
        f"the query has no ORDER BY of its own and its rows repeat {key!r}: synthpipe fixes the order of "
        f"the rows itself, but the rows of one {key} keep the order the database returns them in, which "
        f"may change from run to run (and the same seed then gives other synthetic rows); end the query "
        f"with ORDER BY {key} and a column that orders each {key}'s rows (e.g. ORDER BY {key}, created_at)"
    )


def _orders_its_rows(sql: str) -> bool:
    """Whether ``sql`` has an ORDER BY of its own (outside parentheses, comments and strings)."""
    text = _SQL_NOISE.sub(" ", sql).lower()
    depth, top = 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        top.append(char if depth == 0 and char not in "()" else " ")
    return re.search(r"\border\s+by\b", "".join(top)) is not None


def _keys_rows(column: pa.Array, name: str) -> bool:
    """Named like a key (or a panel's units: ``subject`` holding codes) and repeated."""
    if not (may_name_a_key(name) and _repeats(column)):
        return False
    return names_a_key(name) or names_units(column.to_pandas(), name)


def _repeats(column: pa.Array) -> bool:
    """Some value held by two rows or more (nulls are no value: an optional key may miss often).

    A list, struct or map is compared as the JSON text the engine learns it as: Arrow counts no
    distinct structs, and a STRUCT named ``address_key`` crashed extract with ArrowNotImplementedError."""
    values = arrow_json_text(column) if is_nested(column.type) else column
    return bool(pc.count_distinct(values).as_py() < len(values) - values.null_count)


def read_query(query: str | Path) -> str:
    """The SQL text of file ``query``, with a typed error if it is missing or empty."""
    path = Path(query)
    if not path.is_file():
        raise QueryError(
            f"SQL file {str(path)!r} not found; pass the path of a .sql file (relative paths "
            "resolve from the current folder, or from the spec file's folder in a spec)",
            path=str(path),
        )
    sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
    if not sql:
        raise QueryError(f"SQL file {str(path)!r} is empty; write one SELECT statement in it", path=str(path))
    return sql


def _stage_batches(
    workspace: Workspace,
    fmt: StagingFormat,
    batches: Iterator[pa.RecordBatch],
    ordered_by: Callable[[list[str]], list[SortKey]],
) -> tuple[pa.Schema, int, pa.RecordBatch, list[SortKey]]:
    """Write every batch through one atomic writer, then the schema JSON (with the query's ORDER BY
    as ``ordered_by`` reads it of the columns), then commit the features; an empty result aborts
    before commit. Returns the schema, the row count, the first batch and the order.

    Why this order, with a rerun's old features removed before the schema is replaced: a CSV's
    column types are in the schema JSON, and the two were written one after the other, features
    first, so a re-extract of the run killed between them left the new CSV beside the old schema
    and train failed on it with a bare, retried pyarrow error. Now the features key is the commit
    marker: at any kill, either features and schema are of one extract, or there are no features
    (train's MissingInput then says to run extract again)."""
    store, key = workspace.store, workspace.features_key(fmt)
    first = next(batches, None)
    if first is None:
        raise EmptyResult(
            "the query returned no rows, so there is nothing to learn from; check its WHERE "
            "clause and that the source tables are loaded",
        )
    check_column_names(first.schema)
    check_column_types(first.schema)
    rows = 0
    with store.atomic_writer(key) as handle:
        writer: TableWriter = open_writer(handle, first.schema, fmt)
        with closed_on_error(writer):
            for batch in _chain(first, batches):
                writer.write(batch)
                rows += batch.num_rows
        writer.close()
        store.delete(key)  # a rerun's old features must not outlive the schema they were written with
        if rows == 0:
            raise EmptyResult("the query returned no rows, so there is nothing to learn from")
        order = ordered_by(first.schema.names)
        store.write_bytes(
            workspace.schema_key(), json.dumps(describe_schema(first.schema, rows, order), indent=2).encode()
        )
    return first.schema, rows, first, order


def _chain(first: pa.RecordBatch, rest: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield first
    yield from rest


def check_column_names(schema: pa.Schema) -> None:
    """Column names must be unique: pandas, Parquet readers and the engine key columns by name."""
    seen: set[str] = set()
    for column in schema.names:
        if column in seen:
            raise SchemaError(
                f"the query returns column {column!r} more than once; give each an alias "
                f"(SELECT a.{column} AS a_{column}, b.{column} AS b_{column} ...)",
                column=column,
            )
        seen.add(column)


def check_column_types(schema: pa.Schema) -> None:
    """A UNION (DuckDB's, alone or inside a list or struct), an INTERVAL inside a list or struct and
    a type Arrow holds as opaque bytes (DuckDB's BIGNUM) are refused, naming the column and a fix.

    Why: neither Parquet nor the engine holds a union or a month_day_nano interval; extract failed
    with 'ArrowNotImplementedError: Unhandled type for Arrow to Parquet schema conversion:
    sparse_union<num: int32=0, str: string=1>' (``list<month_day_nano_interval>`` for
    ``list(shipped_at - ordered_at)``; a column of intervals is staged as durations)."""
    for field in schema:
        quoted = '"' + field.name.replace('"', '""') + '"'
        if isinstance(field.type, pa.OpaqueType):
            raise _opaque(field)
        if _holds(field.type, pa.types.is_union):
            raise SchemaError(
                f"column {field.name!r} is a UNION ({field.type}), which synthpipe cannot stage or model; "
                f"CAST it to one type in the SQL, e.g. CAST({quoted} AS VARCHAR) AS {quoted}",
                column=field.name,
            )
        if _holds(field.type, pa.types.is_interval):
            raise SchemaError(
                f"column {field.name!r} holds INTERVALs inside a list or struct ({field.type}), which synthpipe "
                f"cannot stage; make them numbers in the SQL, e.g. list_transform({quoted}, x -> epoch(x)) "
                f"AS {quoted} (seconds) for a list",
                column=field.name,
            )


def _opaque(field: pa.Field) -> SchemaError:
    """The error for a type the database hands over as bytes only it can read (DuckDB's BIGNUM, or
    VARINT, an integer of any size: the engine refused it as 'binary (bytea)' and advised text)."""
    kind = field.type.type_name.upper()
    named = f"{kind} (VARINT)" if kind == "BIGNUM" else kind
    number = f'CAST("{field.name}" AS HUGEINT) AS "{field.name}" (38 digits; DOUBLE beyond)'
    fix = number if kind == "BIGNUM" else f'CAST("{field.name}" AS VARCHAR) AS "{field.name}"'
    return SchemaError(
        f"column {field.name!r} is {field.type.vendor_name}'s {named}, which synthpipe cannot stage or model; "
        f"CAST it in the SQL, e.g. {fix}",
        column=field.name,
    )


def _holds(arrow_type: pa.DataType, kind: Callable[[pa.DataType], bool]) -> bool:
    """Whether ``arrow_type`` is of ``kind`` or holds one, inside lists, maps and structs."""
    if kind(arrow_type):
        return True
    if pa.types.is_map(arrow_type):
        return _holds(arrow_type.key_type, kind) or _holds(arrow_type.item_type, kind)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type):
        return _holds(arrow_type.value_type, kind)
    if pa.types.is_struct(arrow_type):
        return any(_holds(arrow_type.field(i).type, kind) for i in range(arrow_type.num_fields))
    return False


def describe_schema(schema: pa.Schema, rows: int, order: Sequence[SortKey] = ()) -> dict[str, Any]:
    """The staged schema as JSON: what later stages and people can rely on; ``order_by``, the
    query's ORDER BY, by which load publishes the synthetic rows (``synthpipe.query_order``)."""
    described: dict[str, Any] = {"rows": rows, "columns": [_described(field) for field in schema]}
    if order:
        described["order_by"] = [key.model_dump() for key in order]
    return described


def _described(field: pa.Field) -> dict[str, Any]:
    """Name, type and nullability; a type its name does not give back (nested, unsigned, an ENUM's
    dictionary) also exactly (``arrow``), for a CSV to be read back in it.

    Why: a staged CSV's ``uint32`` (DuckDB's UINTEGER, ``hash()``'s UBIGINT) and ENUM columns were
    read back as text, learned as keys and published as strings ('4294203605', '4294203606', ...)."""
    out: dict[str, Any] = {"name": field.name, "type": str(field.type), "nullable": field.nullable}
    if is_nested(field.type) or type_from_name(str(field.type)) != field.type:
        out["arrow"] = type_text(field.type)
    logical = (field.metadata or {}).get(LOGICAL_TYPE)
    if logical:
        out["logical"] = logical.decode()  # a UUID or JSON staged as its text: load publishes it in its type
    return out
