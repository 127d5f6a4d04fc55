"""Missing values written as text in a column of numbers or dates (``''``, ``'N/A'``, ``'-'``,
``'null'``): a CSV or spreadsheet export writes an empty cell so.

Why: one such cell turned a whole column back into text. An order export's ``shipped_at``
(``'05/03/2024 14:22'``, empty while unshipped) was 3,000 labels and came back
``'09/0*/**** **:**'``, its ``tax`` (``'3.49'``, ``'N/A'``) ``'6.5*'``, a CRM's ``lifetime_value``
(``'$2,107.61'``, empty) ``'$167.**'``. A text column that writes its missing values as one such
token, and whose other values the engine learns as numbers, amounts, durations, dates or times,
is learned with the token as null and its nulls are written back as the token.

A column that holds real nulls beside a token (``None`` and ``'N/A'``), or two tokens (``''`` and
``'-'``), is learned so too, with the share of its missing values each kind holds (``kinds``). Why:
such a ``tax`` column was 2,000 labels, the rare ones masked (``'12.2*'``), and 4 % of the synthetic
column read back as a number. Which kind each missing value is, is learned as a hidden label column
beside it (``kind_labels``: the token, ``REAL_NULL`` for a real null, null where the row has a value),
drawn with the row's other columns like any column and never emitted: a drawn null is written as the
kind its row's label names (``as_kinds``). Why: an export means something by the kind (a
``spouse_income`` of ``'N/A'`` for single people, a real null for married ones who did not say), and
drawn by its share alone 12 % of synthetic single people got a null and 13 % of married ones an
``'N/A'``, which no real row holds. Where the label names no kind (a rare kind merged into the rare
label, a label drawn against the value's null) the kind is drawn in the shares by the row's place (as
``frames`` draws a date's layout).

Conservative: a column of whole numbers (zip codes, phone numbers, ids) stays text with its
tokens (``frames`` learns whole-number text as text).
"""

from __future__ import annotations

import math
import zlib
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine import number_formats, text_durations
from synthpipe.engine.codecs.identifier import drawn_by_row
from synthpipe.engine.entities import free_name
from synthpipe.engine.frames import storage_type

KINDS_SALT = 0x6B696E64  # salts the draw of a missing value's kind: none of another draw's
REAL_NULL = "<null>"  # a hidden kind label's value for a real null (no token: ``TOKENS`` holds no such text)
TOKENS = frozenset({"", "N/A", "n/a", "NA", "#N/A", "-", "--", "null", "NULL", "Null", "None", "none", "nan", "NaN"})


def detect(series: pd.Series) -> str | None:
    """The one token ``series`` writes its missing values as, if its other values have a meaning."""
    if not number_formats.is_text_column(series) or series.isna().any():
        return None
    probe = series.iloc[: number_formats.PROBE_ROWS * 4]
    if not all(isinstance(v, str) for v in probe):
        return None
    text = series.astype(str)
    found = text[text.isin(TOKENS)].unique()
    if len(found) != 1 or (text == found[0]).all():
        return None
    token = str(found[0])
    return token if _has_meaning(series.where(text != token)) else None


def _has_meaning(values: pd.Series) -> bool:
    """Whether the engine learns the column as something other than text: numbers, formatted
    amounts, durations, dates or times of day."""
    known = values.astype(object).where(values.notna(), None)
    if number_formats.detect(known) is not None or text_durations.detect(known) is not None:
        return True
    return storage_type(known).logical != "string"


def detect_kinds(series: pd.Series) -> dict[str, float] | None:
    """The tokens ``series`` writes its missing values as, each with its share of them, where they
    are two kinds at least (a token and real nulls, or two tokens), if its other values have a
    meaning; the share left is real nulls'."""
    if not number_formats.is_text_column(series):
        return None
    probe = series.iloc[: number_formats.PROBE_ROWS * 4].dropna()
    if not all(isinstance(v, str) for v in probe):
        return None
    text = series.dropna().astype(str)
    counts = text[text.isin(TOKENS)].value_counts()
    nulls = int(series.isna().sum())
    if counts.empty or len(counts) + bool(nulls) < 2 or counts.sum() == len(text):
        return None
    if not _has_meaning(series.where(~series.astype(object).isin(TOKENS))):
        return None
    return {str(token): int(count) / (int(counts.sum()) + nulls) for token, count in counts.items()}


def valid(token: str) -> bool:
    """Whether a saved token is one ``detect`` can find (an artifact's, checked on load)."""
    return token in TOKENS


