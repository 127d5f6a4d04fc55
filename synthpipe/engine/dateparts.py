"""Columns that are a calendar part of a date (its year, month, weekday, fiscal year) or the date
cut to its day, week or month.

Why: queries carry ``extract(year from order_date) as order_year`` (and its month, quarter,
weekday, a fiscal year starting in July) and ``date_trunc('month', signed_up_at)``, but the
network draws each column on its own bins, so in 30% of synthetic orders the month disagreed
with the order date and in 2.5% the year. Where a column equals such a part of one date or
timestamp in every training row with a date (but for a slip in a thousand), it is recomputed
from the synthetic date once the date is final; where the date is null it stays as drawn. The
part is still learned, so the columns drawn after it are conditioned on it as before; a weekday
or hour column moves the date onto its own value instead (``steered``), and a year column is
where the date is learned from (``year_start``, see codecs/offset.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from synthpipe.engine.frames import _DAY_NS as DAY_NS

PROBE_ROWS = 64  # a candidate is tried on this many rows before all of them
_HOUR_NS = 3_600 * 10**9
_MINUTE_NS = 60 * 10**9


def _days(ns: np.ndarray) -> np.ndarray:
    """Whole days since 1970 as datetime64[D] (days, not ns: a 9999-12-31 open end overflows ns)."""
    return np.floor(ns / DAY_NS).astype("int64").astype("datetime64[D]")


def _months(ns: np.ndarray) -> np.ndarray:
    """Months since January 1970."""
    return _days(ns).astype("datetime64[M]").astype("int64")


def _year(ns: np.ndarray) -> np.ndarray:
    return (_months(ns) // 12 + 1970).astype("float64")


def _shifted_year(months: int) -> Callable[[np.ndarray], np.ndarray]:
    """The year of the date ``months`` later: a fiscal year from July is the calendar year of the
    date six months on; a football season starting in August, that of the date six months back."""
    return lambda ns: ((_months(ns) + months) // 12 + 1970).astype("float64")


def _month(ns: np.ndarray) -> np.ndarray:
    return (_months(ns) % 12 + 1).astype("float64")


def _quarter(ns: np.ndarray) -> np.ndarray:
    return (_months(ns) % 12 // 3 + 1).astype("float64")


def _day(ns: np.ndarray) -> np.ndarray:
    days = _days(ns)
    return ((days - days.astype("datetime64[M]")).astype("int64") + 1).astype("float64")


def _day_of_year(ns: np.ndarray) -> np.ndarray:
    days = _days(ns)
    return ((days - days.astype("datetime64[Y]")).astype("int64") + 1).astype("float64")


def _monday_0(ns: np.ndarray) -> np.ndarray:
    return ((_days(ns).astype("int64") + 3) % 7).astype("float64")  # 1970-01-01 was a Thursday


def _iso_week(ns: np.ndarray) -> np.ndarray:
    """ISO 8601 week: weeks from Monday, week 1 holding the year's first Thursday."""
    days = _days(ns).astype("int64")
    thursday = days - (days + 3) % 7 + 3
    year_start = thursday.astype("datetime64[D]").astype("datetime64[Y]").astype("datetime64[D]").astype("int64")
    return ((thursday - year_start) // 7 + 1).astype("float64")


def _hour(ns: np.ndarray) -> np.ndarray:
    return np.floor(np.mod(ns, DAY_NS) / _HOUR_NS)


def _minute(ns: np.ndarray) -> np.ndarray:
    return np.floor(np.mod(ns, _HOUR_NS) / _MINUTE_NS)


def _year_month(ns: np.ndarray) -> np.ndarray:
    return _year(ns) * 100 + _month(ns)


def _date_key(ns: np.ndarray) -> np.ndarray:
    return _year(ns) * 10_000 + _month(ns) * 100 + _day(ns)


def _shift_name(months: int) -> str:
    return "year({})" if months == 0 else f"year({{}} {'+' if months > 0 else '-'} {abs(months)} months)"


# Year parts by their shift: ``year(date + m months)`` (a fiscal year from July: m = 6).
YEAR_SHIFTS = {_shift_name(m): m for m in sorted(range(-11, 12), key=lambda m: (abs(m), m < 0))}


# Each part's name reads as the formula with the date for ``{}``. The first part a column equals is
# kept, so a shifted year comes after the calendar one and the smallest shift first (a season from
# August to May fits six months back and seven alike).
PARTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "year({})": _year,
    "month({})": _month,
    "quarter({})": _quarter,
    "day({})": _day,
    "day_of_year({})": _day_of_year,
    "weekday({}) from Monday 0": _monday_0,  # pandas' dayofweek, Python's weekday()
    "weekday({}) from Monday 1": lambda ns: _monday_0(ns) + 1,  # ISO, PostgreSQL's and DuckDB's isodow
    "weekday({}) from Sunday 0": lambda ns: (_monday_0(ns) + 1) % 7,  # PostgreSQL's and DuckDB's dow
    "weekday({}) from Sunday 1": lambda ns: (_monday_0(ns) + 1) % 7 + 1,  # MySQL's and SQL Server's DAYOFWEEK
    "iso_week({})": _iso_week,
    "hour({})": _hour,
    "minute({})": _minute,
    "year({}) * 100 + month({})": _year_month,  # 202105, a period key
    "year({}) * 10000 + month({}) * 100 + day({})": _date_key,  # 20210521, a warehouse's date key
    **{name: _shifted_year(m) for name, m in YEAR_SHIFTS.items() if m},
}


