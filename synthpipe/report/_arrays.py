"""Frames turned into plain arrays once, so the metrics loop over numpy, not pandas.

For each compared column a frame gives: ``values`` (float, NaN for null) for numbers and dates,
and ``codes`` (small ints) for everything: categories by the real data's order, numbers by the
real data's ten equal-width bins, as sdmetrics does for its contingency tables (null is a bin of
its own there, so a generator that drops nulls is seen). Free text is coded by its length in words,
binned the same way: whether long texts go with a category is what a pair of it can show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthpipe.report._columns import CONTINUOUS_KINDS, Column, ColumnKind, word_counts

N_BINS = 10
MAX_CATEGORIES = 50  # larger contingency tables are all noise at the sample sizes used


@dataclass
class Arrays:
    """Numeric values and discrete codes per compared column of one frame."""

    n_rows: int
    values: dict[str, np.ndarray] = field(default_factory=dict)
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    n_codes: dict[str, int] = field(default_factory=dict)


def bin_edges(real: pd.DataFrame, columns: list[Column]) -> dict[str, np.ndarray]:
    """Ten equal-width bins per continuous column from the real values; outer edges open."""
    edges = {}
    for col in columns:
        if col.kind in CONTINUOUS_KINDS or col.prose:
            v = _binned_values(col, real[col.name])
            e = _equal_widths(v[~np.isnan(v)])
            e[0], e[-1] = -np.inf, np.inf
            edges[col.name] = e
    return edges


def _equal_widths(values: np.ndarray) -> np.ndarray:
    """``N_BINS`` + 1 equal-width edges over the values' range; where floats cannot tell the range
    into bins (1e18 + 1 ... 1e18 + 300, a numeric(19,0) column), the edges repeat (numpy refuses)."""
    try:
        return np.histogram_bin_edges(values, bins=N_BINS)
    except ValueError:
        return np.linspace(values.min(), values.max(), N_BINS + 1)


def to_arrays(frame: pd.DataFrame, columns: list[Column], edges: dict[str, np.ndarray]) -> Arrays:
    """Convert every compared column of ``frame`` (already aligned to ``columns``)."""
    out = Arrays(n_rows=len(frame))
    for col in columns:
        if col.kind in CONTINUOUS_KINDS or col.prose:
            v = _binned_values(col, frame[col.name])
            if not col.prose:
                out.values[col.name] = v
            # np.digitize sends NaN past the last edge: null becomes bin N_BINS + 1
            out.codes[col.name] = np.digitize(v, edges[col.name]).astype(np.int64)
            out.n_codes[col.name] = N_BINS + 2
        elif col.kind is ColumnKind.CATEGORICAL:
            codes = col.codes(frame[col.name])
            # categories beyond the most common ones (and unseen ones) share one "other" code
            out.codes[col.name] = np.minimum(codes, MAX_CATEGORIES)
            out.n_codes[col.name] = MAX_CATEGORIES + 1
    return out


def _binned_values(col: Column, s: pd.Series) -> np.ndarray:
    return word_counts(s) if col.prose else col.values(s)


def sample_rows(frame: pd.DataFrame, max_rows: int | None, seed: int) -> pd.DataFrame:
    """A seeded uniform sample of at most ``max_rows`` rows (the frame itself when smaller)."""
    if max_rows is None or len(frame) <= max_rows:
        return frame
    return frame.sample(n=max_rows, random_state=seed)
