"""Columns that never hold the same value in one row: a match's home and away team, a
transfer's sender and receiver, a flight's origin and destination.

Why: the network draws each column from a distribution, so 0.6% of synthetic Bundesliga
matches had a team play itself, although no real match does. Where two columns share values
and no training row holds one value in both, although columns drawn independently would have
done so in at least ``min_rows`` rows, the later column of the chain is drawn with the earlier
one's value taken out (model.sample_tokens). Only tokens that stand for one real value take
part: two rare values merged into ``_RARE_`` may well differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.dependencies import value_tokens
from synthpipe.engine.model import Exclusion


@dataclass(frozen=True)
class Unequal:
    """``second`` never equals ``first``: ``mapping[token]`` is the token of ``second`` that
    holds the value of ``first``'s token (-1 where ``second`` has no such token)."""

    first: str
    second: str
    mapping: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.first} != {self.second}"

    def to_json(self) -> list[Any]:
        return [self.first, self.second, list(self.mapping)]

    @classmethod
    def from_json(cls, item: list[Any]) -> Unequal:
        first, second, mapping = item
        return cls(str(first), str(second), tuple(int(t) for t in mapping))


def detect(tokens: dict[int, np.ndarray], codecs: list[Codec], min_rows: int) -> list[Unequal]:
    """Every pair of comparable columns, in ``tokens``' order (the chain's), that share two or
    more values and are never equal in a training row where chance would have made them equal
    in ``min_rows`` rows or more."""
    values = {i: v for i in tokens if (v := _token_values(codecs[i])) is not None}
    order = list(values)
    found = []
    for pos, a in enumerate(order):
        for b in order[pos + 1 :]:
            if not _comparable(codecs[a], codecs[b]):
                continue
            mapping = _same_value_tokens(values[a], values[b])
            if (mapping >= 0).sum() >= 2 and _never_equal(tokens[a], tokens[b], mapping, min_rows):
                found.append(Unequal(codecs[a].storage.name, codecs[b].storage.name, tuple(mapping.tolist())))
    return found


def exclusions(pairs: list[Unequal], positions: dict[str, int], sizes: dict[str, int]) -> list[Exclusion]:
    """(earlier model column, later model column, token map) for model.sample_tokens; a pair
    whose second column the chain draws first (cells and quotas head it) mapped the other way."""
    out = []
    for u in pairs:
        if u.first in positions and u.second in positions:
            first, second, mapping = positions[u.first], positions[u.second], np.asarray(u.mapping, dtype=np.int64)
            out.append(
                (first, second, mapping) if first < second else (second, first, _inverse(mapping, sizes[u.second]))
            )
    return out


def _inverse(mapping: np.ndarray, size: int) -> np.ndarray:
    """Per token of the second column, the first column's token of its value (-1: none)."""
    inverse = np.full(size, -1, dtype=np.int64)
    held = np.flatnonzero(mapping >= 0)
    inverse[mapping[held]] = held
    return inverse


def _token_values(codec: Codec) -> list[Any] | None:
    """Per token, the one real value it stands for (None for the others); None when the
    column's tokens are not values (binned numbers, keys, offsets)."""
    exact = value_tokens(codec)
    if exact is None:
        return None
    # value_tokens admits categories and exact-valued numbers only
    kept = codec.categories if isinstance(codec, CategoricalCodec) else cast(NumericCodec, codec).p.values
    first = int(np.argmax(exact))
    return [kept[t - first] if exact[t] else None for t in range(codec.n_tokens)]


def _comparable(a: Codec, b: Codec) -> bool:
    """Same kind of value in the same unit (a date's day numbers are not a count's)."""
    if type(a) is not type(b) or a.storage.logical != b.storage.logical:
        return False
    return not isinstance(a, NumericCodec) or a.p.grain == cast(NumericCodec, b).p.grain


def _same_value_tokens(first: list[Any], second: list[Any]) -> np.ndarray:
    where = {v: t for t, v in enumerate(second) if v is not None}
    return np.asarray([where.get(v, -1) if v is not None else -1 for v in first], dtype=np.int64)


def _never_equal(a: np.ndarray, b: np.ndarray, mapping: np.ndarray, min_rows: int) -> bool:
    """No row equal, and independent columns would have been in ``min_rows`` rows or more."""
    if np.any(mapping[a] == b):
        return False
    shares_a = np.bincount(a, minlength=mapping.size) / a.size
    shares_b = np.bincount(b, minlength=int(mapping.max()) + 1) / b.size
    shared = np.flatnonzero(mapping >= 0)
    expected = a.size * float(np.sum(shares_a[shared] * shares_b[mapping[shared]]))
    return expected >= min_rows
