"""Entity keys of other kinds than a plain column without nulls: a user id that is null on guest
sessions, and a categorical key (a pandas category, an Arrow dictionary, a DuckDB ENUM)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe import Synthesizer
from synthpipe.engine.entities import entity_sizes
from synthpipe.engine.synthesizer import training_sample
from synthpipe.errors import ArtifactError
from synthpipe.row_order import row_hashes
from synthpipe.synthesize import _last_entity_start, holdout_mask
from tests.unit.engine.conftest import sampled_after_save_and_load

USER_COLUMNS = ["gender", "age", "signed_up"]
FAST = {"max_epochs": 3, "hidden_size": 16}


def _sessions(users: int = 300, guests: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """A sessions query joined to its users; a ``guests`` share of the sessions has no user (a
    null ``user_id``) and columns of no user's."""
    rng = np.random.default_rng(seed)
    ids = rng.choice(np.arange(10_000, 99_999), users, replace=False)
    rows = np.repeat(np.arange(users), rng.geometric(1 / 8, users))
    signed_up = pd.Timestamp("2014-01-01") + pd.to_timedelta(rng.integers(0, 365, users), unit="D")
    frame = pd.DataFrame(
        {
            "user_id": pd.array(ids[rows], dtype="Int64"),
            "gender": rng.choice(["FEMALE", "MALE", "-unknown-"], users, p=[0.45, 0.4, 0.15])[rows],
            "age": rng.integers(18, 70, users)[rows],
            "signed_up": signed_up[rows],
            "device": rng.choice(["phone", "desktop", "tablet"], rows.size, p=[0.5, 0.4, 0.1]),
            "secs": rng.exponential(20, rows.size).round(1),
        }
    )
    frame.loc[rng.random(rows.size) < guests, "user_id"] = pd.NA
    return frame


def _varying_users(data: pd.DataFrame) -> float:
    """The share of (non-null) users whose user columns change between their sessions."""
    return float((data.groupby("user_id", observed=True)[USER_COLUMNS].nunique() > 1).any(axis=1).mean())


@pytest.fixture(scope="module")
def with_guests() -> pd.DataFrame:
    return _sessions(guests=0.05)


@pytest.fixture(scope="module")
def fitted_with_guests(with_guests: pd.DataFrame) -> Synthesizer:
    return Synthesizer(seed=0, **FAST).fit(with_guests)


def test_a_key_with_nulls_keys_entities_and_its_null_rows_stay_rows_of_their_own(
    fitted_with_guests: Synthesizer, with_guests: pd.DataFrame, tmp_path: Path
) -> None:
    """With 5% guest sessions the key was no entity key: a synthetic user's age changed between
    its sessions in 91% of the users. Now the users are entities and each guest a row of its own,
    null-keyed, in about the real share; no guest is glued to another or to a user."""
    described = fitted_with_guests.describe()["entities"]
    assert described["key"] == "user_id" and described["shared_columns"] == USER_COLUMNS
    assert described["null_keys_as_rows"]
    out = sampled_after_save_and_load(fitted_with_guests, len(with_guests), tmp_path)
    assert out["user_id"].dtype == "Int64" and list(out.columns) == list(with_guests.columns)
    assert _varying_users(out) == 0.0
    assert out["user_id"].isna().mean() == pytest.approx(with_guests["user_id"].isna().mean(), abs=0.03)
    assert not set(out["user_id"].dropna()) & set(with_guests["user_id"].dropna())
    assert "user_id is null" not in out.columns


def test_null_key_rows_are_sampled_alike_in_chunks(fitted_with_guests: Synthesizer) -> None:
    whole = fitted_with_guests.sample(3_000)
    chunks = pd.concat(fitted_with_guests.sample_chunks(3_000, chunk_size=7), ignore_index=True)
    assert chunks.equals(whole)


def test_a_re_signed_artifact_whose_null_key_flag_is_no_hidden_column_is_rejected(
    fitted_with_guests: Synthesizer, tmp_path: Path
) -> None:
    from synthpipe.engine.artifact import _digest

    fitted_with_guests.save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["entities"]["nulls"] = "gender"
    doc["body_sha256"] = _digest(doc["body"])
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path)


def test_null_key_rows_are_entities_of_one_row_when_sampling_splitting_and_chunking() -> None:
    """``pd.factorize`` numbered every null -1: a training sample's bincount raised on it, the
    split sent every guest to the side of the last user, and a null compared unequal to itself."""
    keys = pd.Series([7, 7, None, 8, None, None, 8, 8], dtype="Int64", name="user_id")
    assert entity_sizes(keys).tolist() == [2, 2, 1, 3, 1, 1, 3, 3]
    assert training_sample(len(keys), 5, 0, keys) is not None
    many = _sessions(users=200, guests=0.3)
    table_hashes = row_hashes(many)
    held = holdout_mask(table_hashes, fraction=0.5, seed=0, keys=many["user_id"])
    guests = many["user_id"].isna().to_numpy()
    assert 0.3 < held[guests].mean() < 0.7
    chunk = pd.DataFrame({"user_id": pd.Series([7, 7, None, 8, 8, None, None], dtype="Int64")})
    assert _last_entity_start(chunk, "user_id") == 6
    assert _last_entity_start(chunk.iloc[:5], "user_id") == 3


@pytest.mark.parametrize("arrow", [False, True])
def test_a_categorical_key_keys_entities_and_comes_back_categorical(arrow: bool) -> None:
    """A categorical key was no entity key (fresh keys are no categories: allowed as it was, every
    key came back null), so a synthetic user's age changed between its sessions in 14% of the
    users. Learned on its values, it comes back a categorical of the chunk's fresh keys (an Arrow
    Table: of its own dictionary type)."""
    real = _sessions()
    real["user_id"] = ("U" + real["user_id"].astype(str)).astype("category")
    data = pa.Table.from_pandas(real, preserve_index=False) if arrow else real
    syn = Synthesizer(seed=0, **FAST).fit(data)
    assert syn.describe()["entities"]["key_as_category"]
    sampled = syn.sample(2_000)
    if isinstance(sampled, pa.Table):
        assert isinstance(data, pa.Table) and sampled.schema == data.schema
        sampled = sampled.to_pandas()
    out: pd.DataFrame = sampled
    assert isinstance(out["user_id"].dtype, pd.CategoricalDtype) and out["user_id"].notna().all()
    assert _varying_users(out) == 0.0
    assert not set(out["user_id"].astype(str)) & set(real["user_id"].astype(str))
    assert set(out["user_id"].cat.categories) == set(out["user_id"])


def test_a_narrow_dictionary_key_widens_to_hold_a_chunks_fresh_keys() -> None:
    """A DuckDB ENUM of 100 users is a dictionary of uint8 indices; 20,000 synthetic rows hold
    over 256 users, which raised ArrowInvalid ("Integer value 2104 not in range: 0 to 255")."""
    real = _sessions(users=100)
    real["user_id"] = ("U" + real["user_id"].astype(str)).astype("category")
    table = pa.Table.from_pandas(real, preserve_index=False)
    table = table.cast(table.schema.set(0, pa.field("user_id", pa.dictionary(pa.uint8(), pa.string()))))
    syn = Synthesizer(seed=0, **FAST).fit(table)
    small, large = syn.sample(200), syn.sample(20_000)
    assert isinstance(small, pa.Table) and isinstance(large, pa.Table)
    assert small.schema == table.schema
    assert large.schema.field("user_id").type == pa.dictionary(pa.int32(), pa.string())
    assert large.column("user_id").null_count == 0 and large.column("user_id").to_pandas().nunique() > 256
