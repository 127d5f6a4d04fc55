"""Column kinds and value conversion shared by every metric.

Every metric compares the same column in two or three frames that may disagree on dtype (the real
column is nullable ``Int64``, the synthetic one ``float64``; a ``str`` column against ``object``).
So the kind of each column is decided once, from the real data, and every frame is converted the
same way: numbers and datetimes to ``float64`` with ``NaN`` for null, everything else to strings
with one token for null. Infinities are counted with the nulls: no distance, correlation or plot
can use them, and they are rare enough in real tables that folding them in loses nothing useful.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine import number_formats, text_durations, worded_durations
from synthpipe.engine.codecs.identifier import names_a_key, names_a_measure, whole_numbers
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.entities import entity_key, row_indexes, sequence_columns
from synthpipe.engine.frames import DateTextReading, date_text_reading, number_text_type, storage_type, text_dates
from synthpipe.engine.nested import as_learned, layout
from synthpipe.engine.pseudonyms import is_repeated_key
from synthpipe.engine.text_missing import kinds_as_nulls, tokens_as_nulls

NULL_TOKEN = "\u2205null"  # unlikely to collide with a real category, readable in the report
_ID_MIN_ROWS = 50  # below this a column of unique strings is just a small table, not an ID
_ID_DISTINCT_SHARE = 0.95
_INT_ID_MIN_ROWS = 20
# Free text (comments, notes): values of PROSE_MIN_MEDIAN_WORDS+ words, PROSE_MIN_DISTINCT of them, nearly all
# (PROSE_RARE_SHARE) held by fewer rows than the engine keeps a category for
PROSE_MIN_MEDIAN_WORDS = 3
PROSE_MIN_DISTINCT = 100
PROSE_RARE_SHARE = 0.9
# Dates and times written as text (SQLite has no date type; CSVs neither), ISO-like layouts only.
_DATE_TEXT = r"\d{4}[-/]\d{2}[-/]\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
_TIME_OF_DAY_TEXT = r"(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,6})?)?"  # valid clock times only


class ColumnKind(StrEnum):
    """How a column is compared; decided from the real data."""

    NUMERIC = "numeric"
    DATETIME = "datetime"
    CATEGORICAL = "categorical"
    IDENTIFIER = "identifier"  # keys: regenerated or learned on pseudonyms, so not compared
    CONSTANT = "constant"
    EMPTY = "empty"


COMPARED_KINDS = (ColumnKind.NUMERIC, ColumnKind.DATETIME, ColumnKind.CATEGORICAL)
CONTINUOUS_KINDS = (ColumnKind.NUMERIC, ColumnKind.DATETIME)


def _is_datetime_like(s: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return True
    if not pd.api.types.is_string_dtype(s.dtype) or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("date", "datetime", "datetime64"):
        return True
    return _is_date_text(s)


def _is_date_text(s: pd.Series) -> bool:
    """Every non-null value is an ISO-like date or timestamp that parses, or all are dates in the
    layouts the engine reads (11/25/2020, 25.11.2020, 5-Jan-2020, some of them beside ISO days: it
    learns and writes them so)."""
    text = s.dropna()
    if text.empty or not all(isinstance(v, str) for v in text.iloc[:100]):
        return False
    text = text.astype(str)
    if re.fullmatch(_DATE_TEXT, text.iloc[0]) is None or not text.str.fullmatch(_DATE_TEXT).all():
        return _local_date_reading(text) is not None
    return bool(pd.to_datetime(text, errors="coerce", format="ISO8601").notna().all())


def _local_date_reading(s: pd.Series) -> DateTextReading | None:
    """The layouts of dates written as text other than ISO only (11/25/2020, 25.11.2020, 5-Jan-2020,
    ISO days with some 17.01.2020), which the engine learns and writes as dates, and the century of
    its two-digit years; None for anything else (ISO text reads as is)."""
    text = s.dropna()
    if text.empty or not isinstance(text.iloc[0], str):
        return None
    if re.fullmatch(_DATE_TEXT, text.iloc[0]) and text.astype(str).str.fullmatch(_DATE_TEXT).all():
        return None
    return date_text_reading(s)


_OBJECT_NUMBERS = ("decimal", "integer", "floating", "mixed-integer-float")


def _is_number(s: pd.Series) -> bool:
    """Numbers, durations, times of day, and object columns of Python numbers (``Decimal`` from
    SQL NUMERIC)."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return False
    if pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s.dtype):
        return True
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in _OBJECT_NUMBERS:
        return True
    return _is_time_of_day(s) or _is_number_text(s)


