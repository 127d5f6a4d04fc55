"""Repeated keys (``customer_id`` in an orders query): learned, but only ever as pseudonyms.

Why: a key column whose values repeat names an entity that owns several rows (a customer, a
patient, a household, a player's seasons). Every value is held by one entity's rows, so
rare-category protection (values held by 5+ rows are emitted) let real keys through: all player
ids of a synthetic baseball table were real, and 99.95% of the household ids of Catsup's, each
next to the profile the model had learned for that household. Before anything is learned, each
distinct value is swapped for a fresh key of the same type and format (the unique-key generator's:
integers continue after the largest real one, ``AB-0042`` style keys keep their layout, e-mail
addresses get fresh local parts), in a seeded random order. The rows of one entity still share one
key, so per-entity structure is learned as before, while the model, its artifact and its samples
hold only pseudonyms.

A column is a repeated key when it is named like one (``id``, ``user_id``, ``playerID``), holds
a panel's unit codes under a bare word for them (``subject``: ``100``, ``273b``), or holds
e-mail addresses or UUIDs, holds whole numbers or text, and has at least ``MIN_ENTITIES`` distinct
values, some held by several rows (unique keys are regenerated outright: codecs/identifier.py).
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.identifier import (
    FALLBACK_DOMAIN,
    IdentifierCodec,
    holds_addresses,
    names_a_key,
    names_units,
    whole_numbers,
)
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import StorageType, day_digits_format, numeric_values, storage_type
from synthpipe.errors import ModelError

MIN_ENTITIES = 10  # fewer distinct values are groups or codes (an ``id`` of 2 arms), not entities


def pseudonymise_repeated_keys(
    frame: pd.DataFrame, cfg: EngineConfig, numbers: Collection[str] = ()
) -> tuple[pd.DataFrame, dict[str, dict[str, Any] | None]]:
    """``frame`` with every repeated key column's values replaced by pseudonyms; per such column,
    the key format that continues past its pseudonyms (None where none is needed, see
    ``StandInKeys``). ``numbers``: columns named like keys that number an entity's rows
    (entities.sequence_columns and row_indexes), left as they are."""
    if not cfg.pseudonymise_keys:
        return frame, {}
    out, done = frame, {}
    for name in frame.columns:
        series = frame[name]
        if name in numbers:
            continue
        storage = storage_type(series)
        if not looks_like_repeated_key(series, storage):
            continue
        pseudonymised = _pseudonymised(series, storage, cfg)
        if pseudonymised is None:
            continue
        if out is frame:
            out = frame.copy()
        out[name], fmt = pseudonymised
        done[str(name)] = fmt if storage.logical == "string" and storage.dtype != "category" else None
    return out, done


def null_key_stand_ins(
    keys: pd.Series, fmt: dict[str, Any] | None, cfg: EngineConfig
) -> tuple[pd.Series, dict[str, Any] | None] | None:
    """Pseudonymised entity ``keys`` with each null replaced by a fresh key of its own past the
    pseudonyms, and the stand-in format ``fmt`` (text keys; None for numbers, whose codec counts on
    past the largest) moved past those; None when the fresh keys would not fit the column's integer
    type. Why: a guest session has no user, and each guest row is an entity of one row (learned
    with a hidden "key is null" flag, entities.Entities.nulls) that the entity code can group,
    number and key like any; grouped on a null it dropped the guests or glued them into one user."""
    nulls = keys.isna().to_numpy()
    storage = storage_type(keys)
    if storage.logical == "string":  # as _pseudonymised: fresh labels as plain text
        storage = dataclasses.replace(storage, dtype="object", extras={})
    codec = IdentifierCodec(storage, fmt) if fmt is not None else IdentifierCodec.fit(keys.dropna(), storage)
    rng = np.random.default_rng([cfg.seed, zlib.crc32(f"{keys.name} is null".encode())])
    try:
        fresh = codec.decode(np.zeros(int(nulls.sum()), dtype=np.int32), rng, 0)
    except ModelError:
        return None
    out = keys.copy()
    out[nulls] = fresh.to_numpy()
    return out, None if fmt is None else _past_keys(fmt, int(nulls.sum()))


def kept_past_real_keys(codecs: list[Codec], frame: pd.DataFrame, pseudonymised: Collection[str]) -> None:
    """Pseudonymised integer keys learned as numbers never come back below their first pseudonym.

    Why: integer pseudonyms continue after the largest real key, but a number's lower tail is
    drawn beyond its clip point. ``user_id``, a column of each ``session_id`` entity in a sessions
    query, was clipped at its third pseudonym and its tail reached 99520, the largest real user id
    (8 of 20,000 rows). The tail now stops at the smallest pseudonym, as it stops at 0 for a
    column that never held a negative number."""
    for codec in codecs:
        name = codec.storage.name
        if name not in pseudonymised or not isinstance(codec, NumericCodec):
            continue
        values, _ = numeric_values(frame[name], codec.storage)  # in the units the codec clips in
        if not np.isfinite(values).any():
            continue
        first = float(np.nanmin(values[np.isfinite(values)]))
        low = codec.p.bounds[0]
        codec.p.bounds[0] = first if low is None else max(low, first)


class StandInKeys:
    """Fresh keys for the rows whose pseudonymised text key comes out rare.

    Why: most customers place one to four orders, so most pseudonyms are held by fewer than 5
    rows and are merged like any rare value: an orders table's ``customer_id`` came back as
    ``_RARE_`` or a masked ``C-00***`` in most rows, one giant "customer" to anyone counting orders
    per customer. Each such row gets a key of its own instead, in the column's format, continuing
    past the pseudonyms (and unique across seeds and chunks, as regenerated unique keys are). A
    categorical dtype cannot hold new labels: there the rare token, which it lists, stays.
    """

    def __init__(self, storage: StorageType, fmt: dict[str, Any]) -> None:
        self.codec = IdentifierCodec(storage, fmt)

    def fill(self, values: pd.Series, rare: np.ndarray, rng: np.random.Generator, start: int) -> pd.Series:
        """``values`` with the ``rare`` rows replaced by fresh keys (key index ``start`` + row)."""
        if not rare.any():
            return values
        fresh = self.codec.decode(np.zeros(len(values), dtype=np.int32), rng, start)
        if self.codec.fmt["style"] == "email":  # a masked ``***@web.de`` keeps its domain
            domain = values.astype(str).str.extract(r"^\*+@(.+)$")[0]
            fresh = fresh.where(domain.isna(), _local_parts(fresh) + "@" + domain)
        return values.where(~rare, fresh)


def looks_like_repeated_key(series: pd.Series, storage: StorageType) -> bool:
    """Whole numbers or text, named like a key or holding addresses, values repeated."""
    if not (whole_numbers(storage) or storage.logical == "string"):
        return False
    return is_repeated_key(series.dropna(), str(series.name), text=storage.logical == "string")


def is_repeated_key(values: pd.Series, name: str, *, text: bool) -> bool:
    """The rule on a column's non-null ``values`` (shared with the report, which must not compare
    real keys with pseudonyms): ``MIN_ENTITIES`` or more distinct values, not all distinct, and a
    key's name, a panel's units' codes under a bare word for them (``subject``: ``names_units``),
    or (``text``) e-mail addresses or UUIDs only."""
    distinct = values.nunique()
    if distinct < MIN_ENTITIES or distinct == len(values):
        return False
    keyed = names_a_key(name) or names_units(values, name) or (text and holds_addresses(values.astype(str)))
    return keyed and not holds_days(values.drop_duplicates())


def holds_days(values: pd.Series) -> bool:
    """Whether every value is a day (or a month) written as digits, as a warehouse's ``date_key``
    is. Why: such a text key is named like one and repeats, so it was pseudonymised (20231234 came
    back, no day at all) and its days taken for entities; it holds a day, no one's identity."""
    return day_digits_format(values) is not None


