"""Columns that name the band a number falls in: an age group from the age, ``u74`` (no
earnings in 1974) from the earnings, a survey's year from the price index of that year.

Why: the network draws the label and the number each from its own distribution, so where a
band's edge falls inside one of the number's bins, 0.2-1.9% of synthetic rows put the number in
one band and the label in another (22% of BudgetItaly's rows named a year its price index does
not belong to). Where the label is a step function of the number in every training row (each
label holds one interval of the number, and each interval ``min_rows`` rows or more), the label
is set from the synthetic number once the numbers are final. The cut between two bands is the
roundest number between them (30 between ages 29 and 30), so it states the band's rule, not a
person's value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthpipe.engine.dependencies import Dependency

PROBE_ROWS = 512  # a candidate pair is tried on this many rows before all of them
MAX_CHANCE = 1e-6  # a label this likely to fall into bands by chance is not taken for one
ROUND_STEPS = (1.0, 0.5, 0.2)  # cuts are multiples of 10**k times one of these, coarsest first


@dataclass(frozen=True)
class Band:
    """``label``'s token is ``tokens[i]`` where ``number`` lies in ``[cuts[i - 1], cuts[i])``."""

    number: str
    label: str
    cuts: tuple[float, ...]
    tokens: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.label} is a band of {self.number}"

    def to_json(self) -> list[Any]:
        return [self.number, self.label, list(self.cuts), list(self.tokens)]

    @classmethod
    def from_json(cls, item: list[Any]) -> Band:
        number, label, cuts, tokens = item
        return cls(str(number), str(label), tuple(float(c) for c in cuts), tuple(int(t) for t in tokens))

    def label_tokens(self, numbers: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        """The label's tokens for ``numbers``; rows without a finite number keep ``drawn``."""
        finite = np.isfinite(numbers)
        band = np.searchsorted(np.asarray(self.cuts), np.where(finite, numbers, 0.0), side="right")
        return np.where(finite, np.asarray(self.tokens)[band], drawn).astype(drawn.dtype)


def detect(numbers: dict[str, np.ndarray], labels: dict[str, np.ndarray], min_rows: int) -> list[Band]:
    """Every (number, label) pair where the label's token is a step function of the number over
    the rows with a finite number, in two or more bands of ``min_rows`` rows each."""
    found = []
    probed = _Probed(list(labels.values()))
    for number, values in numbers.items():
        rows = np.flatnonzero(np.isfinite(values))
        if rows.size < 2 * min_rows:
            continue
        order = np.argsort(values[rows[:PROBE_ROWS]], kind="stable")
        may = _may_band(values[rows[:PROBE_ROWS]][order], probed.at(rows[:PROBE_ROWS])[:, order])
        ordered = rows[np.argsort(values[rows], kind="stable")]
        for (label, tokens), kept in zip(labels.items(), may, strict=True):
            if label == number or not kept:
                continue
            band = _band(number, label, values[ordered], tokens[ordered], min_rows)
            if band is not None:
                found.append(band)
    return found


class _Probed:
    """The labels' tokens on the rows a number is probed on; the last rows' kept (most numbers are
    probed on the same first rows, in their own order)."""

    def __init__(self, labels: list[np.ndarray]) -> None:
        self.labels = labels
        self.key = b""
        self.tokens: np.ndarray = np.zeros((len(labels), 0), dtype=np.int64)

    def at(self, rows: np.ndarray) -> np.ndarray:
        """(labels x rows) tokens."""
        if rows.tobytes() != self.key:
            self.key = rows.tobytes()
            self.tokens = np.stack([t[rows] for t in self.labels]) if self.labels else np.zeros((0, rows.size))
        return self.tokens


def _may_band(values: np.ndarray, tokens: np.ndarray) -> np.ndarray:
    """Per row of ``tokens`` (a label's tokens along the sorted ``values``), whether
    ``_band_starts`` finds bands: every label at once. Why: a 1,000-column table's 220,000 pairs,
    probed one by one, took 7 s; a label of a few tokens changes hundreds of times along a number
    it has nothing to do with."""
    change = tokens[:, 1:] != tokens[:, :-1]
    runs = change.sum(axis=1) + 1
    spread = tokens.max(axis=1, initial=0) - tokens.min(axis=1, initial=0) + 1  # tokens held, at most
    may = ~(change & (values[1:] == values[:-1])).any(axis=1) & (runs >= 2) & (runs <= spread)
    kept = np.flatnonzero(may)
    held = np.sort(tokens[kept], axis=1)
    may[kept] = (held[:, 1:] != held[:, :-1]).sum(axis=1) + 1 == runs[kept]  # no label comes back
    return may


def deferred_columns(found: Iterable[Band], dependencies: list[Dependency]) -> set[str]:
    """The labels and every column a dependency derives from them, directly or not: these are
    decoded once the labels are set."""
    deferred = {b.label for b in found}
    grew = True
    while grew:
        more = {d.dependent for d in dependencies if d.determinant in deferred} - deferred
        deferred |= more
        grew = bool(more)
    return deferred


def _band(number: str, label: str, values: np.ndarray, tokens: np.ndarray, min_rows: int) -> Band | None:
    """The bands of ``tokens`` along ``values`` (both sorted by value), or None."""
    starts = _band_starts(values, tokens)
    if starts is None:
        return None
    sizes = np.diff(np.r_[starts, values.size])
    if sizes.min() < min_rows or _chance(sizes) > MAX_CHANCE:
        return None
    cuts = tuple(_round_cut(float(values[s - 1]), float(values[s])) for s in starts[1:])
    return Band(number, label, cuts, tuple(int(t) for t in tokens[starts]))


def _band_starts(values: np.ndarray, tokens: np.ndarray) -> np.ndarray | None:
    """Where each label's run starts along the sorted values, or None when a value carries two
    labels, a label comes back after another, or there is one label only."""
    change = tokens[1:] != tokens[:-1]
    if np.any(change & (values[1:] == values[:-1])):
        return None
    starts = np.r_[0, np.flatnonzero(change) + 1]
    runs = tokens[starts]
    if runs.size < 2 or np.unique(runs).size != runs.size:
        return None
    return starts


def _chance(sizes: np.ndarray) -> float:
    """How likely labels of these counts, shuffled, fall into contiguous runs in some order."""
    log = math.lgamma(sizes.size + 1) + sum(math.lgamma(int(s) + 1) for s in sizes) - math.lgamma(int(sizes.sum()) + 1)
    return math.exp(log)


def _round_cut(below: float, above: float) -> float:
    """The roundest number in (below, above]: the coarsest multiple of 10**k, 5 * 10**(k-1) or
    2 * 10**(k-1) above ``below`` that does not pass ``above``."""
    exponent = math.floor(math.log10(max(abs(below), abs(above), above - below))) + 1
    for k in range(exponent, exponent - 40, -1):
        for step in ROUND_STEPS:
            size = step * 10.0**k
            decimals = max(0, 1 - k)
            cut = round((math.floor(below / size) + 1) * size, decimals)
            if below < cut <= above:
                return cut
    return above
