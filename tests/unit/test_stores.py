from __future__ import annotations

import os
from pathlib import Path

import pytest

from synthpipe.errors import StoreAuthError, StoreNotWritable, StoreUnreachable
from synthpipe.stores import TEMP_PREFIX, Store, redact_url, translate_store_error


def test_write_then_read_on_memory_store() -> None:
    store = Store("memory://stores-test/a")
    uri = store.write_bytes("x.bin", b"payload")
    assert uri == "memory://stores-test/a/x.bin"
    assert store.read_bytes("x.bin") == b"payload"
    assert store.list() == ["x.bin"]


def test_failed_write_leaves_neither_the_key_nor_a_temp_object(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    with pytest.raises(RuntimeError), store.atomic_writer("data.csv") as handle:
        handle.write(b"half of it")
        raise RuntimeError("crash mid-write")
    assert os.listdir(tmp_path) == []


def test_failed_rewrite_keeps_the_previous_content(tmp_path: Path) -> None:
    store = Store(str(tmp_path))
    store.write_bytes("data.csv", b"v1")
    with pytest.raises(RuntimeError), store.atomic_writer("data.csv") as handle:
        handle.write(b"v2 partial")
        raise RuntimeError("crash mid-write")
    assert store.read_bytes("data.csv") == b"v1"
    assert not any(name.startswith(TEMP_PREFIX) for name in os.listdir(tmp_path))


def test_unwritable_folder_is_a_typed_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    with pytest.raises(StoreNotWritable, match="not writable"):
        Store(str(blocker / "sub")).write_bytes("k", b"v")


def test_redact_url_hides_only_the_password() -> None:
    assert redact_url("postgresql://bob:s3cret@db:5432/app") == "postgresql://bob:***@db:5432/app"
    assert redact_url("s3://bucket/prefix") == "s3://bucket/prefix"
    assert "s3cret" not in repr(Store("memory://x", storage_options={"secret": "s3cret"}))


@pytest.mark.parametrize(
    "message",
    [
        'Could not connect to the endpoint URL: "http://127.0.0.1:40312/b/.tmp-2594086f5e324034b79e-f.parquet"',
        "Cannot connect to host 127.0.0.1:54033 ssl:default [Connect call failed]",
    ],
)
def test_a_403_inside_a_key_or_port_is_not_mistaken_for_refused_credentials(message: str) -> None:
    """Seen in CI: a random temp key held "4034", and the refused connection was reported as bad credentials."""
    error = translate_store_error(ConnectionError(message), action="write f.parquet", store=Store("memory://b"))
    assert isinstance(error, StoreUnreachable)


@pytest.mark.parametrize(
    "message",
    ["An error occurred (403) when calling the PutObject operation: Forbidden", "(AccessDenied) Access Denied"],
)
def test_a_refusal_status_is_an_auth_error(message: str) -> None:
    error = translate_store_error(PermissionError(message), action="write f.parquet", store=Store("memory://b"))
    assert isinstance(error, StoreAuthError)


def test_parquet_writer_gathers_small_batches_into_row_groups(tmp_path: Path) -> None:
    """A driver that hands over one wide row a batch (ADBC on PostgreSQL) must not get a row
    group per row: their metadata stays in memory until the file is closed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from synthpipe.writers import ROW_GROUP_ROWS, open_writer

    rows = ROW_GROUP_ROWS + 10
    batches = [pa.record_batch({"i": [i], "s": [f"row {i}"]}) for i in range(rows)]
    with open(tmp_path / "t.parquet", "wb") as handle:
        writer = open_writer(handle, batches[0].schema, "parquet")
        for batch in batches:
            writer.write(batch)
        writer.close()
    written = pq.ParquetFile(tmp_path / "t.parquet")
    assert written.metadata.num_row_groups == 2
    assert written.read().equals(pa.Table.from_batches(batches).combine_chunks())
