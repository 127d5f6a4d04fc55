"""Unique keys (``user_id``...): detected, never learned, regenerated as fresh keys.

Why: a key carries no distribution worth learning and copying it would link a synthetic
row to a real person. Fresh keys keep the type and the format (prefix, digit width,
UUID layout, alphabet and length) and are unique within one ``sample`` call and across seeds:
- integers and ``<prefix><digits><suffix>`` strings continue after the largest real number,
  so they can never equal a real key; integer keys near the top of a 64-bit type (hash ids,
  ``UBIGINT`` sequences run down from the top) have no room to count on, and are instead a fixed
  bijection of the row index spread over the type's range (its non-negative half if every real
  key is non-negative), which meets a real key by the real keys' share of that range (about
  one in 10**12 per key for 10 million real keys);
- keys of several parts in one layout (``ES-2023-100482``, ``INV/2024/0042``) continue their most
  varied digit run after its largest real number, and draw each other part (a year, a country
  code) among its real values in their real shares, where each value is held by enough keys.
  Why: as free-form keys, the year place took any digit (``ES-2028-…``), and a small free space
  repeated keys past 100,000 rows. A part that is the year of a date of the row in every real
  row (``year_of``) is that date's synthetic year;
- UUIDs are drawn at random (collisions are astronomically unlikely);
- e-mail addresses get a fresh local part (as below) at a real domain held by enough rows in the
  real shares; rarer domains (a family's own) are replaced by the reserved ``example.com``. Where
  the real local parts spell the row's names (``anna.meyer84``), the fresh ones spell the synthetic
  row's names, with more digits than any real one has, so they never equal a real address;
- other strings keep their common prefix, any character every key has at the same place (the
  dashes of ``AB12-CD34``) and their alphabet (hex stays hex), and fill the rest with a seeded
  bijection of the row index whose every character changes from one key to the next, so fresh
  keys look like real ones, not like a counter; past the rows the free places can tell apart,
  keys grow by the places needed (so do the keys of another seed's 2**32-key range). Where the
  real keys fill their places densely (``user1`` ... ``user1200``: a fresh ``user`` and three
  digits would mostly be a real one), fresh keys are a place longer than any real one
  (``_crowded``), so they never equal one.

Unique, dense integers are keys unless they measure something: a ``year`` or ``rank`` column, or
several such columns in one table, none in row order (the rows ranked on several measures).
"""

from __future__ import annotations

import math
import re
import string
import zlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.frames import StorageType, restore_labels, restore_numeric, storage_type
from synthpipe.errors import ModelError

# ``id``, ``user_id``, ``order-key``, ``id_user`` in any case; camelCase ``userId``, ``playerID``; short
# consonant codes ``pid``, ``hhid``, ``PID`` (person, household); the common things a table keys run
# together with ``id`` or ``key`` (``customerid``: PostgreSQL folds an unquoted ``customerId`` to it).
# Case matters outside the first part and the things: ignoring it took ``acid``, ``rancid`` and
# ``afraid`` for keys.
_KEYED_THINGS = (
    "user|customer|cust|client|account|acct|patient|member|person|employee|emp|session|device|sensor|meter|store|"
    "shop|product|item|household|subject|player|team|student|company|vendor|supplier|merchant|card|contract|policy|"
    "claim|loan|ticket|event|transaction|txn|invoice|case|order|visit|site|branch|hospital|doctor|provider|partner|"
    "family|plot|animal|batch"
)
_ID_NAME = re.compile(
    r"(?i:(^|_|\b)(id|key|uuid|guid)$|^(id|key|uuid)(_|$))"
    r"|[a-z0-9](Id|ID|Key|UUID)$"
    r"|(^|_|\b)([b-df-hj-np-tv-z]{1,2}id|[B-DF-HJ-NP-TV-Z]{1,3}ID)$"
    rf"|(?i:(^|_|\b)({_KEYED_THINGS})(id|key)$)"
)
_WORDS_LIKE_KEYS = frozenset({"bid", "kid", "lid", "rid", "did", "grid"})  # measures, not codes
_MEASURE_WORDS = frozenset(
    {"time", "year", "yr", "date", "day", "week", "month", "quarter", "period", "rank", "ranking"}
)
_RECORD_NUMBER = re.compile(
    rf"(?i:(^|_|\b)({_KEYED_THINGS})[_ -]?(no|nr|num|number)$)|[a-z]({_KEYED_THINGS.title()})(No|Nr|Number)$"
)
_NUMBERED = re.compile(r"^(\D*?)(\d+)(\D*)$")
_DIGIT_RUN = re.compile(r"(\d+)")
KEY_STREAM_BITS, KEY_STREAM_SLOTS = 32, 2**20  # each other seed's keys: 2**32 of them, in one of 2**20 slots
KEY_RANGE = 2**53  # above every seed's stream of fresh keys: (KEY_STREAM_SLOTS + 2) << KEY_STREAM_BITS is 2**52 + 2**33
_MIX = (30, 0xBF58476D1CE4E5B9, 27, 0x94D049BB133111EB, 31)  # splitmix64's finaliser: shifts and odd multipliers
MAX_NUMBER_DIGITS = 18  # a numbered key counts on in int64; longer digit runs (IBANs, card numbers) are free-form
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_HEX = (string.digits + "abcdef", string.digits + "ABCDEF")
_EMAIL = re.compile(r"^([^@\s]+)@([^@\s]+\.[^@\s]+)$")
NAME_SHARE = 0.9  # e-mails follow name columns where this share of their real local parts spell them
_NAME = re.compile(r"^[a-z][a-z'-]*$")  # a name that can stand in an address as it is
SEPARATORS = (".", "_", "-", "")  # between two names in an address, tried in this order
# Real keys expected in a synthetic copy of a table's size, at most, for free-form keys to keep their
# length (``_crowded``): keys of varying length (user7, user1200) grow by a place where a real key could
# come back at all, keys of one layout (555-123-4567) only where one would come back in 1 copy of 100.
FREE_LENGTH_REAL_KEYS = 1e-6
LAYOUT_REAL_KEYS = 0.01
CASE_SHARE = 0.75  # a place's letters in one case in this share of free-form keys: fresh keys take that case
MORE_CASED_PLACES = 2  # places cased keys of free length may grow by to stay clear of real keys
NULL_SALT = 0x6E756C6C  # the hash that makes a fresh key null ("null"): apart from the parts' salts (1, 2, ...)
FALLBACK_DOMAIN = "example.com"  # reserved for examples (RFC 2606): stands in for domains too rare to show
_GOLDEN = 0x9E3779B97F4A7C15  # splitmix64's increment: spreads salts over the 64-bit space


