"""Strings, categoricals and booleans: one token per frequent category.

Privacy: a category held by fewer than ``rare_category_min_count`` rows could single a
person out, so it is merged into one rare token and never emitted verbatim: ``rare_token``
is emitted in its place (a category dtype lists it instead of the rare names). Booleans are
not merged: a two-valued column has no identifying labels.
Rare codes (zips, phone numbers) keep the prefix that enough rows share, rare e-mail addresses
their domain, rare JSON objects their keys and common values, rare JSON arrays their common
elements (``prefixes.py``), and a JSON column's rare token is ``{}`` (or ``[]``), so that every
value stays JSON; rare free text is written anew from words
enough rows share (``prose.py``). The hex text of bytes (a binary column) generalises down to its
length, and its labels are filled in with fresh bytes (``fresh.py``), so rare bytes are neither
emitted nor lost to null.
"""

from __future__ import annotations

import dataclasses
import math
import random
import zlib
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.fresh import FreshBytes
from synthpipe.engine.codecs.prefixes import code_direction, generalise, generalised_labels, json_rare_label
from synthpipe.engine.codecs.prose import WordChain
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import StorageType, category_labels, integer_limits, restore_labels, restore_numeric


class CategoricalCodec(Codec):
    """Tokens: kept categories (most frequent first), generalised rare codes (``021**``),
    then rare (if merged), then null."""

    kind_name = "categorical"

    def __init__(
        self,
        storage: StorageType,
        *,
        categories: list[Any],
        has_rare: bool,
        has_null: bool,
        rare_label: str | None,
        merged: int,
        distinct: int,
        generalised: list[str] | None = None,
        generalised_from: str = "start",
        prose: WordChain | None = None,
        fresh: FreshBytes | None = None,
        fresh_codes: list[int] | None = None,
    ) -> None:
        super().__init__(storage)
        self.categories, self.generalised = categories, generalised or []
        self.generalised_from = generalised_from
        self.prose, self.fresh, self.fresh_codes = prose, fresh, fresh_codes
        self.has_rare, self.has_null = has_rare, has_null
        self.rare_label, self.merged, self.distinct = rare_label, merged, distinct
        self._index = {c: i for i, c in enumerate([*categories, *self.generalised])}
        self._rare_tokens = (len(prose.bands) if prose is not None else 1) * has_rare
        labels: list[Any] = [*categories, *self.generalised] + [rare_label] * self._rare_tokens + [None] * has_null
        self._labels = np.asarray(labels, dtype=object)

    @classmethod
    def fit(cls, series: pd.Series, storage: StorageType, cfg: EngineConfig) -> CategoricalCodec:
        labels = _labels(series, storage)
        counts = labels.dropna().value_counts(sort=True)
        is_bool = storage.logical == "bool"
        min_count = 1 if is_bool else cfg.rare_category_min_count
        kept = counts[counts >= min_count].iloc[: cfg.max_categories]
        merged = len(counts) - len(kept)
        # no rare token among Timestamp categories (category_values): it would be no category of theirs
        writes_text = storage.logical == "string" and "category_values" not in storage.extras
        rare_label = cfg.rare_token if writes_text else None
        rest = counts.drop(kept.index)
        groups, direction, prefix_of = rest[:0], _direction(rest, counts.index, storage, cfg, rare_label), {}
        if direction is not None:
            prefix_of = generalise(rest, min_count, direction)
            groups = _prefix_groups(rest, prefix_of)
            groups = groups[~groups.index.isin([str(c) for c in kept.index])]  # a JSON label may be a kept value
            groups = groups.iloc[: cfg.max_categories - len(kept)]
        if direction == "json":
            rare_label = json_rare_label(rest.index)  # still JSON: an empty object or array
        has_rare = int(groups.sum()) < int(rest.sum())
        writes_prose = has_rare and direction is None and cfg.write_prose and storage.dtype != "category"
        prose = WordChain.fit(rest, min_count) if writes_prose and rare_label is not None else None
        binary = bool(storage.extras.get("binary")) and len(rest) > 0
        fresh = _fresh_bytes(rest, prefix_of, groups, counts.index, cfg.seed, storage) if binary else None
        codes = _fresh_codes(len(rest), counts.index, cfg.seed, storage) if has_rare and rare_label is None else None
        if storage.dtype == "category":
            storage = _listing_only_emitted(
                storage,
                rest.index,
                [str(g) for g in groups.index] + [rare_label] * (has_rare and rare_label is not None),
            )
        return cls(
            storage,
            categories=[_plain(c) for c in kept.index],
            generalised=[str(g) for g in groups.index],
            generalised_from=direction or "start",
            has_rare=has_rare,
            has_null=bool(labels.isna().any()),
            rare_label=rare_label,
            merged=merged,
            distinct=len(counts),
            prose=prose,
            fresh=fresh,
            fresh_codes=codes,
        )

    @property
    def n_tokens(self) -> int:
        return len(self._index) + self._rare_tokens + self.has_null

    def encode(self, series: pd.Series) -> np.ndarray:
        labels = _labels(series, self.storage)
        rare = len(self._index) if self.has_rare else -1
        null = self.n_tokens - 1
        onto_kept = self.generalised_from == "json" and self.has_rare  # a rare array's label may be a kept one
        if self.generalised or onto_kept:
            labels = self._generalised(labels)
        codes = labels.map(self._index)
        out = codes.to_numpy(dtype="float64", na_value=np.nan)
        out = np.where(np.isnan(out), rare, out)
        out = np.where(labels.isna().to_numpy(), null, out)
        if (out < 0).any():
            out = np.where(out < 0, 0, out)  # unseen label at encode time: nearest is the mode
        if self.prose is not None:  # a rare text's token is its band of lengths
            written = np.flatnonzero(out == rare)
            out[written] += self.prose.band_of(labels.iloc[written])
        return out.astype(np.int32)

    def _generalised(self, labels: pd.Series) -> pd.Series:
        """Labels with each rare code replaced by its masked prefix (where it has one)."""
        known, groups, direction = set(self.categories), set(self.generalised), self.generalised_from
        if direction == "json":  # a rare array's common elements may be a kept value: ["red", "sku7"] is ["red"]
            groups |= {str(c) for c in self.categories}
        distinct = [v for v in labels.dropna().unique() if v not in known]
        swap = generalised_labels([str(v) for v in distinct], groups, direction)
        return labels.map(lambda v: v if v is None else swap.get(str(v), v))

    def prose_bands(self, tokens: np.ndarray) -> np.ndarray:
        """Per token, the band of lengths of a text the word chain writes, else -1."""
        bands = tokens - len(self._index)
        return np.where((bands >= 0) & (bands < self._rare_tokens), bands, -1)

    def decode(self, tokens: np.ndarray, rng: np.random.Generator, start: int) -> pd.Series:
        values = self._labels[tokens]
        if self.prose is not None:
            values = _with_prose(values, tokens - len(self._index), self.prose, rng)
        if self.fresh is not None:
            values = self.fresh.fill(values, self.rare_label, rng)
        if self.fresh_codes:
            rare = np.flatnonzero(tokens == len(self._index)) if self.has_rare else np.empty(0, dtype=np.intp)
            values = values.copy()
            values[rare] = np.asarray(self.fresh_codes, dtype=object)[
                rng.integers(len(self.fresh_codes), size=len(rare))
            ]
        if self.storage.logical == "bool":
            floats = np.asarray([np.nan if v is None else float(v) for v in values], dtype="float64")
            return restore_numeric(floats, self.storage, 1)
        return restore_labels(values, self.storage)

    def stand_ins(self, tokens: np.ndarray) -> np.ndarray:
        """Rows whose token stands in for rare values (a masked code or the rare token)."""
        return (tokens >= len(self.categories)) & (tokens < len(self._index) + self._rare_tokens)

    def params(self) -> dict[str, Any]:
        return {
            "categories": self.categories,
            "generalised": self.generalised,
            "generalised_from": self.generalised_from,
            "has_rare": self.has_rare,
            "has_null": self.has_null,
            "rare_label": self.rare_label,
            "merged": self.merged,
            "distinct": self.distinct,
            "prose": self.prose.to_json() if self.prose is not None else None,
            "fresh": self.fresh.to_json() if self.fresh is not None else None,
            "fresh_codes": self.fresh_codes,
        }

    @classmethod
    def from_params(cls, storage: StorageType, params: dict[str, Any]) -> CategoricalCodec:
        prose, fresh = params.pop("prose", None), params.pop("fresh", None)
        codec = cls(
            storage,
            **params,
            prose=WordChain.from_json(prose) if prose is not None else None,
            fresh=FreshBytes.from_json(fresh) if fresh is not None else None,
        )
        if codec.prose is not None and not (codec.has_rare and codec.rare_label is not None):
            raise ValueError("only a column with rare texts writes prose")
        return codec

    def describe(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "kind": self._kind(),
            "tokens": self.n_tokens,
            "categories_kept": len(self.categories),
            "distinct_values": self.distinct,
            "protection": {
                "rare_categories_merged": self.merged,
                "rare_codes_generalised": len(self.generalised) or None,
                "rare_emitted_as": self._rare_emitted_as(),
            },
        }
        if self.prose is not None:
            info["encoding"] = self.prose.describe()
        if self.generalised:  # a label stands for >= min_count rows: safe to show
            part = {"end": "domain", "words": "leading words", "json": "keys and values"}.get(
                self.generalised_from, "prefix"
            )
            written = "fresh bytes under" if self.fresh is not None else "rare codes as"
            info["encoding"] = f"categories; {written} the {part} enough rows share, e.g. {self.generalised[0]}"
        return info

    def _rare_emitted_as(self) -> str | None:
        if not self.has_rare:
            return None
        if self.fresh is not None and self.fresh.stand_in is not None:
            return f"fresh bytes under {self.fresh.stand_in}"
        if self.fresh_codes:
            return f"{len(self.fresh_codes)} fresh whole numbers, none of them a real value"
        return f"text of words {self.prose.min_count}+ rows share" if self.prose is not None else self.rare_label

    def _kind(self) -> str:
        if self.prose is not None:
            return "text"
        if self.n_tokens <= 1:
            return "all-null" if self.has_null else "constant"
        if self.storage.logical == "bool":
            return "boolean"
        rare_share = self.merged / max(self.distinct, 1)
        return "text" if self.distinct > 100 and rare_share > 0.9 else "categorical"


