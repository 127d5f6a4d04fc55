"""Balanced designs: labels each combination of which the table holds equally often (a designed
experiment's replicates) come back with that many rows per combination, scaled to the rows asked for.

Why: the chain draws each row's labels on its own, so a combination's number of rows moves by
chance. cabbages (2 cultivars x 3 planting dates, 10 heads each) came back with 4 to 18 heads per
combination, iris (3 species of 50 flowers) with 43 to 61, coop (6 labs of 42 assays) with 29 to
53: no designed experiment looks like that, and a comparison of its groups no longer has the
design's power.

Found (``find``): among the first ``cells.MAX_CANDIDATES`` labels whose every token is one value,
those that split the rows at least as evenly as chance would half the time, then the combination
of up to ``MAX_COLUMNS`` of them with the most combinations whose rows split so evenly that rows
drawn at random over them would with a chance below ``e ** -MIN_SURPRISE`` divided by the number
of combinations of labels tried (chi-square's lower tail, at equal shares, where an even split is
likeliest), 2 rows or more a combination on average (one row each is ``cells``'): 100 men and 100
women may be chance (6%), 6 groups of 10 are not (0.007%). Not divided so, 12 labels of three
values drawn at random over 100,000 rows made a design of four of them; divided, none did in three
such tables, nor in 500 tables of 60 rows and 6 labels. The pipeline trains on a random 80% of the
rows, whose groups are uneven again: of 200 such splits of a lone label, 48 groups of 10 were found
a design in all, 12 groups of 10 in 16%, 6 groups of 10 in 2%.

Sampled (``Design.stream``): the labels head the chain, and a stream's rows take the real
combinations, each the same number of times (the rows asked for over the combinations, the
remainder one more for combinations chosen by the seed), in an order from the seed; the other
columns are drawn given them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from math import lgamma, log
from typing import Any

import numpy as np
from scipy.special import gammainc

from synthpipe.engine import cells

MAX_COLUMNS = 4  # labels a design crosses: a four-factor experiment
MIN_SURPRISE = 5.0  # -log of the chance that rows split at random split this evenly, over all the combinations tried
EVEN_ALONE = log(0.5)  # a design's label splits the rows at least as evenly as chance would half the time


@dataclass(frozen=True)
class Design:
    """Labels (in table order) and the combinations of their tokens the training rows hold (one
    row each, a column per label)."""

    labels: tuple[str, ...]
    combinations: np.ndarray  # (M, len(labels)) int32 tokens

    def __str__(self) -> str:
        return (
            f"{' x '.join(self.labels)}: each of {len(self.combinations)} combinations in an equal share of the rows "
            "(a balanced design)"
        )

    def stream(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` rows of label tokens: every combination ``n / M`` times, rounded down or up (the
        combinations rounded up chosen by ``rng``), in an order from ``rng``."""
        order = rng.permutation(len(self.combinations))
        counts = np.ones(len(self.combinations), dtype=np.int64)
        return self.combinations[order][cells.quota_tokens(counts, n, rng)]

    def to_json(self) -> dict[str, Any]:
        return {"labels": list(self.labels), "combinations": self.combinations.tolist()}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Design:
        labels = tuple(str(name) for name in item["labels"])
        combinations = np.asarray(item["combinations"], dtype=np.int64).reshape(-1, len(labels))
        return cls(labels, combinations.astype(np.int32))


def find(tokens: dict[str, np.ndarray], exact: dict[str, np.ndarray], min_rows: int) -> Design | None:
    """The table's design (module docstring), or None. ``tokens``: per candidate label in table
    order, its tokens; ``exact``: per label, which of its tokens stand for one value."""
    rows = next(iter(tokens.values())).size if tokens else 0
    if rows < max(min_rows, 4):
        return None
    names = [n for n in tokens if bool(exact[n][tokens[n]].all())][: cells.MAX_CANDIDATES]
    # a crossed design's factors split evenly too
    even = [n for n in names if _evenness(_counts(tokens[n])) <= EVEN_ALONE]
    tried = []
    for size in range(1, min(MAX_COLUMNS, len(even)) + 1):
        for columns in itertools.combinations(even, size):
            counts = _counts(cells.combined([tokens[c] for c in columns], [exact[c].size for c in columns]))
            tried.append((_evenness(counts), counts.size, columns))
    bound = -MIN_SURPRISE - log(max(len(tried), 1))  # any of the combinations tried may split evenly by chance
    found = [(combos, columns) for evenness, combos, columns in tried if evenness <= bound]
    if not found:
        return None
    columns = max(found, key=lambda item: item[0])[1]  # the most combinations; of those, the first tried
    held = np.column_stack([tokens[c] for c in columns])
    return Design(columns, np.unique(held, axis=0).astype(np.int32))


def _counts(codes: np.ndarray) -> np.ndarray:
    """How many rows hold each combination ``codes`` holds."""
    counts = np.bincount(codes) if codes.max(initial=0) < 4 * codes.size else np.unique(codes, return_counts=True)[1]
    return counts[counts > 0]


def _evenness(counts: np.ndarray) -> float:
    """The log of the chance that rows drawn at random over combinations held ``counts`` times, at
    equal shares (where an even split is likeliest), would split as evenly: an exact split's own
    chance, else chi-square's lower tail with each deviation half a row wider (100 and 100 then
    have the binomial's 6%); 0.0 where the combinations hold fewer than 2 rows each on average.
    Why not equal counts alone: the pipeline trains on 80% of the rows."""
    combos, rows = counts.size, int(counts.sum())
    mean = rows / max(combos, 1)
    if combos < 2 or mean < 2:
        return 0.0
    if counts.min() == counts.max():  # the multinomial's chance of this very split
        return lgamma(rows + 1) - combos * lgamma(counts[0] + 1) - rows * log(combos)
    spread = float(np.sum((np.abs(counts - mean) + 0.5) ** 2) / mean)
    chance = float(gammainc((combos - 1) / 2, spread / 2))  # chi-square's distribution function
    return float(np.log(chance)) if chance > 0 else -np.inf
