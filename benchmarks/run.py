"""Benchmark driver: `python -m benchmarks.run --mode quick|full [options]`.

For every dataset × seed × synthesizer: one child process fits and samples (benchmarks.child), then
the judges score the synthetic rows here in the parent. One heavy child at a time per driver. To
finish a full run sooner, a second `--resume` driver may share the work: each row is claimed by
one driver (a claim file next to its record) and the other skips it; cost numbers are then measured
on a shared box, which each record's load average shows. Writes
`benchmarks/results/<date>-<mode>.md` and `.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.datasets import CACHE_DIR, DATASETS, cached_split
from benchmarks.judges import align, inequalities, judge_all, real_rows_null
from benchmarks.peers import PEERS
from benchmarks.proc import python_child
from benchmarks.table import render

RESULTS_DIR = Path(__file__).parent / "results"
REPO = Path(__file__).parent.parent
VERSIONED = ["synthpipe", "mostlyai-engine", "sdv", "sdmetrics", "mostlyai-qa", "lightgbm", "torch"]


@dataclass(frozen=True)
class Mode:
    """What a mode runs by default; every field can be overridden on the command line."""

    datasets: tuple[str, ...]
    peers: tuple[str, ...]
    seeds: tuple[int, ...]
    qa: bool
    child_timeout_s: float


MODES = {
    "quick": Mode(("hi", "diamonds"), ("synthpipe", "GaussianCopula", "TabularARGN"), (0,), False, 7200),
    "full": Mode(tuple(DATASETS), tuple(PEERS), (0, 1, 2), True, 4 * 3600),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command line; lists are comma-separated names from the registries."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--mode", choices=list(MODES), default="quick")
    p.add_argument("--datasets", help=f"comma list from {list(DATASETS)}")
    p.add_argument("--peers", help=f"comma list from {list(PEERS)}")
    p.add_argument("--seeds", help="comma list of ints")
    p.add_argument("--qa", action=argparse.BooleanOptionalAction, help="mostlyai-qa judge on/off")
    p.add_argument("--scale", action=argparse.BooleanOptionalAction, help="scale section on/off")
    p.add_argument("--scale-rows", help="comma list of row counts for the scale section")
    p.add_argument("--resume", action="store_true", help="reuse finished runs (same mode and code)")
    p.add_argument("--collect", action="store_true", help="only tabulate finished runs; start none")
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    p.add_argument("--note", action="append", default=[], help="a line for the results' preamble")
    p.add_argument("--render", type=Path, help="only rewrite the .md of an existing results .json")
    return p.parse_args(argv)


def _pick(arg: str | None, default: tuple, cast: type = str) -> list:
    return [cast(x) for x in arg.split(",")] if arg else list(default)


def config(args: argparse.Namespace) -> dict[str, Any]:
    """Resolve the mode's defaults against the command line."""
    mode = MODES[args.mode]
    cfg = {
        "datasets": _pick(args.datasets, mode.datasets),
        "peers": _pick(args.peers, mode.peers),
        "seeds": _pick(args.seeds, mode.seeds, int),
        "qa": mode.qa if args.qa is None else args.qa,
        "scale": (args.mode == "full") if args.scale is None else args.scale,
        "scale_rows": _pick(args.scale_rows, (100_000, 1_000_000, 10_000_000), int),
        "child_timeout_s": mode.child_timeout_s,
        "quick": args.mode == "quick",
    }
    unknown = set(cfg["datasets"]) - set(DATASETS) | set(cfg["peers"]) - set(PEERS)
    if unknown:
        raise SystemExit(f"unknown names {sorted(unknown)}; datasets {list(DATASETS)}, peers {list(PEERS)}")
    return cfg


def _versions() -> dict[str, str]:
    out = {}
    for pkg in VERSIONED:
        try:
            out[pkg] = importlib_metadata.version(pkg)
        except importlib_metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def prepare_dataset(name: str) -> tuple[dict[str, Any], Path | None, Path | None]:
    """Load + split (cached); a dataset that cannot load is reported, not fatal."""
    ds = DATASETS[name]
    try:
        trn_p, hol_p = cached_split(ds)
    except Exception as exc:  # e.g. synthpipe.demo not written yet
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}, None, None
    trn, hol = pd.read_parquet(trn_p), pd.read_parquet(hol_p)
    info = {
        "train_rows": len(trn),
        "holdout_rows": len(hol),
        "cols": trn.shape[1],
        "target": ds.target,
        "task": ds.task,
        "constraints": ", ".join(f"{a} ≤ {b}" for a, b in inequalities(trn)) or "none",
        "real_rows_null": real_rows_null(trn, hol, seed=0),
    }
    return info, trn_p, hol_p


