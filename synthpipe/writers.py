"""Table files on stores: streaming writers and readers for the staged formats (Parquet, CSV)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import IO, Any, Literal, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from synthpipe.engine.nested import arrow_from_json_text, arrow_json_text, is_nested, type_from_text
from synthpipe.errors import ConfigError
from synthpipe.stores import open_uri

TableFormat = Literal["parquet", "csv"]
_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
FORMATS: tuple[str, ...] = ("parquet", "csv")
STREAM_BATCH_ROWS = 65_536
ROW_GROUP_ROWS = 65_536
ROW_GROUP_BYTES = 16 * 2**20


class TableWriter(Protocol):
    def write(self, batch: pa.RecordBatch | pa.Table) -> None: ...
    def close(self) -> None: ...


class _ParquetWriter:
    """Small batches are gathered into row groups of ROW_GROUP_ROWS rows or ROW_GROUP_BYTES.

    Why: a row group per batch made a PostgreSQL result of wide rows, which the ADBC driver hands
    over one row a batch, into 40,000 row groups whose metadata the writer keeps until it closes
    (+215 MB peak memory for a 320 MB result, and a file that reads slowly)."""

    def __init__(self, handle: IO[bytes], schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(handle, schema, compression="zstd")
        self._pending: list[pa.Table] = []
        self._rows = self._bytes = 0

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        table = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
        self._pending.append(table)
        self._rows, self._bytes = self._rows + table.num_rows, self._bytes + table.nbytes
        if self._rows >= ROW_GROUP_ROWS or self._bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._writer.write_table(pa.concat_tables(self._pending).combine_chunks())
        self._pending, self._rows, self._bytes = [], 0, 0

    def close(self) -> None:
        self._flush()
        self._writer.close()


class _CsvWriter:
    """Timestamps are written to their last non-zero fractional digit (``2013-09-19 22:08:41``,
    ``...:41.5``), as PostgreSQL prints them; pyarrow wrote every one to the microsecond, so a
    column of whole seconds came out ``2013-09-19 22:08:41.000000``. Durations are written as
    ``[-]H:MM:SS[.fraction]`` (hours unbounded), which PostgreSQL, DuckDB and pandas read back as
    intervals; pyarrow wrote the bare integer (``93784000500`` for
    1 day 2:03:04.0005), whose unit a reader cannot know. Arrays, structs and maps are written as
    JSON text (pyarrow's CSV writer refuses them), which PostgreSQL casts to ``jsonb``, and binary
    values in PostgreSQL's ``bytea`` hex form, ``\\x89504e47`` (pyarrow wrote the raw bytes, which
    no CSV reader takes as text)."""

    def __init__(self, handle: IO[bytes], schema: pa.Schema) -> None:
        self._writer = pacsv.CSVWriter(handle, _as_written(schema))

    def write(self, batch: pa.RecordBatch | pa.Table) -> None:
        columns = [_as_text(column) for column in batch.columns]  # type: ignore[union-attr]
        self._writer.write(pa.Table.from_arrays(columns, schema=_as_written(batch.schema)))

    def close(self) -> None:
        self._writer.close()


@contextlib.contextmanager
def closed_on_error(writer: TableWriter) -> Iterator[None]:
    """Close ``writer`` when the block fails, so it does not try to finish its file later, at garbage
    collection, on a handle the store has already abandoned; the block's own error is what propagates."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            writer.close()
        raise


