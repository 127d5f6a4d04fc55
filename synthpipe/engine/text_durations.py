"""Durations written as text in hours, minutes and seconds (``'47:15:24'``, ``'7:05:09'``,
``'0:03:12.250'``), in minutes and seconds (``'04:32'``, ``'75:10'``), or in unit words (``'1h 23m'``:
``worded_durations``).

Why: a call log or a timesheet exported to CSV keeps its durations as text. Clock times of a day
(``'07:05:09'``) are learned as times (``frames``), but a duration past a day (``'47:15:24'``), with
an hour of one digit or with fractions of a second was text: 2,000 durations were 2,000 labels, and
the synthetic column read ``'36:5*:**'``. A column whose every value is such a duration, in one
layout, is learned as a duration and written back in that layout.

Two fields are a clock's hours and minutes (``frames``) unless one value's first field is past a
day's hours: track lengths and lap times (``'04:32'``, ``'75:10'``) were labels, the rare ones masked
(``'06:3*'``). Such a column is read as minutes and seconds (a length of 36 hours would be written
``'36:00:00'`` as often), with hours written in front from an hour on where some value has them
(``'4:32'`` beside ``'1:05:10'``, as video sites write lengths).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from synthpipe.engine import worded_durations
from synthpipe.engine.number_formats import PROBE_ROWS, is_text_column, text_dtype_name

_LAYOUT = r"(?P<sign>-?)(?P<hours>\d+):(?P<minutes>[0-5]\d):(?P<seconds>[0-5]\d)(?:\.(?P<fraction>\d{1,9}))?"
_MINUTES_LAYOUT = r"(?P<sign>-?)(?:(?P<hours>\d+):)?(?P<minutes>\d+):(?P<seconds>[0-5]\d)(?:\.(?P<fraction>\d{1,9}))?"
_NS = {"hours": 3600 * 10**9, "minutes": 60 * 10**9, "seconds": 10**9}
MAX_HOUR_DIGITS = 6  # a hundred years of hours: past it the nanoseconds overflow int64
_DAY_HOURS = 24  # a first field past a day's hours is no clock's hour


@dataclass(frozen=True)
class DurationLayout:
    """``hour_digits``: the hours' least digits (1: ``'7:05:09'``, 2: ``'07:05:09'``);
    ``fraction_digits``: digits after the seconds' point (0: none); ``dtype``: the text column's;
    ``minutes_first``: two fields, minutes and seconds (``'75:10'``), ``hour_digits`` the minutes' then;
    ``with_hours``: of those, an hour or more written with its hours in front (``'1:05:10'``)."""

    hour_digits: int
    fraction_digits: int
    dtype: str = "object"
    minutes_first: bool = False
    with_hours: bool = False

    def durations(self, text: pd.Series) -> pd.Series:
        """The durations of a text column in this layout (NaT for nulls), to the nanosecond."""
        layout = _MINUTES_LAYOUT if self.minutes_first else _LAYOUT
        parts = text.astype(object).where(text.notna()).str.extract("^" + layout + "$")
        known = parts["minutes"].notna().to_numpy()
        given = parts[known].fillna({"hours": "0"})
        ns = sum(given[unit].astype("int64").to_numpy() * size for unit, size in _NS.items())
        ns = ns + given["fraction"].fillna("").str.ljust(9, "0").astype("int64").to_numpy()
        out = np.full(len(text), np.timedelta64("NaT"), dtype="timedelta64[ns]")
        out[known] = np.where(given["sign"] == "-", -ns, ns).astype("timedelta64[ns]")
        return pd.Series(out, index=text.index, name=text.name)

    def written(self, durations: pd.Series) -> pd.Series:
        """Durations as text in this layout (fractions cut to its digits), nulls kept."""
        known = durations.notna().to_numpy()
        out = pd.Series([None] * len(durations), index=durations.index, name=durations.name, dtype=object)
        out[known] = [self._text(int(ns)) for ns in durations[known].to_numpy(dtype="timedelta64[ns]").astype("int64")]
        return out.astype(pd.api.types.pandas_dtype(self.dtype))

    def _text(self, ns: int) -> str:
        sign, ns = ("-" if ns < 0 else ""), abs(ns)
        seconds, rest = divmod(ns, 10**9)
        if self.minutes_first and not (self.with_hours and seconds >= 3600):
            text = f"{sign}{seconds // 60:0{self.hour_digits}d}:{seconds % 60:02d}"
            return text + ("." + f"{rest:09d}"[: self.fraction_digits] if self.fraction_digits else "")
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        digits = 1 if self.minutes_first else self.hour_digits
        text = f"{sign}{hours:0{digits}d}:{minutes:02d}:{seconds:02d}"
        if self.fraction_digits:
            text += "." + f"{rest:09d}"[: self.fraction_digits]
        return text

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> DurationLayout:
        return cls(
            int(item["hour_digits"]),
            int(item["fraction_digits"]),
            str(item["dtype"]),
            bool(item.get("minutes_first", False)),
            bool(item.get("with_hours", False)),
        )

    def valid(self) -> bool:
        """Whether a saved layout is one ``detect`` can find (an artifact's, checked on load)."""
        return (
            1 <= self.hour_digits <= 2
            and 0 <= self.fraction_digits <= 9
            and text_dtype_name(self.dtype)
            and (self.minutes_first or not self.with_hours)
        )


Layout: TypeAlias = DurationLayout | worded_durations.WordedLayout  # how a column of durations as text writes them


def layout_from_json(item: dict[str, Any]) -> Layout:
    """A saved layout: a worded one holds its ``separator``."""
    return worded_durations.WordedLayout.from_json(item) if "separator" in item else DurationLayout.from_json(item)


def detect(series: pd.Series) -> Layout | None:
    """The layout every value of a text column is written in, if each is a duration in hours,
    minutes and seconds (or minutes and seconds, or unit words) and one at least cannot be a time
    of day (``frames`` learns those)."""
    return _clock_layout(series) or _minutes_layout(series) or worded_durations.detect(series)


def _fields(series: pd.Series, layout: str) -> pd.DataFrame | None:
    """The named fields of every value of a text column written in ``layout``, or None: told on
    its first values before every value is read (most text fails there)."""
    text = series.dropna()
    if text.empty or not all(isinstance(v, str) for v in text.iloc[:PROBE_ROWS]):
        return None
    if not text.iloc[:PROBE_ROWS].str.fullmatch(layout).all():
        return None
    return text.astype(str).str.extract("^" + layout + "$")


def _clock_layout(series: pd.Series) -> DurationLayout | None:
    parts = _fields(series, _LAYOUT)
    if parts is None or parts["hours"].isna().any() or parts["hours"].str.len().max() > MAX_HOUR_DIGITS:
        return None
    fractions = parts["fraction"].fillna("").str.len()
    if fractions.nunique() != 1:
        return None
    hour_digits = int(parts["hours"].str.len().min())
    clock = hour_digits == 2 and fractions.iloc[0] == 0 and (parts["hours"].astype(int) < 24).all()
    if clock and not (parts["sign"] == "-").any():
        return None
    return DurationLayout(min(hour_digits, 2), int(fractions.iloc[0]), str(series.dtype))


def _minutes_layout(series: pd.Series) -> DurationLayout | None:
    """Minutes and seconds (``'75:10'``), hours in front of some (``'1:05:10'``), if one value's first
    field is past a day's hours or some have hours and some not: no clock writes them so."""
    parts = _fields(series, _MINUTES_LAYOUT)
    if parts is None:
        return None
    fractions = parts["fraction"].fillna("").str.len()
    if parts["minutes"].isna().any() or fractions.nunique() != 1 or parts["minutes"].str.len().max() > MAX_HOUR_DIGITS:
        return None
    short, minutes = parts["hours"].isna(), parts["minutes"].astype(int)
    with_hours = bool((~short).any())
    if with_hours and (not short.any() or (minutes >= 60).any() or (parts["minutes"][~short].str.len() != 2).any()):
        return None  # all with hours: _clock_layout's; minutes past an hour beside hours: no one layout
    if not with_hours and (minutes < _DAY_HOURS).all():
        return None  # a clock's hours and minutes ('04:32'): frames learns them as times of day
    digits = int(parts["minutes"][short].str.len().min())
    return DurationLayout(min(digits, 2), int(fractions.iloc[0]), str(series.dtype), True, with_hours)


def text_as_durations(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Layout]]:
    """Text columns of durations as ``timedelta64[ns]``, and each one's layout."""
    texts = (name for name, c in frame.items() if is_text_column(c))
    layouts = {str(name): layout for name in texts if (layout := detect(frame[name])) is not None}
    return frame.assign(**{name: layout.durations(frame[name]) for name, layout in layouts.items()}), layouts


def as_text(frame: pd.DataFrame, layouts: dict[str, Layout]) -> pd.DataFrame:
    """The columns ``text_as_durations`` read, as text in their layouts again."""
    present = {name: layout for name, layout in layouts.items() if name in frame.columns}
    return frame.assign(**{name: layout.written(frame[name]) for name, layout in present.items()})