def looks_like_identifier(series: pd.Series, storage: StorageType, spread: float = 1.0) -> bool:
    """Integers or strings unique where they are not null that look like keys, not measurements
    or text. ``spread``: how many times the rows of the table ``series`` is a sample of outnumber
    it (a sample of 300 of 900 orders holds one order number in three: dense in the table).

    Why nulls may be: an ``order_id`` with 2% nulls was learned as a number, and 945 of 972
    synthetic ids were real ones (``null_share``). A column named as a key is one from 2 values
    on, others from 20 (fewer unique values may be so by chance): learned as a number, a 10-row
    query's ``id`` came back with real ids, some twice."""
    series = series.dropna()
    n = len(series)
    if n < (2 if names_a_key(str(series.name)) else 20) or not (whole_numbers(storage) or storage.logical == "string"):
        return False
    if series.nunique() != n:
        return False
    if storage.logical == "string":
        text = series.astype(str)
        return bool((text.str.len() <= 64).all() and not text.str.contains(r"\s").any())
    if names_a_key(str(series.name)) or numbers_records(str(series.name)):
        return True
    ints = series.to_numpy(dtype="float64")
    dense = (ints.max() - ints.min() + 1) <= 2 * n * max(spread, 1.0)
    return bool(dense and not names_a_measure(str(series.name)))


def whole_numbers(storage: StorageType) -> bool:
    """Integers, or decimals of scale 0: a PostgreSQL ``numeric(19,0)`` or Oracle ``NUMBER(19)``
    id, a DuckDB ``HUGEINT``. Why: learned as numbers, 2,998 of 3,000 synthetic rows of a table
    keyed by ``numeric(19,0)`` account ids carried a real account id."""
    return storage.logical == "int" or (storage.logical == "decimal" and storage.extras.get("scale") == 0)


def names_a_key(name: str) -> bool:
    """``user_id``, ``id``, ``playerID``: a name that says the column identifies something."""
    last_word = re.split(r"[^A-Za-z0-9]+", name)[-1].lower()
    return _ID_NAME.search(name) is not None and last_word not in _WORDS_LIKE_KEYS


# Words a panel names the people it follows by, bare (``subject`` of a clinical trial, ``family``
# of a survey): keys only where their values are codes of enough of them (``names_units``), as
# ``subject`` may also hold a school's subjects and ``member`` a yes/no flag.
_UNIT_WORDS = frozenset(
    {"subject", "patient", "person", "participant", "respondent", "individual", "student", "pupil", "employee"}
    | {"worker", "member", "customer", "client", "household", "family"}
)
_CODE = re.compile(r"^\S{0,31}\d\S{0,31}$")
MIN_UNITS = 100  # people a bare word's codes must name: fewer are learned better row by row


def may_name_a_key(name: str) -> bool:
    """``names_a_key``, or a bare word for a panel's units (``subject``, ``Patient``), which
    ``names_units`` settles on the values."""
    return names_a_key(name) or name.strip().lower() in _UNIT_WORDS


def names_units(values: pd.Series, name: str) -> bool:
    """Whether a column with a bare unit word for a name (``subject``) holds its units' codes: whole
    numbers, or text of one word with a digit (``273b``, ``S01``), of ``MIN_UNITS`` units or more and
    more units than rows per unit. Why: R's Blackmoor follows 231 girls by ``subject`` (``100`` ..
    ``273b``, 2-5 visits each); learned as a category, common codes were emitted verbatim beside
    rows made up for them and no girl's visits held together. A questionnaire's ``item`` or a
    school's ``subject`` (``Math``) has few values over many rows each. Why enough units: learned as
    entities, the 14 training subjects of sleepstudy (10 days each) came back at quality 74.8
    through ``synthpipe run``, 92.6 row by row; the 59 of epilepsy failed the attack gate, and firms
    and trees, no people, are left as they were (Sitka's 79 trees: DCR share 0.95)."""
    if name.strip().lower() not in _UNIT_WORDS or values.empty:
        return False
    distinct = values.nunique()
    if distinct < MIN_UNITS or distinct * distinct <= len(values):
        return False
    storage = storage_type(values)
    if whole_numbers(storage):
        return True
    return storage.logical == "string" and bool(values.astype(str).str.match(_CODE).all())


def numbers_records(name: str) -> bool:
    """``order_no``, ``invoice_number``, ``TicketNr``: a record's number, a key where its values are
    unique (only there: a repeated ``visit_no`` counts a patient's visits and keys no entity).

    Why by name: unique integers are otherwise keys where they are dense, and a pipeline's training
    sample of a larger table holds a sparse share of its numbers (300 of 900 orders: learned as a
    number, synthetic orders drawn among the real numbers)."""
    return _RECORD_NUMBER.search(name) is not None


def holds_addresses(text: pd.Series) -> bool:
    """Every value an e-mail address, or every value a UUID: keys whatever the column's name."""
    return bool(text.str.match(_EMAIL).all() or text.str.match(_UUID).all())


def names_a_measure(name: str) -> bool:
    """A yearly series' ``year`` or a league table's ``rank`` is unique and dense like a key, but it
    is a measurement: regenerated as fresh keys it would run past the last real one (1989, 1990, ...
    2277; ranks 2001, 2002, ... of 2,000 companies)."""
    return any(word in _MEASURE_WORDS for word in re.split(r"[^a-z0-9]+", name.lower()))


