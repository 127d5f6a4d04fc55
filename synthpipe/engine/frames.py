"""Column storage types: read any supported pandas/Arrow column, and write values back in its dtype.

Why a module of its own: the model only ever sees numbers and strings; everything
about *how* a column is stored (widths, nullability, tz, units, decimal scale,
categorical dtype) lives here so that a fitted column comes back exactly as it went in.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthpipe.errors import SchemaError

_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_DAY_NS = 86_400 * 10**9
_MINUTE_NS = 60 * 10**9
# The clock's natural steps, coarsest first; slots (every 30, 15, 10 or 5 minutes or seconds) count
# too, so appointments booked on quarter hours come out on quarter hours. Each divides a day.
_GRAINS_NS = [
    _DAY_NS,
    60 * _MINUTE_NS,
    *(k * _MINUTE_NS for k in (30, 15, 10, 5)),
    _MINUTE_NS,
    *(k * 10**9 for k in (30, 15, 10, 5)),
    10**9,
    10**6,
    10**3,
    1,
]


@dataclass
class StorageType:
    """How a column is stored; JSON-able so the artifact can rebuild the exact dtype.

    ``logical`` is one of int, float, decimal, bool, string, date, datetime, timedelta, time
    (of day), null.
    Date/time *text* (SQLite has no date type; CSVs neither) is a ``datetime`` whose extras carry
    the ``text_format`` it is written back in; text in several layouts (``mixed_text_layouts``) also
    carries ``text_formats``, each layout it is read in with the share of values written in it.
    """

    name: str
    dtype: str
    logical: str
    nullable: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "logical": self.logical,
            "nullable": self.nullable,
            "extras": self.extras,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StorageType:
        return cls(
            name=str(data["name"]),
            dtype=str(data["dtype"]),
            logical=str(data["logical"]),
            nullable=bool(data["nullable"]),
            extras=dict(data["extras"]),
        )


def to_frame(data: Any) -> tuple[pd.DataFrame, pa.Schema | None]:
    """A pandas view of ``data`` plus the Arrow schema to restore when the input was a Table."""
    if isinstance(data, pa.Table):
        _check_unique_names(pd.Index(data.column_names))  # to_pandas keeps both; fitting raised KeyError
        schema = data.schema.remove_metadata()
        try:
            frame = data.to_pandas()
        except pa.ArrowInvalid as error:
            raise _unreadable(schema, error) from error
        exact = {f.name: _masked_integers(data.column(f.name)) for f in schema if _floats_lose(data.column(f.name))}
        return (frame.assign(**exact) if exact else frame), schema
    if isinstance(data, pd.DataFrame):
        if not all(isinstance(c, str) for c in data.columns):
            raise SchemaError("column names must be strings; rename them, e.g. df.columns = df.columns.map(str)")
        _check_unique_names(data.columns)
        return data.reset_index(drop=True), None
    raise SchemaError(f"cannot fit on a {type(data).__name__}; pass a pandas.DataFrame or a pyarrow.Table")


def periods_as_starts(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Period columns as the timestamps their periods start at, and each one's frequency.

    Why: ``df["month"] = df["day"].dt.to_period("M")`` is how pandas makes a month column, and
    fitting refused it ("dtype period[M], which synthpipe cannot model"). Learned as the periods'
    first instants (a monthly series' months are then a calendar), it is written back in its
    periods (``as_periods``)."""
    periods = {str(name): _period_code(s.dtype) for name, s in frame.items() if isinstance(s.dtype, pd.PeriodDtype)}
    if not periods:
        return frame, {}
    return frame.assign(**{name: frame[name].dt.to_timestamp() for name in periods}), periods


def _period_code(dtype: pd.PeriodDtype) -> str:
    """The frequency of a ``period[...]`` dtype as its name spells it (``Q-DEC``): its offset's
    ``freqstr`` is an offset alias (``QE-DEC``), which Periods refuse."""
    return str(dtype.name).removeprefix("period[").removesuffix("]")


def as_periods(frame: pd.DataFrame, periods: dict[str, str]) -> pd.DataFrame:
    """The columns ``periods_as_starts`` turned into timestamps, in their periods again."""
    present = {name: freq for name, freq in periods.items() if name in frame.columns}
    return (
        frame.assign(**{name: frame[name].dt.to_period(freq) for name, freq in present.items()}) if present else frame
    )


def period_frequency_valid(freq: str) -> bool:
    """Whether pandas reads ``freq`` as a period frequency (an artifact's, checked on load)."""
    try:
        pd.PeriodDtype(freq)
    except (TypeError, ValueError):
        return False
    return True


def _floats_lose(column: pa.ChunkedArray | pa.Array) -> bool:
    """Whether pandas reads Arrow integers as floats that cannot hold them all: a column with
    nulls reads as float64, exact only up to 2**53.

    Why: 60 codes near 2**62 in an int64 column with nulls (a Table, or ``int64[pyarrow]``) read
    as one float, were learned as one number and came back as one value; a numpy or ``Int64``
    column of the same codes keeps all 60."""
    if not pa.types.is_integer(column.type) or column.null_count == 0:
        return False
    ends = [end.as_py() for end in pc.min_max(column).values()]
    return any(end is not None and abs(end) > 2**53 for end in ends)


def _masked_integers(column: pa.ChunkedArray | pa.Array) -> pd.Series:
    """An Arrow integer column with nulls as its exact pandas twin (``Int64``, ``UInt64``, ...)."""
    masked = pd.api.types.pandas_dtype(_masked_twin(np.dtype(column.type.to_pandas_dtype())))
    return column.to_pandas(types_mapper=lambda _: masked)


def _unreadable(schema: pa.Schema, error: pa.ArrowInvalid) -> SchemaError:
    """What to do about a Table pandas cannot read: clock times with nanoseconds (time64[ns]),
    which Python's time (microseconds) cannot hold, raised a bare ArrowInvalid."""
    nanos = [f.name for f in schema if f.type == pa.time64("ns")]
    if not nanos:
        return SchemaError(f"cannot read the table as pandas: {error}")
    return SchemaError(
        f"column {nanos[0]!r} holds clock times with nanoseconds (time64[ns]), which synthpipe keeps to "
        f"microseconds; cast it first, e.g. table.set_column(i, {nanos[0]!r}, "
        f"pc.cast(table[{nanos[0]!r}], pa.time64('us'), safe=False))",
        column=nanos[0],
    )


def _check_unique_names(names: pd.Index) -> None:
    if names.duplicated().any():
        dupes = sorted(set(names[names.duplicated()]))
        raise SchemaError(f"duplicate column names {dupes}; give every column a unique name")


def to_output(frame: pd.DataFrame, schema: pa.Schema | None) -> pd.DataFrame | pa.Table:
    """``frame`` in the kind the model was fitted on (Table when fitted on a Table)."""
    if schema is None:
        return frame
    table = pa.Table.from_pandas(within_schema(frame, schema), schema=schema, preserve_index=False)
    return table.replace_schema_metadata(None)


def within_schema(frame: pd.DataFrame, schema: pa.Schema) -> pd.DataFrame:
    """``frame`` with the float columns that ``schema`` stores as integers kept inside their type.

    Why: an Arrow integer column with nulls reads as float64 (``to_pandas``), so it is learned as
    a float; a tail draw past the type (129 in an int8 of -128..127) or one rounding to 2**63 next
    to the int64 limit made ``Table.from_pandas`` raise ArrowInvalid ("truncated converting to int8").
    """
    held = {
        f.name: within_integer_type(frame[f.name].to_numpy(), f.type)
        for f in schema
        if pa.types.is_integer(f.type) and f.name in frame.columns and frame[f.name].dtype.kind == "f"
    }
    held |= {
        f.name: _within_precision(frame[f.name], f.type)
        for f in schema
        if pa.types.is_decimal(f.type) and f.name in frame.columns
    }
    return frame.assign(**held) if held else frame


def _within_precision(decimals: pd.Series, arrow_type: Any) -> pd.Series:
    """Decimal objects inside their Arrow type's precision, the largest one it holds where a value
    is past it. Why: a tail draw of a ``decimal(8,2)`` next to 999999.99 needed 9 digits and
    ``Table.from_pandas`` raised ArrowInvalid ("precision 9 does not fit ... 8")."""
    top = decimal.Decimal(10) ** (arrow_type.precision - arrow_type.scale) - decimal.Decimal(1).scaleb(
        -arrow_type.scale
    )
    values = decimals.to_numpy(dtype=object)
    past = [v is not None and v == v and abs(v) > top for v in values]
    if not any(past):
        return decimals
    held = [top.copy_sign(v) if out else v for v, out in zip(values, past, strict=True)]
    return pd.Series(held, index=decimals.index, name=decimals.name, dtype=object)


