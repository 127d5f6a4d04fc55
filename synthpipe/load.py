"""Stage 3 — load: publish the synthetic rows (and their report) to the destination store.

Reads: the staged synthetic shards. Writes: ``<run_id>_<name>_synthetic.<csv|parquet>`` on
the destination, plus ``<run_id>_<name>_report.html|json`` beside it. The data object is
written last and atomically, so whoever sees it also finds its report, and nobody ever
sees half of it; a rerun of the same run id replaces the same keys. The rows come in the
query's own ORDER BY where extract staged one (``synthpipe.query_order``).
"""

from __future__ import annotations

import json
import logging
import posixpath
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from synthpipe.errors import ConfigError
from synthpipe.query_order import SortKey, sortable_keys, sorted_rows
from synthpipe.stores import Store, open_uri
from synthpipe.workspace import Workspace, reads_staged_files
from synthpipe.writers import (
    LOGICAL_TYPES,
    TableFormat,
    all_logical_text,
    as_logical,
    check_format,
    closed_on_error,
    open_writer,
)

log = logging.getLogger(__name__)


class LoadResult(BaseModel):
    uri: str
    rows: int
    report_uris: list[str]
    seconds: float
    order_by: list[str] = []  # the query's ORDER BY the rows are published in (none: as generated)


@reads_staged_files("load")
def load(
    *,
    synthetic_uris: Sequence[str],
    destination: Store | str,
    name: str,
    run_id: str,
    fmt: TableFormat = "csv",
    report_uris: Sequence[str] = (),
    staging_options: dict[str, Any] | None = None,
    batch_rows: int = 65_536,
) -> LoadResult:
    """Concatenate the synthetic shards into one object on the destination.

    Args:
        synthetic_uris: staged shard files (Parquet), in order.
        destination: the store (or URL) analysts read from.
        fmt: ``csv`` or ``parquet``.
        report_uris: staged report files to publish beside the data.
        staging_options: fsspec options for reading the staged files (e.g. S3 credentials).
    """
    started = time.perf_counter()
    check_format(fmt)
    if not synthetic_uris:
        raise ConfigError("load got no synthetic files; run the synthesize stage first")
    workspace = Workspace(destination, name=name, run_id=run_id)
    options = staging_options or {}
    published_reports = [_copy_report(workspace, uri, options) for uri in report_uris]
    key = workspace.synthetic_key(fmt)
    schema = _shard_schema(synthetic_uris[0], options)
    staged = _staged_description(synthetic_uris, workspace, options)
    order = _publish_order(synthetic_uris, staged, schema, options)
    batches = _batches(synthetic_uris, options, batch_rows)
    if order:
        table = pa.Table.from_batches([_as_schema(batch, schema) for batch in batches], schema)
        batches = iter(sorted_rows(table, order).to_batches(batch_rows))
    published = _in_logical_types(schema, synthetic_uris, staged, options) if fmt == "parquet" else schema
    rows = _write_concatenated(workspace.store, key, batches, published, fmt)
    return LoadResult(
        uri=workspace.uri(key),
        rows=rows,
        report_uris=published_reports,
        seconds=round(time.perf_counter() - started, 3),
        order_by=[str(k) for k in order],
    )


SORTED_ROWS_MAX = 5_000_000  # rows sorted in memory by the query's ORDER BY; more are published as generated


def _staged_description(uris: Sequence[str], workspace: Workspace, options: dict[str, Any]) -> dict[str, Any]:
    """The schema JSON extract staged beside the shards; empty for shards of another origin (the
    evaluate CLI's)."""
    schema_uri = posixpath.join(posixpath.dirname(uris[0]), workspace.schema_key())
    try:
        with open_uri(schema_uri, options) as handle:
            return dict(json.loads(handle.read()))
    except FileNotFoundError:
        return {}


def _publish_order(
    uris: Sequence[str], staged: dict[str, Any], schema: pa.Schema, options: dict[str, Any]
) -> list[SortKey]:
    """The query's ORDER BY that extract staged beside the shards (``query_order``), where the
    synthetic rows are few enough to sort in memory; else none, with a warning."""
    order = sortable_keys([SortKey(**key) for key in staged.get("order_by", [])], schema)
    rows = sum(_shard_rows(uri, options) for uri in uris) if order else 0
    if rows > SORTED_ROWS_MAX:
        log.warning(
            "the %s synthetic rows are published in the order they were generated in, not by the query's "
            "ORDER BY (%s): load sorts at most %s rows in memory",
            f"{rows:,}", ", ".join(map(str, order)), f"{SORTED_ROWS_MAX:,}",
        )  # fmt: skip
        return []
    return order


def _in_logical_types(
    schema: pa.Schema, uris: Sequence[str], staged: dict[str, Any], options: dict[str, Any]
) -> pa.Schema:
    """``schema`` with the columns extract staged as a UUID's or a JSON's text (``logical``) in
    that type (``LOGICAL_TYPES``), where every synthetic value is such text; one that is not (a
    label the engine made up) keeps the column text, with a warning."""
    logical = {column["name"]: column["logical"] for column in staged.get("columns", []) if "logical" in column}
    for uri in uris if logical else ():
        with open_uri(uri, options) as handle:
            shard = pq.ParquetFile(handle).read(columns=sorted(logical))
        for name in [name for name, kind in logical.items() if not all_logical_text(shard.column(name), kind)]:
            log.warning("column %r is published as text: a synthetic value is no %s", name, logical.pop(name))
    return pa.schema(
        [pa.field(f.name, LOGICAL_TYPES[logical[f.name]], f.nullable) if f.name in logical else f for f in schema]
    )


def _copy_report(workspace: Workspace, uri: str, options: dict[str, Any]) -> str:
    extension = posixpath.splitext(uri)[1].lstrip(".")
    with open_uri(uri, options) as handle:
        data = handle.read()
    return workspace.store.write_bytes(workspace.report_key(extension), data)


def _shard_schema(uri: str, options: dict[str, Any]) -> pa.Schema:
    """The first shard's schema: the published object has it even when every shard is empty."""
    with open_uri(uri, options) as handle:
        return pq.ParquetFile(handle).schema_arrow


def _shard_rows(uri: str, options: dict[str, Any]) -> int:
    with open_uri(uri, options) as handle:
        return int(pq.ParquetFile(handle).metadata.num_rows)


def _as_schema(batch: pa.RecordBatch, schema: pa.Schema) -> pa.RecordBatch:
    """``batch`` in the published ``schema``; text in a UUID or JSON type there is typed by
    ``as_logical`` (Arrow casts no text to a UUID)."""
    if batch.schema.equals(schema):
        return batch
    columns = [
        as_logical(column, field.type)
        if pa.types.is_string(column.type) and field.type in LOGICAL_TYPES.values()
        else column.cast(field.type)
        for column, field in zip(batch.columns, schema, strict=True)
    ]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def _batches(uris: Sequence[str], options: dict[str, Any], batch_rows: int) -> Iterator[pa.RecordBatch]:
    for uri in uris:
        with open_uri(uri, options) as handle:
            yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_rows)


def _write_concatenated(store: Store, key: str, batches: Iterator[pa.RecordBatch], schema: pa.Schema, fmt: str) -> int:
    rows = 0
    with store.atomic_writer(key) as handle:
        writer = open_writer(handle, schema, fmt)
        with closed_on_error(writer):
            for batch in batches:
                writer.write(_as_schema(batch, schema))
                rows += batch.num_rows
        writer.close()
    return rows
