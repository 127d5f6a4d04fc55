"""Logical relations ``a <= b`` (and ``a == b``, ``c == a + b``) that hold in every training row, found and kept.

Why repair after decoding instead of constraining the model: the model samples bins, and
two columns' bins never line up exactly, so a few synthetic rows land on the wrong side.
Swapping the two values in such a row keeps both marginals (the values still come from the
model) and fixes the row; a final pass in dependency order clamps whatever swapping left,
so every relation holds in every synthetic row where both sides are non-null. A column that is the
sum of two others in every row (gross = net + tax) is recomputed from them, before and after the
inequalities are mended, so the identity holds exactly. Two columns on
different grids (a date and the same event's timestamp, whole counts and amounts in cents) are
not swapped: the coarser side is clamped to the finer one, so the timestamp keeps its clock
time and the date becomes its day, instead of each taking the other's value.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from synthpipe.engine.frames import _DAY_NS as DAY_NS


@dataclass(frozen=True)
class Relation:
    """``left <= right`` (``left < right`` when ``strict``, ``left == right`` when ``equal``),
    by column name."""

    left: str
    right: str
    equal: bool = False
    strict: bool = False

    def __str__(self) -> str:
        return f"{self.left} {'==' if self.equal else '<' if self.strict else '<='} {self.right}"

    def to_json(self) -> list[object]:
        return [self.left, self.right, self.equal, self.strict]

    @classmethod
    def from_json(cls, item: list[Any]) -> Relation:
        """Artifacts before version 5 saved three fields (no ``strict``)."""
        left, right, equal, *strict = item
        return cls(str(left), str(right), bool(equal), bool(strict and strict[0]))


@dataclass(frozen=True)
class Sum:
    """``total == parts[0] + parts[1] (+ parts[2])`` in every training row where all are known,
    or, with a ``constant`` (``total`` then empty), parts that add up to it: shares of a whole
    (``detect_shares``).

    ``derived`` is the one column recomputed from the others: the last in the table, which the
    model draws given the others anyway (medecine before its parts prescrib and nonpresc:
    nonpresc = medecine - prescrib; recomputing the total instead cost DoctorAUS 0.06 of pair
    trends, as columns after it had been drawn given the overwritten value).
    """

    total: str
    parts: tuple[str, ...]
    derived: str
    constant: float | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.parts if self.constant is not None else (self.total, *self.parts)

    def __str__(self) -> str:
        if self.constant is not None:
            return f"{' + '.join(self.parts)} == {self.constant:g}"
        return f"{self.total} == {' + '.join(self.parts)}"

    def to_json(self) -> list[object]:
        return [self.total, list(self.parts), self.derived, *([self.constant] if self.constant is not None else [])]

    @classmethod
    def from_json(cls, item: list[Any]) -> Sum:
        """Also reads the two-part ``[total, first, second, derived]`` of older artifacts."""
        if len(item) == 4 and not isinstance(item[1], list):
            total, first, second, derived = item
            return cls(str(total), (str(first), str(second)), str(derived))
        total, parts, derived, *constant = item
        return cls(str(total), tuple(str(p) for p in parts), str(derived), *(float(c) for c in constant))


SUM_PROBE_ROWS = 64  # candidate sums are tried on this many rows before all of them
SUM_DOMAINS = ("number", "duration", "time")  # amounts, durations, and points in time moved by durations
SUM_TOLERANCE = 1e-12  # relative: float error on cents or on nanoseconds since 1970 is far below it
SUM_SLACK = 1e-9  # absolute, for sums near zero (see ``_sum_slack``)
MAX_THREE_PART_COLUMNS = 40  # three-part sums are looked for among at most this many amount columns


def detect_sums(views: Mapping[str, np.ndarray], domains: Mapping[str, str], min_rows: int) -> list[Sum]:
    """Columns that are the sum of two others (or of three amounts, ``total == net + tax +
    shipping``) in every row where all are known, then shares of a whole among the rest
    (``detect_shares``).

    Each pair is tried against every column on a few rows first, so a 70-column table costs
    ~2,400 small vector sums; triples only on tables with few amount columns. Columns with <= 2
    distinct values are left out (flags add up by coincidence), every part must vary (else it is
    an equality), and a column is the total or the derived column of at most one sum, so a sum
    implied by two others (paid == net + tax + shipping from gross == net + tax) is not added.
    """
    names = [n for n in views if domains[n] in SUM_DOMAINS and np.unique(views[n][np.isfinite(views[n])]).size > 2]
    if len(names) < 3:
        return detect_shares({n: views[n] for n in names if domains[n] == "number"}, min_rows)
    probe = np.column_stack([views[n][:SUM_PROBE_ROWS] for n in names])
    found: list[Sum] = []

    def consider(parts: tuple[int, ...], domain: str | None) -> None:
        if domain is None:
            return
        sums = probe[:, list(parts)].sum(axis=1)
        for k in _probe_matches(probe, sums, exclude=parts):
            total, derived = names[k], names[max(*parts, k)]
            taken = {n for s in found for n in (s.total, s.derived)} & {total, derived}
            part_names = tuple(names[i] for i in parts)
            if (
                not taken
                and domains[total] == domain
                and _is_sum([views[n] for n in part_names], views[total], min_rows)
            ):
                found.append(Sum(total, part_names, derived))

    window = _SumWindow(probe)
    for i in range(len(names)):
        later = [j for j in range(i + 1, len(names)) if _sum_domain(domains[names[i]], domains[names[j]]) is not None]
        for j in window.may_add_up(i, later):
            consider((i, j), _sum_domain(domains[names[i]], domains[names[j]]))
    amounts = [i for i, n in enumerate(names) if domains[n] == "number"]
    if len(amounts) <= MAX_THREE_PART_COLUMNS:
        for triple in itertools.combinations(amounts, 3):
            consider(triple, "number")
    taken = {n for s in found for n in s.columns}
    return found + detect_shares(
        {n: views[n] for i, n in enumerate(names) if i in amounts and n not in taken}, min_rows
    )


MAX_SHARE_COLUMNS = 24  # shares of a whole are looked for among at most this many amount columns
MAX_SHARES = 6  # of at most this many parts (five among more than 16 columns)
SHARE_TOLERANCE = 1e-6  # relative: five percentages of 8 decimals each (ggplot2's midwest) add up to 100 +- 1.7e-7


def detect_shares(views: Mapping[str, np.ndarray], min_rows: int) -> list[Sum]:
    """Amount columns whose sum is one constant in every row where all are known: shares of a
    whole (a budget's percentages adding up to 100, vote shares to 1, hours asleep and awake to
    24), as a ``Sum`` with that ``constant``, derived the largest of them (it takes the others'
    rounding); smallest sets first, a column in one set at most.

    Why: drawn each on its own bins, three shares of a household budget added up to 100 in 1.4%
    of synthetic rows (real: all of them), and the percentages of a county's population by race
    (ggplot2's midwest) in none."""
    names = list(views)[:MAX_SHARE_COLUMNS]
    probe = np.column_stack([views[n][:SUM_PROBE_ROWS] for n in names]) if names else np.zeros((0, 0))
    found: list[Sum] = []
    for size in range(2, MAX_SHARES + 1):
        if (size > 5 and len(names) > 16) or size > len(names):
            break
        taken = {names.index(n) for s in found for n in s.parts}
        for combo in _constant_probe_sums(probe, size):
            if taken & set(combo):
                continue
            parts = tuple(names[i] for i in combo)
            constant = _constant_sum([views[n] for n in parts], min_rows)
            if constant is not None:
                largest = max(parts, key=lambda n: float(np.nanmean(np.abs(views[n]))))
                found.append(Sum("", parts, largest, constant))
                taken |= set(combo)
    return found


def _constant_probe_sums(probe: np.ndarray, size: int) -> list[tuple[int, ...]]:
    """The sets of ``size`` probe columns whose known row sums (two rows at least) are one value."""
    combos = np.asarray(list(itertools.combinations(range(probe.shape[1]), size)), dtype=np.int64)
    out: list[tuple[int, ...]] = []
    for batch in np.array_split(combos, max(1, combos.shape[0] // 4096)):
        sums = probe[:, batch].sum(axis=2)  # rows x combos; NaN where a part is unknown
        known = np.isfinite(sums)
        with np.errstate(invalid="ignore"):
            high = np.where(known, sums, -np.inf).max(axis=0)
            low = np.where(known, sums, np.inf).min(axis=0)
            flat = (known.sum(axis=0) >= 2) & (high - low <= SHARE_TOLERANCE * np.abs(high)) & (high != 0)
        out += [tuple(int(i) for i in c) for c in batch[flat]]
    return out


def _constant_sum(parts: list[np.ndarray], min_rows: int) -> float | None:
    """The one value ``parts`` add up to in every row where all are known (at least ``min_rows``,
    each part varying), or None."""
    known = np.all([~np.isnan(p) for p in parts], axis=0)
    if known.sum() < min_rows or any(np.ptp(p[known]) == 0 for p in parts):
        return None
    sums = np.sum([p[known] for p in parts], axis=0)
    constant = float(np.median(sums))
    if constant == 0 or not np.allclose(sums, constant, rtol=SHARE_TOLERANCE, atol=0):
        return None
    return float(f"{constant:.12g}")


class _SumWindow:
    """Which pairs of probe columns may add up to a third (``_probe_matches``), for all pairs of a
    column at once: on one probe row where the pair's sum is known, a third column must be null
    or within the sum's tolerance (widened a little: the test's own rounding), and each row's values
    are sorted once, so that is a count. Why: a 1,000-column table's 55,000 pairs were each compared
    with every column on 64 rows, 12 s to find no sum."""

    def __init__(self, probe: np.ndarray) -> None:
        self.probe = probe
        self.known = [np.sort(row[~np.isnan(row)]) for row in probe]
        self.nulls = np.isnan(probe).sum(axis=1)

    def may_add_up(self, i: int, later: list[int]) -> list[int]:
        """Those of ``later`` (column indices) whose sum with column ``i`` some third column may be."""
        if not later:
            return []
        js = np.asarray(later)
        sums = self.probe[:, [i]] + self.probe[:, js]
        finite = np.isfinite(sums)
        known = finite.any(axis=0)  # else any column may hold the sum
        row = np.argmax(finite, axis=0)  # the first row with a known sum
        at = np.where(known, sums[row, np.arange(js.size)], 0.0)
        biggest = np.where(finite, np.abs(sums), 0.0).max(axis=0)
        slack = np.where(known, SUM_SLACK * np.minimum(1.0, biggest), SUM_SLACK)  # ``_sum_slack``
        reach = (slack + SUM_TOLERANCE * np.abs(at)) * (1 + 1e-6) + 1e-12 * np.abs(at)
        low, high = at - reach, at + reach
        held = np.zeros(js.size, dtype=np.int64)
        for r in np.unique(row):
            on = row == r
            values = self.known[r]
            held[on] = np.searchsorted(values, high[on], "right") - np.searchsorted(values, low[on], "left")
            held[on] += self.nulls[r]
        for own in (self.probe[row, i], self.probe[row, js]):  # the pair's own columns are no third
            held -= np.isnan(own) | ((low <= own) & (own <= high))
        return js[~known | (held > 0)].tolist()


def _sum_domain(first: str, second: str) -> str | None:
    """What adding the two columns gives: amounts, durations, or a point in time moved by a
    duration (ends_at = starts_at + duration); None when they do not add up."""
    if first == second and first in ("number", "duration"):
        return first
    return "time" if {first, second} == {"time", "duration"} else None


def _probe_matches(probe: np.ndarray, sums: np.ndarray, exclude: tuple[int, ...]) -> list[int]:
    unknown = np.isnan(probe) | np.isnan(sums)[:, None]
    close = np.isclose(probe, sums[:, None], rtol=SUM_TOLERANCE, atol=_sum_slack(sums)) | unknown
    hits = np.flatnonzero(close.all(axis=0))
    return [int(k) for k in hits if k not in exclude]


def _is_sum(parts: list[np.ndarray], total: np.ndarray, min_rows: int) -> bool:
    known = ~np.isnan(total)
    for part in parts:
        known &= ~np.isnan(part)
    if known.sum() < min_rows or any(np.ptp(part[known]) == 0 for part in parts):
        return False
    added = np.sum([part[known] for part in parts], axis=0)
    return bool(np.allclose(added, total[known], rtol=SUM_TOLERANCE, atol=_sum_slack(added)))


def _sum_slack(sums: np.ndarray) -> float:
    """The absolute slack of a sum near zero (parts that cancel leave their float rounding):
    ``SUM_SLACK``, but no more than that share of the sums' own size. A fixed 1e-9 took three
    columns of concentrations around 1e-20, 1e-100 and 1e-200 for ``c == a + b``: every value was
    within 1e-9 of every other."""
    finite = np.abs(sums[np.isfinite(sums)])
    return SUM_SLACK * min(1.0, float(finite.max())) if finite.size else SUM_SLACK


def detect(views: Mapping[str, np.ndarray], domains: Mapping[str, str], min_rows: int) -> list[Relation]:
    """Every non-trivial relation between columns of the same domain that no row breaks.

    Trivial ones (``max(a) <= min(b)``, implied by the columns' ranges), ones that fewer than
    ``min_rows`` rows put to the test, and 0/1-like columns are skipped: they add nothing, may
    hold by chance, and would clutter the report.
    """
    names = [n for n in views if np.unique(views[n][np.isfinite(views[n])]).size > 2]
    probe = np.column_stack([views[n][:RELATION_PROBE_ROWS] for n in names]) if names else np.zeros((0, 0))
    found: list[Relation] = []
    for i, a in enumerate(names):
        later = [j for j in range(i + 1, len(names)) if domains[names[j]] == domains[a]]
        crossed = (probe[:, [i]] > probe[:, later]).any(axis=0) & (probe[:, [i]] < probe[:, later]).any(axis=0)
        for j in np.asarray(later, dtype=np.int64)[~crossed].tolist():
            found.extend(_relations(a, names[j], views[a], views[names[j]], min_rows))
    return found


RELATION_PROBE_ROWS = 64  # a pair above and below each other on these rows holds no relation: not tried at length


def _relations(a: str, b: str, x: np.ndarray, y: np.ndarray, min_rows: int) -> list[Relation]:
    both = ~(np.isnan(x) | np.isnan(y))
    if both.sum() < min_rows:
        return []
    x, y = x[both], y[both]
    if np.array_equal(x, y):
        return [Relation(a, b, equal=True)]
    if np.all(x <= y) and _tested_rows(x, y) >= min_rows:
        return [Relation(a, b, strict=_strict(x, y))]
    if np.all(y <= x) and _tested_rows(y, x) >= min_rows:
        return [Relation(b, a, strict=_strict(y, x))]
    return []


STRICT_MIN_ROWS = 10  # rows at the smallest gap that show a gap of 0 was possible but never taken


def _strict(low: np.ndarray, high: np.ndarray) -> bool:
    """Whether ``low < high`` in every row, and the gaps come in steps whose smallest many rows
    take: a bound pair (low 40, high 41) or start and end years. Continuous gaps never repeat
    their smallest value, so strictness there is no evidence of a rule (and needs no repair).

    Why: raising the right side to the left's value made 1.3% of synthetic rows of a table with
    ``low < high`` in every real row hold ``low == high``.
    """
    gaps = high - low
    return bool(gaps.min() > 0 and np.count_nonzero(gaps == gaps.min()) >= STRICT_MIN_ROWS)


def _tested_rows(low: np.ndarray, high: np.ndarray) -> int:
    """Rows that could have broken ``low <= high``: their ``low`` exceeds the smallest ``high``.

    Why: a relation that only a handful of rows put to the test may hold by chance, and once
    found it is enforced on every synthetic row and listed in the report. Cars' miles per gallon
    (at most 46.6) "<=" horsepower (at least 46) was tested by 1 row; 14 relations in 11 of the
    sweep's 43 tables by 1-17 rows. None (``max(low) <= min(high)``): the ranges alone imply it.
    """
    return int((low > high.min()).sum())


Snap = Callable[[np.ndarray, bool], np.ndarray]  # values onto a calendar grid, up (True) or down
Sign = tuple[float | None, float | None]  # a column's real values are >= the first / <= the second (None: either)


def repair(
    values: dict[str, np.ndarray],
    relations: list[Relation],
    quanta: Mapping[str, float] | None = None,
    sums: list[Sum] | None = None,
    snaps: Mapping[str, Snap] | None = None,
    signs: Mapping[str, Sign] | None = None,
    fixed: Collection[str] = (),
) -> None:
    """Make every relation hold, in place; ``values`` are float arrays in comparable units.

    ``quanta`` gives a column's step (e.g. 1.0 for a whole-number column, 0.01 for cents):
    a value swapped in from a finer column is rounded back onto the column's own grid, and
    a clamped right side is rounded *up* onto its grid, so an integer column stays integral
    (it may be stored as float64 with NULLs yet be written back as int32) and the relation
    still holds. ``fixed`` columns are never moved where a relation pairs them with a column
    that is not (an entity's credit limit, which all its rows share: swapped with a balance in
    the entity's first row, it took the balance's value for every row, and 1.7% of a snapshot
    table's balances broke ``balance <= credit_limit``); the other side moves to them.
    """
    quanta, snaps, signs = quanta or {}, snaps or {}, signs or {}
    recompute_sums(values, sums or [], quanta, signs)
    order = [r for r in relations if not r.equal]
    pinned = [r for r in order if (r.left in fixed) != (r.right in fixed)]
    order = [r for r in order if r not in pinned]
    _move_to_fixed_sides(values, pinned, fixed, quanta, snaps)
    same_grid = [r for r in order if _grid(r.left, quanta, snaps) == _grid(r.right, quanta, snaps)]
    for rel in order:
        if rel not in same_grid:
            _clamp_coarser_side(values, rel, quanta, snaps)
    for _ in range(len(same_grid) + 1):
        if not _swap_pass(values, same_grid):
            break
    for name in {n for r in order for n in (r.left, r.right)} - set(fixed):
        values[name][:] = _onto_step(values[name], quanta.get(name))
    for rel in _topological(order):
        _raise_right_side(values, rel, quanta, snaps)
    _move_to_fixed_sides(values, pinned, fixed, quanta, snaps)  # last: the moves above may have undone one
    _copy_equalities(values, [r for r in relations if r.equal])
    recompute_sums(values, sums or [], quanta, signs)  # last: the identity is exact; a rare clamp may yield


def _move_to_fixed_sides(
    values: dict[str, np.ndarray],
    relations: list[Relation],
    fixed: Collection[str],
    quanta: Mapping[str, float],
    snaps: Mapping[str, Snap],
) -> None:
    """Where a relation with one fixed side breaks, the other side moves onto the fixed one's
    value (rounded onto its own grid in the direction that keeps the relation)."""
    for rel in relations:
        if rel.left in fixed:
            _raise_right_side(values, rel, quanta, snaps)
        else:
            _lower_left_side(values, rel, quanta, snaps)


def _grid(name: str, quanta: Mapping[str, float], snaps: Mapping[str, Snap]) -> tuple[float | None, str | None]:
    """What a column's values lie on: its step, or a calendar grid of its own."""
    return quanta.get(name), name if name in snaps else None


def _copy_equalities(values: dict[str, np.ndarray], equalities: list[Relation]) -> None:
    for rel in equalities:
        left, right = values[rel.left], values[rel.right]
        both = ~(np.isnan(left) | np.isnan(right))  # nulls stay where the model put them
        right[both] = left[both]


def recompute_sums(
    values: dict[str, np.ndarray], sums: list[Sum], quanta: Mapping[str, float], signs: Mapping[str, Sign]
) -> None:
    """Each sum's derived column from the others (where all are known), in dependency order. A
    null drawn for the derived column stays null: a total missing in 10% of rows whose parts were
    known came back in none.

    A derived part that would cross 0 where no real value did (fees = stay - rooms - board < 0)
    keeps its drawn value, and the total becomes the sum of the parts in those rows instead.
    """
    depth: dict[str, int] = {}
    for _ in range(len(sums) + 1):
        for s in sums:
            depth[s.derived] = max(depth.get(n, 0) for n in s.columns if n != s.derived) + 1
    for s in sorted(sums, key=lambda s: depth[s.derived]):
        if s.constant is not None:
            _recompute_shares(values, s, quanta, signs.get(s.derived, (None, None)))
            continue
        others = np.sum([values[n] for n in s.parts if n != s.derived], axis=0)
        value = others if s.derived == s.total else values[s.total] - others
        known = ~np.isnan(value) & ~np.isnan(values[s.derived])
        if s.derived != s.total:
            crossing = known & _crosses_sign(value, signs.get(s.derived, (None, None)))
            total = np.sum([values[n][crossing] for n in s.parts], axis=0)
            values[s.total][crossing] = _onto_step(total, quanta.get(s.total))
            known &= ~crossing
        values[s.derived][known] = _onto_step(value[known], quanta.get(s.derived))


def _recompute_shares(values: dict[str, np.ndarray], s: Sum, quanta: Mapping[str, float], sign: Sign) -> None:
    """Shares of a whole as drawn, scaled onto the whole, each rounded onto its step, and the
    derived one (the largest) what the others leave of it. Why scaled: the derived share alone
    took up the others' error, and the 0.5% of a midwest county that is neither white, black,
    Native American nor Asian came back as 1.5% on average, up to 30% (real: 7.5%)."""
    assert s.constant is not None
    others = [n for n in s.parts if n != s.derived]
    drawn = np.sum([values[n] for n in s.parts], axis=0)
    known = ~np.isnan(drawn) & (drawn != 0)
    for name in others:
        values[name][known] = _onto_step(values[name][known] * s.constant / drawn[known], quanta.get(name))
    left = s.constant - np.sum([values[n] for n in others], axis=0)
    known &= ~_crosses_sign(left, sign)  # the others' rounding past the whole: kept as scaled
    values[s.derived][known] = _onto_step(left[known], quanta.get(s.derived))


def _crosses_sign(value: np.ndarray, sign: Sign) -> np.ndarray:
    low, high = sign
    out = np.zeros(value.shape, dtype=bool)
    if low is not None:
        out |= value < low
    if high is not None:
        out |= value > high
    return out


def _clamp_coarser_side(
    values: dict[str, np.ndarray], rel: Relation, quanta: Mapping[str, float], snaps: Mapping[str, Snap]
) -> None:
    """Where ``left > right``, move the side on the coarser grid (a calendar grid is coarser than
    any step) onto the other side's value, rounded onto its own grid in the direction that keeps
    the relation."""
    left, right = values[rel.left], values[rel.right]
    bad = left > right
    if not bad.any():
        return
    if (rel.left in snaps, quanta.get(rel.left, 0.0)) <= (rel.right in snaps, quanta.get(rel.right, 0.0)):
        _raise_right_side(values, rel, quanta, snaps)
    elif rel.left in snaps:
        left[bad] = snaps[rel.left](right[bad], False)
    else:
        left[bad] = _onto_step(right[bad], quanta[rel.left], direction=-1)


def _raise_right_side(
    values: dict[str, np.ndarray], rel: Relation, quanta: Mapping[str, float], snaps: Mapping[str, Snap]
) -> None:
    """Where ``left > right``, the right side becomes the left's value, rounded up onto its own
    grid; a strict relation on a stepped right side takes the next step up where they tie."""
    _move_side(values, rel, quanta, snaps, up=True)


def _lower_left_side(
    values: dict[str, np.ndarray], rel: Relation, quanta: Mapping[str, float], snaps: Mapping[str, Snap]
) -> None:
    """``_raise_right_side`` the other way round: the left side becomes the right's value,
    rounded down onto its own grid (a step lower where a strict relation ties)."""
    _move_side(values, rel, quanta, snaps, up=False)


def _move_side(
    values: dict[str, np.ndarray], rel: Relation, quanta: Mapping[str, float], snaps: Mapping[str, Snap], up: bool
) -> None:
    """Where the relation breaks, its right side (``up``) or left side moves onto the other's
    value, rounded onto its own grid away from it; a time raised to a date keeps its own clock
    time on that day (orders drawn before the customer's sign-up day came back at midnight)."""
    name, other = (rel.right, rel.left) if up else (rel.left, rel.right)
    moved, target = values[name], values[other]
    step = quanta.get(name)
    strict = rel.strict and step and name not in snaps
    bad = values[rel.left] >= values[rel.right] if strict else values[rel.left] > values[rel.right]
    if name in snaps:
        moved[bad] = snaps[name](target[bad], up)
        return
    direction = 1 if up else -1
    placed = _onto_step(target[bad], step, direction=direction)
    if up and _on_days(quanta.get(other)) and not _on_days(step):
        placed = placed + np.mod(moved[bad] - placed, DAY_NS)
    if strict and step:
        tied = placed * direction <= target[bad] * direction
        placed = np.where(tied, _onto_step(placed + direction * step, step), placed)
    moved[bad] = placed


def _on_days(step: float | None) -> bool:
    """Whether a column's step is whole days (a date), in the nanoseconds dates are compared in."""
    return step is not None and step > 0 and step % DAY_NS == 0


def _onto_step(values: np.ndarray, step: float | None, direction: int = 0) -> np.ndarray:
    """``values`` on multiples of ``step``: the nearest (0), the one below (-1) or above (+1),
    without float noise such as 0.30000000000000004 for 30 cents; as they are without a step."""
    if not step:
        return values
    units = values / step
    units = np.round(units) if direction == 0 else np.floor(units + 1e-9) if direction < 0 else np.ceil(units - 1e-9)
    out = units * step
    return np.round(out, _places(step)) if step < 1 else out


def _places(step: float) -> int:
    """Decimal places that write ``step`` exactly: 2 for 0.05 and for 0.25 (one place rounded
    quarter hours onto tenths)."""
    return next((p for p in range(16) if abs(step * 10**p - round(step * 10**p)) <= 1e-9 * 10**p), 15)


def _swap_pass(values: dict[str, np.ndarray], relations: list[Relation]) -> bool:
    changed = False
    for rel in relations:
        left, right = values[rel.left], values[rel.right]
        bad = left > right
        if bad.any():
            left[bad], right[bad] = right[bad], left[bad].copy()
            changed = True
    return changed


def _topological(relations: list[Relation]) -> list[Relation]:
    """Relations ordered so a column is clamped only after everything below it is final."""
    depth: dict[str, int] = {}
    for _ in range(len(relations) + 1):
        for rel in relations:
            depth[rel.right] = max(depth.get(rel.right, 0), depth.get(rel.left, 0) + 1)
            depth.setdefault(rel.left, 0)
    return sorted(relations, key=lambda r: depth[r.right])


def violations(values: Mapping[str, np.ndarray], relations: list[Relation]) -> dict[str, float]:
    """Share of rows breaking each relation (rows with a null side do not count)."""
    out = {}
    for rel in relations:
        left, right = values[rel.left], values[rel.right]
        both = ~(np.isnan(left) | np.isnan(right))
        broken = (left != right) if rel.equal else (left >= right) if rel.strict else (left > right)
        out[str(rel)] = float((broken & both).sum() / max(both.sum(), 1))
    return out