def within_integer_type(values: np.ndarray, arrow_type: pa.DataType | None) -> np.ndarray:
    """Float ``values`` (NaN = null) of a column stored as ``arrow_type``: whole numbers inside
    the type's range when it is an integer type, as they are otherwise."""
    if arrow_type is None or not pa.types.is_integer(arrow_type):
        return values
    return np.rint(np.clip(values, *_float_limits(np.dtype(arrow_type.to_pandas_dtype()))))


def storage_type(series: pd.Series) -> StorageType:
    """Classify how ``series`` is stored; raise SchemaError naming the column when unsupported."""
    name, dtype = str(series.name), series.dtype
    nullable = bool(series.isna().any())
    if isinstance(dtype, pd.ArrowDtype):
        return _arrow_backed(series)
    if isinstance(dtype, pd.CategoricalDtype):
        return StorageType(name, "category", "string", nullable, _category_extras(dtype))
    if pd.api.types.is_bool_dtype(dtype):
        return StorageType(name, str(dtype), "bool", nullable)
    if pd.api.types.is_integer_dtype(dtype):
        return _integer_type(series, str(dtype), nullable)
    if pd.api.types.is_float_dtype(dtype):
        return StorageType(name, str(dtype), "int" if _holds_key_numbers(series) else "float", nullable)
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        return StorageType(name, str(dtype), "datetime", nullable, _datetime_extras(dtype, name))
    if pd.api.types.is_timedelta64_dtype(dtype):
        unit = np.datetime_data(np.dtype(str(dtype)))[0]
        return StorageType(name, str(dtype), "timedelta", nullable, {"unit": unit})
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return _text_type(series, _dtype_name(dtype), nullable)
    if pd.api.types.is_object_dtype(dtype):
        return _object_type(series, nullable)
    raise SchemaError(
        f"column {name!r} has dtype {dtype}, which synthpipe cannot model; "
        "cast it to a number, string, bool or datetime column (or drop it) before fitting",
        column=name,
    )


def _category_extras(dtype: pd.CategoricalDtype) -> dict[str, Any]:
    """The categories as JSON: as they are when JSON holds them (text, numbers, bools), else as
    text labels (what the model learns and the artifact lists) plus the values themselves in
    Arrow IPC (``category_values``), from which the labels are written back by position.

    Why: Timestamp categories (a Categorical of months) were kept as Timestamps, and save()
    raised "Object of type Timestamp is not JSON serializable"; their text does not parse back
    reliably ('2024-02-01' under '%Y-%m-%d %H:%M:%S.%f'), their position does.
    """
    cats = [_json_scalar(c) for c in dtype.categories]
    if all(isinstance(c, str | int | float | bool) for c in cats):
        extras: dict[str, Any] = {"categories": cats, "ordered": bool(dtype.ordered)}
        if pd.Index(cats).dtype != dtype.categories.dtype:
            extras["categories_dtype"] = _dtype_name(dtype.categories.dtype)
        return extras
    labels = _category_text(dtype.categories)
    if len(set(labels)) < len(labels):
        raise SchemaError(
            f"categories of dtype {dtype.categories.dtype} whose text repeats cannot be modelled; "
            "cast the column to text first, e.g. df[col] = df[col].astype(str)"
        )
    values = pa.record_batch([pa.array(dtype.categories)], names=["categories"])
    return {"categories": labels, "ordered": bool(dtype.ordered), "category_values": _batch_text(values)}


def _dtype_name(dtype: Any) -> str:
    """A dtype by a name ``astype`` reads back as the same dtype (``string[python]``, not
    ``string``, which pandas reads as its default storage: a ``string[python]`` column, of
    categories or of text, came back ``string[pyarrow]``)."""
    if isinstance(dtype, pd.StringDtype) and dtype.na_value is pd.NA:
        return f"string[{dtype.storage}]"
    return str(dtype)


