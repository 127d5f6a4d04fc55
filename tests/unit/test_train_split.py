"""The train stage splits the staged table batch by batch and fits on a bounded sample.

Neither streaming nor the order rows arrive in may change results: the files and the model are
the same however the table is cut into batches and whatever order its rows come in.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from synthpipe import writers
from synthpipe.engine import EngineConfig, Synthesizer
from synthpipe.row_order import row_hashes
from synthpipe.synthesize import holdout_mask, train
from synthpipe.writers import read_table


def staged_table(rows: int) -> pa.Table:
    rng = np.random.default_rng(5)
    return pa.table(
        {
            "age": rng.integers(18, 90, rows),
            "spend": rng.gamma(2.0, 30.0, rows),
            "city": rng.choice(["Lyon", "Oslo", "Lima", "Pune"], rows),
        }
    )


def stage(table: pa.Table, folder: Path, fmt: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"features.{fmt}"
    if fmt == "parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path)
    return str(path)


def trained(table: pa.Table, folder: Path, fmt: str = "parquet", **engine: object) -> tuple[pd.DataFrame, ...]:
    """The train stage's train and holdout files and 200 rows of its model, for ``table``."""
    settings = {"max_training_rows": 150, "max_epochs": 2, **engine}
    result = train(features_uri=stage(table, folder / "in", fmt), staging=str(folder / "staging"),
                   name="f", run_id="r", engine=settings, seed=3)  # fmt: skip
    assert (result.rows, result.train_rows + result.holdout_rows) == (table.num_rows, table.num_rows)
    out = Synthesizer.load(result.model_uri).sample(200)
    assert isinstance(out, pa.Table)
    return read_table(result.train_uri).to_pandas(), read_table(result.holdout_uri).to_pandas(), out.to_pandas()


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_streamed_split_and_sample_do_not_depend_on_the_batches(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = staged_table(600)
    whole = trained(table, tmp_path / "whole", fmt)
    monkeypatch.setattr(writers, "STREAM_BATCH_ROWS", 37)  # many batches, uneven last one
    streamed = trained(table, tmp_path / "streamed", fmt)
    for got, expected in zip(streamed, whole, strict=True):
        pd.testing.assert_frame_equal(got, expected)
    assert (len(whole[0]), len(whole[1])) == (480, 120)
    in_holdout = holdout_mask(row_hashes(table.to_pandas()), fraction=0.2, seed=3)
    pd.testing.assert_frame_equal(whole[1], table.filter(pa.array(in_holdout)).to_pandas())


def sorted_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_the_order_rows_arrive_in_changes_neither_the_split_nor_the_model(tmp_path: Path) -> None:
    """A query without ORDER BY returns its rows in another order on each run; the same seed
    must still hold out the same rows and train the same model (duplicated rows included)."""
    table = staged_table(600)
    table = pa.concat_tables([table, table.slice(0, 40)])  # 40 records held twice
    shuffled = table.take(pa.array(np.random.default_rng(9).permutation(table.num_rows)))
    first, second = trained(table, tmp_path / "a"), trained(shuffled, tmp_path / "b")
    pd.testing.assert_frame_equal(sorted_rows(first[0]), sorted_rows(second[0]))
    pd.testing.assert_frame_equal(sorted_rows(first[1]), sorted_rows(second[1]))
    pd.testing.assert_frame_equal(first[2], second[2])


def sessions_table(users: int = 300) -> pa.Table:
    rng = np.random.default_rng(2)
    sessions = rng.integers(5, 40, users)
    user = np.repeat(np.arange(1000, 1000 + users), sessions)
    return pa.table(
        {
            "user_id": user,
            "age": np.repeat(rng.integers(18, 80, users), sessions),
            "secs": rng.gamma(2.0, 30.0, user.size).round(),
        }
    )


def test_entities_arriving_in_another_order_give_the_same_model(tmp_path: Path) -> None:
    """Users' rows interleaved and users in another order, each user's rows still in their own
    order (that order is data): the same users are held out and the model is the same."""
    table = sessions_table()
    frame = table.to_pandas()
    draws = pd.Series(np.random.default_rng(4).random(len(frame)))
    slots = draws.groupby(frame["user_id"]).transform(lambda d: np.sort(d.to_numpy()))
    mixed = pa.Table.from_pandas(frame.iloc[np.argsort(slots.to_numpy())], preserve_index=False)
    assert not mixed.equals(table)
    first, second = (trained(t, tmp_path / n, max_training_rows=1500) for n, t in (("a", table), ("b", mixed)))
    assert set(first[1]["user_id"]) == set(second[1]["user_id"])
    pd.testing.assert_frame_equal(first[2], second[2])


def test_a_failed_fit_leaves_no_split_files_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(batches: object, *args: object) -> object:
        raise RuntimeError("disk went away")

    monkeypatch.setattr("synthpipe.synthesize._route", broken)
    staging = tmp_path / "staging"
    with pytest.raises(RuntimeError, match="disk went away"):
        train(features_uri=stage(staged_table(100), tmp_path / "in", "parquet"), staging=str(staging),
              name="f", run_id="r", engine={"max_epochs": 1})  # fmt: skip
    assert not [p for p in staging.rglob("*") if p.is_file()]


def test_entities_are_held_out_whole_and_keep_their_sizes(tmp_path: Path) -> None:
    """A sessions table: with a user's other sessions in training, holdout users were people the
    model saw; whole users are held out, and a row sample does not thin the users' sessions."""
    table = sessions_table()
    result = train(features_uri=stage(table, tmp_path / "in", "parquet"), staging=str(tmp_path / "staging"),
                   name="f", run_id="r", engine={"max_training_rows": 1500, "max_epochs": 10}, seed=1)  # fmt: skip
    got_train, got_holdout = read_table(result.train_uri).to_pandas(), read_table(result.holdout_uri).to_pandas()
    assert not set(got_train["user_id"]) & set(got_holdout["user_id"])
    assert got_holdout["user_id"].nunique() == 60  # 20% of the users
    out = Synthesizer.load(result.model_uri).sample(len(got_train)).to_pandas()
    real = got_train.groupby("user_id").size().median()
    assert out.groupby("user_id").size().median() == pytest.approx(real, rel=0.3)
    assert (out.groupby("user_id")["age"].nunique() == 1).all()


def test_a_large_table_of_entities_is_learned_from_whole_entities(tmp_path: Path) -> None:
    """A row sample of a monthly snapshot table left gaps in every account's months, so the
    balance's steps from month to month were not learned (the walk was not even found on a third
    of the rows). The engine's sample holds whole accounts, chosen by their key's value."""
    rng = np.random.default_rng(3)
    months = rng.integers(6, 40, 300)
    account = np.repeat(np.arange(300), months)
    walk = pd.Series(rng.normal(0.0, 0.04, account.size)).groupby(account).cumsum().to_numpy()
    table = pa.table({
        "account_id": account + 500,
        "tenure_months": pd.Series(account).groupby(account).cumcount().to_numpy() + 1,
        "balance": np.round(rng.lognormal(8, 1, 300)[account] * np.exp(walk), 2),
    })  # fmt: skip
    engine = {"max_training_rows": table.num_rows // 3, "max_epochs": 10}
    result = train(features_uri=stage(table, tmp_path / "in", "parquet"), staging=str(tmp_path / "staging"),
                   name="f", run_id="r", engine=engine)  # fmt: skip
    model = Synthesizer.load(result.model_uri)
    assert model.describe()["entities"]["walks"] == {"balance": "tenure_months"}
    out = model.sample(4_000).to_pandas().sort_values(["account_id", "tenure_months"])
    steps = np.log(out["balance"]).groupby(out["account_id"]).diff().dropna()
    assert steps.std() < 0.08  # real 0.04; drawn row by row, 0.3


def test_users_are_found_by_a_sample_of_their_keys_in_any_row_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past KEY_PROBE_ROWS rows a sample of the key values decides whether the whole key column is
    read. It was the first rows: 300 one-off users first hid 400 users of 5 rows each behind them,
    and a shuffled copy of the same rows could decide otherwise."""
    stage_module = sys.modules["synthpipe.synthesize"]
    monkeypatch.setattr(stage_module, "KEY_PROBE_ROWS", 200)
    monkeypatch.setattr(writers, "STREAM_BATCH_ROWS", 50)
    user = np.r_[np.arange(300), np.repeat(np.arange(300, 700), 5)]
    table = pa.table({"user_id": user, "x": np.random.default_rng(0).normal(size=user.size)})
    shuffled = table.take(pa.array(np.random.default_rng(1).permutation(table.num_rows)))
    for name, rows in (("first", table), ("shuffled", shuffled)):
        for fmt in ("parquet", "csv"):
            path = stage(rows, tmp_path / name, fmt)
            keys = stage_module._entity_keys(path, {}, None, EngineConfig(), rows.num_rows)
            assert keys is not None and keys.name == "user_id", (name, fmt)