def shared_rankings(frame: pd.DataFrame, storages: list[StorageType], keys: list[bool]) -> set[str]:
    """Key-like integer columns (``keys``: what ``looks_like_identifier`` said) that are rankings of
    the table's rows.

    Two or more unique, dense integer columns, none named like a key and none in row order, are
    the same units ranked on several measures (86 French departments ranked by wealth, crime,
    donations, ...): a table has one key, and a key column is in row order or named as one.
    Regenerated as keys they would all run 87, 88, ... and lose their correlations.
    """
    shuffled = [
        str(name)
        for (name, series), storage, key in zip(frame.items(), storages, keys, strict=True)
        if key
        and whole_numbers(storage)
        and not (names_a_key(str(name)) or numbers_records(str(name)))
        and not _in_row_order(series)
    ]
    return set(shuffled) if len(shuffled) >= 2 else set()


def _in_row_order(series: pd.Series) -> bool:
    steps = np.diff(series.to_numpy(dtype="float64"))
    return bool((steps > 0).all() or (steps < 0).all())


class IdentifierCodec(Codec):
    """Generates keys; ``n_tokens`` is 0 so the model never sees the column."""

    kind_name = "identifier"

    def __init__(self, storage: StorageType, fmt: dict[str, Any]) -> None:
        super().__init__(storage)
        self.fmt = fmt

    @classmethod
    def fit(
        cls, series: pd.Series, storage: StorageType, min_count: int = 5, *, learn_nulls: bool = False
    ) -> IdentifierCodec:
        """``min_count``: rows a part shared by many keys (an e-mail domain) needs to be shown;
        ``learn_nulls``: where the key is null is a model column of its own (``learns_nulls``)."""
        codec = cls._fit_present(series.dropna(), storage, min_count)
        if series.isna().any():
            codec.fmt["null_share"] = float(series.isna().mean())
            if learn_nulls:
                codec.fmt["nulls_learned"] = True
        return codec

    @classmethod
    def _fit_present(cls, series: pd.Series, storage: StorageType, min_count: int) -> IdentifierCodec:
        if whole_numbers(storage):
            top, limit = int(series.max()), _int_limit(storage.dtype)
            if top + 1 + KEY_RANGE > limit >= 2**63 - 1:
                return cls(storage, _scattered_format(series, storage))
            return cls(storage, {"style": "integer", "next": top + 1})
        if storage.extras.get("binary"):  # bytes as hex text: no numbers, UUIDs or parts to read in it
            return cls(storage, _alphabet_format(series.astype(str), whole_bytes=True))
        return cls(storage, _string_format(series.astype(str), min_count))

    @property
    def reserves(self) -> bool:
        """Whether real keys the model did not learn can meet its fresh ones (``reserve``): counted
        keys, and free-form keys made longer than every real one; random UUIDs and sparse free-form
        keys meet none but by a chance ``_crowded`` bounds."""
        f = self.fmt
        if f["style"] == "email":
            return bool(f["local"].get("past_real")) or "names" in f
        return f["style"] in ("integer", "numbered", "segmented") or bool(f.get("past_real"))

    def reserve(self, keys: pd.Series) -> None:
        """Fresh keys stay clear of ``keys`` too: real keys the model did not learn (the holdout,
        a table's rows past its training sample). Numbered keys count on past the largest of them,
        and free-form keys made longer than every real one (``_crowded``) stay longer than these.

        Why: fitted on a sample, integer ids counted on from the sample's largest, which held-out
        rows and the rows past the sample exceed: two of 1,200 synthetic orders carried held-out
        orders' ids, and a 10M-row table's sample of 100,000 leaves about 100 ids above its own."""
        keys = keys.dropna()
        style, f = self.fmt["style"], self.fmt
        if keys.empty or not self.reserves:
            return
        if style == "integer":  # decimals' largest exactly: as floats, one past 2**53 may round down
            numbers = keys if keys.dtype == object else pd.to_numeric(keys, errors="coerce").dropna()
            if numbers.size:
                f["next"] = max(int(f["next"]), int(numbers.max()) + 1)
        elif style in ("numbered", "segmented"):
            counters = _counters(f, keys.astype(str))
            if counters.size:
                f["next"] = max(int(f["next"]), int(counters.max()) + 1)
        elif style == "alphabet":
            _stay_longer(f, keys.astype(str))
        elif style == "email":
            local = keys.astype(str).str.split("@").str[0]
            _stay_longer(f["local"], local)
            if "names" in f:
                digits = local.str.len() - local.str.rstrip(string.digits).str.len()
                f["names"] = {**f["names"], "width": max(int(f["names"]["width"]), int(digits.max()) + 1)}

    @property
    def learns_nulls(self) -> bool:
        """Whether the model learns where the key is null, as a column of two tokens (present,
        null) in the chain; the key itself stays unlearned.

        Why: drawn apart from the row, an ``invoice_id`` null exactly on the draft invoices came
        back null on 9 of 10 sent ones and set on 9 of 10 drafts; learned, the null links
        (nulls.py) keep "null iff draft" in every row."""
        return bool(self.fmt.get("nulls_learned"))

    @property
    def n_tokens(self) -> int:
        return 2 if self.learns_nulls else 0

    def encode(self, series: pd.Series) -> np.ndarray:
        if self.learns_nulls:
            return series.isna().to_numpy(dtype=np.int32)
        return np.zeros(len(series), dtype=np.int32)

    def decode(self, tokens: np.ndarray, rng: np.random.Generator, start: int) -> pd.Series:
        index = np.arange(start, start + tokens.size, dtype=np.int64)
        keys = self._keys(index, rng)
        return keys.where(tokens == 0, None) if self.learns_nulls else self._with_nulls(keys, index)

    def _with_nulls(self, keys: pd.Series, index: np.ndarray) -> pd.Series:
        """Null in the real rows' share (``null_share``), by a hash of the row index (salted by the
        column's name: two key columns are null in other rows), so a row's key is null whatever
        block or stream it is drawn in: keys whose nulls are not learned (an entity's key, the
        fresh keys of pseudonyms). Keys that learn them (``learns_nulls``) are null where the
        model drew the null token (``decode``): a key built again from the row's final dates or
        names takes its nulls from there (the synthesizer's ``_set_key_years``)."""
        share = float(self.fmt.get("null_share", 0.0))
        if share <= 0.0 or self.learns_nulls:
            return keys
        salt = NULL_SALT ^ zlib.crc32(str(self.storage.name).encode())
        return keys.where(_uniform(index, salt) >= share, None)

    def nulls_as(self, keys: pd.Series, decoded: pd.Series) -> pd.Series:
        """``keys`` null where ``decoded`` (the column as the model's tokens decoded it) is, for
        keys that learn their nulls: built again from the row's final dates or names, they would
        otherwise take none."""
        return keys.where(decoded.notna().to_numpy(), None) if self.learns_nulls else keys

    def _keys(self, index: np.ndarray, rng: np.random.Generator) -> pd.Series:
        style = self.fmt["style"]
        if style == "integer":
            return restore_numeric(self._integers(index), self.storage, 1)
        if style == "scattered":
            return restore_numeric(_scattered(self.fmt, index), self.storage, 1)
        if style == "numbered":
            values = self._numbered(index)
        elif style == "uuid":
            values = self._uuids(index.size, rng)
        elif style == "email":
            values = self._emails(index)
        elif style == "segmented":
            values = _segmented(self.fmt, index)
        else:
            values = _scrambled(self.fmt, index)
        return restore_labels(np.asarray(values, dtype=object), self.storage)

    def _integers(self, index: np.ndarray) -> np.ndarray:
        """Exact keys (``next`` and on), in 64-bit integers: as floats, keys past 2**53 (snowflake
        ids, 1.5e18) rounded onto one another, so 2,000 fresh tweet ids came back as 9 values."""
        limit, first, step = _int_limit(self.storage.dtype), int(self.fmt["next"]), int(self.fmt.get("step", 1))
        if index.size and first + int(index[-1]) * step > limit:
            index = index & 0xFFFFFFFF  # narrow key type: the per-seed key range does not fit
        if index.size and first + int(index.max()) * step > limit:
            raise ModelError(
                f"column {self.storage.name!r}: fresh keys would overflow {self.storage.dtype}; "
                "sample fewer rows or widen the column's dtype before fitting",
                column=self.storage.name,
            )
        wide = np.uint64 if limit > np.iinfo(np.int64).max else np.int64
        return index.astype(wide) * wide(step) + wide(first)

    def _numbered(self, index: np.ndarray) -> list[str]:
        f = self.fmt
        width = int(f["width"])
        return [f"{f['prefix']}{int(f['next']) + int(i):0{width}d}{f['suffix']}" for i in index]

    def _uuids(self, n: int, rng: np.random.Generator) -> list[str]:
        raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
        raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
        raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
        out = []
        for row in raw:
            h = row.tobytes().hex()
            out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
        return [u.upper() for u in out] if self.fmt.get("upper") else out

    def _emails(self, index: np.ndarray) -> list[str]:
        """A fresh local part per row at a domain drawn (by a hash of the row) in the real shares."""
        f = self.fmt
        local = np.asarray(_scrambled(f["local"], index), dtype=object)
        return (local + "@" + drawn_by_row(f["domains"], f["shares"], index, salt=1)).tolist()

    def year_parts(self) -> dict[int, str]:
        """Places of a segmented key's parts that hold the year of a date column, and the column."""
        parts = self.fmt.get("parts", []) if self.fmt.get("style") == "segmented" else []
        return {place: str(part["year_of"]) for place, part in enumerate(parts) if "year_of" in part}

    def with_years(self, keys: pd.Series, years: Mapping[str, np.ndarray], min_rows: int) -> IdentifierCodec:
        """This codec with each part of four-digit values that is, in every real row where the date
        is known (``min_rows`` at least), the year of one of ``years``' dates (``ES-2023-…`` of an
        order placed in 2023)."""
        if self.fmt.get("style") != "segmented":
            return self
        fmt = {**self.fmt, "parts": [dict(p) if isinstance(p, dict) else p for p in self.fmt["parts"]]}
        present = keys.notna().to_numpy()
        split = keys[present].astype(str).str.split(_DIGIT_RUN, regex=True, expand=True)
        for place, part in enumerate(fmt["parts"]):
            if part == "counter" or not all(len(v) == 4 and v.isdigit() for v in part["values"]):
                continue
            held = np.full(present.size, np.nan)
            held[present] = split[place].astype("int64").to_numpy(dtype="float64")
            for name, year in years.items():
                known = np.isfinite(year) & present
                if known.sum() >= min_rows and np.array_equal(held[known], year[known]):
                    part["year_of"] = name
                    break
        return IdentifierCodec(self.storage, fmt)

    def decode_with_years(self, start: int, years: Mapping[int, np.ndarray]) -> pd.Series:
        """Segmented keys from row ``start`` on whose year parts (``year_parts``) are the given
        years (NaN: drawn as usual)."""
        size = next(iter(years.values())).size
        index = np.arange(start, start + size, dtype=np.int64)
        keys = restore_labels(np.asarray(_segmented(self.fmt, index, years), dtype=object), self.storage)
        return self._with_nulls(keys, index)

    def name_columns(self) -> list[str]:
        """The columns whose synthetic values e-mail local parts spell (``with_names``)."""
        return list(self.fmt["names"]["columns"]) if self.fmt.get("style") == "email" and "names" in self.fmt else []

    def with_names(self, keys: pd.Series, labels: Mapping[str, pd.Series]) -> IdentifierCodec:
        """This codec with e-mail local parts built from the row's names (``name_template``)."""
        present = keys.notna().to_numpy()
        labels = {name: values[present] for name, values in labels.items()}
        template = name_template(keys[present], labels) if self.fmt.get("style") == "email" else None
        return self if template is None else IdentifierCodec(self.storage, {**self.fmt, "names": template})

    def decode_with_names(self, start: int, names: Mapping[str, pd.Series]) -> pd.Series:
        """E-mails from row ``start`` on that spell the synthetic ``names`` (``name_columns``), each
        with a unique run of digits; rows whose names are rare or null keep a fresh local part."""
        t = self.fmt["names"]
        rows = list(zip(*(_names_of(names[c]) for c in t["columns"]), strict=True))
        index = np.arange(start, start + len(rows), dtype=np.int64)
        usable = np.asarray([None not in row for row in rows], dtype=bool)
        spelled = np.asarray(
            [str(t["separator"]).join(row) if ok else "" for row, ok in zip(rows, usable, strict=True)]
        )
        digits = {"alphabet": string.digits, "length": int(t["width"]), "offset": self.fmt["local"]["offset"]}
        local = spelled.astype(object) + np.asarray(_scrambled(digits, index), dtype=object)
        built = local + "@" + drawn_by_row(self.fmt["domains"], self.fmt["shares"], index, salt=1)
        values = np.where(usable, built, np.asarray(self._emails(index), dtype=object))
        return self._with_nulls(restore_labels(values, self.storage), index)

    def params(self) -> dict[str, Any]:
        return {"fmt": self.fmt}

    @classmethod
    def from_params(cls, storage: StorageType, params: dict[str, Any]) -> IdentifierCodec:
        return cls(storage, dict(params["fmt"]))

    def describe(self) -> dict[str, Any]:
        years = {"years_of": sorted(set(self.year_parts().values()))} if self.year_parts() else {}
        names = {"spells": self.name_columns()} if self.name_columns() else {}
        nulls = {"null_share": round(float(self.fmt["null_share"]), 4)} if "null_share" in self.fmt else {}
        return {
            "kind": "identifier",
            "format": self.fmt["style"],
            **years,
            **names,
            **nulls,
            **({"nulls_learned": True} if self.learns_nulls else {}),
            "protection": {"regenerated": True, "real_keys_emitted": False},
        }


