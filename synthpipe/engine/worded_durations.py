"""Durations written in unit words (``'1h 23m'``, ``'45m'``, ``'2h 05m 10s'``, ``'3d 4h'``): a ticket's
time to resolve, a build's run time or a trip's length as a help desk, a CI server or an app exports it.

Why: such a column was text: 2,000 durations were labels, the rare ones masked (``'3h 2** ***'``),
and a third of the synthetic column read back as a duration. A column whose every value is a
duration in days, hours, minutes and seconds (``d``, ``h``, ``m``, ``s``, largest first), two units
at least used in the column, is learned as a duration and written back as the source wrote one:
its separator, its zero padding after the first unit (``'2h 05m'``), its finest unit, at most as
many units as one value held, zero units left out unless the source wrote them (``'1h 00m'``).
One unit alone (``'45m'``, ``'5m'``) stays text: metres or minutes would be a guess.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.number_formats import PROBE_ROWS, text_dtype_name

UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}  # seconds in each unit, largest first
_SEPARATORS = (" ", "")
_NS = 10**9


def _pattern(separator: str) -> str:
    """Units largest first, each optional, split by ``separator`` (no look-ahead: Arrow's strings
    take RE2's expressions); one at least is looked for after."""
    cut = f"(?:{re.escape(separator)}|$)" if separator else ""
    units = "".join(rf"(?:(?P<{u}>\d+){u}{cut})?" for u in list(UNITS)[:-1])
    return rf"(?P<sign>-?){units}(?:(?P<s>\d+)s)?"


@dataclass(frozen=True)
class WordedLayout:
    """``separator`` between units; ``padded``: units after the first in two digits (``'2h 05m'``);
    ``finest``: the smallest unit written; ``most``: units one value holds at most; ``zeros``: zero
    units after the first written (``'1h 00m'``) rather than left out; ``dtype``: the text column's."""

    separator: str
    padded: bool
    finest: str
    most: int
    zeros: bool
    dtype: str = "object"

    def durations(self, text: pd.Series) -> pd.Series:
        """The durations of a text column in this layout (NaT for nulls and other text), to the second."""
        parts = _parts(text.astype(object).where(text.notna()), self.separator)
        known = parts[list(UNITS)].notna().any(axis=1).to_numpy()
        seconds = sum(parts[u].astype(float).fillna(0).to_numpy() * size for u, size in UNITS.items())
        signed = np.where(parts["sign"] == "-", -seconds, seconds)
        out = np.full(len(text), np.timedelta64("NaT"), dtype="timedelta64[ns]")
        out[known] = (signed[known] * _NS).astype("int64").astype("timedelta64[ns]")
        return pd.Series(out, index=text.index, name=text.name)

    def written(self, durations: pd.Series) -> pd.Series:
        """Durations as text in this layout (to its finest unit), nulls kept."""
        known = durations.notna().to_numpy()
        out = pd.Series([None] * len(durations), index=durations.index, name=durations.name, dtype=object)
        ns = durations[known].to_numpy(dtype="timedelta64[ns]").astype("int64")
        out[known] = [self._text(int(n)) for n in ns]
        return out.astype(pd.api.types.pandas_dtype(self.dtype))

    def _text(self, ns: int) -> str:
        sign, finest = ("-" if ns < 0 else ""), UNITS[self.finest]
        left = round(abs(ns) / _NS / finest) * finest  # whole finest units
        counts: dict[str, int] = {}
        for unit, size in UNITS.items():
            counts[unit], left = divmod(left, size) if size >= finest else (0, left)
        shown = _shown(counts, self.finest, self.most, self.zeros)
        fields = [f"{counts[u]:02d}{u}" if self.padded and i else f"{counts[u]}{u}" for i, u in enumerate(shown)]
        return sign + self.separator.join(fields)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> WordedLayout:
        return cls(
            str(item["separator"]),
            bool(item["padded"]),
            str(item["finest"]),
            int(item["most"]),
            bool(item["zeros"]),
            str(item["dtype"]),
        )

    def valid(self) -> bool:
        """Whether a saved layout is one ``detect`` can find (an artifact's, checked on load)."""
        return (
            self.separator in _SEPARATORS
            and self.finest in UNITS
            and 1 <= self.most <= len(UNITS)
            and text_dtype_name(self.dtype)
        )


def _shown(counts: dict[str, int], finest: str, most: int, zeros: bool) -> list[str]:
    """The units a duration is written in: from its largest one not zero, ``most`` of them at most,
    down to ``finest``; zero ones after the first left out unless ``zeros``."""
    units = list(UNITS)[: list(UNITS).index(finest) + 1]
    first = next((i for i, u in enumerate(units) if counts[u]), len(units) - 1)
    window = units[first : first + most]
    return [u for i, u in enumerate(window) if zeros or not i or counts[u]]


def _parts(text: pd.Series, separator: str) -> pd.DataFrame:
    return text.str.extract("^" + _pattern(separator) + "$")


def detect(series: pd.Series) -> WordedLayout | None:
    """The layout every value of a text column is written in, if each is a duration in unit words
    and the column uses two units at least."""
    text = series.dropna()
    probe = text.iloc[:PROBE_ROWS]
    if text.empty or not all(isinstance(v, str) for v in probe) or not probe.str.contains(r"\d[dhms]").all():
        return None
    text = text.astype(str)
    separator = " " if text.str.contains(" ", regex=False).any() else ""
    parts = _parts(text, separator)
    units = [u for u in UNITS if parts[u].notna().any()]
    fields = parts[list(UNITS)]
    if parts["sign"].isna().any() or not fields.notna().any(axis=1).all() or len(units) < 2:
        return None
    after_first = fields.where(fields.notna().cumsum(axis=1) > 1).to_numpy().ravel()
    later = pd.Series(after_first, dtype=object).dropna().astype(str)  # each value's units after its first
    padded = bool(later.str.match(r"0\d").any())
    zeros = bool((later.astype(int) == 0).any())
    most = int(fields.notna().sum(axis=1).max())
    return WordedLayout(separator, padded, units[-1], most, zeros, str(series.dtype))
