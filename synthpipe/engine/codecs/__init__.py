"""One codec per column kind, chosen by :func:`build_codec`; rebuilt from JSON by :func:`codec_from_json`."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

import pandas as pd

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.fixed import NullCodec
from synthpipe.engine.codecs.identifier import IdentifierCodec, looks_like_identifier, shared_rankings
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.codecs.offset import OffsetCodec
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.frames import StorageType, storage_type

__all__ = ["Codec", "build_codec", "build_codecs", "codec_from_json", "codec_to_json"]

_CODECS: dict[str, type[Codec]] = {
    "numeric": NumericCodec,
    "categorical": CategoricalCodec,
    "identifier": IdentifierCodec,
    "null": NullCodec,
    "offset": OffsetCodec,
}
_NUMERIC_LOGICALS = {"int", "float", "decimal", "date", "datetime", "timedelta", "time"}


def build_codecs(
    frame: pd.DataFrame, cfg: EngineConfig, spread: float = 1.0, binary: Collection[str] = ()
) -> list[Codec]:
    """One codec per column; whether an integer column is a key can depend on its neighbours
    (``spread``: see ``looks_like_identifier``); ``binary``: the columns that are bytes as hex text
    (``nested.hex_columns``)."""
    keys = key_columns(frame, cfg, spread)
    return [build_codec(frame[name], cfg, key=str(name) in keys, binary=str(name) in binary) for name in frame.columns]


def key_columns(frame: pd.DataFrame, cfg: EngineConfig, spread: float = 1.0) -> set[str]:
    """The columns ``build_codecs`` regenerates as fresh keys (identifiers, not rankings)."""
    storages = [storage_type(frame[name]) for name in frame.columns]
    keys = [
        cfg.detect_identifiers and looks_like_identifier(frame[name], storage, spread)
        for name, storage in zip(frame.columns, storages, strict=True)
    ]
    rankings = shared_rankings(frame, storages, keys)
    return {str(name) for name, key in zip(frame.columns, keys, strict=True) if key and name not in rankings}


def build_codec(
    series: pd.Series,
    cfg: EngineConfig,
    *,
    storage: StorageType | None = None,
    key: bool | None = None,
    binary: bool = False,
) -> Codec:
    """Pick and fit the codec for one column (the choice shows in ``describe()``); ``key``: whether
    it is a key column, when the caller has decided (``build_codecs`` looks at the whole table);
    ``binary``: the column is bytes as hex text, marked in its storage (``extras["binary"]``) so a
    codec refitted on the same storage (an entity column's) knows it too."""
    storage = storage or storage_type(series)
    if binary:
        storage = dataclasses.replace(storage, extras={**storage.extras, "binary": True})
    if storage.logical == "null" or series.isna().all():
        return NullCodec(storage)
    if key is None:
        key = cfg.detect_identifiers and looks_like_identifier(series, storage)
    if key:
        return IdentifierCodec.fit(series, storage, cfg.rare_category_min_count, learn_nulls=True)
    if storage.logical in _NUMERIC_LOGICALS and not _past_float_precision(series, storage):
        return NumericCodec.fit(series, storage, cfg)
    return CategoricalCodec.fit(series, storage, cfg)


def _past_float_precision(series: pd.Series, storage: StorageType) -> bool:
    """Integers that float64 cannot tell apart (codes past 2**53: hashes, packed ids) are labels.
    Why: learned as numbers, 60 codes near 2**62 came back as one value, a real one."""
    if storage.logical != "int":
        return False
    present = series.dropna()
    if present.empty or max(abs(int(present.min())), abs(int(present.max()))) <= 2**53:
        return False
    return bool(present.nunique() > pd.Series(present.to_numpy(dtype="float64")).nunique())


def codec_to_json(codec: Codec) -> dict[str, Any]:
    return {"codec": codec.kind_name, "storage": codec.storage.to_json(), "params": codec.params()}


def codec_from_json(data: dict[str, Any]) -> Codec:
    """Rebuild a codec; raises KeyError/TypeError/ValueError on malformed input (caller wraps)."""
    cls = _CODECS[str(data["codec"])]
    return cls.from_params(StorageType.from_json(data["storage"]), dict(data["params"]))
