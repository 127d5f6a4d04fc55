from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthpipe.errors import ConfigError, MissingDependency, StoreAuthError, StoreNotWritable, StoreUnreachable
from synthpipe.stores import STALE_TEMP_SECONDS, TEMP_PREFIX, Store, redact_url, translate_store_error


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


SLOW_ATTEMPT = """
import sys
from synthpipe.stores import Store
with Store(sys.argv[1]).atomic_writer("k.csv") as handle:
    handle.write(b"first attempt")
    handle.flush()
    print("mid-write", flush=True)
    sys.stdin.readline()
"""


def test_two_live_attempts_of_one_key_both_commit_and_the_later_wins(tmp_path: Path) -> None:
    """Airflow's zombie task and its retry: the retry writes the key while the zombie is mid-write.
    The retry used to sweep the zombie's temp object and the zombie failed "failed to commit"."""
    first = subprocess.Popen([sys.executable, "-c", SLOW_ATTEMPT, str(tmp_path)], text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert first.stdout is not None and first.stdout.readline() == "mid-write\n"
    Store(str(tmp_path)).write_bytes("k.csv", b"second attempt")
    _, error = first.communicate("commit\n", timeout=60)
    assert first.returncode == 0, error
    assert (tmp_path / "k.csv").read_bytes() == b"first attempt"
    assert os.listdir(tmp_path) == ["k.csv"]


def test_a_temp_object_of_another_machine_is_swept_once_old(tmp_path: Path) -> None:
    fresh, old = (tmp_path / f"{TEMP_PREFIX}0000abcd.7-{digit * 32}-k.csv" for digit in "01")
    for temp in (fresh, old):
        temp.write_bytes(b"partial")
    an_hour_ago = time.time() - STALE_TEMP_SECONDS - 60
    os.utime(old, (an_hour_ago, an_hour_ago))
    Store(str(tmp_path)).write_bytes("k.csv", b"v1")
    assert sorted(os.listdir(tmp_path)) == sorted([fresh.name, "k.csv"])


@pytest.mark.parametrize("url", ["", "  "])
def test_an_empty_store_url_is_refused_rather_than_the_current_folder(url: str) -> None:
    """A run config's ``"staging": ""`` staged the data in the worker's current folder."""
    with pytest.raises(ConfigError, match="the store URL is empty; give a folder"):
        Store(url)


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


@pytest.mark.parametrize("url", ["s3://", "memory://", "file:///"])
def test_a_url_without_a_path_is_never_a_local_folder_named_after_its_scheme(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``"s3://".rstrip("/")`` is ``s3:``: these three wrote into ./s3:, ./memory: and the current folder."""
    monkeypatch.chdir(tmp_path)
    if url == "s3://":
        with pytest.raises(ConfigError, match="names no bucket; write s3://bucket"):
            Store(url)
    else:
        store = Store(url)
        assert store.url == url and store.root in ("", "/")
    assert os.listdir(tmp_path) == []


def test_credentials_in_a_store_url_are_refused_without_showing_them() -> None:
    """botocore took ``KEY:SECRET@bucket`` for the bucket name and echoed it in the error."""
    with pytest.raises(ConfigError, match="holds credentials; put them in storage_options") as caught:
        Store("s3://AKIAEXAMPLEKEY:wJalrXUtnFEMI=K7MDENG@bucket/prefix")
    assert "AKIAEXAMPLEKEY" not in str(caught.value) and "K7MDENG" not in str(caught.value)
    assert "s3://***@bucket/prefix" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "plain"),
    [("s3://b//p", "s3://b/p"), ("s3://b/a/../p", "s3://b/a/p"), ("s3:///p", None), ("s3://b/./p", "s3://b/p")],
)
def test_an_object_store_prefix_with_empty_or_dot_parts_is_refused(url: str, plain: str | None) -> None:
    """SeaweedFS stored ``s3://b//p`` at ``b/p/k`` and then found nothing at ``b//p/k``; ``..`` was "Invalid
    Request"; ``s3:///p`` "The specified bucket is not valid" (each at the first write, after the query ran)."""
    with pytest.raises(ConfigError) as caught:
        Store(url)
    assert (plain in str(caught.value)) if plain else ("names no bucket" in str(caught.value))


def test_local_paths_keep_their_dots_and_double_slashes(tmp_path: Path) -> None:
    store = Store(f"{tmp_path}/a/..//b/")
    store.write_bytes("k", b"v")
    assert (tmp_path / "b" / "k").read_bytes() == b"v"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"endpoint": "http://127.0.0.1:8333"}, "unknown storage option 'endpoint' (did you mean 'endpoint_url'?)"),
        ({"region_name": "eu-west-1"}, "client_kwargs (region_name goes there)"),
        ({"endpoint_url": "127.0.0.1:8333"}, "endpoint_url is no http(s) URL; write it as http://host:port"),
        ({"endpoint_url": "http://u:pw-4f2a9c@127.0.0.1:1"}, "endpoint_url is no http(s) URL"),
        ({"secret": "pw-4f2a9c", "password": "pw-4f2a9c"}, "Supply secret or password, not both"),
    ],
)
def test_bad_s3_storage_options_are_a_config_error_when_the_store_is_opened(
    options: dict[str, str], message: str
) -> None:
    """s3fs only refused these at the first request, with "AioSession.__init__() got an unexpected keyword
    argument 'endpoint'", "Invalid endpoint: 127.0.0.1:8333", or a bare KeyError."""
    pytest.importorskip("s3fs")
    with pytest.raises(ConfigError) as caught:
        Store("s3://bucket/prefix", storage_options=options)
    assert message in str(caught.value) and "pw-4f2a9c" not in str(caught.value)


