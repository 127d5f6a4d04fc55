"""Cells: the labels a ``GROUP BY`` result holds one row per combination of come back with every
combination of their values in one row at most.

Why: ``SELECT language, country, device, count(*), avg(age) FROM users GROUP BY language,
country, device`` (217 rows, each combination once) came back with 28% of its synthetic rows on a
combination another row held: the chain draws each row on its own, and ``('en', 'US', 'Mac
Desktop')`` twice is no ``GROUP BY`` result.

Found (``find``): the fewest labels (2 to ``MAX_COLUMNS``, among the first ``MAX_CANDIDATES``
columns whose every token is one value: categories and exact numbers) whose combination no two
training rows share, where chance would have put ``MIN_CHANCE_PAIRS`` pairs of rows on one (their
shares multiplied: uniqueness where so many pairs are expected is no accident) and no label alone
is unique (that is a key). Rows holding a token that stands for several values (a rare category's)
take no part: merged, two real cells may be one token.

Sampled (``chosen``): the cells head the chain; a stream's rows take their cells first, drawn
from the model, a row that repeats an exact cell drawing its last labels again given the first
ones until it holds a cell of its own, and the other columns are drawn given them. The rows the
model puts on merged tokens keep them; rows the model finds none for take a cell no row holds
(chosen by their labels' shares). Asked for more rows than cells, the rest repeat one (warned).
Rows asked for on given cells (``Synthesizer.sample``'s ``calendar_values``: the privacy filters'
refill of a dropped row) take those cells.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# labels a cell combines: GROUP BY of up to six columns. Why six, not four: a GROUP BY of the demo's
# users by language, gender, signup method, app, device and channel (1,250 rows) was no cells at
# four, and its rows, drawn one by one, repeated combinations and failed the attack gate (AUC 0.30)
MAX_COLUMNS = 6
MAX_CANDIDATES = 12  # labels searched, in table order (GROUP BY keys lead a SELECT): 2,497 combinations at most
MIN_CHANCE_PAIRS = 5.0  # pairs of rows chance puts on one cell: none by accident has probability ~e**-5
MIN_EXACT_SHARE = 0.5  # of the rows, those whose labels all hold one value each
ROUNDS_PER_COLUMN = 8  # draws of a repeating row's last columns before one more column is drawn again
ROUNDS_AT_LAST = 64  # draws of a whole cell for the rows still repeating one, before they keep it
MAX_ROWS = 1_000_000  # rows a stream chooses cells for: past these, its rows draw their own
MAX_FREE = 1_000_000  # cells the labels make, at most, for the rows the model found none for to choose among


@dataclass(frozen=True)
class Stream:
    """A stream's cell tokens (a column per cell column) in the order its rows take them."""

    tokens: np.ndarray

    def part(self, start: int, stop: int) -> Stream:
        return Stream(self.tokens[start:stop])


def find(tokens: dict[str, np.ndarray], exact: dict[str, np.ndarray], min_rows: int) -> tuple[str, ...]:
    """The cell columns of a table (module docstring), in table order; () when it has none.
    ``tokens``: per candidate label in table order, its tokens; ``exact``: per label, which of its
    tokens stand for one value."""
    names = [n for n in tokens if _is_candidate(tokens[n], exact[n])][:MAX_CANDIDATES]
    held = {n: exact[n][tokens[n]] for n in names}  # rows whose value is exact
    chance = {n: _repeat_chance(tokens[n][held[n]]) for n in names}
    for size in range(2, min(MAX_COLUMNS, len(names)) + 1):
        found = []
        for columns in itertools.combinations(names, size):
            cells = Candidate(
                [tokens[c] for c in columns], [held[c] for c in columns], [exact[c].size for c in columns]
            )
            pairs = _unique(cells, float(np.prod([chance[c] for c in columns])), min_rows)
            if pairs:
                found.append((pairs, columns))
        if found:
            return max(found)[1]
    return ()


def _is_candidate(column: np.ndarray, exact: np.ndarray) -> bool:
    """A label of two exact values or more that some exact value holds twice (unique: a key)."""
    held = np.bincount(column, minlength=exact.size)[exact]
    return int((held > 0).sum()) >= 2 and bool((held >= 2).any())


@dataclass(frozen=True)
class Candidate:
    """Labels that may be a table's cells: per label its tokens, which rows hold an exact one, and
    its token count."""

    tokens: list[np.ndarray]
    exact_rows: list[np.ndarray]
    sizes: list[int]

    def repeat(self, rows: int) -> tuple[bool, int]:
        """Whether two of the first ``rows`` rows whose labels are all exact share a cell, and how
        many such rows there are."""
        whole = np.logical_and.reduce([held[:rows] for held in self.exact_rows])
        codes = combined([t[:rows][whole] for t in self.tokens], self.sizes)
        return np.unique(codes).size < codes.size, codes.size


def _unique(cells: Candidate, chance: float, min_rows: int) -> float:
    """The pairs of rows chance would put on one cell (``chance``: that two rows share one), where
    no two rows whose labels are all exact share one and those rows are ``MIN_EXACT_SHARE`` of
    the rows and ``min_rows`` at least; 0.0 where they are not cells. First on the fewest rows in
    which chance expects twice ``MIN_CHANCE_PAIRS`` pairs: most combinations repeat there (a
    100,000-row table of 15 labels took 15 s checked on every row)."""
    rows = cells.tokens[0].size
    pairs = rows * (rows - 1) / 2 * chance
    if pairs < MIN_CHANCE_PAIRS:
        return 0.0
    probe = int(min(rows, np.ceil(np.sqrt(4 * MIN_CHANCE_PAIRS / max(chance, 1e-300))) + 1))
    if probe < rows and cells.repeat(probe)[0]:
        return 0.0
    repeats, held = cells.repeat(rows)
    return pairs if not repeats and held >= max(min_rows, 2) and held >= MIN_EXACT_SHARE * rows else 0.0