def _month_start(months: np.ndarray) -> np.ndarray:
    """The first instant (ns) of each month since January 1970."""
    return months.astype("datetime64[M]").astype("datetime64[D]").astype("int64").astype("float64") * DAY_NS


# Dates and timestamps that are another one cut to its hour, day, week (from Monday), month,
# quarter or year: ``date_trunc('month', signed_up_at) as cohort_month``.
TRUNCATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "date_trunc('hour', {})": lambda ns: np.floor(ns / _HOUR_NS) * _HOUR_NS,
    "date_trunc('day', {})": lambda ns: np.floor(ns / DAY_NS) * DAY_NS,
    "date_trunc('week', {})": lambda ns: (np.floor(ns / DAY_NS) - _monday_0(ns)) * DAY_NS,
    "date_trunc('month', {})": lambda ns: _month_start(_months(ns)),
    "date_trunc('quarter', {})": lambda ns: _month_start(_months(ns) - _months(ns) % 3),
    "date_trunc('year', {})": lambda ns: _month_start(_months(ns) - _months(ns) % 12),
}
PARTS.update(TRUNCATIONS)

_MONTHS = np.array([dt.date(2001, m, 1).strftime("%B") for m in range(1, 13)])  # English, whatever the locale
_DAYS = np.array([dt.date(2001, 1, d).strftime("%A") for d in range(1, 8)])  # 2001-01-01 was a Monday


def _year_month_text(ns: np.ndarray) -> np.ndarray:
    months = _months(ns)
    return np.array([f"{1970 + m // 12:04d}-{m % 12 + 1:02d}" for m in months.tolist()], dtype=object)


