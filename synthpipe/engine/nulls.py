"""Columns that are null exactly for some values of a label: a delivery time for every order but
the cancelled ones, a churn date only for churned customers, an end date only for closed accounts.

Why: the network draws a column's null token like any other, with a little probability left
everywhere, so 0.4% of a shop's synthetic orders had a delivery time although cancelled or none
although delivered, which no real order has. Where each value of a label (held by ``min_rows``
rows or more) always or never comes with the other column null in the training rows, some value
one way and some the other, the later column of the chain is drawn without the tokens the earlier
one rules out (model.sample_tokens): a delivery time is drawn null for a cancelled order, or an
order with no delivery time is drawn with a status whose orders are sometimes undelivered. Only
tokens that stand for one real value take part (``_RARE_`` may hold both kinds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.identifier import IdentifierCodec
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.dependencies import value_tokens
from synthpipe.engine.model import Exclusion

ALWAYS, NEVER, EITHER = 1, 0, -1


@dataclass(frozen=True)
class NullLink:
    """``column`` is null in every row of the ``label`` tokens marked ``ALWAYS`` in ``nulls`` and
    in none of those marked ``NEVER`` (``EITHER``: no rule); ``null_token`` is its null token."""

    label: str
    column: str
    null_token: int
    nulls: tuple[int, ...]

    def __str__(self) -> str:
        return f"{self.label} decides where {self.column} is null"

    def to_json(self) -> list[Any]:
        return [self.label, self.column, self.null_token, list(self.nulls)]

    @classmethod
    def from_json(cls, item: list[Any]) -> NullLink:
        label, column, null_token, nulls = item
        return cls(str(label), str(column), int(null_token), tuple(int(v) for v in nulls))

    def ruled_out(self, label_tokens: int, column_tokens: int, label_first: bool) -> np.ndarray:
        """Per token of the column drawn first (the label if ``label_first``), the other's tokens
        it rules out (a boolean mask, rows: the earlier column's tokens)."""
        nulls = np.asarray(self.nulls)
        is_null = np.arange(column_tokens) == self.null_token
        by_label = np.where(
            (nulls == ALWAYS)[:, None], ~is_null[None, :], np.where((nulls == NEVER)[:, None], is_null[None, :], False)
        )
        assert by_label.shape == (label_tokens, column_tokens)
        return by_label if label_first else by_label.T


def null_token(codec: Codec) -> int | None:
    """The token that stands for null, if the column has nulls."""
    if isinstance(codec, CategoricalCodec):
        return codec.n_tokens - 1 if codec.has_null else None
    if isinstance(codec, NumericCodec):
        return 0 if codec.p.has_null and codec.n_tokens >= 2 else None  # specials come first, null the first
    if isinstance(codec, IdentifierCodec):
        return 1 if codec.learns_nulls else None  # present, null
    return None


def detect(tokens: dict[int, np.ndarray], codecs: list[Codec], min_rows: int) -> list[NullLink]:
    """Every (label, column with nulls) pair where some label value held by ``min_rows`` rows
    always comes with the column null and another never does."""
    found = []
    nullable = {i: z for i in tokens if (z := null_token(codecs[i])) is not None}
    for a in tokens:
        exact = _label_tokens(codecs[a])
        if exact is None or exact.sum() < 2:
            continue
        for b, z in nullable.items():
            if b == a:
                continue
            nulls = _null_rules(tokens[a], tokens[b] == z, exact, min_rows)
            if nulls is not None:
                found.append(NullLink(codecs[a].storage.name, codecs[b].storage.name, z, tuple(nulls.tolist())))
    return found


def _label_tokens(codec: Codec) -> np.ndarray | None:
    """Per token, whether it may be a label value: one that stands for one real value, null too
    (columns null together: the fields of a null JSON object, the columns of a left join's missing
    side; drawn one by one, 1.5% of synthetic objects lacked a key every real one has)."""
    exact = value_tokens(codec)
    z = null_token(codec)
    if exact is None or z is None:
        return exact
    return exact | (np.arange(exact.size) == z)


def _null_rules(label: np.ndarray, is_null: np.ndarray, exact: np.ndarray, min_rows: int) -> np.ndarray | None:
    """Per label token, ``ALWAYS``, ``NEVER`` or ``EITHER``; None unless both rules occur."""
    rows = np.bincount(label, minlength=exact.size)
    nulls = np.bincount(label, weights=is_null, minlength=exact.size)
    trusted = exact & (rows >= min_rows)
    rules = np.full(exact.size, EITHER)
    rules[trusted & (nulls == rows)] = ALWAYS
    rules[trusted & (nulls == 0)] = NEVER
    return rules if (rules == ALWAYS).any() and (rules == NEVER).any() else None


def exclusions(links: list[NullLink], positions: dict[str, int], sizes: dict[str, int]) -> list[Exclusion]:
    """(earlier model column, later model column, token mask) for model.sample_tokens."""
    out = []
    for link in links:
        if link.label not in positions or link.column not in positions:
            continue
        label, column = positions[link.label], positions[link.column]
        mask = link.ruled_out(sizes[link.label], sizes[link.column], label_first=label < column)
        out.append((min(label, column), max(label, column), mask))
    return out
