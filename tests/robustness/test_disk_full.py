"""Staging disk full: a real 1 MB tmpfs when the test may mount one (root), else skipped; plus a
simulated ENOSPC that always runs (a full disk cannot otherwise be provoked without privileges)."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthpipe.errors import StoreNotWritable
from synthpipe.extract import extract
from synthpipe.stores import Store
from tests.robustness.conftest import all_files, write_query

SOURCE = "duckdb:///:memory:"
# ~3 MB of incompressible text: more than the 1 MB disk
SQL = "SELECT range AS id, md5(range::VARCHAR) || md5((range * 7)::VARCHAR) AS s FROM range(60000)"
KEYS = {"r1_features.parquet", "r1_features.schema.json"}


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root; the simulated ENOSPC test covers this case")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def test_full_staging_disk_is_not_writable_leaves_nothing_and_a_rerun_converges(
    tiny_disk: Path, tmp_path: Path
) -> None:
    query = write_query(tmp_path / "sql", SQL)
    with pytest.raises(StoreNotWritable) as caught:
        extract(query=query, source=SOURCE, staging=str(tiny_disk / "staging"), name="features", run_id="r1")
    assert "free some space" in str(caught.value) and "No space left" in str(caught.value)
    assert not all_files(tiny_disk / "staging")  # the temp object is gone too: the disk is usable again
    subprocess.run(["mount", "-o", "remount,size=32m", str(tiny_disk)], check=True)
    extract(query=query, source=SOURCE, staging=str(tiny_disk / "staging"), name="features", run_id="r1")
    assert all_files(tiny_disk / "staging") == KEYS


def test_simulated_enospc_while_writing_is_not_writable_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(str(tmp_path / "staging"))
    real_open = store.fs.open

    class FullDisk:
        def __init__(self, handle: object) -> None:
            self._handle = handle

        def write(self, data: bytes) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name: str) -> object:
            return getattr(self._handle, name)

    monkeypatch.setattr(store.fs, "open", lambda path, mode="rb", **kw: FullDisk(real_open(path, mode, **kw)))
    query = write_query(tmp_path / "sql", SQL)
    with pytest.raises(StoreNotWritable) as caught:
        extract(query=query, source=SOURCE, staging=store, name="features", run_id="r1")
    assert "free some space" in str(caught.value)
    assert not all_files(tmp_path / "staging")
    monkeypatch.undo()
    extract(query=query, source=SOURCE, staging=Store(str(tmp_path / "staging")), name="features", run_id="r1")
    assert all_files(tmp_path / "staging") == KEYS
