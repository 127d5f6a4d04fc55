"""Rows per entity behind a repeated key, real next to synthetic (a user's sessions).

Why: the column and pair scores compare rows, so a table whose users each came back with one
session scored as well as one whose users keep their 33; a reader of a sessions table asks first
how many users there are and how many sessions each has. Shown when the engine's description
names entities; not part of the quality score (it is one draw of the users, as the real one is).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from synthpipe.report.model import Entities, EntitySide


def described_entities(protections: dict[str, Any], *tables: pd.DataFrame) -> tuple[str, list[str]] | None:
    """The key and shared columns the engine's description (``protections["engine"]``) names,
    when every table has them."""
    described = (protections.get("engine") or {}).get("entities")
    if not described:
        return None
    key, shared = str(described["key"]), [str(c) for c in described.get("shared_columns", [])]
    if any(name not in table.columns for table in tables for name in [key, *shared]):
        return None
    return key, shared


def entity_rows(table: pd.DataFrame, key: str, shared: list[str]) -> pd.DataFrame:
    """One row per entity: its shared columns (first row's values) and its row count, named
    ``<key> rows`` (not ``rows per <key>``: a name ending in the key's reads as a key, and the
    count was left out of the per-entity distances and ML utility as one)."""
    groups = table.groupby(key, sort=False, dropna=False)
    out = groups[shared].first().reset_index(drop=True)
    count = f"{key} rows"
    while count in shared:
        count = f"_{count}"
    out[count] = groups.size().to_numpy(dtype="int64")
    return out


def entity_structure(real: pd.DataFrame, synthetic: pd.DataFrame, protections: dict[str, Any]) -> Entities | None:
    """The comparison, when the engine's description (``protections["engine"]``) names entities
    whose key and shared columns are in both tables."""
    named = described_entities(protections, real, synthetic)
    if named is None:
        return None
    key, shared = named
    return Entities(
        key=key, shared_columns=shared, real=_side(real, key, shared), synthetic=_side(synthetic, key, shared)
    )


def _side(table: pd.DataFrame, key: str, shared: list[str]) -> EntitySide:
    groups = table.groupby(key, sort=False, dropna=False)
    sizes = groups.size().to_numpy(dtype=float)
    consistent = None
    if shared:
        several = sizes >= 2
        one_value = (groups[shared].nunique(dropna=False) <= 1).all(axis=1).to_numpy()
        consistent = float(one_value[several].mean()) if several.any() else None
    return EntitySide(
        entities=int(sizes.size),
        rows_median=float(np.median(sizes)),
        rows_p90=float(np.quantile(sizes, 0.9)),
        rows_max_shown=float(np.quantile(sizes, 0.99)),
        consistent_share=consistent,
    )