def _scattered_format(series: pd.Series, storage: StorageType) -> dict[str, Any]:
    """Keys spread over the type's range, or its non-negative half where every real key is >= 0."""
    unsigned = _int_limit(storage.dtype) > np.iinfo(np.int64).max
    if unsigned or int(series.min()) >= 0:
        return {"style": "scattered", "low": 0, "bits": 64 if unsigned else 63, "offset": 1}  # mix(0) is 0
    return {"style": "scattered", "low": -(2**63), "bits": 64, "offset": 1}


def _scattered(f: dict[str, Any], index: np.ndarray) -> np.ndarray:
    """Keys ``low + mix(row)`` for a bijection ``mix`` of ``bits``-bit numbers: distinct rows,
    distinct keys; each step (a xor with the number's own high bits, a product by an odd number
    modulo 2**bits) can be undone."""
    bits = int(f["bits"])
    mask = np.uint64(2**bits - 1)
    x = (index.astype(np.uint64) + np.uint64(int(f["offset"]))) & mask
    with np.errstate(over="ignore"):
        for shift, factor in zip(_MIX[::2], [*_MIX[1::2], None], strict=True):
            x ^= x >> np.uint64(shift)
            if factor is not None:
                x = (x * np.uint64(factor)) & mask
    if int(f["low"]) == 0:
        return x if bits == 64 else x.astype(np.int64)
    return (x ^ np.uint64(2**63)).view(np.int64)  # low = -2**63: x - 2**63