def _batch_text(batch: pa.RecordBatch) -> str:
    """A record batch as JSON-able text (IPC stream bytes in base64); reading it back never runs code."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return base64.b64encode(sink.getvalue().to_pybytes()).decode()


@functools.lru_cache(maxsize=64)
def _category_values(text: str) -> pd.Index:
    """The categories saved by ``_category_extras``, in their own dtype (read once per column)."""
    table = pa.ipc.open_stream(pa.py_buffer(base64.b64decode(text))).read_all()
    return pd.Index(table.column(0).to_pandas())


def category_labels(series: pd.Series, st: StorageType) -> pd.Series:
    """A categorical column with its categories as the labels ``st`` lists (their text, where
    JSON cannot hold them); any other column as it is."""
    if "category_values" not in st.extras:
        return series
    return series.cat.rename_categories(_category_text(series.cat.categories))


def _category_text(categories: pd.Index) -> list[str]:
    return [str(c) for c in categories]


DAY_DIGIT_FORMATS = {8: "%Y%m%d", 6: "%Y%m"}  # by digits: a warehouse's day key 20210521, a period key 202105
DAY_DIGITS_MIN_VALUES = 3  # two values make no calendar


def _integer_type(series: pd.Series, dtype: str, nullable: bool) -> StorageType:
    """Whole numbers, or days written as digits (a warehouse's day key), written back the same way."""
    layout = day_digits_format(series.dropna().drop_duplicates()) if _may_hold_days(series) else None
    if layout is None:
        return StorageType(str(series.name), dtype, "int", nullable)
    extras = {"unit": "ns", "tz": None, "text_format": layout, "digits": True}
    return StorageType(str(series.name), dtype, "datetime", nullable, extras)


def _holds_key_numbers(series: pd.Series) -> bool:
    """A float column named like a key (``user_id``, ``order_no``) holding only whole numbers the
    float holds exactly: an integer key, learned as one (pseudonymised or fresh) and written back as
    floats. Why: a float64 ``user_id`` with NaN, how pandas holds an integer id with nulls (read_csv,
    a left join), was learned as a number whose values many rows hold kept exact: 5,714 of 6,000
    synthetic rows carried a real user id, and 813 a real ``order_id``."""
    from synthpipe.engine.codecs.identifier import names_a_key, numbers_records  # it reads this module

    name = str(series.name)
    if not (names_a_key(name) or numbers_records(name)):
        return False
    values = series.dropna().to_numpy(dtype="float64")
    floats: Any = getattr(series.dtype, "numpy_dtype", series.dtype)  # Float64's is float64
    exact = 2.0 ** (np.finfo(floats).nmant + 1)
    return bool(values.size) and bool(np.all(np.abs(values) <= exact) and np.all(values == np.rint(values)))


def _may_hold_days(series: pd.Series) -> bool:
    """A cheap first look at an integer column: its range is that of day or month keys."""
    values = series.dropna()
    if values.empty:
        return False
    low, high = int(values.min()), int(values.max())
    return any(first <= low and high <= last for first, last in ((18000101, 22001231), (180001, 220012)))


def day_digits_format(values: pd.Series) -> str | None:
    """The layout (``%Y%m%d``, ``%Y%m``) when every one of ``values`` (some distinct) is a day or
    a month between 1800 and 2200 written as digits, as a warehouse's ``date_key`` is."""
    digits = values.astype(str).str.removesuffix(".0")
    width = digits.str.len()
    if values.nunique() < DAY_DIGITS_MIN_VALUES or width.nunique() != 1 or not digits.str.isdigit().all():
        return None
    layout = DAY_DIGIT_FORMATS.get(int(width.iloc[0]))
    if layout is None:
        return None
    days = pd.to_datetime(digits, format=layout, errors="coerce")
    return layout if bool(days.notna().all() and days.dt.year.between(1800, 2200).all()) else None


def _arrow_backed(series: pd.Series) -> StorageType:
    """Arrow-backed pandas columns are modelled through their numpy/object twin (integers that
    float64 cannot hold through their masked twin: ``_floats_lose``)."""
    _refuse_uncomputed(series)
    arrow = pa.array(series.array)
    if _floats_lose(arrow):
        twin: Any = _masked_integers(arrow)
    else:
        twin = series.astype(object) if series.dtype.kind in "OUSb" else series.to_numpy()  # type: ignore[union-attr]
    inner = storage_type(pd.Series(twin, name=series.name))
    inner.dtype = str(series.dtype)
    arrow_type = pa.schema([pa.field(str(series.name), series.dtype.pyarrow_dtype)])  # type: ignore[union-attr]
    inner.extras = {**inner.extras, "arrow_backed": True, "arrow_type": schema_text(arrow_type)}
    return inner


# Arrow types pandas computes nothing on, and the plain type (as ``pa.<name>()``) to cast them to;
# pandas cannot even cast the view types in a DataFrame, so they are cast in Arrow
_PLAIN_ARROW = {pa.float16(): "float32"}
_PLAIN_VIEWS = {pa.string_view(): "string", pa.binary_view(): "binary"}


def _refuse_uncomputed(series: pd.Series) -> None:
    """Refuse an Arrow-backed column pandas computes nothing on, naming the cast that fixes it.

    Why: ``float16[pyarrow]``, ``string_view``, ``binary_view`` and dictionaries of anything but
    text (what ``read_parquet(dtype_backend="pyarrow")`` gives for a saved Categorical of dates or
    numbers) raised a bare TypeError or ArrowNotImplementedError from deep in a codec."""
    arrow_type = series.dtype.pyarrow_dtype  # type: ignore[union-attr]
    name = str(series.name)
    if pa.types.is_dictionary(arrow_type):
        if pa.types.is_string(arrow_type.value_type) or pa.types.is_large_string(arrow_type.value_type):
            return
        fix = f"df[{name!r}] = df[{name!r}].astype(pd.ArrowDtype(df[{name!r}].dtype.pyarrow_dtype.value_type))"
    elif arrow_type in _PLAIN_ARROW:
        fix = f"df[{name!r}] = df[{name!r}].astype(pd.ArrowDtype(pa.{_PLAIN_ARROW[arrow_type]}()))"
    elif arrow_type in _PLAIN_VIEWS:
        cast = f"table[{name!r}].cast(pa.{_PLAIN_VIEWS[arrow_type]}())"
        fix = f"table = table.set_column(table.schema.get_field_index({name!r}), {name!r}, {cast}) before to_pandas"
    else:
        return
    raise SchemaError(
        f"column {name!r} has Arrow type {arrow_type}, which pandas cannot compute on; cast it first, e.g. {fix}",
        column=name,
    )


def schema_text(schema: pa.Schema) -> str:
    """An Arrow schema as JSON-able text (IPC bytes in base64); reading it back never runs code."""
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def schema_from_text(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def as_stored(series: pd.Series, st: StorageType) -> pd.Series:
    """An Arrow-backed column back in its exact Arrow type.

    Why: pandas' names of Arrow dtypes do not round-trip (``decimal128(10, 2)[pyarrow]`` and
    ``date32[day][pyarrow]`` came back as object, ``string[pyarrow]`` parses as another string
    dtype), so the type itself is kept.
    """
    text = st.extras.get("arrow_type")
    if not text:
        return series
    dtype = _arrow_dtype(text)
    if pa.types.is_decimal(dtype.pyarrow_dtype) and series.dtype == object:
        series = _within_precision(series, dtype.pyarrow_dtype)
    return series.astype(dtype)


def _arrow_type(st: StorageType) -> pa.DataType | None:
    """The Arrow type of an Arrow-backed column, None for any other."""
    text = st.extras.get("arrow_type")
    return _arrow_dtype(text).pyarrow_dtype if text else None


@functools.lru_cache(maxsize=256)
def _arrow_dtype(text: str) -> pd.ArrowDtype:
    """Parsed once per column, not once per sampled block."""
    return pd.ArrowDtype(schema_from_text(text).field(0).type)


def _datetime_extras(dtype: Any, name: str) -> dict[str, Any]:
    if isinstance(dtype, pd.DatetimeTZDtype):
        # Modelled on the local wall clock: weekdays, clock times and calendar grids are local
        # (a 09:00 kick-off stays 09:00 across DST). Artifacts without the flag were modelled in UTC.
        return {"unit": dtype.unit, "tz": _zone_name(dtype.tz, name), "wall_clock": True}
    return {"unit": np.datetime_data(np.dtype(str(dtype)))[0], "tz": None}


def _zone_name(tz: dt.tzinfo, column: str) -> str:
    """A name of ``tz`` that loads back: its IANA key, ``UTC``, or else its fixed offset (``+05:30``).

    Why: the zone was kept as ``str(tz)``, a name only for zoneinfo and pytz zones; fitted on
    ``tz="dateutil/Europe/Berlin"`` (``tzfile('/usr/share/zoneinfo/Europe/Berlin')``), a
    ``dateutil.tz.tzoffset`` or ``pytz.FixedOffset(-300)``, sample() raised ZoneInfoNotFoundError.
    Arrow names zones this way (``Table.from_pandas``); a ``tzoffset``'s own label ('IST') is
    no zone, so its offset is kept instead.
    """
    named = _arrow_zone_name(tz)
    if _zone_loads(named):
        return named
    offset = tz.utcoffset(None)
    if offset is None:
        raise SchemaError(
            f"column {column!r} has the time zone {tz!r}, which has no name to write it back in; "
            f"convert it first, e.g. df[{column!r}] = df[{column!r}].dt.tz_convert('UTC')",
            column=column,
        )
    return _arrow_zone_name(dt.timezone(offset))


def _arrow_zone_name(tz: dt.tzinfo) -> str:
    return str(pa.array(pd.Series([], dtype=pd.DatetimeTZDtype("ns", tz))).type.tz)


def _zone_loads(name: str) -> bool:
    try:
        pd.DatetimeTZDtype("ns", name)
    except (KeyError, ValueError, TypeError):  # zoneinfo's and pytz's unknown-zone errors are KeyErrors
        return False
    return True


def _object_type(series: pd.Series, nullable: bool) -> StorageType:
    """Object columns: decide by the Python types actually present."""
    name = str(series.name)
    values = series.dropna()
    if values.empty:
        return StorageType(name, "object", "null", True)
    kinds = {_python_kind(v) for v in values.iloc[: min(len(values), 10_000)]}
    kinds |= {_python_kind(v) for v in values.sample(min(len(values), 2_000), random_state=0)}
    if kinds == {"string"}:
        return _text_type(series, "object", nullable)
    if len(kinds) == 1 and None not in kinds:
        kind = kinds.pop()
        extras: dict[str, Any] = {}
        if kind == "decimal":
            extras = {"scale": _decimal_scale(values)}
        elif kind == "time":
            extras = {"unit": "us"}
        return StorageType(name, "object", str(kind), nullable, extras)
    if None in kinds:
        _refuse_unmodelled(name, values)
    found = sorted(str(k) for k in kinds)
    raise SchemaError(
        f"column {name!r} mixes Python types {found}; cast it to one type before fitting, "
        f"e.g. df[{name!r}] = df[{name!r}].astype(str)",
        column=name,
    )


# Date/time text layouts: a regex for the shape, and the strftime layouts to read and write it
# in, tried in order (one shape, several readings: 03/04/2021 is March 4th or April 3rd). ``%-d``
# and ``%-m`` write days and months without a leading zero, ``%^b`` month names in upper case
# (glibc's strftime; BSD's has ``%-d`` and ``%-m``).
_ISO_LAYOUTS = (
    (r"\d{4}-\d{2}-\d{2}", ("%Y-%m-%d",)),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", ("%Y-%m-%d %H:%M:%S",)),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", ("%Y-%m-%dT%H:%M:%S",)),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}", ("%Y-%m-%d %H:%M:%S.%f",)),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}", ("%Y-%m-%dT%H:%M:%S.%f",)),
    (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", ("%Y-%m-%d %H:%M",)),
    (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", ("%Y-%m-%dT%H:%M",)),
    (r"\d{4}/\d{2}/\d{2}", ("%Y/%m/%d",)),
    (r"\d{4}-\d{2}", ("%Y-%m",)),  # a month: SQLite's strftime('%Y-%m', day), the key of monthly KPIs
    (r"\d{2}:\d{2}:\d{2}", ("%H:%M:%S",)),  # times of day (PostgreSQL `time` cast to text, CSVs)
    (r"\d{2}:\d{2}", ("%H:%M",)),
)
# Days written day or month first (US exports 11/25/2020, European 25.11.2020, 25/11/63), by
# separator in the order a reading is tried: a value past 12 settles which field is the day.
_DAY_FIRST_ORDERS = {"/": ("%m{0}%d", "%d{0}%m"), "-": ("%d{0}%m", "%m{0}%d"), ".": ("%d{0}%m",)}
# Clock times after a day: 24-hour, or 12-hour with AM/PM as US exports write them (Excel, CRMs:
# ``'08/19/2023 03:20 PM'``; read as text, a call log's start times came back ``'02/1*/**** **:** **'``).
_CLOCKS = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p")
_CLOCK_SHAPES = {"%H": r"\d{1,2}", "%I": r"\d{1,2}", "%M": r"\d{2}", "%S": r"\d{2}", "%p": "[AP]M"}


def _numeric_day_layouts() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each separator's day-month-year shapes (four- or two-digit years, with or without a clock
    time) with their readings, zero-padded first, then the same without leading zeros."""
    out = []
    for sep, orders in _DAY_FIRST_ORDERS.items():
        for year, year_digits in (("%Y", 4), ("%y", 2)):
            for clock in _CLOCKS:
                shape = rf"\d{{1,2}}{re.escape(sep)}\d{{1,2}}{re.escape(sep)}\d{{{year_digits}}}"
                shape += functools.reduce(lambda text, part: text.replace(*part), _CLOCK_SHAPES.items(), clock)
                padded = [order.format(sep) + sep + year + clock for order in orders]
                loose = [_unpadded(layout) for layout in padded]
                out.append((shape, (*padded, *loose)))
    out += [  # a month and its year (1/86, 01/2020) and days with month names (05-Jan-2020, Jan 5, 2020)
        (r"\d{1,2}/\d{4}", ("%m/%Y", "%-m/%Y")),
        (r"\d{1,2}/\d{2}", ("%m/%y", "%-m/%y")),
        (r"\d{1,2}-[A-Z][a-z]{2}-\d{4}", ("%d-%b-%Y", "%-d-%b-%Y")),
        (r"\d{1,2}-[A-Z][a-z]{2}-\d{2}", ("%d-%b-%y", "%-d-%b-%y")),
        (r"\d{1,2}-[A-Z]{3}-\d{4}", ("%d-%^b-%Y", "%-d-%^b-%Y")),  # Oracle's DD-MON-YYYY, upper case
        (r"\d{1,2}-[A-Z]{3}-\d{2}", ("%d-%^b-%y", "%-d-%^b-%y")),  # and its default DD-MON-YY
        (r"\d{1,2} [A-Z][a-z]{2} \d{4}", ("%d %b %Y", "%-d %b %Y")),
        (r"\d{1,2} [A-Z][a-z]+ \d{4}", ("%d %B %Y", "%-d %B %Y")),
        (r"[A-Z][a-z]{2} \d{1,2}, \d{4}", ("%b %d, %Y", "%b %-d, %Y")),
        (r"[A-Z][a-z]+ \d{1,2}, \d{4}", ("%B %d, %Y", "%B %-d, %Y")),
    ]
    return tuple(out)


def _unpadded(layout: str) -> str:
    """``layout`` writing days, months and hours without a leading zero (``%-d``, ``%-I``)."""
    return layout.replace("%d", "%-d").replace("%m", "%-m").replace("%H", "%-H").replace("%I", "%-I")


_TEXT_TIME_LAYOUTS = _ISO_LAYOUTS + _numeric_day_layouts()
_MONTH_LAYOUT_MIN_VALUES = 12  # a month and a two-digit year (1/86) that fewer values hold: fractions (3/16)?
_TIME_OF_DAY_LAYOUTS = {"%H:%M:%S", "%H:%M"}
_OFFSET = r"(Z|[+-]\d{2}(:?\d{2})?)$"  # a UTC offset after a time, kept as written
_OFFSET_SUFFIX, _LAYOUT_OFFSET = re.compile(r"(?<=\d)" + _OFFSET), re.compile(_OFFSET)  # in values, in a layout
_TEXT_TIME_ORIGIN = pd.Timestamp("1900-01-01")  # the date strptime gives a time of day


def _text_type(series: pd.Series, dtype: str, nullable: bool) -> StorageType:
    """Text columns; dates and times written as text are points in time (or times of day), not
    3,000 categories that privacy would mostly merge into the rare token; so are numbers with a
    decimal point written as text (``number_text_type``)."""
    numbers = number_text_type(series, dtype, nullable)
    if numbers is not None:
        return numbers
    layout = _text_time_layout(series)
    if layout is None:
        return _mixed_text_type(series, dtype, nullable)
    if _LAYOUT_OFFSET.sub("", layout) in _TIME_OF_DAY_LAYOUTS:
        return StorageType(str(series.name), dtype, "time", nullable, {"unit": "us", "text_format": layout})
    extras: dict[str, Any] = {"unit": "ns", "tz": None, "text_format": layout}
    if "%y" in layout:
        extras["years_from"] = century_from(text_times(series.dropna().astype(str), layout))
    return StorageType(str(series.name), dtype, "datetime", nullable, extras)


NUMBER_TEXT_PROBE = 256  # values a text column is first tried on as numbers
_NUMBER_TEXT = re.compile(r"-?(?:0|[1-9]\d*)(?:\.(\d+))?(?:[eE][-+]?\d+)?")


def number_text_type(series: pd.Series, dtype: str, nullable: bool) -> StorageType | None:
    """A text column whose every value is a number and some hold a decimal point, as a number
    written back as text: a decimal of that scale where every value has the same decimals
    (``'12.50'``), else a float where each is written as Python writes floats
    (``'219.32077460859432'``, ``'1e-05'``); None for other text (versions ``'1.2'``, ``'1.10'``), and
    for whole numbers alone, which are codes as often as counts (zip codes, years, ids).

    Why: amounts kept as VARCHAR (a CSV loaded into DuckDB, ``amount::text``) were learned as 6,000
    categories and came back masked (``73.**``), and unique float text was taken for a key and
    came back as 17 digits without a point (``'30305495808865090'``)."""
    text = series.dropna()
    first = text.iloc[:NUMBER_TEXT_PROBE].astype(str)  # most text fails on its first values: a column is typed often
    if text.empty or not first.str.fullmatch(_NUMBER_TEXT.pattern).all():
        return None
    text = text.astype(str)
    if not text.str.fullmatch(_NUMBER_TEXT.pattern).all() or not text.str.contains(".", regex=False).any():
        return None
    extras: dict[str, Any] = {"number_text": True}
    places = text.str.extract(_NUMBER_TEXT.pattern, expand=False).str.len()
    exponents = text.str.contains("[eE]")
    if places.nunique(dropna=False) == 1 and not exponents.any() and text.str.len().max() <= _DECIMAL_DIGITS:
        return StorageType(str(series.name), dtype, "decimal", nullable, {**extras, "scale": int(places.iloc[0])})
    if (spec := _scientific_spec(text)) is not None:
        return StorageType(str(series.name), dtype, "float", nullable, {**extras, "scientific": spec})
    floats = text.astype(float)
    if text.equals(floats.map(repr)):
        return StorageType(str(series.name), dtype, "float", nullable, extras)
    if text.equals(floats.map(_bare_whole)):
        return StorageType(str(series.name), dtype, "float", nullable, {**extras, "bare_wholes": True})
    return None


def _bare_whole(value: float) -> str:
    """A float in its shortest round-trip form, a whole one without ``.0``, as PostgreSQL's
    ``float8::text``, R, Excel's CSV and JavaScript write them (``'36'``, ``'36.7'``, ``'36.69'``).

    Why: amounts so written have no one number of decimals and are not Python's ``'36.0'``, so they
    were text: 2,000 labels masked as ``'12*.**'``."""
    written = repr(value + 0.0)
    return written[:-2] if written.endswith(".0") else written


_DECIMAL_DIGITS = 38  # a decimal's digits at most (decimal128), and the sign and point
SCIENTIFIC_SPEC = re.compile(r"\.\d{1,2}[eE]")  # a format spec of scientific notation: ``.3e``, ``.2E``


def _scientific_spec(text: pd.Series) -> str | None:
    """The format spec every value is written in when each is in scientific notation with one
    number of digits after the point (``'1.283e-02'``: ``.3e``; Excel's ``'1.28E-02'``: ``.2E``).

    Why: such a column (click-through rates exported by Excel or ``printf('%.3e')``) is no float as
    Python writes it, so it was text: 3,000 labels, and came back ``'4.9***-**'``."""
    shape = re.fullmatch(r"-?\d\.(\d+)([eE])[-+]\d+", text.iloc[0])
    spec = "" if shape is None else f".{len(shape.group(1))}{shape.group(2)}"
    if SCIENTIFIC_SPEC.fullmatch(spec) is None:
        return None
    return spec if text.equals(text.astype(float).map(lambda v: format(v, spec))) else None


def as_number_text(series: pd.Series, st: StorageType) -> pd.Series:
    """Drawn numbers (Decimals of the column's scale, or floats) as the text they were learned
    from (``number_text_type``): a decimal to its places, a float in its shortest round-trip
    form; no minus sign on a zero."""
    if not st.extras.get("number_text"):
        return series

    def written(value: Any) -> str | None:
        if value is None or value != value:
            return None
        if isinstance(value, decimal.Decimal):
            return format(value.copy_abs() if value.is_zero() else value, "f")
        if spec := st.extras.get("scientific"):
            return format(float(value) + 0.0, spec)
        return _bare_whole(float(value)) if st.extras.get("bare_wholes") else repr(float(value) + 0.0)

    return _cast(pd.Series([written(v) for v in series.to_numpy(dtype=object)], name=series.name, dtype=object), st)


def _mixed_text_type(series: pd.Series, dtype: str, nullable: bool) -> StorageType:
    """Dates written in several layouts (``mixed_text_layouts``), else text."""
    text = series.dropna().astype(str)
    found = mixed_text_layouts(text)
    if found is None:
        return StorageType(str(series.name), dtype, "string", nullable)
    layouts = list(found)
    extras: dict[str, Any] = {"unit": "ns", "tz": None, "text_format": layouts[0], "text_formats": found}
    two_digits = [layout for layout in layouts if "%y" in layout]
    if two_digits:  # the century of the values written with two-digit years, as strptime reads them
        extras["years_from"] = century_from(text_dates(text, two_digits).dropna())
    return StorageType(str(series.name), dtype, "datetime", nullable, extras)


def century_from(stamps: pd.Series) -> int:
    """The first year of the century two-digit years are read in: its ends lie in the middle of the
    widest run of years the column never holds, and of the two such centuries, the one that reads
    most values as strptime does (it reads 69-99 as 1969-1999, 00-68 as 2000-2068; a tie: the
    earlier).

    Why: strptime reads 65 as 2065 and 72 as 1972, so birth years 1940-2005 written as two digits
    were learned as two clusters a century apart, and the years between them came back (10, 30);
    ends in the middle of the gap leave room for synthetic days a little past the real ones."""
    years = stamps.dt.year.to_numpy()
    two_digits = np.unique(years % 100)
    gaps = np.diff(np.append(two_digits, two_digits[0] + 100))  # the wrap from the last back to the first
    widest = int(np.argmax(gaps))
    first = (int(two_digits[widest]) + int(gaps[widest]) // 2) % 100
    centuries = (1900 + first, 2000 + first)
    agree = [int(np.sum(start + (years - start) % 100 == years)) for start in centuries]
    return centuries[int(np.argmax(agree))]  # argmax takes the first of a tie


DateTextReading = tuple[tuple[str, ...], int | None]  # the layouts date text is read in, the century of its %y


def date_text_reading(series: pd.Series) -> DateTextReading | None:
    """The strftime layouts a column of date (or date-and-time) text is written in (one, or several:
    ``mixed_text_layouts``) and the century its two-digit years are read in (``century_from``), or
    None (not text, not dates, or times of day only): the engine's reading (``text_dates``), shared
    with the report."""
    if series.dtype != object and not pd.api.types.is_string_dtype(series.dtype):
        return None
    if not all(isinstance(v, str) for v in series.dropna().iloc[:100]):
        return None
    st = _text_type(series.dropna().astype(str), "object", False)
    return (text_layouts(st.extras), st.extras.get("years_from")) if st.logical == "datetime" else None


def _text_time_layout(series: pd.Series) -> str | None:
    """The one strftime layout every non-null value is written in, or None.

    A layout counts only when every value parses and prints back to exactly the same text,
    so the synthetic column comes out in the real column's format (zero padding included).
    """
    text = series.dropna().astype(str)
    if text.empty:
        return None
    layout = _layout_of(text, "")
    found = _OFFSET_SUFFIX.search(text.iloc[0])
    if layout is None and found is not None and text.str.endswith(found.group(0)).all():
        layout = _layout_of(text, found.group(0))  # one UTC offset for all (DuckDB's TIMETZ: ``10:01:00+00``)
    return layout


def _layout_of(text: pd.Series, suffix: str) -> str | None:
    """The layout of ``text`` whose values all end in ``suffix``, written as it is, or None."""
    return next(_layouts_writing(text, suffix), None)


def _layouts_writing(text: pd.Series, suffix: str) -> Iterator[str]:
    """Each layout ``text`` (whose values all end in ``suffix``) is written in, in the order tried:
    03/04/2021 is written in two, 25/11/2020 in one."""
    core = text.str.slice(0, -len(suffix)) if suffix else text
    for pattern, layouts in _TEXT_TIME_LAYOUTS:
        if re.fullmatch(pattern, core.iloc[0]) is None:
            continue
        if not core.str.fullmatch(pattern).all():
            continue
        for layout in layouts:
            if _writes_back(text, layout + suffix):
                yield layout + suffix


def _writes_back(text: pd.Series, layout: str) -> bool:
    """Whether every value reads in ``layout`` and writes back as exactly the same text, and a
    month with a two-digit year (``%m/%y``) is held by enough values not to be a fraction."""
    stamps = text_times(text, layout)
    if stamps.isna().any() or not _written_back(text, stamps, layout).all():
        return False
    has_day = "%d" in layout.replace("%-d", "%d")
    return has_day or "%y" not in layout or text.nunique() >= _MONTH_LAYOUT_MIN_VALUES


def _written_back(text: pd.Series, stamps: pd.Series, layout: str) -> pd.Series:
    """Per value, whether its ``stamps`` (read in ``layout``) write back as exactly its text."""
    try:
        return (stamps.dt.strftime(layout) == text).fillna(False).astype(bool)
    except ValueError:  # a strftime without ``%-d`` or ``%^b`` (Windows'): the layout is not for this platform
        return pd.Series(False, index=text.index)


# Dates in several layouts: most ISO, some 17.01.2020 (two systems' rows merged, a CSV imported into
# SQLite). A column is read in at most MAX_TEXT_LAYOUTS of them, one per shape; a layout fewer than
# TEXT_LAYOUT_MIN_ROWS values are written in is read but never written, as a category so few rows hold
# is never emitted (EngineConfig.rare_category_min_count's default).
MAX_TEXT_LAYOUTS = 3
TEXT_LAYOUT_MIN_ROWS = 5


def mixed_text_layouts(text: pd.Series) -> dict[str, float] | None:
    """The layouts of date ``text`` (no nulls) written in several, each with the share of the values
    synthetic ones are written in (0 for a layout held by fewer than ``TEXT_LAYOUT_MIN_ROWS``), the
    most held first; None unless every value writes back exactly in one of them and one is held by
    enough values.

    Each value belongs to the first shape (``_TEXT_TIME_LAYOUTS``) it has, and a shape's layout is
    settled by all its values, as a single layout is: 03/04/2021 is April 3rd where 25/11/2020 is
    written beside it; where none of them settles it, by the other shapes (``_settled``). Shapes
    whose values write back in no one layout (US and European days in one column, 5.1.2020 beside
    05.01.2020) leave the column text; so do clock times without a day.

    Why: a column of ISO days with a tenth written 17.01.2020 matched no single layout, was taken
    for a key of unique strings and came back as strings shaped like neither ('2023.01-03').
    """
    shapes = _shape_readings(text)
    if shapes is None:
        return None
    held = _settled(shapes)
    written = sum(rows for rows in held.values() if rows >= TEXT_LAYOUT_MIN_ROWS)
    if len(held) < 2 or not written:
        return None
    ranked = sorted(held.items(), key=lambda item: -item[1])  # stable: a tie keeps the order met
    return {layout: rows / written if rows >= TEXT_LAYOUT_MIN_ROWS else 0.0 for layout, rows in ranked}


def _shape_readings(text: pd.Series) -> list[tuple[list[str], int]] | None:
    """Per shape ``text``'s values have (the first each has, in the order met), the date layouts
    all its values are written in and how many values it holds; None where a value has no shape,
    a shape no layout or there are more than ``MAX_TEXT_LAYOUTS`` shapes (told by the shapes alone,
    before any value is read: most text columns are no dates)."""
    shapes: list[pd.Series] = []
    left = text
    while not left.empty and len(shapes) < MAX_TEXT_LAYOUTS:
        shape = next((p for p, _ in _TEXT_TIME_LAYOUTS if re.fullmatch(p, left.iloc[0])), None)
        if shape is None:
            return None
        in_shape = left.str.fullmatch(shape)
        shapes.append(left[in_shape])
        left = left[~in_shape]
    if not left.empty:
        return None
    out = []
    for values in shapes:
        readings = [layout for layout in _layouts_writing(values, "") if layout not in _TIME_OF_DAY_LAYOUTS]
        if not readings:
            return None
        out.append((readings, len(values)))
    return out


def _settled(shapes: list[tuple[list[str], int]]) -> dict[str, int]:
    """Each shape's layout and the values it holds: its only one, or where its values read in two
    (05/01/2020 alone), the one putting the day where the shapes read in one layout put it
    (17.01.2020: day first), else the first tried (month first, as in one layout)."""
    orders = {_day_order(readings[0]) for readings, _ in shapes if len(readings) == 1} - {None}
    held: dict[str, int] = {}
    for readings, rows in shapes:
        layout = next((r for r in readings if len(orders) == 1 and _day_order(r) in orders), readings[0])
        held[layout] = held.get(layout, 0) + rows
    return held


def _day_order(layout: str) -> str | None:
    """``day`` where ``layout`` writes the day before the month, ``month`` where after, None where
    the year comes first (ISO) or it has no day."""
    plain = layout.replace("%-", "%").replace("%^", "%")
    day = plain.find("%d")
    month = min((i for i in (plain.find("%m"), plain.find("%b"), plain.find("%B")) if i >= 0), default=-1)
    if day < 0 or month < 0 or plain.startswith(("%Y", "%y")):
        return None
    return "day" if day < month else "month"


_KNOWN_LAYOUTS = frozenset(layout for _, layouts in _TEXT_TIME_LAYOUTS for layout in layouts) - _TIME_OF_DAY_LAYOUTS


def text_formats_valid(extras: dict[str, Any]) -> bool:
    """Whether ``extras``' ``text_formats`` (where it has them) are as ``mixed_text_layouts`` gives
    them: 2 to ``MAX_TEXT_LAYOUTS`` known date layouts, the written one first, shares in [0, 1] whose
    positive ones, most held first, add up to 1. An artifact's column is checked on load."""
    shares = extras.get("text_formats")
    if shares is None:
        return True
    if not isinstance(shares, dict) or not 2 <= len(shares) <= MAX_TEXT_LAYOUTS:
        return False
    values = list(shares.values())
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in values):
        return False
    ok = set(shares) <= _KNOWN_LAYOUTS and extras.get("text_format") == next(iter(shares))
    return ok and values == sorted(values, reverse=True) and abs(sum(values) - 1) < 1e-9


def text_layouts(extras: dict[str, Any]) -> tuple[str, ...]:
    """The layouts a date text column is read in, the one it is written in first."""
    return tuple(extras.get("text_formats") or [extras["text_format"]])


def written_as(extras: dict[str, Any]) -> str:
    """How a date text column is written, for ``describe()``: ``text %Y-%m-%d``, or its layouts
    with their shares and those too few rows hold to be written (``mixed_text_layouts``)."""
    shares = extras.get("text_formats")
    if not shares:
        return f"text {extras['text_format']}"
    written = ", ".join(f"{layout} ({share:.0%})" for layout, share in shares.items() if share > 0)
    read = [layout for layout, share in shares.items() if share == 0]
    return f"text {written}" + (f"; read, too rare to write: {', '.join(read)}" if read else "")


def text_dates(text: pd.Series, layouts: Sequence[str], years_from: int | None = None) -> pd.Series:
    """Date text read in ``layouts``: in one, as ``text_times`` reads it; in several, each value in
    the first of them it writes back in exactly (NaT where none), so a value is read in its own
    layout and never in another one's (05.01.2020 under ``%d.%m.%Y``, not ``%-d.%-m.%Y``)."""
    if len(layouts) == 1:
        return text_times(text, layouts[0], years_from)
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    left = text.notna().to_numpy(copy=True)
    for layout in layouts:
        stamps = text_times(text[left], layout, years_from)
        exact = _written_back(text[left].astype(object), stamps, layout).to_numpy()
        rows = np.flatnonzero(left)[exact]
        out.iloc[rows] = stamps.to_numpy()[exact]
        left[rows] = False
    return out


def text_times(text: pd.Series, layout: str, years_from: int | None = None) -> pd.Series:
    """Date/time text read in its strftime ``layout`` (``%-d``, ``%-m``, ``%-H``: strptime's
    ``%d``, ``%m``, ``%H`` read one digit or two; ``%^b``, an upper-case month name: ``%b`` reads
    any case), NaT where a value does not read; two-digit years in the century from
    ``years_from`` (``century_from``) where one is given."""
    stamps = pd.to_datetime(text, format=layout.replace("%-", "%").replace("%^", "%"), errors="coerce")
    if years_from is None or "%y" not in layout:
        return stamps
    shift = (years_from + (stamps.dt.year - years_from) % 100 - stamps.dt.year).fillna(0)
    for years in (-100, 100):
        moved = shift == years
        if moved.any():
            stamps = stamps.where(~moved, stamps + pd.DateOffset(years=years))  # one index: labels may repeat
    return stamps


def _refuse_unmodelled(name: str, values: pd.Series) -> None:
    """Name the unmodelled Python type(s) in ``name`` and how to cast them, in SQL or pandas."""
    kinds = sorted({_type_label(v) for v in values.iloc[:10_000] if _python_kind(v) is None})
    if kinds == [_INTERVAL_LABEL]:
        fix = (
            f"make it a number or a duration before fitting, e.g. EXTRACT(EPOCH FROM {name}) in the SQL query "
            "(seconds), or stage the query with synthpipe extract, which turns intervals into durations"
        )
    else:
        fix = (
            f"cast it to text (or a number) before fitting, e.g. CAST {name} AS text in the SQL query, "
            f"or df[{name!r}] = df[{name!r}].astype(str) in pandas (or drop the column)"
        )
    raise SchemaError(
        f"column {name!r} holds {' and '.join(kinds)} values, which synthpipe cannot model; {fix}",
        column=name,
    )


_INTERVAL_LABEL = "calendar interval (months, days, nanoseconds)"


def _type_label(value: Any) -> str:
    if isinstance(value, dt.time):
        return "time-of-day with a time zone (timetz)"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return "datetime (mixed time zones or units)"
    if isinstance(value, bytes | bytearray | memoryview):
        return "binary (bytea)"
    if isinstance(value, list | tuple | np.ndarray):
        return "array"
    if isinstance(value, dict):
        return "mapping (struct/JSON)"
    if isinstance(value, pd.DateOffset):  # Arrow month_day_nano_interval (DuckDB INTERVAL)
        return _INTERVAL_LABEL
    return f"Python {type(value).__name__}"


def _python_kind(value: Any) -> str | None:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, decimal.Decimal):
        return "decimal"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return None
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time" if value.tzinfo is None else None
    if isinstance(value, int | np.integer):
        return "int"
    if isinstance(value, float | np.floating):
        return "float"
    return None


