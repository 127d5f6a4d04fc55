"""Rare codes generalised to a shared prefix: ``02139`` held by two people comes back as ``021**``.

Why: zip codes, phone numbers, ICD or product codes are high-cardinality, so most of their
values are held by fewer than ``rare_category_min_count`` rows and would all collapse into one
rare token, losing the region, area or chapter the code starts with. Their leading characters
are a hierarchy, so like k-anonymity's generalisation we keep the longest prefix that enough
rows share and mask the rest. A masked label stands for at least ``min_count`` rows, and it can
never equal a real value (``*`` is in none), so no rare value is emitted verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

MASK = "*"
_MASKED = r"[^\W_]"  # a letter or digit; separators (-, ., /, _, space) stay in place
CODE_SHARE = 0.9  # values that must contain a digit for a column to count as codes
MAX_CODE_LENGTH = 32  # longer strings are text, not codes


def looks_like_codes(values: Iterable[str]) -> bool:
    """Codes carry digits in nearly every value (zips, phones, ICD-10, SKUs); names and free
    text mostly do not, and a masked name (``ford ******``) would be noise, not a hierarchy."""
    distinct = pd.Series(list(values), dtype=object)
    if distinct.empty or not distinct.map(lambda v: isinstance(v, str)).all():
        return False
    text = distinct.astype(str)
    if text.str.contains(MASK, regex=False).any() or text.str.len().max() > MAX_CODE_LENGTH:
        return False
    return bool(text.str.contains(r"\d").mean() >= CODE_SHARE)


def masked(value: str, keep: int) -> str:
    """``value`` with every letter or digit after its first ``keep`` characters masked;
    separators stay, so ``617-555-0143`` generalises to ``617-555-****``."""
    return value[:keep] + re.sub(_MASKED, MASK, value[keep:])


def generalise(counts: pd.Series, min_count: int) -> dict[str, str]:
    """Rare value -> the longest masked prefix that rare values held by ``min_count`` rows
    together share; values with no such prefix are left out (they stay in the rare token).

    ``counts``: rows per rare value. Longest prefixes are formed first, so ``0213*`` is used
    where five rows share it and the rest fall back to ``021**``, and so on.
    """
    pending = counts[counts > 0].copy()
    pending.index = pending.index.astype(str)
    out: dict[str, str] = {}
    longest = int(pending.index.str.len().max()) if len(pending) else 0
    for keep in range(longest - 1, 0, -1):
        if pending.empty:
            break
        candidates = pending[pending.index.str.len() > keep]
        codes = candidates.index.to_series()
        labels = codes.str[:keep] + codes.str[keep:].str.replace(_MASKED, MASK, regex=True)
        held = candidates.groupby(labels.to_numpy()).sum()
        formed = labels[labels.map(held) >= min_count]
        out.update({str(code): str(label) for code, label in formed.items()})
        pending = pending.drop(formed.index)
    return out


def generalised_label(value: str, labels: set[str]) -> str | None:
    """The longest masked prefix of ``value`` among ``labels`` (those learned at fit), if any."""
    for keep in range(len(value) - 1, 0, -1):
        label = masked(value, keep)
        if label in labels:
            return label
    return None
