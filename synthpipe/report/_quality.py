"""Assemble the quality section from the individual metrics."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from synthpipe.report._arrays import N_BINS, Arrays
from synthpipe.report._columns import (
    CONTINUOUS_KINDS,
    NULL_TOKEN,
    Column,
    ColumnKind,
    infinities,
)
from synthpipe.report._fidelity import column_shape, compared_pairs, pair_trend, tv_complement
from synthpipe.report.model import (
    ColumnResult,
    Constraints,
    DeepStructure,
    Distribution,
    Heatmap,
    PairResult,
    Quality,
    Utility,
    averaged_pairs,
    grade_for,
)

WEIGHTS = {
    "column_shapes": 0.3,
    "column_pair_trends": 0.3,
    "deep_structure": 0.1,
    "ml_utility": 0.2,
    "logical_constraints": 0.1,
}
PLOT_CATEGORIES = 12
MAX_PAIRS = 2_000  # about 64 columns' worth of pairs; wider tables get a seeded sample
HEATMAP_COLUMNS = 40  # a wider matrix is unreadable and makes the page heavy
# as sdmetrics' QualityReport: pairs with no real dependency are trivially "kept" by any
# generator, so only associated pairs count (and a generator that drops dependencies shows)
MIN_CORRELATION = 0.5
MIN_ASSOCIATION = 0.3
_SKIP_NOTES = {
    ColumnKind.IDENTIFIER: "identifier (a key): regenerated or pseudonymised, not compared",
    ColumnKind.CONSTANT: "constant in the real data",
    ColumnKind.EMPTY: "all null in the real data",
}


def _fmt(x: float, col: Column) -> str:
    if col.kind is ColumnKind.DATETIME:
        return str(np.datetime64(int(x), "us").astype("datetime64[D]")) if np.isfinite(x) else ""
    if col.clock:
        return f"{int(x) // 3600:02d}:{int(x) % 3600 // 60:02d}"
    return f"{x:.3g}"


def _numeric_distribution(col: Column, real: pd.Series, syn: pd.Series) -> Distribution:
    """Histogram over 20 equal-width bins across the real values' bulk; the end bins hold the rest.

    The bulk is the 0.5 %–99.5 % quantile range, narrowed to 3 interquartile ranges beyond the
    quartiles: when more than 0.5 % of rows are absurd (ages of 2014, typed as a year), the quantile
    range alone squeezed every plausible value into the first bar. A smallest or largest value held
    by many rows far from the rest (a 9999-12-31 open end) is left out of the bulk and shows in its
    end bar.
    """
    r, s = col.values(real), col.values(syn)
    r, s = r[~np.isnan(r)], s[~np.isnan(s)]
    if len(r) == 0:
        return Distribution(labels=[], real=[], synthetic=[])
    lo, q1, q3, hi = np.quantile(_without_end_masses(r), [0.005, 0.25, 0.75, 0.995])
    if q3 > q1:
        lo, hi = max(lo, q1 - 3 * (q3 - q1)), min(hi, q3 + 3 * (q3 - q1))
    if lo == hi:
        lo, hi = r.min(), r.max() + 1
    edges = np.linspace(lo, hi, 2 * N_BINS + 1)
    hr = np.histogram(np.clip(r, lo, hi), edges)[0] / max(len(r), 1)
    hs = np.histogram(np.clip(s, lo, hi), edges)[0] / max(len(s), 1)
    labels = [_fmt(e, col) for e in edges[:-1]]
    return Distribution(labels=labels, real=hr.round(5).tolist(), synthetic=hs.round(5).tolist())


END_MASS_SHARE = 0.05


def _without_end_masses(values: np.ndarray) -> np.ndarray:
    """``values`` without their minimum or maximum where one holds 5%+ of them and lies further
    from the other values than those spread (a 9999-12-31 open end, not the zeros of a count)."""
    keep = np.ones(values.size, dtype=bool)
    for end in (values.min(), values.max()):
        at_end = values == end
        rest = values[~at_end]
        if at_end.mean() > END_MASS_SHARE and rest.size:
            lo, hi = np.quantile(rest, [0.005, 0.995])
            if min(abs(end - lo), abs(end - hi)) > hi - lo:
                keep &= ~at_end
    return values[keep] if keep.any() else values


def _categorical_distribution(col: Column, real: pd.Series, syn: pd.Series) -> Distribution:
    """Frequencies of the most common real categories; the rest pooled as "other", and so are
    categories fewer than SHOWN_MIN_ROWS real rows hold: the report is published beside the
    synthetic rows, and a card named one customer's tag (``["sku120"]``) with its share."""
    top = list(col.categories[: min(PLOT_CATEGORIES, col.shown)])
    rv, sv = pd.Series(col.labels(real)), pd.Series(col.labels(syn))
    pr = rv.value_counts(normalize=True).reindex(top, fill_value=0.0)
    ps = sv.value_counts(normalize=True).reindex(top, fill_value=0.0)
    labels = ["(null)" if c == NULL_TOKEN else c for c in top]
    real_f, syn_f = pr.tolist(), ps.tolist()
    if len(col.categories) > len(top):
        labels.append("(other)")
        real_f.append(max(0.0, 1 - sum(real_f)))
        syn_f.append(max(0.0, 1 - sum(syn_f)))
    return Distribution(
        labels=[short_label(x) for x in labels],
        real=[round(x, 5) for x in real_f],
        synthetic=[round(x, 5) for x in syn_f],
    )


