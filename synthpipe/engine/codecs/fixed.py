"""Columns with nothing to learn: entirely null."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.frames import StorageType, restore_labels, restore_numeric


class NullCodec(Codec):
    """An all-null column comes back all-null, in its own dtype."""

    kind_name = "null"

    @property
    def n_tokens(self) -> int:
        return 1

    def encode(self, series: pd.Series) -> np.ndarray:
        return np.zeros(len(series), dtype=np.int32)

    def decode(self, tokens: np.ndarray, rng: np.random.Generator, start: int) -> pd.Series:
        if self.storage.logical in (
            "int",
            "float",
            "bool",
            "decimal",
            "date",
            "datetime",
            "timedelta",
            "time",
        ):
            return restore_numeric(np.full(tokens.size, np.nan), self.storage, 1)
        return restore_labels(np.full(tokens.size, None, dtype=object), self.storage)

    def params(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_params(cls, storage: StorageType, params: dict[str, Any]) -> NullCodec:
        return cls(storage)

    def describe(self) -> dict[str, Any]:
        return {"kind": "all-null", "tokens": 1}