def _int_limit(dtype: str) -> int:
    try:
        base: Any = pd.api.types.pandas_dtype(dtype)
        numpy_type: Any = np.dtype(getattr(base, "numpy_dtype", base))
        return int(np.iinfo(numpy_type).max)
    except (TypeError, ValueError):
        return int(np.iinfo(np.int64).max)


def drawn_by_row(values: list[str], shares: list[float], index: np.ndarray, salt: int) -> np.ndarray:
    """One of ``values`` per row, picked by a hash of the row index in ``shares``."""
    pick = np.minimum(np.searchsorted(np.cumsum(shares), _uniform(index, salt), side="right"), len(values) - 1)
    return np.asarray(values, dtype=object)[pick]


def _segmented(f: dict[str, Any], index: np.ndarray, years: Mapping[int, np.ndarray] | None = None) -> list[str]:
    """Keys of layout ``f`` (see ``_segmented_format``): the counter part numbered on from
    ``next``, the other parts drawn, each with a salt of its own, or (``years``: by place) the
    year of the row's date where it is known."""
    keys = np.full(index.size, "", dtype=object)
    for place, part in enumerate(f["parts"]):
        if part == "counter":
            numbers = (int(f["next"]) + index).astype(str)
            keys = keys + np.char.zfill(numbers, int(f["width"])).astype(object)
            continue
        drawn = drawn_by_row(part["values"], part["shares"], index, salt=2 + place)
        year = (years or {}).get(place)
        if year is not None:
            known = np.isfinite(year)
            drawn[known] = year[known].astype(np.int64).astype(str).astype(object)
        keys = keys + drawn
    return keys.tolist()