def _fresh_keys(codec: IdentifierCodec, real: pd.Series, rng: np.random.Generator) -> tuple[pd.Series, int]:
    """One fresh key per real value, none equal to a real one (for addresses: no real local part),
    and how many keys of the format were drawn for them.

    Integers and numbered keys continue after the largest real one; free-form keys are drawn from
    the real alphabet and length, where a few may hit real keys: twice as many are drawn and those
    dropped (a tiny key space, two letters say, keeps some: such keys identify no one anyway).
    """
    if codec.fmt["style"] in ("integer", "numbered"):
        return codec.decode(np.zeros(len(real), dtype=np.int32), rng, 0), len(real)
    drawn = 2 * len(real) + 16
    candidates = codec.decode(np.zeros(drawn, dtype=np.int32), rng, 0)
    text, taken = candidates.astype(str), real.astype(str)
    if codec.fmt["style"] == "email":
        text, taken = _local_parts(text), _local_parts(taken)
    fresh = candidates[~text.isin(set(taken)) & ~text.duplicated()]
    return (fresh if len(fresh) >= len(real) else candidates).iloc[: len(real)].reset_index(drop=True), drawn


def _float_exact(fmt: dict[str, Any], n: int) -> dict[str, Any]:
    """An integer key format whose ``n`` keys lie 16 float64 spacings apart or more.

    Why: pseudonymised whole numbers are learned as numbers, in floats; past 2**53 (snowflake ids,
    1.3e18) consecutive keys rounded onto one another, and a table's 30 store ids came back as one
    (one spacing apart, midpoints between them still merged pairs of stores). Keys a multiple of
    16 spacings stay 30 numbers, each written back exactly."""
    first, step = int(fmt["next"]), 1
    while first + n * step >= 2**49 * step:
        step *= 2
    return {**fmt, "next": -(-first // step) * step, "step": step} if step > 1 else fmt


def _local_parts(addresses: pd.Series) -> pd.Series:
    return addresses.astype(str).str.rsplit("@", n=1).str[0]


def _at_own_domains(fresh: pd.Series, real: pd.Series, shown: list[str]) -> pd.Series:
    """Each address's pseudonym at its own domain (the fresh key's is drawn at random), so a domain's
    link to other columns is kept; a domain held by too few addresses to be shown is ``example.com``."""
    domains = real.astype(str).str.rsplit("@", n=1).str[1].str.lower()
    domains = domains.where(domains.isin(shown), FALLBACK_DOMAIN)
    return pd.Series(_local_parts(fresh).to_numpy() + "@" + domains.to_numpy(), name=fresh.name)


def _pseudonymised(
    series: pd.Series, storage: StorageType, cfg: EngineConfig
) -> tuple[pd.Series, dict[str, Any]] | None:
    """The column with each distinct value mapped to a fresh key, and the key format continuing
    past those keys; None when fresh keys would not fit the column's integer type (an int8 key
    column of 200 values: left as it was)."""
    real = pd.Series(pd.unique(series.dropna()), name=series.name)
    rng = np.random.default_rng([cfg.seed, zlib.crc32(str(series.name).encode())])
    if storage.logical == "string":  # fresh labels as plain text: a categorical dtype would drop them
        storage = dataclasses.replace(storage, dtype="object", extras={})
    codec = IdentifierCodec.fit(real, storage, cfg.rare_category_min_count)
    if codec.fmt["style"] == "integer":
        codec = IdentifierCodec(storage, _float_exact(codec.fmt, len(real)))
    try:
        fresh, drawn = _fresh_keys(codec, real, rng)
    except ModelError:
        return None
    real = real.iloc[rng.permutation(len(real))]
    if codec.fmt["style"] == "email":
        fresh = _at_own_domains(fresh, real, codec.fmt["domains"])
    mapping = dict(zip(real.tolist(), fresh.tolist(), strict=True))
    beyond = _past_keys(codec.fmt, used=drawn)
    if isinstance(series.dtype, pd.CategoricalDtype):
        unused = [c for c in series.cat.categories if c not in mapping]
        return series.cat.remove_categories(unused).cat.rename_categories(mapping), beyond
    return series.map(mapping).astype(series.dtype), beyond


def _past_keys(fmt: dict[str, Any], used: int) -> dict[str, Any]:
    """The key format whose key 0 comes after the ``used`` keys drawn as pseudonyms (integers: past
    their float spacing too, which ``_float_exact`` may have set)."""
    if fmt["style"] == "integer":
        return {**fmt, "next": int(fmt["next"]) + used * int(fmt.get("step", 1))}
    if fmt["style"] == "numbered":
        return {**fmt, "next": int(fmt["next"]) + used}
    if fmt["style"] in ("alphabet", "scattered"):
        return {**fmt, "offset": int(fmt["offset"]) + used}
    if fmt["style"] == "email":
        return {**fmt, "local": _past_keys(fmt["local"], used)}
    return dict(fmt)  # UUIDs are drawn at random
