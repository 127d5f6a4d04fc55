"""Position streams: where a value lies inside its bin is learned, so links inside wide bins survive."""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer, artifact
from synthpipe.engine.codecs.numeric import FINE_MIN_ROWS_PER_BIN

ROWS = 10_000  # over 300 rows a bin: enough for position streams


def heavy_tailed(seed: int = 0) -> pd.DataFrame:
    """Session counts with a long tail and bookings that keep growing with them inside the tail."""
    rng = np.random.default_rng(seed)
    actions = np.round(np.exp(rng.normal(3, 1.2, ROWS))).astype(np.int64) + 1
    bookings = np.round(actions * np.exp(rng.normal(0, 0.1, ROWS)) / 10).astype(np.int64)
    return pd.DataFrame({"actions": actions, "bookings": bookings, "kind": rng.choice(["a", "b"], ROWS)})


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return heavy_tailed()


@pytest.fixture(scope="module")
def with_positions(data: pd.DataFrame) -> Synthesizer:
    return Synthesizer(seed=0, max_epochs=12).fit(data)


def _top_bin_link(frame: pd.DataFrame) -> float:
    """Rank correlation of actions and bookings among the top 3% of actions (one wide bin)."""
    top = frame[frame["actions"] >= frame["actions"].quantile(0.97)]
    return float(top["actions"].rank().corr(top["bookings"].rank()))


def test_heavy_tailed_columns_get_a_position_stream(with_positions: Synthesizer) -> None:
    columns = with_positions.describe()["columns"]
    assert "position inside the bin learned (4 groups)" in columns["actions"]["encoding"]
    assert with_positions._chain()[:2] == [(0, False), (0, True)]


def test_link_inside_the_top_bin_is_kept(data: pd.DataFrame, with_positions: Synthesizer) -> None:
    without = Synthesizer(seed=0, max_epochs=12, fine_positions=0).fit(data)
    real = _top_bin_link(data)
    kept = _top_bin_link(with_positions.sample(ROWS))
    lost = _top_bin_link(without.sample(ROWS))
    assert real > 0.9
    assert kept > lost + 0.2, (kept, lost)


def test_marginal_is_kept(data: pd.DataFrame, with_positions: Synthesizer) -> None:
    out = with_positions.sample(ROWS)
    for q in (0.25, 0.5, 0.75, 0.95):
        assert out["actions"].quantile(q) == pytest.approx(data["actions"].quantile(q), rel=0.15)


def test_small_tables_have_no_position_stream() -> None:
    small = heavy_tailed().head(FINE_MIN_ROWS_PER_BIN * 10)  # 32 bins of about 78 rows
    syn = Synthesizer(seed=0, max_epochs=2).fit(small)
    assert all(not fine for _, fine in syn._chain())


def test_save_load_and_determinism(with_positions: Synthesizer, tmp_path: pathlib.Path) -> None:
    with_positions.save(str(tmp_path))
    loaded = Synthesizer.load(str(tmp_path))
    pd.testing.assert_frame_equal(loaded.sample(2_000), with_positions.sample(2_000))
    pd.testing.assert_frame_equal(with_positions.sample(2_000, seed=3), with_positions.sample(2_000, seed=3))


def test_version_1_artifacts_still_load(fitted: Synthesizer, tmp_path: pathlib.Path) -> None:
    """Models saved before position streams existed (format 1) load and sample the same rows."""
    fitted.save(str(tmp_path))
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["version"] = 1
    for column in doc["body"]["columns"]:
        column.get("params", {}).pop("fine", None)
    doc["body_sha256"] = artifact._digest(doc["body"])
    (tmp_path / "model.json").write_text(json.dumps(doc))
    pd.testing.assert_frame_equal(Synthesizer.load(str(tmp_path)).sample(500), fitted.sample(500))
