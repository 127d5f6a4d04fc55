"""Arrays, structs and maps (PostgreSQL ``text[]``, DuckDB ``LIST`` / ``STRUCT`` / ``MAP``) are
learned as their JSON text and written back in their own type.

Why: a query of tags or event properties returns them natively, and refusing them made the SQL
file more than the only change. As JSON text they meet the rules a ``jsonb`` column already has
(codecs/prefixes.py): a rare array keeps only the elements enough rows hold, a rare object its keys
and common values, so no rare real value comes back; the synthetic text is then parsed into lists,
dicts or (key, value) pairs, which Arrow turns back into the column's list, struct or map type.

Binary values (``bytea``, ``BLOB``, ``fixed_size_binary``, a struct's or map's binary fields) are
learned as their hex text the same way: unique ones (a password hash per user) come back as fresh
bytes of their length, as any key does, shared ones (a few icons) as the values enough rows hold,
and rare ones as fresh bytes under the prefix (or of the length) enough rows share
(``codecs/fresh.py``); those had come back null.

Objects and arrays of one length go further: a struct's fields, the keys 5+ rows of a column of
dicts or of JSON objects (``jsonb`` event properties) hold, and the places of arrays whose every
value has one length (a point's ``[lat, lon]``) are learned as columns of their own
(``with_fields``), so a number inside an object is a number the model draws with the rest of the
row. As one JSON value, an object whose amount few rows share came back with the amount null
(every ``{"plan": "pro", "seats": 12, "amount": 37.5}`` lost its amount), and every point as ``[]``.
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

from synthpipe.engine.frames import schema_from_text, schema_text, within_schema

ARRAY, OBJECT, MAP, BINARY = "array", "object", "map", "binary"
_SAMPLE_ROWS = 2_000  # values looked at to tell an object column of arrays or dicts from anything else
MAX_FIELDS = 50  # an object with more keys (a feature dict) is learned as one JSON value


def nested_columns(frame: pd.DataFrame, schema: pa.Schema | None) -> dict[str, dict[str, Any]]:
    """Per nested (or binary) column, its ``kind`` (array, object, map or binary) and, for a pandas
    column of an Arrow type, that type (``arrow_type``) to restore it with; the schema restores a
    Table's."""
    out: dict[str, dict[str, Any]] = {}
    for name, series in frame.items():
        arrow_type = _arrow_type(series, schema)
        kind = _arrow_kind(arrow_type) if arrow_type is not None else _python_kind(series)
        if schema is None and arrow_type is not None and pa.types.is_binary_view(arrow_type):
            kind = None  # binary_view[pyarrow] in pandas, which cannot even cast it: frames names the cast
        if kind is not None:
            own = arrow_type if schema is None and isinstance(series.dtype, pd.ArrowDtype) else None
            out[str(name)] = {"kind": kind, "arrow_type": None if own is None else type_text(own)}
    return out


def layout(frame: pd.DataFrame, schema: pa.Schema | None, min_count: int) -> dict[str, dict[str, Any]]:
    """Every nested, binary and JSON-text column of ``frame`` and how it is laid out (``with_fields``):
    what the engine learns, and what the report compares."""
    found = nested_columns(frame, schema)
    found.update(json_text_columns(frame, found))
    return with_fields(frame, found, schema, min_count)