@pytest.mark.parametrize(("url", "package"), [("gs://b/p", "gcsfs"), ("az://c/p", "adlfs"), ("abfs://c/p", "adlfs")])
def test_a_store_whose_package_is_missing_names_the_pip_command_that_exists(url: str, package: str) -> None:
    """``gs://`` said ``pip install "synthpipe[gcs]"`` and ``az://`` ``"synthpipe[az]"``: no such extras.
    Then a plain ConfigError; now a MissingDependency, as a missing s3fs is, naming the package."""
    try:
        __import__(package)
        pytest.skip(f"{package} is installed")
    except ImportError:
        pass
    with pytest.raises(MissingDependency, match=f"install it with: pip install {package}$") as caught:
        Store(url)
    assert (caught.value.package, caught.value.extra) == (package, None)


@pytest.mark.parametrize(
    ("url", "message"), [("foo://b/p", "fsspec knows no 'foo://'"), ("S3://b/p", "lower case: s3://")]
)
def test_an_unknown_scheme_is_a_config_error(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Store(url)


def test_a_store_url_naming_a_file_says_so(tmp_path: Path) -> None:
    """It failed with "StoreError ... FileExistsError: [Errno 17] File exists"."""
    (tmp_path / "out.csv").write_text("x")
    with pytest.raises(StoreNotWritable, match=r"it is a file or lies inside one .* give the path of a folder"):
        Store(str(tmp_path / "out.csv")).write_bytes("k", b"v")


def test_a_read_only_filesystem_says_it_takes_no_writes() -> None:
    """fsspec's HTTP filesystem raised a bare NotImplementedError at the first write."""
    with pytest.raises(StoreNotWritable, match="cannot take writes"):
        Store("http://127.0.0.1:9/out").write_bytes("k", b"v")


def test_a_store_error_never_shows_the_stores_own_secrets() -> None:
    """botocore echoes option values: two swapped variables put the secret into "Invalid endpoint: ..."."""
    store = Store("memory://b", storage_options={"client_kwargs": {"aws_secret_access_key": "Zy/9+ab=cd-secret"}})
    error = translate_store_error(ValueError("Invalid endpoint: Zy/9+ab=cd-secret"), action="write k", store=store)
    assert "Zy/9+ab=cd-secret" not in str(error) and "***" in str(error)


def test_credentials_whose_secret_holds_a_slash_are_refused_too() -> None:
    """A ``/`` in the secret ends the URL's host part early, so no parser sees a password there."""
    with pytest.raises(ConfigError, match="holds credentials") as caught:
        Store("s3://AKIAEXAMPLEKEY:wJalr/XUtn+FEMI=K7MDENG@bucket/prefix")
    assert "wJalr" not in str(caught.value) and "K7MDENG" not in str(caught.value)
