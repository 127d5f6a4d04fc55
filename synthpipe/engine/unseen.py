"""Pairs of values no training row holds although chance would have put many rows there: a
same-day shipment four days after its order, a diamond's carat beside a width it never has, a
film with ten thousand votes and no rating in some band.

Why: the network keeps a little probability on every token, so 0.2-1.3% of the rows of four
benchmark tables and 5.0% of an order-line table held a pair of tokens that no training row holds
although the two columns, drawn independently, would have put ``min_rows`` (20) rows or more
there; a zero where 20 are expected is no accident (Poisson: p < 1e-8). The later column of the
chain is drawn without the tokens the earlier one's token never came with (model.sample_tokens).
Only such pairs are ruled out: a rare pair the training rows miss by chance stays possible.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthpipe.engine.model import Exclusion

MAX_PAIRS = 256  # column pairs kept, most ruled-out rows first: each costs a mask look-up per drawn row
MAX_CELLS = 1_000_000  # tokens of the two columns multiplied: a larger pair's mask is not held


@dataclass(frozen=True)
class UnseenPairs:
    """``first`` (drawn earlier) never holds ``first_tokens[k]`` where ``second`` holds
    ``second_tokens[k]``, in any training row."""

    first: str
    second: str
    first_tokens: tuple[int, ...]
    second_tokens: tuple[int, ...]

    def __str__(self) -> str:
        n = len(self.first_tokens)
        return f"{self.first} x {self.second}: {n} pairing{'s' * (n != 1)} no real row holds, never drawn"

    def to_json(self) -> list[Any]:
        return [self.first, self.second, list(self.first_tokens), list(self.second_tokens)]

    @classmethod
    def from_json(cls, item: list[Any]) -> UnseenPairs:
        first, second, first_tokens, second_tokens = item
        return cls(str(first), str(second), tuple(int(t) for t in first_tokens), tuple(int(t) for t in second_tokens))

    def mask(self, n_first: int, n_second: int) -> np.ndarray:
        """Per token of ``first``, the tokens of ``second`` it rules out."""
        out = np.zeros((n_first, n_second), dtype=bool)
        out[list(self.first_tokens), list(self.second_tokens)] = True
        return out


def detect(
    tokens: dict[int, np.ndarray],
    names: dict[int, str],
    sizes: dict[int, int],
    min_rows: int,
    ruled: Collection[frozenset[str]] = (),
) -> list[UnseenPairs]:
    """Every pair of columns, in ``tokens``' order (the chain's), with token pairs no row holds
    where ``min_rows`` or more were expected; at most ``MAX_PAIRS``, those ruling out most first.
    ``ruled``: pairs of column names a stronger rule holds already (a dependency)."""
    order = list(tokens)
    most = {i: int(np.bincount(tokens[i].astype(np.int64), minlength=1).max(initial=0)) for i in order}
    found: list[tuple[float, UnseenPairs]] = []
    for pos, a in enumerate(order):
        later = [
            b
            for b in order[pos + 1 :]
            if sizes[a] * sizes[b] <= MAX_CELLS
            and most[a] * most[b] / max(tokens[a].size, 1) >= min_rows  # else no cell expects min_rows
            and frozenset((names[a], names[b])) not in ruled
        ]
        for b in _with_unseen_cells(tokens[a], sizes[a], [(tokens[b], sizes[b]) for b in later], min_rows, later):
            cells, expected = _unseen_cells(tokens[a], tokens[b], sizes[a], sizes[b], min_rows)
            if cells[0].size:
                pair = UnseenPairs(names[a], names[b], tuple(cells[0].tolist()), tuple(cells[1].tolist()))
                found.append((expected, pair))
    found.sort(key=lambda item: -item[0])
    return [pair for _, pair in found[:MAX_PAIRS]]


UNSEEN_CELLS = 2_000_000  # tokens (rows x columns) counted in one matrix at most


def _with_unseen_cells(
    a: np.ndarray, n_a: int, others: list[tuple[np.ndarray, int]], min_rows: int, keys: list[int]
) -> list[int]:
    """The ``keys`` of ``others`` (tokens, token count) with a cell ``_unseen_cells`` finds against
    ``a``: the pairs' counts all from one bincount per block of columns (the same counts and
    expectations, so the same cells). Why: a 1,000-column table's 500,000 pairs, counted one by
    one, took 20 s."""
    step = max(1, UNSEEN_CELLS // max(a.size, 1))
    out = []
    for start in range(0, len(others), step):
        block = others[start : start + step]
        held = _any_unseen(a, n_a, [t for t, _ in block], np.array([n for _, n in block], dtype=np.int64), min_rows)
        out += [keys[start + k] for k in np.flatnonzero(held)]
    return out


def _any_unseen(a: np.ndarray, n_a: int, others: list[np.ndarray], widths: np.ndarray, min_rows: int) -> np.ndarray:
    """Per column of ``others`` (tokens below ``widths``), whether ``_unseen_cells`` finds a cell."""
    if not others:
        return np.zeros(0, dtype=bool)
    offsets = np.r_[0, np.cumsum(widths)[:-1]]
    total = int(widths.sum())
    keys = a.astype(np.int64)[:, None] * total + offsets + np.column_stack(others)
    counts = np.bincount(keys.ravel(), minlength=n_a * total).reshape(n_a, total)
    expected = np.outer(np.bincount(a.astype(np.int64), minlength=n_a), counts.sum(axis=0)) / max(a.size, 1)
    unseen = ((counts == 0) & (expected >= min_rows)).any(axis=0)
    return np.add.reduceat(unseen.astype(np.int64), offsets) > 0


def _unseen_cells(
    a: np.ndarray, b: np.ndarray, n_a: int, n_b: int, min_rows: int
) -> tuple[tuple[np.ndarray, np.ndarray], float]:
    """The (a, b) token pairs no row holds and independence expects in ``min_rows`` rows or more,
    and the rows it expects there in all."""
    counts = np.bincount(a.astype(np.int64) * n_b + b, minlength=n_a * n_b).reshape(n_a, n_b)
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / max(a.size, 1)
    unseen = (counts == 0) & (expected >= min_rows)
    first, second = np.nonzero(unseen)
    return (first, second), float(expected[unseen].sum())


def exclusions(pairs: list[UnseenPairs], positions: dict[str, int], sizes: dict[str, int]) -> list[Exclusion]:
    """(earlier model column, later model column, token mask) for model.sample_tokens; a pair
    whose second column the chain draws first (cells and quotas head it) ruled out the other way."""
    out = []
    for p in pairs:
        if p.first in positions and p.second in positions:
            first, second, mask = positions[p.first], positions[p.second], p.mask(sizes[p.first], sizes[p.second])
            out.append((first, second, mask) if first < second else (second, first, np.ascontiguousarray(mask.T)))
    return out
