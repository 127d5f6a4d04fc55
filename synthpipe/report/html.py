"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no fetches.

Written for a person deciding whether a synthetic set may be shared: the two headline scores
first, then privacy in plain words, then the evidence (columns, pairs, utility, rules).
"""

from __future__ import annotations

from importlib import resources

from synthpipe.report import _svg
from synthpipe.report._html_parts import FULL_COLUMNS, chip, contents, escape, folded, level, meter_rows, num, pct
from synthpipe.report._html_privacy import distance_figure, privacy_table, protections, rare_card
from synthpipe.report.model import (
    ColumnResult,
    Entities,
    GateResult,
    PairResult,
    Privacy,
    Quality,
    Report,
    averaged_pairs,
)

_GRADE_COLORS = {
    "Excellent": "#15803d",
    "Good": "#4d9a2a",
    "Moderate": "#d19a0b",
    "Poor": "#dc6b19",
    "Very poor": "#b91c1c",
}
_NOTHING_COMPARED = "Nothing to compare: every column is a key, regenerated rather than learned."
_COMPONENTS = {
    "column_shapes": "Column shapes",
    "column_pair_trends": "Column pair trends",
    "deep_structure": "Deep structure",
    "ml_utility": "ML utility",
    "logical_constraints": "Logical rules",
}


def _css() -> str:
    return resources.files("synthpipe.report").joinpath("templates/report.css").read_text("utf-8")


def _headline(title: str, score: float | None, grade: str, blurb: str, meters: str) -> str:
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
    return _headline("Quality", q.score, q.grade.value, blurb if q.score is not None else _NOTHING_COMPARED,
                     meter_rows(items))  # fmt: skip


def _privacy_card(p: Privacy) -> str:
    def closeness(x: float | None) -> float | None:
        return None if x is None else max(0.0, 1 - abs(x - 0.5) * 2)

    items = [
        ("DCR share near 50%", closeness(p.dcr_share)),
        ("Attack fails (AUC≈0.5)", closeness(p.mia_auc)),
        ("No copied rows", None if (copies := p.copies_beyond_chance()) is None else 1 - copies),
    ]
    blurb = "How little the synthetic rows reveal about the training rows (out of 100)."
    shown = blurb if p.score is not None else _NOTHING_COMPARED
    return _headline("Privacy", p.score, p.grade.value, shown, meter_rows(items))


def _badge(c: ColumnResult) -> str:
    return chip("na", "not compared") if c.score is None else chip(level(1 - c.score, 0.1, 0.2), f"{c.score:.0%}")


def _column_card(c: ColumnResult) -> str:
    badge = _badge(c)
    nulls = f"nulls {pct(c.null_share_real)} / {pct(c.null_share_synthetic)}"
    if c.distribution is None:
        chart = f"<p class='muted small'>{escape(c.note or '')}</p>"
    elif c.kind in ("categorical", "text", "constant", "infinite"):
        chart = _svg.category_bars(c.distribution)
    else:
        chart = _svg.histogram(c.distribution)
    if c.kind == "infinite":  # its kind alone does not say what the bars are
        chart = f"<p class='muted small'>{escape(c.note or '')}</p>{chart}"
    return (
        f'<div class="card col"><div class="top"><h3 title="{escape(c.name)}">{escape(c.name)}'
        f'</h3>{badge}</div><div class="muted small">{escape(c.kind)} · {nulls}</div>{chart}</div>'
    )


FULL_PAIRS = 8


def _columns(columns: list[ColumnResult]) -> str:
    """A card per column in the table's order; a wider table shows the ``FULL_COLUMNS`` least faithful
    columns as cards, least faithful first, and the others folded in a table (``folded``)."""
    if len(columns) <= FULL_COLUMNS:
        return f'<div class="grid">{"".join(_column_card(c) for c in columns)}</div>'
    ranked = sorted(columns, key=lambda c: (c.score is None, c.score or 0.0))  # not compared last
    cards, rest = ranked[:FULL_COLUMNS], ranked[FULL_COLUMNS:]
    head = (
        "<tr><th>Column</th><th>Kind</th><th class='num'>Similarity</th><th class='num'>Nulls real</th>"
        "<th class='num'>Nulls synthetic</th></tr>"
    )
    rows = [
        f"<tr><td>{escape(c.name)}</td><td>{escape(c.kind)}</td><td class='num'>{_badge(c)}</td>"
        f"<td class='num'>{pct(c.null_share_real)}</td><td class='num'>{pct(c.null_share_synthetic)}</td></tr>"
        for c in rest
    ]
    return (
        f"<p class='small muted'>The {FULL_COLUMNS} least faithful of {len(columns):,} columns, least faithful "
        f'first; the others below.</p><div class="grid">{"".join(_column_card(c) for c in cards)}</div>'
        f'<div class="card" style="margin-top:14px">'
        f"{folded(f'The other {len(rest):,} columns, least faithful first', head, rows)}</div>"
    )


def _pairs_table(pairs: list[PairResult]) -> str:
    """The pairs the pair score averages, least faithful first: ``FULL_PAIRS`` in full, the others folded."""
    pool = averaged_pairs(pairs)
    if not pool:
        return ""
    counted = sum(p.counted for p in pairs)
    rows = [
        f"<tr><td>{escape(p.columns[0])} × {escape(p.columns[1])}</td><td>{escape(p.metric)}</td>"
        f"<td class='num'>{num(p.real, 2)}</td><td class='num'>{num(p.synthetic, 2)}</td>"
        f"<td class='num'>{pct(p.score, 0)}</td></tr>"
        for p in pool
    ]
    rest = rows[FULL_PAIRS:]
    folded_rest = folded(
        f"The other {len(rest):,} pairs the score averages, least faithful first", _pair_head("Pair"), rest
    )
    note = (
        f"<p class='small muted'>{counted:,} of {len(pairs):,} pairs are clearly related in the real "
        "data (|r| &gt; 0.5 or Cramér's V &gt; 0.3); the pair score averages those, as sdmetrics "
        "does, since unrelated pairs stay unrelated under any generator.</p>"
    )
    table = f"<table>{_pair_head('Least faithful pairs')}{''.join(rows[:FULL_PAIRS])}</table>"
    return f'<div class="card" style="margin-top:14px">{table}{folded_rest}{note}</div>'


def _pair_head(first: str) -> str:
    return (
        f"<tr><th>{first}</th><th>Measure</th><th class='num'>Real</th>"
        "<th class='num'>Synthetic</th><th class='num'>Similarity</th></tr>"
    )


def _correlations(q: Quality) -> str:
    hm = q.heatmap
    if len(hm.columns) < 2:
        return '<div class="card muted">Fewer than two comparable columns.</div>'
    cells = "a cell" if len(hm.columns) <= FULL_COLUMNS else f"a cell the maps differ on by {_svg.NOTICEABLE} or more"
    legend = (
        f'<div class="legend">{_svg.legend_scale()}<span>|Pearson r| for two numeric '
        f"columns, Cramér's V otherwise; hover {cells} for both values</span></div>"
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
            body += f"<p class='small'>TSTR {num(u.tstr)} · TRTR {num(u.trtr)}</p>"
    else:
        how = "given" if u.target_chosen == "given" else "picked automatically"
        body = (
            f"<p>Predicting <b>{escape(u.target or '')}</b> ({escape(u.task or '')}, {how}) on "
            f"real holdout rows, measured by {escape((u.metric or '').upper())}:</p>"
            + meter_rows([("Trained on real", u.trtr), ("Trained on synthetic", u.tstr)])
            + f"<p class='small muted'>Synthetic keeps {pct(u.score, 0)} of the real data's "
            "gain over a constant guess.</p>" + (f"<p class='small muted'>{escape(u.note)}</p>" if u.note else "")
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
        f"distributions agree to <b>{pct(s.score, 0)}</b>.</p>"
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
        f"<tr><td>{escape(x.left)} ≤ {escape(x.right)}</td><td class='num'>{pct(x.violation_share, 2)}</td></tr>"
        for x in sorted(c.checked, key=lambda x: -x.violation_share)[:8]
    )
    return (
        f'<div class="card"><h3>Logical rules</h3><p>{len(c.checked)} rules hold in every real '
        f"row; {pct(c.violating_row_share, 2)} of synthetic rows break at least one.</p>"
        f"<table><tr><th>Rule</th><th class='num'>Broken by</th></tr>{rows}</table></div>"
    )


def _entities(q: Quality) -> str:
    """Rows per entity, real next to synthetic, before the row-level columns."""
    e = q.entities
    if e is None:
        return ""
    rows = "".join(
        f"<tr><td>{label}</td><td class='num'>{side.entities:,}</td><td class='num'>{side.rows_median:,.0f}</td>"
        f"<td class='num'>{side.rows_p90:,.0f}</td><td class='num'>{side.rows_max_shown:,.0f}</td>"
        f"<td class='num'>{pct(side.consistent_share, 1)}</td></tr>"
        for label, side in (("Real (training)", e.real), ("Synthetic", e.synthetic))
    )
    head = (
        f"<tr><th></th><th class='num'>{escape(e.key)} values</th><th class='num'>Rows each: median</th>"
        "<th class='num'>90th pct</th><th class='num'>99th pct</th>"
        "<th class='num'>One value of each shared column</th></tr>"
    )
    shared = ", ".join(escape(c) for c in e.shared_columns) or "none"
    note = (
        f"<p class='small muted'>The engine sampled {escape(e.key)} as entities: each fresh key gets a learned "
        f"number of rows and one value of the columns constant within it in the real data ({shared}).</p>"
    )
    return (
        f"<h2 id='entities'>Entities: rows per {escape(e.key)}</h2><div class='card'><table>{head}{rows}</table>{note}"
        f"{_entity_traits(e)}</div>"
    )


def _entity_traits(e: Entities) -> str:
    """What the engine kept of each entity's rows, real next to synthetic."""
    if not e.traits:
        return ""

    def shown(value: float | None, share: bool) -> str:
        return pct(value, 1) if share else ("n/a" if value is None else f"{value:,.1f}")

    rows = "".join(
        f"<tr><td>{escape(t.column)}</td><td>{escape(t.measure)}</td><td class='num'>{shown(t.real, t.share)}</td>"
        f"<td class='num'>{shown(t.synthetic, t.share)}</td></tr>"
        for t in e.traits
    )
    return (
        f"<h3>What each {escape(e.key)} keeps</h3><table><tr><th>Column</th><th>Measured</th>"
        f"<th class='num'>Real (training)</th><th class='num'>Synthetic</th></tr>{rows}</table>"
    )


