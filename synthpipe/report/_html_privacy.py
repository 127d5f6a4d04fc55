"""The privacy sections of the HTML report: the measures in plain words, the distance curves,
rare categories and the protections that were active."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from synthpipe.filter_shift import phrase
from synthpipe.report import _svg
from synthpipe.report._html_parts import FULL_COLUMNS, chip, escape, folded, level, num, pct
from synthpipe.report.model import Privacy

SHOWN_PROTECTIONS = 40  # protections rows shown in full; the others are folded


def _privacy_rows(p: Privacy) -> list[tuple[str, str, str, str, str]]:
    """(metric, value, reference, verdict level, explanation) rows of the privacy table."""
    nndr_gap = None
    if p.nndr_synthetic is not None and p.nndr_holdout:
        nndr_gap = max(0.0, 1 - p.nndr_synthetic / p.nndr_holdout)
    return [
        ("Distance to closest record (DCR) share", pct(p.dcr_share), "50% is ideal",
         level(None if p.dcr_share is None else p.dcr_share - 0.5, 0.05, 0.1),
         "For each synthetic row we find the closest training row and the closest holdout row "
         "(real people the generator never saw). A generator that memorised its training data "
         "lands nearer to training rows most of the time; 50% means synthetic rows are no closer "
         "to the people it learned from than to strangers."),
        *_entity_rows(p),
        ("Exact copies of training rows", pct(p.identical_share, 2),
         f"holdout's own: {pct(p.identical_share_holdout, 2)}", level(p.copies_beyond_chance(), 0.001, 0.01),
         "Synthetic rows identical to a training row. Real data can contain natural duplicates, "
         "so the share of unseen holdout rows that also occur in training is the fair baseline "
         "(a difference within its sampling noise is fine)."),
        ("Membership-inference attack AUC", num(p.mia_auc), "0.5 = the attack fails",
         level(None if p.mia_auc is None else abs(p.mia_auc - 0.5), 0.05, 0.1),
         "An attacker holding a real record guesses whether it was used for training by how "
         "close the nearest synthetic row is. 0.5 is a coin toss; 1.0 means the synthetic data "
         "betray every training member, and so does 0.0: training rows that lie farther from the "
         "synthetic rows than unseen rows do are told apart as well."),
        ("Nearest-neighbour distance ratio", num(p.nndr_synthetic),
         f"holdout's own: {num(p.nndr_holdout)}", level(nndr_gap, 0.1, 0.2),
         "Distance to the nearest training row divided by the distance to the second nearest. "
         "Near 1, a synthetic row sits among several real rows; near 0, it points at one person. "
         "It should not be clearly below the holdout's ratio."),
        ("Rare categories emitted verbatim", str(p.rare_categories_emitted),
         f"held by fewer than {p.rare_category_threshold} training rows",
         "ok" if p.rare_categories_emitted == 0 else "warn",
         "A category only a handful of real people have (a rare job title, a tiny town) can "
         "identify them if it appears in the synthetic data as is."),
    ]  # fmt: skip


def _entity_rows(p: Privacy) -> list[tuple[str, str, str, str, str]]:
    """The DCR share over whole entities, when the rows belong to entities (a user's sessions)."""
    entities = (p.protections.get("engine") or {}).get("entities") or {}
    if p.dcr_share_entities is None or not entities:
        return []
    key = str(entities.get("key"))  # privacy_table escapes every cell
    return [
        (f"DCR share per {key}", pct(p.dcr_share_entities), f"50% is ideal; {p.entity_sample or 0:,} of each set",
         level(p.dcr_share_entities - 0.5, 0.05, 0.1),
         f"The same test with each {key} as one record (its own columns and its number of rows): "
         "the person behind many rows is the unit that must not be copied."),
    ]  # fmt: skip


def distance_figure(p: Privacy) -> str:
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
        f"copying. Based on {p.sample_rows:,} holdout rows, as many training rows and "
        f"{p.synthetic_rows_compared:,} synthetic rows"
        + (
            f"; the DCR share is the mean over {p.train_samples} disjoint training samples"
            if p.train_samples > 1
            else ""
        )
        + ".</p></div>"
    )


def rare_card(p: Privacy) -> str:
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


