"""Text columns that join two others: ``sample`` = ``batch`` + ":" + ``cask``, ``full_name`` =
``first_name`` + " " + ``last_name``, a query's ``CONCAT`` or ``||``.

Why: each joined value is held by the few rows that share both parts, so rare-category protection
merged Pastes' ``sample`` (a batch and a cask, 2 rows each) into ``_RARE_`` in every row, though it
only spells its row's batch and cask. Where a text column equals two other columns joined by one
separator in every training row, it is rebuilt from the row's synthetic parts: as private as they
are (a part merged into the rare token makes the whole rare), and in agreement with them.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pandas as pd

SEPARATORS = (":", " ", "-", "_", "/", ".", ", ", "|", "; ", "")  # tried in this order
PROBE_ROWS = 64  # a candidate is tried on this many rows before all of them
MAX_PARTS = 40  # joins are looked for among at most this many part columns
MAX_SEPARATOR = 8  # characters a saved separator may have


@dataclass(frozen=True)
class Join:
    result: str
    left: str
    separator: str
    right: str

    def __str__(self) -> str:
        return f"{self.result} = {self.left} + {self.separator!r} + {self.right}"

    def to_json(self) -> list[str]:
        return [self.result, self.left, self.separator, self.right]

    @classmethod
    def from_json(cls, item: list[object]) -> Join:
        result, left, separator, right = (str(part) for part in item)
        if len(separator) > MAX_SEPARATOR or len({result, left, right}) < 3:
            raise ValueError(f"not a join: {item!r}")
        return cls(result, left, separator, right)

    def rebuilt(self, frame: pd.DataFrame, rare_token: str) -> pd.Series:
        """The result column spelled from ``frame``'s parts; the rare token where a part is one."""
        left, right = frame[self.left].astype(str), frame[self.right].astype(str)
        joined = left + self.separator + right
        return joined.where((left != rare_token) & (right != rare_token), rare_token)


def detect(frame: pd.DataFrame, texts: list[str], parts: list[str]) -> list[Join]:
    """Each of the ``texts`` columns that equals two ``parts`` columns joined by one of the
    ``SEPARATORS`` in every row (none null); a column is the result of one join at most and no
    result is a part. The first join found wins: parts in table order, separators in theirs."""
    parts = [p for p in parts if not frame[p].isna().any()][:MAX_PARTS]
    spelled = {p: frame[p].astype(str) for p in parts}
    found: list[Join] = []
    for result in texts:
        whole = frame[result]
        if whole.isna().any() or len(whole) == 0:
            continue
        join = _join_of(result, whole.astype(str), {p: s for p, s in spelled.items() if p != result})
        if join is not None:
            found.append(join)
    results = {j.result for j in found}
    return [j for j in found if j.left not in results and j.right not in results]


def _join_of(result: str, whole: pd.Series, spelled: dict[str, pd.Series]) -> Join | None:
    probe = whole.iloc[:PROBE_ROWS].tolist()
    heads = [
        p for p, s in spelled.items() if all(w.startswith(v) for w, v in zip(probe, s.iloc[:PROBE_ROWS], strict=True))
    ]
    tails = [
        p for p, s in spelled.items() if all(w.endswith(v) for w, v in zip(probe, s.iloc[:PROBE_ROWS], strict=True))
    ]
    for left, right in itertools.product(heads, tails):
        if left == right:
            continue
        for separator in SEPARATORS:
            if (spelled[left] + separator + spelled[right]).equals(whole):
                return Join(result, left, separator, right)
    return None
