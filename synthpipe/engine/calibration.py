"""Output-bias corrections after training: a teacher-forced refit (on by default) and marginal
calibration from samples (off by default).

Most of the marginal drift measured on the benchmark datasets was in the heads themselves: their
predicted token shares, averaged over the real rows' contexts, were 1-3 points off the training
shares at the early-stopping epoch. ``refit_output_biases`` closes that gap with the rest of the
network frozen (median SDMetrics quality on /tmp/eval.py, seeds 0-2: hi 0.982 -> 0.989, booking
0.981 -> 0.987 (5 seeds, TSTR R² 0.300 -> 0.294, TRTR 0.303), movies 0.987 -> 0.991; diamonds
and cars unchanged).

Marginal calibration, why: the network learns every column as a conditional given the columns
before it; small errors in those conditionals add up, so a column late in the chain can drift from
its own distribution (e.g. a 92%-null rating column whose non-null categories came out 5 points off). After training,
the model is sampled, each column's token frequencies are compared with the training
frequencies, and the log ratio is added to that column's output biases, a few times (raking).
This changes only one bias per token and the marginals land on the training ones. Token
frequencies are aggregates (every token holds a bin of >= 25 rows or a category of >=
``rare_category_min_count`` rows), so nothing row-level is used.

Off by default (``calibrate_marginals``): the same tilt is applied in every context, so where the
drift comes from a few contexts it bends the others' conditionals. Measured (/tmp/eval.py, seeds
0-4): column shapes +0.005-0.007 on hi, movies and the booking features, but ML utility on the
booking features fell (TSTR R² median 0.300 -> 0.276, TRTR 0.303). A context-aware correction is
the open problem.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from synthpipe.engine.model import Network, one_hot, sample_tokens, softmax, token_shares

CALIBRATION_ROWS = 40_000  # rows sampled per pass: frequency noise ~ 1/sqrt(rows * share)
CALIBRATION_PASSES = 2
MAX_STEP = 1.0  # log-ratio clamp per pass: a token the model almost never emits is raised gradually


def calibrate(net: Network, codes: np.ndarray, seed: int) -> dict[str, float]:
    """Adjust ``net.b2`` in place; returns the largest total-variation gap before and after."""
    rows = int(min(CALIBRATION_ROWS, max(4 * codes.shape[0], 2_000)))
    rng = np.random.default_rng([seed, 0xCA11B])
    before, after = _rake(
        net,
        token_shares(codes, net.sizes),
        lambda: token_shares(sample_tokens(net, rows, rng), net.sizes),
        CALIBRATION_PASSES,
        lambda p, q: _significant(p, q, rows),
    )
    return {"max_tv_before": round(before, 5), "max_tv_after": round(after, 5), "rows": rows}


def _rake(
    net: Network,
    target: list[np.ndarray],
    measure: Callable[[], list[np.ndarray]],
    passes: int,
    trust: Callable[[np.ndarray, np.ndarray], np.ndarray | float],
) -> tuple[float, float]:
    """Add the (clamped, trusted share of the) log ratio target / measured to each head's output
    biases, ``passes`` times; returns the largest total-variation gap before and after."""
    gaps = []
    for step in range(passes + 1):
        measured = measure()
        gaps.append(max((_tv(p, q) for p, q in zip(target, measured, strict=True)), default=0.0))
        if step == passes:
            break
        for j, (p, q) in enumerate(zip(target, measured, strict=True)):
            shift = trust(p, q) * np.clip(np.log(p / np.maximum(q, 1e-12)), -MAX_STEP, MAX_STEP)
            net.b2[net.offsets[j] : net.offsets[j + 1]] += shift.astype(np.float32)
    return gaps[0], gaps[-1]


def _significant(p: np.ndarray, q: np.ndarray, rows: int) -> np.ndarray:
    """Per token, how much of the gap to trust: 0 when it is within sampling noise, -> 1 beyond.

    Why: a well-trained column's gaps are mostly the noise of the calibration sample itself;
    correcting those would add that noise to the model (shrinkage, as in James-Stein).
    """
    noise = q * (1 - q) / rows
    return np.clip(1 - noise / np.maximum((p - q) ** 2, 1e-300), 0.0, 1.0)


def _tv(p: np.ndarray, q: np.ndarray) -> float:
    return float(0.5 * np.abs(p - q).sum())


BIAS_REFIT_ITERATIONS = 4
BIAS_REFIT_CHUNK = 8192  # rows per forward pass: bounds the hidden activations' memory
BIAS_REFIT_CACHE_BYTES = 64 * 2**20  # the refit keeps the logits between passes up to this size


def refit_output_biases(net: Network, codes: np.ndarray) -> dict[str, float]:
    """Finish fitting the output biases on the training rows (teacher-forced), everything else frozen.

    Why: early stopping ends training while the biases still wobble with the minibatch noise; the
    heads' average predicted share of a token was measured 1-3 points off its training share
    (movies: 'Action' 1.4, 'r8' 3.0), and sampling inherits that drift. With the rest frozen, the
    likelihood is convex in the biases and its optimum is where each head's predicted shares,
    averaged over the real rows' contexts, equal the training shares; the fixed-point step
    ``b += log(share / predicted)`` reaches it in a few passes. Unlike sampled calibration, every
    context keeps its own conditional: only the bias the network already has is completed.
    """
    logits = _BiasFreeLogits(net, codes)
    before, after = _rake(
        net, token_shares(codes, net.sizes), logits.mean_predicted, BIAS_REFIT_ITERATIONS, _full_trust
    )
    return {"max_tv_before": round(before, 5), "max_tv_after": round(after, 5)}


def _full_trust(p: np.ndarray, q: np.ndarray) -> float:
    """Teacher-forced shares carry no sampling noise: the whole gap is real."""
    return 1.0


class _BiasFreeLogits:
    """The heads' logits on the training rows' real contexts, without the output biases.

    Why: the refit moves only the biases, so everything before them is the same in every pass;
    kept in memory (when it fits in BIAS_REFIT_CACHE_BYTES) it is computed once instead of once a
    pass, which was 40% of a 10-epoch fit on diamonds.
    """

    def __init__(self, net: Network, codes: np.ndarray) -> None:
        self.net, self.codes = net, codes
        self.starts = range(0, codes.shape[0], BIAS_REFIT_CHUNK)
        fits = codes.shape[0] * int(net.sizes.sum()) * 4 <= BIAS_REFIT_CACHE_BYTES
        self.cached = [self._chunk(start) for start in self.starts] if fits else None

    def _chunk(self, start: int) -> list[np.ndarray]:
        net, offsets, h = self.net, self.net.offsets, self.net.hidden
        hidden = np.maximum(one_hot(net, self.codes[start : start + BIAS_REFIT_CHUNK]) @ net.A + net.b1, 0.0)
        return [hidden[:, j * h : (j + 1) * h] @ net.W2[:, offsets[j] : offsets[j + 1]] for j in range(net.n_columns)]

    def mean_predicted(self) -> list[np.ndarray]:
        """Per column, the head's predicted token shares averaged over the rows' real contexts."""
        net, offsets = self.net, self.net.offsets
        sums = [np.zeros(int(k)) for k in net.sizes]
        for i, start in enumerate(self.starts):
            chunk = self.cached[i] if self.cached is not None else self._chunk(start)
            for j, logits in enumerate(chunk):
                sums[j] += softmax(logits + net.b2[offsets[j] : offsets[j + 1]]).sum(axis=0)
        return [s / max(self.codes.shape[0], 1) for s in sums]
