"""Rare codes generalised to a shared prefix: ``02139`` held by two people comes back as ``021**``.

Why: zip codes, phone numbers, ICD or product codes are high-cardinality, so most of their
values are held by fewer than ``rare_category_min_count`` rows and would all collapse into one
rare token, losing the region, area or chapter the code starts with. Their leading characters
are a hierarchy, so like k-anonymity's generalisation we keep the longest prefix that enough
rows share and mask the rest. E-mail addresses read the other way: their hierarchy is the
domain, so a rare address comes back as ``***@gmail.com``. Short names of a few words (car
models, products, people) start with their make, brand or first name: a rare one keeps the
leading words enough rows share (``chevrolet chevelle malibu`` comes back as ``chevrolet *``).
JSON objects (a ``jsonb`` column of event properties) are generalised as objects, so they stay
JSON: a rare one keeps its keys and the values that enough rows hold under them, the others
null (``{"plan": "pro", "seats": null}``), then its keys alone; masked like a code, it had come
back as ``{"plan": "pro", "seats": 1*}``, which no JSON reader (nor a ``jsonb`` column) takes. A
rare JSON array (tags) keeps the elements enough rows hold (``["red", "sku17"]`` as ``["red"]``).
A masked label stands for at least ``min_count`` rows, and it can never equal a real value
(``*`` is in none; a JSON label that equals a rare real object is not used), so no rare value is
emitted verbatim.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

MASK = "*"
_MASKED = r"[^\W_]"  # a letter or digit; separators (-, ., /, _, space) stay in place
CODE_SHARE = 0.9  # values that must look like codes (a digit, or an @) for a column to count as codes
MAX_CODE_LENGTH = 64  # longer strings are text, not codes
EMAIL_LEVELS = (0, 1)  # an address's domain, then its top-level domain
MAX_NAME_WORDS = 6  # longer text is prose, whose first words say nothing about the rest
# longer arrays (a vector as JSON) go from their common elements to none: trimmed one element at a
# time, 2,000 rare vectors of 300 numbers took more than 10 minutes (5.6 s without the trimming)
MAX_TRIMMED = 16


def code_direction(values: Iterable[Any]) -> str | None:
    """Which end of a code its hierarchy starts from: ``"start"`` for codes that carry digits in
    nearly every value (zips, phones, ICD-10, SKUs, URLs), ``"end"`` for e-mail addresses (the
    domain), ``"words"`` for names of 2 to MAX_NAME_WORDS words (their leading words), None for
    single words and prose, where a masked remainder (``ford ******``) would be noise."""
    distinct = pd.Series(list(values), dtype=object)
    if distinct.empty or not distinct.map(lambda v: isinstance(v, str)).all():
        return None
    text = distinct.astype(str)
    if text.map(_json_value).notna().mean() >= CODE_SHARE:
        return "json"
    if text.str.contains(MASK, regex=False).any():
        return None
    short = text.str.len() <= MAX_CODE_LENGTH
    if (short & text.str.contains("@", regex=False)).mean() >= CODE_SHARE:
        return "end"
    if (short & text.str.contains(r"\d")).mean() >= CODE_SHARE:
        return "start"
    words = text.str.count(r"\S+")
    return "words" if (short & words.between(2, MAX_NAME_WORDS)).mean() >= CODE_SHARE else None


def masked(value: str, keep: int) -> str:
    """``value`` with every letter or digit after its first ``keep`` characters masked;
    separators stay, so ``617-555-0143`` generalises to ``617-555-****``."""
    return value[:keep] + re.sub(_MASKED, MASK, value[keep:])


def generalise(counts: pd.Series, min_count: int, direction: str = "start") -> dict[str, str]:
    """Rare value -> its most specific label that rare values held by ``min_count`` rows
    together share; values with no such label are left out (they stay in the rare token).

    ``counts``: rows per rare value. Codes (``direction="start"``): the longest prefix first, so
    ``0213*`` is used where five rows share it and the rest fall back to ``021**``, and so on.
    E-mail addresses (``"end"``): the domain (``***@gmail.com``), then the top-level domain
    (``***@***.de``); their local part is a person's name, not a hierarchy. Names (``"words"``):
    all but the last word, then fewer (``chevrolet chevelle *``, then ``chevrolet *``). The hex
    text of bytes (``"hex"``): as codes, down to the length alone (``****``); ``"length"``: that only.
    """
    pending = counts[counts > 0].copy()
    pending.index = pending.index.astype(str)
    if direction == "json":
        return _generalised_json(pending, min_count)
    out: dict[str, str] = {}
    for level in _levels(pending.index, direction):
        if pending.empty:
            break
        labels = _labels_at(pending.index.to_series(), level, direction).dropna()
        held = pending[labels.index].groupby(labels.to_numpy()).sum()
        formed = labels[labels.map(held) >= min_count]
        out.update({str(code): str(label) for code, label in formed.items()})
        pending = pending.drop(formed.index)
    return out


def _json_value(text: str) -> dict[str, Any] | list[Any] | None:
    """``text`` as a JSON object or array, or None when it is neither."""
    if not text.startswith(("{", "[")):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


_ELEMENT = "\0[]"  # the "key" of an array's elements among the common pairs


def _pairs(value: dict[str, Any] | list[Any]) -> set[tuple[str, str]]:
    """An object's (key, value) pairs, an array's elements, as JSON text."""
    if isinstance(value, dict):
        return {(key, _dumped(v)) for key, v in value.items()}
    return {(_ELEMENT, _dumped(v)) for v in value}


def _json_label(
    value: dict[str, Any] | list[Any], common: set[tuple[str, str]], held: dict[tuple[str, str], int], fewer: int | None
) -> str | None:
    """An object with each value that is not ``common`` under its key null, an array without its
    elements that are not ``common`` nor its ``fewer`` least ``held`` ones (None: every value null,
    no element); None where ``fewer`` is no level of the value (an object's are 0 and None, an
    array's longer than ``MAX_TRIMMED`` too)."""
    if isinstance(value, dict):
        if fewer:
            return None
        return json.dumps(
            {k: v if fewer == 0 and (k, _dumped(v)) in common else None for k, v in value.items()}, ensure_ascii=False
        )
    if fewer and len(value) > MAX_TRIMMED:
        return None
    kept = [v for v in value if fewer is not None and (_ELEMENT, _dumped(v)) in common]
    dropped = set(sorted(range(len(kept)), key=lambda i: held[(_ELEMENT, _dumped(kept[i]))])[: fewer or 0])
    return json.dumps([v for i, v in enumerate(kept) if i not in dropped], ensure_ascii=False)


def _dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def json_rare_label(values: Iterable[Any]) -> str:
    """What a JSON column emits for a rare value it cannot generalise: an empty object, or an
    empty array where the values are mostly arrays (still JSON, of the column's kind)."""
    parsed = [_json_value(str(v)) for v in values]
    return "[]" if sum(isinstance(p, list) for p in parsed) > sum(isinstance(p, dict) for p in parsed) else "{}"


def _generalised_json(counts: pd.Series, min_count: int) -> dict[str, str]:
    """Rare JSON object -> the object of its common values (each held under its key by
    ``min_count`` rows), else of its keys alone; rare array -> its common elements, else them but
    the least held one, two, ..., else ``[]``; where ``min_count`` rows share that label and no rare
    real value is it (as JSON). Why the fewer elements: a rare set of common elements (three
    devices two users have) is its own label, a rare real value, so it came back as ``[]``."""
    values = {text: parsed for text in counts.index if (parsed := _json_value(text)) is not None}
    held: dict[tuple[str, str], int] = {}
    for text, parsed in values.items():
        for pair in _pairs(parsed):
            held[pair] = held.get(pair, 0) + int(counts[text])
    common = {pair for pair, rows in held.items() if rows >= min_count}
    real = {_dumped(parsed) for parsed in values.values()}  # as JSON, whatever the spacing
    longest = max((len(parsed) for parsed in values.values() if isinstance(parsed, list)), default=0)
    longest = min(longest, MAX_TRIMMED)
    out: dict[str, str] = {}
    label_rows = pd.Series(dtype=np.int64)
    for fewer in (*range(max(longest, 1)), None):
        labels = pd.Series(
            {text: _json_label(parsed, common, held, fewer) for text, parsed in values.items() if text not in out}
        ).dropna()
        if labels.empty:
            continue
        rows = counts[labels.index].groupby(labels.to_numpy()).sum()
        rows = rows.add(label_rows.reindex(rows.index), fill_value=0)  # with the rows a label holds already
        unreal = ~labels.map(lambda label: _dumped(json.loads(label)) in real)
        formed = labels[labels.map(rows).ge(min_count) & unreal]
        out.update({str(text): str(label) for text, label in formed.items()})
        label_rows = counts[list(out)].groupby([out[text] for text in out]).sum()
    return out


def _json_labels(values: list[str], labels: set[str]) -> dict[str, str]:
    """Each JSON value's most specific learned label: for an object, the one of its keys whose
    non-null values are all its own, with the most of them; for an array, the longest whose
    elements it holds in that order (labels grouped by their keys, parsed once)."""
    by_keys: dict[tuple[str, ...], list[tuple[str, dict[str, str] | list[str]]]] = {}
    for label in labels:
        shape = _json_value(label)
        if shape is None:
            continue
        if isinstance(shape, dict):
            by_keys.setdefault(tuple(shape), []).append(
                (label, {k: _dumped(v) for k, v in shape.items() if v is not None})
            )
        else:
            by_keys.setdefault((_ELEMENT,), []).append((label, [_dumped(v) for v in shape]))
    for candidates in by_keys.values():
        candidates.sort(key=lambda candidate: -len(candidate[1]))  # the most specific first
    out: dict[str, str] = {}
    for value in values:
        parsed = _json_value(value)
        if parsed is None:
            continue
        for label, kept in by_keys.get(tuple(parsed) if isinstance(parsed, dict) else (_ELEMENT,), []):
            if _holds(parsed, kept):
                out[value] = label
                break
    return out


def _holds(value: dict[str, Any] | list[Any], kept: dict[str, str] | list[str]) -> bool:
    """Whether an object has the label's non-null values, or an array its elements in order."""
    if isinstance(value, dict) and isinstance(kept, dict):
        return all(_dumped(value[key]) == dumped for key, dumped in kept.items())
    elements = iter(_dumped(v) for v in value)
    return isinstance(kept, list) and all(any(e == k for e in elements) for k in kept)


def generalised_labels(values: list[str], labels: set[str], direction: str = "start") -> dict[str, str]:
    """``generalised_label`` of each of ``values`` that has one."""
    if direction == "json":
        return _json_labels(values, labels)
    return {v: g for v in values if (g := generalised_label(v, labels, direction)) is not None}


def _levels(values: pd.Index, direction: str) -> Iterable[int]:
    """The levels of generality to try, most specific first."""
    if direction == "end":
        return EMAIL_LEVELS
    longest = int((values.str.count(r"\S+") if direction == "words" else values.str.len()).max())
    return _kept_places(longest, direction)


def _kept_places(length: int, direction: str) -> range:
    """How many leading characters (words) a label of a value ``length`` long keeps, most first.

    A code keeps one at least: a mask alone says nothing of its region. The hex text of bytes
    (``"hex"``) may keep none, so a rare value whose every prefix few rows share still has the
    length enough rows share (``****``: 2 bytes); ``"length"`` keeps none at all (rare bytes where
    ``generalise_rare_codes`` is off). Bytes are filled in anew from such a label (``fresh.py``)."""
    if direction == "length":
        return range(0, -1, -1)
    return range(length - 1, -1 if direction == "hex" else 0, -1)


def _named(words: list[str], keep: int) -> str:
    """A name's first ``keep`` words and the mask for the rest."""
    return " ".join(words[:keep]) + " " + MASK


def generalised_label(value: str, labels: set[str], direction: str = "start") -> str | None:
    """The most specific label of ``value`` among ``labels`` (those learned at fit), if any;
    the labels are those of ``_labels_at``, one value at a time."""
    if direction == "json":
        return _json_labels([value], labels).get(value)
    if direction == "end":
        domain = value.rsplit("@", 1)[1] if "@" in value else ""
        tld = domain.rsplit(".", 1)[1] if "." in domain else ""
        candidates = [MASK * 3 + "@" + domain if domain else "", MASK * 3 + "@" + MASK * 3 + "." + tld if tld else ""]
    elif direction == "words":
        words = value.split()
        candidates = [_named(words, keep) for keep in range(len(words) - 1, 0, -1)]
    else:
        candidates = [masked(value, keep) for keep in _kept_places(len(value), direction)]
    return next((label for label in candidates if label and label in labels), None)


def _labels_at(codes: pd.Series, level: int, direction: str) -> pd.Series:
    """Each code's label at one level of generality (NaN: none). Codes: ``level`` characters
    kept; names: ``level`` words kept. E-mail addresses: 0 = the domain, 1 = the top-level domain."""
    if direction == "end":
        domain = codes.str.extract(r"@([^@]+)$")[0]
        if level == 0:
            return MASK * 3 + "@" + domain
        return MASK * 3 + "@" + MASK * 3 + "." + domain.str.extract(r"\.([^.]+)$")[0]
    if direction == "words":
        return codes.str.split().map(lambda words: _named(words, level) if len(words) > level else np.nan)
    masked_tail = codes.str[level:].str.replace(_MASKED, MASK, regex=True)
    return (codes.str[:level] + masked_tail).where(codes.str.len() > level)