def _notes(r: Report) -> str:
    items = [*r.sampling.notes, *r.warnings]
    lis = "".join(f"<li>{escape(x)}</li>" for x in items)
    return f'<div class="card"><ul class="notes small">{lis}</ul></div>'


def _gates(gates: list[GateResult]) -> str:
    """The publish decision first: which configured gates passed, which failed, and by how much."""
    if not gates:
        return ""
    failed = [g for g in gates if not g.passed]
    verdict = (
        f"{len(failed)} of {len(gates)} gates failed: synthpipe does not publish this synthetic set."
        if failed
        else f"All {len(gates)} configured gates passed."
    )
    rows = "".join(
        f"<tr><td><b>{escape(g.gate)}</b><div class='explain small'>{escape(g.message)}</div></td>"
        f"<td class='num'>{'—' if g.value is None else f'{g.value:.4g}'}</td>"
        f"<td class='num'>{g.threshold:g}</td><td>{_gate_chip(g)}</td></tr>"
        for g in gates
    )
    head = "<tr><th>Gate</th><th class='num'>Value</th><th class='num'>Threshold</th><th></th></tr>"
    return (
        f"<h2 id='gates'>Gates</h2><div class='card'><p><b>{escape(verdict)}</b></p><table>{head}{rows}</table></div>"
    )


