"""A date the rows of a label, or of a pair of labels, keep close together: a campaign's send days,
a season's round of matches.

Why: a date is learned in bins (about 22 days wide over two years), and a bin holds the days of
several groups; the network picks the group's bin, but the day inside it is drawn from the bin's
rows, whoever's they were. 40 campaigns, each sent over three days, came back with 38% of their
rows sent on another campaign's days (5-60 days off); Bundesliga's (Year, Round), whose matches fall
within 3 days of the round's day in 97% of real rows, in 31% of synthetic ones (a round's dates
spread with a median s.d. of 10.8 days).

What counts (``detect``): a binned date, and a label or a pair of labels (categories, or whole
numbers of few values, such as a season and its round), such that the date's offsets from its
group's centre (the median day of the group's rows) spread over at most ``MAX_SPREAD`` of the date's
own range (interquartile), with ``MIN_COVERED`` of the dated rows in groups of ``min_rows`` rows or
more. A pair is taken when no label alone qualifies or it halves the spread (``PAIR_GAIN``): a
season alone keeps its matches within months, a season's round within days. A date every group
holds exactly (each product's one launch day) is a dependency's (dependencies.py), not this.

Sampling (``keep``): a synthetic row's date keeps its clock time, and its day's offset from its
group's centre where that offset is as frequent, among the block's grouped rows of that clock time,
as among the real ones; past that (the share of draws at an offset above its real share), and
wherever no real row lies, its day is redrawn at an offset by the shares still missing. So the
offsets come back in their real shares, given the clock time (the frequent ones, ``clocks``: a
Friday's evening kick-off, a Saturday's afternoon one), and a draw the network put at a real offset
stays with the columns it was drawn with. Redrawn only where draws fell outside the 95% of real rows
nearest their centre, a league whose rounds moved some matches by up to three weeks kept draws
anywhere in those weeks (58% of synthetic matches within 3 days of their round's day, real 88%);
redrawn without regard to the clock, Friday's matches came back at Saturday's time. A redrawn date
then takes a time many rows hold on its new day, if it has one and the date is at none
(``NumericCodec.on_frequent_values_of_their_day``): Bundesliga's kick-off times changed with the
decades, and a round's day at another decade's time is a kick-off no match had. Synthetic matches
at a real kick-off: 79% before the groups (24% at one of their own round's), 69% with the redrawn
dates at their drawn times, 82% with those moved (80% at one of their own round's).
Groups no training row held, or fewer than ``min_rows`` did, keep their dates as drawn.

Privacy: a centre is the median day of ``min_rows`` or more rows (a day many rows share, as a
frequent value that comes back as itself); the offsets' shares run between quantiles with
``clip_rows`` rows beyond each (no single row's offset is an end of them), the rows beyond left out.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.frames import _DAY_NS

MAX_SPREAD = 0.01  # offsets' interquartile range within groups, as a share of the date's own
MIN_COVERED = 0.9  # share of the dated rows in groups of ``min_rows`` rows or more
PAIR_GAIN = 0.5  # a pair of labels is taken over one label alone when its spread is at most this share of it
MAX_PAIR_LABELS = 12  # labels (the table's first) tried in pairs: 66 pairs
MAX_KEY_VALUES = 1_000  # whole numbers of at most this many values may be a label (a season, a round)
NEAR_SHARE = 0.95  # the central share of real offsets the constraint's description gives the range of
CLOCK_TOLERANCE_NS = 1e6  # a clock time within a millisecond of a frequent one is it (float ns of dates)


@dataclass(frozen=True)
class DateGroup:
    """``date`` stays near its group's centre: ``keys[g]`` holds group g's label values (tokens of a
    category, whole numbers of a number: ``by_value``), ``centres[g]`` its median day (days since
    1970-01-01); ``shares[c][k]`` the share of real rows ``first + k`` days from their centre at
    clock time ``clocks[c]`` (ns into the day; the last row: any other time)."""

    date: str
    labels: tuple[str, ...]
    by_value: tuple[bool, ...]
    keys: tuple[tuple[float, ...], ...]
    centres: tuple[int, ...]
    first: int
    clocks: tuple[float, ...]
    shares: tuple[tuple[float, ...], ...]

    def __str__(self) -> str:
        low, high = self.near()
        return (
            f"{self.date} within {low:+d}..{high:+d} days of its {' x '.join(self.labels)}'s day "
            f"({len(self.keys)} groups)"
        )

    def near(self) -> tuple[int, int]:
        """The offsets (days) the central ``NEAR_SHARE`` of real rows lie within."""
        days = np.asarray(self.shares, dtype="float64").sum(axis=0)
        cumulative = np.cumsum(days) / days.sum()
        tail = (1 - NEAR_SHARE) / 2
        low, high = np.searchsorted(cumulative, [tail, 1 - tail], side="left")
        return self.first + int(low), self.first + int(min(high, days.size - 1))

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "labels": list(self.labels),
            "by_value": list(self.by_value),
            "keys": [list(k) for k in self.keys],
            "centres": list(self.centres),
            "first": self.first,
            "clocks": list(self.clocks),
            "shares": [list(row) for row in self.shares],
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> DateGroup:
        return cls(
            str(item["date"]),
            tuple(str(n) for n in item["labels"]),
            tuple(bool(b) for b in item["by_value"]),
            tuple(tuple(float(v) for v in k) for k in item["keys"]),
            tuple(int(c) for c in item["centres"]),
            int(item["first"]),
            tuple(float(v) for v in item["clocks"]),
            tuple(tuple(float(v) for v in row) for row in item["shares"]),
        )

    def well_formed(self) -> bool:
        """Whether the stored parts fit together (a tampered artifact may not)."""
        shapes = len(self.labels) == len(self.by_value) in (1, 2) and len(self.keys) == len(self.centres) >= 2
        keys = all(len(k) == len(self.labels) and all(np.isfinite(k)) for k in self.keys)
        rows = {len(row) for row in self.shares}
        shares = np.asarray(self.shares if len(rows) == 1 else [], dtype="float64")
        spread = shares.size >= 1 and bool(np.all(np.isfinite(shares) & (shares >= 0))) and shares.sum() > 0
        clocks = list(self.clocks) == sorted(set(self.clocks)) and all(0 <= c < _DAY_NS for c in self.clocks)
        fits = spread and clocks and len(self.shares) == len(self.clocks) + 1
        return shapes and keys and fits and len(set(self.keys)) == len(self.keys)

    @functools.cached_property
    def _lookup(self) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """Per label its sorted values, and the groups' codes (sorted) with each code's group."""
        table = np.asarray(self.keys, dtype="float64").reshape(len(self.keys), len(self.labels))
        levels = [np.unique(table[:, j]) for j in range(table.shape[1])]
        codes = _codes([np.searchsorted(lv, table[:, j]) for j, lv in enumerate(levels)], levels)
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
        code = _codes(ranks, levels)
        at = np.clip(np.searchsorted(codes, code), 0, codes.size - 1)
        found &= codes[at] == code
        return np.where(found, order[at], -1)

    def keep(self, values: np.ndarray, columns: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
        """``values`` (ns) with the days of grouped dates redrawn where their offsets from their
        centres are more frequent than real at their clock time (see the module's docstring);
        ``columns``: the rows' label values, as ``keys`` holds them."""
        group = self.groups_of(columns)
        grouped = np.flatnonzero((group >= 0) & np.isfinite(values))
        if not grouped.size:
            return values
        day = np.floor(values[grouped] / _DAY_NS)
        centre = np.asarray(self.centres, dtype="float64")[group[grouped]]
        shares = np.asarray(self.shares, dtype="float64")
        offset = day - centre - self.first
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
        out[at] = (centre[redrawn] + self.first + offset[redrawn]) * _DAY_NS + (values[at] - day[redrawn] * _DAY_NS)
        return out


def clock_slots(values: np.ndarray, clocks: tuple[float, ...]) -> np.ndarray:
    """Each value's clock time's place among ``clocks`` (ns into the day), ``len(clocks)`` for any other."""
    times = np.asarray(clocks, dtype="float64")
    clock = values - np.floor(values / _DAY_NS) * _DAY_NS
    at = np.clip(np.searchsorted(times, clock - CLOCK_TOLERANCE_NS), 0, max(times.size - 1, 0))
    hit = np.abs(times[at] - clock) <= CLOCK_TOLERANCE_NS if times.size else np.zeros(values.size, dtype=bool)
    return np.where(hit, at, times.size)


def _codes(ranks: list[np.ndarray], levels: list[np.ndarray]) -> np.ndarray:
    """One int64 code per row from each label's rank among its values."""
    return np.ravel_multi_index(tuple(r.astype(np.int64) for r in ranks), tuple(lv.size for lv in levels))


def whole_key_values(values: np.ndarray) -> bool:
    """Whether a number may be a group's label: whole numbers of at most ``MAX_KEY_VALUES`` values."""
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all(finite == np.rint(finite))) and np.unique(finite).size <= MAX_KEY_VALUES