LABEL_CHARS = 24  # what a card's bar label has room for


def short_label(value: object) -> str:
    """A category as a bar label of at most LABEL_CHARS: a longer one keeps its start and its end,
    which is where labels that share a start differ (``{"plan": "pro", "seats": 1}`` and ``... 2}``
    were cut to the same 24 characters)."""
    text = str(value)
    if len(text) <= LABEL_CHARS:
        return text
    tail = LABEL_CHARS // 3
    return f"{text[: LABEL_CHARS - tail - 1]}…{text[-tail:]}"


def _constant_distribution(col: Column, real: pd.Series, syn: pd.Series) -> Distribution:
    """Shares of the real constant (and null), and of anything else."""
    real_values, syn_values = pd.Series(col.labels(real)), pd.Series(col.labels(syn))
    kept = list(pd.unique(real_values))
    pr = real_values.value_counts(normalize=True).reindex(kept, fill_value=0.0)
    ps = syn_values.value_counts(normalize=True).reindex(kept, fill_value=0.0)
    return Distribution(
        labels=[*("(null)" if c == NULL_TOKEN else short_label(c) for c in kept), "(other)"],
        real=[*(round(float(x), 5) for x in pr), 0.0],
        synthetic=[*(round(float(x), 5) for x in ps), round(max(0.0, 1.0 - float(ps.sum())), 5)],
    )


def _word_distribution(real: pd.Series, syn: pd.Series) -> Distribution:
    """Shares of the texts that hold each of the words the most real texts hold."""
    held_real, held_syn = _texts_holding(real), _texts_holding(syn)
    top = held_real.index[:PLOT_CATEGORIES]
    return Distribution(
        labels=[short_label(w) for w in top],
        real=held_real.reindex(top, fill_value=0.0).round(5).tolist(),
        synthetic=held_syn.reindex(top, fill_value=0.0).round(5).tolist(),
    )


def _texts_holding(s: pd.Series) -> pd.Series:
    """Each word's share of the non-null texts that hold it, most held first."""
    text = s.dropna().astype(str)
    return text.str.split().map(set).explode().dropna().value_counts() / max(len(text), 1)


def column_results(
    columns: list[Column], real: pd.DataFrame, syn: pd.DataFrame, rv: Arrays, sv: Arrays
) -> list[ColumnResult]:
    """Per-column similarity, null shares and plot data."""
    return [_column_result(col, real[col.name], syn[col.name], rv, sv) for col in columns]


