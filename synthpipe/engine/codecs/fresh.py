"""Rare bytes written anew: fresh bytes under the label a rare binary value is generalised to.

Why: a binary column (``bytea``, ``BLOB``) is learned as its hex text, and a rare value comes back
as the label that enough rows share (``prefixes.py``: ``00**``, or ``****``, its length alone).
A label is no bytes, so every rare value came back null: a BLOB of 2-byte codes, none of them
null and most of them rare, came back 93% null. Now a label's masked places are filled in anew.
Where few places are masked (under 8 bytes' worth), a filling could be a real value again, so the
fillings are drawn at fit among those that are no real value of the column, as many as the
label's distinct real values (so the rare values keep about their count), and sampling draws
among them (a label whose every filling is real takes the fillings of a label a place wider:
``011*`` those of ``01**``). Where more are masked, a filling is drawn at sampling: it meets a real value by the
real values' share of 16**16 or more fillings (one in 10**13 for a million real values, the
chance the identifier codec takes for random keys). The rare token (values whose length too few
rows share) takes the fillings of the label most rows hold. No filling is a real value, so no
rare value comes back verbatim; the fillings kept in the artifact tell no more than sampled rows
do (values that are not real).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.prefixes import MASK

RANDOM_PLACES = 16  # masked hex places (8 bytes) from which a random filling is as good as fresh
MAX_POOL = 256  # fillings drawn at fit per label
DRAWS_PER_FILLING = 4  # candidates drawn per filling wanted, before a crowded small space is listed whole
LISTED_PLACES = 4  # a space of up to 16**4 fillings is listed whole where drawing falls short
_HEX = np.array(list("0123456789abcdef"))
_LABEL = re.compile(rf"[0-9a-f]*{re.escape(MASK)}+")
_HEX_TEXT = re.compile(r"[0-9a-f]*")


@dataclass(frozen=True)
class FreshBytes:
    """``pools``: label -> the hex fillings drawn at fit (empty: every filling is a real value);
    a label with no pool is filled at random. ``stand_in``: the label whose fillings the rare
    token, and a label with no fresh filling, take (None: they stay, and come back null)."""

    pools: dict[str, list[str]]
    stand_in: str | None

    @classmethod
    def fit(cls, labels: Mapping[str, int], rare: int, real: pd.Index, rng: np.random.Generator) -> FreshBytes:
        """``labels``: label -> the distinct rare values it stands for, the most held first;
        ``rare``: the distinct values the rare token stands for; ``real``: every real value's hex.
        With no label, the rare token stands in for the column's median length (no value's own)."""
        stand_in = next(iter(labels), None) or (_length_label(real) if rare else None)
        wanted = dict(labels)
        if stand_in is not None:
            wanted[stand_in] = wanted.get(stand_in, 0) + rare
        taken = set(real.astype(str))
        pools = {
            label: _pool(label, count, taken, rng) for label, count in wanted.items() if _masks(label) < RANDOM_PLACES
        }
        return cls(pools=pools, stand_in=stand_in)

    def fill(self, values: np.ndarray, rare_label: str | None, rng: np.random.Generator) -> np.ndarray:
        """``values`` (hex text, labels and the rare token) with each label and rare token filled in."""
        out = values.copy()
        for label in pd.unique(values):
            if not isinstance(label, str) or not (MASK in label or label == rare_label):
                continue
            source = label if label != rare_label and self._fresh(label) else self.stand_in
            if source is not None and self._fresh(source):
                rows = values == label
                out[rows] = self._drawn(source, int(rows.sum()), rng)
        return out

    def _fresh(self, label: str) -> bool:
        return bool(self.pools.get(label, True))

    def _drawn(self, label: str, n: int, rng: np.random.Generator) -> np.ndarray:
        pool = self.pools.get(label)
        if pool is None:
            return _filled(label, rng.integers(16, size=(n, _masks(label))))
        return np.asarray(pool, dtype=object)[rng.integers(len(pool), size=n)]

    def to_json(self) -> dict[str, Any]:
        return {"pools": self.pools, "stand_in": self.stand_in}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FreshBytes:
        """Rebuilt from :meth:`to_json`; ValueError where a filling does not fit its label."""
        pools = {str(label): [str(v) for v in pool] for label, pool in dict(data["pools"]).items()}
        stand_in = data["stand_in"]
        for label in [*pools, *([stand_in] if stand_in is not None else [])]:
            if not _LABEL.fullmatch(label):
                raise ValueError(f"fresh bytes: {label!r} is no masked hex label")
        if any(len(v) != len(label) or not _HEX_TEXT.fullmatch(v) for label, pool in pools.items() for v in pool):
            raise ValueError("fresh bytes: a filling is no hex text of its label's length")
        return cls(pools=pools, stand_in=None if stand_in is None else str(stand_in))


def _masks(label: str) -> int:
    return len(label) - len(label.rstrip(MASK))


def _length_label(real: pd.Index) -> str:
    """The mask of the column's median length in whole bytes (one at least)."""
    return MASK * (2 * max(1, int(np.median(real.str.len())) // 2))


def _filled(label: str, digits: np.ndarray) -> np.ndarray:
    """``label`` with its masked places set to ``digits`` (a row of hex digits per filling)."""
    tails = np.ascontiguousarray(_HEX[digits]).view(f"<U{digits.shape[1]}").ravel()
    return np.char.add(label.rstrip(MASK), tails).astype(object)


def _pool(label: str, count: int, taken: set[str], rng: np.random.Generator) -> list[str]:
    """Up to ``count`` (at most MAX_POOL) distinct fillings of ``label`` that are no real value;
    where every filling is one (``011*`` where 0110 ... 011f all are), of the label a place wider
    (``01**``), and so on: the prefix fewer rows share is still one that enough rows do."""
    for keep in range(len(label.rstrip(MASK)), -1, -1):
        fresh = _fillings(label[:keep] + MASK * (len(label) - keep), min(count, MAX_POOL), taken, rng)
        if fresh:
            return fresh
    return []


def _fillings(label: str, wanted: int, taken: set[str], rng: np.random.Generator) -> list[str]:
    """Up to ``wanted`` distinct fillings of ``label`` that are not ``taken``: drawn at random, or
    where the real values crowd a small space, among all of its free ones."""
    places = _masks(label)
    drawn = _filled(label, rng.integers(16, size=(wanted * DRAWS_PER_FILLING, places)))
    fresh = list(dict.fromkeys(v for v in drawn if v not in taken))[:wanted]
    if len(fresh) < wanted and places <= LISTED_PLACES:
        every = _filled(label, np.array(list(itertools.product(range(16), repeat=places))))
        free = sorted(set(every) - taken - set(fresh))
        fresh += [free[i] for i in rng.permutation(len(free))[: wanted - len(fresh)]]
    return fresh