def _decimal_scale(values: pd.Series) -> int:
    """The places after the point of the finest value; negative where every value is a multiple
    of a power of ten (``decimal128(5, -2)`` holds hundreds: ``1.2E+3``). Why: clamped at 0, such a
    column's draws were whole numbers (1234), which writing the Table back refused ("Rescaling
    Decimal value would cause data loss"); drawn in hundreds, they fit the type."""
    exponents = [v.as_tuple().exponent for v in values.iloc[:10_000] if v.is_finite()]
    return int(max((-e for e in exponents if isinstance(e, int)), default=0))


def _json_scalar(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- reading values


def numeric_values(series: pd.Series, st: StorageType) -> tuple[np.ndarray, int]:
    """Float64 view (NaN = null) of a numeric-like column, and the grain it was divided by.

    Dates, datetimes and timedeltas become integers at their natural resolution (days,
    seconds, ...) so quantile bins and clipping work on them like on any number.
    """
    if st.logical in ("int", "float", "bool"):
        return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan), 1
    if st.logical == "decimal":
        return _decimal_floats(series), 1
    ticks, mask = _time_ticks(series, st)
    grain = _grain(ticks[~mask], st)
    out = (ticks // grain).astype("float64")
    out[mask] = np.nan
    return out, grain


FLOAT_WHOLE_LIMIT = 2**53  # float64 holds every whole number up to this; past it, neighbours share one float
EXACT_KINDS = ("int", "decimal", "date", "datetime", "timedelta", "time")  # values of whole steps (``exact_steps``)


def exact_steps(series: pd.Series, st: StorageType, grain: int) -> list[int]:
    """The values of ``series`` (no nulls) of an ``EXACT_KINDS`` column as whole steps of ``grain``
    ticks (of the last place, for decimals), exactly (Python ints): the float view
    (``numeric_values``) rounds them past 2**53 steps."""
    if st.logical == "int":
        return [int(v) for v in series.to_numpy(dtype=object)]
    if st.logical == "decimal":
        scale = int(st.extras.get("scale", 0))
        return [int(decimal.Decimal(v).scaleb(scale)) for v in series.to_numpy(dtype=object)]
    ticks, _ = _time_ticks(series, st)
    return [int(t) // grain for t in ticks.tolist()]


def steps_per_unit(st: StorageType) -> float:
    """``exact_steps`` in one unit of the float view: 10**scale for decimals (cents: 100), else 1."""
    return 10.0 ** int(st.extras.get("scale", 0)) if st.logical == "decimal" else 1.0


def _decimal_floats(series: pd.Series) -> np.ndarray:
    """Float64 of Decimal objects (NaN = null), each as ``float(value)`` gives it.

    Why ``to_numpy(na_value=...)``: an Arrow-backed decimal column (``dtype_backend="pyarrow"``)
    holds ``pd.NA`` for nulls, whose truth value is ambiguous, and fitting one with nulls raised
    TypeError when every value was tested by hand.
    """
    return np.asarray(pd.to_numeric(series.to_numpy(dtype=object, na_value=np.nan)), dtype="float64")


def _time_ticks(series: pd.Series, st: StorageType) -> tuple[np.ndarray, np.ndarray]:
    """Integer ticks (days for dates, the dtype's unit otherwise) and the null mask."""
    if st.logical == "date":  # straight to days: through nanoseconds, 9999-12-31 wrapped round to 1816
        values = series.astype(object)
        mask = values.isna().to_numpy()
        days = np.asarray(values.where(~mask, None).tolist(), dtype="datetime64[D]").view("int64")
        return np.where(mask, 0, days), mask
    if st.logical == "time":
        return _time_of_day_ticks(series, st)
    if st.logical == "datetime":
        if st.extras.get("text_format"):
            text = series.astype("string") if st.extras.get("digits") else series.astype(object)
            series = text_dates(text, text_layouts(st.extras), st.extras.get("years_from"))
        stamps = _naive(series, st)
        raw = stamps.to_numpy(dtype=f"datetime64[{st.extras['unit']}]")
    else:
        raw = series.to_numpy(dtype=f"timedelta64[{st.extras['unit']}]")
    mask = np.isnat(raw)
    return np.where(mask, 0, raw.view("int64")), mask


def _naive(series: pd.Series, st: StorageType) -> pd.Series:
    """Timestamps without a zone: local wall-clock time (UTC for artifacts made before it)."""
    if not st.extras.get("tz"):
        return series
    return series.dt.tz_localize(None) if st.extras.get("wall_clock") else series.dt.tz_convert(None)


def _zoned(series: pd.Series, st: StorageType) -> pd.Series:
    """Back in the column's zone. A wall-clock time that DST skips moves forward to the first
    valid one; one that DST repeats takes its first (summer-time) occurrence."""
    if not st.extras.get("wall_clock"):
        return series.dt.tz_localize("UTC").dt.tz_convert(st.extras["tz"])
    first = np.ones(len(series), dtype=bool)
    return series.dt.tz_localize(st.extras["tz"], ambiguous=first, nonexistent="shift_forward")


def valid_wall_clock_ns(ns: np.ndarray, tz: str) -> np.ndarray:
    """Wall-clock nanoseconds (NaN for null) with the times that DST skips in ``tz`` moved forward
    to the first valid one, as ``_zoned`` will move them: parts taken from the times (an hour
    column) must be taken from the time that is written."""
    known = np.flatnonzero(~np.isnan(ns))
    wall = pd.Series(ns[known].astype("int64").astype("datetime64[ns]"))
    first = np.ones(known.size, dtype=bool)
    valid = wall.dt.tz_localize(tz, ambiguous=first, nonexistent="shift_forward").dt.tz_localize(None)
    moved = (valid != wall).to_numpy()
    out = ns.copy()
    out[known[moved]] = valid[moved].to_numpy(dtype="datetime64[ns]").astype("int64").astype("float64")
    return out


def _time_of_day_ticks(series: pd.Series, st: StorageType) -> tuple[np.ndarray, np.ndarray]:
    """Microseconds since midnight and the null mask."""
    if st.extras.get("text_format"):
        stamps = text_times(series.astype(object), st.extras["text_format"])
        mask = stamps.isna().to_numpy()
        micros = (stamps - _TEXT_TIME_ORIGIN).to_numpy(dtype="timedelta64[us]").view("int64")
        return np.where(mask, 0, micros), mask
    values = series.to_numpy(dtype=object, na_value=np.nan)  # pd.NA (Arrow-backed time64) has no truth value
    mask = pd.isna(values)
    ticks = [0 if m else _micros_of_day(v) for v, m in zip(values, mask, strict=True)]
    return np.asarray(ticks, dtype="int64"), mask


def _micros_of_day(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 10**6 + value.microsecond


def _grain(ticks: np.ndarray, st: StorageType) -> int:
    """The coarsest natural resolution dividing every value (day, hour, ..., 1 tick)."""
    if st.logical == "date" or ticks.size == 0:
        return 1
    per_tick = _UNIT_NS[st.extras["unit"]]
    for grain_ns in _GRAINS_NS:
        if grain_ns % per_tick == 0 and np.all(ticks % (grain_ns // per_tick) == 0):
            return grain_ns // per_tick
    return 1


def whole_days(series: pd.Series, st: StorageType) -> np.ndarray | None:
    """Days since 1970-01-01 (NaN: null) of a date or datetime column whose every value is a
    midnight (of its own wall clock); None for any other column."""
    if st.logical not in ("date", "datetime"):
        return None
    ticks, mask = _time_ticks(series, st)
    per_day = ticks_per_day(st)
    if np.any(ticks[~mask] % per_day):
        return None
    days = (ticks // per_day).astype("float64")
    days[mask] = np.nan
    return days


def from_whole_days(days: np.ndarray, st: StorageType) -> pd.Series:
    """Days since 1970-01-01 (NaN: null) written back in the date or datetime column's own dtype."""
    return restore_numeric(days * ticks_per_day(st), st, 1)


def ticks_per_day(st: StorageType) -> int:
    """A date or datetime column's own ticks in a day (1 for dates)."""
    return 1 if st.logical == "date" else _DAY_NS // _UNIT_NS[st.extras["unit"]]


# --------------------------------------------------------------------------- writing values


def restore_numeric(values: np.ndarray, st: StorageType, grain: int, exact: Sequence[int] = ()) -> pd.Series:
    """Write float64 values (NaN = null) back in the column's own dtype; integer values (no nulls)
    are written as they are. A value within one float step of an ``exact`` one (whole steps of
    ``grain`` past 2**53, which many real rows hold) is written as it (``onto_exact``)."""
    mask = np.isnan(values)
    if st.logical == "float":  # an Arrow-backed integer column with nulls is one (int64[pyarrow] reads as float64)
        floats = pd.Series(within_integer_type(values, _arrow_type(st)), name=st.name)
        return as_number_text(floats, st) if st.extras.get("number_text") else _cast(floats, st)
    if st.logical == "decimal":
        return as_number_text(_decimals(values, mask, st, exact), st)
    if st.logical in ("int", "bool"):
        return _integers(values, mask, st, exact)
    steps = np.clip(np.rint(np.nan_to_num(values)), *_step_limits(st, grain))
    return _times(onto_exact(values, np.where(mask, 0, steps).astype("int64"), exact) * grain, mask, st)


def onto_exact(values: np.ndarray, whole: np.ndarray, exact: Sequence[int | decimal.Decimal]) -> np.ndarray:
    """``whole`` (the float ``values`` as written) with every value within one float step of an
    ``exact`` number (a whole one, or a Decimal) set to it.

    Why: float64 holds whole numbers exactly only up to 2**53, and an open end many rows share,
    9999-12-31 23:59:59.999999 in microseconds (2.5e17; PostgreSQL's 'infinity' staged), came back
    32 microseconds early in every row, so ``valid_to = <open end>`` missed them all; an int64
    sentinel 9223372036854775807 came back as 9223372036854774784. A float cannot tell the values
    within a step of each other apart, so a value that near is the exact one.
    """
    for value in exact:
        near = np.abs(values - float(value)) <= np.spacing(float(value))
        if near.any():
            whole = whole.copy()
            whole[near] = value
    return whole


CALENDAR_DAYS = (-719_162, 2_932_896)  # 0001-01-01 and 9999-12-31, in days since 1970-01-01


def _step_limits(st: StorageType, grain: int) -> tuple[float, float]:
    """The range of a restored time value, in steps of ``grain`` ticks.

    Dates and datetimes stay within the years 1-9999 (what Python, CSV readers and SQL
    databases all hold) and within what their unit holds at all (datetime64[ns] ends in 2262);
    other values within int64. Why: next to a 9999-12-31 "open end", a drawn day moved onto a
    weekday came out in the year 10000.
    """
    low, high = -(2**63) + 1, 2**63 - 1
    if st.logical in ("date", "datetime"):
        per_day = ticks_per_day(st)
        low, high = max(low, CALENDAR_DAYS[0] * per_day), min(high, (CALENDAR_DAYS[1] + 1) * per_day - 1)
    return _float_within(-(-low // grain)), _float_within(high // grain)


def _float_within(limit: int) -> float:
    """``limit`` as the nearest float no further from zero (float(2**63 - 1) is 2**63, which overflows)."""
    value = float(limit)
    return value if abs(int(value)) <= abs(limit) else float(np.nextafter(value, 0.0))


def _integers(values: np.ndarray, mask: np.ndarray, st: StorageType, exact: Sequence[int] = ()) -> pd.Series:
    if st.dtype == "object":  # Python ints / bools with None, as they came in
        kind = bool if st.logical == "bool" else int
        plain = [None if m else kind(round(v)) for v, m in zip(values.tolist(), mask.tolist(), strict=True)]
        return pd.Series(onto_exact(values, np.asarray(plain, dtype=object), exact), name=st.name, dtype=object)
    target = _numpy_twin(st)
    drawn = values
    if values.dtype.kind not in "iu":  # integers are exact already (fresh keys): ids past 2**53 round as floats
        if target.kind in "iu":
            values = np.clip(values, *_float_limits(target))
        values = np.rint(np.nan_to_num(values))
    ints: Any = onto_exact(drawn, values.astype(target if target.kind in "iub" else "int64"), exact)
    if not mask.any() and not st.nullable and st.extras.get("arrow_backed") is None:
        return _cast(pd.Series(ints, name=st.name), st)
    arr: Any = pd.array(ints, dtype=_masked_twin(ints.dtype))
    arr[mask] = pd.NA
    return _cast(pd.Series(arr, name=st.name), st)


def _float_limits(dtype: np.dtype) -> tuple[float, float]:
    """The integer type's range as floats that convert back without overflow (a tail draw clipped
    at float(2**63 - 1) = 2**63 wrapped round to -2**63)."""
    info = np.iinfo(dtype)
    return _float_within(int(info.min)), _float_within(int(info.max))


def integer_limits(st: StorageType) -> tuple[int, int] | None:
    """The range an integer column's dtype holds; None for Python ints (object) and other kinds."""
    twin = _numpy_twin(st)
    if st.logical != "int" or twin.kind not in "iu":
        return None
    info = np.iinfo(twin)
    return int(info.min), int(info.max)


def _numpy_twin(st: StorageType) -> np.dtype:
    try:
        base: Any = pd.api.types.pandas_dtype(st.dtype)
        return np.dtype(getattr(base, "numpy_dtype", base))
    except TypeError:
        return np.dtype("int64")


def _masked_twin(dtype: np.dtype) -> str:
    return "boolean" if dtype.kind == "b" else dtype.name.capitalize().replace("Uint", "UInt")


def _decimals(values: np.ndarray, mask: np.ndarray, st: StorageType, exact: Sequence[int] = ()) -> pd.Series:
    """Decimal objects (None: null); ``exact``: whole steps of the last place (``exact_steps``)."""
    scale = int(st.extras.get("scale", 0))
    quantum, context = decimal.Decimal(1).scaleb(-scale), _decimal_context(scale)
    whole = values.dtype.kind in "iu"  # whole keys: as floats, past 2**53 they round
    out = [
        None
        if m
        else (decimal.Decimal(int(v)) if whole else decimal.Decimal(repr(float(v)))).quantize(quantum, context=context)
        for v, m in zip(values, mask, strict=True)
    ]
    held = [decimal.Decimal(step).scaleb(-scale) for step in exact]
    return pd.Series(onto_exact(values, np.asarray(out, dtype=object), held), name=st.name, dtype=object)


_FLOAT_INTEGER_DIGITS = 309  # float64 tops out at 1.8e308: no drawn value has more digits before the point


def _decimal_context(scale: int) -> decimal.Context:
    """Enough digits to write any drawn value at ``scale`` places.

    Why: ``quantize`` runs in Python's default context of 28 digits, and Spark's default
    ``decimal(38,18)`` holds 30 digits at 1e11 (a balance of 52311234567.25 written with 18
    places): sampling such a column raised ``decimal.InvalidOperation``. Rounding stays
    half-even, the default's, so the values that fitted in 28 digits come out the same.
    """
    return decimal.Context(prec=_FLOAT_INTEGER_DIGITS + max(scale, 0), rounding=decimal.ROUND_HALF_EVEN)


def _times(ticks: np.ndarray, mask: np.ndarray, st: StorageType) -> pd.Series:
    if st.logical == "time":
        return _times_of_day(ticks, mask, st)
    if st.logical == "date":
        days = ticks.astype("datetime64[D]").astype(object)
        days[mask] = None
        return pd.Series(days, name=st.name, dtype=object)
    unit = st.extras["unit"]
    kind = "datetime64" if st.logical == "datetime" else "timedelta64"
    raw = ticks.astype(f"{kind}[{unit}]")
    raw[mask] = np.datetime64("NaT") if kind == "datetime64" else np.timedelta64("NaT")
    series = pd.Series(raw, name=st.name)
    if st.extras.get("text_format"):
        text = series.dt.strftime(st.extras["text_format"]).astype(object).where(~mask, None)
        return _cast(pd.to_numeric(text) if st.extras.get("digits") else text, st)
    if st.extras.get("tz"):
        series = _zoned(series, st)
    return _cast(series, st)


def in_drawn_layouts(text: pd.Series, st: StorageType, layouts: np.ndarray) -> pd.Series:
    """Date ``text`` written in the column's first layout (``_times``), each value in its row's
    drawn one of ``layouts`` instead (a value that does not read stays as it is).

    Why not at ``_times``: the sampler reads its dates back (constraints, entities carried on to the
    next block) in the one layout until a chunk is given out, and no row there knows its place in
    the stream, by which the layout is drawn."""
    stamps = text_times(text.astype(object), st.extras["text_format"], st.extras.get("years_from"))
    out = text.astype(object)
    for layout in dict.fromkeys(layouts.tolist()):
        rows = (layouts == layout) & stamps.notna().to_numpy()
        if layout != st.extras["text_format"] and rows.any():
            out = out.where(~rows, stamps.dt.strftime(layout))
    return as_stored(_cast(out, st), st)


def _times_of_day(micros: np.ndarray, mask: np.ndarray, st: StorageType) -> pd.Series:
    """Clock times, kept inside one day (a tail draw past midnight stops at the day's last tick)."""
    stamps = _TEXT_TIME_ORIGIN + pd.to_timedelta(np.clip(micros, 0, _DAY_NS // 1000 - 1), unit="us")
    if st.extras.get("text_format"):
        out = stamps.strftime(st.extras["text_format"]).to_numpy(dtype=object)
    else:
        out = np.asarray(stamps.time, dtype=object)
    out[mask] = None
    return _cast(pd.Series(out, name=st.name, dtype=object), st)


def restore_labels(values: np.ndarray, st: StorageType) -> pd.Series:
    """Write an object array of labels (None = null) back in the column's own dtype."""
    if st.dtype == "category":
        cats = st.extras["categories"]
        listed = pd.Index(cats)
        if "categories_dtype" in st.extras:  # int8 categories came back int64, string[pyarrow] ones str
            listed = listed.astype(st.extras["categories_dtype"])
        dtype = pd.CategoricalDtype(listed, ordered=st.extras["ordered"])
        kept = [v if v in set(cats) else None for v in values]
        out = pd.Categorical(kept, dtype=dtype)
        if "category_values" in st.extras:  # labels of Timestamps (or other values JSON cannot hold)
            written = _category_values(st.extras["category_values"])
            out = out.rename_categories(dict(zip(_category_text(written), written, strict=True)))
        return pd.Series(out, name=st.name)
    return _cast(pd.Series(values, name=st.name, dtype=object), st)


def _cast(series: pd.Series, st: StorageType) -> pd.Series:
    if st.dtype == "object":
        return series.astype(object)
    try:
        return series.astype(pd.api.types.pandas_dtype(st.dtype))
    except (TypeError, ValueError):
        return series
