"""Object-store faults against real S3 servers: each is a typed error, leaves no object at the
destination, and a rerun of the same run id completes with the same keys."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import s3fs

import synthpipe.load
import synthpipe.stores
from synthpipe.errors import StageError, StoreAuthError, StoreNotWritable, StoreUnreachable
from synthpipe.extract import extract
from synthpipe.load import load
from tests.robustness.conftest import pipeline_spec, run, write_query
from tests.robustness.private_s3 import PrivateS3, private_seaweedfs, quick_options
from tests.servers import S3Server, free_port

pytestmark = pytest.mark.integration

SOURCE = "duckdb:///:memory:"
SQL = "SELECT range AS id, range % 7 AS v, 'label-' || (range % 5) AS label FROM range(200)"
EXTRACT_KEYS = {"r1_features.parquet", "r1_features.schema.json"}
LOAD_KEYS = {"r1_features_synthetic.parquet", "r1_features_report.html", "r1_features_report.json"}


def s3_keys(options: dict[str, Any], prefix: str) -> set[str]:
    """Every object under ``prefix``, temp objects included (a reader could see those too)."""
    fs = s3fs.S3FileSystem(**{k: v for k, v in options.items() if k != "config_kwargs"})
    fs.invalidate_cache()
    if not fs.exists(prefix):
        return set()
    return {path.removeprefix(prefix + "/") for path in fs.find(prefix)}


@pytest.fixture
def query(tmp_path: Path) -> Path:
    return write_query(tmp_path / "sql", SQL)


def stage_on(staging: str, options: dict[str, Any], query: Path) -> Any:
    from synthpipe.stores import Store

    return extract(query=query, source=SOURCE, staging=Store(staging, storage_options=options),
                   name="features", run_id="r1")  # fmt: skip


def test_unreachable_store_is_transient_then_a_rerun_stages_the_same_keys(
    s3_server: S3Server, s3_bucket: str, query: Path
) -> None:
    down = S3Server(f"http://127.0.0.1:{free_port()}", s3_server.key, s3_server.secret)
    with pytest.raises(StoreUnreachable) as caught:
        stage_on(f"s3://{s3_bucket}/staging", quick_options(down), query)
    assert caught.value.transient and "endpoint" in str(caught.value)
    assert s3_keys(s3_server.storage_options, f"{s3_bucket}/staging") == set()
    stage_on(f"s3://{s3_bucket}/staging", s3_server.storage_options, query)
    assert s3_keys(s3_server.storage_options, f"{s3_bucket}/staging") == EXTRACT_KEYS


@pytest.mark.parametrize("wrong", ["key", "secret"])
def test_wrong_credentials_are_an_auth_error_without_the_secret(
    s3_server: S3Server, s3_bucket: str, query: Path, wrong: str
) -> None:
    bad = quick_options(s3_server, **{wrong: "wrong-credential-9d7e1f"})
    with pytest.raises(StoreAuthError) as caught:
        stage_on(f"s3://{s3_bucket}/staging", bad, query)
    text = f"{caught.value} {caught.value!r} {caught.value.context}"
    assert "access key and secret" in text
    assert "wrong-credential-9d7e1f" not in text and s3_server.secret not in text
    assert s3_keys(s3_server.storage_options, f"{s3_bucket}/staging") == set()
    stage_on(f"s3://{s3_bucket}/staging", s3_server.storage_options, query)
    assert s3_keys(s3_server.storage_options, f"{s3_bucket}/staging") == EXTRACT_KEYS


@pytest.fixture(scope="module")
def strict_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateS3]:
    """A private server that does not create buckets on upload (the shared one does)."""
    with private_seaweedfs(tmp_path_factory.mktemp("strict-s3")) as server:
        yield server


def test_missing_bucket_says_create_it_then_a_rerun_stages_the_same_keys(strict_s3: PrivateS3, query: Path) -> None:
    options = quick_options(strict_s3.server)
    with pytest.raises(StoreNotWritable) as caught:
        stage_on("s3://not-created-yet/staging", options, query)
    assert "bucket does not exist" in str(caught.value) and "create it" in str(caught.value)
    s3fs.S3FileSystem(**strict_s3.server.storage_options).mkdir("not-created-yet")
    stage_on("s3://not-created-yet/staging", options, query)
    assert s3_keys(strict_s3.server.storage_options, "not-created-yet/staging") == EXTRACT_KEYS


def test_destination_refusing_credentials_fails_load_and_publishes_nothing(
    s3_server: S3Server, s3_bucket: str, query: Path, tmp_path: Path
) -> None:
    def spec(options: dict[str, Any]) -> Any:
        destination = {"url": f"s3://{s3_bucket}/published", "format": "parquet", "storage_options": options}
        return pipeline_spec(query, SOURCE, tmp_path, destination=destination)

    with pytest.raises(StageError) as caught:
        run(spec(quick_options(s3_server, secret="wrong-credential-9d7e1f")))
    assert caught.value.stage == "load" and isinstance(caught.value.__cause__, StoreAuthError)
    assert "wrong-credential-9d7e1f" not in str(caught.value)
    assert s3_keys(s3_server.storage_options, f"{s3_bucket}/published") == set()
    run(spec(s3_server.storage_options))
    assert s3_keys(s3_server.storage_options, f"{s3_bucket}/published") == LOAD_KEYS


def test_server_killed_mid_upload_leaves_no_object_and_a_rerun_publishes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(0)
    rows = 200_000
    shard = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"id": np.arange(rows), "x": rng.normal(size=rows),
                             "s": pa.array([f"text-{i % 977}-{'x' * 40}" for i in range(rows)])}), shard)  # fmt: skip
    workdir = tmp_path / "weed"
    with private_seaweedfs(workdir) as s3:
        s3fs.S3FileSystem(**s3.server.storage_options).mkdir("dest")
        kill_after_batches(monkeypatch, s3, batches=12)  # ~8 MB written: one 5 MB part is up
        options = quick_options(s3.server, default_block_size=5 * 2**20)  # multipart: parts go up while writing
        destination = synthpipe.stores.Store("s3://dest/out", storage_options=options)
        with pytest.raises(StoreUnreachable) as caught:
            load(synthetic_uris=[str(shard)], destination=destination, name="features", run_id="r1", fmt="csv",
                 batch_rows=10_000)  # fmt: skip
        assert "s3://dest/out" in str(caught.value) and caught.value.transient
    monkeypatch.undo()
    with private_seaweedfs(workdir) as s3:  # restarted on the same data folder
        assert s3_keys(s3.server.storage_options, "dest/out") == set()
        destination = synthpipe.stores.Store("s3://dest/out", storage_options=quick_options(s3.server))
        again = load(synthetic_uris=[str(shard)], destination=destination, name="features", run_id="r1", fmt="csv")
        assert s3_keys(s3.server.storage_options, "dest/out") == {"r1_features_synthetic.csv"}
        with s3fs.S3FileSystem(**s3.server.storage_options).open("dest/out/r1_features_synthetic.csv", "rb") as f:
            assert pacsv.read_csv(f).num_rows == again.rows == rows


def kill_after_batches(monkeypatch: pytest.MonkeyPatch, s3: PrivateS3, *, batches: int) -> None:
    """Make load's writer SIGKILL the S3 server after ``batches`` batches (mid-upload, deterministic)."""
    real_open_writer = synthpipe.load.open_writer

    def open_writer(handle: Any, schema: pa.Schema, fmt: str) -> Any:
        writer = real_open_writer(handle, schema, fmt)
        real_write, count = writer.write, [0]

        def write(batch: Any) -> None:
            count[0] += 1
            if count[0] == batches:
                s3.kill()
            real_write(batch)

        writer.write = write
        return writer

    monkeypatch.setattr(synthpipe.load, "open_writer", open_writer)