def one_run(name: str, peer: str, seed: int, paths: tuple[Path, Path], cfg: dict, work: Path) -> dict:
    """Fit+sample in a child, then judge; returns the flat record for the JSON and the table."""
    base = {"dataset": name, "peer": peer, "seed": seed, "label": PEERS[peer].display(cfg["quick"])}
    reason = PEERS[peer].skip_reason()
    if reason:
        return {**base, "status": "skipped", "reason": reason}
    trn, hol = pd.read_parquet(paths[0]), pd.read_parquet(paths[1])
    out = work / f"{name}-{peer}-{seed}.parquet"
    args = ["-m", "benchmarks.child", "--peer", peer, "--train", str(paths[0]),
            "--rows", str(len(trn)), "--seed", str(seed), "--out", str(out)]  # fmt: skip
    args += ["--quick"] if cfg["quick"] else []
    child = python_child(args, out.with_suffix(".log"), cfg["child_timeout_s"], cwd=REPO)
    timing_file = Path(f"{out}.json")
    if child.returncode != 0 or not timing_file.exists():
        why = "timeout" if child.timed_out else f"exit {child.returncode}"
        return {**base, "status": "failed", "reason": f"{why}: {child.log_tail[-300:]}"}
    timing = json.loads(timing_file.read_text())
    syn = align(pd.read_parquet(out), trn)
    cost = {
        "fit_s": timing["fit_s"],
        "sample_s": timing["sample_s"],
        "rows_per_s": timing["rows"] / max(timing["sample_s"], 1e-9),
        "peak_rss_mb": max(child.peak_rss_mb, timing.get("peak_rss_mb", 0.0)),
        "child_wall_s": child.wall_s,
        "syn_rows": timing["rows"],
    }
    return {**base, "status": "ok", **cost, **judge_all(syn, trn, hol, DATASETS[name], cfg["qa"])}


def _say(msg: str) -> None:
    print(f"[{dt.datetime.now(dt.UTC):%H:%M:%S}] {msg}", flush=True)


def _brief(rec: dict) -> str:
    if rec["status"] != "ok":
        return f"{rec['status']}: {rec.get('reason', '')[:160]}"
    keys = [
        "quality",
        "shapes",
        "pair_trends",
        "dcr_share",
        "tstr",
        "fit_s",
        "rows_per_s",
        "peak_rss_mb",
    ]
    return " ".join(f"{k}={rec[k]:.3g}" for k in keys if isinstance(rec.get(k), float | int))


def run_all(cfg: dict, work: Path, resume: bool | str) -> tuple[list[dict], dict[str, Any]]:
    """The main loop over datasets × seeds × synthesizers, one child at a time."""
    runs, infos, ready = [], {}, {}
    for name in cfg["datasets"]:
        info, trn_p, hol_p = prepare_dataset(name)
        infos[name] = info
        if trn_p is None or hol_p is None:
            _say(f"{name}: skipped ({info['error']})")
            continue
        ready[name] = (trn_p, hol_p)
    # Fast synthesizers first over every seed and dataset, then the slow ones (TVAE, CTGAN: hours),
    # seeds outermost within each: an interrupted full run still holds the most complete tables.
    for slow in (False, True):
        for seed in cfg["seeds"]:
            for name, (trn_p, hol_p) in ready.items():
                for peer in [p for p in cfg["peers"] if PEERS[p].slow == slow]:
                    runs.append(_run_cached(name, peer, seed, (trn_p, hol_p), cfg, work, resume))
    return runs, infos


