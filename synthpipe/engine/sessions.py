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

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.identifier import names_a_key

CONSTANT_SHARE = 0.99  # of the sessions with 2+ rows, the share where a session column holds one value


@dataclass(frozen=True)
class Sessions:
    """``key`` names the nested key (not learned: fresh keys, one per synthetic session), written
    right after the column ``after`` (None: first); ``left``, ``count`` and ``opens`` are the
    hidden columns holding the entity's rows from the session's first on (given, not drawn: the
    last session fills what is left), each row's session size and whether the row opens a session
    after another; ``columns`` are constant within a session."""

    key: str
    after: str | None
    left: str
    count: str
    opens: str
    columns: tuple[str, ...]

    @property
    def prefix(self) -> list[str]:
        """What a session's rows share, in chain order: the rows left, its size, its columns, then
        the opening flag (set per row by ``grouped``, after the columns it is drawn with)."""
        return [self.left, self.count, *self.columns, self.opens]

    @property
    def hidden(self) -> list[str]:
        return [self.left, self.count, self.opens]

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "after": self.after,
            "left": self.left,
            "count": self.count,
            "opens": self.opens,
            "columns": list(self.columns),
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
        )


def nests_in(frame: pd.DataFrame, inner: str, outer: str) -> bool:
    """Whether every value of ``inner`` belongs to one value of ``outer``, and ``inner`` splits
    ``outer``'s values further (a session under one user; a user holds several sessions)."""
    pairs = frame[[inner, outer]].dropna()
    if pairs.empty or pairs[inner].nunique() <= pairs[outer].nunique():
        return False
    return bool((pairs.groupby(inner, sort=False)[outer].nunique() == 1).all())


def nested_key(frame: pd.DataFrame, key: str, min_sessions: int) -> str | None:
    """The first column named like a key, never null, that nests in the entity ``key``
    (``nests_in``) with at least ``min_sessions`` sessions of two rows or more."""
    for name in frame.columns:
        if name == key or not names_a_key(str(name)) or frame[name].isna().any():
            continue
        if frame[name].dtype.kind not in "iuO" and not pd.api.types.is_string_dtype(frame[name]):
            continue
        if int((frame[name].value_counts() >= 2).sum()) >= min_sessions and nests_in(frame, str(name), key):
            return str(name)
    return None


def session_codes(keys: pd.Series) -> np.ndarray:
    """Per row, its session's number (0, 1, ... in order of appearance)."""
    return pd.factorize(keys)[0].astype(np.int64)


def session_sizes(codes: np.ndarray) -> np.ndarray:
    """Per row, its session's rows."""
    return np.bincount(codes)[codes]


def rows_left(codes: np.ndarray, entity: np.ndarray, order: pd.Series | None) -> np.ndarray:
    """Per row, its entity's rows from its session's first on along ``order`` (ties and no order:
    the rows' own order): the last session's size, a bound on every other's."""
    place = np.arange(codes.size)
    by = [place] if order is None else [place, order.to_numpy()]
    ranked = np.lexsort((*by, entity))  # each entity's rows in its order
    opens = np.r_[True, entity[ranked][1:] != entity[ranked][:-1]] if codes.size else np.zeros(0, dtype=bool)
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
    place = np.arange(codes.size)
    by = [place] if order is None else [place, order.to_numpy()]
    ranked = np.lexsort((*by, codes))  # sessions together, each in its order
    first = np.zeros(codes.size, dtype=bool)
    starts = np.r_[True, codes[ranked][1:] != codes[ranked][:-1]] if codes.size else np.zeros(0, dtype=bool)
    first[ranked[starts]] = True
    return first


def constant_columns(frame: pd.DataFrame, codes: np.ndarray, candidates: list[str]) -> list[str]:
    """Of ``candidates``, those holding one value (nulls one too) in ``CONSTANT_SHARE`` of the
    sessions with two rows or more."""
    repeated = session_sizes(codes) >= 2
    if not repeated.any():
        return []
    groups = frame[repeated].groupby(codes[repeated], sort=False)
    return [name for name in candidates if (groups[name].nunique(dropna=False) == 1).mean() >= CONSTANT_SHARE]


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


def first_rows(session: np.ndarray) -> np.ndarray:
    """Per session (ordinals 0, 1, ... in row order), the position of its first row."""
    if not session.size:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, session[1:] != session[:-1]])