def test_staging_failing_while_load_reads_it_is_a_typed_error_and_publishes_nothing(
    s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    """load read the staged shards with bare fsspec.open: a staging server gone by then was "load failed
    unexpectedly: EndpointConnectionError" (not transient, so never retried), a refused secret
    "PermissionError: Forbidden"."""
    staging = synthpipe.stores.Store(f"s3://{s3_bucket}/staging", storage_options=s3_server.storage_options)
    shard = io.BytesIO()
    pq.write_table(pa.table({"x": [1, 2, 3]}), shard)
    uri = staging.write_bytes("r1_features_synthetic.part-00000-of-00001.parquet", shard.getvalue())
    down = quick_options(S3Server(f"http://127.0.0.1:{free_port()}", s3_server.key, s3_server.secret))
    refused = quick_options(s3_server, secret="wrong-credential-9d7e1f")
    for options, expected in ((down, StoreUnreachable), (refused, StoreAuthError)):
        with pytest.raises(expected) as caught:
            load(synthetic_uris=[uri], destination=str(tmp_path / "dest"), name="features", run_id="r1",
                 staging_options=options)  # fmt: skip
        assert f"s3://{s3_bucket}/staging" in str(caught.value) and "wrong-credential" not in str(caught.value)
        assert caught.value.transient == (expected is StoreUnreachable)
    assert not (tmp_path / "dest").exists() or not any((tmp_path / "dest").iterdir())


def test_an_invalid_bucket_name_is_named_with_the_naming_rules(s3_server: S3Server, query: Path) -> None:
    """It was "StoreError ... OSError: [Errno 22] The specified bucket is not valid."."""
    with pytest.raises(StoreNotWritable, match=r"the bucket name .My_Bucket. is not valid .* lower-case letters"):
        stage_on("s3://My_Bucket/staging", quick_options(s3_server), query)


def test_an_endpoint_url_with_a_path_is_named_when_the_bucket_is_not_found(strict_s3: PrivateS3, query: Path) -> None:
    """The server read the endpoint's path as the bucket, and the message said the user's bucket (which
    existed) did not."""
    s3fs.S3FileSystem(**strict_s3.server.storage_options).mkdir("has-bucket")
    options = quick_options(strict_s3.server, endpoint_url=f"{strict_s3.server.endpoint_url}/s3")
    with pytest.raises(StoreNotWritable) as caught:
        stage_on("s3://has-bucket/staging", options, query)
    assert f"drop the path from endpoint_url (write {strict_s3.server.endpoint_url})" in str(caught.value)