def _with_prose(values: np.ndarray, bands: np.ndarray, prose: WordChain, rng: np.random.Generator) -> np.ndarray:
    """The rows of the rare tokens (``bands``: their band of lengths, else out of range) written anew by the
    word chain (no draw where there are none)."""
    rare = (bands >= 0) & (bands < len(prose.bands))
    if not rare.any():
        return values
    values = values.copy()
    values[rare] = prose.write(bands[rare], rng)
    return values


def _direction(
    rest: pd.Series, values: pd.Index, storage: StorageType, cfg: EngineConfig, rare_label: str | None
) -> str | None:
    """How the rare values ``rest`` are generalised (``prefixes.generalise``), None: not at all.
    Bytes keep their length where ``generalise_rare_codes`` is off: a fresh value needs one."""
    if not len(rest) or rare_label is None:
        return None
    if storage.extras.get("binary"):
        return "hex" if cfg.generalise_rare_codes else "length"
    return code_direction(values) if cfg.generalise_rare_codes else None


def _fresh_bytes(
    rest: pd.Series, prefix_of: dict[str, str], groups: pd.Series, real: pd.Index, seed: int, storage: StorageType
) -> FreshBytes:
    """The fillings of a binary column's labels (``groups``), drawn clear of every ``real`` value
    (hex text); ``rest``: rows per rare value, ``prefix_of``: rare value -> its label."""
    under = pd.Series(prefix_of, dtype=object)
    distinct = under[under.isin(groups.index)].value_counts().reindex(groups.index, fill_value=0)
    rng = np.random.default_rng([seed, zlib.crc32(storage.name.encode())])
    labels = {str(label): int(count) for label, count in distinct.items()}
    return FreshBytes.fit(labels, len(rest) - sum(labels.values()), real.astype(str), rng)