def detect(
    dates: dict[str, tuple[np.ndarray, tuple[float, ...]]],
    labels: dict[str, tuple[np.ndarray, bool]],
    min_rows: int,
    clip_rows: int,
) -> list[DateGroup]:
    """Per date (ns, NaN where null; and its frequent clock times, ns into the day), the label or
    pair of ``labels`` (name: per-row values, and whether they are whole numbers rather than
    tokens) that keeps it closest, if one qualifies."""
    found = []
    for name, (values, clocks) in dates.items():
        day = np.floor(values / _DAY_NS)
        best = _best_group(day, labels, min_rows)
        if best is not None:
            slots = clock_slots(values, clocks)
            found.append(_fitted(name, day, slots, clocks, best, labels, (min_rows, clip_rows)))
    return found


def _best_group(day: np.ndarray, labels: dict[str, tuple[np.ndarray, bool]], min_rows: int) -> tuple[str, ...] | None:
    """The label, or pair of labels, whose groups keep ``day`` closest (see the module's docstring)."""
    present = np.isfinite(day)
    own = _iqr(day[present]) if present.sum() >= min_rows else 0.0
    if not own > 0:
        return None

    def spread(names: tuple[str, ...]) -> float:
        fit = _groups(day, [labels[n][0] for n in names], min_rows)
        if fit is None:
            return np.inf
        _, _, offsets, rows_in, groups = fit
        covered = rows_in.size / present.sum()
        qualifies = covered >= MIN_COVERED and groups >= 2 and np.any(offsets != 0)
        return _iqr(offsets) / own if qualifies else np.inf

    singles = {(n,): spread((n,)) for n in labels}
    pairs = {p: spread(p) for p in itertools.combinations(list(labels)[:MAX_PAIR_LABELS], 2)}
    single = min(singles, key=lambda k: singles[k], default=None)
    pair = min(pairs, key=lambda k: pairs[k], default=None)
    best_single = singles[single] if single is not None else np.inf
    if pair is not None and pairs[pair] <= MAX_SPREAD and pairs[pair] <= PAIR_GAIN * best_single:
        return pair
    return single if best_single <= MAX_SPREAD else None


