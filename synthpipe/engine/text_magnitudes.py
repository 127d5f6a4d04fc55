"""Numbers written with a magnitude suffix, one column mixing them (``'870'``, ``'1.5K'``, ``'2.3M'``,
``'1.2B'``): follower counts, revenue and views as a dashboard or a social network exports them.

Why: a column whose values take different suffixes is no one format (``number_formats``): 2,000
follower counts were learned as labels, the rare ones masked (``'3**'``, ``'32*.***'``), and a third
of the synthetic column read back as a number. A column whose every value is a number with or
without such a suffix, in at least two consecutive tiers (``'870'`` and ``'1.5K'``), is learned as the
number it stands for (``'1.5K'``: 1500) and written back with the suffix the source chose for a
number of that size and the decimals it wrote with that suffix.

The rule is read from the data: a tier starts at its power of ten (``K``: 1,000) where the tier
below stays under it, else at the lowest value written with it (an export that writes ``'0.9M'``
starts ``M`` at 900,000). Conservative: tiers whose values overlap (``'900K'`` beside ``'0.8M'``),
skip one (``'14'`` beside ``'12B'``: a seat?) or take a suffix alone (``'5K'``, ``'10K'``: race
distances) are no magnitudes and stay what ``frames`` makes of them.
"""

from __future__ import annotations

import decimal
import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine import number_formats

POWERS = {"": 0, "K": 3, "k": 3, "M": 6, "B": 9, "T": 12}  # a suffix's power of ten
_VALUE = r"(?P<number>-?\d+(?:\.(?P<frac>\d+))?)(?P<suffix>[KkMBT]?)"
_SUFFIX_ENDS = tuple(s for s in POWERS if s)
_MAX_PLACES = 6


@dataclass(frozen=True)
class Tier:
    """Numbers written with one suffix: ``start``, the least absolute value written so (in units);
    ``places``, the decimals written before the suffix; ``trimmed``, trailing zeros dropped
    (``'2K'`` beside ``'1.5K'``)."""

    suffix: str
    start: float
    places: int
    trimmed: bool

    def text(self, value: decimal.Decimal) -> str:
        """``value`` (in units) written in this tier: ``Decimal(1530)`` as ``'1.5K'``."""
        number = value.scaleb(-POWERS[self.suffix]).quantize(decimal.Decimal(1).scaleb(-self.places))
        if self.trimmed and self.places:
            number = number.normalize()
        written = format(number, "f")
        return ("0" if written == "-0" else written) + self.suffix


@dataclass(frozen=True)
class MagnitudeFormat:
    """How a column writes its numbers: ``tiers`` by ``start``, lowest first; ``dtype``: the text
    column's, which the numbers are written back in."""

    tiers: tuple[Tier, ...]
    dtype: str = "object"

    def plain(self, text: pd.Series) -> pd.Series:
        """Values (no nulls, as ``str``) as plain number text (``'1.5K'``: ``'1500'``); NaN where
        one is not written so."""
        parts = text.str.extract("^" + _VALUE + "$")
        known = parts["number"].notna() & parts["suffix"].isin([t.suffix for t in self.tiers])
        plain = [
            format(decimal.Decimal(n).scaleb(POWERS[s]), "f") if ok else None
            for n, s, ok in zip(parts["number"], parts["suffix"], known, strict=True)
        ]
        return pd.Series(plain, index=text.index, dtype=object)

    def written(self, value: decimal.Decimal) -> str:
        """A number in the tier the source wrote numbers of its size in (``Decimal(2_340_000)``: ``'2.3M'``);
        one that rounds up to the next tier's start is written in that tier (``'1.0M'``, not ``'1000.0K'``)."""
        place = self._tier_of(abs(value))
        text = self.tiers[place].text(value)
        if place + 1 < len(self.tiers) and abs(_value_of(text)) >= self.tiers[place + 1].start:
            return self.tiers[place + 1].text(value)
        return text

    def _tier_of(self, size: decimal.Decimal) -> int:
        starts = [t.start for t in self.tiers]
        return max(int(np.searchsorted(starts, float(size), side="right")) - 1, 0)

    def to_json(self) -> dict[str, Any]:
        return {"tiers": [vars(t) for t in self.tiers], "dtype": self.dtype}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> MagnitudeFormat:
        tiers = tuple(
            Tier(str(t["suffix"]), float(t["start"]), int(t["places"]), bool(t["trimmed"])) for t in item["tiers"]
        )
        return cls(tiers, str(item["dtype"]))

    def valid(self) -> bool:
        """Whether a saved format is one ``detect`` can find (an artifact's, checked on load)."""
        suffixes = [t.suffix for t in self.tiers]
        starts = [t.start for t in self.tiers]
        return (
            len(self.tiers) >= 2
            and all(s in POWERS for s in suffixes)
            and _consecutive(suffixes)
            and all(np.isfinite(starts))
            and starts == sorted(starts)
            and starts[0] >= 0
            and all(0 <= t.places <= _MAX_PLACES for t in self.tiers)
            and number_formats.text_dtype_name(self.dtype)
        )