def _run_cached(name: str, peer: str, seed: int, paths: tuple, cfg: dict, work: Path, resume: bool | str) -> dict:
    """--resume reuses a finished record of this mode made by the same synthesizer code.

    The record's name carries the synthesizer's version (package version, or a hash of synthpipe's
    engine source), so a full run can be continued across days and an engine change re-runs only
    synthpipe's rows. resume == "collect" starts nothing: runs without a record show as not finished.
    """
    version, split_key = PEERS[peer].version(), paths[0].parent.name
    done = work / f"{name}-{peer}-{seed}-{version}.record.json"
    rec = json.loads(done.read_text()) if resume and done.exists() else {}
    if resume and not rec:
        rec = committed_record(work.name, (name, peer, seed), version, split_key)
        if rec:
            done.write_text(json.dumps(rec, default=str))
    if rec.get("status") in ("ok", "skipped"):  # failed runs (e.g. a timeout) are retried
        _say(f"{name} {peer} seed {seed}: reused ({_brief(rec)})")
        return {**rec, "reused": True}
    if resume == "collect":
        base = {"dataset": name, "peer": peer, "seed": seed, "label": PEERS[peer].display(cfg["quick"])}
        return {**base, "status": "skipped", "reason": "not finished when the results were collected"}
    claim = done.with_suffix(".claim")
    if not _claim(claim):
        _say(f"{name} {peer} seed {seed}: running in another driver ({claim.name})")
        base = {"dataset": name, "peer": peer, "seed": seed, "label": PEERS[peer].display(cfg["quick"])}
        return {**base, "status": "skipped", "reason": "running in another bench driver"}
    try:
        _say(f"{name} {peer} seed {seed}: running")
        load_before = os.getloadavg()[0]
        rec = one_run(name, peer, seed, paths, cfg, work)
        rec["load_avg"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]  # how shared the box was
        rec["finished"] = f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC"
        rec.update(version=version, split=split_key)  # lets a later machine reuse it (committed_record)
        done.write_text(json.dumps(rec, default=str))
    finally:
        claim.unlink(missing_ok=True)
    _say(f"{name} {peer} seed {seed}: {_brief(rec)}")
    return rec


def committed_record(mode: str, key: tuple[str, str, int], version: str, split_key: str) -> dict:
    """A finished run of the same synthesizer code on the same split, from a committed results file.

    The run cache lives on one machine; the results JSON files under `benchmarks/results/` are
    committed, so a fresh clone on another machine continues a multi-day full run from them
    instead of repeating hours of TabularARGN, TVAE and CTGAN. Newest file first.
    """
    for name, runs in _committed_runs(mode):
        for rec in runs:
            same = (rec["dataset"], rec["peer"], rec["seed"]) == key
            if same and rec["status"] == "ok" and (rec.get("version"), rec.get("split")) == (version, split_key):
                return {k: v for k, v in rec.items() if k != "reused"} | {"from_results": name}
    return {}


@functools.cache
def _committed_runs(mode: str) -> tuple[tuple[str, list[dict]], ...]:
    """Each committed results file of this mode, newest first, read once per driver."""
    paths = sorted(RESULTS_DIR.glob(f"*-{mode}.json"), reverse=True)
    return tuple((path.name, json.loads(path.read_text()).get("runs", [])) for path in paths)


def _claim(path: Path) -> bool:
    """Take the row for this driver; a claim left by a driver that died is taken over."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if _alive(path):
                return False
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return True
    return False


def _alive(claim: Path) -> bool:
    """Whether the driver that wrote the claim still runs (an empty claim is being written)."""
    try:
        pid = claim.read_text().strip()
        if pid:
            os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError, FileNotFoundError):
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str] | None = None) -> None:
    """Run, then write the Markdown and JSON result files."""
    args = parse_args(argv)
    if args.render:
        write_results(json.loads(args.render.read_text()), args.render.parent)
        return
    cfg = config(args)
    date = dt.date.today().isoformat()
    work = CACHE_DIR / "runs" / args.mode
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    runs, infos = run_all(cfg, work, "collect" if args.collect else args.resume)
    result: dict[str, Any] = {
        "mode": args.mode,
        "date": date,
        "host": f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "versions": _versions(),
        "config": cfg,
        "datasets": infos,
        "runs": runs,
        "notes": args.note,
    }
    if cfg["scale"]:
        from benchmarks.scale import scale_section

        resume = "collect" if args.collect else args.resume
        result["scale"], result["scale_md"] = scale_section(cfg["scale_rows"], work, resume)
    result["total_s"] = time.perf_counter() - started
    write_results(result, args.out)


def write_results(result: dict[str, Any], out_dir: Path) -> None:
    """`<date>-<mode>.md` and `.json` side by side; the Markdown is also printed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"{result['date']}-{result['mode']}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1, default=str))
    md = render(result)
    stem.with_suffix(".md").write_text(md)
    print(md)
    _say(f"wrote {stem}.md and .json")


if __name__ == "__main__":
    main()
