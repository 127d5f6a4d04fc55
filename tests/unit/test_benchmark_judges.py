"""The benchmark's DCR judge and the real-rows reference it is read against."""

import numpy as np
import pandas as pd

from benchmarks.judges import dcr_share, real_dcr_share


def _population(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    return pd.DataFrame({"x": x, "y": x + rng.normal(size=rows), "kind": rng.choice(["a", "b", "c"], rows)})


def test_real_rows_score_near_half_and_copies_of_train_well_above() -> None:
    rows = _population(2_500, seed=1)
    trn, hol = rows.iloc[:2_000].reset_index(drop=True), rows.iloc[2_000:].reset_index(drop=True)
    real = real_dcr_share(trn, hol)
    # the judge compares against a quarter of train: copies of those rows are nearer to train,
    # copies of the other three quarters are fresh to it, so a copy of train scores about 5/8
    copies = dcr_share(trn.sample(frac=1.0, random_state=3), trn, hol)["dcr_share"]
    assert real is not None and 0.45 < real < 0.55
    assert 0.58 < copies < 0.67


def test_no_reference_when_train_has_no_rows_outside_the_judges_sample() -> None:
    rows = _population(200, seed=2)
    assert real_dcr_share(rows.iloc[:100], rows.iloc[100:].reset_index(drop=True)) is None
