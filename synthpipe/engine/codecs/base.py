"""What every column codec offers: tokens in, tokens out, JSON for the artifact, a describe entry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from synthpipe.engine.frames import StorageType


class Codec(ABC):
    """Turns one column into integer tokens and back.

    ``n_tokens`` == 0 means the column is not learned by the model at all (identifiers);
    ``n_tokens`` == 1 means it is fixed (constant or all-null) and decoded without the model.
    """

    kind_name: ClassVar[str]

    def __init__(self, storage: StorageType) -> None:
        self.storage = storage

    @property
    @abstractmethod
    def n_tokens(self) -> int:
        """How many distinct tokens the model must learn for this column."""

    @abstractmethod
    def encode(self, series: pd.Series) -> np.ndarray:
        """Token per row (int32); only called when ``n_tokens`` >= 1."""

    @abstractmethod
    def decode(self, tokens: np.ndarray, rng: np.random.Generator, start: int) -> pd.Series:
        """Values in the column's own dtype; ``start`` is the global row index of tokens[0]."""

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """JSON-able parameters that :meth:`from_params` rebuilds the codec from."""

    @classmethod
    @abstractmethod
    def from_params(cls, storage: StorageType, params: dict[str, Any]) -> Codec:
        """Rebuild from :meth:`params` (validated by the caller's artifact checks)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """The kind chosen and the protections applied, for the report."""

    @property
    def n_fine(self) -> int:
        """Tokens of the position-inside-the-token stream that follows this column in the chain (0: none)."""
        return 0

    def encode_fine(self, series: pd.Series, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Position token per row, given the column's own tokens (``encode``); only called when ``n_fine`` >= 2."""
        raise NotImplementedError(f"{type(self).__name__} has no position stream")

    def order_scores(self) -> np.ndarray | None:
        """Each token's place in the column's order, in [-1, 1] (None: unordered, such as categories)."""
        return None

    def input_map(self, max_groups: int) -> np.ndarray:
        """Output token -> input token for the model's inputs (identity unless coarsened)."""
        return np.arange(self.n_tokens, dtype=np.int64)

    def numeric_view(self, series: pd.Series) -> np.ndarray | None:
        """Float64 values comparable across columns (for constraints); None if not ordered."""
        return None

    def numeric_decoded(self, tokens: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
        """Decoded values as float64 before dtype restoration (for constraint repair)."""
        return None


def evenly_ordered(tokens: int) -> np.ndarray:
    """Scores for ``tokens`` ordered, equal-share tokens (bins, positions inside a bin)."""
    return np.linspace(-1.0, 1.0, tokens) if tokens >= 2 else np.zeros(tokens)
