"""Inputs a demanding user passes to evaluate(): each once crashed the report or made it say something false."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthpipe.errors import SchemaError
from synthpipe.report import evaluate


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=n), "g": np.where(x > 0, "hi", "lo")})


def test_two_columns_of_one_name_are_refused_by_name() -> None:
    """Columns ``1`` and ``"1"`` both read ``"1"``: evaluate failed inside pandas with
    ``'DataFrame' object has no attribute 'dtype'``."""
    real = pd.DataFrame({1: [1.0, 2.0, 3.0] * 20, "1": [4.0, 5.0, 6.0] * 20})
    with pytest.raises(SchemaError, match=r"more than one column named \['1'\]"):
        evaluate(real=real, synthetic=real)


def test_a_holdout_lacking_a_real_column_is_refused_not_graded_very_poor() -> None:
    """A holdout without ``x`` read as all-null there: every synthetic row lay nearer the training
    rows, and fresh real rows got privacy 0 "Very poor" with no warning."""
    train, fresh, holdout = _table(400, 1), _table(400, 2), _table(150, 3)
    with pytest.raises(SchemaError, match=r"holdout lacks real columns \['x'\]"):
        evaluate(real=train, synthetic=fresh, holdout=holdout.drop(columns=["x"]))


def test_a_one_row_holdout_shows_no_nan_ratio() -> None:
    """One holdout row leaves no second-nearest neighbour: the NNDR was NaN, which the page
    printed as "nan" next to a "fine" verdict."""
    train, fresh, holdout = _table(400, 1), _table(400, 2), _table(1, 3)
    report = evaluate(real=train, synthetic=fresh, holdout=holdout)
    assert report.privacy.nndr_synthetic is None and report.privacy.nndr_holdout is None
    page = report.to_html()
    assert "nan" not in page.lower().replace("nearest", "")
    json.loads(report.to_json(), parse_constant=lambda c: pytest.fail(f"{c} in report.json"))