def _is_number_text(s: pd.Series) -> bool:
    """Numbers with a decimal point written as text (``'12.50'``), formatted (``'$1,234.50'``) or
    durations (``'47:15:24'``), as the engine learns them (``frames.number_text_type``,
    ``number_formats``, ``text_durations``): compared as categories, 3,000 amounts were 3,000 rare
    labels."""
    if _number_format(s) is not None or _duration_layout(s) is not None:
        return True
    return _is_text(s) and number_text_type(s, str(s.dtype), False) is not None


def _is_text(s: pd.Series) -> bool:
    return bool(s.dtype == object or pd.api.types.is_string_dtype(s.dtype))


def _number_format(s: pd.Series) -> number_formats.Written | None:
    return number_formats.detect(s) if _is_text(s) and not isinstance(s.dtype, pd.CategoricalDtype) else None


def _duration_layout(s: pd.Series) -> text_durations.Layout | None:
    return text_durations.detect(s) if _is_text(s) and not isinstance(s.dtype, pd.CategoricalDtype) else None


def _written_values(s: pd.Series, written: number_formats.Written | text_durations.Layout) -> np.ndarray:
    """Numbers or durations (in seconds) kept as text, as floats; NaN for nulls and unread text."""
    if not isinstance(written, text_durations.DurationLayout | worded_durations.WordedLayout):
        return number_formats.numbers(s, written).to_numpy()
    return written.durations(s).dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)


def _is_time_of_day(s: pd.Series) -> bool:
    """``datetime.time`` values (SQL TIME) or text clock times ("08:30", "17:45:00").

    Compared as seconds since midnight: as categories, 300 distinct minutes would be 300 rare
    categories and the comparison would say nothing about the shape of the day.
    """
    if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)) or isinstance(s.dtype, pd.CategoricalDtype):
        return False
    values = s.dropna()
    if values.empty:
        return False
    if pd.api.types.infer_dtype(values, skipna=True) == "time":
        return True
    if not isinstance(values.iloc[0], str) or re.fullmatch(_TIME_OF_DAY_TEXT, values.iloc[0]) is None:
        return False
    # The pattern admits only valid times, so deciding needs no parse (this runs on every call).
    return bool(values.astype(str).str.fullmatch(_TIME_OF_DAY_TEXT).all())


def _seconds_of_day(s: pd.Series) -> pd.Series:
    """Clock times (``datetime.time`` or text) as float seconds since midnight; NaN for null."""
    text = s.map(lambda v: v.isoformat() if hasattr(v, "isoformat") else v, na_action="ignore").astype(object)
    text = text.where(~text.str.fullmatch(r"\d{2}:\d{2}", na=False), text + ":00")  # to_timedelta needs seconds
    return pd.to_timedelta(text, errors="coerce").dt.total_seconds()


def _is_integer_key(s: pd.Series, non_null: pd.Series) -> bool:
    """Unique whole numbers with no nulls, densely packed or named like a key (``user_id``); named
    like a measure (``time``, ``year``, ``rank``), the engine learns them and they are compared.

    The engine regenerates such keys past the largest real one; compared as numbers they would
    make every synthetic row look far from every real row. Why not a measure: a series' ``time``
    1..100 was left out, so its rows were compared on the value alone, and synthetic rows equal to
    a training row (17% more than the holdout's) failed the pipeline's copy gate.
    """
    if len(non_null) < _INT_ID_MIN_ROWS or len(non_null) != len(s) or s.nunique() != len(s):
        return False  # distinct as written: as floats, ids 1e18 + i run together
    values = non_null.to_numpy(dtype=float)
    if not np.all(values == np.round(values)):
        return False
    dense = values.max() - values.min() + 1 <= 2 * len(values)
    return bool((dense and not names_a_measure(str(s.name))) or names_a_key(str(s.name)))


def _is_repeated_integer_key(s: pd.Series, non_null: pd.Series) -> bool:
    """``customer_id`` of an orders table: the engine learns it on pseudonyms (fresh keys), so
    real and synthetic values never match and comparing them would say nothing (as a float64 with
    NaN, how pandas holds such ids with nulls, too: the engine's storage type says whole numbers)."""
    if not (pd.api.types.is_integer_dtype(s.dtype) or whole_numbers(storage_type(s))):
        return False
    return is_repeated_key(non_null, str(s.name), text=False)


