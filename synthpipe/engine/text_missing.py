"""Missing values written as text in a column of numbers or dates (``''``, ``'N/A'``, ``'-'``,
``'null'``): a CSV or spreadsheet export writes an empty cell so.

Why: one such cell turned a whole column back into text. An order export's ``shipped_at``
(``'05/03/2024 14:22'``, empty while unshipped) was 3,000 labels and came back
``'09/0*/**** **:**'``, its ``tax`` (``'3.49'``, ``'N/A'``) ``'6.5*'``, a CRM's ``lifetime_value``
(``'$2,107.61'``, empty) ``'$167.**'``. A text column that writes its missing values as one such
token, and whose other values the engine learns as numbers, amounts, durations, dates or times,
is learned with the token as null and its nulls are written back as the token.

Conservative: a column of whole numbers (zip codes, phone numbers, ids) stays text with its
tokens (``frames`` learns whole-number text as text), and so does one that holds real nulls
beside a token, or two different tokens: which of them a null is would be a guess.
"""

from __future__ import annotations

import pandas as pd

from synthpipe.engine import number_formats, text_durations
from synthpipe.engine.frames import storage_type

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


def valid(token: str) -> bool:
    """Whether a saved token is one ``detect`` can find (an artifact's, checked on load)."""
    return token in TOKENS


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
