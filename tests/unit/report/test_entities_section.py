"""The report compares rows per entity when the engine sampled a repeated key as entities."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthpipe.report import evaluate


def _sessions(users: int, per_user: int, seed: int, consistent: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 2 * per_user, users)
    rows = np.repeat(np.arange(users), sizes)
    age = rng.integers(18, 70, users)[rows] if consistent else rng.integers(18, 70, rows.size)
    return pd.DataFrame({"user_id": 1000 + rows, "age": age, "secs": rng.gamma(2.0, 50.0, rows.size)})


PROTECTIONS = {"engine": {"entities": {"key": "user_id", "shared_columns": ["age"]}}}


def test_rows_per_entity_are_compared_and_shown() -> None:
    real = _sessions(300, 20, seed=0)
    synthetic = _sessions(900, 2, seed=1, consistent=False)  # users with too few sessions, ages that change
    report = evaluate(real=real, synthetic=synthetic, holdout=_sessions(80, 20, seed=2), protections=PROTECTIONS)
    e = report.quality.entities
    assert e is not None and e.key == "user_id" and e.shared_columns == ["age"]
    assert e.real.entities == 300 and e.real.rows_median == real.groupby("user_id").size().median()
    assert e.real.consistent_share == 1.0 and e.synthetic.consistent_share < 0.5
    assert e.synthetic.rows_median < e.real.rows_median / 5
    html = report.to_html()
    assert "Entities: rows per user_id" in html and "One value of each shared column" in html


def test_no_section_without_entities() -> None:
    real = _sessions(100, 5, seed=0)
    report = evaluate(real=real, synthetic=_sessions(100, 5, seed=1), protections={"engine": {"entities": None}})
    assert report.quality.entities is None and "Entities: rows per" not in report.to_html()