def _scrambled(f: dict[str, Any], index: np.ndarray) -> list[str]:
    """Free-form keys of layout ``f`` (see ``_alphabet_format``), one per row index."""
    chars = np.array(list(str(f["alphabet"])))
    literals = {int(k): str(v) for k, v in f.get("literals", {}).items()}
    length = int(f["length"])
    free = _scrambled_digits((index + int(f["offset"])).astype(np.int64), chars.size, length - len(literals))
    places = np.empty((index.size, length), dtype="<U1")
    drawn = iter(free.T)
    cases = str(f.get("cases", ""))
    for position in range(length):
        if position in literals:
            places[:, position] = literals[position]
            continue
        column = chars[next(drawn)]
        places[:, position] = np.char.upper(column) if cases[position : position + 1] == "U" else column
    keys = places.view(f"<U{length}").ravel()  # one string per row, without a Python loop
    rounds = index // chars.size ** _places_told_apart(chars.size, free.shape[1])  # a seed's stream: more rounds
    keys = np.char.add(keys, _overflow_places(rounds, chars))
    return np.char.add(str(f.get("prefix", "")), keys).tolist()


def _overflow_places(rounds: np.ndarray, chars: np.ndarray) -> np.ndarray:
    """Per row, ``rounds`` written in ``chars`` without leading zeros ("" for round 0): rows past
    the first round of keys the free places tell apart get longer keys, unique again."""
    out = np.full(rounds.size, "", dtype=object)
    left = rounds.copy()
    while (more := left > 0).any():
        out[more] = chars[left[more] % chars.size].astype(object) + out[more]
        left //= chars.size
    return out.astype(str)


def _string_format(text: pd.Series, min_count: int) -> dict[str, Any]:
    """Recognise numbered keys, UUIDs and e-mail addresses; fall back to the alphabet and
    typical length."""
    if text.str.match(_UUID).all():
        return {"style": "uuid", "upper": bool(text.str.upper().eq(text).all())}
    address = text.str.extract(_EMAIL)
    if address.notna().all().all():
        return _email_format(pd.Series(address[0], name=text.name), address[1].str.lower(), min_count)
    parts = text.str.extract(_NUMBERED)
    widths = parts[1].str.len()
    numbered = parts.notna().all().all() and parts[0].nunique() == 1 and parts[2].nunique() == 1
    if numbered and widths.max() <= MAX_NUMBER_DIGITS:
        return {
            "style": "numbered",
            "prefix": str(parts[0].iloc[0]),
            "suffix": str(parts[2].iloc[0]),
            "width": _counter_width(parts[1]),
            "next": int(parts[1].astype("int64").max()) + 1,
        }
    return _segmented_format(text, min_count) or _alphabet_format(text)


def _room_to_count_on(digits: pd.Series) -> bool:
    """Whether a run of one width (``555-123-4567``'s last four digits) leaves room past its
    largest value for as many fresh keys as there are real ones; else counting on would widen it
    (``555-123-10000``), and the keys stay free-form. Runs of varying width always have room."""
    widths = digits.str.len()
    if widths.nunique() > 1:
        return True
    return 10 ** int(widths.iloc[0]) - 1 - int(digits.astype("int64").max()) >= len(digits)


def _counter_width(digits: pd.Series) -> int:
    """Zero-padded counters (``0042``) keep their width; others are written as they come."""
    widths = digits.str.len()
    return int(widths.iloc[0]) if widths.nunique() == 1 and digits.str.startswith("0").any() else 1


def _segmented_format(text: pd.Series, min_count: int) -> dict[str, Any] | None:
    """Keys that split into the same number of digit runs and text between them, where the run
    with the most distinct values is the counter and every value of every other part is held by
    ``min_count`` keys (so no part tells a real key apart); None for other keys."""
    parts = text.str.split(_DIGIT_RUN, regex=True, expand=True)
    if parts.shape[1] < 3 or parts.isna().any().any():
        return None
    runs = list(range(1, parts.shape[1], 2))  # re.split puts the digit runs at odd places
    counter = max(runs, key=lambda place: parts[place].nunique())
    if parts[counter].str.len().max() > MAX_NUMBER_DIGITS or parts[counter].nunique() < 2:
        return None
    if not _room_to_count_on(parts[counter]):
        return None
    layout: list[Any] = []
    for place in range(parts.shape[1]):
        if place == counter:
            layout.append("counter")
            continue
        counts = parts[place].value_counts()
        if counts.min() < min_count:
            return None
        layout.append({"values": [str(v) for v in counts.index], "shares": (counts / len(text)).tolist()})
    digits = parts[counter]
    return {
        "style": "segmented",
        "parts": layout,
        "width": _counter_width(digits),
        "next": int(digits.astype("int64").max()) + 1,
    }


def _email_format(local: pd.Series, domain: pd.Series, min_count: int) -> dict[str, Any]:
    """Local parts as free-form keys; domains held by ``min_count`` rows with their shares, the
    rest as one share of ``FALLBACK_DOMAIN``."""
    counts = domain.value_counts()
    kept = counts[counts >= min_count]
    shares = (kept / len(domain)).tolist()
    rest = 1.0 - sum(shares)
    return {
        "style": "email",
        "local": _alphabet_format(local),
        "domains": [str(d) for d in kept.index] + [FALLBACK_DOMAIN] * (rest > 1e-12),
        "shares": shares + [rest] * (rest > 1e-12),
    }