def _groups(
    day: np.ndarray, columns: list[np.ndarray], min_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int] | None:
    """The groups of ``min_rows`` rows or more among the dated rows: a row of each (to read its key
    from) and their centres (lower median day), their rows' offsets from their centres and which
    rows those are, and how many groups there are. None where no row is both dated and labelled."""
    ok = np.isfinite(day)
    for column in columns:
        ok &= np.isfinite(column)
    if not ok.any():
        return None
    code = pd.MultiIndex.from_arrays([c[ok] for c in columns]).codes if len(columns) > 1 else None
    if code is None:
        group = pd.factorize(columns[0][ok])[0]
    else:
        group = pd.factorize(np.ravel_multi_index(tuple(code), tuple(int(c.max()) + 1 for c in code)))[0]
    days = day[ok]
    counts = np.bincount(group)
    order = np.lexsort((days, group))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    centres = days[order][starts + (counts - 1) // 2]
    big = counts >= min_rows
    in_big = big[group]
    offsets = days[in_big] - centres[group[in_big]]
    rows = np.flatnonzero(ok)
    firsts = rows[order[starts]]  # a row of each group, to read its key from
    return firsts[big], centres[big], offsets, rows[in_big], int(big.sum())


def _fitted(
    name: str,
    day: np.ndarray,
    slots: np.ndarray,
    clocks: tuple[float, ...],
    labels_of: tuple[str, ...],
    labels: dict[str, tuple[np.ndarray, bool]],
    rows: tuple[int, int],
) -> DateGroup:
    """The date group of ``name`` by ``labels_of``: its groups' keys and centres, and its offsets'
    shares per clock slot (``rows``: a group's fewest, and the rows beyond each end of the offsets)."""
    min_rows, clip_rows = rows
    columns = [labels[n][0] for n in labels_of]
    fit = _groups(day, columns, min_rows)
    assert fit is not None  # qualified in ``_best_group``
    firsts, centres, offsets, rows_in, _ = fit
    end = min(clip_rows / offsets.size, 0.5)
    low, high = np.quantile(offsets, [end, 1 - end], method="inverted_cdf")
    inside = (offsets >= low) & (offsets <= high)
    width = int(high - low) + 1
    cells = slots[rows_in][inside] * width + (offsets[inside] - low).astype(np.int64)
    counts = np.bincount(cells, minlength=(len(clocks) + 1) * width).reshape(len(clocks) + 1, width)
    return DateGroup(
        name,
        labels_of,
        tuple(labels[n][1] for n in labels_of),
        tuple(tuple(float(c[r]) for c in columns) for r in firsts),
        tuple(int(c) for c in centres),
        int(low),
        tuple(float(c) for c in clocks),
        tuple(tuple(float(v) / counts.sum() for v in row) for row in counts),
    )


def _iqr(values: np.ndarray) -> float:
    high, low = np.quantile(values, [0.75, 0.25])
    return float(high - low)