def duration_text(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A duration column as ``[-]H:MM:SS[.fraction]`` text, the fraction to the column's unit with
    its trailing zeros dropped (nulls stay null)."""
    per_second = _TICKS_PER_SECOND[column.type.unit]
    digits = len(str(per_second)) - 1
    ticks = pc.fill_null(pc.cast(column, pa.int64()), 0).to_numpy(zero_copy_only=False)  # exact: no NaN floats
    present = ~pc.is_null(column).to_numpy(zero_copy_only=False)
    texts: list[str | None] = []
    for tick, here in zip(ticks.tolist(), present.tolist(), strict=True):
        if not here:
            texts.append(None)
            continue
        seconds, fraction = divmod(abs(int(tick)), per_second)
        minutes, second = divmod(seconds, 60)
        hours, minute = divmod(minutes, 60)
        part = f".{fraction:0{digits}d}".rstrip("0") if fraction else ""
        texts.append(f"{'-' if tick < 0 else ''}{hours}:{minute:02d}:{second:02d}{part}")
    return pa.array(texts, pa.string())


_ZERO_FRACTION = r"(\.\d*?)0+($|Z$|[+-]\d{4}$)"  # trailing zeros of the seconds, before any offset
_BARE_POINT = r"\.($|Z$|[+-]\d{4}$)"


def timestamp_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A timestamp column as pyarrow's text (a tz-aware one on its own clock with its offset,
    ``+0200``), the fraction's trailing zeros dropped; Arrow's cast from string reads it back."""
    text = pc.cast(column, pa.string())
    return pc.replace_substring_regex(pc.replace_substring_regex(text, _ZERO_FRACTION, r"\1\2"), _BARE_POINT, r"\1")


def _as_text(column: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    if pa.types.is_duration(column.type):
        return duration_text(column)
    if pa.types.is_timestamp(column.type) or pa.types.is_time(column.type):
        return timestamp_text(column)  # a time of day: '09:00:00', not '09:00:00.000000' (DuckDB's TIME)
    if _is_binary(column.type):
        return pa.array([None if v is None else "\\x" + v.hex() for v in column.to_pylist()], pa.string())
    return arrow_json_text(column) if is_nested(column.type) else column


def _is_binary(kind: pa.DataType) -> bool:
    return bool(pa.types.is_binary(kind) or pa.types.is_large_binary(kind))


def _as_text_type(kind: pa.DataType) -> bool:
    """Whether the CSV writer writes a column of this type as text of its own making."""
    return bool(
        pa.types.is_duration(kind) or pa.types.is_timestamp(kind) or pa.types.is_time(kind) or is_nested(kind)
        or _is_binary(kind)
    )  # fmt: skip


def _bytes(text: str | None) -> bytes | None:
    """``\\x``-hex text (``_as_text``) back to bytes; other text as its UTF-8 bytes."""
    if text is None:
        return None
    return bytes.fromhex(text[2:]) if text.startswith("\\x") else text.encode()


def duration_ticks(text: str, unit: str) -> int:
    """``[-]H:MM:SS[.fraction]`` (``duration_text``) in ticks of ``unit``, exactly (pandas parses
    through nanoseconds, which overflow past 292 years); a bare integer is ticks already."""
    if ":" not in text:
        return int(text)
    per_second = _TICKS_PER_SECOND[unit]
    digits = len(str(per_second)) - 1
    clock, _, fraction = text.lstrip("-").partition(".")
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    ticks = (hours * 3600 + minutes * 60 + seconds) * per_second + int((fraction + "0" * digits)[:digits] or 0)
    return -ticks if text.startswith("-") else ticks


_UUID_TEXT = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
LOGICAL_TYPES = {"uuid": pa.uuid(), "json": pa.json_()}  # a schema JSON's ``logical`` -> the type Parquet holds it in


def all_logical_text(column: pa.Array | pa.ChunkedArray, logical: str) -> bool:
    """Whether every non-null value of a text column is text of its ``logical`` type: a UUID's
    ``8-4-4-4-12`` hex, or a JSON document."""
    if logical == "uuid":
        return bool(pc.all(pc.match_substring_regex(column, _UUID_TEXT)).as_py() is not False)
    return all(_is_json(text) for text in column.to_pylist() if text is not None)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def as_logical(text: pa.Array | pa.ChunkedArray, arrow_type: pa.DataType) -> pa.Array:
    """Text that ``all_logical_text`` accepts in the ``LOGICAL_TYPES`` type it is text of."""
    if arrow_type != pa.uuid():
        return text.cast(arrow_type)
    raw = [None if value is None else bytes.fromhex(value.replace("-", "")) for value in text.to_pylist()]
    return pa.ExtensionArray.from_storage(pa.uuid(), pa.array(raw, pa.binary(16)))


def _as_written(schema: pa.Schema) -> pa.Schema:
    """What the CSV writer writes: timestamps, times, durations, arrays, structs, maps and bytes as text."""
    return pa.schema([pa.field(f.name, pa.string()) if _as_text_type(f.type) else f for f in schema])


def _as_read(schema: pa.Schema) -> pa.Schema:
    """The types the CSV reader reads: those written, but times of day in their own type (the
    reader parses their text; Arrow casts no text to a time) and a dictionary's indices as int32,
    the only ones it builds (a DuckDB ENUM is a dictionary of uint8 indices; ``_typed_back`` casts them)."""
    return pa.schema(
        [pa.field(f.name, pa.dictionary(pa.int32(), f.type.value_type)) if pa.types.is_dictionary(f.type)
         else f if pa.types.is_time(f.type) else written
         for f, written in zip(schema, _as_written(schema), strict=True)]
    )  # fmt: skip


def _typed_back(batch: pa.RecordBatch | pa.Table, schema: pa.Schema | None) -> pa.RecordBatch | pa.Table:
    """The timestamp, duration, array, struct, map and binary columns of ``schema``, read from a
    CSV as text, in their own types again, and dictionaries with their own indices."""
    if schema is None or batch.schema.types == schema.types:
        return batch
    columns = []
    for field in schema:
        column = batch.column(field.name)
        if column.type != field.type and pa.types.is_timestamp(field.type):
            column = pc.cast(column, field.type)
        elif column.type != field.type and pa.types.is_duration(field.type):
            ticks = [None if text is None else duration_ticks(text, field.type.unit) for text in column.to_pylist()]
            column = pa.array(ticks, pa.int64()).cast(field.type)
        elif column.type != field.type and is_nested(field.type):
            column = arrow_from_json_text(column, field.type)
        elif column.type != field.type and _is_binary(field.type):
            column = pa.array([_bytes(text) for text in column.to_pylist()], field.type)
        elif column.type != field.type:
            column = column.cast(field.type)
        columns.append(column)
    if isinstance(batch, pa.RecordBatch):
        return pa.RecordBatch.from_arrays(columns, schema=schema)
    return pa.Table.from_arrays(columns, schema=schema)


def check_format(fmt: str) -> TableFormat:
    if fmt not in FORMATS:
        raise ConfigError(f"invalid format={fmt!r}; valid values: {list(FORMATS)}", format=fmt)
    return fmt  # type: ignore[return-value]


def open_writer(handle: IO[bytes], schema: pa.Schema, fmt: str) -> TableWriter:
    """A streaming writer of ``fmt`` on an open binary handle (e.g. a Store's atomic writer)."""
    if check_format(fmt) == "parquet":
        return _ParquetWriter(handle, schema)
    return _CsvWriter(handle, schema)


def format_of(uri: str) -> TableFormat:
    """The table format implied by a key's extension."""
    for fmt in FORMATS:
        if uri.endswith(f".{fmt}"):
            return fmt  # type: ignore[return-value]
    raise ConfigError(f"cannot tell the format of {uri!r}; keys must end in .parquet or .csv", uri=uri)


def read_table(uri: str, *, storage_options: dict[str, Any] | None = None, schema: pa.Schema | None = None) -> pa.Table:
    """Read a staged table; CSV columns are cast to ``schema`` (from the staged schema JSON) when given."""
    with open_uri(uri, storage_options) as handle:
        if format_of(uri) == "parquet":
            return pq.read_table(handle)
        parse, convert = _csv_options(schema)
        return _typed_back(pacsv.read_csv(handle, parse_options=parse, convert_options=convert), schema)


@contextlib.contextmanager
def open_batches(
    uri: str,
    *,
    storage_options: dict[str, Any] | None = None,
    schema: pa.Schema | None = None,
    columns: list[str] | None = None,
) -> Iterator[tuple[pa.Schema, Iterator[pa.RecordBatch]]]:
    """The table's schema and its record batches, read one at a time: memory stays bounded at any
    size. ``columns``: only these (Parquet then reads nothing else)."""
    with open_uri(uri, storage_options) as handle:
        if format_of(uri) == "parquet":
            # pre_buffer off: on it, pyarrow read ahead every row group (peak RSS +190 MB on 160 MB)
            parquet = pq.ParquetFile(handle, pre_buffer=False)
            kept = parquet.schema_arrow if columns is None else pa.schema(map(parquet.schema_arrow.field, columns))
            yield kept, parquet.iter_batches(batch_size=STREAM_BATCH_ROWS, columns=columns)
            return
        parse, convert = _csv_options(schema)
        reader = pacsv.open_csv(handle, parse_options=parse, convert_options=convert)
        typed = schema if schema is not None else reader.schema
        batches = (_typed_back(batch, schema) for batch in reader)
        if columns is None:
            yield typed, batches
        else:
            yield pa.schema(map(typed.field, columns)), (batch.select(columns) for batch in batches)


def count_rows(uri: str, *, storage_options: dict[str, Any] | None = None, schema: pa.Schema | None = None) -> int:
    """Rows of a staged table: Parquet from its footer, CSV by one streaming pass."""
    if format_of(uri) == "parquet":
        with open_uri(uri, storage_options) as handle:
            return int(pq.ParquetFile(handle).metadata.num_rows)
    with open_batches(uri, storage_options=storage_options, schema=schema) as (_, batches):
        return sum(batch.num_rows for batch in batches)


def _csv_options(schema: pa.Schema | None) -> tuple[pacsv.ParseOptions, pacsv.ConvertOptions | None]:
    # what the CSV writer wrote: null is an empty field, "" an empty string, nan a NaN; and a null
    # in a one-column table is an empty line, which is a row, not padding
    convert = pacsv.ConvertOptions(column_types=_as_read(schema), null_values=[""], strings_can_be_null=True,
                                   quoted_strings_can_be_null=False) if schema else None  # fmt: skip
    return pacsv.ParseOptions(ignore_empty_lines=False), convert


def schema_from_json(text: str) -> pa.Schema:
    """Rebuild the Arrow schema that extract described in its schema JSON (a nested type from the
    exact type extract keeps beside its name)."""
    description = json.loads(text)
    return pa.schema(
        [
            pa.field(c["name"], type_from_text(c["arrow"]) if "arrow" in c else type_from_name(c["type"]))
            for c in description["columns"]
        ]
    )


def type_from_name(name: str) -> pa.DataType:
    """The Arrow type a schema JSON names in ``type``, for the names of the types a query usually
    returns; any other name reads as ``string`` (extract keeps such a type exactly, as ``arrow``)."""
    simple = {
        "string": pa.string(), "large_string": pa.large_string(), "bool": pa.bool_(), "double": pa.float64(),
        "float": pa.float32(), "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(), "int64": pa.int64(),
        "date32[day]": pa.date32(), "timestamp[us]": pa.timestamp("us"), "binary": pa.binary(),
    }  # fmt: skip
    if name in simple:
        return simple[name]
    if name.startswith("timestamp[") and ", tz=" in name:
        unit, tz = name[len("timestamp[") : -1].split(", tz=")
        return pa.timestamp(unit, tz=tz)
    for prefix, make in (("duration[", pa.duration), ("time64[", pa.time64), ("timestamp[", pa.timestamp)):
        if name.startswith(prefix) and name.endswith("]") and ", " not in name:
            return make(name[len(prefix) : -1])
    if name.startswith("decimal128("):
        precision, scale = name[len("decimal128(") : -1].split(", ")
        return pa.decimal128(int(precision), int(scale))
    return pa.string()
