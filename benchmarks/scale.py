"""Scale section: extract, fit and generate at growing row counts so the growth of cost is visible.

For each N: write an N-row demo-features-shaped table (Parquet, and into a throwaway PostgreSQL
cluster when one can start), then time in separate child processes: synthpipe's extract of
`SELECT * FROM table`, `psql \\copy` of the same query to CSV, the engine's fit on the staged rows,
and generating N rows. Any stage whose prerequisite is missing records "skipped: reason".
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.proc import ChildResult, python_child, run_child

REPO = Path(__file__).parent.parent
STAGE_TIMEOUT_S = 3 * 3600
STAGES = ["extract", "psql_copy", "fit", "generate"]


@contextlib.contextmanager
def postgres() -> Iterator[tuple[str | None, str]]:
    """(url, note): a throwaway cluster from the test helpers, or (None, why it is unavailable)."""
    try:
        from tests.servers import postgres_server
    except ImportError as exc:
        yield None, f"tests.servers not importable ({exc})"
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    try:
        with postgres_server(workdir / "pg") as server:
            yield server.url, "throwaway PostgreSQL cluster"
    except (RuntimeError, OSError) as exc:
        yield None, f"PostgreSQL did not start ({exc})"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _missing(module: str, attr: str) -> str | None:
    """Why a synthpipe stage cannot run yet (None when it can)."""
    try:
        mod = __import__(module, fromlist=[attr])
    except Exception as exc:  # any import failure means "not there yet", with its reason
        return f"{module} does not import ({type(exc).__name__}: {exc})"[:200]
    return None if hasattr(mod, attr) else f"{module} has no {attr} yet"


def _stage(res: ChildResult) -> dict[str, Any]:
    """A child's outcome as a record: its JSON line plus wall time and peak RSS."""
    if res.returncode != 0:
        why = "timeout" if res.timed_out else f"exit {res.returncode}"
        return {"status": "failed", "reason": f"{why}: {' '.join(res.log_tail.split())[-300:]}"}
    lines = [ln for ln in res.log_tail.splitlines() if ln.startswith("{")]
    out = json.loads(lines[-1]) if lines else {}
    peak = max(res.peak_rss_mb, out.pop("self_peak_rss_mb", 0.0))
    return {"status": "ok", "wall_s": res.wall_s, "peak_rss_mb": peak, **out}


def _skip(reason: str) -> dict[str, Any]:
    return {"status": "skipped", "reason": reason}


def scale_one(rows: int, pg_url: str | None, pg_note: str, work: Path) -> dict[str, Any]:
    """All stages for one row count; each a child, one after the other."""
    table, folder = f"scale_features_{rows}", work / f"scale-{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "features.parquet"
    make = ["make-data", "--rows", str(rows), "--out", str(data)]
    make += ["--pg-url", pg_url, "--table", table] if pg_url else []
    rec: dict[str, Any] = {"rows": rows, "make_data": _py(make, folder / "make.log")}
    if rec["make_data"]["status"] != "ok":
        return rec | {s: _skip("data generation failed") for s in STAGES}
    sql = folder / "query.sql"
    sql.write_text(f"SELECT * FROM {table}\n")
    rec["extract"], staged = _extract(sql, pg_url, pg_note, folder)
    rec["psql_copy"] = _psql_copy(sql, pg_url, pg_note, folder)
    rec["fit"], rec["generate"] = _fit_generate(staged or data, rows, folder)
    return rec


def _py(args: list[str], log: Path) -> dict[str, Any]:
    return _stage(python_child(["-m", "benchmarks.scale_child", *args], log, STAGE_TIMEOUT_S, REPO))


def _extract(sql: Path, pg_url: str | None, note: str, folder: Path) -> tuple[dict, Path | None]:
    """synthpipe.extract against PostgreSQL; returns the staged Parquet for the fit stage."""
    reason = _missing("synthpipe.extract", "extract") or (None if pg_url else note)
    if reason or pg_url is None:
        return _skip(reason or note), None
    staging = folder / "staging"
    args = ["extract", "--sql", str(sql), "--pg-url", pg_url, "--staging", str(staging)]
    rec = _py(args, folder / "extract.log")
    staged = sorted(staging.rglob("*.parquet")) if rec["status"] == "ok" else []
    return rec, (staged[0] if staged else None)


def _psql_copy(sql: Path, pg_url: str | None, note: str, folder: Path) -> dict[str, Any]:
    """The baseline: psql's client-side COPY of the same query to a CSV file."""
    psql = shutil.which("psql")
    if pg_url is None or psql is None:
        return _skip(note if pg_url is None else "psql not on PATH")
    query = sql.read_text().strip()
    command = f"\\copy ({query}) TO '{folder / 'copy.csv'}' WITH (FORMAT csv, HEADER)"
    res = run_child([psql, pg_url, "-v", "ON_ERROR_STOP=1", "-c", command], folder / "psql.log",
                    STAGE_TIMEOUT_S)  # fmt: skip
    return _stage(res)


