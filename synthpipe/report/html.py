"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no fetches.

Written for a person deciding whether a synthetic set may be shared: the two headline scores
first, then privacy in plain words, then the evidence (columns, pairs, utility, rules).
"""

from __future__ import annotations

from html import escape
from importlib import resources
from typing import Any

from synthpipe.report import _svg
from synthpipe.report.model import ColumnResult, PairResult, Privacy, Quality, Report

_GRADE_COLORS = {
    "Excellent": "#15803d",
    "Good": "#4d9a2a",
    "Moderate": "#d19a0b",
    "Poor": "#dc6b19",
    "Very poor": "#b91c1c",
}
_COMPONENTS = {
    "column_shapes": "Column shapes",
    "column_pair_trends": "Column pair trends",
    "deep_structure": "Deep structure",
    "ml_utility": "ML utility",
    "logical_constraints": "Logical rules",
}


def _css() -> str:
    return resources.files("synthpipe.report").joinpath("templates/report.css").read_text("utf-8")


def _pct(x: float | None, digits: int = 1) -> str:
    return "n/a" if x is None else f"{x * 100:.{digits}f}%"


def _num(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _chip(level: str, text: str) -> str:
    return f'<span class="chip {level}">{escape(text)}</span>'


def _meter_color(v: float) -> str:
    return "#15803d" if v >= 0.9 else "#4d9a2a" if v >= 0.8 else "#d19a0b" if v >= 0.65 else "#b91c1c"


def _meter_rows(items: list[tuple[str, float | None]]) -> str:
    rows = []
    for label, v in items:
        bar = (
            '<div class="meter"></div>'
            if v is None
            else f'<div class="meter"><span style="width:{v * 100:.1f}%;background:{_meter_color(v)}"></span></div>'
        )
        rows.append(f"<div>{escape(label)}</div>{bar}<div class='num'>{_pct(v, 0)}</div>")
    return '<div class="bars">' + "".join(rows) + "</div>"


def _headline(title: str, score: float, grade: str, blurb: str, meters: str) -> str:
    color = _GRADE_COLORS.get(grade, "#6b7280")
    return (
        f'<section class="card"><div class="headline">{_svg.gauge(score, title, color)}'
        f'<div><div class="muted small">{escape(title)}</div>'
        f'<div class="grade" style="color:{color}">{escape(grade)}</div>'
        f'<div class="muted">{escape(blurb)}</div></div></div>{meters}</section>'
    )


def _quality_card(q: Quality) -> str:
    items = [(label, getattr(q, key)) for key, label in _COMPONENTS.items()]
    blurb = "How closely the synthetic rows follow the real ones (score out of 100)."
    return _headline("Quality", q.score, q.grade.value, blurb, _meter_rows(items))


def _privacy_card(p: Privacy) -> str:
    def closeness(x: float | None) -> float | None:
        return None if x is None else max(0.0, 1 - abs(x - 0.5) * 2)

    items = [
        ("DCR share near 50%", closeness(p.dcr_share)),
        ("Attack fails (AUC≈0.5)", closeness(p.mia_auc)),
        ("No copied rows", 1 - max(0.0, p.identical_share - (p.identical_share_holdout or 0))),
    ]
    blurb = "How little the synthetic rows reveal about the training rows (out of 100)."
    return _headline("Privacy", p.score, p.grade.value, blurb, _meter_rows(items))


def _level(value: float | None, ok: float, warn: float) -> str:
    if value is None:
        return "na"
    return "ok" if value <= ok else "warn" if value <= warn else "bad"


def _privacy_rows(p: Privacy) -> list[tuple[str, str, str, str, str]]:
    """(metric, value, reference, verdict level, explanation) rows of the privacy table."""
    excess = p.identical_share - (p.identical_share_holdout or 0.0)
    nndr_gap = None
    if p.nndr_synthetic is not None and p.nndr_holdout:
        nndr_gap = max(0.0, 1 - p.nndr_synthetic / p.nndr_holdout)
    return [
        ("Distance to closest record (DCR) share", _pct(p.dcr_share), "50% is ideal",
         _level(None if p.dcr_share is None else p.dcr_share - 0.5, 0.05, 0.1),
         "For each synthetic row we find the closest training row and the closest holdout row "
         "(real people the generator never saw). A generator that memorised its training data "
         "lands nearer to training rows most of the time; 50% means synthetic rows are no closer "
         "to the people it learned from than to strangers."),
        ("Exact copies of training rows", _pct(p.identical_share, 2),
         f"holdout's own: {_pct(p.identical_share_holdout, 2)}", _level(excess, 0.001, 0.01),
         "Synthetic rows identical to a training row. Real data can contain natural duplicates, "
         "so the share of unseen holdout rows that also occur in training is the fair baseline."),
        ("Membership-inference attack AUC", _num(p.mia_auc), "0.5 = the attack fails",
         _level(None if p.mia_auc is None else p.mia_auc - 0.5, 0.05, 0.1),
         "An attacker holding a real record guesses whether it was used for training by how "
         "close the nearest synthetic row is. 0.5 is a coin toss; 1.0 means the synthetic data "
         "betray every training member."),
        ("Nearest-neighbour distance ratio", _num(p.nndr_synthetic),
         f"holdout's own: {_num(p.nndr_holdout)}", _level(nndr_gap, 0.1, 0.2),
         "Distance to the nearest training row divided by the distance to the second nearest. "
         "Near 1, a synthetic row sits among several real rows; near 0, it points at one person. "
         "It should not be clearly below the holdout's ratio."),
        ("Rare categories emitted verbatim", str(p.rare_categories_emitted),
         f"held by fewer than {p.rare_category_threshold} training rows",
         "ok" if p.rare_categories_emitted == 0 else "warn",
         "A category only a handful of real people have (a rare job title, a tiny town) can "
         "identify them if it appears in the synthetic data as is."),
    ]  # fmt: skip


def _distance_figure(p: Privacy) -> str:
    if p.distances is None:
        return ""
    key = "".join(
        f'<span><i class="sw" style="background:{c}"></i>{t}</span>'
        for t, c in (
            ("synthetic → closest training row", _svg.SYNTHETIC),
            ("synthetic → closest holdout row", _svg.REAL),
            ("holdout → closest training row", "#6b7280"),
        )
    )
    return (
        '<div class="card"><h3>How close do synthetic rows come to real people?</h3>'
        f'<div class="legend">{key}</div>{_svg.distance_curves(p.distances)}'
        "<p class='small muted'>Each curve shows the share of rows (up) whose closest record is "
        "within a distance (right). If the orange curve rises clearly before the others, "
        "synthetic rows sit closer to the training rows than unseen real rows do: a sign of "
        f"copying. Based on {p.sample_rows:,} rows of each set.</p></div>"
    )


def _rare_card(p: Privacy) -> str:
    if not p.rare_categories:
        body = (
            f"<p>No category held by fewer than {p.rare_category_threshold} training rows "
            "appears in the synthetic data.</p>"
        )
    else:
        rows = "".join(
            f"<tr><td>{escape(r.column)}</td><td class='num'>{r.emitted}</td><td class='num'>{r.rare_in_real}</td></tr>"
            for r in p.rare_categories[:12]
        )
        body = (
            "<table><tr><th>Column</th><th class='num'>Emitted</th>"
            f"<th class='num'>Rare in real</th></tr>{rows}</table>"
        )
    return f'<div class="card"><h3>Rare categories</h3>{body}</div>'


def _privacy_table(p: Privacy) -> str:
    words = {"ok": "fine", "warn": "watch", "bad": "risk", "na": "n/a"}
    body = "".join(
        f"<tr><td><b>{escape(m)}</b><div class='explain small'>{escape(e)}</div></td>"
        f"<td class='num'>{escape(v)}</td><td class='muted small'>{escape(ref)}</td>"
        f"<td>{_chip(level, words[level])}</td></tr>"
        for m, v, ref, level, e in _privacy_rows(p)
    )
    head = "<tr><th>What we measured</th><th class='num'>Value</th><th>Reference</th><th></th></tr>"
    note = f"<p class='muted small'>{escape(p.note)}</p>" if p.note else ""
    return f'<div class="card"><table>{head}{body}</table>{note}</div>'


def _value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        return ", ".join(f"{k}={_value(x)}" for k, x in v.items() if x is not None)
    if isinstance(v, list | tuple):
        return ", ".join(_value(x) for x in v)
    return str(v)


def _filter_sentence(f: dict[str, Any]) -> str:
    """The privacy-filter summary of :func:`synthpipe.privacy.apply_filters` in one sentence."""
    if not f.get("enabled", True):
        return "switched off"
    d = f.get("dropped", {})
    text = (
        f"{d.get('exact_copy', 0):,} exact copies, {d.get('similarity', 0):,} near copies and "
        f"{d.get('outlier', 0):,} outliers dropped out of {f.get('rows_in', 0):,} generated rows; "
        f"{f.get('resampled_rows', 0):,} rows generated in {f.get('rounds', 0)} top-up round(s)"
    )
    if f.get("shortfall"):
        text += f"; {f['shortfall']:,} rows short of the requested count"
    return text


def _protection_rows(protections: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for key, v in protections.items():
        if isinstance(v, dict) and "dropped" in v and "rows_in" in v:
            rows.append((f"{key} (privacy filters)", _filter_sentence(v)))
            rows.append((f"{key} settings", _value(v.get("settings", {}))))
        elif isinstance(v, dict):
            rows += [(f"{key}: {k}", _value(x)) for k, x in v.items() if k != "columns"]
        else:
            rows.append((key, _value(v)))
    return rows


def _per_column(protections: dict[str, Any]) -> str:
    """A table of per-column treatment when a protection (the engine's) lists its columns."""
    found = [v["columns"] for v in protections.values() if isinstance(v, dict) and isinstance(v.get("columns"), dict)]
    if not found:
        return ""
    rows = []
    for name, entry in list(found[0].items())[:80]:
        entry = entry if isinstance(entry, dict) else {"detail": entry}
        learned = entry.get("learned")
        how = "learned" if learned else "regenerated, not learned" if learned is False else ""
        rows.append(
            f"<tr><td>{escape(str(name))}</td><td>{escape(str(entry.get('kind', '')))}</td>"
            f"<td>{escape(how)}</td><td class='small'>"
            f"{escape(_value(entry.get('protection', {}))[:300])}</td></tr>"
        )
    head = "<tr><th>Column</th><th>Kind</th><th>Model</th><th>Protection</th></tr>"
    return f'<div class="card" style="margin-top:14px"><table>{head}{"".join(rows)}</table></div>'


def _protections(p: Privacy) -> str:
    rows = _protection_rows(p.protections)
    if not rows:
        return '<div class="card muted">No protections were reported for this run.</div>'
    body = "".join(f"<tr><td>{escape(k)}</td><td>{escape(v[:400])}</td></tr>" for k, v in rows[:40])
    table = f"<table><tr><th>Protection</th><th>Effect</th></tr>{body}</table>"
    return f'<div class="card">{table}</div>{_per_column(p.protections)}'


def _column_card(c: ColumnResult) -> str:
    score = "" if c.score is None else f"{c.score:.0%}"
    chip = _chip("na", "not compared") if c.score is None else _chip(_level(1 - c.score, 0.1, 0.2), score)
    nulls = f"nulls {_pct(c.null_share_real)} / {_pct(c.null_share_synthetic)}"
    if c.distribution is None:
        chart = f"<p class='muted small'>{escape(c.note or '')}</p>"
    elif c.kind == "categorical":
        chart = _svg.category_bars(c.distribution)
    else:
        chart = _svg.histogram(c.distribution)
    return (
        f'<div class="card col"><div class="top"><h3 title="{escape(c.name)}">{escape(c.name)}'
        f'</h3>{chip}</div><div class="muted small">{escape(c.kind)} · {nulls}</div>{chart}</div>'
    )


def _pairs_table(pairs: list[PairResult]) -> str:
    scored = [p for p in pairs if p.score is not None]
    pool = [p for p in scored if p.counted] or scored
    worst = sorted(pool, key=lambda p: p.score or 0)[:8]
    if not worst:
        return ""
    counted = sum(p.counted for p in pairs)
    body = "".join(
        f"<tr><td>{escape(p.columns[0])} × {escape(p.columns[1])}</td><td>{escape(p.metric)}</td>"
        f"<td class='num'>{_num(p.real, 2)}</td><td class='num'>{_num(p.synthetic, 2)}</td>"
        f"<td class='num'>{_pct(p.score, 0)}</td></tr>"
        for p in worst
    )
    head = (
        "<tr><th>Least faithful pairs</th><th>Measure</th><th class='num'>Real</th>"
        "<th class='num'>Synthetic</th><th class='num'>Similarity</th></tr>"
    )
    note = (
        f"<p class='small muted'>{counted} of {len(pairs)} pairs are clearly related in the real "
        "data (|r| &gt; 0.5 or Cramér's V &gt; 0.3); the pair score averages those, as sdmetrics "
        "does, since unrelated pairs stay unrelated under any generator.</p>"
    )
    return f'<div class="card" style="margin-top:14px"><table>{head}{body}</table>{note}</div>'


def _correlations(q: Quality) -> str:
    hm = q.heatmap
    if len(hm.columns) < 2:
        return '<div class="card muted">Fewer than two comparable columns.</div>'
    legend = (
        f'<div class="legend">{_svg.legend_scale()}<span>|Pearson r| for two numeric '
        "columns, Cramér's V otherwise; hover a cell for its value</span></div>"
    )
    maps = "".join(
        f'<div class="card"><h3>{title}</h3>{_svg.heatmap(hm, which)}</div>'
        for title, which in (("Real data", "real"), ("Synthetic data", "synthetic"))
    )
    return f'{legend}<div class="pair">{maps}</div>{_pairs_table(q.pairs)}'


def _utility_card(q: Quality) -> str:
    u = q.utility
    if u.score is None:
        body = f"<p class='muted'>{escape(u.note or 'not computed')}</p>"
        if u.tstr is not None:
            body += f"<p class='small'>TSTR {_num(u.tstr)} · TRTR {_num(u.trtr)}</p>"
    else:
        how = "given" if u.target_chosen == "given" else "picked automatically"
        body = (
            f"<p>Predicting <b>{escape(u.target or '')}</b> ({escape(u.task or '')}, {how}) on "
            f"real holdout rows, measured by {escape((u.metric or '').upper())}:</p>"
            + _meter_rows([("Trained on real", u.trtr), ("Trained on synthetic", u.tstr)])
            + f"<p class='small muted'>Synthetic keeps {_pct(u.score, 0)} of the real data's "
            "gain over a constant guess.</p>"
        )
    return f'<div class="card"><h3>ML utility</h3>{body}</div>'


def _structure_card(q: Quality) -> str:
    s = q.structure
    if s.score is None:
        return f'<div class="card"><h3>Deep structure</h3><p class="muted">{escape(s.note or "")}</p></div>'
    ev = ", ".join(f"{v:.0%}" for v in s.explained_variance)
    return (
        f'<div class="card"><h3>Deep structure</h3><p>Both sets projected on the real data\'s '
        f"{s.components} main directions of variation (explaining {ev}); the projected "
        f"distributions agree to <b>{_pct(s.score, 0)}</b>.</p>"
        "<p class='small muted'>Catches relations among many columns at once that single pairs "
        "miss.</p></div>"
    )


def _constraints_card(q: Quality) -> str:
    c = q.constraints
    if not c.checked:
        return (
            '<div class="card"><h3>Logical rules</h3><p class="muted">No inequality between '
            "columns holds in every real row, so there is nothing to check.</p></div>"
        )
    rows = "".join(
        f"<tr><td>{escape(x.left)} ≤ {escape(x.right)}</td><td class='num'>{_pct(x.violation_share, 2)}</td></tr>"
        for x in sorted(c.checked, key=lambda x: -x.violation_share)[:8]
    )
    return (
        f'<div class="card"><h3>Logical rules</h3><p>{len(c.checked)} rules hold in every real '
        f"row; {_pct(c.violating_row_share, 2)} of synthetic rows break at least one.</p>"
        f"<table><tr><th>Rule</th><th class='num'>Broken by</th></tr>{rows}</table></div>"
    )


def _notes(r: Report) -> str:
    items = [*r.sampling.notes, *r.warnings]
    lis = "".join(f"<li>{escape(x)}</li>" for x in items)
    return f'<div class="card"><ul class="notes small">{lis}</ul></div>'


def render_html(report: Report) -> str:
    """The whole page for ``report``."""
    s, q, p = report.sampling, report.quality, report.privacy
    legend = (
        f'<div class="legend"><span><i class="sw" style="background:{_svg.REAL}"></i>real</span>'
        f'<span><i class="sw" style="background:{_svg.SYNTHETIC}"></i>synthetic</span>'
        "<span>percent = similarity of the two distributions</span></div>"
    )
    columns = "".join(_column_card(c) for c in q.columns)
    subtitle = (
        f"{s.rows_synthetic:,} synthetic rows compared with {s.rows_real:,} training rows and "
        f"{s.rows_holdout:,} holdout rows · {s.columns} columns"
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Synthetic data report</title><style>{_css()}</style></head>
<body><main>
<header><div><h1>Synthetic data report</h1><div class="muted">{escape(subtitle)}</div></div>
<div class="muted small">{escape(report.created_at)} · evaluated in {report.seconds:.1f} s</div>
</header>
<div class="cards">{_quality_card(q)}{_privacy_card(p)}</div>
<h2>Privacy, in plain words</h2>{_privacy_table(p)}
<div class="pair" style="margin-top:14px">{_distance_figure(p)}{_rare_card(p)}</div>
<h2>Protections that were active</h2>{_protections(p)}
<h2>Columns: real vs synthetic</h2>{legend}<div class="grid">{columns}</div>
<h2>Relations between columns</h2>{_correlations(q)}
<h2>Beyond pairs</h2>
<div class="grid">{_utility_card(q)}{_structure_card(q)}{_constraints_card(q)}</div>
<h2>How this was measured</h2>{_notes(report)}
<footer>synthpipe report · schema {escape(report.schema_version)} · seed {report.seed} ·
the same numbers are in report.json</footer>
</main></body></html>
"""
