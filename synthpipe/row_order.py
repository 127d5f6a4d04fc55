"""Seeded choices and row orders set by the rows' values, never by the order they arrive in.

Why: a database returns the rows of a query without ORDER BY (a GROUP BY, a parallel join) in
another order on each run. Every seeded choice the pipeline made by position (the holdout split,
the engine's training sample and the order it learns in, the privacy filters' reference rows,
the report's samples) then differed, and the same seed gave other synthetic rows. Choosing rows
by a seeded hash of their values and sorting them on it makes a run depend on the rows alone.

Copies of one row hash alike, so they would all fall on one side of every choice: a holdout of
whole groups of copies holds no row that training also holds, unlike real unseen people in a
table of few distinct rows, and the privacy filters then dropped every synthetic row that equals
a common training row. The k-th copy is therefore chosen by its hash and k: copies are spread
like any rows, and as they are interchangeable, which copy is the k-th never shows.
"""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np
import pandas as pd

_GOLDEN = 0x9E3779B97F4A7C15
_COPY_STEP = 0xD1B54A32D192ED03  # spreads the k-th copy's key away from the first's
_CHUNK = 1 << 16
_RANGE_ROWS = 1 << 20  # rows per hash range when copies are counted (bounds the sort's memory)


class Purpose(IntEnum):
    """Each choice gets its own salt, so the rows held out are not also the first ones learned."""

    HOLDOUT = 1
    TRAINING_SAMPLE = 2
    ORDER = 3
    REFERENCE = 4
    RUN_START = 5


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's values (column names and row labels left out). Values pandas
    cannot hash (arrays, mappings) are hashed as their text, so such a column reaches the engine,
    which names it in its error."""
    try:
        return pd.util.hash_pandas_object(frame, index=False).to_numpy(dtype=np.uint64)
    except TypeError:
        hashable = {name: _hashable(column) for name, column in frame.items()}
        return pd.util.hash_pandas_object(pd.DataFrame(hashable), index=False).to_numpy(dtype=np.uint64)


def value_hashes(values: pd.Series) -> np.ndarray:
    """``row_hashes`` of one column's values (a key's values, its distinct values)."""
    return row_hashes(pd.DataFrame({"value": values}))


def _hashable(column: pd.Series) -> pd.Series:
    try:
        pd.util.hash_pandas_object(column, index=False)
    except TypeError:
        return column.map(repr)
    return column


def salted(hashes: np.ndarray, seed: int, purpose: Purpose, copies: np.ndarray | None = None) -> np.ndarray:
    """``hashes`` remixed for one seed and purpose (splitmix64's finaliser): ranks by it are a
    seeded shuffle of the distinct values; with ``copies`` (``occurrences``) of the rows.
    Mixed in chunks: one output array is all it holds."""
    out = np.empty(hashes.size, dtype=np.uint64)
    for start in range(0, hashes.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        out[part] = _mixed(hashes[part], seed, purpose, None if copies is None else copies[part])
    return out


def _mixed(hashes: np.ndarray, seed: int, purpose: Purpose, copies: np.ndarray | None) -> np.ndarray:
    part = hashes.astype(np.uint64) + np.uint64((seed * 16 + int(purpose)) * _GOLDEN % 2**64)
    if copies is not None:
        part += copies.astype(np.uint64) * np.uint64(_COPY_STEP)
    part ^= part >> np.uint64(30)
    part *= np.uint64(0xBF58476D1CE4E5B9)
    part ^= part >> np.uint64(27)
    part *= np.uint64(0x94D049BB133111EB)
    part ^= part >> np.uint64(31)
    return part


def occurrences(hashes: np.ndarray) -> np.ndarray:
    """Per row, how many earlier rows hash alike (0: a row's first copy, 1: its second, ...).
    Counted one hash range at a time: a sort of ~1M rows' hashes is the most it holds at once."""
    out = np.zeros(hashes.size, dtype=np.uint32)
    bits = min(8, max(0, math.ceil(math.log2(max(hashes.size, 1) / _RANGE_ROWS))))
    top = (hashes >> np.uint64(64 - bits)).astype(np.uint16) if bits else None
    for part in range(1 << bits):
        rows = np.arange(hashes.size) if top is None else np.flatnonzero(top == part)
        values = hashes[rows]
        order = np.argsort(values, kind="stable")
        ranked = values[order]
        starts = np.r_[True, ranked[1:] != ranked[:-1]] if ranked.size else np.zeros(0, dtype=bool)
        position = np.arange(ranked.size)
        out[rows[order]] = position - np.maximum.accumulate(np.where(starts, position, 0))
    return out


def lowest(hashes: np.ndarray, count: int, seed: int, purpose: Purpose) -> np.ndarray:
    """A mask of the ``count`` rows whose salted hashes (copies spread by ``occurrences``) are
    smallest. Selected by partitioning one salted copy in place and mixing again chunk by chunk:
    12 bytes a row more, not 24."""
    mask = np.zeros(hashes.size, dtype=bool)
    if count <= 0 or count >= hashes.size:
        return mask if count <= 0 else ~mask
    copies = occurrences(hashes)
    keys = salted(hashes, seed, purpose, copies)
    keys.partition(count - 1)
    threshold = keys[count - 1]
    del keys
    ties: list[np.ndarray] = []
    for start in range(0, hashes.size, _CHUNK):
        part = _mixed(hashes[start : start + _CHUNK], seed, purpose, copies[start : start + _CHUNK])
        mask[start : start + part.size] = part < threshold
        ties.append(np.flatnonzero(part == threshold) + start)
    tied = np.concatenate(ties)
    mask[tied[: count - int(mask.sum())]] = True
    return mask


def seeded_order(hashes: np.ndarray, seed: int) -> np.ndarray:
    """Positions sorted by their salted hash; rows that hash alike keep the order they came in."""
    return np.argsort(salted(hashes, seed, Purpose.ORDER), kind="stable")


def in_content_order(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """``frame`` with its rows in a seeded order set by their values (row labels renumbered)."""
    return frame.iloc[seeded_order(row_hashes(frame), seed)].reset_index(drop=True)


def value_order(frame: pd.DataFrame, key: str | None = None) -> np.ndarray:
    """The positions of ``frame``'s rows sorted by their values, first column first (nulls
    first). With ``key`` naming entities (a user's actions) the rows are sorted by it alone, so
    each entity's rows stay together and in the order they came in: that order is data.

    Why values, not hashes, for the rows the engine learns: a table read by its key (``SELECT id,
    ...``) then still has that key in row order, which the engine takes as a sign of a key."""
    columns = [key] if key is not None else list(frame.columns)
    return np.lexsort([_sort_codes(frame[name]) for name in reversed(columns)])


def _sort_codes(column: pd.Series) -> np.ndarray:
    """Each value's rank among the column's distinct values (-1: null); values that do not
    compare (text mixed with numbers) are ranked by their hash."""
    values = column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column
    try:
        return pd.factorize(values, sort=True)[0]
    except TypeError:
        return pd.factorize(row_hashes(column.to_frame()), sort=True)[0]