def _fit_generate(features: Path, rows: int, folder: Path) -> tuple[dict, dict]:
    """The pipeline's train stage (split, fit, save) and the engine's chunked generation of N rows."""
    reason = _missing("synthpipe.engine", "Synthesizer")
    if reason:
        return _skip(reason), _skip(reason)
    fit = _py(["fit", "--features", str(features), "--staging", str(folder / "train-stage")], folder / "fit.log")
    if fit["status"] != "ok":
        return fit, _skip("fit failed")
    gen_args = ["generate", "--model", fit.pop("model_uri"), "--rows", str(rows)]
    gen = _py([*gen_args, "--out", str(folder / "synthetic.parquet")], folder / "generate.log")
    return fit, gen


def scale_section(rows_list: list[int], work: Path, resume: bool | str = False) -> tuple[list[dict], list[str]]:
    """Run every row count (smallest first) against one PostgreSQL cluster; JSON + Markdown.

    Like the synthesizer runs, each row count's record is kept (keyed by a hash of the whole
    synthpipe package: extract, train and generate are all measured) so `--resume` reuses it and
    `--collect` tabulates it without starting anything.
    """

    def record_path(rows: int) -> Path:  # the package source as it is right before this row count runs
        import synthpipe
        from benchmarks.datasets import package_version

        return work / f"scale-{rows}-{package_version(synthpipe)}.record.json"

    cached = {rows: record_path(rows) for rows in rows_list}
    records: dict[int, dict] = {
        rows: json.loads(path.read_text()) for rows, path in cached.items() if resume and path.exists()
    }
    todo = [rows for rows in sorted(rows_list) if rows not in records]
    note = "not started"
    if todo and resume == "collect":
        records |= {rows: {"rows": rows, **{s: _skip("not run yet") for s in STAGES}} for rows in todo}
        todo = []
    if todo:
        with postgres() as (pg_url, note):
            for rows in todo:
                path = record_path(rows)
                records[rows] = scale_one(rows, pg_url, note, work) | {"postgres": note}
                path.write_text(json.dumps(records[rows], default=str))
                _cleanup(work / f"scale-{rows}")
    ordered = [records[rows] for rows in sorted(records)]
    notes = sorted({str(r["postgres"]) for r in ordered if r.get("postgres")})
    return ordered, scale_markdown(ordered, "; ".join(notes) or note)


def _cleanup(folder: Path) -> None:
    """10M-row CSV/Parquet files are large; keep only the logs."""
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".parquet"):
            path.unlink()


def _cell(stage: dict[str, Any], key: str, fmt: str = "{:,.1f}") -> str:
    if stage.get("status") != "ok":
        return stage.get("status", "—")
    value = stage.get(key)
    return fmt.format(value) if isinstance(value, int | float) else "—"


def scale_markdown(records: list[dict], pg_note: str) -> list[str]:
    """The scale table: each stage's own seconds and its process's peak RSS; reasons below."""
    head = ["rows", "extract s", "extract MB", "psql \\copy s", "psql MB", "extract ÷ psql",
            "fit s", "fit MB", "generate s", "generate rows/s", "generate MB"]  # fmt: skip
    lines = ["## Scale", "", f"PostgreSQL: {pg_note}. Query: `SELECT * FROM scale_features_N` "
             "(demo features resampled to N rows, fresh user ids). Seconds inside each stage "
             "(extract: synthpipe's own timer; psql: the whole client process; fit: the pipeline's "
             "train stage (streamed train/holdout split, fit on the engine's bounded sample, save); "
             "generate: `sample_chunks` in the pipeline's 100k-row chunks to Parquet); MB: "
             "peak RSS of the stage's process. Process wall times are in the JSON.",
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]  # fmt: skip
    for r in records:
        lines.append("| " + " | ".join(_scale_cells(r)) + " |")
    return lines + _reasons(records)


def _scale_cells(r: dict[str, Any]) -> list[str]:
    """One row count's cells; the ratio only when both extract paths ran."""
    ex, cp, ft, gn = (r.get(s, {}) for s in STAGES)
    ratio = "—"
    if ex.get("status") == cp.get("status") == "ok":
        ratio = f"{ex['seconds'] / cp['wall_s']:.2f}"
    rate = dict(gn, v=gn["rows"] / gn["generate_s"]) if gn.get("generate_s") else gn
    mb = "{:,.0f}"
    return [f"{r['rows']:,}", _cell(ex, "seconds"), _cell(ex, "peak_rss_mb", mb),
            _cell(cp, "wall_s"), _cell(cp, "peak_rss_mb", mb), ratio, _cell(ft, "fit_s"),
            _cell(ft, "peak_rss_mb", mb), _cell(gn, "generate_s"), _cell(rate, "v", mb),
            _cell(gn, "peak_rss_mb", mb)]  # fmt: skip


def _reasons(records: list[dict]) -> list[str]:
    """Why a stage did not produce numbers, once per distinct reason."""
    seen: dict[str, list[str]] = {}
    for r in records:
        for stage in ["make_data", *STAGES]:
            s = r.get(stage, {})
            if s.get("status") in ("skipped", "failed"):
                seen.setdefault(f"{stage} {s['status']}: {s.get('reason', '')}", []).append(f"{r['rows']:,}")
    return ([""] if seen else []) + [f"- {k} (rows {', '.join(v)})" for k, v in seen.items()]
