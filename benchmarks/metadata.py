"""The one column-type rule (PROTOCOL.md) shared by the sdmetrics judge and the SDV peers.

Using the same rule everywhere keeps the judge from scoring a peer against types it was not given.
"""

from __future__ import annotations

import pandas as pd


def sdtype(col: pd.Series) -> str:
    """object/bool and numeric with <= 2 distinct values -> categorical; numeric -> numerical."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return "datetime"
    if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
        return "categorical"
    return "categorical" if col.nunique(dropna=True) <= 2 else "numerical"


def sdtypes(df: pd.DataFrame) -> dict[str, str]:
    """Column name -> sdtype for a whole table."""
    return {name: sdtype(df[name]) for name in df.columns}


def sdmetrics_metadata(df: pd.DataFrame) -> dict:
    """Single-table metadata in the dict form sdmetrics' reports accept."""
    return {"columns": {name: {"sdtype": t} for name, t in sdtypes(df).items()}}


def numeric_columns(df: pd.DataFrame) -> list[str]:
    """Columns the numeric judges (constraints) treat as ordered quantities."""
    return [n for n, t in sdtypes(df).items() if t in ("numerical", "datetime")]
