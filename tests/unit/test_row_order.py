"""Seeded choices and orders set by the rows' values (synthpipe.row_order)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthpipe import row_order
from synthpipe.row_order import Purpose, in_content_order, lowest, occurrences, row_hashes, salted, value_order


def test_lowest_takes_exactly_count_rows_and_spreads_the_copies_of_a_row() -> None:
    """Copies hash alike: chosen by hash alone, all copies of a row would fall on one side."""
    hashes = np.repeat(np.arange(10, dtype=np.uint64) * 7919, 100)  # 10 rows held 100 times each
    shuffled = np.random.default_rng(3).permutation(hashes)
    for count in (0, 1, 200, 999, 1000):
        mask = lowest(hashes, count, 0, Purpose.HOLDOUT)
        assert mask.sum() == count
        taken = np.bincount((hashes[mask] // 7919).astype(int), minlength=10)
        again = lowest(shuffled, count, 0, Purpose.HOLDOUT)
        assert np.array_equal(taken, np.bincount((shuffled[again] // 7919).astype(int), minlength=10))
        if count == 200:
            assert taken.min() >= 5 and taken.max() <= 40  # about 20 copies of each, not 100 of two


def test_occurrences_count_the_earlier_copies_in_every_hash_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(row_order, "_RANGE_ROWS", 16)  # many ranges
    hashes = row_hashes(pd.DataFrame({"v": np.random.default_rng(0).integers(0, 50, 400)}))
    expected = pd.Series(hashes).groupby(hashes).cumcount().to_numpy()
    assert np.array_equal(occurrences(hashes), expected)


def test_salted_is_deterministic_and_differs_by_seed_and_purpose() -> None:
    hashes = row_hashes(pd.DataFrame({"a": np.arange(1000)}))
    first = salted(hashes, 3, Purpose.HOLDOUT)
    assert np.array_equal(first, salted(hashes, 3, Purpose.HOLDOUT))
    for other in (salted(hashes, 4, Purpose.HOLDOUT), salted(hashes, 3, Purpose.TRAINING_SAMPLE)):
        assert abs(np.corrcoef(np.argsort(first), np.argsort(other))[0, 1]) < 0.1


def test_content_order_is_the_same_for_any_arrival_order() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"x": rng.normal(size=300).round(1), "c": rng.choice(["a", "b", None], 300)})
    shuffled = frame.sample(frac=1.0, random_state=7)
    pd.testing.assert_frame_equal(in_content_order(frame, 2), in_content_order(shuffled, 2))
    by_values = frame.iloc[value_order(frame)].reset_index(drop=True)
    pd.testing.assert_frame_equal(by_values, shuffled.iloc[value_order(shuffled)].reset_index(drop=True))
    assert by_values["x"].is_monotonic_increasing


def test_value_order_keeps_each_entitys_rows_in_arrival_order() -> None:
    frame = pd.DataFrame({"user_id": [3, 1, 3, 2, 1, 3], "step": [30, 10, 31, 20, 11, 32]})
    assert frame.iloc[value_order(frame, "user_id")]["step"].tolist() == [10, 11, 20, 30, 31, 32]


def test_values_that_do_not_compare_are_ordered_by_their_hash() -> None:
    frame = pd.DataFrame({"mixed": ["b", 2, "a", 1.5, None]})
    order = value_order(frame)
    assert sorted(order.tolist()) == list(range(5))
    reversed_frame = frame.iloc[::-1].reset_index(drop=True)
    assert frame.iloc[order]["mixed"].tolist() == reversed_frame.iloc[value_order(reversed_frame)]["mixed"].tolist()


def test_values_pandas_cannot_hash_are_hashed_as_text() -> None:
    frame = pd.DataFrame({"tags": [[1, 2], [3], [1, 2]], "n": [1, 2, 1]})
    hashes = row_hashes(frame)
    assert hashes[0] == hashes[2] != hashes[1]