def privacy_table(p: Privacy) -> str:
    words = {"ok": "fine", "warn": "watch", "bad": "risk", "na": "n/a"}
    body = "".join(
        f"<tr><td><b>{escape(m)}</b><div class='explain small'>{escape(e)}</div></td>"
        f"<td class='num'>{escape(v)}</td><td class='muted small'>{escape(ref)}</td>"
        f"<td>{chip(lvl, words[lvl])}</td></tr>"
        for m, v, ref, lvl, e in _privacy_rows(p)
    )
    head = "<tr><th>What we measured</th><th class='num'>Value</th><th>Reference</th><th></th></tr>"
    note = f"<p class='muted small'>{escape(p.note)}</p>" if p.note else ""
    return f'<div class="card"><table>{head}{body}</table>{note}</div>'


def _value(v: Any, nested: bool = False) -> str:
    """A setting or fact as text; a list or mapping inside another is bracketed, so the training
    facts read ``bias_refit=(max_tv_before=0.063, ...), rows_used=10041`` and a clip range
    ``clipped_to=[19, 2014]``, not one run of ``key=value`` pairs of unclear nesting."""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict):
        text = ", ".join(f"{k}={_value(x, True)}" for k, x in v.items() if x is not None)
        return f"({text})" if nested else text
    if isinstance(v, list | tuple):
        text = ", ".join(_value(x, True) for x in v)
        return f"[{text}]" if nested else text
    return str(v)


SHOWN_CHARS = 400  # a cell shows this much; a longer list (94 dependencies of a 70-column table) says how many more


def _shortened(v: Any) -> str:
    text = _value(v)
    if len(text) <= SHOWN_CHARS:
        return text
    if not isinstance(v, list):
        return text[:SHOWN_CHARS] + " ... (all in the JSON report)"
    shown = 0
    while len(_value(v[: shown + 1])) <= SHOWN_CHARS:
        shown += 1
    return f"{_value(v[:shown])} ... and {len(v) - shown} more (all in the JSON report)"


def _filter_sentence(f: dict[str, Any]) -> str:
    """The privacy-filter summary of :func:`synthpipe.privacy.apply_filters` in one sentence."""
    if not f.get("enabled", True):
        return "switched off"
    d = f.get("dropped", {})
    whole = f" (each {f['whole_entities_of']}'s rows judged and dropped together)" if f.get("whole_entities_of") else ""
    if f.get("left_out_of_distances"):
        whole += (
            f" (near copies and outliers judged without {', '.join(f['left_out_of_distances'])}: every row takes "
            "them from the table's grain, a calendar's date or a GROUP BY's labels, or has them rebuilt over the "
            "rows kept)"
        )
    text = (
        f"{d.get('exact_copy', 0):,} exact copies (of rare training or holdout rows), "
        f"{d.get('similarity', 0):,} near copies and {d.get('outlier', 0):,} outliers dropped out of "
        f"{f.get('rows_in', 0):,} generated rows{whole}; "
        f"{f.get('resampled_rows', 0):,} rows generated in {f.get('rounds', 0)} top-up round(s)"
    )
    if f.get("shortfall"):
        text += f"; {f['shortfall']:,} rows short of the requested count"
    rate = f.get("thresholds", {}).get("exact_copy_rate") or 0.0
    if rate > 0:
        text += f"; copies of rare training rows kept as often as unseen real rows equal them ({rate:.1%})"
    unseen = f.get("thresholds", {}).get("unseen_copy_rate") or 0.0
    if unseen > 0:
        text += f"; copies of rare unseen (holdout) rows kept as often as training rows equal them ({unseen:.1%})"
    return text + _reshaped(f.get("shift"))


def _reshaped(shift: dict[str, Any] | None) -> str:
    """The columns whose published shares the filters moved away from the generated rows' (they
    dropped more of some kinds of row than of others: a users table whose model made booked users
    unlike any real one published 24% booked users of 43% generated, and the sentence gave counts only)."""
    moves = (shift or {}).get("columns") or []
    if not moves:
        return ""
    return "; the rows kept differ from the rows generated in " + "; ".join(phrase(m) for m in moves)