# Text columns that are a part of a date: names of its month or weekday (DuckDB's monthname and
# dayname, strftime's %b and %a, Oracle's and PostgreSQL's upper-case MON and DY) and its month.
TEXT_PARTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "monthname({})": lambda ns: _MONTHS[_months(ns) % 12],
    "strftime({}, '%b')": lambda ns: _MONTHS.astype("<U3")[_months(ns) % 12],
    "to_char({}, 'MON')": lambda ns: np.char.upper(_MONTHS.astype("<U3"))[_months(ns) % 12],
    "dayname({})": lambda ns: _DAYS[_monday_0(ns).astype(np.int64)],
    "strftime({}, '%a')": lambda ns: _DAYS.astype("<U3")[_monday_0(ns).astype(np.int64)],
    "to_char({}, 'DY')": lambda ns: np.char.upper(_DAYS.astype("<U3"))[_monday_0(ns).astype(np.int64)],
    "strftime({}, '%Y-%m')": _year_month_text,
}
PARTS.update(TEXT_PARTS)
DAY_NAMES = {"dayname({})", "strftime({}, '%a')", "to_char({}, 'DY')"}  # weekday names: they steer the date
_A_WEEK_FROM_MONDAY = np.arange(7) * DAY_NS - 3 * DAY_NS  # 1969-12-29 was a Monday
_WEEKDAY_OF_NAME = {
    part: {str(n): float(i) for i, n in enumerate(PARTS[part](_A_WEEK_FROM_MONDAY))} for part in DAY_NAMES
}
NUMBER_PARTS = {name: f for name, f in PARTS.items() if name not in TRUNCATIONS and name not in TEXT_PARTS}


@dataclass(frozen=True)
class DatePart:
    """``result`` == the ``part`` of ``date`` in (all but a few of) the training rows with a date."""

    result: str
    date: str
    part: str

    def __str__(self) -> str:
        return f"{self.result} == {self.part.replace('{}', self.date)}"

    def to_json(self) -> list[str]:
        return [self.result, self.date, self.part]

    @classmethod
    def from_json(cls, item: list[str]) -> DatePart:
        result, date, part = (str(v) for v in item)
        if part not in PARTS:
            raise ValueError(f"unknown date part {part!r}")
        return cls(result, date, part)


# Weekday parts by what turns their value into a weekday from Monday 0: (value + shift) % 7.
WEEKDAY_SHIFTS = {
    "weekday({}) from Monday 0": 0,
    "weekday({}) from Monday 1": -1,
    "weekday({}) from Sunday 0": -1,
    "weekday({}) from Sunday 1": -2,
}
STEERING = (*WEEKDAY_SHIFTS, "hour({})", *DAY_NAMES)


def steered(ns: np.ndarray, drawn: np.ndarray, part: str) -> np.ndarray:
    """``ns`` moved onto the weekday (by -3..+3 days) or the hour (within its day) ``drawn`` for
    its row, where one was (``part``: one of ``STEERING``). Why: recomputed from a date binned a
    week wide or more, a weekday column lost its links: weekend orders, 69% by app in the real
    rows, were 50% by app, as many as on weekdays. The weekday drawn with the row's other
    columns keeps them."""
    if part in DAY_NAMES:  # a name drawn for the row: its weekday from Monday 0 (-1: none)
        index = _WEEKDAY_OF_NAME[part]
        drawn = np.array([index.get(str(v), np.nan) for v in drawn], dtype="float64")
        part = "weekday({}) from Monday 0"
    out = ns.copy()
    rows = ~(np.isnan(ns) | np.isnan(drawn))
    if part == "hour({})":
        hour = np.floor(np.mod(ns[rows], DAY_NS) / _HOUR_NS)
        target = np.clip(drawn[rows], 0, 23)
        out[rows] = ns[rows] + (target - hour) * _HOUR_NS
        return out
    target = np.mod(drawn[rows] + WEEKDAY_SHIFTS[part], 7)
    shift = np.mod(target - _monday_0(ns[rows]) + 3, 7) - 3
    out[rows] = ns[rows] + shift * DAY_NS
    return out


def year_start(part: str, years: np.ndarray) -> np.ndarray:
    """The first instant (local ns) whose ``part`` (one of ``YEAR_SHIFTS``) is each of ``years``:
    January 1st for a calendar year, July 1st of the year before for a fiscal year from July."""
    months = (years - 1970) * 12 - YEAR_SHIFTS[part]
    known = np.isfinite(months)
    out = np.full(years.shape, np.nan)
    first_days = months[known].astype("int64").astype("datetime64[M]").astype("datetime64[D]").astype("int64")
    out[known] = first_days.astype("float64") * DAY_NS
    return out