def _value_of(text: str) -> decimal.Decimal:
    suffix = text[-1] if text[-1] in POWERS else ""
    return decimal.Decimal(text.removesuffix(suffix)).scaleb(POWERS[suffix])


def _consecutive(suffixes: list[str]) -> bool:
    """Tiers one power of a thousand apart, no suffix twice (``'K'`` and ``'k'``), none skipped."""
    powers = [POWERS[s] for s in suffixes]
    return len(set(powers)) == len(powers) and all(b - a == 3 for a, b in itertools.pairwise(powers))


def detect(series: pd.Series) -> MagnitudeFormat | None:
    """The tiers of a text column whose every value is a number with or without a magnitude
    suffix, two tiers at least, one after another, their values apart."""
    text = series.dropna()
    probe = text.iloc[: number_formats.PROBE_ROWS]
    if text.empty or not all(isinstance(v, str) for v in probe) or not probe.str.fullmatch(_VALUE).all():
        return None
    text = text.astype(str)
    if not text.str.endswith(_SUFFIX_ENDS).any():  # plain numbers (zip codes): told before reading every value
        return None
    parts = text.str.extract("^" + _VALUE + "$")
    if parts["number"].isna().any():
        return None
    sizes = pd.to_numeric(parts["number"]).abs() * 10.0 ** parts["suffix"].map(POWERS)
    suffixes = sorted(parts["suffix"].unique(), key=POWERS.__getitem__)
    if len(suffixes) < 2 or not _consecutive(suffixes):
        return None
    tiers = [_tier(parts[parts["suffix"] == s], sizes[parts["suffix"] == s]) for s in suffixes]
    ranges = [(sizes[parts["suffix"] == s].min(), sizes[parts["suffix"] == s].max()) for s in suffixes]
    if any(low[1] > high[0] for low, high in itertools.pairwise(ranges)):
        return None  # one size written in two tiers: no rule to write a drawn one by
    return MagnitudeFormat(tuple(_started(tiers, ranges)), str(series.dtype))


def _tier(parts: pd.DataFrame, sizes: pd.Series) -> Tier:
    places = parts["frac"].fillna("").str.len()
    return Tier(str(parts["suffix"].iloc[0]), float(sizes.min()), int(places.max()), bool(places.nunique() > 1))


def _started(tiers: list[Tier], ranges: list[tuple[float, float]]) -> list[Tier]:
    """Each tier from its power of ten where the tier below stays under it (``K`` at 1,000 though
    the lowest value written so is 1,200), else from its lowest value; the first from zero."""
    out = [Tier(tiers[0].suffix, 0.0, tiers[0].places, tiers[0].trimmed)]
    for tier, below in zip(tiers[1:], ranges, strict=False):
        power = 10.0 ** POWERS[tier.suffix]
        start = power if below[1] < power <= tier.start else tier.start
        out.append(Tier(tier.suffix, start, tier.places, tier.trimmed))
    return out