def _repeat_chance(column: np.ndarray) -> float:
    """The chance that two rows drawn at random hold one value: its shares squared, summed."""
    shares = np.bincount(column) / max(column.size, 1)
    return float(shares @ shares)


def combined(columns: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """One int64 code per row for its tokens of several columns (``sizes``: tokens per column)."""
    code = np.zeros(columns[0].size if columns else 0, dtype=np.int64)
    for column, size in zip(columns, sizes, strict=True):
        code = code * size + column.astype(np.int64)
    return code


def chosen(
    draw: Callable[[int, np.ndarray], np.ndarray],
    n: int,
    exact: Sequence[np.ndarray],
    rng: np.random.Generator,
    allowed: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, int]:
    """``n`` rows of cell tokens (a column per cell column) and how many of them repeat an exact cell.
    ``draw(m, given)``: m rows of cell tokens from the model, their first columns ``given`` (m x j).
    A row whose exact cell an earlier row holds draws its last column again given the others,
    ``ROUNDS_PER_COLUMN`` times at most, then its last two, and so on: the first columns keep the
    model's shares (drawn anew as a whole, a language's rows went to the languages whose cells were
    not yet taken: ``'en'`` 0.34 of real cells, 0.26 of synthetic ones). Rows still repeating one
    take cells no row holds (``_free_cells``; ``allowed``: which cells the model may draw at all)."""
    sizes = [mask.size for mask in exact]
    rows = draw(n, np.zeros((n, 0), dtype=np.int32))
    clash = _clashing(rows, exact, sizes)
    for kept in range(len(sizes) - 1, -1, -1):
        for _ in range(ROUNDS_PER_COLUMN if kept else ROUNDS_AT_LAST):
            if not clash.any():
                return rows, 0
            rows[clash] = draw(int(clash.sum()), rows[clash, :kept])
            clash = _clashing(rows, exact, sizes)
    free = _free_cells(rows, clash, exact, rng, allowed)
    rows[np.flatnonzero(clash)[: len(free)]] = free
    return rows, int(clash.sum()) - len(free)


def _free_cells(
    rows: np.ndarray,
    clash: np.ndarray,
    exact: Sequence[np.ndarray],
    rng: np.random.Generator,
    allowed: Callable[[np.ndarray], np.ndarray] | None,
) -> np.ndarray:
    """For the rows ``clash`` marks, exact cells no other row holds (as many as there are, up to
    one a row), chosen in proportion to their labels' shares among ``rows``; none where the labels
    make more than ``MAX_FREE`` cells. Why: a crossed design holds every cell, and the model, drawing
    a whole cell 64 times, still missed a few (Titanic's 32: one twice; 10 regions x 40 products: 7)."""
    values = [np.flatnonzero(mask) for mask in exact]
    if not clash.any() or float(np.prod([v.size for v in values])) > MAX_FREE:
        return np.zeros((0, rows.shape[1]), dtype=rows.dtype)
    every = np.stack([axis.ravel() for axis in np.meshgrid(*values, indexing="ij")], axis=1)
    sizes = [mask.size for mask in exact]
    held = combined(list(rows[~clash].T), sizes)
    free = every[~np.isin(combined(list(every.T), sizes), held)]
    free = free[allowed(free)] if allowed is not None and len(free) else free
    if not len(free):
        return np.zeros((0, rows.shape[1]), dtype=rows.dtype)
    weights = np.prod(
        [np.bincount(rows[:, k], minlength=size)[free[:, k]] + 1.0 for k, size in enumerate(sizes)], axis=0
    )
    pick = rng.choice(len(free), size=min(int(clash.sum()), len(free)), replace=False, p=weights / weights.sum())
    return free[pick].astype(rows.dtype)


def _clashing(rows: np.ndarray, exact: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    """Rows whose cell is exact and held by an earlier row."""
    codes = combined(list(rows.T), sizes)
    firsts = np.zeros(codes.size, dtype=bool)
    firsts[np.unique(codes, return_index=True)[1]] = True
    return _all_exact(rows, exact) & ~firsts


def _all_exact(rows: np.ndarray, exact: Sequence[np.ndarray]) -> np.ndarray:
    return np.logical_and.reduce([mask[rows[:, k]] for k, mask in enumerate(exact)])


def quota_tokens(counts: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` tokens, each token's share of them its share of ``counts`` (largest remainders: a
    token's number of rows is its scaled count rounded down or up), in a random order."""
    total = counts.sum()
    if n <= 0 or total <= 0:
        return np.zeros(max(n, 0), dtype=np.int32)
    scaled = counts * (n / total)
    whole = np.floor(scaled).astype(np.int64)
    short = n - int(whole.sum())
    whole[np.argsort(-(scaled - whole), kind="stable")[:short]] += 1
    return rng.permutation(np.repeat(np.arange(counts.size, dtype=np.int32), whole))
