"""Turn run records into the Markdown tables: medians over seeds, ratio columns, target flags.

Ratio columns are synthpipe / peer (same run, same machine load), which is what survives a noisy,
shared box; absolute seconds are shown too but are only comparable within one file.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from benchmarks.targets import TARGETS, evaluate

SYNTHPIPE = "synthpipe"
MISS = " ✗"

# (header, metric key, formatter)
Fmt = Callable[[float], str]
COLUMNS: list[tuple[str, str, Fmt]] = [
    ("quality", "quality", lambda v: f"{v:.3f}"),
    ("shapes", "shapes", lambda v: f"{v:.3f}"),
    ("pair trends", "pair_trends", lambda v: f"{v:.3f}"),
    ("qa acc", "qa_accuracy", lambda v: f"{v:.3f}"),
    ("qa DCR", "qa_dcr_share", lambda v: f"{v:.3f}"),
    ("qa IMS", "qa_ims", lambda v: f"{v:.3f}"),
    ("DCR share", "dcr_share", lambda v: f"{v:.3f}"),
    ("TSTR", "tstr", lambda v: f"{v:.3f}"),
    ("TRTR", "trtr", lambda v: f"{v:.3f}"),
    ("copies", "exact_copies", lambda v: f"{v:,.0f}"),
    ("holdout copies", "holdout_copies", lambda v: f"{v:,.0f}"),
    ("violations", "violations", lambda v: f"{v:.2%}"),
    ("fit s", "fit_s", lambda v: f"{v:,.1f}"),
    ("rows/s", "rows_per_s", lambda v: f"{v:,.0f}"),
    ("peak RSS MB", "peak_rss_mb", lambda v: f"{v:,.0f}"),
]
RATIOS = [("fit ×", "fit_s"), ("rows/s ×", "rows_per_s"), ("RSS ×", "peak_rss_mb")]


def medians(records: list[dict[str, Any]]) -> dict[str, float]:
    """Median of every numeric metric over the ok seeds of one (dataset, synthesizer)."""
    ok = [r for r in records if r["status"] == "ok"]
    keys = {k for r in ok for k, v in r.items() if isinstance(v, int | float) and k != "seed"}
    out = {}
    for key in sorted(keys):
        vals = [r[key] for r in ok if isinstance(r.get(key), int | float)]
        if vals:
            out[key] = float(statistics.median(vals))
    return out


def _cell(value: float | None, fmt: Fmt, missed: bool) -> str:
    return "—" if value is None else fmt(value) + (MISS if missed else "")


def _one_line(text: str) -> str:
    """Error text fit for a Markdown cell: no newlines, no pipes."""
    return " ".join(text.replace("|", "/").split())


def _ratio(num: float | None, den: float | None) -> str:
    return "—" if not num or not den else f"{num / den:.3g}"  # 3 digits: fit ratios reach 0.003


def _group(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Records of one dataset by synthesizer name, in registry order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(r["peer"], []).append(r)
    return out


def dataset_table(records: list[dict[str, Any]], with_qa: bool) -> tuple[list[str], list[str]]:
    """One dataset: Markdown lines of the table, and the list of targets synthpipe missed."""
    groups = _group(records)
    med = {name: medians(rs) for name, rs in groups.items()}
    sp = med.get(SYNTHPIPE, {})
    peers = {n: m for n, m in med.items() if n != SYNTHPIPE and m}
    capped = frozenset(n for n, rs in groups.items() if rs[0].get("label", n) != n)  # labelled with their cap
    verdict = evaluate(sp, peers, capped) if sp else {}
    cols = [c for c in COLUMNS if with_qa or not c[1].startswith("qa_")]
    head = ["synthesizer", "seeds", *[c[0] for c in cols], *[r[0] for r in RATIOS]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, rs in groups.items():
        lines.append(_row(name, rs, med[name], sp, verdict, cols))
    missed = [t.text for t in TARGETS if verdict.get(t.column) is False]
    return lines, missed


def _row(name: str, rs: list, m: dict, sp: dict, verdict: dict, cols: list) -> str:
    """One synthesizer's line; a skipped/failed one shows its reason across the row."""
    ok = [r for r in rs if r["status"] == "ok"]
    label = rs[0].get("label", name)
    if not ok:
        reason = "; ".join(sorted({f"{r['status']}: {r.get('reason', '')}" for r in rs}))
        return f"| {label} | 0/{len(rs)} | {_one_line(reason)[-240:]} |"
    is_sp = name == SYNTHPIPE
    cells = [_cell(m.get(k), f, is_sp and verdict.get(k) is False) for _, k, f in cols]
    ratios = ["" if is_sp else _ratio(sp.get(k), m.get(k)) for _, k in RATIOS]
    return "| " + " | ".join([label, f"{len(ok)}/{len(rs)}", *cells, *ratios]) + " |"


