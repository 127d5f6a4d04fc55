"""Synthetic values that do not read as the real column's kind, named in the report's warnings.

The comparison reads every synthetic column as the real column's kind decides (``_columns``): a
value it cannot read so still counts, as null (numbers, dates) or as a category the real data
lacks (categories), and the column's shape score drops towards 0 with no word of why. So it went
for a synthetic date column of "not a date", a bool column of "yes"/"no" and a category column
of numbers.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from synthpipe.report._columns import CONTINUOUS_KINDS, Column, ColumnKind, infinities, value_family


def unreadable_warnings(
    columns: list[Column], real: pd.DataFrame, synthetic: pd.DataFrame, read: dict[str, np.ndarray]
) -> list[str]:
    """One warning per column of ``synthetic`` with values that do not read as the real column's do.

    ``read``: the numbers and dates as the comparison read them (``to_arrays``' values)."""
    out = []
    for col in columns:
        raw = synthetic[col.name]
        merged = _merged_numbers(col, raw)
        if merged is not None:
            out.append(merged)
            continue
        found = _unread(col, real[col.name], raw, read)
        if found is None or not found[0].any():
            continue
        unread, kind, compared = found
        example = str(raw[unread].iloc[0])[:40]
        out.append(
            f"synthetic column {col.name!r}: {int(unread.sum()):,} of {int(raw.notna().sum()):,} values do not "
            f"read as {kind} as the real column's do (e.g. {example!r}); compared as {compared}"
        )
    return out


def _merged_numbers(col: Column, raw: pd.Series) -> str | None:
    """The warning for synthetic numbers that several real texts spell ("1.1" and "1.10" are both
    1.1), with the likely cause and its fix; None where there are none.

    Why: a version column read back with ``pd.read_csv`` became floats and scored 0.33 with "151 of
    400 values do not read as text as the real column's do (e.g. '2.0')", which named neither the
    values lost nor why."""
    merged = {number: texts for number, texts in col.number_spellings.items() if len(texts) > 1}
    if col.kind is not ColumnKind.CATEGORICAL or not merged or value_family(raw) != "numbers":
        return None
    labels = col.labels(raw)
    lost = np.isin(labels, [" | ".join(texts) for texts in merged.values()])
    if not lost.any():
        return None
    number, texts = next(iter(merged.items()))
    return (
        f"synthetic column {col.name!r}: {int(lost.sum()):,} of {int(raw.notna().sum()):,} values are numbers that "
        f"several of the real column's texts spell ({' and '.join(map(repr, texts))} are both {number}), so which "
        "text each was is lost; compared as categories the real data lacks. If the synthetic data was read from a "
        f"CSV, read this column as text: pd.read_csv(path, dtype={{{col.name!r}: str}})"
    )


def _unread(
    col: Column, real: pd.Series, raw: pd.Series, read: dict[str, np.ndarray]
) -> tuple[np.ndarray, str, str] | None:
    """The synthetic rows whose value does not read as the real column's kind, that kind, and what
    the comparison took them for; None for a column the comparison reads whatever it holds."""
    if col.kind in CONTINUOUS_KINDS and col.name in read:
        unread = raw.notna().to_numpy() & np.isnan(read[col.name]) & ~infinities(raw)  # ±inf: values, read as null
        return unread, col.kind.value, "null"
    if col.kind is not ColumnKind.CATEGORICAL or col.prose or (raw.dtype == real.dtype and not _is_text(raw)):
        return None  # free text is compared by its words; a storage type other than text holds one kind of value
    unread = raw.notna().to_numpy() & (col.codes(raw) == len(col.categories))  # not a real category...
    # ...nor of the real kind: an engine's "_RARE_" is text
    unread[unread] = ~_of_family(raw[unread], col.family, spelt_numbers=bool(col.number_spellings))
    return unread, col.family, "categories the real data lacks"


def _is_text(s: pd.Series) -> bool:
    return s.dtype == object or pd.api.types.is_string_dtype(s.dtype)


def _of_family(values: pd.Series, family: str, *, spelt_numbers: bool) -> np.ndarray:
    """Which of ``values`` are of ``family``, as ``reading_family`` names the real column's kind; text
    that reads as a number is a number where the real column holds numbers ("2.5" beside 1 and 2),
    and where it holds labels none of which spells a number (``spelt_numbers``: "0" beside "hi").

    Why text too: both sides held as text (pandas' ``str``, a CSV read as text), a label column of
    synthetic digits scored 0 without a word."""
    kinds = np.array([_family_of(v) for v in values], dtype=object)
    if family == "numbers" or (family == "text" and not spelt_numbers):
        parsed = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        kinds[(kinds == "text") & ~np.isnan(parsed)] = "numbers"
    return np.asarray(kinds == family, dtype=bool)


def _family_of(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return "true/false"
    return "numbers" if isinstance(value, numbers.Number) else "text"
