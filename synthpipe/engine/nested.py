"""Arrays, structs and maps (PostgreSQL ``text[]``, DuckDB ``LIST`` / ``STRUCT`` / ``MAP``) are
learned as their JSON text and written back in their own type.

Why: a query of tags or event properties returns them natively, and refusing them made the SQL
file more than the only change. As JSON text they meet the rules a ``jsonb`` column already has
(codecs/prefixes.py): a rare array keeps only the elements enough rows hold, a rare object its keys
and common values, so no rare real value comes back; the synthetic text is then parsed into lists,
dicts or (key, value) pairs, which Arrow turns back into the column's list, struct or map type.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from synthpipe.engine.frames import schema_from_text, schema_text

ARRAY, OBJECT, MAP = "array", "object", "map"
_SAMPLE_ROWS = 2_000  # values looked at to tell an object column of arrays or dicts from anything else


def nested_columns(frame: pd.DataFrame, schema: pa.Schema | None) -> dict[str, dict[str, Any]]:
    """Per nested column, its ``kind`` (array, object or map) and, for a pandas column of an Arrow
    nested type, that type (``arrow_type``) to restore it with; the schema restores a Table's."""
    out: dict[str, dict[str, Any]] = {}
    for name, series in frame.items():
        arrow_type = _arrow_type(series, schema)
        kind = _arrow_kind(arrow_type) if arrow_type is not None else _python_kind(series)
        if kind is not None:
            own = arrow_type if schema is None and isinstance(series.dtype, pd.ArrowDtype) else None
            out[str(name)] = {"kind": kind, "arrow_type": None if own is None else type_text(own)}
    return out