def json_text_columns(frame: pd.DataFrame, nested: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Text columns every non-null value of which is a JSON object (a ``jsonb`` column of event
    properties), or every one a JSON array (``[52.51, 13.39]``), as nested specs marked ``text``."""
    out: dict[str, dict[str, Any]] = {}
    for name, series in frame.items():
        if str(name) in nested or not (pd.api.types.is_string_dtype(series.dtype) or series.dtype == object):
            continue
        texts = series.dropna()
        opening = {t[:1] if isinstance(t, str) else "" for t in texts.iloc[:_SAMPLE_ROWS]}
        kind = _JSON_OPENINGS.get(opening.pop()) if len(opening) == 1 else None
        if kind is not None and all(isinstance(_loaded(t), dict if kind == OBJECT else list) for t in texts):
            out[str(name)] = {"kind": kind, "arrow_type": None, "text": True}
    return out


_JSON_OPENINGS = {"{": OBJECT, "[": ARRAY}


def with_fields(
    frame: pd.DataFrame, nested: dict[str, dict[str, Any]], schema: pa.Schema | None, min_count: int
) -> dict[str, dict[str, Any]]:
    """``nested`` with, per object column, the ``fields`` it is learned as: a struct's fields, or
    the keys ``min_count`` rows hold (rarer keys are dropped: privacy), the most common first,
    each a column named ``<object>.<key>``; ``json_fields``, those learned as JSON text; and
    ``null_column``, a bool column of whether the object is null, where a null object cannot be
    told from one without values. An object column with no such key (or too many) stays one JSON
    value; a text one is then left as it was (the JSON codec generalises it)."""
    taken = {str(c) for c in frame.columns}
    out: dict[str, dict[str, Any]] = {}
    for name, spec in nested.items():
        parent = _parent_type(frame[name], spec, schema)
        dicts = _dicts(frame[name], spec) if spec["kind"] in (OBJECT, MAP, ARRAY) else []
        keys = _field_keys([d for d in dicts if d is not None], spec, parent, min_count)
        if not keys:
            if not spec.get("text"):
                out[name] = spec
            continue
        columns = [_free_name(f"{name}[{key}]" if spec["kind"] == ARRAY else f"{name}.{key}", taken) for key in keys]
        nulls = _free_name(f"{name} is null", taken) if _null_needs_a_flag(dicts, keys) else None
        as_json = [key for key in keys if _json_valued([None if d is None else d.get(key) for d in dicts], parent, key)]
        as_hex = [key for key in keys if parent is not None and _arrow_kind(_child_type(parent, key)) == BINARY]
        out[name] = {
            **spec,
            "fields": dict(zip(keys, columns, strict=True)),
            "null_column": nulls,
            "json_fields": as_json,
            **({"hex_fields": as_hex} if as_hex else {}),
        }
    return out


def hex_columns(nested: dict[str, dict[str, Any]]) -> set[str]:
    """The learned columns that are bytes as their hex text: binary columns and binary fields."""
    whole = {name for name, spec in nested.items() if spec["kind"] == BINARY and "fields" not in spec}
    fields = {spec["fields"][key] for spec in nested.values() for key in spec.get("hex_fields", ())}
    return whole | fields


def field_owners(nested: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Field column (and null flag) -> the object column it is part of."""
    return {
        column: name
        for name, spec in nested.items()
        for column in [*spec.get("fields", {}).values(), spec.get("null_column")]
        if column is not None
    }


def _null_needs_a_flag(dicts: list[dict[str, Any] | None], keys: list[str]) -> bool:
    """Whether a null object must be told from an object none of whose fields has a value: where
    none is both, a null object is one whose fields are all null (no column of its own to learn)."""
    has_null = any(d is None for d in dicts)
    return has_null and any(d is not None and all(d.get(key) is None for key in keys) for d in dicts)


def _json_valued(raw: list[Any], parent: pa.DataType | None, key: str) -> bool:
    """Whether a field is learned as JSON text: a nested struct field, or a key whose values are
    containers or of mixed types (parsed back when the object is rebuilt)."""
    if parent is not None:
        return is_nested(_child_type(parent, key))
    kinds = {_scalar_kind(v) for v in raw if v is not None}
    return not (kinds <= {"int", "float"} or kinds in ({"bool"}, {"str"}))


def as_learned(frame: pd.DataFrame, nested: dict[str, dict[str, Any]], schema: pa.Schema | None) -> pd.DataFrame:
    """The frame the model learns: each object with ``fields`` as its field columns (and null flag)
    in its place, every other nested column as its JSON text."""
    if not nested:
        return frame
    parts: dict[str, pd.Series] = {}
    for name, series in frame.items():
        spec = nested.get(str(name))
        if spec is None:
            parts[str(name)] = series
        elif "fields" in spec:
            parts.update(_field_columns(series, spec, _parent_type(series, spec, schema)))
        else:
            parts[str(name)] = _texts(series, spec["kind"])
    return pd.DataFrame(parts, index=frame.index)


def as_given(frame: pd.DataFrame, nested: dict[str, dict[str, Any]], rare_token: str) -> pd.DataFrame:
    """:func:`as_learned` undone on sampled rows: objects rebuilt from their field columns (a JSON
    text column as JSON text; a value that came back as ``rare_token`` left out of a dict), the
    other nested columns parsed from their JSON text."""
    if not nested:
        return frame
    parts: dict[str, pd.Series] = {}
    owners = field_owners(nested)
    for name, series in frame.items():
        name = str(name)
        spec = nested.get(name)
        if spec is not None:
            parts[name] = _values(series, spec)
        elif name not in owners:
            parts[name] = series
        elif owners[name] not in parts:  # an object takes the place of its first field
            parts[owners[name]] = _objects(frame, owners[name], nested[owners[name]], rare_token)
    return pd.DataFrame(parts, index=frame.index)


def _field_keys(
    present: list[dict[str, Any]], spec: dict[str, Any], parent: pa.DataType | None, min_count: int
) -> list[str]:
    """A struct's fields, the keys ``min_count`` rows of an object or text-keyed map hold, the
    places of arrays of one length (``"0"``, ``"1"``, ...: a point's coordinates, an RGB colour);
    none for an array of any length (tags) or a map of other keys, which are learned as JSON values.
    ``present``: the non-null values as dicts (``_as_dict``)."""
    if spec["kind"] == ARRAY:
        return _places(present)
    if spec["kind"] not in (OBJECT, MAP):
        return []
    if parent is not None and pa.types.is_struct(parent):
        keys = [parent.field(i).name for i in range(parent.num_fields)]
        return keys if len(keys) <= MAX_FIELDS else []
    counts: dict[str, int] = {}
    for value in present:
        for key in value:
            counts[key] = counts.get(key, 0) + 1
    common = sorted((key for key, count in counts.items() if count >= min_count), key=lambda k: -counts[k])
    return common[:MAX_FIELDS]


def _places(arrays: list[dict[str, Any]]) -> list[str]:
    """``"0"`` ... ``"k-1"`` when every array holds k scalar items (``arrays``: place -> item)."""
    lengths = {len(items) for items in arrays}
    if len(lengths) != 1 or not 1 <= (length := lengths.pop()) <= MAX_FIELDS:
        return []
    looked = arrays[:_SAMPLE_ROWS]
    if any(_scalar_kind(item) == "other" for items in looked for item in items.values() if item is not None):
        return []
    return [str(place) for place in range(length)]


def _parent_type(series: pd.Series, spec: dict[str, Any], schema: pa.Schema | None) -> pa.DataType | None:
    """The Arrow struct, map or list type whose fields, keys or items become columns (None: Python
    values)."""
    arrow_type = None if spec.get("text") else _arrow_type(series, schema)
    return arrow_type if arrow_type is not None and _arrow_kind(arrow_type) in (OBJECT, MAP, ARRAY) else None


def _child_type(parent: pa.DataType, key: str) -> pa.DataType:
    if pa.types.is_struct(parent):
        return parent.field(key).type
    return parent.item_type if pa.types.is_map(parent) else parent.value_type


def _as_dict(value: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """An object's keys and values; an array's places and items (from JSON text too: a jsonb
    column, or a nested column read back from a CSV)."""
    parsed = _loaded(value) if isinstance(value, str) else value
    if spec["kind"] == ARRAY:
        items = parsed if isinstance(parsed, list | tuple | np.ndarray) else []
        return {str(place): item for place, item in enumerate(_plain(items))}
    if spec["kind"] == MAP and isinstance(parsed, list | tuple | np.ndarray):
        pairs = [tuple(pair) for pair in parsed]
        return dict(pairs) if all(len(pair) == 2 and isinstance(pair[0], str) for pair in pairs) else {}
    return parsed if isinstance(parsed, dict) else {}


def _loaded(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _free_name(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)``... where a column is already called that."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    taken.add(candidate)
    return candidate


def _dicts(series: pd.Series, spec: dict[str, Any]) -> list[dict[str, Any] | None]:
    return [None if _is_null(value) else _as_dict(value, spec) for value in series.astype(object)]


def _field_columns(series: pd.Series, spec: dict[str, Any], parent: pa.DataType | None) -> dict[str, pd.Series]:
    dicts = _dicts(series, spec)
    out: dict[str, pd.Series] = {}
    for key, column in spec["fields"].items():
        raw = [None if d is None else d.get(key) for d in dicts]
        child = None if parent is None else _child_type(parent, key)
        out[column] = _field_series(raw, child).set_axis(series.index).rename(column)
    if spec["null_column"] is not None:
        out[spec["null_column"]] = pd.Series([d is None for d in dicts], index=series.index, name=spec["null_column"])
    return out


def _field_series(raw: list[Any], child: pa.DataType | None) -> pd.Series:
    """One field's values as a column the engine models: a struct field in its Arrow type, a key of
    dicts by the Python types it holds (JSON text where they are containers or mixed), a binary field
    as its hex text, as a binary column is (a struct holding a password hash was refused)."""
    if child is not None and _arrow_kind(child) == BINARY:
        return pd.Series([_hex_text(v) for v in raw], dtype=object)
    if child is not None and not is_nested(child):
        return pd.Series(pa.array([_typed(v, child) for v in raw], type=child), dtype=pd.ArrowDtype(child))
    if child is not None:
        return pd.Series([None if v is None else _json_text(v) for v in raw], dtype=object)
    present = [v for v in raw if v is not None]
    kinds = {_scalar_kind(v) for v in present}
    if kinds == {"bool"}:
        return pd.Series(pd.array(raw, dtype="boolean"))
    if kinds == {"int"}:
        return pd.Series(pd.array(raw, dtype="Int64"))
    if kinds and kinds <= {"int", "float"}:
        return pd.Series([np.nan if v is None else float(v) for v in raw], dtype="float64")
    if kinds == {"str"}:
        return pd.Series(raw, dtype=object)
    return pd.Series([None if v is None else _json_text(v) for v in raw], dtype=object)


def _scalar_kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    return "str" if isinstance(value, str) else "other"


def _objects(frame: pd.DataFrame, name: str, spec: dict[str, Any], rare_token: str) -> pd.Series:
    columns = {key: frame[column].astype(object).tolist() for key, column in spec["fields"].items()}
    is_null = frame[spec["null_column"]].tolist() if spec["null_column"] is not None else _all_null(columns)
    as_json, as_hex = set(spec["json_fields"]), set(spec.get("hex_fields", ()))
    objects: list[Any] = []
    for row, null in enumerate(is_null):
        if not _is_null(null) and bool(null):
            objects.append(None)
            continue
        values = {
            key: _field_value(column[row], rare_token, key in as_json, key in as_hex) for key, column in columns.items()
        }
        if spec["kind"] == ARRAY:  # an item that came back null stays in its place
            items = list(values.values())
            objects.append(_json_text(items) if spec.get("text") else items)
            continue
        kept = {key: value for key, value in values.items() if value is not None}
        if spec.get("text"):
            objects.append(_json_text(kept))
        else:
            objects.append(list(kept.items()) if spec["kind"] == MAP else kept)
    series = pd.Series(objects, index=frame.index, name=name, dtype=object)
    if spec.get("arrow_type") is not None:
        arrow_type = type_from_text(spec["arrow_type"])
        return pd.Series(as_arrow(series, arrow_type), index=frame.index, name=name, dtype=pd.ArrowDtype(arrow_type))
    return series


def _all_null(columns: dict[str, list[Any]]) -> list[bool]:
    rows = len(next(iter(columns.values())))
    return [all(_is_null(column[row]) for column in columns.values()) for row in range(rows)]


def _field_value(value: Any, rare_token: str, as_json: bool, as_hex: bool = False) -> Any:
    """A field's sampled value as the object holds it; the rare token (or, in a field of JSON
    text, text that is no JSON; in a binary one, text that is no hex) is left out, as a rare value
    is left out of a generalised object."""
    if _is_null(value) or value == rare_token:
        return None
    if as_hex:
        return _from_hex(str(value))
    return _loaded(value) if as_json else _plain(value)


def to_table(frame: pd.DataFrame, schema: pa.Schema, nested: dict[str, dict[str, Any]]) -> pa.Table:
    """``frame`` as a Table of ``schema``: the nested columns through :func:`as_arrow`."""
    native = {name for name, spec in nested.items() if not spec.get("text")}
    flat = pa.schema([f for f in schema if f.name not in native])
    table = (
        pa.Table.from_pandas(within_schema(frame[flat.names], flat), schema=flat, preserve_index=False)
        if flat.names
        else None
    )
    columns = [
        as_arrow(frame[f.name], f.type) if table is None or f.name in native else table.column(f.name) for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


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
    if _arrow_kind(arrow_type) == BINARY:
        return base64.b64decode(text)
    return text


def is_nested(arrow_type: pa.DataType) -> bool:
    """A list, struct or map type (binary is no nesting: a CSV holds it as it is)."""
    return _arrow_kind(arrow_type) in (ARRAY, OBJECT, MAP)


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


def _from_hex(text: str) -> bytes | None:
    """Hex text back to bytes; the rare token of a column with no label to fill (``codecs/fresh.py``) is null."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def _arrow_kind(arrow_type: pa.DataType) -> str | None:
    if (
        pa.types.is_binary(arrow_type)
        or pa.types.is_large_binary(arrow_type)
        or pa.types.is_binary_view(arrow_type)  # refused as "binary (bytea) values" where binary worked
        or pa.types.is_fixed_size_binary(arrow_type)
    ):
        return BINARY
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
    if all(isinstance(v, bytes | bytearray | memoryview) for v in looked):
        return BINARY
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
    as_text: Callable[[Any], str | None] = {MAP: _map_text, BINARY: _hex_text}.get(kind, _json_text)
    texts = [_retext(v, kind) if isinstance(v, str) else as_text(v) for v in series.astype(object)]
    return pd.Series(texts, index=series.index, name=series.name, dtype=object)


def _retext(text: str, kind: str) -> str:
    """A value that comes as text already (a CSV's ``\\x``-hex bytes or JSON) in the form ``_texts``
    gives the same value as bytes, a list or a dict, so the two compare equal."""
    if kind == BINARY:
        return text[2:] if text.startswith("\\x") else text.encode().hex()
    loaded = _loaded(text)
    return text if loaded is None else str(_json_text(loaded))


def _hex_text(value: Any) -> str | None:
    return None if _is_null(value) else bytes(value).hex()


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
    if kind == BINARY:
        return _from_hex(text)
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
