"""A calendar column: the date or timestamp a table holds one row per (a time series' grain) comes
back with every row on a grid point of its own.

Why: a daily KPI query (``GROUP BY date_account_created``: 1,585 rows, one per day between
2010-01-20 and 2014-06-28) came back with 1,294 distinct days in 1,585 rows, 291 of them twice,
because the day was learned as any date (quantile bins, a day drawn inside its bin). The day is
the table's grain: a dashboard that joins or plots on it breaks. A date cannot be a fresh key
(identifier.py), so its rows take distinct points of its own grid instead.

What counts (``detect``): a binned date or timestamp without nulls, unique in every training row,
whose values all lie on one grid, a fixed step (days, weeks, hours, ...; weekdays that few rows
hold are left out, so a business-day calendar keeps off weekends) or the month grid the codec
keeps (month starts, quarter ends: ``numeric._calendar_grid``), and whose rows (times the rows of
the table each stands for) fill at least ``MIN_FILL`` of the grid's points between its first and
last value.

Sampling (``chosen``): n rows take n distinct grid points inside the clip range (privacy: the clip
points are quantiles with enough rows beyond them; the real first and last values are not used),
by systematic sampling with inclusion probabilities proportional to the learned density (the
codec's quantile function) and capped at 1: n about the grid's size spreads evenly over it, fewer
rows follow the density, and no point is taken twice. Rows beyond the grid's points in the range
continue the grid past both ends (half before, half after), as fresh keys continue past the
largest, as far as the column's tail draws would reach beyond each clip point (the codec's
``tail_reach``: from the mean excess of the rows beyond it, an aggregate). Why that far: the pipeline
trains on 80% of a weekly table's 232 weeks and samples 232, and the clip leaves about 217 weeks
inside; the grid goes on past them as the real weeks did, and the range stays where a date column's
range ends (drawn past the range without end, 2,000 rows of a 600-day grid ran 76 years past each
end). Rows beyond those points take the points inside the range again, a round at a time, each
round spread by the density without a point twice, so every point is taken about as often as the
others; the caller says so (``repeated``). The points are chosen once per stream from its seed and
n and put in a seeded order, so ``sample_chunks`` gives the same rows whatever the chunk size;
memory is a few numbers a grid point (``MAX_POINTS`` at most).

Panels (``detect_panel``, ``Panel``, ``panel_chosen``): a ``GROUP BY day, country`` table holds one
row per date and segment, so the date repeats and is no calendar; learned as a date with the
country drawn given it, 365 days x 5 countries came back with 495 (day, country) pairs twice and
days holding 1-11 rows. A date is a panel's when, with a segment of 2 to ``MAX_SEGMENTS`` values
(every value kept, none rare; a null is a segment of its own), each (date, segment) pair is one
row's, the dates lie on one grid and each segment's rows fill ``MIN_FILL`` of its points between that
segment's own first and last date. The segment is a label, a whole-number column of few values (a
store id, learned as a label from then on), or the combination of up to ``MAX_LABELS`` of them
(``combined``: ``GROUP BY day, country, device``, each combination held by enough rows). Its rows per
segment follow the training shares (largest remainder), and each segment's take distinct grid points
by ``chosen`` within that segment's own clip points and tail reach (a segment launched halfway stays
in its range), the pairs in a seeded order; in a balanced panel, whose segments' clip points lie a
few grid points apart (every store on every day), the segments take their dates from one choice
within their median clip points and reach (``_balanced``), so a synthetic day holds every store
at the ends too; the segment columns are given to the model right after the date's parts, so the
columns after are drawn given the date and every segment column (each country's level and the
weekday rhythm).

Ends: a grid every segment fills comes back with its real first and last date (and a segment with
its own, a device launched on 2023-03-01 from that day) when as many rows are sampled as the table
holds, as a single calendar does: 200 days x 4 segments (x 3 devices) trained on every row came back
first and last day as they were, for every seed. Kept on purpose: no row's value is copied there. The
clip points are quantiles; the rows past them go on along the grid from the clip points, and with
every grid point taken once the count of rows alone puts the last one on the real end. Those dates
are the query's window (``WHERE day BETWEEN ...``) and a segment's launch, shared by all of its
rows, not a person's attribute (the promise "extremes clipped to non-identifying quantiles" is about
values of few rows; every segment is held by at least ``rare_category_min_count`` rows). Clipping
them off would leave the filled grid a date short at each end: the rows would repeat a (date,
segment) pair or be dated where the table has none. Trained on 80% of the rows (the pipeline's split)
and sampled whole, a panel runs a day or two past its ends (the tail reach, an aggregate).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MIN_FILL = 0.5  # share of the grid's points between the first and last value the rows must hold
MAX_SEGMENTS = 50  # a panel's segments (``Panel``), at most: countries, product categories, not customers
MAX_LABELS = 3  # columns a panel's segment combines, at most (``GROUP BY day, country, device``)
# labels a combined segment is looked for among, the table's first: a GROUP BY's keys lead its SELECT list, and
# every pair and triple of a wide table's 333 labels, tried against each of its dates, kept a fit of 1,000 columns
# running for over an hour (60 columns: 8 of 23 s)
MAX_COMBINED_LABELS = 12
MAX_COMBINED_DATES = 4  # and the dates it is looked for on, the table's first (a GROUP BY's day leads it too)
PAIRS_PROBE = 4096  # rows a panel's pairs are first checked on: an event table repeats one there, and sorting stops
MAX_POINTS = 5_000_000  # grid points between the first and last value, at most: sampling holds ~120 bytes a point
WEEKDAY_MIN_SHARE = 0.25  # of an even share of the rows: a weekday held by fewer takes no grid point
DENSITY_FLOOR = 1e-3  # share of the density spread evenly: a point the bins give none of can still be taken
ALL_WEEKDAYS = 0x7F
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


@dataclass(frozen=True)
class Grid:
    """Grid points as whole indices: ``phase + i * step`` in the codec's units, or with ``step`` 0
    the first (``anchor`` 0) or last (1) day of every ``months``-th month from ``offset``; only the
    points on a weekday in ``weekdays`` (a bit per weekday, Monday first) count."""

    step: int
    phase: int
    weekdays: int
    per_day: int  # the codec's units per day (0: not whole days)
    calendar: tuple[int, ...] = ()  # (anchor, months, offset) when ``step`` is 0

    @classmethod
    def of(cls, params: list[int], per_day: int, calendar: list[int]) -> Grid:
        """Rebuilt from ``NumericParams.grid`` ([step, phase, weekdays])."""
        step, phase, weekdays = params
        return cls(step, phase, weekdays, per_day, tuple(calendar) if step == 0 else ())

    def params(self) -> list[int]:
        return [self.step, self.phase, self.weekdays]

    def index(self, values: np.ndarray) -> np.ndarray:
        """Each value's grid index (whole for a grid value; between two for any other)."""
        if self.step:
            return (values - self.phase) / self.step
        _, months, offset = self.calendar
        month = np.floor(values).astype("int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
        return (month - offset) / months

    def values(self, index: np.ndarray) -> np.ndarray:
        """The grid values of whole ``index``es, in the codec's units (float64)."""
        if self.step:
            return (self.phase + index * self.step).astype("float64")
        anchor, months, offset = self.calendar
        month = (index * months + offset).astype("datetime64[M]")
        return ((month + anchor).astype("datetime64[D]") - anchor).astype("int64").astype("float64")

    def points(self, low: float, high: float) -> np.ndarray:
        """The indices of the grid points in [low, high] on a kept weekday."""
        first, last = int(np.ceil(self.index(np.asarray([low]))[0])), int(np.floor(self.index(np.asarray([high]))[0]))
        index = np.arange(first, last + 1, dtype=np.int64)
        index = index[(self.values(index) >= low) & (self.values(index) <= high)]  # months: the grid day, not the month
        return index[self.kept(index)]

    def count(self, low: float, high: float) -> int:
        """How many grid indices lie between ``low`` and ``high`` (before weekdays are left out)."""
        return int(np.floor(self.index(np.asarray([high]))[0]) - np.ceil(self.index(np.asarray([low]))[0])) + 1

    def kept(self, index: np.ndarray) -> np.ndarray:
        if self.weekdays == ALL_WEEKDAYS or self.per_day == 0:
            return np.ones(index.size, dtype=bool)
        weekday = (np.floor(self.values(index) / self.per_day).astype("int64") + EPOCH_WEEKDAY) % 7
        return (self.weekdays >> weekday) & 1 == 1

    def beyond(self, index: int, count: int, direction: int) -> np.ndarray:
        """The ``count`` kept indices past ``index`` in ``direction`` (+1 later, -1 earlier), nearest first."""
        out = np.zeros(0, dtype=np.int64)
        reach = count + 7
        while out.size < count:
            candidates = index + direction * np.arange(1, reach + 1, dtype=np.int64)
            out = candidates[self.kept(candidates)]
            reach *= 2
        return out[:count]


@dataclass(frozen=True)
class Share:
    """A stream's rows as rows ``first`` on of a ``rows``-row stream whose dates are chosen from
    ``seed`` (``Synthesizer.sample_chunks``' ``calendar_share``): a shard's part of a table
    generated in shards. Why: each shard chose its dates from its own seed, and a 500-day table
    generated in 2 shards came back with 453 distinct days (4 shards: 420)."""

    seed: int
    rows: int
    first: int


def detect(values: np.ndarray, per_day: int, calendar: list[int], rows: float) -> list[int]:
    """``[step, phase, weekdays]`` of the grid ``values`` (the codec's units, NaN: null) lie on and
    fill, or ``[]``; ``calendar``: the codec's month grid, if any; ``rows``: the rows of the table
    the values stand for (more than ``values.size`` for a sample of a larger table)."""
    if values.size < 2 or not np.isfinite(values).all():
        return []
    ordered = np.sort(values)
    steps = np.diff(ordered)
    if steps.min() <= 0 or not np.array_equal(ordered, np.rint(ordered)):
        return []
    grid = _grid(ordered, ordered, per_day, calendar)
    return grid.params() if grid is not None and _fills(grid, ordered[0], ordered[-1], rows) else []


def _grid(distinct: np.ndarray, held: np.ndarray, per_day: int, calendar: list[int]) -> Grid | None:
    """The grid the sorted ``distinct`` whole values lie on (None: more than ``MAX_POINTS`` between
    the first and last), its weekdays those ``held`` (every row's value) mostly hold."""
    whole = distinct.astype("int64")
    step = 0 if calendar else int(np.gcd.reduce(np.diff(whole)))
    grid = Grid(step, int(whole[0] % step) if step else 0, ALL_WEEKDAYS, per_day, tuple(calendar))
    if grid.count(distinct[0], distinct[-1]) > MAX_POINTS:
        return None
    return Grid(grid.step, grid.phase, _weekdays(held.astype("int64"), grid, per_day), per_day, grid.calendar)


def _fills(grid: Grid, first: float, last: float, rows: float) -> bool:
    """Whether ``rows`` fill at least ``MIN_FILL`` of the grid's kept points from ``first`` to ``last``."""
    kept = grid.points(first, last).size
    return bool(kept) and rows >= MIN_FILL * kept


@dataclass(frozen=True)
class Panel:
    """A panel: a calendar per segment (a ``GROUP BY day, country`` table, one row per day and
    country). ``segments``: the columns whose combination is the segment (one label, a store id, or
    up to ``MAX_LABELS`` of them: ``GROUP BY day, country, device``); per segment, its token in each
    of those columns' codecs, its training rows (the table's rows per segment, as shares), its
    dates' clip points (codec units; quantiles with enough rows beyond them, as a column's own clip
    points are: privacy) and how far its grid goes on past them (the mean excess of its rows beyond
    each, as ``chosen``'s ``reach``: a segment's clip cuts more of its range than the whole
    column's does; a filled grid's real ends still come back: the module's "Ends" says why).

    Why: 365 days x 5 countries came back with 495 (day, country) pairs twice and days holding
    1-11 rows: the day was learned as a date, the country drawn given it. Each segment's rows
    take distinct grid points of its own range instead, so every (day, country) is one row's."""

    segments: tuple[str, ...]
    tokens: tuple[tuple[int, ...], ...]
    rows: tuple[int, ...]
    clips: tuple[tuple[float, float], ...]
    reaches: tuple[tuple[float, float], ...]

    def to_json(self) -> dict[str, object]:
        return {"segments": list(self.segments), "tokens": [list(t) for t in self.tokens], "rows": list(self.rows),
                "clips": [list(c) for c in self.clips], "reaches": [list(r) for r in self.reaches]}  # fmt: skip

    @classmethod
    def from_json(cls, item: dict[str, object]) -> Panel:
        """Read back; a panel saved before it could have several segment columns (artifact VERSION
        43-46) names its one ``segment`` and a token per segment."""
        tokens, rows, clips, reaches = (list(item[k]) for k in ("tokens", "rows", "clips", "reaches"))  # type: ignore[call-overload]
        one = "segments" not in item
        names = [item["segment"]] if one else list(item["segments"])  # type: ignore[call-overload]
        return cls(
            tuple(str(n) for n in names),
            tuple((int(t),) if one else tuple(int(c) for c in t) for t in tokens),
            tuple(int(r) for r in rows),
            tuple((float(c[0]), float(c[1])) for c in clips),
            tuple((float(r[0]), float(r[1])) for r in reaches),
        )

    def valid(self) -> bool:
        """Distinct token combinations, one per segment column each, one positive row count,
        ordered clip points and reaches >= 0 each, at most ``MAX_SEGMENTS`` of ``MAX_LABELS`` columns."""
        sizes = len(self.tokens) == len(self.rows) == len(self.clips) == len(self.reaches)
        columns = 1 <= len(self.segments) <= MAX_LABELS and len(set(self.segments)) == len(self.segments)
        columns = columns and all(len(t) == len(self.segments) for t in self.tokens)
        ordered = all(np.isfinite(c).all() and c[0] <= c[1] for c in self.clips)
        ordered = ordered and all(np.isfinite(r).all() and min(r) >= 0 for r in self.reaches)
        counted = len(set(self.tokens)) == len(self.tokens) and all(r > 0 for r in self.rows)
        return sizes and columns and ordered and counted and 2 <= len(self.tokens) <= MAX_SEGMENTS

    def holds(self, tokens: np.ndarray) -> np.ndarray:
        """Whether each row of ``tokens`` (a token per segment column) is one of the panel's segments."""
        known = np.asarray(self.tokens, dtype=np.int64)
        base = int(max(known.max(), tokens.max(initial=0))) + 1
        return np.isin(_keys(tokens, base), _keys(known, base)) & (tokens >= 0).all(axis=1)

    def counts(self, n: int, room: np.ndarray | None = None) -> np.ndarray:
        """Rows per segment of ``n``: the training shares by largest remainder (ties: the earlier
        segment), so the counts sum to ``n`` and depend on nothing but ``n``; a segment with less
        ``room`` (the grid points it can take without one twice) takes that many, the others share
        the rest. Why: the pipeline trains on 80% of a 120-day panel and samples every row; a
        segment's clip left fewer days than its share, and a (day, country) pair came back twice."""
        rows = np.asarray(self.rows, dtype="float64")
        room = np.full(rows.size, np.inf) if room is None else room
        fixed, out = np.zeros(rows.size, dtype=bool), np.zeros(rows.size, dtype="int64")
        while True:
            share = _largest_remainder(n - int(out[fixed].sum()), np.where(fixed, 0.0, rows))
            over = ~fixed & (share > room)
            if not over.any() or over.sum() == (~fixed).sum():  # no segment has room left: some pairs repeat
                out[~fixed] = share[~fixed]
                return out
            out[over], fixed = room[over].astype("int64"), fixed | over


def _largest_remainder(n: int, weights: np.ndarray) -> np.ndarray:
    """``n`` split by ``weights`` into whole parts, the rest one each to the largest remainders."""
    quota = n * weights / weights.sum()
    out = np.floor(quota).astype("int64")
    order = np.argsort(-(quota - out), kind="stable")
    out[order[: n - int(out.sum())]] += 1
    return out


def detect_panel(
    values: np.ndarray, segments: np.ndarray, per_day: int, calendar: list[int], spread: float
) -> list[int]:
    """``[step, phase, weekdays]`` of the one grid ``values`` (the codec's units) lie on, where each
    (value, segment) pair is one row's and each segment's rows (times ``spread``, the table's rows
    per row learned) fill ``MIN_FILL`` of the grid's points between its own first and last value;
    ``[]`` otherwise. ``segments``: each row's segment code."""
    if values.size < 2 or not np.isfinite(values).all() or not np.array_equal(values, np.rint(values)):
        return []
    if np.abs(values).max() >= 2.0**62:  # an open end at the int64 limit (nanoseconds): no grid, and no int64
        return []
    whole = values.astype("int64")
    if _repeats(whole[:PAIRS_PROBE], segments[:PAIRS_PROBE]) or _repeats(whole, segments):
        return []
    distinct = np.unique(values)
    grid = _grid(distinct, values, per_day, calendar) if distinct.size >= 2 else None
    if grid is None:
        return []
    for segment in np.unique(segments):
        own = values[segments == segment]
        if not _fills(grid, own.min(), own.max(), own.size * spread):
            return []
    return grid.params()


def combined(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's segment (0, 1, ...) of the combinations of ``codes`` (each column's tokens, >= 0)
    its rows hold, and those combinations (a row of tokens each, in the order of the segments: the
    tokens' order, the first column's first). With one column, the segments are its tokens in order."""
    tokens = np.column_stack(codes).astype(np.int64)
    base = int(tokens.max(initial=0)) + 1
    held = np.flatnonzero(np.bincount(_keys(tokens, base)))  # few tokens a column: no sort of the rows
    segment = np.searchsorted(held, _keys(tokens, base))
    return segment, np.column_stack([held // base**k % base for k in reversed(range(tokens.shape[1]))])


def combinable(values: np.ndarray, codes: dict[str, np.ndarray]) -> Callable[[tuple[str, ...]], bool]:
    """A test of whether a combination of the columns ``codes`` (each row's tokens, >= 0) may hold
    each (value, combination) once: each column's most rows on one value with one token are at most
    the combinations of the others' tokens. Why: a fit tried each pair and triple of 35 labels of a
    200,000-row table that is no panel, 10 s sorting their first rows; this is a count per column."""
    if not codes:
        return lambda names: True
    rank = np.unique(values, return_inverse=True)[1].reshape(-1)
    sizes = {name: int(c.max(initial=0)) + 1 for name, c in codes.items()}
    most = {name: int(np.bincount(rank * sizes[name] + c).max()) for name, c in codes.items()}
    return lambda names: all(most[a] <= math.prod(sizes[b] for b in names if b != a) for a in names)


def early_repeats(values: np.ndarray, codes: dict[str, np.ndarray]) -> Callable[[tuple[str, ...]], bool]:
    """A test of whether the first ``PAIRS_PROBE`` rows already hold a (value, combination of the
    columns ``codes``: each row's tokens) twice, as ``detect_panel`` checks first: most tables are
    no panel, told so before any work on all their rows. From one look at the pairs of those rows
    that share a value: a combination repeats where both rows of such a pair hold the same tokens
    in each of its columns. A value more than ``MAX_SEGMENTS`` of those rows hold repeats with any
    segments a panel may have. Why: a 1,000-column table's 333 labels were tried on each of its
    333 dates, sorting their rows each time: 20 s to find that every date repeats with every label."""
    head = values[:PAIRS_PROBE]
    order = np.argsort(head, kind="stable")
    ordered = head[order]
    group = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) if head.size else np.zeros(0, dtype=np.int64)
    if np.bincount(group, minlength=1).max() > MAX_SEGMENTS:
        return lambda names: True
    first, second = _pairs_within(group)
    same: dict[str, np.ndarray] = {}

    def repeats(names: tuple[str, ...]) -> bool:
        for name in names:
            if name not in same:
                same[name] = codes[name][order[first]] == codes[name][order[second]]
        return bool(np.logical_and.reduce([same[name] for name in names]).any())

    return repeats


def _pairs_within(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions of ``group`` (ascending group numbers) in the same group, the earlier first."""
    first, second = [], []
    for gap in range(1, int(np.bincount(group, minlength=1).max())):
        at = np.flatnonzero(group[:-gap] == group[gap:])
        first.append(at)
        second.append(at + gap)
    empty = np.zeros(0, dtype=np.int64)
    return (np.concatenate(first), np.concatenate(second)) if first else (empty, empty)


def _keys(tokens: np.ndarray, base: int) -> np.ndarray:
    """One whole number per row of ``tokens`` (columns of whole numbers in [0, ``base``)), in the
    rows' order (the first column's first)."""
    keys = np.zeros(tokens.shape[0], dtype=np.int64)
    for column in tokens.T:
        keys = keys * base + column
    return keys


def _repeats(whole: np.ndarray, segments: np.ndarray) -> bool:
    """Whether some (value, segment) pair is more than one row's (``whole``: int64, or floats)."""
    order = np.lexsort((segments, whole))
    same = (np.diff(whole[order]) == 0) & (np.diff(segments[order]) == 0)
    return bool(same.any())


def panel_chosen(
    grid: Grid,
    panel: Panel,
    n: int,
    cdf: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` grid values and their segments' tokens (a row of a token per segment column) in a seeded
    order: each segment's rows (``Panel.counts``)
    take its own distinct grid values within its clip points and reach (``chosen``), so no pair is
    taken twice while a segment's rows fit its points; in a balanced panel (``_balanced``) the
    dates of one choice for the largest segment, each segment as many of them as it takes."""
    balanced = _balanced(grid, panel)
    if balanced is not None:
        counts = panel.counts(n, np.full(len(panel.clips), room(grid, *balanced)))
        common = chosen(grid, *balanced, int(counts.max(initial=0)), cdf, rng)
        dates = [common[rng.permutation(common.size)[:m]] for m in counts]
    else:
        counts = panel.counts(
            n, np.asarray([room(grid, c, r) for c, r in zip(panel.clips, panel.reaches, strict=True)])
        )
        places = zip(panel.clips, panel.reaches, counts, strict=True)
        dates = [chosen(grid, clip, reach, int(m), cdf, rng) for clip, reach, m in places]
    tokens = np.repeat(np.asarray(panel.tokens, dtype=np.int64), counts, axis=0)
    order = rng.permutation(n)
    return np.concatenate([np.zeros(0), *dates])[order], tokens[order]


BALANCED_SHARE = 0.05  # of a segment's grid points, how far apart segments' clip points may lie in a balanced panel
BALANCED_STEPS = 2  # ... and at least this many grid steps


def _balanced(grid: Grid, panel: Panel) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The clip points and reach every segment's dates are chosen within where the panel is
    balanced (every store on every day: each segment's clip points lie within ``BALANCED_SHARE`` of
    a segment's grid points, ``BALANCED_STEPS`` at least, of the others'): the segments' median
    ones; None where it is not. Why: trained on 80% of a 366-day panel of 6 stores, each store's
    clip points and reach came out a few days apart, and the synthetic ends held days of 1-3 stores,
    a store's share of its day 100% where the real one never passed 30%."""
    clips, reaches = np.asarray(panel.clips, dtype="float64"), np.asarray(panel.reaches, dtype="float64")
    index = grid.index(clips.reshape(-1)).reshape(-1, 2)
    tolerance = max(BALANCED_STEPS, BALANCED_SHARE * float(np.median(index[:, 1] - index[:, 0])))
    if np.ptp(index, axis=0).max() > tolerance:
        return None
    (low, high), (before, after) = np.median(clips, axis=0), np.median(reaches, axis=0)
    return (float(low), float(high)), (float(before), float(after))


@dataclass(frozen=True)
class Stream:
    """A stream's calendar dates (codec units) in the order its rows take them, and with a panel
    each row's segment tokens (a column per segment column; None without one)."""

    dates: np.ndarray
    segments: np.ndarray | None = None

    def part(self, start: int, stop: int) -> Stream:
        return Stream(self.dates[start:stop], None if self.segments is None else self.segments[start:stop])


def _weekdays(whole: np.ndarray, grid: Grid, per_day: int) -> int:
    """The weekdays (bits, Monday first) that at least ``WEEKDAY_MIN_SHARE`` of an even share of
    the rows hold, for grids a day apart or closer; every weekday for coarser ones."""
    if per_day == 0 or grid.step == 0 or grid.step > per_day or per_day % grid.step:
        return ALL_WEEKDAYS
    counts = np.bincount((whole // per_day + EPOCH_WEEKDAY) % 7, minlength=7)
    held = np.flatnonzero(counts >= WEEKDAY_MIN_SHARE * whole.size / 7)
    return int(np.sum(1 << held))


def room(grid: Grid, clip: tuple[float, float], reach: tuple[float, float]) -> int:
    """How many distinct grid values ``chosen`` takes within ``clip`` and ``reach`` before it takes
    one twice."""
    index = _inside(grid, clip)
    return index.size + _past_ends(grid, index, clip, reach, MAX_POINTS).size


def _inside(grid: Grid, clip: tuple[float, float]) -> np.ndarray:
    """The grid indices within ``clip``, or the one after it where none lies there."""
    index = grid.points(*clip)
    if index.size == 0:  # no grid point between the clip points: the one after them
        index = grid.beyond(int(np.floor(grid.index(np.asarray([clip[0]]))[0])), 1, 1)
    return index


def chosen(
    grid: Grid,
    clip: tuple[float, float],
    reach: tuple[float, float],
    n: int,
    cdf: Callable[[np.ndarray], np.ndarray],
    rng: np.random.Generator,
) -> np.ndarray:
    """``n`` grid values (the codec's units) in a seeded order: distinct within ``clip`` by the
    learned density (``cdf``: its cumulative share at each value); where ``n`` exceeds the points
    there, the points up to ``reach`` (before, after) past the clip points too, then the points
    inside again, a round at a time."""
    index = _inside(grid, clip)
    masses = _masses(grid.values(index), cdf)
    if n == 0:
        return np.zeros(0)
    if n < index.size:
        picked = _spread(index, masses, n, rng)
    else:
        picked = np.concatenate([_past_ends(grid, index, clip, reach, n - index.size), index])
        rounds = [_spread(index, masses, m, rng) for m in _rounds(n - picked.size, index.size)]
        picked = np.concatenate([picked, *rounds])
    values = grid.values(picked)
    return values[rng.permutation(values.size)]


def _past_ends(
    grid: Grid, index: np.ndarray, clip: tuple[float, float], reach: tuple[float, float], extra: int
) -> np.ndarray:
    """Up to ``extra`` grid points past the clip points, within ``reach`` of them: half before,
    half after, the nearest first (one side takes what the other has not)."""
    low = grid.points(clip[0] - reach[0], clip[0])
    high = grid.points(clip[1], clip[1] + reach[1])
    low, high = low[low < index[0]], high[high > index[-1]]
    after = min(high.size, extra - min(low.size, extra // 2))
    before = min(low.size, extra - after)
    return np.concatenate([low[low.size - before :], high[:after]])


def _spread(index: np.ndarray, masses: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct ones of ``index`` by their ``masses`` (all of them where ``n`` is their number)."""
    return index if n == index.size else index[_systematic(_inclusion(masses, n), n, rng)]


def _rounds(rows: int, points: int) -> list[int]:
    """The rows each round of the points takes again: every point once, the rest in a last round."""
    return [points] * (rows // points) + ([rows % points] if rows % points else [])


def _masses(values: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Each grid value's share of the learned density: the cumulative share between the midpoints
    to its neighbours (the first and last take what lies beyond them)."""
    cuts = cdf((values[1:] + values[:-1]) / 2)
    return np.diff(np.concatenate([[0.0], np.maximum.accumulate(cuts), [1.0]]))


def _inclusion(masses: np.ndarray, n: int) -> np.ndarray:
    """Each point's chance of being taken, summing to ``n``: proportional to its mass, capped at 1
    (the mass the capped points cannot take goes to the others)."""
    total = masses.sum()
    learned = masses / total if total > 0 else np.zeros(masses.size)
    share = (1 - DENSITY_FLOOR) * learned + DENSITY_FLOOR / masses.size
    order = np.argsort(-share, kind="stable")
    ranked = share[order]
    rest = np.cumsum(ranked[::-1])[::-1]  # rest[k]: the mass of the points from the k-th largest on
    capped = np.arange(n)
    scale = (n - capped) / rest[capped]
    first = int(np.argmax(ranked[capped] * scale <= 1 + 1e-9))  # the first point that needs no cap
    out = np.minimum(share * scale[first], 1.0)
    out[order[:first]] = 1.0
    return out


def _systematic(chances: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct indices, index i taken with chance ``chances[i]`` (each <= 1, summing to n):
    one seeded start, then every whole step along their running sum, so the points spread evenly
    over the density and no point whose chance fits in a step is taken twice."""
    running = np.cumsum(chances)
    running *= n / running[-1]
    at = np.searchsorted(running, rng.random() + np.arange(n), side="right")
    ranks = np.arange(n)
    at = np.maximum.accumulate(at - ranks) + ranks  # rounding can put two on one point: the next one up
    return np.minimum(at, chances.size - n + ranks)
