"""Run a child process, poll its own peak RSS (VmHWM), with a wall-clock limit."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

POLL_S = 0.1  # VmHWM only grows, so a poll this often misses at most the last 0.1 s


@dataclass
class ChildResult:
    """Exit code, wall seconds, peak RSS of the child process in MB."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    timed_out: bool
    log_tail: str


def python_child(args: list[str], log: Path, timeout_s: float, cwd: Path | None = None) -> ChildResult:
    """`run_child` for `python args...` with this interpreter (the bench venv's)."""
    return run_child([sys.executable, *args], log, timeout_s, cwd)


def run_child(argv: list[str], log: Path, timeout_s: float, cwd: Path | None = None) -> ChildResult:
    """Start `argv` in its own process group; kill the group if it runs past timeout_s.

    Peak RSS is the child's VmHWM, polled while it runs. Not ru_maxrss from wait4: on Linux a
    forked child's ru_maxrss starts from the parent's RSS at fork time (the old mm's high-water
    mark is kept across exec), so a parent grown by the judges would inflate every child.
    """
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                start_new_session=True)  # fmt: skip
        start, peak_kb, timed_out = time.perf_counter(), 0, False
        while proc.poll() is None:
            peak_kb = max(peak_kb, vm_hwm_kb(proc.pid))
            if time.perf_counter() - start > timeout_s:
                timed_out = _kill_group(proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=POLL_S)
    return ChildResult(
        returncode=proc.returncode,
        wall_s=time.perf_counter() - start,
        peak_rss_mb=peak_kb / 1024,
        timed_out=timed_out,
        log_tail=_tail(log),
    )


def vm_hwm_kb(pid: int | str = "self") -> int:
    """Peak resident set (VmHWM, KiB) of a live process; 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _kill_group(pid: int) -> bool:
    """Kill only the child's own process group (it was started in a new session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    return True


def _tail(path: Path, chars: int = 800) -> str:
    """Last lines of a child's log, for the error cell of a failed run."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return text[-chars:]