MIN_YEARS_SPANNED = 2  # a date's middle 98% spanning this many years may get a hidden year column
MIN_WEEKS_SPANNED = 4  # ... this many weeks, a hidden weekday column
MASS_SHARE = 0.05  # none for a date with a value this share of rows hold: a 9999-12-31 open end, a default day
ASSOCIATION_ROWS = 20_000  # rows a part is tested on against the other columns
MIN_ASSOCIATION = 0.05  # Cramér's V of the part with another column (and p < 1e-6): it goes with that column
# ... for a part set from an entity's date rather than drawn (never drawn, it costs the other columns
# nothing but a given input; a shop's December orders 1.3x larger than the others': V 0.033 with the amount)
SET_MIN_ASSOCIATION = 0.02
YEAR, MONTH, WEEKDAY, HOUR = "year({})", "month({})", "weekday({}) from Monday 0", "hour({})"
# With entities, the median step between an entity's dates for a hidden weekday (a move of up to 3
# days) or hour (within the day) to be steered onto: each step changes by a fraction of its length.
STEER_MIN_STEPS = {WEEKDAY: 14 * DAY_NS, HOUR: 2 * DAY_NS}
# Parts that tell a date's month: a column holding one is all a hidden month would be.
MONTH_PARTS = {
    "month({})",
    "year({}) * 100 + month({})",
    "year({}) * 10000 + month({}) * 100 + day({})",
    "monthname({})",
    "strftime({}, '%b')",
    "to_char({}, 'MON')",
    "strftime({}, '%Y-%m')",
}
_TELLING = {YEAR: _month, MONTH: _month, WEEKDAY: _monday_0, HOUR: _hour}  # what must go with another column


def _far_ends(distinct: np.ndarray) -> bool:
    """Whether the earliest or latest of the ``distinct`` dates (sorted) is further from the next
    one than the others spread: a 0001-01-01 "unknown" or a 9999-12-31 open end on a few rows, which
    the date's own codec keeps exact in a bin of its own (a drawn year and offset would not)."""
    if distinct.size < 3:
        return False
    first_apart = distinct[1] - distinct[0] > distinct[-1] - distinct[1]
    return bool(first_apart or distinct[-1] - distinct[-2] > distinct[-2] - distinct[0])


def hidden_parts(
    ns: np.ndarray,
    others: list[np.ndarray],
    candidates: tuple[str, ...],
    kept: tuple[str, ...] = (),
    least: float = MIN_ASSOCIATION,
) -> list[str]:
    """Which of ``candidates`` (``YEAR``, ``MONTH``, ``WEEKDAY``, ``HOUR``) the date ``ns`` should
    be learned with as hidden columns (learned, never emitted): those whose telling part (the month
    for the year and the month: the season; the weekday; the hour) goes with one of ``others``
    (codes per row, -1 for none) beyond chance, with a Cramér's V of ``least`` or more, for a date
    spanning years (the year), a year (the month) or weeks (the weekday), held by no mass of rows
    and with no far end.

    Why: binned over many years, a date's bins are months wide, and its weekday and clock time are
    drawn by the real shares, apart from the row's other columns. What goes with the season was
    smeared across its edges (ten years of orders: a winter product's share of March orders 0.21,
    real 0.10, December's mean spend 65, real 79), and weekend orders, 69% by app, came back 45%
    by app. A year column lets the date be learned within its year (codecs/offset.py), a weekday or
    hour column moves it onto the weekday and hour drawn with the row (``steered``), as the user's
    own would. Only where the part goes with another column (or is one of ``kept``, which the date
    would lose otherwise): on signup dates of no season the year cost booking's pair trends 0.003."""
    dated = ~np.isnan(ns)
    known = ns[dated]
    if known.size == 0:
        return []
    distinct, counts = np.unique(known, return_counts=True)
    if counts.max() > MASS_SHARE * known.size or _far_ends(distinct):
        return []
    low, high = np.quantile(known, [0.01, 0.99])
    if _on_few_days(distinct, counts):
        candidates = tuple(part for part in candidates if part == YEAR)
    spans = {
        YEAR: MIN_YEARS_SPANNED * 365.25 * DAY_NS,
        MONTH: 365.25 * DAY_NS,
        WEEKDAY: MIN_WEEKS_SPANNED * 7 * DAY_NS,
        HOUR: 0.0,
    }
    rows = _tested_rows(dated)
    codes = others if rows.size == ns.size else [other[rows] for other in others]  # every row dated: no copies
    return [
        part
        for part in candidates
        if high - low >= spans[part]
        and (part in kept or _goes_with(_TELLING[part](ns[rows]).astype(np.int64), codes, least))
    ]


