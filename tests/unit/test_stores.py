from __future__ import annotations

import os
from pathlib import Path

import pytest

from synthpipe.errors import StoreNotWritable
from synthpipe.stores import TEMP_PREFIX, Store, redact_url


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