def infer_kind(s: pd.Series, *, may_be_key: bool = True) -> ColumnKind:
    """Classify one real column.

    Numbers with at most two distinct values are categorical (0/1 flags), as in the benchmark's
    sdmetrics metadata; strings that are nearly all distinct (but not prose), unique integer keys and key
    columns whose values repeat (the engine's rules) are identifiers, unless ``may_be_key`` is
    False (a key-named column that numbers an entity's rows, ``_entity_row_indexes``).
    """
    is_number = _is_number(s)
    is_time = not is_number and _is_datetime_like(s)  # checked once: date text is parsed to decide
    if is_number:
        non_null = pd.Series(numeric_values(s)).dropna()
    elif is_time:
        non_null = s.dropna()
    else:  # as text: lists and dicts are not hashable, and "1" and 1 are one category anyway
        text = pd.Series(category_values(s))
        non_null = text[text != NULL_TOKEN]
    if len(non_null) == 0:
        return ColumnKind.EMPTY
    distinct = non_null.nunique()
    if distinct == 1:
        return ColumnKind.CONSTANT
    if is_time:
        return ColumnKind.DATETIME
    if is_number:
        if _is_integer_key(s, non_null) or (may_be_key and _is_repeated_integer_key(s, non_null)):
            return ColumnKind.IDENTIFIER
        return ColumnKind.NUMERIC if distinct > 2 else ColumnKind.CATEGORICAL
    if len(non_null) >= _ID_MIN_ROWS and distinct >= _ID_DISTINCT_SHARE * len(non_null) and not _is_prose(s):
        return ColumnKind.IDENTIFIER
    if is_repeated_key(non_null, str(s.name), text=True):  # the engine emits pseudonyms
        return ColumnKind.IDENTIFIER
    return ColumnKind.CATEGORICAL


def _datetime_values(s: pd.Series, reading: DateTextReading | None = None) -> np.ndarray:
    """Datetimes as float microseconds since the epoch (UTC for tz-aware values): nanoseconds end in
    2262, and a 9999-12-31 "open end" stopped the report and the privacy filter. Text is read as
    ``reading`` says (the real column's layout and century), else as its own values are written."""
    reading = reading or _local_date_reading(s)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        dt = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif reading and not pd.api.types.is_datetime64_any_dtype(s.dtype):
        dt = text_dates(s.astype(object), *reading)
    else:
        dt = pd.to_datetime(s, errors="coerce", utc=True).dt.tz_localize(None)
    out = dt.to_numpy(dtype="datetime64[us]").astype("int64").astype(float)
    out[dt.isna().to_numpy()] = np.nan
    return out