_PART_RANGES = {WEEKDAY: (0, 6), MONTH: (1, 12), HOUR: (0, 23)}
_CYCLES = {WEEKDAY: 7 * DAY_NS, MONTH: 365.25 * DAY_NS, HOUR: DAY_NS}


def part_matched_by(unit: str) -> str | None:
    """The part a trend's rows may be put on by, from what a step of its clock moves it by: the weekday of a
    date a day a row, the month of one a month a row, the hour of one an hour (or a part of one) a row."""
    count_text, _, base = unit.rpartition(" ")
    count = int(count_text) if count_text.isdigit() else 1
    if base == "days" and count == 1:
        return WEEKDAY
    if base == "months" and count == 1:
        return MONTH
    return HOUR if base == "seconds" and 3600 % count == 0 else None


def matched_part(unit: str, ns: np.ndarray, others: list[np.ndarray]) -> str | None:
    """The part of a date that moves a day, a month or an hour a row of an entity (``part_matched_by``),
    where the date spans two of its cycles and the part goes with one of ``others`` (codes per row, -1 for
    none) beyond chance: the part the entity's rows are then drawn with and put on (``matched_slots``).
    Unlike ``hidden_parts``, for dates many rows share: a panel's days and months are the same in every
    entity."""
    part = part_matched_by(unit)
    known = ns[~np.isnan(ns)]
    if part is None or known.size == 0 or known.max() - known.min() < 2 * _CYCLES[part]:
        return None
    rows = _tested_rows(~np.isnan(ns))
    values = part_values(part, ns[rows]).astype(np.int64)
    return part if _goes_with(values, [other[rows] for other in others]) else None


def _tested_rows(dated: np.ndarray) -> np.ndarray:
    """The dated rows a part is tested on: ASSOCIATION_ROWS of them at most, evenly spread (as telling,
    and a wide table's fit is not held up)."""
    rows = np.flatnonzero(dated)
    if rows.size > ASSOCIATION_ROWS:
        rows = rows[np.linspace(0, rows.size - 1, ASSOCIATION_ROWS).astype(np.int64)]
    return rows


def part_range(part: str) -> tuple[int, int]:
    """The smallest and largest value of a matched part."""
    return _PART_RANGES[part]


UNEVEN_HOURS = 0.1  # the hours' total variation distance from 24 even shares: a clock window (shop hours)


def uneven_hours(ns: np.ndarray) -> bool:
    """Whether the date's clock keeps to some hours of the day more than others (a shop's opening
    hours, daytime activity) rather than spreading evenly over the day."""
    hours = _hour(ns[~np.isnan(ns)]).astype(np.int64)
    if np.unique(hours).size < 2:  # no clock times (dates), or one
        return False
    shares = np.bincount(hours, minlength=24) / hours.size
    return bool(0.5 * np.abs(shares - 1 / 24).sum() >= UNEVEN_HOURS)


FREQUENT_ROWS = 5  # a value this many rows hold is a frequent one (a match day)


