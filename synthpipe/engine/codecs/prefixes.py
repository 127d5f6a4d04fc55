"""Rare codes generalised to a shared prefix: ``02139`` held by two people comes back as ``021**``.

Why: zip codes, phone numbers, ICD or product codes are high-cardinality, so most of their
values are held by fewer than ``rare_category_min_count`` rows and would all collapse into one
rare token, losing the region, area or chapter the code starts with. Their leading characters
are a hierarchy, so like k-anonymity's generalisation we keep the longest prefix that enough
rows share and mask the rest. E-mail addresses read the other way: their hierarchy is the
domain, so a rare address comes back as ``***@gmail.com``. A masked label stands for at least
``min_count`` rows, and it can never equal a real value (``*`` is in none), so no rare value is
emitted verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

MASK = "*"
_MASKED = r"[^\W_]"  # a letter or digit; separators (-, ., /, _, space) stay in place
CODE_SHARE = 0.9  # values that must look like codes (a digit, or an @) for a column to count as codes
MAX_CODE_LENGTH = 64  # longer strings are text, not codes
EMAIL_LEVELS = (0, 1)  # an address's domain, then its top-level domain


def code_direction(values: Iterable[Any]) -> str | None:
    """Which end of a code its hierarchy starts from: ``"start"`` for codes that carry digits in
    nearly every value (zips, phones, ICD-10, SKUs, URLs), ``"end"`` for e-mail addresses (the
    domain), None for names and free text, where a masked name (``ford ******``) would be noise."""
    distinct = pd.Series(list(values), dtype=object)
    if distinct.empty or not distinct.map(lambda v: isinstance(v, str)).all():
        return None
    text = distinct.astype(str)
    if text.str.contains(MASK, regex=False).any():
        return None
    short = text.str.len() <= MAX_CODE_LENGTH
    if (short & text.str.contains("@", regex=False)).mean() >= CODE_SHARE:
        return "end"
    return "start" if (short & text.str.contains(r"\d")).mean() >= CODE_SHARE else None


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
    (``***@***.de``); their local part is a person's name, not a hierarchy.
    """
    pending = counts[counts > 0].copy()
    pending.index = pending.index.astype(str)
    out: dict[str, str] = {}
    longest = int(pending.index.str.len().max()) if len(pending) else 0
    for level in EMAIL_LEVELS if direction == "end" else range(longest - 1, 0, -1):
        if pending.empty:
            break
        labels = _labels_at(pending.index.to_series(), level, direction).dropna()
        held = pending[labels.index].groupby(labels.to_numpy()).sum()
        formed = labels[labels.map(held) >= min_count]
        out.update({str(code): str(label) for code, label in formed.items()})
        pending = pending.drop(formed.index)
    return out


def generalised_label(value: str, labels: set[str], direction: str = "start") -> str | None:
    """The most specific label of ``value`` among ``labels`` (those learned at fit), if any;
    the labels are those of ``_labels_at``, one value at a time."""
    if direction == "end":
        domain = value.rsplit("@", 1)[1] if "@" in value else ""
        tld = domain.rsplit(".", 1)[1] if "." in domain else ""
        candidates = [MASK * 3 + "@" + domain if domain else "", MASK * 3 + "@" + MASK * 3 + "." + tld if tld else ""]
    else:
        candidates = [masked(value, keep) for keep in range(len(value) - 1, 0, -1)]
    return next((label for label in candidates if label and label in labels), None)


def _labels_at(codes: pd.Series, level: int, direction: str) -> pd.Series:
    """Each code's label at one level of generality (NaN: none). Codes: ``level`` characters
    kept. E-mail addresses: 0 = the domain, 1 = the top-level domain."""
    if direction == "end":
        domain = codes.str.extract(r"@([^@]+)$")[0]
        if level == 0:
            return MASK * 3 + "@" + domain
        return MASK * 3 + "@" + MASK * 3 + "." + domain.str.extract(r"\.([^.]+)$")[0]
    masked_tail = codes.str[level:].str.replace(_MASKED, MASK, regex=True)
    return (codes.str[:level] + masked_tail).where(codes.str.len() > level)
