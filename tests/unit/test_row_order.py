"""Seeded choices and orders set by the rows' values (synthpipe.row_order)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from synthpipe.row_order import Purpose, in_content_order, lowest, row_hashes, salted, value_order


def test_lowest_takes_exactly_count_rows_and_breaks_ties_by_position() -> None:
    hashes = np.array([5, 7, 7, 7, 1, 9, 7], dtype=np.uint64)  # four alike rows
    keys = salted(hashes, 0, Purpose.HOLDOUT)
    for count in range(hashes.size + 1):
        mask = lowest(hashes, count, 0, Purpose.HOLDOUT)
        assert mask.sum() == count
        assert keys[mask].max(initial=0) <= keys[~mask].min(initial=np.iinfo(np.uint64).max)
        alike = np.flatnonzero(hashes == 7)
        taken = mask[alike]
        assert (np.sort(taken)[::-1] == taken).all()  # the earlier of the alike rows first


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
