"""A Gower-style row distance, used by the privacy metrics and the privacy filters.

Each row becomes a vector in which one column moves the distance by at most about 1:
numbers and dates by their rank among the real values (in [0, 1], interpolated between them;
robust to the outliers that would squash a min-max scale), a null flag of weight 1, and
categories one-hot scaled by 1/sqrt(2) so two different categories are exactly 1 apart.
Euclidean distance on these vectors orders neighbours like Gower's distance does and runs as a
matrix product, which is what lets the filters check every generated row. Identifier, constant
and empty columns carry no signal and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from synthpipe.report._columns import (
    CONTINUOUS_KINDS,
    Column,
    ColumnKind,
    align,
    describe_columns,
)

MAX_REFERENCE = 20_000  # real values kept per column to rank against
# Categories held by fewer than SHOWN_MIN_ROWS real rows share one slot with values no real row
# holds: the engine writes those as its rare token or a mask (``_RARE_``, ``03*``), so a synthetic
# row is as near a real row of a rare value as that row's neighbours are. Apart, every synthetic row
# of a table whose 15 line labels were each held by 4 rows was farther from all training rows than
# any holdout row, and the outlier filter dropped all 6,670 generated rows. Past MAX_ONE_HOT the
# rarer categories share it too: a copy check does not need them apart.
MAX_ONE_HOT = 20
_HALF_SQRT = np.sqrt(0.5)
_CHUNK = 10_000


@dataclass
class RowEncoder:
    """Fitted on real data; turns any frame with the same columns into distance vectors."""

    columns: list[Column]
    knots: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # per column: values, mid-ranks
    nullable: set[str] = field(default_factory=set)

    @classmethod
    def fit(cls, real: pd.DataFrame, columns: list[Column] | None = None) -> RowEncoder:
        """Learn the rank scale of each continuous column from ``real``."""
        columns = columns if columns is not None else describe_columns(real)
        enc = cls(columns=columns)
        rng = np.random.default_rng(0)
        for col in columns:
            if col.kind in CONTINUOUS_KINDS:
                v = col.values(real[col.name])
                if np.isnan(v).any():
                    enc.nullable.add(col.name)
                v = v[~np.isnan(v)]
                if len(v) > MAX_REFERENCE:
                    v = rng.choice(v, MAX_REFERENCE, replace=False)
                enc.knots[col.name] = rank_knots(v)
        return enc

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """``float32`` matrix, one row per frame row (half the memory and twice the speed of
        float64 in the neighbour search; :func:`nearest` recomputes the final distances)."""
        frame = align(frame, self.columns)
        encoded = [self._encode(col, frame[col.name]) for col in self.columns]
        parts = [p for p in encoded if p is not None]
        if not parts:
            return np.zeros((len(frame), 1))
        return np.hstack(parts).astype(np.float32)

    def _encode(self, col: Column, s: pd.Series) -> np.ndarray | None:
        if col.kind in CONTINUOUS_KINDS:
            return self._encode_number(col, s)
        if col.kind is ColumnKind.CATEGORICAL:
            k = min(col.shown, MAX_ONE_HOT)
            codes = np.minimum(col.codes(s), k)
            return np.eye(k + 1)[codes] * _HALF_SQRT
        return None

    def _encode_number(self, col: Column, s: pd.Series) -> np.ndarray:
        v = col.values(s)
        null = np.isnan(v)
        rank = continuous_ranks(self.knots[col.name], v)
        if col.name not in self.nullable:
            # no real row is null here: put a null a full unit away from every real value
            # instead of spending a flag dimension (the search cost grows with dimensions)
            return np.where(null, -1.0, rank)[:, None]
        return np.column_stack([np.where(null, 0.5, rank), null.astype(float)])


def rank_knots(real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The real values' distinct values and their mid-ranks in [0, 1] (ties, a spike at 0, on the
    middle of their run): fitted once, as the privacy filters transform every generated chunk."""
    if not len(real):
        return np.zeros(0), np.zeros(0)
    unique, first, counts = np.unique(np.sort(real), return_index=True, return_counts=True)
    return unique, (2 * first + counts) / (2.0 * len(real))


def continuous_ranks(knots: tuple[np.ndarray, np.ndarray], values: np.ndarray) -> np.ndarray:
    """Each value's place among the real values (``rank_knots``), in [0, 1]: a real value's
    mid-rank, a value between two real ones in proportion between theirs, a value beyond them all
    0 or 1.

    Why continuous: ranked by ``searchsorted`` alone, every value between two real ones took one
    rank, halfway between theirs, wherever it lay. Synthetic and holdout values between the same
    two training values then sat 0 apart while the training values sat half a step from both, so
    training rows looked far from everything: a fresh draw of the real generator, judged as if
    synthetic, got a membership-inference AUC of 0.34-0.36 and a DCR share of 0.46-0.49 on a
    6,000-order table (amount and channel).
    """
    unique, mid_ranks = knots
    if not len(unique):
        return np.zeros(len(values))
    return np.interp(values, unique, mid_ranks, left=0.0, right=1.0)


def nearest(
    reference: np.ndarray, query: np.ndarray, *, k: int = 1, n_jobs: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Distances and indices of the ``k`` nearest reference rows for each query row.

    The matrix-product shortcut loses precision near zero, so the distances of the neighbours
    found are recomputed exactly: an exact copy must measure 0, not 1e-7.
    """
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(reference))
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="euclidean", n_jobs=n_jobs)
    nn.fit(reference)
    _, idx = nn.kneighbors(query)
    dist = np.empty(idx.shape)
    for start in range(0, len(query), _CHUNK):
        block = slice(start, start + _CHUNK)
        diff = query[block, None, :] - reference[idx[block]]
        dist[block] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
    order = np.argsort(dist, axis=1, kind="stable")
    return np.take_along_axis(dist, order, axis=1), np.take_along_axis(idx, order, axis=1)
