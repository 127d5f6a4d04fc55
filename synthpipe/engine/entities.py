"""The entities behind a repeated key: a user's sessions, a customer's orders, a player's seasons.

Why: learned row by row, a sessions query (12,543 users, a median of 33 sessions each) came back
with 171,082 users and a median of one session each: the key is a category of the model, so only
pseudonyms held by enough rows repeat and every other row got a user of its own; and a user's
age or sign-up date changed between the sessions of 2.9% of the synthetic users.

So the key is not learned. Each row carries its entity's row count instead (a learned number,
clipped at its extremes like any), and the columns that are constant within an entity (gender,
sign-up date: detected on the training rows) follow it at the head of the chain. The head columns
are learned one count per entity (each row's loss weighted 1 / its entity's rows, model.HeadWeights)
and the validation split holds out whole entities, so training stops before users' profiles are
memorised. Sampling draws an entity's count and columns once; the entity gets a fresh key and that
many rows, whose other columns are drawn conditioned on its head. Large
inputs are trained on rows each carrying its entity's size in the whole input, so a row sample
does not thin them.
The size and the entity columns are binned and protected on one row per entity: a value is rare
when few *entities* hold it, and one user's 3,000 sessions do not make 3,000 rows beyond a clip.

Measured on that sessions query, split by users (10,041 training users, 815k rows; seeds 0 / 1):
10,287 / 10,124 synthetic users, sessions per user median / 90th / 99th percentile 41 / 178 / 545
and 42 / 180 / 578 (real 42 / 181 / 580), no user with two values of a user column. A DCR share over
users (one row per user: their columns and session count, against as many training and unseen
users) of 0.508 / 0.493; it was 0.553 / 0.519 when the head was learned once per row on a row-split
validation (72-77 epochs, 109-128 s, against 7 epochs and 16-26 s). Metrics that compare single rows see
a noisier table: a row-weighted marginal of a user column is one draw of ~10,000 users, as the real
one is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.identifier import names_a_key
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import storage_type
from synthpipe.engine.pseudonyms import is_repeated_key

CONSTANT_SHARE = 0.99  # of the entities with 2+ rows, the share where a column holds one value
CANDIDATE_ROWS = 1024  # entity heads drawn at a time (about one per synthetic row is needed)


@dataclass(frozen=True)
class Entities:
    """``key`` names an entity; ``count`` is the (learned, never emitted) column holding each row's
    entity size; ``columns`` are constant within an entity, drawn once per entity."""

    key: str
    count: str
    columns: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "count": self.count, "columns": list(self.columns)}

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> Entities:
        return cls(str(item["key"]), str(item["count"]), tuple(str(c) for c in item["columns"]))


def entity_key(frame: pd.DataFrame, cfg: EngineConfig) -> str | None:
    """The first column that keys entities: named like a key, whole numbers or plain text, never
    null, values repeated by at least ``constraint_min_rows`` entities. None when switched off, or
    when pseudonymising keys is (real keys are then learned as categories, to join on)."""
    if not (cfg.learn_entities and cfg.pseudonymise_keys):
        return None
    for name in frame.columns:
        if names_a_key(str(name)) and _keys_entities(frame[name], cfg.constraint_min_rows):
            return str(name)
    return None


def _keys_entities(series: pd.Series, min_entities: int) -> bool:
    if isinstance(series.dtype, pd.CategoricalDtype) or series.isna().any():
        return False
    logical = storage_type(series).logical
    if logical not in ("int", "string"):
        return False
    if not is_repeated_key(series, str(series.name), text=logical == "string"):
        return False
    return int((series.value_counts() >= 2).sum()) >= min_entities


def detect(frame: pd.DataFrame, key: str) -> Entities:
    """The entity of ``key`` with the columns constant within it (in table order)."""
    groups = frame.groupby(key, sort=False)
    repeated = groups[key].transform("size").to_numpy() >= 2
    shared = frame[repeated].groupby(key, sort=False)
    columns = [
        str(name)
        for name in frame.columns
        if name != key and (shared[name].nunique(dropna=False) == 1).mean() >= CONSTANT_SHARE
    ]
    return Entities(key, _free_name(f"rows per {key}", frame.columns), tuple(columns))


def _free_name(name: str, taken: pd.Index) -> str:
    while name in taken:
        name = f"_{name}"
    return name


def entity_sizes(keys: pd.Series) -> pd.Series:
    """Per row, the number of rows of its entity (named like the key)."""
    sizes = keys.groupby(keys, sort=False).transform("size").astype("int64")
    sizes.name = keys.name
    return sizes


def with_counts(frame: pd.DataFrame, entities: Entities, sizes: pd.Series | None = None) -> pd.DataFrame:
    """``frame`` plus the count column: each row's entity size, counted in ``frame`` unless the
    sizes in the table it was sampled from are given (a row sample thins every entity)."""
    counts = entity_sizes(frame[entities.key]) if sizes is None else sizes
    return frame.assign(**{entities.count: counts.to_numpy(dtype="int64")})


def rows_of(sizes: np.ndarray, total: int) -> np.ndarray:
    """Per row, its entity's ordinal: entities in turn, each with its size, cut at ``total`` rows."""
    return np.repeat(np.arange(sizes.size), sizes)[:total]


def first_rows(entity: np.ndarray) -> np.ndarray:
    """Per entity (ordinals 0, 1, ... in row order), the position of its first row."""
    return np.flatnonzero(np.r_[True, entity[1:] != entity[:-1]]) if entity.size else np.zeros(0, dtype=np.int64)
