"""Which columns the privacy filters reshaped: counted per chunk, added up, named past the threshold."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synthpipe.filter_shift import OTHER, count, merge_counts, merge_shift, reshaped_warning, watch, with_moves
from synthpipe.privacy import PrivacyFilters, apply_filters
from synthpipe.report._columns import describe_columns
from synthpipe.report._html_privacy import _filter_sentence
from synthpipe.synthesize import IN_SPEC, merge_filter_summaries


def users(n: int, seed: int, lost: float = 0.0) -> pd.DataFrame:
    """Users, 40% of them booked, with the days they took to book; a model that gets booked users
    wrong loses the days of ``lost`` of them (a booked user with no booking is like no real row, so
    the outlier filter drops it: the q09 users of the PostgreSQL query walk)."""
    rng = np.random.default_rng(seed)
    booked = rng.random(n) < 0.4
    days = np.where(booked & (rng.random(n) >= lost), rng.normal(30, 5, n).round(), np.nan)
    return pd.DataFrame({"age": rng.normal(35, 8, n).round(), "booked": booked, "days_to_book": days})


def draws(lost: float, seed: int):
    rng = np.random.default_rng(seed)
    return lambda n: users(n, int(rng.integers(10**6)), lost)


def test_counts_are_nulls_categories_and_quarters_of_the_training_values() -> None:
    rng = np.random.default_rng(0)
    train = pd.DataFrame(
        {
            "user_id": np.arange(400),  # a key: regenerated, not counted
            "x": np.arange(400) + 0.5,
            "plan": [None] * 200 + ["free"] * 100 + ["pro"] * 96 + ["rare"] * 4,  # "rare": under 5 rows, not named
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, 400), unit="s"),
        }
    )
    columns = describe_columns(train)
    watched = watch(train, columns)
    assert [w.column.name for w in watched] == ["x", "plan", "when"]
    assert watched[1].bins == ("free", "pro", OTHER)

    rows = pd.DataFrame(
        {
            "user_id": [1, 2, 3, 4, 5],
            "x": [-5.0, 150.0, 250.0, np.inf, None],  # an infinity is null, as in the report
            "plan": ["free", "pro", "rare", "new", None],
            "when": [train["when"].min(), None, None, None, train["when"].max()],
        }
    )
    counts = count(rows, watched)
    assert counts["x"] == {"rows": 5, "nulls": 2, "bins": {"q1": 1, "q2": 1, "q3": 1, "q4": 0}}
    assert counts["plan"] == {"rows": 5, "nulls": 1, "bins": {"free": 1, "pro": 1, OTHER: 2}}
    assert counts["when"] == {"rows": 5, "nulls": 3, "bins": {"q1": 1, "q2": 0, "q3": 0, "q4": 1}}


def test_chunk_counts_add_up_to_the_whole_tables() -> None:
    train = users(1000, 1)
    watched = watch(train, describe_columns(train))
    whole = users(300, 2)
    parts = merge_counts(count(whole.iloc[:120], watched), count(whole.iloc[120:], watched))
    assert parts == count(whole, watched)
    # a shard whose training sample ranked categories otherwise: the bins both have are added
    other = {name: {**c, "bins": {k: v for k, v in c["bins"].items() if k != "q2"}} for name, c in parts.items()}
    assert "q2" not in merge_counts(parts, other)["age"]["bins"]


def test_a_random_drop_moves_nothing_and_a_drop_of_one_kind_is_named() -> None:
    """A drop of every kind alike stays within the threshold however many rows go; a drop of most
    booked users is named, with the column and the two shares."""
    train = users(1000, 1)
    counted = watch(train, describe_columns(train))
    generated = users(4000, 2)
    random_half = generated.sample(frac=0.5, random_state=0)
    shift = with_moves({"generated": count(generated, counted), "published": count(random_half, counted)})
    assert shift["columns"] == []
    kept = generated[~generated["booked"] | (np.arange(4000) % 3 == 0)]  # two thirds of booked users dropped
    shift = with_moves({"generated": count(generated, counted), "published": count(kept, counted)})
    moved = {m["column"]: m for m in shift["columns"]}
    assert set(moved) == {"booked", "days_to_book"}
    assert moved["days_to_book"]["statistic"] == "null share"
    assert moved["days_to_book"]["generated"] == pytest.approx(generated["days_to_book"].isna().mean())
    assert moved["days_to_book"]["published"] == pytest.approx(kept["days_to_book"].isna().mean())


def test_few_rows_need_a_larger_move() -> None:
    """Of 40 rows, a kept share 0.1 off the generated one is what a random drop of half of them
    gives about one time in six: not named. Of 4,000 rows it is named."""
    train = users(1000, 1)
    counted = watch(train, describe_columns(train))
    for rows, named in ((40, False), (4000, True)):
        generated = users(rows, 3).sort_values("booked", kind="stable")
        drop = int(rows * 0.4 * 0.25)  # a quarter of the booked users, about 0.1 off their share
        kept = generated.iloc[: rows - drop]
        shift = with_moves({"generated": count(generated, counted), "published": count(kept, counted)})
        assert bool(shift["columns"]) is named, shift["columns"]


def test_the_filters_summary_names_the_columns_a_filter_reshaped() -> None:
    """A model that makes booked users unlike any real one: the outlier filter drops them, the
    refills too, and fewer booked users are published than were generated."""
    train, holdout = users(1500, 1), users(400, 2)
    out, summary = apply_filters(users(1000, 3, lost=0.5), train=train, holdout=holdout, resample=draws(0.5, 4))
    assert summary["dropped"]["outlier"] > 200
    moved = {m["column"]: m for m in summary["shift"]["columns"]}
    assert "booked" in moved
    assert moved["booked"]["published"] == pytest.approx(out["booked"].mean() if "True" in moved["booked"]["statistic"]
                                                         else 1 - out["booked"].mean())  # fmt: skip
    generated = summary["shift"]["generated"]["booked"]
    assert generated["rows"] == summary["rows_in"] + summary["resampled_rows"]  # every round counted
    json.dumps(summary)

    _, fine = apply_filters(users(1000, 3), train=train, holdout=holdout, resample=draws(0.0, 4))
    assert fine["shift"]["columns"] == []


def test_filters_off_count_nothing() -> None:
    _, summary = apply_filters(users(100, 3), train=users(500, 1), settings=PrivacyFilters(enabled=False))
    assert "shift" not in summary


def test_chunk_summaries_merge_into_the_moves_of_their_sums() -> None:
    """Chunks (and shards) that each moved a share too little to tell from chance moved it together
    past the threshold: the summaries' counts add up and the moves are found on the sums."""
    train = users(1000, 1)
    counted = watch(train, describe_columns(train))
    chunks = []
    for seed in range(8):
        generated = users(40, 10 + seed).sort_values("booked", kind="stable")  # 4 booked users dropped of 40
        shift = with_moves({"generated": count(generated, counted), "published": count(generated.iloc[:36], counted)})
        assert shift["columns"] == []
        chunks.append({"dropped": {"outlier": 4}, "rows_in": 40, "shift": shift})
    merged: dict | None = None
    for chunk in chunks:
        merged = merge_filter_summaries(merged, chunk)
    assert merged is not None and merged["rows_in"] == 320
    assert merged["shift"]["generated"]["age"]["rows"] == 320
    assert {m["column"] for m in merged["shift"]["columns"]} == {"booked", "days_to_book"}
    assert merge_shift(None, chunks[0]["shift"]) is chunks[0]["shift"]
    assert merge_filter_summaries({"dropped": {"outlier": 1}, "rows_in": 1}, {"dropped": {}})["rows_in"] == 1


def moved_summary() -> dict:
    train, holdout = users(1500, 1), users(400, 2)
    return apply_filters(users(1000, 3, lost=0.5), train=train, holdout=holdout, resample=draws(0.5, 4))[1]


def test_the_warning_names_the_columns_the_filter_and_the_setting() -> None:
    summary = moved_summary()
    warning = reshaped_warning(summary, IN_SPEC.loosen)
    assert warning is not None
    assert warning.startswith("the privacy filters reshaped the published rows: booked: share of ")
    generated = summary["rows_in"] + summary["resampled_rows"]
    assert f"(of {generated:,} generated rows they dropped {summary['dropped']['outlier']:,} as outliers, " in warning
    assert "raise outlier_quantile (now 0.999) under synthesis.privacy in the pipeline spec" in warning
    assert reshaped_warning({**summary, "shift": {**summary["shift"], "columns": []}}, IN_SPEC.loosen) is None


def test_the_reports_filter_sentence_says_which_columns_moved() -> None:
    summary = moved_summary()
    sentence = _filter_sentence(summary)
    assert "; the rows kept differ from the rows generated in booked: share of " in sentence
    assert "generated ->" in sentence and "published" in sentence
    assert "differ" not in _filter_sentence({**summary, "shift": None})
