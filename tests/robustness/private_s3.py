"""A SeaweedFS S3 server of a test's own, so a test can kill it or start it with other flags.

The shared ``s3_server`` fixture must never be killed (other tests use it), and it creates
buckets on first upload, so "bucket missing" cannot happen there: this one runs with
``-s3.autoCreateBucket=false`` and exposes its process.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.servers import S3_KEY, S3_SECRET, S3Server, start_weed_mini, stop_process_group


@dataclass
class PrivateS3:
    server: S3Server
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL the whole server (its process group), as a crash or an OOM kill would."""
        stop_process_group(self.process, signal.SIGKILL)


@contextlib.contextmanager
def private_seaweedfs(workdir: Path) -> Iterator[PrivateS3]:
    """``weed mini`` on fresh loopback ports over ``workdir`` (restart on the same folder keeps the data)."""
    process, endpoint = start_weed_mini(workdir, "-s3.autoCreateBucket=false")
    server = PrivateS3(S3Server(endpoint, S3_KEY, S3_SECRET), process)
    try:
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
