"""Free text (comments, ticket notes, reviews) written anew from the words and word runs that enough rows share.

Why: prose is nearly all unique, so as categories every text is rare and the whole column came back as the
rare token (a support-ticket query's ``comment`` read ``_RARE_`` in every row). A word chain keeps what a
reader of the column sees (its words, the order they come in, how long the texts run) and nothing that
singles a writer out: a word, a text's first word, and a pair and a run of three consecutive words are each
kept only where at least ``min_count`` real rows hold them, the rule rare categories follow. The next word
follows the two before where their run is kept (more fluent: ``Return a list of the given path.``), else
the word before. Names, numbers and addresses inside a text are held by few rows and never come back.
Texts break into words at whitespace; a word keeps its punctuation and case (``late.`` ends texts,
``Late`` starts them), so sentences end where real ones did; pairs and runs are read with the rare words
left out (``ask Anna Sato4711 for`` gives ``Anna for``), so a text runs on past a name as its writer's did.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

MIN_MEDIAN_WORDS = 3  # shorter values are labels or names, not prose
MIN_COVERAGE = 0.5  # share of the words in the texts the kept words must cover, or what comes back is noise
LENGTH_QUANTILE = 0.99  # texts are drawn up to this quantile of the real lengths in words (the longest are rare)
ROOM_TO_END = 3  # words a text may run past its drawn length (at least; half the longest) to reach an end
MAX_WORDS_LIMIT = 10_000  # a loaded chain writing longer texts is not one fit wrote
MAX_BANDS = 4  # length bands the model learns (short to long texts), each held by min_count rows


@dataclass(frozen=True)
class WordChain:
    """Words, the words texts start with, the pairs and the runs of three that follow one another, each with
    the rows holding it.

    ``pairs`` rows are (word, next, rows) with next == len(words) for the end of a text; ``triples`` rows
    (word, next, the one after, rows), never the end. ``bands``: the
    longest length of each band of lengths, shortest first; the model learns a text's band as its token, so
    long complaints can go with one queue and short thanks with another."""

    words: list[str]
    held: list[int]
    starts: list[tuple[int, int]]
    pairs: list[tuple[int, int, int]]
    triples: list[tuple[int, int, int, int]]
    lengths: list[tuple[int, int]]
    bands: list[int]
    max_words: int
    min_count: int

    @classmethod
    def fit(cls, held: pd.Series, min_count: int) -> WordChain | None:
        """The chain of texts ``held`` (text -> rows holding it), or None where they are not prose."""
        texts = [(str(text).split(), int(rows)) for text, rows in held.items()]
        if not texts or np.median([len(words) for words, _ in texts]) < MIN_MEDIAN_WORDS:
            return None
        vocabulary = _held_by(((set(words), rows) for words, rows in texts), min_count)
        total = sum(len(words) * rows for words, rows in texts)
        covered = sum(sum(word in vocabulary for word in words) * rows for words, rows in texts)
        if covered < MIN_COVERAGE * total:
            return None
        words = sorted(vocabulary)
        index = {word: i for i, word in enumerate(words)}
        starts = _held_by(((words_[:1], rows) for words_, rows in texts), min_count)
        sequences = [([index[w] for w in text if w in index] + [len(words)], rows) for text, rows in texts]
        pairs = _held_by(((set(itertools.pairwise(ids)), rows) for ids, rows in sequences), min_count)
        triples = _held_by(
            ((set(zip(ids, ids[1:], ids[2:-1], strict=False)), rows) for ids, rows in sequences), min_count
        )
        if not (starts.keys() & vocabulary) or not pairs:
            return None
        lengths = np.repeat([len(ids) - 1 for ids, _ in sequences], [rows for _, rows in texts])
        longest = max(1, int(np.quantile(lengths, LENGTH_QUANTILE)))
        held_lengths = sorted(Counter(np.clip(lengths, 1, longest).tolist()).items())
        return cls(
            words=words,
            held=[vocabulary[w] for w in words],
            starts=sorted((index[w], n) for w, n in starts.items() if w in index),
            pairs=sorted((a, b, n) for (a, b), n in pairs.items()),
            triples=sorted((a, b, c, n) for (a, b, c), n in triples.items()),
            lengths=held_lengths,
            bands=_bands(held_lengths, min_count),
            max_words=longest,
            min_count=min_count,
        )

    def band_of(self, texts: pd.Series) -> np.ndarray:
        """Each text's band of lengths, in the kept words it holds (those a written text can hold)."""
        kept = set(self.words)
        counts = [sum(word in kept for word in str(text).split()) for text in texts]
        return np.searchsorted(self.bands, np.clip(counts, 1, self.max_words), side="left").astype(np.int32)

    def write(self, bands: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A text per row, of a length drawn in its band (``bands``): each walks from a start word through the
        kept runs and pairs and, once that long, ends at the first word a real text ended on or no kept pair
        leads on from (or ROOM_TO_END words past the longest). Before that, it ends at a word real texts only
        ended on, and a word no kept pair leads from or ends on is followed by a word drawn in its share of the
        rows, as a new phrase."""
        return self.write_lengths(self.lengths_of(bands, rng), rng)

    def write_lengths(self, length: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A text per row of (about) ``length`` words, walked as ``write`` walks (its lengths may come
        from another chain's bands: a topic's chain writes the lengths the column's bands drew)."""
        end, count = len(self.words), length.size
        cap = self.max_words + max(ROOM_TO_END, self.max_words // 2)
        walked = np.full((count, cap), end, dtype=np.int32)
        walked[:, 0] = _drawn_from(self.starts, count, rng)
        ends, steps, lasting, closing = self._walk
        for step in range(1, cap):  # ``step`` words written so far
            before, current = walked[:, step - 2] if step >= 2 else np.full(count, end), walked[:, step - 1]
            long_enough, onward = step >= length, steps.pairs.leads_on[current]
            ended = ends[current] & (long_enough | ~onward)  # a real text ended on this word: this one may
            live = (current != end) & ~ended & ~(long_enough & ~onward)
            if not live.any():
                break
            # a text steps into words that lead on until its last word is due, then into words texts end on
            last_due = step + 1 >= length
            early = live & ~last_due & lasting.pairs.leads_on[current]
            late = live & last_due & closing.pairs.leads_on[current]
            for rows, follow in ((early, lasting), (late, closing), (live & onward & ~early & ~late, steps)):
                walked[rows, step] = follow.draw(before[rows], current[rows], rng)
            fresh = np.flatnonzero(live & ~onward)
            walked[fresh, step] = _drawn_from(self._words_held, fresh.size, rng)
        vocabulary = np.asarray([*self.words, ""], dtype=object)
        return np.asarray([" ".join(vocabulary[row[row != end]]) for row in walked], dtype=object)

    @cached_property
    def _walk(self) -> tuple[np.ndarray, _Follow, _Follow, _Follow]:
        """Built once per chain, not per decoded chunk: which words end texts, and the next-word draws into
        any word, into words that lead on and into words texts end on."""
        end = len(self.words)
        ends = np.zeros(end + 1, dtype=bool)
        ends[[a for a, b, _ in self.pairs if b == end]] = True
        steps = self._follow(lambda word: word != end)
        lasting = self._follow(lambda word: word != end and steps.pairs.leads_on[word])
        closing = self._follow(lambda word: word != end and ends[word])
        return ends, steps, lasting, closing

    @cached_property
    def _words_held(self) -> list[tuple[int, int]]:
        return list(enumerate(self.held))

    def _follow(self, into: Callable[[int], bool]) -> _Follow:
        """Next-word draws into the words ``into`` admits: by the triple the two words before start, else by
        the pair the word before starts."""
        end = len(self.words)
        triples = [(a * (end + 1) + b, c, n) for a, b, c, n in self.triples if into(c)]
        states = np.unique(np.asarray([state for state, _, _ in triples], dtype=np.int64))
        numbered = [(int(np.searchsorted(states, state)), c, n) for state, c, n in triples]
        pairs = _Steps.of([(a, b, n) for a, b, n in self.pairs if into(b)], end)
        return _Follow(pairs, _Steps.of(numbered, states.size), states, end + 1)

    def lengths_of(self, bands: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A length per row, drawn in the real shares of the lengths of its band."""
        out = np.zeros(bands.size, dtype=np.int64)
        floors = [0, *self.bands]
        for band, (low, high) in enumerate(itertools.pairwise(floors)):
            rows = np.flatnonzero(bands == band)
            if rows.size:
                out[rows] = _drawn_from([(n, k) for n, k in self.lengths if low < n <= high], rows.size, rng)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "held": self.held,
            "starts": [list(s) for s in self.starts],
            "pairs": [list(p) for p in self.pairs],
            "triples": [list(t) for t in self.triples],
            "lengths": [list(n) for n in self.lengths],
            "bands": self.bands,
            "max_words": self.max_words,
            "min_count": self.min_count,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WordChain:
        """Rebuild a chain; raises ValueError where it could not have come from ``fit``."""
        words = [str(w) for w in data["words"]]
        held = [int(n) for n in data["held"]]
        starts = [(int(w), int(n)) for w, n in data["starts"]]
        pairs = [(int(a), int(b), int(n)) for a, b, n in data["pairs"]]
        triples = [(int(a), int(b), int(c), int(n)) for a, b, c, n in data["triples"]]
        lengths = [(int(n), int(rows)) for n, rows in data["lengths"]]
        bands = [int(n) for n in data["bands"]]
        chain = cls(words, held, starts, pairs, triples, lengths, bands, int(data["max_words"]), int(data["min_count"]))
        chain._check()
        return chain

    def _check(self) -> None:
        end = len(self.words)
        if not self.words or len(set(self.words)) != end or any(not w or w.split() != [w] for w in self.words):
            raise ValueError("a word chain's words must be distinct, non-empty and without spaces")
        if len(self.held) != end or min(self.held) < self.min_count:
            raise ValueError("a word chain holds each word's rows, each at least min_count")
        if not 1 <= self.max_words <= MAX_WORDS_LIMIT or self.min_count < 1:
            raise ValueError(f"a word chain's texts run 1 to {MAX_WORDS_LIMIT} words; min_count is at least 1")
        links: dict[str, tuple[Sequence[tuple[int, ...]], list[tuple[int, ...]], int]] = {
            "starts": (self.starts, [(w,) for w, _ in self.starts], end),
            "pairs": (self.pairs, [(a, b) for a, b, _ in self.pairs], end + 1),  # a pair may lead to the end
            "triples": (self.triples, [t[:3] for t in self.triples], end),
        }
        for name, (items, words, past) in links.items():
            if (not items and name != "triples") or items != sorted(set(items)) or len(set(words)) != len(items):
                raise ValueError(f"a word chain's {name} must be sorted and distinct")
            if any(not 0 <= min(ws) <= max(ws) < past for ws in words) or any(i[-1] < self.min_count for i in items):
                raise ValueError(f"a word chain's {name} must name its words, each held by min_count rows")
        self._check_lengths()

    def _check_lengths(self) -> None:
        if not self.lengths or any(not 1 <= n <= self.max_words or rows < 1 for n, rows in self.lengths):
            raise ValueError("a word chain's lengths must lie within 1 and its max_words, each held by a row")
        floors = [0, *self.bands]
        if not 1 <= len(self.bands) <= MAX_BANDS or self.bands[-1] != self.max_words or floors != sorted(set(floors)):
            raise ValueError(f"a word chain has 1 to {MAX_BANDS} rising bands of lengths, the last up to max_words")
        if any(not any(low < n <= high for n, _ in self.lengths) for low, high in itertools.pairwise(floors)):
            raise ValueError("each band of a word chain's lengths holds a length")

    def describe(self) -> str:
        return (
            f"free text: texts held by fewer than {self.min_count} rows are written anew from {len(self.words)} "
            f"words, {len(self.pairs)} word pairs and {len(self.triples)} three-word runs that {self.min_count}+ rows "
            "share, of real lengths "
            f"(up to {self.max_words} words)"
        )


def _held_by(groups: Iterable[tuple[Iterable[Any], int]], min_count: int) -> dict[Any, int]:
    """Items held by at least ``min_count`` rows, with those rows (each group of items counted once per row)."""
    rows: Counter[Any] = Counter()
    for items, held in groups:
        for item in items:
            rows[item] += held
    return {item: n for item, n in rows.items() if n >= min_count}


@dataclass(frozen=True)
class _Steps:
    """Pairs that lead on to a word, ready to draw every row's next word with one sorted search: a pair's key is
    its word + the cumulative share of the word's rows up to it. ``leads_on``: which words lead on at all
    (indexed up to the end marker, which does not)."""

    keys: np.ndarray
    following: np.ndarray
    leads_on: np.ndarray

    @classmethod
    def of(cls, pairs: list[tuple[int, int, int]], words: int) -> _Steps:
        table = np.asarray(pairs, dtype=np.float64).reshape(-1, 3)
        word, rows = table[:, 0].astype(np.int64), table[:, 2]
        totals = np.bincount(word, weights=rows, minlength=words + 1)
        shares = np.cumsum(rows) - (np.cumsum(totals) - totals)[word]
        keys = word + shares / np.maximum(totals[word], 1.0)
        last = np.r_[word[1:] != word[:-1], True] if word.size else np.zeros(0, dtype=bool)
        keys[last] = word[last] + 1.0  # exactly the segment's end, whatever the float sums came to
        return cls(keys, table[:, 1].astype(np.int64), totals > 0)

    def draw(self, current: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The next word of each of ``current`` (words that lead on), in the pairs' shares of the rows."""
        return self.following[np.searchsorted(self.keys, current + rng.random(current.size), side="right")]


@dataclass(frozen=True)
class _Follow:
    """Next-word draws of one kind: by the kept triple that the word before and the word start (``states``:
    their codes, word before x ``width`` + word, sorted), else by the kept pair the word starts. A triple held
    by min_count rows makes its pair held by as many, so ``pairs.leads_on`` tells whether a word leads on."""

    pairs: _Steps
    triples: _Steps
    states: np.ndarray
    width: int

    def draw(self, before: np.ndarray, current: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        code = before.astype(np.int64) * self.width + current
        at = np.minimum(np.searchsorted(self.states, code), max(self.states.size - 1, 0))
        known = (self.states[at] == code) if self.states.size else np.zeros(code.size, dtype=bool)
        out = np.empty(current.size, dtype=np.int64)
        out[known] = self.triples.draw(at[known], rng)
        out[~known] = self.pairs.draw(current[~known], rng)
        return out


def _bands(lengths: list[tuple[int, int]], min_count: int) -> list[int]:
    """Up to MAX_BANDS bands of about equal rows (each held by ``min_count`` rows, as any token is), as the
    longest length of each."""
    total = sum(rows for _, rows in lengths)
    share, band_rows, left = max(total / MAX_BANDS, min_count), 0, total
    bands: list[int] = []
    for length, rows in lengths:
        band_rows, left = band_rows + rows, left - rows
        if band_rows >= share and left >= max(share, min_count) and len(bands) < MAX_BANDS - 1:
            bands.append(length)
            band_rows = 0
    return [*bands, lengths[-1][0]]


def _drawn_from(held: list[tuple[int, int]], count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` values of (value, rows) pairs, each drawn in its share of the rows."""
    values = np.asarray([v for v, _ in held], dtype=np.int64)
    cumulative = np.cumsum(np.asarray([n for _, n in held], dtype=np.float64))
    at = np.searchsorted(cumulative / cumulative[-1], rng.random(count), side="right")
    return values[np.minimum(at, values.size - 1)]
