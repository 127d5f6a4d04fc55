"""A SeaweedFS S3 server of a test's own, so a test can kill it or start it with other flags.

The shared ``s3_server`` fixture must never be killed (other tests use it), and it creates
buckets on first upload, so "bucket missing" cannot happen there: this one runs with
``-s3.autoCreateBucket=false`` and exposes its process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.servers import S3_KEY, S3_SECRET, S3Server, _wait_for_http, _weed_binary, free_port


@dataclass
class PrivateS3:
    server: S3Server
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the whole server (its process group), as a crash or an OOM kill would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@contextlib.contextmanager
def private_seaweedfs(workdir: Path) -> Iterator[PrivateS3]:
    """``weed mini`` on fresh loopback ports over ``workdir`` (restart on the same folder keeps the data)."""
    workdir.mkdir(parents=True, exist_ok=True)
    s3_port = free_port()
    names = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
             "filer.port.grpc", "s3.port.grpc", "admin.port", "admin.port.grpc", "debug.port", "metricsPort",
             "s3.metricsPort")  # fmt: skip
    command = [_weed_binary(), "mini", f"-dir={workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-s3.port={s3_port}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
               "-s3.autoCreateBucket=false", *(f"-{name}={free_port()}" for name in names)]  # fmt: skip
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}
    with (workdir / "weed.log").open("ab") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{s3_port}"
    server = PrivateS3(S3Server(endpoint, S3_KEY, S3_SECRET), process)
    try:
        _wait_for_http(endpoint, process, workdir / "weed.log")
        _wait_for_buckets(server.server)
        yield server
    finally:
        server.kill()


def _wait_for_buckets(server: S3Server, timeout: float = 60.0) -> None:
    """Until a bucket can be made and removed. Why: the S3 port answers before the filer behind it
    is up; under load a test's first CreateBucket then got 404 Not Found."""
    import s3fs

    fs = s3fs.S3FileSystem(**server.storage_options, skip_instance_cache=True)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fs.mkdir("ready-probe")
            fs.rmdir("ready-probe")
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def quick_options(server: S3Server, **extra: object) -> dict[str, object]:
    """Storage options that give up fast (one attempt, 2 s connect timeout) so failure tests stay short."""
    return {**server.storage_options, "config_kwargs": {"connect_timeout": 2, "retries": {"max_attempts": 1}}, **extra}
