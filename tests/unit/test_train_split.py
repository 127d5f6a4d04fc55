"""The train stage splits the staged table batch by batch and fits on a bounded sample.

Streaming must not change results: the files and the model are the ones a whole-table split and
the engine's own sampling give, however the table is cut into batches.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from synthpipe import writers
from synthpipe.engine import Synthesizer
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


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_streamed_split_and_sample_equal_the_whole_table_ones(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "STREAM_BATCH_ROWS", 37)  # many batches, uneven last one
    table = staged_table(600)
    engine = {"max_training_rows": 150, "max_epochs": 2}
    result = train(features_uri=stage(table, tmp_path / "in", fmt), staging=str(tmp_path / "staging"),
                   name="f", run_id="r", engine=engine, seed=3)  # fmt: skip

    in_holdout = holdout_mask(600, fraction=0.2, seed=3)
    expected_train, expected_holdout = table.filter(pa.array(~in_holdout)), table.filter(pa.array(in_holdout))
    got_train, got_holdout = read_table(result.train_uri), read_table(result.holdout_uri)
    assert got_train.to_pandas().equals(expected_train.to_pandas())
    assert got_holdout.to_pandas().equals(expected_holdout.to_pandas())
    assert (result.rows, result.train_rows, result.holdout_rows) == (600, 480, 120)

    streamed = Synthesizer.load(result.model_uri).sample(200)
    whole = Synthesizer(seed=3, **engine).fit(expected_train).sample(200)
    assert isinstance(streamed, pa.Table) and isinstance(whole, pa.Table)
    pd.testing.assert_frame_equal(streamed.to_pandas(), whole.to_pandas())


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
    rng = np.random.default_rng(2)
    sessions = rng.integers(5, 40, 300)
    user = np.repeat(np.arange(1000, 1300), sessions)
    table = pa.table(
        {
            "user_id": user,
            "age": np.repeat(rng.integers(18, 80, 300), sessions),
            "secs": rng.gamma(2.0, 30.0, user.size).round(),
        }
    )
    result = train(features_uri=stage(table, tmp_path / "in", "parquet"), staging=str(tmp_path / "staging"),
                   name="f", run_id="r", engine={"max_training_rows": 1500, "max_epochs": 10}, seed=1)  # fmt: skip
    got_train, got_holdout = read_table(result.train_uri).to_pandas(), read_table(result.holdout_uri).to_pandas()
    assert not set(got_train["user_id"]) & set(got_holdout["user_id"])
    assert got_holdout["user_id"].nunique() == 60  # 20% of the users
    out = Synthesizer.load(result.model_uri).sample(len(got_train)).to_pandas()
    real = got_train.groupby("user_id").size().median()
    assert out.groupby("user_id").size().median() == pytest.approx(real, rel=0.3)
    assert (out.groupby("user_id")["age"].nunique() == 1).all()