def as_json_text(frame: pd.DataFrame, nested: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """The nested columns as JSON text (null stays null); a map with text keys is a JSON object."""
    if not nested:
        return frame
    texts = {name: _texts(frame[name], spec["kind"]) for name, spec in nested.items()}
    return frame.assign(**texts)


def from_json_text(frame: pd.DataFrame, nested: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """JSON text back into lists, dicts or lists of (key, value) pairs (text that is not JSON, such
    as a rare token, is null); a pandas column of an Arrow type gets that type again."""
    if not nested:
        return frame
    values = {name: _values(frame[name], spec) for name, spec in nested.items() if name in frame}
    return frame.assign(**values)


def to_table(frame: pd.DataFrame, schema: pa.Schema, nested: dict[str, dict[str, Any]]) -> pa.Table:
    """``frame`` as a Table of ``schema``: the nested columns through :func:`as_arrow`."""
    flat = pa.schema([f for f in schema if f.name not in nested])
    table = pa.Table.from_pandas(frame[flat.names], schema=flat, preserve_index=False).replace_schema_metadata(None)
    for index, f in enumerate(schema):
        if f.name in nested:
            table = table.add_column(index, f, as_arrow(frame[f.name], f.type))
    return table


def as_arrow(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    """Parsed values as ``arrow_type``; what JSON only holds as text (dates, decimals, bytes) is
    read back from it (a cast would fail on the placeholder text under a null struct)."""
    return pa.array([_typed(value, arrow_type) for value in values], type=arrow_type, from_pandas=True)


def _typed(value: Any, arrow_type: pa.DataType) -> Any:
    """``value`` (parsed JSON) as the Python value Arrow takes for ``arrow_type``."""
    if value is None:
        return None
    if pa.types.is_map(arrow_type):
        return [(_typed(k, arrow_type.key_type), _typed(v, arrow_type.item_type)) for k, v in value]
    if pa.types.is_struct(arrow_type):
        fields = [arrow_type.field(i) for i in range(arrow_type.num_fields)]
        return {f.name: _typed(value.get(f.name), f.type) for f in fields}
    if _arrow_kind(arrow_type) == ARRAY:
        return [_typed(item, arrow_type.value_type) for item in value]
    return _scalar(value, arrow_type) if isinstance(value, str) else value


def _scalar(text: str, arrow_type: pa.DataType) -> Any:
    """A scalar JSON held as text (``_json_default``) in its own type."""
    if pa.types.is_date(arrow_type):
        return dt.date.fromisoformat(text)
    if pa.types.is_timestamp(arrow_type):
        return pd.Timestamp(text).to_pydatetime()
    if pa.types.is_time(arrow_type):
        return dt.time.fromisoformat(text)
    if pa.types.is_decimal(arrow_type):
        return decimal.Decimal(text)
    if pa.types.is_duration(arrow_type):
        return pd.Timedelta(text).to_pytimedelta()
    if pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type):
        return base64.b64decode(text)
    return text


def is_nested(arrow_type: pa.DataType) -> bool:
    return _arrow_kind(arrow_type) is not None


def arrow_json_text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A list, struct or map column as the JSON text the engine learns it as (a CSV has no nesting)."""
    as_text = _map_text if _arrow_kind(column.type) == MAP else _json_text
    return pa.array([as_text(value) for value in column.to_pylist()], pa.string())


def arrow_from_json_text(column: pa.Array | pa.ChunkedArray, arrow_type: pa.DataType) -> pa.Array:
    """:func:`arrow_json_text` read back: the JSON text of a CSV column as ``arrow_type`` again."""
    kind = _arrow_kind(arrow_type)
    return as_arrow(pd.Series([_parsed(text, kind or ARRAY) for text in column.to_pylist()], dtype=object), arrow_type)


def _arrow_type(series: pd.Series, schema: pa.Schema | None) -> pa.DataType | None:
    if schema is not None and str(series.name) in schema.names:
        return schema.field(str(series.name)).type
    if isinstance(series.dtype, pd.ArrowDtype):
        return series.dtype.pyarrow_dtype
    return None


def _arrow_kind(arrow_type: pa.DataType) -> str | None:
    if pa.types.is_map(arrow_type):
        return MAP
    if pa.types.is_struct(arrow_type):
        return OBJECT
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_fixed_size_list(arrow_type):
        return ARRAY
    return None


def _python_kind(series: pd.Series) -> str | None:
    """Arrays or objects when every looked-at value of an object column is one (else the column is
    left to the other storage types, which name what they cannot model)."""
    if not pd.api.types.is_object_dtype(series.dtype):
        return None
    values = series.dropna()
    looked = values.iloc[:_SAMPLE_ROWS]
    if looked.empty:
        return None
    if all(isinstance(v, list | tuple | np.ndarray) for v in looked):
        return MAP if _pairs(looked) else ARRAY
    if all(isinstance(v, dict) for v in looked):
        return OBJECT
    return None


def _pairs(values: pd.Series) -> bool:
    """Lists of (key, value) tuples: how Arrow hands a map column to pandas."""
    items = [item for value in values for item in value]
    return bool(items) and all(isinstance(item, tuple) and len(item) == 2 for item in items)


def type_text(arrow_type: pa.DataType) -> str:
    """An Arrow type as JSON-able text (a one-field schema's IPC bytes); reading it runs no code."""
    return schema_text(pa.schema([pa.field("value", arrow_type)]))


def type_from_text(text: str) -> pa.DataType:
    return schema_from_text(text).field(0).type


def _texts(series: pd.Series, kind: str) -> pd.Series:
    as_text: Callable[[Any], str | None] = _map_text if kind == MAP else _json_text
    return pd.Series([as_text(v) for v in series.astype(object)], index=series.index, name=series.name, dtype=object)


def _json_text(value: Any) -> str | None:
    if _is_null(value):
        return None
    return json.dumps(_plain(value), ensure_ascii=False, default=_json_default)


def _map_text(value: Any) -> str | None:
    """A map as an object when its keys are text (``{"colour": "red"}``), else as [key, value] pairs."""
    if _is_null(value):
        return None
    pairs = [tuple(pair) for pair in _plain(value)]
    if all(isinstance(key, str) for key, _ in pairs) and len({key for key, _ in pairs}) == len(pairs):
        return _json_text(dict(pairs))
    return _json_text([list(pair) for pair in pairs])


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT


def _plain(value: Any) -> Any:
    """Containers as lists and dicts, NumPy scalars as Python ones, all the way down."""
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None  # JSON has no NaN or infinity
    return value


def _json_default(value: Any) -> Any:
    """What JSON has no type for: dates, times and decimals as their text, bytes as base64."""
    if isinstance(value, dt.date | dt.time | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)  # exact: a float would round 0.1 + scale
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.timedelta | pd.Timedelta):
        return pd.Timedelta(value).isoformat()
    return str(value)


def _values(series: pd.Series, spec: dict[str, Any]) -> pd.Series:
    parsed = pd.Series([_parsed(v, spec["kind"]) for v in series], index=series.index, name=series.name, dtype=object)
    if spec.get("arrow_type") is None:
        return parsed
    arrow_type = type_from_text(spec["arrow_type"])
    typed = as_arrow(parsed, arrow_type)
    return pd.Series(typed, index=series.index, name=series.name, dtype=pd.ArrowDtype(arrow_type))


def _parsed(text: Any, kind: str) -> Any:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if kind == MAP:
        if isinstance(value, dict):
            return list(value.items())
        pairs = value if isinstance(value, list) else []
        return [tuple(p) for p in pairs] if all(isinstance(p, list) and len(p) == 2 for p in pairs) else None
    if kind == ARRAY and not isinstance(value, list):
        return None
    if kind == OBJECT and not isinstance(value, dict):
        return None
    return value
