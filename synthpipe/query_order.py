"""The query's own ORDER BY, kept by the published synthetic rows.

Why: a daily KPI query ends with ``ORDER BY day`` (synthpipe's own extract warning asks for an
ORDER BY where rows repeat a key), yet its synthetic copy was published in the order the engine
drew the rows: 2011-12-26, 2010-09-18, 2011-08-17, ... An analyst who opens the CSV next to the
query's result expects its order. Extract reads the ORDER BY with sqlglot (as the source's dialect
parses it: PostgreSQL puts nulls last ascending and first descending, SQLite the other way round)
and records it with the staged schema; load sorts the synthetic rows by it.

Only keys that name an output column (by name, alias or position) can order synthetic rows:
``ORDER BY lower(name)`` or a column the query does not return ends the keys used there.
"""

from __future__ import annotations

import logging
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import sqlglot
from pydantic import BaseModel
from sqlglot import exp

log = logging.getLogger(__name__)

_DIALECTS = {"postgresql": "postgres", "postgres": "postgres", "duckdb": "duckdb", "sqlite": "sqlite", "mysql": "mysql"}


class SortKey(BaseModel):
    """One key of the query's ORDER BY, as an output column."""

    column: str
    descending: bool = False
    nulls_first: bool = False

    def __str__(self) -> str:
        return f"{self.column}{' DESC' if self.descending else ''} NULLS {'FIRST' if self.nulls_first else 'LAST'}"


def query_order(sql: str, source_url: str, columns: list[str]) -> list[SortKey]:
    """The keys of ``sql``'s own (outermost) ORDER BY that name one of its output ``columns``, up to
    the first that names none; no keys where the query has no ORDER BY or sqlglot cannot parse it
    (the rows are then published in the order they were generated in, as before)."""
    dialect = _DIALECTS.get(source_url.split(":", 1)[0].split("+", 1)[0].lower())
    try:
        statement = sqlglot.parse_one(sql, read=dialect)
    except sqlglot.errors.SqlglotError as error:
        log.debug("the query's ORDER BY is not read: %s", error)
        return []
    order = statement.args.get("order")
    keys: list[SortKey] = []
    selects = statement.selects if isinstance(statement, exp.Query) else []
    for item in order.expressions if isinstance(order, exp.Order) else []:
        named = _key_columns(item.this, selects, columns)
        if named is None:
            break
        direction = {"descending": bool(item.args.get("desc")), "nulls_first": bool(item.args.get("nulls_first"))}
        keys += [SortKey(column=column, **direction) for column in named]
    return keys


def _key_columns(key: exp.Expression, selects: list[Any], columns: list[str]) -> list[str] | None:
    """The output columns one ORDER BY key orders by: DuckDB's ``ORDER BY ALL`` every one, left to
    right; else the one it names, or None."""
    if isinstance(key, exp.Var) and key.name.upper() == "ALL":
        return columns
    column = _selected_as(key, selects, columns) or _output_column(key, columns)
    return None if column is None else [column]


def _output_column(key: exp.Expression, columns: list[str]) -> str | None:
    """The output column ``key`` names: ``ORDER BY 2``, ``ORDER BY day``, ``ORDER BY s.day``; a
    name matches exactly, else case-insensitively where that names one column."""
    if isinstance(key, exp.Literal) and key.is_int:
        place = int(key.this)
        return columns[place - 1] if 1 <= place <= len(columns) else None
    if not isinstance(key, exp.Column):
        return None
    if key.name in columns:
        return key.name
    alike = [c for c in columns if c.lower() == key.name.lower()]
    return alike[0] if len(alike) == 1 else None


def _selected_as(key: exp.Expression, selects: list[Any], columns: list[str]) -> str | None:
    """The output column a SELECT expression equal to ``key`` is returned as: ``SELECT u.id AS
    user_id ... ORDER BY u.id`` (the demo's query) orders by ``user_id``."""
    for selected in selects:
        if isinstance(selected, exp.Alias) and selected.this == key:
            return _output_column(exp.column(selected.alias), columns)  # the alias, matched as a name is
    return None


def sortable_keys(keys: list[SortKey], schema: pa.Schema) -> list[SortKey]:
    """``keys`` up to the first whose column the synthetic rows lack or Arrow cannot sort (a list,
    a struct)."""
    usable = []
    for key in keys:
        if key.column not in schema.names or pa.types.is_nested(schema.field(key.column).type):
            break
        usable.append(key)
    return usable


def sorted_rows(table: pa.Table, keys: list[SortKey]) -> pa.Table:
    """``table``'s rows in the order of ``keys``, each key's nulls where its query put them; rows
    equal on every key keep their order."""
    parts: dict[str, pa.Array | pa.ChunkedArray] = {}
    sort_keys = []
    for at, key in enumerate(keys):
        values = table.column(key.column)
        parts[f"n{at}"], parts[f"v{at}"] = pc.is_null(values), values
        sort_keys += [
            (f"n{at}", "descending" if key.nulls_first else "ascending"),
            (f"v{at}", "descending" if key.descending else "ascending"),
        ]
    return table.take(pc.sort_indices(pa.table(parts), sort_keys=sort_keys))
