"""Sessions within users: a second repeated key nested in the entity key (an events query's
``session_id`` beside its ``user_id``, an order's lines beside its customer).

Why: one entity key was all the engine knew. Learned as a plain column, an events table's
``session_id`` (800 users, 2,412 sessions, 9,573 events) came back as a number drawn per row:
89% of synthetic sessions held rows of several users, a session's device changed within 73% of
them, and its events spanned a median of 173 days (real: 2.5 minutes). Taken as the entity
(``session_id`` first in the table), each user's age changed between their sessions in 79% of
users.

So the outer key stays the entity and the nested key is not learned: each row carries its
session's row count and whether it opens its session (hidden columns, learned, never emitted),
and the columns constant within a session (its device, its start) follow them right after the
entity's head in the chain, learned one count per session (each row's loss weighted 1 / its
session's rows). Sampling draws these for every row of an entity, then walks its rows: a row
opens a session of the size it drew, the next rows take that session's values (``grouped``),
and the rest of each row is drawn given them; a date learned as its step from the entity's
previous row (``entities.as_date_steps``) is drawn knowing whether the row opens a session, so
a session's events come minutes apart and sessions days apart. Each session gets a fresh key,
in the real key's format, past the real keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine import entities
from synthpipe.engine.codecs.identifier import names_a_key

CONSTANT_SHARE = 0.99  # of the sessions with 2+ rows, the share where a session column holds one value


@dataclass(frozen=True)
class Sessions:
    """``key`` names the nested key (not learned: fresh keys, one per synthetic session), written
    right after the column ``after`` (None: first); ``left``, ``count`` and ``opens`` are the
    hidden columns holding the entity's rows from the session's first on (given, not drawn: the
    last session fills what is left), each row's session size and whether the row opens a session
    after another; ``columns`` are constant within a session; ``category``: the key was categorical
    (a pandas category, an Arrow dictionary), learned on its values and written back as one;
    ``still``: the entity's stepped dates constant within a session (a ``session_start``: no step
    but between sessions); ``rising``: numbers and dates that never go down along a session's rows
    (an event's ``ts`` learned as its offset from ``session_start``), sorted within each;
    ``totals``: per column among ``columns`` that is an aggregate of a row's number over its
    session's rows (an order's total, the sum of its lines' amounts), that number and the
    aggregate (``entities.ENTITY_TOTALS``): learned as drawn per session, then rebuilt from its
    rows once they are final (``totals``)."""

    key: str
    after: str | None
    left: str
    count: str
    opens: str
    columns: tuple[str, ...]
    category: bool = False
    still: tuple[str, ...] = ()
    rising: tuple[str, ...] = ()
    nulls: str | None = None
    totals: dict[str, tuple[str, str]] = field(default_factory=dict, hash=False)

    @property
    def prefix(self) -> list[str]:
        """What a session's rows share, in chain order: the rows left, its size, its columns,
        whether its key is null, then the opening flag (set per row by ``grouped``, after the
        columns it is drawn with)."""
        return [self.left, self.count, *self.columns, *self.null_flag, self.opens]

    @property
    def hidden(self) -> list[str]:
        return [self.left, self.count, self.opens, *self.null_flag]

    @property
    def null_flag(self) -> list[str]:
        """The hidden column of the sessions whose key is null (rows in no session), if any."""
        return [] if self.nulls is None else [self.nulls]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "after": self.after,
            "left": self.left,
            "count": self.count,
            "opens": self.opens,
            "columns": list(self.columns),
            "category": self.category,
            "still": list(self.still),
            "rising": list(self.rising),
            "nulls": self.nulls,
            "totals": {name: list(total) for name, total in self.totals.items()},
        }

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Sessions:
        after = item["after"]
        return cls(
            str(item["key"]),
            None if after is None else str(after),
            str(item["left"]),
            str(item["count"]),
            str(item["opens"]),
            tuple(str(name) for name in item["columns"]),
            bool(item.get("category", False)),
            tuple(str(name) for name in item.get("still", [])),
            tuple(str(name) for name in item.get("rising", [])),
            None if item.get("nulls") is None else str(item["nulls"]),
            {str(name): (str(source), str(how)) for name, (source, how) in item.get("totals", {}).items()},
        )


def nests_in(frame: pd.DataFrame, inner: str, outer: str) -> bool:
    """Whether every value of ``inner`` belongs to one value of ``outer``, and ``inner`` splits
    ``outer``'s values further (a session under one user; a user holds several sessions)."""
    pairs = frame[[inner, outer]].dropna()
    if pairs.empty or pairs[inner].nunique() <= pairs[outer].nunique():
        return False
    return bool((pairs.groupby(inner, sort=False)[outer].nunique() == 1).all())


def nested_key(frame: pd.DataFrame, key: str, min_sessions: int) -> str | None:
    """The first column named like a key that nests in the entity ``key`` (``nests_in``) with at
    least ``min_sessions`` sessions of two rows or more; its nulls are rows in no session. Why
    not only a key never null: an events table whose ``session_id`` was null in a few rows had its
    sessions learned as a number (88% of synthetic sessions held several users' rows)."""
    for name in frame.columns:
        if name == key or not names_a_key(str(name)) or frame[name].isna().all():
            continue
        if not _keys_kind(frame[name]):
            continue
        if int((frame[name].value_counts() >= 2).sum()) >= min_sessions and nests_in(frame, str(name), key):
            return str(name)
    return None


def _keys_kind(series: pd.Series) -> bool:
    """Integers, text, or floats that hold whole numbers only: an Arrow integer key with nulls
    reads as float64 (``to_pandas``). Why: a DuckDB query's ``session_id`` null in 3% of its rows
    was no session key, and 91% of synthetic sessions held several users' rows."""
    if series.dtype.kind in "iuO" or pd.api.types.is_string_dtype(series):
        return True
    values = series.dropna().to_numpy()
    return series.dtype.kind == "f" and bool(np.isfinite(values).all() and (values == np.round(values)).all())


def one_key_per_session(keys: pd.Series, guests: np.ndarray, session: pd.Series) -> pd.Series:
    """``keys`` with each ``guests`` row (a null entity key given a stand-in of its own) taking the
    stand-in of its session's first guest row: a guest session is one entity. Why: one stand-in per
    row split a guest session of 5 events over 5 entities, so the session key nested in no entity
    key and every session was learned as a number (88% of synthetic sessions held several users)."""
    if not guests.any():
        return keys
    first = keys[guests].groupby(session[guests].to_numpy(), sort=False).transform("first")
    out = keys.copy()
    out[guests] = first.where(first.notna(), keys[guests]).to_numpy()  # no session: a guest of its own
    return out


def session_sizes(codes: np.ndarray) -> np.ndarray:
    """Per row, its session's rows."""
    return np.bincount(codes)[codes]


def rows_left(codes: np.ndarray, entity: np.ndarray, order: pd.Series | None) -> np.ndarray:
    """Per row, its entity's rows from its session's first on along ``order`` (ties and no order:
    the rows' own order): the last session's size, a bound on every other's."""
    place = np.arange(codes.size)
    ranked, opens = _in_order(entity, order)
    within = np.empty(codes.size, dtype=np.int64)
    within[ranked] = place - np.maximum.accumulate(np.where(opens, place, 0))
    first = pd.Series(within).groupby(codes).transform("min").to_numpy()
    return np.bincount(entity)[entity] - first


def opening_rows(codes: np.ndarray, entity: np.ndarray, order: pd.Series | None) -> np.ndarray:
    """Per row, whether it opens a session after another of its ``entity`` along ``order`` (the
    entity's order column; ties and no order: the rows' own order): its session's first row, not
    its entity's. Why not the entity's: a date learned as its steps gives that row its next row's
    step (entities.as_date_steps), one within a session, and the flag is what tells a step between
    sessions (days) from one within (seconds)."""
    return _first_rows_of(codes, order) & ~_first_rows_of(entity, order)


def _first_rows_of(codes: np.ndarray, order: pd.Series | None) -> np.ndarray:
    ranked, starts = _in_order(codes, order)
    first = np.zeros(codes.size, dtype=bool)
    first[ranked[starts]] = True
    return first


def _in_order(codes: np.ndarray, order: pd.Series | None) -> tuple[np.ndarray, np.ndarray]:
    """The rows grouped by ``codes``, each group's along ``order`` (ties and no order: the rows'
    own order), and where each group starts in that ranking."""
    place = np.arange(codes.size)
    ranked = np.lexsort((place, codes) if order is None else (place, order.to_numpy(), codes))
    starts = np.r_[True, codes[ranked][1:] != codes[ranked][:-1]] if codes.size else np.zeros(0, dtype=bool)
    return ranked, starts


def constant_columns(frame: pd.DataFrame, codes: np.ndarray, candidates: list[str]) -> list[str]:
    """Of ``candidates``, those holding one value (nulls one too) in ``CONSTANT_SHARE`` of the
    sessions with two rows or more."""
    repeated = session_sizes(codes) >= 2
    if not repeated.any():
        return []
    groups = frame[repeated].groupby(codes[repeated], sort=False)
    return [name for name in candidates if (groups[name].nunique(dropna=False) == 1).mean() >= CONSTANT_SHARE]


def rising_columns(values: dict[str, np.ndarray], codes: np.ndarray) -> list[str]:
    """Of ``values`` (each column's numbers, in row order), those that go down within no more
    than 1 - ``CONSTANT_SHARE`` of the sessions with two rows or more and go up in half of them,
    nulls in none: an event's time within its session, a session's running count."""
    repeated = session_sizes(codes) >= 2
    if not repeated.any():
        return []
    within = codes[repeated]
    return [name for name, column in values.items() if _rises(column[repeated], within)]


def _rises(values: np.ndarray, codes: np.ndarray) -> bool:
    if np.isnan(values).any():
        return False
    step = pd.Series(values).groupby(codes, sort=False).diff().to_numpy()
    down = pd.Series(step < 0).groupby(codes, sort=False).any()
    up = pd.Series(step > 0).groupby(codes, sort=False).any()
    return bool((~down).mean() >= CONSTANT_SHARE and up.mean() >= 0.5)


def sorted_within(values: np.ndarray, session: np.ndarray) -> np.ndarray:
    """``values`` in ascending order within each session (ordinals ascending along the rows,
    ``grouped``), nulls last."""
    return values[np.lexsort((values, np.isnan(values), session))] if values.size else values


def within_rows(session: np.ndarray) -> np.ndarray:
    """Per row, whether it goes on the session of the row before (not its first row)."""
    return np.r_[False, session[1:] == session[:-1]] if session.size else np.zeros(0, dtype=bool)


def grouped(sizes: np.ndarray, entity: np.ndarray) -> np.ndarray:
    """Per row, its session's ordinal in the block: each entity's rows in turn, a row that opens a
    session taking the next ``sizes[row]`` rows of its entity (fewer where the entity ends first)."""
    session = np.empty(entity.size, dtype=np.int64)
    ends = np.r_[np.flatnonzero(entity[1:] != entity[:-1]) + 1, entity.size] if entity.size else np.zeros(0, int)
    wanted = np.maximum(np.rint(np.nan_to_num(sizes, nan=1.0)), 1).astype(np.int64).tolist()
    row, number, end_at = 0, 0, iter(ends.tolist())
    end = next(end_at, 0)
    while row < entity.size:
        if row >= end:
            end = next(end_at)
        stop = min(row + wanted[row], end)
        session[row:stop] = number
        row, number = stop, number + 1
    return session


def totals(
    numbers: dict[str, np.ndarray],
    times: dict[str, np.ndarray],
    codes: np.ndarray,
    shared: list[str],
    min_sessions: int,
) -> dict[str, tuple[str, str]]:
    """Of the ``shared`` columns (one value per session), those that are an aggregate
    (``entities.ENTITY_TOTALS``) of another of the ``numbers`` over their session's rows, or the
    first or last of another of the ``times`` (in ns), in every session but 1% and in
    ``min_sessions`` sessions of 2 rows or more (``codes``: per row, its session; -1 for a row in
    none, left out); per column, its source and aggregate. Why: drawn once per session, an order's
    total was the sum of its lines' amounts in 5% of 2,400 synthetic orders (real: every one), and
    a session's ``MIN(ts) OVER (PARTITION BY session_id)`` its first event's time in 88% of
    synthetic sessions, its last in 80%."""
    inside = codes >= 0
    rows = np.flatnonzero(inside)[np.argsort(codes[inside], kind="stable")]  # each session's rows together
    found: dict[str, tuple[str, str]] = {}
    for values, hows in ((numbers, tuple(entities.ENTITY_TOTALS)), (times, ("min", "max"))):
        ordered = {name: column[rows] for name, column in values.items()}
        results = [n for n in shared if n in values and n not in found]
        sources = [name for name in values if name not in shared]
        found |= entities.totals_among(ordered, codes[rows], results, sources, min_sessions, hows)
    return found


def stretched(
    values: np.ndarray, session: np.ndarray, first: np.ndarray | None, last: np.ndarray | None, alone: np.ndarray
) -> np.ndarray:
    """A time's values moved within each session so its earliest falls on the session's ``first``
    and its latest on its ``last`` (both: stretched in between, the events' order and their gaps'
    proportions kept; one: shifted onto it); the rows ``alone`` (in no session) as they are. Why
    not the other way round, the first and last rebuilt from the events as drawn: the events had
    been held between the drawn first and last, so the median session shrank from 94 to 52 seconds."""
    frame = pd.DataFrame({"v": values, "s": session})[~alone]
    low, high = (frame.groupby("s")["v"].transform(how).to_numpy() for how in ("min", "max"))
    within = ~alone
    out = values.copy()
    if first is not None and last is not None:
        span = np.where(high > low, high - low, 1.0)
        share = np.where(high > low, (values[within] - low) / span, 0.0)
        out[within] = first[within] + share * (last[within] - first[within])
    elif first is not None:
        out[within] = values[within] + (first[within] - low)
    elif last is not None:
        out[within] = values[within] + (last[within] - high)
    return out


def with_totals(
    numbers: dict[str, np.ndarray], session: np.ndarray, found: dict[str, tuple[str, str]], alone: np.ndarray
) -> None:
    """Each session total in ``numbers`` rebuilt, in place, from its source over the session's rows
    as drawn and final; the rows ``alone`` (in no session: their key is null) keep theirs."""
    for name, (source, how) in found.items():
        if name in numbers and source in numbers:
            numbers[name] = np.where(alone, numbers[name], entities.totals_of(numbers[source], session, how))
