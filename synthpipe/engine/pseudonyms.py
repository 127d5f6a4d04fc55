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

A column is a repeated key when it is named like one (``id``, ``user_id``, ``playerID``) or holds
e-mail addresses or UUIDs, holds whole numbers or text, and has at least ``MIN_ENTITIES`` distinct
values, some held by several rows (unique keys are regenerated outright: codecs/identifier.py).
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.identifier import FALLBACK_DOMAIN, IdentifierCodec, holds_addresses, names_a_key
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import StorageType, storage_type
from synthpipe.errors import ModelError

MIN_ENTITIES = 10  # fewer distinct values are groups or codes (an ``id`` of 2 arms), not entities


def pseudonymise_repeated_keys(frame: pd.DataFrame, cfg: EngineConfig) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with every repeated key column's values replaced by pseudonyms, and those columns' names."""
    if not cfg.pseudonymise_keys:
        return frame, []
    out, done = frame, []
    for name in frame.columns:
        series = frame[name]
        storage = storage_type(series)
        if not looks_like_repeated_key(series, storage):
            continue
        fresh = _pseudonymised(series, storage, cfg)
        if fresh is None:
            continue
        if out is frame:
            out = frame.copy()
        out[name] = fresh
        done.append(str(name))
    return out, done


def looks_like_repeated_key(series: pd.Series, storage: StorageType) -> bool:
    """Whole numbers or text, named like a key or holding addresses, values repeated."""
    if storage.logical not in ("int", "string"):
        return False
    return is_repeated_key(series.dropna(), str(series.name), text=storage.logical == "string")


def is_repeated_key(values: pd.Series, name: str, *, text: bool) -> bool:
    """The rule on a column's non-null ``values`` (shared with the report, which must not compare
    real keys with pseudonyms): ``MIN_ENTITIES`` or more distinct values, not all distinct, and a
    key's name, or (``text``) e-mail addresses or UUIDs only."""
    distinct = values.nunique()
    if distinct < MIN_ENTITIES or distinct == len(values):
        return False
    return names_a_key(name) or (text and holds_addresses(values.astype(str)))


def _fresh_keys(codec: IdentifierCodec, real: pd.Series, rng: np.random.Generator) -> pd.Series:
    """One fresh key per real value, none equal to a real one (for addresses: no real local part).

    Integers and numbered keys continue after the largest real one; free-form keys are drawn from
    the real alphabet and length, where a few may hit real keys: twice as many are drawn and those
    dropped (a tiny key space, two letters say, keeps some: such keys identify no one anyway).
    """
    if codec.fmt["style"] in ("integer", "numbered"):
        return codec.decode(np.zeros(len(real), dtype=np.int32), rng, 0)
    candidates = codec.decode(np.zeros(2 * len(real) + 16, dtype=np.int32), rng, 0)
    text, taken = candidates.astype(str), set(real.astype(str))
    if codec.fmt["style"] == "email":
        text, taken = text.str.rsplit("@", n=1).str[0], {key.rsplit("@", 1)[0] for key in taken}
    fresh = candidates[~text.isin(taken) & ~text.duplicated()]
    return (fresh if len(fresh) >= len(real) else candidates).iloc[: len(real)].reset_index(drop=True)


def _at_own_domains(fresh: pd.Series, real: pd.Series, shown: list[str]) -> pd.Series:
    """Each address's pseudonym at its own domain (the fresh key's is drawn at random), so a domain's
    link to other columns is kept; a domain held by too few addresses to be shown is ``example.com``."""
    domains = real.astype(str).str.rsplit("@", n=1).str[1].str.lower()
    domains = domains.where(domains.isin(shown), FALLBACK_DOMAIN)
    local = fresh.astype(str).str.rsplit("@", n=1).str[0]
    return pd.Series(local.to_numpy() + "@" + domains.to_numpy(), name=fresh.name)


def _pseudonymised(series: pd.Series, storage: StorageType, cfg: EngineConfig) -> pd.Series | None:
    """The column with each distinct value mapped to a fresh key; None when fresh keys would not
    fit the column's integer type (an int8 key column of 200 values: left as it was)."""
    real = pd.Series(pd.unique(series.dropna()), name=series.name)
    rng = np.random.default_rng([cfg.seed, zlib.crc32(str(series.name).encode())])
    if storage.logical == "string":  # fresh labels as plain text: a categorical dtype would drop them
        storage = dataclasses.replace(storage, dtype="object", extras={})
    codec = IdentifierCodec.fit(real, storage, cfg.rare_category_min_count)
    try:
        fresh = _fresh_keys(codec, real, rng)
    except ModelError:
        return None
    real = real.iloc[rng.permutation(len(real))]
    if codec.fmt["style"] == "email":
        fresh = _at_own_domains(fresh, real, codec.fmt["domains"])
    mapping = dict(zip(real.tolist(), fresh.tolist(), strict=True))
    if isinstance(series.dtype, pd.CategoricalDtype):
        unused = [c for c in series.cat.categories if c not in mapping]
        return series.cat.remove_categories(unused).cat.rename_categories(mapping)
    return series.map(mapping).astype(series.dtype)
