"""Run a child process and read its own peak RSS (ru_maxrss from wait4), with a wall-clock limit."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ChildResult:
    """Exit code, wall seconds, peak RSS of the child (and its waited-for descendants) in MB."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    timed_out: bool
    log_tail: str


def python_child(
    args: list[str], log: Path, timeout_s: float, cwd: Path | None = None
) -> ChildResult:
    """`run_child` for `python args...` with this interpreter (the bench venv's)."""
    return run_child([sys.executable, *args], log, timeout_s, cwd)


def run_child(argv: list[str], log: Path, timeout_s: float, cwd: Path | None = None) -> ChildResult:
    """Start `argv` in its own process group; kill the group if it runs past timeout_s.

    wait4 gives this child's rusage alone, unlike RUSAGE_CHILDREN, which is a max over all children.
    """
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
            start_new_session=True,
        )  # fmt: skip
        timed_out = threading.Event()
        timer = threading.Timer(timeout_s, _kill_group, args=(proc.pid, timed_out))
        start = time.perf_counter()
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    return ChildResult(
        returncode=proc.returncode,
        wall_s=time.perf_counter() - start,
        peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports KiB
        timed_out=timed_out.is_set(),
        log_tail=_tail(log),
    )


def _kill_group(pid: int, flag: threading.Event) -> None:
    """Kill only the child's own process group (it was started in a new session)."""
    flag.set()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _tail(path: Path, chars: int = 800) -> str:
    """Last lines of a child's log, for the error cell of a failed run."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-chars:]
