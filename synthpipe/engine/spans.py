"""Whole-number columns computed from two dates: length of stay, age at admission, tenure; and
durations computed as PostgreSQL's ``age()`` of two timestamps.

Why: ``los_days`` is ``discharged_at - admitted_at`` in days and ``age`` the calendar years from
``birth_date`` to ``admitted_at``, but the network draws each column on its own bins, so a third
of synthetic stays and three quarters of ages disagreed with their own dates (a third by more
than a year). Where a whole-number column equals such a span in every training row, it is
recomputed from the synthetic dates after they are final. A duration that is the plain
difference of two times is a sum (constraints.py); ``age(booked, first_active)`` is not: it counts
calendar months, staged as 30 days each, so it is a span of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from synthpipe.engine.frames import _DAY_NS as DAY_NS

PROBE_ROWS = 64  # a candidate is tried on this many rows before all of them


def _floor_of(unit_ns: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda start, end: np.floor((end - start) / unit_ns)


def _calendar_days(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return np.floor(end / DAY_NS) - np.floor(start / DAY_NS)


def _calendar_months(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole months from start to end, as PostgreSQL's age() counts them: a month is complete
    when the day of the month (and the clock) is reached again."""
    # microseconds: nanoseconds overflow past 2262 (a 9999-12-31 open end)
    s, e = (np.floor(v / 1_000).astype("int64").astype("datetime64[us]") for v in (start, end))
    months = (e.astype("datetime64[M]") - s.astype("datetime64[M]")).astype("int64")
    into_s = s - s.astype("datetime64[M]").astype("datetime64[us]")
    into_e = e - e.astype("datetime64[M]").astype("datetime64[us]")
    return (months - (into_e < into_s)).astype("float64")


def _calendar_years(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return np.floor(_calendar_months(start, end) / 12)


_MONTH_NS = 30 * DAY_NS  # an interval's month as a duration (synthpipe.sources, DuckDB's epoch())


def _interval_age(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """PostgreSQL's ``age(end, start)`` as the duration it is staged as, in ns: whole calendar
    months from the earlier time to the later (30 days each), then the days left, borrowing the
    earlier time's month length, then the clock; negative when ``end`` comes first.

    Why: ``age(date_first_booking, timestamp_first_active)`` drawn on its own bins was within 3
    days of its own dates in 5% of synthetic rows (real: every row); those rows lay far from every
    training row and the outlier filter dropped a third of them, booked users above all."""
    s, e = (np.floor(v / 1_000).astype("int64").astype("datetime64[us]") for v in (start, end))
    early, late = np.minimum(s, e), np.maximum(s, e)
    early_day, late_day = (t.astype("datetime64[D]") for t in (early, late))
    clock = (late - late_day) - (early - early_day)  # timedelta64[us]
    day_borrowed = clock < np.timedelta64(0, "us")
    clock = clock + day_borrowed * np.timedelta64(86_400_000_000, "us")
    early_month, late_month = (t.astype("datetime64[M]") for t in (early_day, late_day))
    days = (late_day - late_month).astype("int64") - (early_day - early_month).astype("int64") - day_borrowed
    month_borrowed = days < 0
    early_month_days = ((early_month + 1).astype("datetime64[D]") - early_month.astype("datetime64[D]")).astype("int64")
    days = days + month_borrowed * early_month_days
    months = (late_month - early_month).astype("int64") - month_borrowed
    age_ns = months * _MONTH_NS + days * DAY_NS + clock.astype("int64") * 1_000.0
    return np.where(e < s, -age_ns, age_ns).astype("float64")


SPANS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "calendar days": _calendar_days,  # date2 - date1, DATE_DIFF('day', ...)
    "days": _floor_of(DAY_NS),  # (end - start).days
    "weeks": _floor_of(7 * DAY_NS),
    "hours": _floor_of(3_600 * 10**9),
    "minutes": _floor_of(60 * 10**9),
    "seconds": _floor_of(10**9),
    "months": _calendar_months,
    "years": _calendar_years,  # age in whole years, birthdays counted
    "years of 365.25 days": lambda start, end: np.floor(np.floor((end - start) / DAY_NS) / 365.25),  # days // 365.25
}
DURATION_SPANS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "age() in 30-day months": _interval_age,  # PostgreSQL's age(end, start), DuckDB's age()
}


@dataclass(frozen=True)
class Span:
    """``result`` == the whole ``unit`` from ``start`` to ``end`` in every training row."""

    result: str
    start: str
    end: str
    unit: str

    def __str__(self) -> str:
        return f"{self.result} == {self.unit} from {self.start} to {self.end}"

    def to_json(self) -> list[str]:
        return [self.result, self.start, self.end, self.unit]

    @classmethod
    def from_json(cls, item: list[str]) -> Span:
        result, start, end, unit = (str(v) for v in item)
        if unit not in SPANS and unit not in DURATION_SPANS:
            raise ValueError(f"unknown span unit {unit!r}")
        return cls(result, start, end, unit)


def detect(
    times: Mapping[str, np.ndarray],
    numbers: Mapping[str, np.ndarray],
    min_rows: int,
    durations: Mapping[str, np.ndarray] | None = None,
) -> list[Span]:
    """For each whole-number column among ``numbers`` (and duration among ``durations``, in ns),
    the first span between two time columns (``times``, in ns) it equals in every row where all
    three are known."""
    found = []
    for results, units in ((numbers, SPANS), (durations or {}, DURATION_SPANS)):
        for result, values in results.items():
            span = _first_span(result, values, times, units, min_rows) if _whole(values) else None
            if span is not None:
                found.append(span)
    return found


def _whole(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size) and bool(np.all(finite == np.round(finite)))


def _first_span(
    result: str,
    values: np.ndarray,
    times: Mapping[str, np.ndarray],
    units: Mapping[str, Callable[[np.ndarray, np.ndarray], np.ndarray]],
    min_rows: int,
) -> Span | None:
    for start in times:
        for end in times:
            if start == end:
                continue
            for unit, span in units.items():
                if _equal(values, times[start], times[end], span, min_rows):
                    return Span(result, start, end, unit)
    return None


def _equal(
    values: np.ndarray, start: np.ndarray, end: np.ndarray, span: Callable[..., np.ndarray], min_rows: int
) -> bool:
    known = ~(np.isnan(values) | np.isnan(start) | np.isnan(end))
    if known.sum() < min_rows:
        return False
    rows = np.flatnonzero(known)
    for chosen in (rows[:PROBE_ROWS], rows):
        if not np.array_equal(span(start[chosen], end[chosen]), values[chosen]):
            return False
    return bool(np.ptp(values[rows]) > 0)


def recompute(values: dict[str, np.ndarray], spans: list[Span]) -> None:
    """Each span's column from its synthetic dates, where both are known (in place)."""
    for s in spans:
        start, end = values[s.start], values[s.end]
        known = ~(np.isnan(start) | np.isnan(end))
        values[s.result][known] = {**SPANS, **DURATION_SPANS}[s.unit](start[known], end[known])
