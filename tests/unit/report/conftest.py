"""Hand-built tables for the report tests: every dtype the report must take, strong dependencies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthpipe.privacy import apply_filters
from synthpipe.report import Report, evaluate


def make_table(n: int, seed: int) -> pd.DataFrame:
    """A mixed-type table with strong dependencies between its columns (so shuffling shows)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 2 * x + rng.normal(scale=0.3, size=n)
    group = np.where(x > 0.5, "high", np.where(x > -0.5, "mid", "low"))
    visits = np.round(np.exp(x + 2)).astype(int)
    amount = np.where(rng.random(n) < 0.1, np.nan, y * 10 + 50)
    amount[:3] = [np.inf, -np.inf, np.nan]
    return pd.DataFrame(
        {
            "user_id": [f"u{seed}-{i}" for i in range(n)],
            "x": x,
            "y": y,
            "group": pd.Series(group, dtype="str"),
            "visits": pd.array(visits, dtype="Int64"),
            "amount": amount,
            "flag": x + rng.normal(scale=0.5, size=n) > 0,
            "created": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(x * 30 + 90, unit="D"),
            "day": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D")).date,
            "min_s": x - 1,
            "max_s": x + 1 + np.abs(y),
            "const": 7,
            "empty": pd.Series([None] * n, dtype=object),
        }
    )


@pytest.fixture(scope="package")
def frames() -> dict[str, pd.DataFrame]:
    """Train, holdout and fresh rows drawn from the same process (fresh = a perfect generator)."""
    return {
        "train": make_table(1500, 1),
        "holdout": make_table(600, 2),
        "fresh": make_table(1500, 3),
    }


@pytest.fixture(scope="package")
def filtered_report(frames: dict[str, pd.DataFrame]) -> Report:
    """The report of fresh rows after the privacy filters, as the pipeline would produce it."""
    syn, summary = apply_filters(frames["fresh"], train=frames["train"], holdout=frames["holdout"])
    protections = {"engine": {"rare_categories": "merged below 5 holders"}, "filters": summary}
    return evaluate(real=frames["train"], synthetic=syn, holdout=frames["holdout"], protections=protections)
