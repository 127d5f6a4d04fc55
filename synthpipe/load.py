"""Stage 3 — load: publish the synthetic rows (and their report) to the destination store.

Reads: the staged synthetic shards. Writes: ``<run_id>_<name>_synthetic.<csv|parquet>`` on
the destination, plus ``<run_id>_<name>_report.html|json`` beside it. The data object is
written last and atomically, so whoever sees it also finds its report, and nobody ever
sees half of it; a rerun of the same run id replaces the same keys.
"""

from __future__ import annotations

import posixpath
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from synthpipe.errors import ConfigError
from synthpipe.stores import Store, open_uri
from synthpipe.workspace import Workspace, reads_staged_files
from synthpipe.writers import TableFormat, check_format, closed_on_error, open_writer


class LoadResult(BaseModel):
    uri: str
    rows: int
    report_uris: list[str]
    seconds: float


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
    rows = _write_concatenated(workspace.store, key, synthetic_uris, fmt, options, batch_rows)
    return LoadResult(
        uri=workspace.uri(key),
        rows=rows,
        report_uris=published_reports,
        seconds=round(time.perf_counter() - started, 3),
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


def _batches(uris: Sequence[str], options: dict[str, Any], batch_rows: int) -> Iterator[pa.RecordBatch]:
    for uri in uris:
        with open_uri(uri, options) as handle:
            yield from pq.ParquetFile(handle).iter_batches(batch_size=batch_rows)


def _write_concatenated(
    store: Store, key: str, uris: Sequence[str], fmt: str, options: dict[str, Any], batch_rows: int
) -> int:
    rows = 0
    schema = _shard_schema(uris[0], options)
    with store.atomic_writer(key) as handle:
        writer = open_writer(handle, schema, fmt)
        with closed_on_error(writer):
            for batch in _batches(uris, options, batch_rows):
                writer.write(batch.cast(schema) if not batch.schema.equals(schema) else batch)
                rows += batch.num_rows
        writer.close()
    return rows
