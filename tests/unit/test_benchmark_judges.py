"""The benchmark's judges: the DCR share, the real-rows null it is read against, and mostlyai-qa's seeding."""

import random

import numpy as np
import pandas as pd

from benchmarks.judges import _global_rngs_seeded, dcr_share, real_rows_null


def _population(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    return pd.DataFrame({"x": x, "y": x + rng.normal(size=rows), "kind": rng.choice(["a", "b", "c"], rows)})


def test_fresh_real_rows_score_near_half_and_copies_of_train_well_above() -> None:
    rows = _population(2_500, seed=1)
    trn, hol = rows.iloc[:2_000].reset_index(drop=True), rows.iloc[2_000:].reset_index(drop=True)
    # the judge compares against a quarter of train: copies of those rows are nearer to train,
    # copies of the other three quarters are fresh to it, so a copy of train scores about 5/8
    copies = dcr_share(trn.sample(frac=1.0, random_state=3), trn, hol)["dcr_share"]
    assert 0.45 < real_rows_null(trn, hol, seed=0) < 0.55
    assert 0.58 < copies < 0.67


def test_no_null_when_train_is_no_larger_than_the_holdout() -> None:
    rows = _population(400, seed=2)
    assert real_rows_null(rows.iloc[:200], rows.iloc[200:].reset_index(drop=True), seed=0) is None


def test_the_global_generators_are_seeded_inside_and_restored_after() -> None:
    np.random.seed(5)
    expected_next = np.random.random(2)[1]
    np.random.seed(5)
    np.random.random()
    with _global_rngs_seeded(0):
        inside = (np.random.random(), random.random())
    with _global_rngs_seeded(0):
        again = (np.random.random(), random.random())
    assert inside == again
    assert np.random.random() == expected_next
