"""Column shapes and column-pair trends: the two halves of sdmetrics' quality score.

They follow sdmetrics' definitions (KS complement / TV complement per column; correlation
similarity for number pairs, contingency similarity otherwise) so our numbers can be checked
against an independent judge. One deliberate difference: sdmetrics drops nulls, we keep them (as
the lowest value for KS, as a bin or category elsewhere), because a generator that loses the
null share of a column is not faithful; without nulls both agree. Free text, where sdmetrics would
compare categories no generator could match, is compared by its lengths and words (``text_shape``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from synthpipe.report._arrays import Arrays
from synthpipe.report._columns import CONTINUOUS_KINDS, Column, ColumnKind, word_counts, words

MIN_PAIR_ROWS = 10
TOP_WORDS = 100  # free text's word shares are compared over the real data's most used words, the rest pooled


def ks_complement(real: np.ndarray, syn: np.ndarray) -> float:
    """1 - the Kolmogorov-Smirnov statistic, with NaN placed below every value."""
    r = np.sort(np.where(np.isnan(real), -np.inf, real))
    s = np.sort(np.where(np.isnan(syn), -np.inf, syn))
    if len(r) == 0 or len(s) == 0:
        return float("nan")
    grid = np.concatenate([r, s])
    cdf_r = np.searchsorted(r, grid, side="right") / len(r)
    cdf_s = np.searchsorted(s, grid, side="right") / len(s)
    return float(1.0 - np.max(np.abs(cdf_r - cdf_s)))


def tv_complement(real_codes: np.ndarray, syn_codes: np.ndarray, n_codes: int) -> float:
    """1 - total variation distance between two category frequency vectors."""
    if len(real_codes) == 0 or len(syn_codes) == 0:
        return float("nan")
    p = np.bincount(real_codes, minlength=n_codes) / len(real_codes)
    q = np.bincount(syn_codes, minlength=n_codes) / len(syn_codes)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def column_shape(col: Column, real: pd.Series, syn: pd.Series, rv: Arrays, sv: Arrays) -> float:
    """Per-column distribution similarity in [0, 1]."""
    if col.kind in CONTINUOUS_KINDS:
        return ks_complement(rv.values[col.name], sv.values[col.name])
    if col.prose:
        return text_shape(real, syn)
    if col.kind is ColumnKind.CONSTANT:
        return constant_shape(col, real, syn)
    n = len(col.categories) + 1
    return tv_complement(col.codes(real), col.codes(syn), n)


def constant_shape(col: Column, real: pd.Series, syn: pd.Series) -> float:
    """A constant column's similarity in [0, 1]: the TV complement of its real value (and null, where
    real rows are null) and any other value. Why scored: a query of keys and constants scored
    quality 0 (nothing compared) and failed the quality gate, however faithful its copy; and a
    generator that lost the constant went unseen."""
    real_values, syn_values = col.labels(real), col.labels(syn)
    kept = pd.Index(pd.unique(real_values))
    codes = [np.where((c := kept.get_indexer(v)) < 0, len(kept), c) for v in (real_values, syn_values)]
    return tv_complement(codes[0], codes[1], len(kept) + 1)


def text_shape(real: pd.Series, syn: pd.Series) -> float:
    """Free text's similarity in [0, 1]: the mean of the KS complement of the lengths in words (null below
    every length) and the TV complement of the shares of the real data's TOP_WORDS most used words."""
    lengths = ks_complement(word_counts(real), word_counts(syn))
    real_words, syn_words = words(real), words(syn)
    if real_words.empty or syn_words.empty:
        return lengths if real_words.empty and syn_words.empty else 0.5 * lengths
    top = pd.Index(real_words.value_counts().index[:TOP_WORDS])
    codes = [np.where((c := top.get_indexer(w)) < 0, len(top), c) for w in (real_words, syn_words)]
    return 0.5 * (lengths + tv_complement(codes[0], codes[1], len(top) + 1))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation on rows where both are present; NaN when either is constant."""
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < MIN_PAIR_ROWS:
        return float("nan")
    x, y = a[ok], b[ok]
    sx, sy = x.std(), y.std()
    if sx == 0 or sy == 0:
        return float("nan")
    return float(np.mean((x - x.mean()) * (y - y.mean())) / (sx * sy))


def joint_frequencies(a: np.ndarray, b: np.ndarray, na: int, nb: int) -> np.ndarray:
    """The normalised ``na × nb`` contingency table of two code arrays."""
    table = np.bincount(a * nb + b, minlength=na * nb).reshape(na, nb).astype(float)
    return table / max(len(a), 1)


def cramers_v(freq: np.ndarray) -> float:
    """Cramér's V of a normalised contingency table (0 = independent, 1 = determined)."""
    freq = freq[freq.sum(axis=1) > 0][:, freq.sum(axis=0) > 0]
    k = min(freq.shape) - 1
    if k < 1:
        return float("nan")
    expected = np.outer(freq.sum(axis=1), freq.sum(axis=0))
    phi2 = float(((freq - expected) ** 2 / expected).sum())
    return float(np.sqrt(min(phi2 / k, 1.0)))


def pair_trend(a: Column, b: Column, rv: Arrays, sv: Arrays) -> tuple[float, float, float, str]:
    """(score, real association, synthetic association, metric) for one column pair.

    Two continuous columns compare Pearson correlations (``1 - |r_real - r_syn| / 2``); any
    other pair compares contingency tables (``1 - TV``), reporting Cramér's V as association.
    """
    if a.kind in CONTINUOUS_KINDS and b.kind in CONTINUOUS_KINDS:
        r_real = pearson(rv.values[a.name], rv.values[b.name])
        r_syn = pearson(sv.values[a.name], sv.values[b.name])
        if np.isnan(r_real):
            return float("nan"), r_real, r_syn, "correlation"
        r_syn_ = 0.0 if np.isnan(r_syn) else r_syn  # a constant synthetic column has no trend
        return 1.0 - abs(r_real - r_syn_) / 2.0, r_real, r_syn, "correlation"
    na, nb = rv.n_codes[a.name], rv.n_codes[b.name]
    f_real = joint_frequencies(rv.codes[a.name], rv.codes[b.name], na, nb)
    f_syn = joint_frequencies(sv.codes[a.name], sv.codes[b.name], na, nb)
    score = 1.0 - 0.5 * float(np.abs(f_real - f_syn).sum())
    return score, cramers_v(f_real), cramers_v(f_syn), "contingency"


def compared_pairs(columns: list[Column], max_pairs: int, seed: int) -> list[tuple[Column, Column]]:
    """Every unordered pair of compared columns, or a seeded sample of ``max_pairs`` of them.

    Pairs grow with the square of the width (500,000 at 1,000 columns); a uniform sample of
    pairs keeps the mean pair score unbiased at a bounded cost.
    """
    usable = [c for c in columns if c.kind in (*CONTINUOUS_KINDS, ColumnKind.CATEGORICAL)]
    pairs = list(itertools.combinations(usable, 2))
    if len(pairs) <= max_pairs:
        return pairs
    keep = np.sort(np.random.default_rng(seed).choice(len(pairs), max_pairs, replace=False))
    return [pairs[i] for i in keep]