def _alphabet_format(text: pd.Series, *, whole_bytes: bool = False, shared: bool = True) -> dict[str, Any]:
    """Common prefix and per-place literals (keys of one length only) where ``shared``, alphabet
    and typical length.

    ``whole_bytes``: the keys are the hex text of bytes (a binary key column), so they keep to
    whole bytes. Why: 300 ``fixed_size_binary(4)`` keys 0..299 share the prefix ``00000``, which
    left 4,096 keys, crowded by the real ones, so fresh keys took a ninth hex digit, which is no
    bytes: every key came back null. Now a prefix (and literals) that crowd them are given up (their width kept),
    and keys that still grow grow by a whole byte."""
    prefix = _common_prefix(str(text.min()), str(text.max())) if shared else ""  # the set's is its extremes'
    body = text.str.slice(len(prefix))
    sample = body.iloc[:5_000].tolist()
    literals: dict[str, str] = {}
    if shared and body.str.len().nunique() == 1 and len(sample[0]) > 0:
        literals = {str(i): c for i, c in enumerate(sample[0]) if body.str[i].eq(c).all()}
    used = {c for key in sample for i, c in enumerate(key) if str(i) not in literals}
    length = max(int(body.str.len().median()), len(literals) + 1)
    one_length = body.str.len().nunique() == 1
    most = LAYOUT_REAL_KEYS if one_length else FREE_LENGTH_REAL_KEYS
    alphabet, length, cases = _cased_layout(sample, literals, used, length, (len(text), most, one_length))
    past_real = _crowded(len(text), len(alphabet), length - len(literals), most)
    if past_real and whole_bytes and prefix:
        return _alphabet_format(text, whole_bytes=True, shared=False)
    if past_real:
        length = int(body.str.len().max()) + 1  # longer than any real key: none can come back
    if whole_bytes:
        length += (len(prefix) + length) % 2
    return {
        "style": "alphabet",
        "prefix": prefix,
        "alphabet": alphabet,
        "length": length,
        "past_real": past_real,
        "literals": literals,
        "offset": int(np.random.default_rng([len(text), zlib.crc32(str(text.name).encode())]).integers(0, 2**31)),
        **({"cases": cases} if cases else {}),
    }


def _cased_layout(
    keys: list[str], literals: Mapping[str, str], used: set[str], length: int, crowding: tuple[int, float, bool]
) -> tuple[str, int, str | None]:
    """The alphabet, length and per-place cases (``_place_cases``) of fresh free-form keys. Cased
    keys draw from half the letters, so where that leaves real keys too likely to come back
    (``_crowded``; ``crowding``: the real keys, the most expected back, whether all keys have one
    length) keys of free length grow by up to ``MORE_CASED_PLACES`` places; a layout of one length
    keeps both cases in every place then, as keys that keep to no case per place do."""
    cases = _place_cases(keys, literals, length) if used & set(string.ascii_uppercase) else None
    real_keys, most, one_length = crowding
    if cases:
        folded = _alphabet({c.lower() for c in used})
        for more in range(1 if one_length else MORE_CASED_PLACES + 1):
            if not _crowded(real_keys, len(folded), length + more - len(literals), most):
                return folded, length + more, cases.ljust(length + more, cases[-1])
    return _alphabet(used), length, None


def _place_cases(keys: list[str], literals: Mapping[str, str], length: int) -> str | None:
    """Per place of a free-form key, ``U`` where its letters are upper case, ``L`` where lower, in
    ``CASE_SHARE`` of the keys long enough to hold one there (places that none hold take the last
    one's); None where a place's letters mix cases more evenly (random tokens), or no place is upper
    case.

    Why: words keyed by themselves (a department's name, a car model) came back as keys of every
    letter in either case anywhere (``zXTrWUb`` for ``Aisne``); drawn from one case and set to each
    place's, they read like the real ones (``Kqvemtr``), and stay unique, casing being one to one."""
    out: list[str] = []
    for place in range(length):
        letters = [key[place] for key in keys if len(key) > place and key[place].isalpha()]
        if str(place) in literals or not letters:
            out.append(out[-1] if out else "L")
            continue
        upper = sum(c.isupper() for c in letters) / len(letters)
        if CASE_SHARE > upper > 1 - CASE_SHARE:
            return None
        out.append("U" if upper >= CASE_SHARE else "L")
    return "".join(out) if "U" in out else None