FRESH_CODES_MAX = 256  # fresh whole numbers drawn at fit, at most


def _fresh_codes(rare: int, real: pd.Index, seed: int, storage: StorageType) -> list[int] | None:
    """Whole numbers no real value is, as many as the ``rare`` distinct rare values (at most
    ``FRESH_CODES_MAX``), drawn between the real values' ends and within the dtype (past the ends
    where those between are all real): what an integer column's rare rows come back as.

    Why: integers float64 cannot tell apart (codes past 2**53: 64-bit hashes, snowflake ids) are
    labels, and a label held by too few rows had no rare token an integer dtype holds, so its rows
    came back null: an int64 column of such codes came back as object, 9% null where none were."""
    if storage.logical != "int":
        return None
    taken = {int(v) for v in real}
    low, high = min(taken), max(taken)
    draw = random.Random(f"{seed}:{storage.name}")
    wanted = min(rare, FRESH_CODES_MAX)
    codes: dict[int, None] = {}  # in the order drawn
    for _ in range(4 * wanted):
        if len(codes) == wanted:
            break
        code = draw.randint(low, high)
        if code not in taken:
            codes[code] = None
    limits = integer_limits(storage) or (-math.inf, math.inf)
    step, code = (1, high + 1) if high + wanted <= limits[1] else (-1, low - 1)
    while len(codes) < wanted and limits[0] <= code <= limits[1]:  # the values between are all real
        codes[code], code = None, code + step
    return list(codes) or None


def _prefix_groups(rest: pd.Series, prefix_of: dict[str, str]) -> pd.Series:
    """Rows per generalised label (masked prefix, or e-mail domain) of the merged codes, most held first."""
    held = rest[list(prefix_of)].groupby([prefix_of[v] for v in prefix_of]).sum()
    return held.sort_values(ascending=False, kind="stable")


def _labels(series: pd.Series, storage: StorageType) -> pd.Series:
    """Object labels with None for null; booleans become Python bools."""
    if storage.logical == "bool":
        out = series.astype(object).where(series.notna(), None)
        return out.map(lambda v: None if v is None else bool(v))
    out = category_labels(series, storage).astype(object)
    return out.where(series.notna(), None)


def _listing_only_emitted(storage: StorageType, rare: pd.Index, added: list[Any]) -> StorageType:
    """A categorical dtype lists its categories, and the list travels with the data (the artifact,
    a parquet file's dictionary): real values held by too few rows come off it, and the labels
    emitted in their place (masked codes, the rare token) go on. Before, every rare name stayed
    listed and rare rows came back as null, so the null rate grew by the rare share. Categories no
    row holds are schema, not data, and stay."""
    hidden = {_plain(c) for c in rare}
    listed = [c for c in storage.extras["categories"] if c not in hidden]
    extras = {**storage.extras, "categories": listed + [a for a in added if a not in listed]}
    return dataclasses.replace(storage, extras=extras)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value