def valid_kinds(kinds: dict[str, float]) -> bool:
    """Whether saved kinds are ones ``detect_kinds`` can find (an artifact's, checked on load)."""
    shares = list(kinds.values())
    return (
        bool(kinds)
        and all(map(valid, kinds))
        and all(isinstance(v, float) and 0 < v <= 1 for v in shares)
        and sum(shares) <= 1 + 1e-9
    )


def kinds_as_nulls(
    frame: pd.DataFrame,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]], dict[str, str]]:
    """Text columns whose missing values are of several kinds (``detect_kinds``) with nulls there,
    each one's kinds, and each one's hidden kind label column (``kind_labels``), placed right after it."""
    kinds = {str(name): found for name in frame.columns if (found := detect_kinds(frame[name])) is not None}
    nulled = {name: frame[name].where(~frame[name].astype(object).isin(list(k)), None) for name, k in kinds.items()}
    labels = kind_labels(frame, kinds)
    out = frame.assign(**nulled)
    for name, label in labels.items():
        out.insert(list(out.columns).index(name) + 1, str(label.name), label)
    return out, kinds, {name: str(label.name) for name, label in labels.items()}


def kind_labels(frame: pd.DataFrame, kinds: dict[str, dict[str, float]]) -> dict[str, pd.Series]:
    """Per column with kinds of missing values, a label of each row's kind: its token, ``REAL_NULL``
    for a real null, null where it holds a value; named so that no column of ``frame`` is."""
    taken = {str(name) for name in frame.columns}
    labels: dict[str, pd.Series] = {}
    for name, tokens in kinds.items():
        label = free_name(f"{name} (missing kind)", taken)
        taken.add(label)
        column = frame[name].astype(object)
        kind = column.where(column.isin(list(tokens)), None).where(column.notna(), REAL_NULL)
        labels[name] = kind.rename(label)
    return labels


def as_kinds(
    column: pd.Series, kinds: dict[str, float], places: np.ndarray, seed: int, labels: pd.Series | None = None
) -> pd.Series:
    """A column ``kinds_as_nulls`` read, each null written as the kind its row's hidden label
    (``labels``, drawn with the row) names, else as a kind drawn in its share by the row's place in
    ``places`` (salted by ``seed`` and the column's name): the same whatever chunk it is in."""
    missing = column.isna().to_numpy()
    left = max(0.0, 1.0 - math.fsum(kinds.values()))  # real nulls' share
    salt = KINDS_SALT ^ zlib.crc32(f"{seed}:{column.name}".encode())
    written: list[str | None] = [*kinds, None]
    picks = drawn_by_row([str(i) for i in range(len(written))], [*kinds.values(), left], places[missing], salt)
    drawn = pd.Series([written[int(i)] for i in picks], dtype=object)
    if labels is not None:
        named = labels[missing].astype(object).reset_index(drop=True)
        known = named.isin([*kinds, REAL_NULL])
        drawn[known] = named[known].where(named[known] != REAL_NULL, None)
    out = column.astype(object).copy()
    out[missing] = drawn.to_numpy()
    return out.astype(column.dtype)


def valid_labels(labels: dict[str, str], kinds: dict[str, dict[str, float]], values: dict[str, list[Any]]) -> bool:
    """Whether saved kind labels (an artifact's, checked on load) each belong to a column with
    kinds, are distinct columns of their own (``values``: each label column's categories), and
    hold nothing but that column's tokens and ``REAL_NULL``."""
    return (
        set(labels) <= set(kinds)
        and len(set(labels.values())) == len(labels)
        and not set(labels.values()) & set(kinds)
        and all(label in values for label in labels.values())
        and all(set(values[label]) <= {*kinds[name], REAL_NULL} for name, label in labels.items())
    )


def tokens_as_nulls(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Text columns whose missing values are a token (``detect``) with nulls there, and each token."""
    tokens = {str(name): token for name in frame.columns if (token := detect(frame[name])) is not None}
    return frame.assign(**{name: _as_nulls(frame[name], token) for name, token in tokens.items()}), tokens


def _as_nulls(column: pd.Series, token: str) -> pd.Series:
    return column.where(column.astype(object) != token, None)


def as_tokens(frame: pd.DataFrame, tokens: dict[str, str]) -> pd.DataFrame:
    """The columns ``tokens_as_nulls`` read, their nulls written as their tokens again."""
    present = {name: token for name, token in tokens.items() if name in frame.columns}
    return frame.assign(**{name: _as_token(frame[name], token) for name, token in present.items()})


def _as_token(column: pd.Series, token: str) -> pd.Series:
    return column.astype(object).where(column.notna(), token).astype(column.dtype)