def _counters(f: dict[str, Any], keys: pd.Series) -> np.ndarray:
    """The counter of each key in the layout of ``f`` (a numbered or segmented key's digit run);
    keys in another layout are left out (a fresh key cannot equal them). One RE2 pass in Arrow:
    pandas' extract took 1.8 s a million keys."""
    if f["style"] == "numbered":
        pattern = f"^{re.escape(f['prefix'])}(?P<d>\\d+){re.escape(f['suffix'])}$"
    else:
        runs = len(f["parts"]) // 2  # re.split puts the digit runs at odd places
        before = f["parts"].index("counter") // 2
        pattern = f"^\\D*(?:\\d+\\D+){{{before}}}(?P<d>\\d+)(?:\\D+\\d+){{{runs - before - 1}}}\\D*$"
    matched = pc.extract_regex(pa.array(keys.astype(str), type=pa.string()), pattern).drop_null()
    found = matched.field("d")
    digits = found.filter(pc.less_equal(pc.utf8_length(found), MAX_NUMBER_DIGITS))
    return np.asarray(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _stay_longer(f: dict[str, Any], keys: pd.Series) -> None:
    """A free-form layout made longer than every real key (``past_real``) grows past ``keys`` too."""
    if not f.get("past_real"):
        return
    prefix = str(f.get("prefix", ""))
    bodies = keys[keys.str.startswith(prefix)].str.len() - len(prefix)
    if bodies.size:
        f["length"] = max(int(f["length"]), int(bodies.max()) + 1)


def _crowded(keys: int, base: int, places: int, most: float) -> bool:
    """Whether ``keys`` real keys fill ``places`` free places of ``base`` characters so densely that a
    synthetic copy of the table's size would hold more than ``most`` real keys (expected: keys**2 /
    base**places).

    Why: fresh keys are a scrambled counter over the places, blind to the real keys (the model keeps
    none), so where the real ones fill a share of the places, that share of fresh ones are real. The
    e-mails user1 ... user1200@example.com came back 866 times in 1,200 rows as real addresses
    (``user`` and three digits: 1,000 keys, most of them real)."""
    return 2 * math.log10(max(keys, 1)) - places * math.log10(base) > math.log10(most)


def _common_prefix(first: str, last: str) -> str:
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


def _alphabet(used: set[str]) -> str:
    """Digit keys stay digits and hex keys hex; otherwise every character class (digits, lower,
    upper) the keys use."""
    if used and used <= set(string.digits):
        return string.digits
    for hex_digits in _HEX:
        if used and used <= set(hex_digits):
            return hex_digits
    pools = [string.digits, string.ascii_lowercase, string.ascii_uppercase]
    return "".join(p for p in pools if used & set(p)) or string.ascii_lowercase


def _scrambled_digits(counter: np.ndarray, base: int, width: int) -> np.ndarray:
    """``width`` base-``base`` digits per counter value; distinct counters (below base**k, k the
    digits an int64 holds) give distinct rows, and neighbouring counters differ everywhere.

    The counter's own digits are mixed twice, each digit shifted by a hash of all digits below it,
    then of all digits above it: each pass can be undone digit by digit, so the map stays a
    bijection (unique keys), while a +1 in the counter ripples into every place.
    """
    k = _places_told_apart(base, width)
    code = counter % base**k
    digits = np.stack([(code // base**p) % base for p in range(k)], axis=1)
    below: np.ndarray = np.zeros(counter.size, dtype=np.int64)
    for p in range(k):
        digits[:, p] = (digits[:, p] + _hash(below, p) % base) % base
        below = below + digits[:, p] * base**p
    above: np.ndarray = np.zeros(counter.size, dtype=np.int64)
    for p in reversed(range(k)):
        digits[:, p] = (digits[:, p] + _hash(above, k + p) % base) % base
        above = above * base + digits[:, p]
    extra = [_hash(code, 2 * k + p) % base for p in range(width - k)]  # long keys: the rest from the code
    return np.column_stack([digits, *extra]).astype(np.int64)


def _places_told_apart(base: int, width: int) -> int:
    """Free places whose digits a counter sets one to one (an int64 holds this many); width >= 1:
    a key has at least one free place."""
    return min(width, int(62 / math.log2(base)))


def _uniform(index: np.ndarray, salt: int) -> np.ndarray:
    """A draw in [0, 1) per row, by a salted hash of its index: the same whatever block draws it."""
    return _hash(index, salt) / float(2**63)


def _hash(values: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64's finaliser of ``values`` salted by ``salt``, as non-negative int64."""
    z = values.astype(np.uint64) + np.uint64((salt * _GOLDEN) % 2**64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return ((z ^ (z >> np.uint64(31))) >> np.uint64(1)).astype(np.int64)


def name_template(keys: pd.Series, labels: Mapping[str, pd.Series], least_width: int = 2) -> dict[str, Any] | None:
    """How e-mail ``keys`` spell their row's names, where ``NAME_SHARE`` of the real local parts
    are one or two ``labels`` columns, lower case, in one order, with one separator and trailing
    digits (``anna.meyer84``): the columns, the separator and a digit width longer than any real
    one (``least_width`` at least); None where they do not."""
    local = keys.astype(str).str.split("@").str[0].str.lower().tolist()
    spelled = {name: [_as_name(v) for v in values] for name, values in labels.items()}
    found = [name for name, names in spelled.items() if _share_within(names, local) >= NAME_SHARE]
    found.sort(key=lambda name: np.median([lo.find(v or "\0") for v, lo in zip(spelled[name], local, strict=True)]))
    template = _name_template(found[:2], spelled, local) if found else None
    if template is None:
        return None
    width = max(len(lo) - len(lo.rstrip(string.digits)) for lo in local) + 1  # longer than any real one
    return {**template, "width": max(width, least_width)}


def spelled_addresses(values: pd.Series, names: Mapping[str, pd.Series], template: Mapping[str, Any]) -> pd.Series:
    """Pseudonymised e-mails rewritten to spell their row's synthetic names (``name_template``),
    at their own domain, with digits hashed from the pseudonym: the rows of one pseudonym keep
    one address, and two pseudonyms of the same names share one in about 1 of 10**width cases.
    Rows whose names are rare or null, and values that are no address, stay as they are."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values  # its categories are the pseudonyms: no new labels
    rows = zip(*(_names_of(names[c]) for c in template["columns"]), strict=True)
    width, separator = int(template["width"]), str(template["separator"])
    out = []
    for value, row in zip(values, rows, strict=True):
        if not isinstance(value, str) or "@" not in value or None in row:
            out.append(value)
            continue
        digits = str(zlib.crc32(value.encode()) % 10**width).zfill(width)
        out.append(separator.join(row) + digits + "@" + value.rsplit("@", 1)[1])  # type: ignore[arg-type]
    return pd.Series(out, index=values.index, dtype=values.dtype)


def _names_of(labels: pd.Series) -> list[str | None]:
    """``_as_name`` of each label, worked out once per distinct label."""
    labels = pd.Series(labels, dtype=object)
    spelled = {value: _as_name(value) for value in labels.dropna().unique()}
    return [spelled.get(value) if isinstance(value, str) else None for value in labels]


def _as_name(value: Any) -> str | None:
    """A label as it would stand in an address (lower case, no spaces), or None if it cannot."""
    if not isinstance(value, str):
        return None
    name = value.lower().replace(" ", "")
    return name if _NAME.match(name) else None


def _share_within(names: list[str | None], local: list[str]) -> float:
    return float(np.mean([name is not None and name in lo for name, lo in zip(names, local, strict=True)]))


def _name_template(
    found: list[str], spelled: Mapping[str, list[str | None]], local: list[str]
) -> dict[str, Any] | None:
    """The columns and separator that spell ``NAME_SHARE`` of the local parts, followed by digits
    only; None if none do."""
    rows = list(zip(*(spelled[name] for name in found), strict=True))
    for separator in SEPARATORS if len(found) > 1 else ("",):
        expected = [None if None in row else separator.join(row) for row in rows]
        fits = [e is not None and _digits_after(lo, e) for e, lo in zip(expected, local, strict=True)]
        if fits and np.mean(fits) >= NAME_SHARE:
            return {"columns": found, "separator": separator}
    return None


def _digits_after(local: str, start: str) -> bool:
    rest = local[len(start) :] if local.startswith(start) else "x"
    return rest == "" or rest.isdigit()