def _on_few_days(distinct: np.ndarray, counts: np.ndarray) -> bool:
    """Whether most rows keep to frequent values (``distinct`` dates, sorted, held by ``counts``
    rows) on fewer than half the days spanned (match days): their weekday and clock are those
    values', and a date moved onto a drawn weekday or hour would leave them (a league's matches on
    real match days: 59% -> 39%)."""
    frequent = counts >= FREQUENT_ROWS
    days = (distinct[-1] - distinct[0]) / DAY_NS + 1
    return bool(counts[frequent].sum() >= 0.5 * counts.sum() and frequent.sum() < 0.5 * days)


def _goes_with(part: np.ndarray, others: list[np.ndarray], least: float = MIN_ASSOCIATION) -> bool:
    """Whether ``part`` (whole numbers from 0) goes with one of ``others`` (codes, -1 for none):
    Pearson's chi-square beyond chance (p < 1e-6) and Cramér's V of at least ``least``.
    Why both: on 20,000 rows a V of 0.02 is already significant, and on a few hundred rows a V of
    0.1 may be chance. Only the columns ``_maybe_associated`` lets through are tested one by one
    (a date of a 1,000-column table was tested against each of 666 columns, a minute in all)."""
    return any(_associated(part, others[j], least) for j in _maybe_associated(part, others, least))


def _associated(part: np.ndarray, codes: np.ndarray, least: float) -> bool:
    """``_goes_with`` for one column of codes: the exact test."""
    keep = codes >= 0
    width = int(codes.max()) + 1 if keep.any() else 1
    cells = np.bincount(part[keep] * width + codes[keep], minlength=(int(part.max()) + 1) * width)
    table = cells.reshape(-1, width).astype("float64")
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return False
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())  # Pearson's, as chi2_contingency's
    p_value = chi2.sf(statistic, (table.shape[0] - 1) * (table.shape[1] - 1))
    return bool(p_value < 1e-6 and np.sqrt(statistic / (table.sum() * (min(table.shape) - 1))) >= least)


ASSOCIATION_CELLS = 2_000_000  # codes (rows x columns) put in one contingency matrix at most
_SLACK = 1e-6  # relative: the prescreen's statistic, summed in another order, is never this far below the test's