def _gate_chip(gate: GateResult) -> str:
    if gate.value is None:
        return chip("na", "not measured")
    return chip("ok", "passed") if gate.passed else chip("bad", "failed")


def _contents(report: Report) -> str:
    """Links to the page's sections, below the two scores.

    Why: of a wide table the relations, rules and warnings lie below the column cards and the
    folded lists; a reader who wants what is wrong first reaches each in one click."""
    q, failed = report.quality, sum(not g.passed for g in report.gates)
    entries = [("gates", f"Gates ({failed} failed)" if failed else "Gates")] if report.gates else []
    entries += [("privacy", "Privacy"), ("protections", "Protections")]
    entries += [("entities", "Entities")] if q.entities is not None else []
    shown = f"{len(q.columns):,}" if len(q.columns) <= FULL_COLUMNS else f"{len(q.columns):,}, least faithful first"
    entries += [("columns", f"Columns ({shown})"), ("relations", "Relations"), ("beyond-pairs", "Beyond pairs")]
    warned = f" ({len(report.warnings):,} warning{'s' if len(report.warnings) != 1 else ''})" if report.warnings else ""
    entries.append(("how-measured", f"How this was measured{warned}"))
    return contents(entries)


def render_html(report: Report) -> str:
    """The whole page for ``report``."""
    s, q, p = report.sampling, report.quality, report.privacy
    legend = (
        f'<div class="legend"><span><i class="sw" style="background:{_svg.REAL}"></i>real</span>'
        f'<span><i class="sw" style="background:{_svg.SYNTHETIC}"></i>synthetic</span>'
        "<span>percent = similarity of the two distributions</span></div>"
    )
    subtitle = (
        f"{s.rows_synthetic:,} synthetic rows compared with {s.rows_real:,} training rows and "
        f"{s.rows_holdout:,} holdout rows · {s.columns} column{'s' if s.columns != 1 else ''}"
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
{_contents(report)}
{_gates(report.gates)}
<h2 id="privacy">Privacy, in plain words</h2>{privacy_table(p)}
<div class="pair" style="margin-top:14px">{distance_figure(p)}{rare_card(p)}</div>
<h2 id="protections">Protections that were active</h2>{protections(p)}
{_entities(q)}
<h2 id="columns">Columns: real vs synthetic</h2>{legend}{_columns(q.columns)}
<h2 id="relations">Relations between columns</h2>{_correlations(q)}
<h2 id="beyond-pairs">Beyond pairs</h2>
<div class="grid">{_utility_card(q)}{_structure_card(q)}{_constraints_card(q)}</div>
<h2 id="how-measured">How this was measured</h2>{_notes(report)}
<footer>synthpipe report · schema {escape(report.schema_version)} · seed {report.seed} ·
the same numbers are in report.json</footer>
</main></body></html>
"""
