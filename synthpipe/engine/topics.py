"""Free text written in the words of its row's label: billing tickets about charges, shipping
tickets about parcels.

Why: one word chain (codecs/prose.py) wrote every rare text from the words of all of them, so a
synthetic billing ticket read "the parcel arrived late" as often as a shipping one. Where a label
column (a ticket's queue) goes with the words texts use, beyond what the same label shuffled over
the rows gives, each of its values held by enough texts gets a chain of its own, fitted on its texts
alone with the same rule (a word, pair or run kept only where ``min_count`` of them hold it); the
model still learns each text's band of lengths with the row, and once the row's label is decoded
its text is written by that label's chain in the length its band drew.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.codecs.base import Codec
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.prose import WordChain

MAX_LABELS = 12  # a label of more values splits the texts too thin
TOPIC_MIN_TEXTS = 50  # texts a label value needs for a chain of its own
MIN_LIFT = 0.1  # how much more the label tells of the words than the same label shuffled over the rows
LIFT_TEXTS = 20_000  # texts (a seeded sample) the lift is measured on: bounds the work on wide tables


@dataclass(frozen=True)
class Topics:
    """The text column ``text`` is written, for each value of ``label`` in ``chains`` (by its
    text), by that value's chain."""

    text: str
    label: str
    chains: dict[str, WordChain]

    def __str__(self) -> str:
        return f"{self.text} is written in the words of its {self.label}"

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "chains": {k: c.to_json() for k, c in self.chains.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Topics:
        chains = {str(k): WordChain.from_json(v) for k, v in data["chains"].items()}
        return cls(str(data["text"]), str(data["label"]), chains)

    def write(
        self, texts: pd.Series, bands: np.ndarray, labels: pd.Series, column: WordChain, rng: np.random.Generator
    ) -> pd.Series:
        """``texts`` with each written row (``bands`` >= 0: its band of lengths in ``column``, the
        column's own chain) rewritten by its label's chain, in a length drawn in its band."""
        out = texts.to_numpy(dtype=object).copy()
        keys = _keys(labels)
        for value, chain in self.chains.items():
            rows = np.flatnonzero((bands >= 0) & (keys == value))
            if rows.size:
                out[rows] = chain.write_lengths(column.lengths_of(bands[rows], rng), rng)
        return pd.Series(out, index=texts.index, name=texts.name)


def detect(frame: pd.DataFrame, codecs: list[Codec], min_count: int, seed: int) -> list[Topics]:
    """Per text column that writes prose, the label column that goes with its words most (if any
    does, by MIN_LIFT), and the chains of that label's values."""
    found = []
    labels = [
        c
        for c in codecs
        if isinstance(c, CategoricalCodec) and c.prose is None and 2 <= len(c.categories) <= MAX_LABELS
    ]
    for codec in codecs:
        if not isinstance(codec, CategoricalCodec) or codec.prose is None:
            continue
        texts = _written_texts(frame[codec.storage.name], codec)
        if len(texts) < 2 * TOPIC_MIN_TEXTS:
            continue
        rng = np.random.default_rng(seed)
        looked = texts.sample(n=min(len(texts), LIFT_TEXTS), random_state=seed)
        vocabulary = set(codec.prose.words)
        words = [set(text.split()) & vocabulary for text in looked]
        lifts = {
            c.storage.name: _lift(words, _keys(frame[c.storage.name].loc[looked.index]), rng)
            for c in labels
            if c.storage.name != codec.storage.name
        }
        best = max(lifts, key=lambda name: lifts[name], default=None)
        if best is None or lifts[best] < MIN_LIFT:
            continue
        chains = _chains(texts, _keys(frame[best].loc[texts.index]), min_count)
        if len(chains) >= 2:
            found.append(Topics(codec.storage.name, best, chains))
    return found


def _written_texts(column: pd.Series, codec: CategoricalCodec) -> pd.Series:
    """The texts the chain writes: not null, not a kept category."""
    kept = {str(c) for c in codec.categories}
    present = column.dropna().astype(str)
    return present[~present.isin(kept)]


def _keys(labels: pd.Series) -> np.ndarray:
    """Label values as text (a chain's key), None for null."""
    return labels.astype(object).map(lambda v: None if v is None or v != v else str(v)).to_numpy(dtype=object)


def _lift(words: list[set[str]], keys: np.ndarray, rng: np.random.Generator) -> float:
    """How far the label's shares among the texts holding a word are from its shares overall
    (total variation, averaged over the words by the texts holding them), less the same for the
    label shuffled over the texts (what a label unrelated to the words shows by chance)."""
    return _word_label_distance(words, keys) - _word_label_distance(words, rng.permutation(keys))


def _word_label_distance(words: list[set[str]], keys: np.ndarray) -> float:
    pairs = pd.DataFrame(
        [(word, key) for held, key in zip(words, keys, strict=True) if key is not None for word in held],
        columns=["word", "label"],
    )
    if pairs.empty:
        return 0.0
    overall = pd.Series(keys[[k is not None for k in keys]]).value_counts(normalize=True)
    by_word = pd.crosstab(pairs["word"], pairs["label"]).reindex(columns=overall.index, fill_value=0)
    held = by_word.sum(axis=1)
    shares = by_word.div(held, axis=0)
    distance = 0.5 * (shares - overall).abs().sum(axis=1)
    return float((distance * held).sum() / held.sum())


def _chains(texts: pd.Series, keys: np.ndarray, min_count: int) -> dict[str, WordChain]:
    chains = {}
    for value in sorted({k for k in keys if k is not None}):
        own = texts[keys == value]
        if len(own) >= TOPIC_MIN_TEXTS and (chain := WordChain.fit(own.value_counts(), min_count)) is not None:
            chains[value] = chain
    return chains
