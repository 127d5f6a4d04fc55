"""Odd but legal tables: tiny, single-kind, object-typed, durations, infinities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.errors import SchemaError

CASES = {
    "one_row": pd.DataFrame({"a": [1], "b": ["x"]}),
    "only_identifier": pd.DataFrame({"id": np.arange(100)}),
    "only_constant": pd.DataFrame({"c": [5] * 50}),
    "all_null_float": pd.DataFrame({"x": [np.nan] * 30, "y": np.arange(30.0) % 3}),
    "all_none_object": pd.DataFrame({"x": [None] * 30, "y": ["a", "b", "c"] * 10}),
    "bools_with_none": pd.DataFrame({"x": pd.Series([True, False, None] * 20, dtype=object)}),
    "uint64": pd.DataFrame({"x": np.arange(60, dtype="uint64") % 7}),
    "durations": pd.DataFrame({"x": pd.to_timedelta(np.arange(60) % 9, unit="h")}),
    "pre_1970": pd.DataFrame({"x": pd.to_datetime(["1950-01-01", "1960-06-01", "1969-12-31"] * 20)}),
    "infinities": pd.DataFrame({"x": [np.inf, -np.inf, 1.0] * 20}),
    "float16": pd.DataFrame({"x": np.arange(60, dtype="float16")}),
    "int_categories": pd.DataFrame({"x": pd.Categorical([1, 2, 3] * 20)}),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_tables_round_trip(name: str) -> None:
    data = CASES[name]
    out = Synthesizer(seed=0, max_epochs=1).fit(data).sample(9)
    assert isinstance(out, pd.DataFrame)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert len(out) == 9


def test_object_bools_stay_python_bools() -> None:
    out = Synthesizer(seed=0, max_epochs=1).fit(CASES["bools_with_none"]).sample(50)
    assert {type(v) for v in out["x"].dropna()} == {bool}


def test_non_string_column_names_are_refused() -> None:
    with pytest.raises(SchemaError, match="strings"):
        Synthesizer().fit(pd.DataFrame({0: [1, 2], 1: [3, 4]}))