def render(result: dict[str, Any]) -> str:
    """The whole Markdown file for one run: preamble, missed-target summary, tables, scale."""
    cfg = result["config"]
    summary, body = ["", "## Targets missed by synthpipe", ""], []
    for name in cfg["datasets"]:
        records = [r for r in result["runs"] if r["dataset"] == name]
        body += ["", f"## {name}", "", _dataset_line(result["datasets"].get(name, {}))]
        if not records:
            continue
        lines, missed = dataset_table(records, cfg["qa"])
        body += ["", *lines, *_judge_errors(records)]
        summary.append(f"- {name}: {_summary(records, missed)}")
    title = f"# synthpipe benchmark — {result['mode']} run, {result['date']}"
    scale = result.get("scale_md", ["## Scale", "", "not run (`--scale` to enable)."])
    notes = [*result.get("notes", []), *_reuse_note(result["runs"])]
    notes = ["", *(f"Note: {n}" for n in notes)] if notes else []
    return "\n".join([title, "", *_preamble(result), *notes, *summary, *body, "", *scale]) + "\n"


def _reuse_note(runs: list[dict[str, Any]]) -> list[str]:
    """A resumed run mixes invocations and machine loads: say how many, when and how loaded."""
    notes = []
    reused = [r for r in runs if r.get("reused")]
    if reused:
        notes.append(
            f"{len(reused)} of {len(runs)} run(s) reused from earlier invocations (--resume); "
            "'Whole run' wall time covers only the last invocation."
        )
    imported = sorted({r["from_results"] for r in reused if r.get("from_results")})
    if imported:
        count = sum(1 for r in reused if r.get("from_results"))
        notes.append(f"{count} of them taken from committed results ({', '.join(imported)}), made on another machine.")
    finished = sorted(r["finished"] for r in runs if r.get("finished"))
    if finished:
        notes.append(f"runs finished between {finished[0]} and {finished[-1]}.")
    loads = [max(r["load_avg"]) for r in runs if r.get("load_avg")]
    if loads:
        notes.append(
            f"1-min load average around each run (2 cores): median {statistics.median(loads):.1f}, "
            f"max {max(loads):.1f}; cost ratios are same-run but not same-load."
        )
    return notes


def _summary(records: list[dict[str, Any]], missed: list[str]) -> str:
    if not any(r["peer"] == SYNTHPIPE and r["status"] == "ok" for r in records):
        return "synthpipe did not run"
    return "; ".join(missed) if missed else "none"


def _judge_errors(records: list[dict[str, Any]]) -> list[str]:
    """A judge that raised leaves '—' in its cells; say which and why under the table."""
    errors = [
        f"- {r['label']} seed {r['seed']}, {k.removesuffix('_error')}: {_one_line(str(v))[:200]}"
        for r in records
        for k, v in r.items()
        if k.endswith("_error")
    ]
    return ["", "Judge errors:", *errors] if errors else []


def _dataset_line(info: dict[str, Any]) -> str:
    if "error" in info:
        return f"dataset not loaded: {info['error']}"
    return (
        f"train {info.get('train_rows', '?'):,} rows × {info.get('cols', '?')} cols, holdout "
        f"{info.get('holdout_rows', '?'):,}; target `{info.get('target')}` ({info.get('task')}); "
        f"inequalities found in train: {info.get('constraints', '—')}.{_real_rows_null_note(info)}"
    )


def _real_rows_null_note(info: dict[str, Any]) -> str:
    """The DCR share fresh real rows score on this split: a synthetic share is read against it."""
    share = info.get("real_rows_null")
    if share is None:
        return ""
    return f" Real-rows null of the DCR share (fresh train rows judged as if synthetic): {share:.3f}."


def _preamble(result: dict[str, Any]) -> list[str]:
    """How the numbers were made, so a reader can judge them without the code."""
    cfg = result["config"]
    qa = "on" if cfg["qa"] else "OFF in this run (`--qa` turns it on; ~45 s a run)"
    return [
        f"Seeds {cfg['seeds']}; datasets {', '.join(cfg['datasets'])}; synthesizers "
        f"{', '.join(cfg['peers'])}. Whole run: {result.get('total_s', 0):,.0f} s wall.",
        f"Machine: {result['host']}. Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()) + ".",
        "",
        "Values are medians over seeds. Quality/shapes/pair trends: sdmetrics QualityReport vs "
        f"train. mostlyai-qa: {qa}. DCR share: Gower-style, {5000:,} synthetic rows vs equal-size "
        "train and holdout samples (0.5 = no memorisation signal). TSTR/TRTR: LightGBM defaults "
        "scored on the holdout (AUC binary, R² regression). copies: synthetic rows equal to a "
        "train row; holdout copies: holdout rows equal to a train row. violations: share of "
        "synthetic rows breaking an inequality that holds in every train row (and is not implied "
        "by the column ranges alone). fit s / rows/s / peak RSS: one child process per fit+sample "
        "(VmHWM of the child).",
        "Ratio columns are synthpipe ÷ that peer in the same run (fit × < 1 and RSS × < 1 are "
        "better for synthpipe, rows/s × > 1 is better). ✗ marks a synthpipe cell that misses a "
        "target of PROTOCOL.md: " + "; ".join(t.text for t in TARGETS) + ".",
    ]