def _infinite_note(real: pd.Series) -> str:
    """Why a column with nothing to compare is not compared: all null; or how a column of only ±inf
    (and null) is compared instead.

    Why: a real column of only ±inf was called "all null in the real data" beside "nulls 0.0%" on
    its card; every metric reads infinities as null (``numeric_values``), but they are values."""
    infinite = int(infinities(real).sum())
    if not infinite:
        return _SKIP_NOTES[ColumnKind.EMPTY]
    rest = "" if infinite == len(real) else ", the rest null"
    return (
        f"only ±inf values in the real data ({infinite:,} of {len(real):,} rows{rest}): compared as "
        "+inf, -inf, null or another value"
    )


_INFINITY_LABELS = ("+inf", "-inf", "(null)", "(other)")


def _infinity_codes(s: pd.Series) -> np.ndarray:
    """Each value's index in ``_INFINITY_LABELS``: +inf, -inf (as floats, number objects or text such
    as "inf"), null, or any other value."""
    numbers = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.select([numbers == np.inf, numbers == -np.inf, s.isna().to_numpy(dtype=bool)], [0, 1, 2], default=3)


def _infinite_result(result: ColumnResult, real: pd.Series, syn: pd.Series) -> ColumnResult:
    """A real column of only ±inf (and null), scored as a constant column is: the TV complement of
    the shares of +inf, -inf, null and anything else. Why: left out, it counted for nothing, and a
    synthetic copy of nulls or of ordinary numbers in its place lost no point."""
    codes = _infinity_codes(real), _infinity_codes(syn)
    shares = [np.bincount(c, minlength=len(_INFINITY_LABELS)) / max(len(c), 1) for c in codes]
    held = [i for i in range(len(_INFINITY_LABELS)) if shares[0][i] or shares[1][i]]
    distribution = Distribution(
        labels=[_INFINITY_LABELS[i] for i in held],
        real=[round(float(shares[0][i]), 5) for i in held],
        synthetic=[round(float(shares[1][i]), 5) for i in held],
    )
    score = tv_complement(*codes, len(_INFINITY_LABELS))
    update = {"kind": "infinite", "score": score, "metric": "tv_complement", "distribution": distribution}
    return result.model_copy(update=update)


def _column_result(col: Column, r: pd.Series, s: pd.Series, rv: Arrays, sv: Arrays) -> ColumnResult:
    result = ColumnResult(
        name=col.name,
        kind=col.kind.value,
        score=None,
        metric=None,
        null_share_real=col.null_share(r),
        null_share_synthetic=col.null_share(s),
        note=_infinite_note(r) if col.kind is ColumnKind.EMPTY else _SKIP_NOTES.get(col.kind),
    )
    if col.kind is ColumnKind.EMPTY and infinities(r).any():
        return _infinite_result(result, r, s)
    if col.kind is ColumnKind.CONSTANT:
        update = {"score": column_shape(col, r, s, rv, sv), "metric": "tv_complement"}
        return result.model_copy(update={**update, "distribution": _constant_distribution(col, r, s)})
    if col.kind in _SKIP_NOTES:
        return result
    continuous = col.kind in CONTINUOUS_KINDS
    if col.prose:
        return result.model_copy(
            update={
                "kind": "text",
                "score": column_shape(col, r, s, rv, sv),
                "metric": "text_complement",
                "distribution": _word_distribution(r, s),
            }
        )
    dist = (_numeric_distribution if continuous else _categorical_distribution)(col, r, s)
    return result.model_copy(
        update={
            "score": column_shape(col, r, s, rv, sv),
            "metric": "ks_complement" if continuous else "tv_complement",
            "distribution": dist,
        }
    )


