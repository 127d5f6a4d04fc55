"""Determinism, chunked streaming, and the pickle-free artifact (save/load, tamper checks)."""

from __future__ import annotations

import io
import json
import pathlib

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.errors import ArtifactError, ModelError
from tests.unit.engine.conftest import FAST


def test_same_seed_same_rows(fitted: Synthesizer) -> None:
    pd.testing.assert_frame_equal(fitted.sample(300), fitted.sample(300))
    pd.testing.assert_frame_equal(fitted.sample(300, seed=5), fitted.sample(300, seed=5))
    assert not fitted.sample(300, seed=5).equals(fitted.sample(300, seed=6))


def test_same_data_and_seed_same_model(frame: pd.DataFrame, fitted: Synthesizer) -> None:
    again = Synthesizer(seed=0, **FAST).fit(frame)
    pd.testing.assert_frame_equal(again.sample(500), fitted.sample(500))


def test_chunks_concatenate_to_sample(fitted: Synthesizer) -> None:
    n = 20_000  # spans two internal blocks
    whole = fitted.sample(n, seed=3)
    chunks = list(fitted.sample_chunks(n, chunk_size=7_001, seed=3))
    assert [len(c) for c in chunks[:-1]] == [7_001] * (len(chunks) - 1)
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)


def test_save_load_gives_identical_rows(fitted: Synthesizer, tmp_path: pathlib.Path) -> None:
    fitted.save(str(tmp_path / "model"))
    loaded = Synthesizer.load(str(tmp_path / "model"))
    pd.testing.assert_frame_equal(loaded.sample(400, seed=9), fitted.sample(400, seed=9))
    assert loaded.describe() == fitted.describe()


def test_save_and_load_take_a_pathlib_path(fitted: Synthesizer, tmp_path: pathlib.Path) -> None:
    assert fitted.save(tmp_path / "model") == str(tmp_path / "model")
    pd.testing.assert_frame_equal(Synthesizer.load(tmp_path / "model").sample(50), fitted.sample(50))


def test_memory_store_round_trip(fitted: Synthesizer) -> None:
    fitted.save("memory://engine-test/model")
    loaded = Synthesizer.load("memory://engine-test/model")
    pd.testing.assert_frame_equal(loaded.sample(100), fitted.sample(100))


def test_artifact_is_json_and_plain_arrays(fitted: Synthesizer, tmp_path: pathlib.Path) -> None:
    fitted.save(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "weights.npz"]
    json.loads((tmp_path / "model.json").read_text())
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)


@pytest.fixture()
def saved(fitted: Synthesizer, tmp_path: pathlib.Path) -> pathlib.Path:
    fitted.save(str(tmp_path))
    return tmp_path


def test_edited_json_is_rejected(saved: pathlib.Path) -> None:
    doc = json.loads((saved / "model.json").read_text())
    doc["body"]["config"]["rare_token"] = "x"
    (saved / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ArtifactError, match="modified"):
        Synthesizer.load(str(saved))


def test_edited_weights_are_rejected(saved: pathlib.Path) -> None:
    raw = bytearray((saved / "weights.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (saved / "weights.npz").write_bytes(bytes(raw))
    with pytest.raises(ArtifactError):
        Synthesizer.load(str(saved))


def test_pickled_weights_are_never_loaded(saved: pathlib.Path) -> None:
    """Even with a matching checksum, an object array (pickle) is refused."""
    buffer = io.BytesIO()
    np.savez(buffer, A=np.array([{"x": 1}], dtype=object))
    doc = json.loads((saved / "model.json").read_text())
    import hashlib

    from synthpipe.engine.artifact import _digest

    doc["body"]["weights_sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    doc["body_sha256"] = _digest(doc["body"])
    (saved / "weights.npz").write_bytes(buffer.getvalue())
    (saved / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ArtifactError):
        Synthesizer.load(str(saved))


def test_missing_or_garbage_artifact(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ArtifactError):
        Synthesizer.load(str(tmp_path / "nowhere"))
    (tmp_path / "model.json").write_text("not json")
    (tmp_path / "weights.npz").write_bytes(b"")
    with pytest.raises(ArtifactError):
        Synthesizer.load(str(tmp_path))


def test_absurdly_nested_json_is_an_artifact_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model.json").write_text("[" * 200_000)
    (tmp_path / "weights.npz").write_bytes(b"")
    with pytest.raises(ArtifactError, match="not a synthpipe model"):
        Synthesizer.load(str(tmp_path))


def test_unfitted_cannot_sample_or_save() -> None:
    with pytest.raises(ModelError, match="not fitted"):
        Synthesizer().sample(5)


def test_coarse_inputs_round_trip(frame: pd.DataFrame, tmp_path: pathlib.Path) -> None:
    syn = Synthesizer(seed=0, max_epochs=2, input_bins=4).fit(frame[["income", "age", "city", "ratio"]])
    assert syn._net is not None and syn._net.in_sizes.sum() < syn._net.sizes.sum()
    syn.save(str(tmp_path))
    pd.testing.assert_frame_equal(Synthesizer.load(str(tmp_path)).sample(200), syn.sample(200))


def test_categories_json_cannot_hold_are_saved_and_written_back_in_their_dtype(tmp_path: pathlib.Path) -> None:
    """A Categorical of months (Timestamp categories) fitted and sampled, but save() raised
    "Object of type Timestamp is not JSON serializable". Its categories are learned and listed
    as text and written back, by position, in their own dtype; a rare month is not emitted."""
    from tests.unit.engine.conftest import sampled_after_save_and_load

    rng = np.random.default_rng(0)
    n = 300
    months = pd.date_range("2024-01-01", periods=4, freq="MS")
    periods = pd.period_range("2024-01", periods=3, freq="M")
    data = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "month": pd.Categorical(np.r_[rng.choice(months[:3], n - 1), months[3:]], categories=months, ordered=True),
            "period": pd.Categorical(rng.choice(periods, n), categories=periods),
        }
    )
    out = sampled_after_save_and_load(Synthesizer(seed=0, **FAST).fit(data), 400, tmp_path / "model")
    assert out["period"].dtype == data["period"].dtype and set(out["period"]) == set(periods)
    assert out["month"].dtype == pd.CategoricalDtype(months[:3], ordered=True)  # one row's month comes off the list
    assert set(out["month"].dropna()) == set(months[:3])
    listed = json.loads((tmp_path / "model" / "model.json").read_text())
    assert "2024-01-01 00:00:00" in json.dumps(listed)