def _protection_rows(protections: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for key, v in protections.items():
        if isinstance(v, dict) and "dropped" in v and "rows_in" in v:
            rows.append((f"{key} (privacy filters)", _filter_sentence(v)))
            rows.append((f"{key} settings", _shortened(v.get("settings", {}))))
        elif isinstance(v, dict):
            rows += [(f"{key}: {k}", _shortened(x)) for k, x in v.items() if k != "columns"]
        else:
            rows.append((key, _shortened(v)))
    return rows


def _per_column(protections: dict[str, Any]) -> str:
    """A table of per-column treatment when a protection (the engine's) lists its columns: the first
    ``FULL_COLUMNS`` rows in full, the others folded. Why: it stopped at 80 rows without a word, so
    920 columns of a 1,000-column table went unmentioned, and its 80 rows put the column cards
    2,300 px further down."""
    found = [v["columns"] for v in protections.values() if isinstance(v, dict) and isinstance(v.get("columns"), dict)]
    if not found:
        return ""
    rows = [_column_row(str(name), entry) for name, entry in found[0].items()]
    head = "<tr><th>Column</th><th>Kind</th><th>Model</th><th>Protection</th></tr>"
    table = f"<table>{head}{''.join(rows[:FULL_COLUMNS])}</table>"
    rest = folded(f"The other {len(rows) - FULL_COLUMNS:,} columns", head, rows[FULL_COLUMNS:])
    return f'<div class="card" style="margin-top:14px">{table}{rest}</div>'


# what became of a learned column after it was drawn, in the order the per-column table says it
_AFTERWARDS: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("computed_as", lambda rule: f"then recomputed in every row: {rule}"),  # age_to_book == age() ... from ...
    ("kept_near", lambda group: f"then kept {group}"),  # sent_at within -1..+1 days of its campaign's day (40 groups)
    ("drawn_first", lambda design: f"drawn first, {design}"),  # site x arm: each of 36 combinations in an equal share
    ("nulls_learned", lambda _: "where it is null: learned"),  # invoice_id null on the draft invoices
    ("years_of", lambda dates: f"its year part from {', '.join(map(str, dates))}"),  # ES-2023-... of the order date
    ("spells", lambda parts: f"spells {' and '.join(map(str, parts))}"),  # anna.meyer... beside Anna Meyer
    ("written_as", lambda example: f"written as text like {example}"),  # $1,234.57: a price kept as text
)


def _column_row(name: str, entry: Any) -> str:
    """One column's row of the per-column table: how the engine modelled it and its protection."""
    entry = entry if isinstance(entry, dict) else {"detail": entry}
    learned = entry.get("learned")
    how = "learned" if learned else "regenerated, not learned" if learned is False else ""
    if learned is False and "(not learned)" in str(entry.get("encoding", "")):
        how = str(entry["encoding"])  # a window rebuilt from its column: "sum(signups) OVER (ORDER BY day): ..."
    if learned and entry.get("encoding"):
        how = f"learned: {entry['encoding']}"  # e.g. "offset from ordered_at in days: exact values"
    if learned and entry.get("learned_with"):
        how += f"; with {entry['learned_with']}"  # "its year, weekday (hidden columns: ...)"
    how += "".join(f"; {words(entry[key])}" for key, words in _AFTERWARDS if entry.get(key))
    return (
        f"<tr><td>{escape(name)}</td><td>{escape(str(entry.get('kind', '')))}</td>"
        f"<td>{escape(how)}</td><td class='small'>"
        f"{escape(_value(entry.get('protection', {}))[:300])}</td></tr>"
    )


def protections(p: Privacy) -> str:
    """The protections table, then the per-column one. Why apart: an engine entry holding nothing
    but ``columns`` gives no row to the first, and the page said "No protections were reported"
    and left out the second, which named how every column was protected.

    Past ``SHOWN_PROTECTIONS`` rows the rest are folded, as the per-column table's are. Why: the
    table stopped at 40 rows without a word, so the 41st protection and after went unmentioned."""
    rows, per_column = _protection_rows(p.protections), _per_column(p.protections)
    if not rows:
        return per_column or '<div class="card muted">No protections were reported for this run.</div>'
    cells = [f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in rows]
    head = "<tr><th>Protection</th><th>Effect</th></tr>"
    table = f"<table>{head}{''.join(cells[:SHOWN_PROTECTIONS])}</table>"
    rest = folded(f"The other {len(cells) - SHOWN_PROTECTIONS:,} protections", head, cells[SHOWN_PROTECTIONS:])
    return f'<div class="card">{table}{rest}</div>{per_column}'