def numeric_values(s: pd.Series) -> np.ndarray:
    """Any numeric-ish or datetime-ish column as ``float64``; null and ±inf become ``NaN``."""
    if _is_datetime_like(s):
        return _datetime_values(s)
    if _is_time_of_day(s):
        return _seconds_of_day(s).to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        out = s.dt.total_seconds().to_numpy(dtype=float, na_value=np.nan)
    elif (written := _number_format(s) or _duration_layout(s)) is not None:
        out = _written_values(s, written)
    elif pd.api.types.is_bool_dtype(s.dtype) or (_is_number(s) and s.dtype != object):
        out = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    else:
        out = pd.to_numeric(s, errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    out = np.asarray(out, dtype=float).copy()
    out[~np.isfinite(out)] = np.nan
    return out


def value_family(s: pd.Series) -> str:
    """What kind of values a column holds as stored: "true/false", "numbers" or "text"."""
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.infer_dtype(s, skipna=True) == "boolean":
        return "true/false"
    return "numbers" if _is_number(s) else "text"


def infinities(s: pd.Series) -> np.ndarray:
    """Where ``s`` holds +inf or -inf (as a float, a number object or text such as "inf"): values
    that every metric reads as null (``numeric_values``), though they are not null."""
    return np.isinf(pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def category_values(s: pd.Series, family: str = "text") -> np.ndarray:
    """Any column as an object array of strings, with :data:`NULL_TOKEN` for null.

    Numbers go through ``float`` first so an ``Int64`` 1 and a ``float64`` 1.0 are one category,
    written as a whole number where they are one ("3", not "3.0", on a card). ``family`` is how the
    real column's values read (``reading_family``): in a column of numbers or of true/false, text
    is read as such a value where it spells one, so a CSV round trip reads as the values it wrote.
    Why: a 0/1 column whose synthetic values came back as the text "1.0"/"0.0" (integers with
    nulls are written as floats) scored 0 as two categories the real data lacks, and a bool
    column written "true"/"false" did too.
    """
    labels = _number_labels(numeric_values(s)) if _is_number(s) else _text_labels(s)
    if family in ("numbers", "true/false") and not _is_number(s):
        labels = _numbers_in_text(labels)
    if family == "true/false":
        labels = _true_false_in_text(labels)
    return labels


def _text_labels(s: pd.Series) -> np.ndarray:
    return s.astype("string").fillna(NULL_TOKEN).to_numpy(dtype=object)


def _number_labels(nums: np.ndarray) -> np.ndarray:
    """Floats as category labels, whole numbers without ".0"; formatted once per distinct value
    (a text conversion of 100k floats costs a second)."""
    codes, distinct = pd.factorize(nums)  # NaN is -1, which picks NULL_TOKEN below
    distinct = np.asarray(distinct, dtype=float)
    text = distinct.astype(str).astype(object)
    whole = np.isfinite(distinct) & (np.abs(distinct) < 2**53) & (distinct == np.round(distinct))
    text[whole] = distinct[whole].astype(np.int64).astype(str)
    return np.append(text, NULL_TOKEN).astype(object)[codes]


# How a null is written as text by pandas and Python (str of NaN, pd.NA, None, NaT): in a column of
# numbers or true/false no value is spelt so; in a text column these stay text (a real "None" tag).
_NULL_TEXT = frozenset({"", "nan", "NaN", "<NA>", "None", "NaT"})
# True and false as CSVs and databases write them: pandas, JSON and SQL, PostgreSQL's text output, and
# SQLite and MySQL, which hold a bool as 1/0. A column of true/false holds no other value these could be.
_TRUE_FALSE_TEXT = {"true": "True", "t": "True", "1": "True", "false": "False", "f": "False", "0": "False"}


def _numbers_in_text(labels: np.ndarray) -> np.ndarray:
    """Labels of text where it spells a number ("1.0", " 2", "1e3") as that number's label, where
    it spells a null as null; any other text is left as it is (a category the real data lacks)."""
    distinct = pd.unique(labels)
    read, _ = _read_numbers(distinct)
    return read[pd.Index(distinct).get_indexer(labels)]


def _read_numbers(distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct labels read as numbers (``_numbers_in_text``), and which of them spell no number."""
    text = pd.Series(distinct, dtype=object).str.strip()
    parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    unread = np.isnan(parsed) & ~text.isin(_NULL_TEXT).to_numpy()
    parsed[np.isinf(parsed)] = np.nan  # as numbers read them: with the nulls
    read = _number_labels(parsed)
    read[unread] = distinct[unread]
    return read, unread


def _as_spelt(labels: np.ndarray, spellings: dict[str, tuple[str, ...]]) -> np.ndarray:
    """Number labels as the one real text that spells the number (``"2"`` -> ``"2.0"``); a number
    several real texts spell as all of them (``"1.1 | 1.10"``), a category the real data lacks:
    which text it was is lost (``_unreadable`` says so).

    Why: a version column ("1.1", "1.10", "2.0") read back with ``pd.read_csv`` comes as floats;
    2.0 was the category "2", which the real data lacks, and the warning's example was "'2.0'"."""
    distinct = pd.unique(labels)
    spelt = np.array([" | ".join(spellings.get(label, (label,))) for label in distinct], dtype=object)
    return spelt[pd.Index(distinct).get_indexer(labels)]


def _true_false_in_text(labels: np.ndarray) -> np.ndarray:
    """Labels of true and false written otherwise ("true", "t", 1) as a bool's label ("True")."""
    lower = pd.Series(labels, dtype=object).str.lower()
    return lower.map(_TRUE_FALSE_TEXT).fillna(pd.Series(labels, dtype=object)).to_numpy(dtype=object)


def reading_family(s: pd.Series) -> str:
    """How a real column's categories read synthetic text (``category_values``): as ``value_family``
    says, and text all spelt as the report spells numbers or bools ("1", "10"; "True") reads as
    numbers or true/false too, as a CSV read as text holds them. Text spelt otherwise ("1.10", "007")
    stays text: read as numbers, "1.1" and "1.10" would be one value."""
    family = value_family(s)
    if family != "text":
        return family
    labels = pd.unique(_text_labels(s))
    labels = labels[labels != NULL_TOKEN]
    if len(labels) == 0:
        return family
    read, unread = _read_numbers(labels)
    if not unread.any() and (read == labels).all():
        return "numbers"
    return "true/false" if np.isin(labels, ("True", "False")).all() else family


@dataclass(frozen=True)
class Column:
    """One compared column: its name, kind and (for categoricals) the real categories by count."""

    name: str
    kind: ColumnKind
    categories: tuple[str, ...] = ()
    shown: int = 0  # the leading categories enough real rows hold to be named on a card (``SHOWN_MIN_ROWS``)
    clock: bool = False  # a time of day: its numbers are seconds since midnight, labelled as HH:MM
    prose: bool = False  # free text: compared by its words and lengths (``_is_prose``)
    reading: DateTextReading | None = None  # dates written as text (not ISO only): the real column's layouts
    # and century of two-digit years, read so in both frames
    family: str = "text"  # how the real values read ("numbers", "true/false", "text"): see ``category_values``
    written: number_formats.Written | text_durations.Layout | None = None  # numbers or durations
    # kept as text ('$1,234.50', '47:15:24'): the real column's format, read so in both frames

    def values(self, s: pd.Series) -> np.ndarray:
        """The column as floats; text in a datetime column is parsed as dates, not as numbers."""
        if self.kind is ColumnKind.DATETIME and not pd.api.types.is_datetime64_any_dtype(s.dtype):
            return _datetime_values(s.astype(object), self.reading)
        if self.clock:  # decided once from the real column, like DATETIME: no re-detection per frame
            return _seconds_of_day(s).to_numpy(dtype=float, na_value=np.nan)
        if self.written is not None and _is_text(s):  # likewise: a report of 25,000 rows read prices 3x slower
            return _written_values(s, self.written)
        return numeric_values(s)

    def labels(self, s: pd.Series) -> np.ndarray:
        """The column as category labels, its text read as the real column's values read; numbers
        in a column of text that spells numbers as the real text that spells them (``_as_spelt``)."""
        labels = category_values(s, self.family)
        if self.family == "text" and self.number_spellings and _is_number(s):
            labels = _as_spelt(labels, self.number_spellings)
        return labels

    @functools.cached_property
    def number_spellings(self) -> dict[str, tuple[str, ...]]:
        """The real categories that spell a number, by the number's label: ``{"2": ("2.0",), "1.1":
        ("1.1", "1.10")}`` for a version column of "1.1", "1.10" and "2.0" (text: "1.10" is not 1.1)."""
        categories = np.array(self.categories, dtype=object)
        read, unread = _read_numbers(categories)
        spellings: dict[str, tuple[str, ...]] = {}
        for label, category in zip(read[~unread], categories[~unread], strict=True):
            spellings[label] = (*spellings.get(label, ()), category)
        return spellings

    def null_share(self, s: pd.Series) -> float:
        """The share of ``s`` the comparison reads as null: in a column of numbers, dates or true/false,
        text that spells a null (``"nan"``, ``"NaT"``, ``"<NA>"``) too, as the comparison reads it.

        Why: a synthetic frame written out with ``str`` per value (nulls as "nan") scored 1.0 on
        every column, its nulls read as nulls, while its cards said "nulls 19.3% / 0.0%"."""
        if not len(s):
            return 0.0
        nulls = s.isna().to_numpy(dtype=bool)
        text = s.dtype == object or pd.api.types.is_string_dtype(s.dtype)
        if text and (self.kind in CONTINUOUS_KINDS or self.family != "text"):
            nulls = nulls | s.astype("string").str.strip().isin(_NULL_TEXT).to_numpy(dtype=bool, na_value=False)
        return float(nulls.mean())

    def codes(self, s: pd.Series) -> np.ndarray:
        """Integer codes over the real categories; ``len(categories)`` marks an unseen value."""
        values = self.labels(s)
        codes = pd.Index(self.categories, dtype=object).get_indexer(pd.Index(values, dtype=object))
        codes = codes.astype(np.int64)
        codes[codes < 0] = len(self.categories)
        return codes


SHOWN_MIN_ROWS = 5  # a card names a real category only when this many rows hold it: the report is published too


def describe_columns(real: pd.DataFrame) -> list[Column]:
    """Kinds (and category lists) for every column of the real frame, in its order."""
    out = []
    indexes = _entity_row_indexes(real)
    for name in real.columns:
        kind = infer_kind(real[name], may_be_key=name not in indexes)
        cats: tuple[str, ...] = ()
        shown = 0
        family = reading_family(real[name]) if kind in (ColumnKind.CATEGORICAL, ColumnKind.CONSTANT) else "text"
        if kind is ColumnKind.CATEGORICAL:
            counts = pd.Series(category_values(real[name], family)).value_counts()
            cats = tuple(str(c) for c in counts.index)
            shown = int((counts >= SHOWN_MIN_ROWS).sum())
        clock = kind is ColumnKind.NUMERIC and _is_time_of_day(real[name])
        prose = kind is ColumnKind.CATEGORICAL and _is_prose(real[name])
        reading = _local_date_reading(real[name]) if kind is ColumnKind.DATETIME else None
        written = _number_format(real[name]) or _duration_layout(real[name]) if kind is ColumnKind.NUMERIC else None
        out.append(
            Column(
                name=str(name),
                kind=kind,
                categories=cats,
                shown=shown,
                clock=clock,
                prose=prose,
                reading=reading,
                family=family,
                written=written,
            )
        )
    return out


def _is_prose(s: pd.Series) -> bool:
    """Free text: many values of several words, nearly all rare. As categories each rare text is one of its
    own that a private generator never emits, so the shape score said little; its words and lengths can."""
    if _is_number(s):
        return False
    counts = s.dropna().astype(str).value_counts()
    rare = counts < EngineConfig().rare_category_min_count
    if len(counts) < PROSE_MIN_DISTINCT or rare.mean() < PROSE_RARE_SHARE:
        return False
    return bool(np.median(word_counts(pd.Series(counts.index))) >= PROSE_MIN_MEDIAN_WORDS)


def word_counts(s: pd.Series) -> np.ndarray:
    """Words per text (split at whitespace) as float, NaN for null."""
    counts = s.astype("string").str.count(r"\S+")
    return counts.to_numpy(dtype=float, na_value=np.nan)


def words(s: pd.Series) -> pd.Series:
    """Every word of every non-null text, one per row of the result."""
    return s.dropna().astype(str).str.split().explode().dropna()


def _entity_row_indexes(real: pd.DataFrame) -> set[str]:
    """Columns that number an entity's rows (a user's ``session_id`` 1, 2, ...): named like keys,
    but the engine learns them as numbers (engine/entities.py), so they are compared as numbers."""
    cfg = EngineConfig()
    key = entity_key(real, cfg)
    if key is None:
        return set()
    found = sequence_columns(real, key, cfg.constraint_min_rows)
    return set(found) | row_indexes(real, key, cfg.constraint_min_rows)


def nested_layout(real: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """How the real rows' arrays and objects are compared: an object's keys 5+ rows hold (a JSON
    object's too) and the places of arrays of one length as columns of their own, other arrays and
    maps as their JSON text. Why: as one value, a point ``[52.51, 13.39]`` unique to its row looked
    like a key and was not compared at all, and an object of amounts only by its words."""
    return layout(real, None, EngineConfig().rare_category_min_count)


def comparable(frame: pd.DataFrame, layout: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """``frame`` laid out by ``nested_layout`` of the real rows: the same columns for every table;
    missing values written as text (``'N/A'`` among amounts) as nulls, as the engine learns them
    (``text_missing``): compared as text, an export's ``tax`` of ``'3.49'`` and ``'N/A'`` was 3,000 labels."""
    laid = as_learned(frame, {name: spec for name, spec in layout.items() if name in frame.columns}, None)
    return kinds_as_nulls(tokens_as_nulls(laid)[0])[0]


def align(frame: pd.DataFrame, columns: list[Column]) -> pd.DataFrame:
    """The frame with exactly the real columns (missing ones all-null) so metrics never KeyError."""
    names = [c.name for c in columns]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        frame = frame.assign(**{n: pd.Series([None] * len(frame), dtype=object) for n in missing})
    return frame[names]
