"""Durations written as text in hours, minutes and seconds (``'47:15:24'``, ``'7:05:09'``,
``'0:03:12.250'``).

Why: a call log or a timesheet exported to CSV keeps its durations as text. Clock times of a day
(``'07:05:09'``) are learned as times (``frames``), but a duration past a day (``'47:15:24'``), with
an hour of one digit or with fractions of a second was text: 2,000 durations were 2,000 labels, and
the synthetic column read ``'36:5*:**'``. A column whose every value is such a duration, in one
layout, is learned as a duration and written back in that layout.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.number_formats import PROBE_ROWS, is_text_column, text_dtype_name

_LAYOUT = r"(?P<sign>-?)(?P<hours>\d+):(?P<minutes>[0-5]\d):(?P<seconds>[0-5]\d)(?:\.(?P<fraction>\d{1,9}))?"
_NS = {"hours": 3600 * 10**9, "minutes": 60 * 10**9, "seconds": 10**9}
MAX_HOUR_DIGITS = 6  # a hundred years of hours: past it the nanoseconds overflow int64


@dataclass(frozen=True)
class DurationLayout:
    """``hour_digits``: the hours' least digits (1: ``'7:05:09'``, 2: ``'07:05:09'``);
    ``fraction_digits``: digits after the seconds' point (0: none); ``dtype``: the text column's."""

    hour_digits: int
    fraction_digits: int
    dtype: str = "object"

    def durations(self, text: pd.Series) -> pd.Series:
        """The durations of a text column in this layout (NaT for nulls), to the nanosecond."""
        parts = text.astype(object).where(text.notna()).str.extract("^" + _LAYOUT + "$")
        known = parts["hours"].notna().to_numpy()
        given = parts[known]
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
        hours, seconds = divmod(seconds, 3600)
        minutes, seconds = divmod(seconds, 60)
        text = f"{sign}{hours:0{self.hour_digits}d}:{minutes:02d}:{seconds:02d}"
        if self.fraction_digits:
            text += "." + f"{rest:09d}"[: self.fraction_digits]
        return text

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> DurationLayout:
        return cls(int(item["hour_digits"]), int(item["fraction_digits"]), str(item["dtype"]))

    def valid(self) -> bool:
        """Whether a saved layout is one ``detect`` can find (an artifact's, checked on load)."""
        return 1 <= self.hour_digits <= 2 and 0 <= self.fraction_digits <= 9 and text_dtype_name(self.dtype)


def detect(series: pd.Series) -> DurationLayout | None:
    """The layout every value of a text column is written in, if each is a duration in hours,
    minutes and seconds and one at least cannot be a time of day (``frames`` learns those)."""
    text = series.dropna()
    if text.empty or not all(isinstance(v, str) for v in text.iloc[:PROBE_ROWS]):
        return None
    if not text.iloc[:PROBE_ROWS].str.fullmatch(_LAYOUT).all():
        return None
    parts = text.astype(str).str.extract("^" + _LAYOUT + "$")
    if parts["hours"].isna().any() or parts["hours"].str.len().max() > MAX_HOUR_DIGITS:
        return None
    fractions = parts["fraction"].fillna("").str.len()
    if fractions.nunique() != 1:
        return None
    hour_digits = int(parts["hours"].str.len().min())
    clock = hour_digits == 2 and fractions.iloc[0] == 0 and (parts["hours"].astype(int) < 24).all()
    if clock and not (parts["sign"] == "-").any():
        return None
    return DurationLayout(min(hour_digits, 2), int(fractions.iloc[0]), str(series.dtype))


def text_as_durations(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, DurationLayout]]:
    """Text columns of durations as ``timedelta64[ns]``, and each one's layout."""
    texts = (name for name, c in frame.items() if is_text_column(c))
    layouts = {str(name): layout for name in texts if (layout := detect(frame[name])) is not None}
    return frame.assign(**{name: layout.durations(frame[name]) for name, layout in layouts.items()}), layouts


def as_text(frame: pd.DataFrame, layouts: dict[str, DurationLayout]) -> pd.DataFrame:
    """The columns ``text_as_durations`` read, as text in their layouts again."""
    present = {name: layout for name, layout in layouts.items() if name in frame.columns}
    return frame.assign(**{name: layout.written(frame[name]) for name, layout in present.items()})