def _clean(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def _associated(metric: str, real: float) -> bool:
    if not np.isfinite(real):
        return False
    return abs(real) > (MIN_CORRELATION if metric == "correlation" else MIN_ASSOCIATION)


def _pair_score(pairs: list[PairResult]) -> float | None:
    counted = [p.score for p in pairs if p.counted]
    return _mean(counted) if counted else _mean([p.score for p in pairs])


def pair_results(columns: list[Column], rv: Arrays, sv: Arrays, seed: int = 0) -> list[PairResult]:
    """Dependency similarity of every pair of compared columns (a sample beyond MAX_PAIRS)."""
    return [_pair_result(a, b, rv, sv) for a, b in compared_pairs(columns, MAX_PAIRS, seed)]


def _pair_result(a: Column, b: Column, rv: Arrays, sv: Arrays) -> PairResult:
    score, r_real, r_syn, metric = pair_trend(a, b, rv, sv)
    return PairResult(
        columns=(a.name, b.name),
        metric=metric,  # type: ignore[arg-type]
        score=_clean(score),
        real=_clean(r_real),
        synthetic=_clean(r_syn),
        counted=_associated(metric, r_real),
    )


def heatmap(columns: list[Column], pairs: list[PairResult], rv: Arrays, sv: Arrays) -> Heatmap:
    """|r| or Cramér's V matrices of the compared columns (1 on the diagonal); of a wider table,
    of the HEATMAP_COLUMNS columns the least faithful pairs hold, every pair of them measured.

    Why: of a 1,000-column table the heatmaps showed its first 40 columns, and the pairs sampled
    (2,000 of 499,500) filled 6 of their 1,560 cells: two grey squares beside a table of the
    least faithful pairs, which lay elsewhere."""
    chosen = _heatmap_columns([c for c in columns if c.kind in (*CONTINUOUS_KINDS, ColumnKind.CATEGORICAL)], pairs)
    pos = {c.name: i for i, c in enumerate(chosen)}
    n = len(chosen)
    real: list[list[float | None]] = [[1.0 if i == j else None for j in range(n)] for i in range(n)]
    syn: list[list[float | None]] = [row.copy() for row in real]
    known = {p.columns: p for p in pairs}
    for a, b in itertools.combinations(chosen, 2):
        p = known.get((a.name, b.name)) or _pair_result(a, b, rv, sv)
        i, j = pos[a.name], pos[b.name]
        for mat, v in ((real, p.real), (syn, p.synthetic)):
            mat[i][j] = mat[j][i] = None if v is None else round(abs(v), 4)
    return Heatmap(columns=[c.name for c in chosen], real=real, synthetic=syn)


def _heatmap_columns(usable: list[Column], pairs: list[PairResult]) -> list[Column]:
    """All ``usable`` columns, or HEATMAP_COLUMNS of them: those of the least faithful pairs first
    (``averaged_pairs``), then the first in table order; in table order."""
    if len(usable) <= HEATMAP_COLUMNS:
        return usable
    named = dict.fromkeys(name for p in averaged_pairs(pairs) for name in p.columns)
    chosen = set(list({**named, **dict.fromkeys(c.name for c in usable)})[:HEATMAP_COLUMNS])
    return [c for c in usable if c.name in chosen]


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None and np.isfinite(v)]
    return float(np.mean(present)) if present else None


def overall(components: dict[str, float | None]) -> tuple[float | None, dict[str, float]]:
    """Weighted mean (0-100) of the components present, with the renormalised weights; None when
    none is (a query of keys only: a score of 0 had failed its quality gate as "Very poor")."""
    present = {k: v for k, v in components.items() if v is not None and np.isfinite(v)}
    if not present:
        return None, {}
    total = sum(WEIGHTS[k] for k in present)
    score = 100.0 * sum(WEIGHTS[k] / total * v for k, v in present.items())
    return float(np.clip(score, 0, 100)), {k: round(WEIGHTS[k] / total, 4) for k in present}


def quality_section(
    columns: list[ColumnResult],
    pairs: list[PairResult],
    structure: DeepStructure,
    util: Utility,
    cons: Constraints,
    heat: Heatmap,
) -> Quality:
    """Combine the metric results into the quality section with its headline score."""
    components = {
        "column_shapes": _mean([c.score for c in columns]),
        "column_pair_trends": _pair_score(pairs),
        "deep_structure": _clean(structure.score),
        "ml_utility": _clean(util.score),
        "logical_constraints": _clean(cons.score),
    }
    score, weights = overall(components)
    return Quality(
        score=None if score is None else round(score, 2),
        grade=grade_for(score),
        weights=weights,
        pairs_counted=sum(p.counted for p in pairs),
        columns=columns,
        pairs=pairs,
        heatmap=heat,
        structure=structure,
        utility=util,
        constraints=cons,
        **components,
    )