def _maybe_associated(part: np.ndarray, others: list[np.ndarray], least: float) -> list[int]:
    """The indices of ``others`` that may go with ``part`` (``_associated``): the statistic of every
    column at once from one contingency matrix, raised by a slack that covers summing it in another
    order, so no column the exact test would pass is left out."""
    step = max(1, ASSOCIATION_CELLS // max(part.size, 1))
    out: list[int] = []
    for start in range(0, len(others), step):
        maybe = _maybe_associated_block(part, others[start : start + step], least)
        out += (start + np.flatnonzero(maybe)).tolist()
    return out


def _maybe_associated_block(part: np.ndarray, codes: list[np.ndarray], least: float) -> np.ndarray:
    """``_maybe_associated`` of one block of columns: per column, whether it may pass."""
    matrix = np.column_stack(codes)
    widths = np.maximum(matrix.max(axis=0), 0) + 1
    offsets = np.r_[0, np.cumsum(widths)[:-1]]
    keep = matrix >= 0
    keys = (part[:, None] * int(widths.sum()) + offsets + matrix)[keep]
    table = np.bincount(keys, minlength=(int(part.max()) + 1) * int(widths.sum())).reshape(-1, int(widths.sum()))
    rows = np.add.reduceat(table, offsets, axis=1).astype("float64")  # per part value and column
    columns = table.sum(axis=0).astype("float64")
    total = rows.sum(axis=0)
    owner = np.repeat(np.arange(len(codes)), widths)
    expected = rows[:, owner] * columns / np.maximum(total[owner], 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0)
    statistic = np.add.reduceat(terms, offsets, axis=1).sum(axis=0) * (1 + _SLACK) + _SLACK
    r, c = (rows > 0).sum(axis=0), np.add.reduceat((columns > 0).astype(np.int64), offsets)
    smaller = np.minimum(r, c)
    tested = smaller >= 2
    p_value = chi2.sf(statistic, np.where(tested, (r - 1) * (c - 1), 1))
    strength = np.sqrt(statistic / np.maximum(total * (smaller - 1), 1.0))
    return tested & (p_value < 1e-6) & (strength >= least)


def part_values(part: str, ns: np.ndarray) -> np.ndarray:
    """``part`` of each date (NaN where null)."""
    dated = ~np.isnan(ns)
    out = np.full(ns.shape, np.nan)
    out[dated] = PARTS[part](ns[dated])
    return out


def year_anchors(
    times: Mapping[str, np.ndarray], numbers: Mapping[str, np.ndarray], min_rows: int
) -> dict[str, DatePart]:
    """Per time column, the first whole-number column that is its (calendar or shifted) year (in the
    order the columns are found in, result by result)."""
    found: dict[str, DatePart] = {}
    for date, ns in times.items():
        for result, parts in _probe_hits(ns, numbers, list(YEAR_SHIFTS)).items():
            part = (
                _first_part(result, numbers[result], {date: (ns, parts)}, min_rows) if _whole(numbers[result]) else None
            )
            if part is not None:
                found[date] = part
                break
    results, dates = list(numbers), list(times)
    return dict(sorted(found.items(), key=lambda item: (results.index(item[1].result), dates.index(item[0]))))


def detect(times: Mapping[str, np.ndarray], numbers: Mapping[str, np.ndarray], min_rows: int) -> list[DatePart]:
    """For each whole-number column among ``numbers``, the first part of a time column
    (``times``: local wall-clock ns) it equals wherever both are known, all but
    ``MAX_MISMATCH_SHARE`` of them, and known wherever the date is; and each time column that is
    another one cut (``TRUNCATIONS``), from one that is none. Truncations come first: they are
    recomputed before the parts of their result."""
    hits = {date: _probe_hits(ns, numbers, list(NUMBER_PARTS)) for date, ns in times.items()}
    found = []
    for result, values in numbers.items():
        tried = {date: (times[date], of[result]) for date, of in hits.items() if result in of}
        part = _first_part(result, values, tried, min_rows) if tried and _whole(values) else None
        if part is not None:
            found.append(part)
    return _truncations(times, min_rows) + found


def detect_text(times: Mapping[str, np.ndarray], texts: Mapping[str, np.ndarray], min_rows: int) -> list[DatePart]:
    """For each text column among ``texts`` (object arrays, None for null), the first text part of
    a time column it equals wherever the date is known (all but ``MAX_MISMATCH_SHARE``)."""
    labels = {result: np.asarray(values, dtype=object) for result, values in texts.items()}
    hits = {date: _probe_hits(ns, labels, list(TEXT_PARTS)) for date, ns in times.items()}
    found = []
    for result, values in labels.items():
        tried = {date: (times[date], of[result]) for date, of in hits.items() if result in of}
        part = _first_text_part(result, values, tried, min_rows) if tried else None
        if part is not None:
            found.append(part)
    return found


def _first_text_part(
    result: str, values: np.ndarray, tried: Mapping[str, tuple[np.ndarray, list[str]]], min_rows: int
) -> DatePart | None:
    """``_first_part`` for labels: the date's rows must all hold one."""
    known = np.asarray(values != None, dtype=bool)  # noqa: E711  (elementwise on an object array)
    for date, (ns, parts) in tried.items():
        rows = np.flatnonzero(~np.isnan(ns))
        if rows.size < min_rows or not known[rows].all():
            continue
        part = next((p for p in parts if _equal(values, ns, rows, PARTS[p])), None)
        if part is not None:
            return DatePart(result, date, part)
    return None


def recompute_text(columns: dict[str, np.ndarray], numbers: Mapping[str, np.ndarray], parts: list[DatePart]) -> None:
    """Each text part's labels from its synthetic date where the date is known (in place)."""
    for p in parts:
        ns = numbers[p.date]
        known = ~np.isnan(ns)
        labels = np.asarray(columns[p.result], dtype=object).copy()
        labels[known] = PARTS[p.part](ns[known])
        columns[p.result] = labels


def _truncations(times: Mapping[str, np.ndarray], min_rows: int) -> list[DatePart]:
    """Each time column that is another one cut, from one that is not itself cut: none is
    recomputed from a column recomputed in turn (a day cut from a timestamp, a week from either)."""
    hits = {date: _probe_hits(ns, times, list(TRUNCATIONS)) for date, ns in times.items()}
    options = {result: _cuts_of(result, times, hits, min_rows) for result in times}
    cut = {result for result, parts in options.items() if parts}
    found = []
    for parts in options.values():
        sources = [p for p in parts if p.date not in cut]
        if sources:
            found.append(sources[0])
    return found


def _cuts_of(
    result: str, times: Mapping[str, np.ndarray], hits: Mapping[str, dict[str, list[str]]], min_rows: int
) -> list[DatePart]:
    """Each date (but ``result``) that ``result`` is cut from, the first cut each (``hits``: ``_probe_hits``)."""
    tried = [{date: (ns, hits[date][result])} for date, ns in times.items() if date != result and result in hits[date]]
    parts = (_first_part(result, times[result], one, min_rows) for one in tried)
    return [p for p in parts if p is not None]


MAX_MISMATCH_SHARE = 0.001  # a season's year is wrong on one match of 14,018 (a data-entry slip)


def _whole(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all(finite == np.round(finite)))


def _probe_hits(ns: np.ndarray, results: Mapping[str, np.ndarray], among: Sequence[str]) -> dict[str, list[str]]:
    """Per column of ``results`` (numbers, or labels as objects), the parts of ``among`` of the date
    ``ns`` it equals on the date's first ``PROBE_ROWS`` dated rows but for one at most, in order;
    columns that equal none are left out. ``_equal``'s first test, for every column and part at
    once: on a 1,000-column table the dates' parts were probed 2 million times one by one."""
    probe = np.flatnonzero(~np.isnan(ns))[:PROBE_ROWS]
    if not results or not among:
        return {}
    parts = np.stack([PARTS[p](ns[probe]) for p in among])
    values = np.stack([v[probe] for v in results.values()])
    if values.dtype == object or parts.dtype == object:  # labels: compared as text, None as 'None' (no part)
        parts, values = parts.astype(str), values.astype(str)
    close = (values[:, None, :] != parts[None, :, :]).sum(axis=2) <= 1
    return {
        name: [among[k] for k in np.flatnonzero(row).tolist()]
        for name, row in zip(results, close, strict=True)
        if row.any()
    }


def _first_part(
    result: str, values: np.ndarray, tried: Mapping[str, tuple[np.ndarray, list[str]]], min_rows: int
) -> DatePart | None:
    """The first part the column equals (``_equal``) of the first date of ``tried``, whose values it
    holds with the parts to try (in order: those its probe passed, ``_probe_hits``)."""
    for date, (ns, parts) in tried.items():
        dated = ~np.isnan(ns)
        rows = np.flatnonzero(dated)
        if rows.size < min_rows or np.isnan(values[rows]).any() or np.ptp(values[rows]) == 0:
            continue
        for part in parts:
            if _equal(values, ns, rows, PARTS[part]):
                return DatePart(result, date, part)
    return None


def _equal(values: np.ndarray, ns: np.ndarray, rows: np.ndarray, compute: Callable[[np.ndarray], np.ndarray]) -> bool:
    probe = rows[:PROBE_ROWS]
    if (compute(ns[probe]) != values[probe]).sum() > 1:
        return False
    return bool((compute(ns[rows]) != values[rows]).sum() <= MAX_MISMATCH_SHARE * rows.size)


def recompute(values: dict[str, np.ndarray], parts: list[DatePart]) -> None:
    """Each part's column from its synthetic date where the date is known (in place)."""
    for p in parts:
        ns = values[p.date]
        known = ~np.isnan(ns)
        values[p.result][known] = PARTS[p.part](ns[known])
