"""Durations written in unit words (``'1h 23m'``, ``'2h 05m 10s'``) or in minutes and seconds (``'75:10'``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.stats import ks_2samp

from synthpipe.engine import Synthesizer
from synthpipe.engine.text_durations import detect
from synthpipe.errors import ArtifactError
from tests.unit.engine.conftest import re_signed, sampled_after_save_and_load

N = 1500
SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def _worded(seconds: int) -> str:
    """As a help desk writes it: units from the largest, later ones in two digits, zero ones left out."""
    d, rest = divmod(seconds, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    shown = [(v, u) for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v]
    return " ".join(f"{v}{u}" if not i else f"{v:02d}{u}" for i, (v, u) in enumerate(shown))


def _seconds_of_words(text: pd.Series) -> np.ndarray:
    return np.array([sum(int(n) * SECONDS[u] for n, u in re.findall(r"(\d+)([dhms])", t)) for t in text])


def _seconds_of_fields(text: pd.Series) -> np.ndarray:
    return np.array([sum(int(f) * 60**i for i, f in enumerate(reversed(t.split(":")))) for t in text])


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    took = rng.gamma(1.2, 20_000, N).astype(int)
    laps = np.maximum(20, rng.lognormal(5.6, 0.8, N)).astype(int)
    lengths = rng.lognormal(5.8, 1.0, N).astype(int)
    return pd.DataFrame(
        {
            "took": [_worded(s) for s in took],
            "lap": [f"{s // 60:02d}:{s % 60:02d}" for s in laps],  # '75:10': minutes past an hour's
            "video": [
                f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
                for s in lengths
            ],
        }
    )


def test_durations_in_unit_words_and_minutes_are_learned_as_durations_and_written_back_so(
    real: pd.DataFrame, tmp_path: Path
) -> None:
    """A help desk's time to resolve (``'1h 23m'``, ``'2h 05m 10s'``, ``'3d 4h'``) and lap times past an
    hour's minutes (``'75:10'``) were labels: the rare ones came back masked (``'3h 2** ***'``, ``'06:3*'``)."""
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    assert {syn.describe()["columns"][name]["kind"] for name in real} == {"duration"}
    assert syn.describe()["columns"]["took"]["written_as"] == "1d 23h 15m 24s"
    assert out["took"].str.fullmatch(r"[1-9]\d*[dhms]( \d{2}[hms])*|0s").all()
    assert out["lap"].str.fullmatch(r"\d{2,}:[0-5]\d").all() and (out["lap"].str[:2].astype(int) >= 60).any()
    assert out["video"].str.fullmatch(r"[1-9]:[0-5]\d:[0-5]\d|\d{1,2}:[0-5]\d").all()
    assert (_seconds_of_fields(out["video"]) >= 3600).any()  # an hour on written with its hours, as the real
    for name, read in (("took", _seconds_of_words), ("lap", _seconds_of_fields), ("video", _seconds_of_fields)):
        assert out[name].nunique() > N // 4, name
        assert ks_2samp(read(out[name]), read(real[name])).statistic < 0.08, name
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    doc["body"]["duration_layouts"]["took"]["separator"] = "<b>"
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")


@pytest.mark.parametrize(
    ("values", "written"),
    [
        (["1h 23m", "45m", "2h 05m 10s", "3d 4h"], ["1h 23m", "45m", "2h 05m 10s", "3d 04h"]),  # padded after the first
        (["1h23m", "45m", "2h5m"], ["1h23m", "45m", "2h5m"]),
        (["1h 00m", "0h 45m", "2h 05m"], ["1h 00m", "45m", "2h 05m"]),  # zero minutes written; at most two units
        (["75:10", "04:32"], ["75:10", "04:32"]),
    ],
)
def test_a_duration_is_written_back_as_the_source_writes_one(values: list[str], written: list[str]) -> None:
    layout = detect(pd.Series(values * 20))
    assert layout is not None
    assert layout.written(layout.durations(pd.Series(values))).tolist() == written


@pytest.mark.parametrize(
    "values",
    [
        ["5m", "10m", "45m"],  # one unit: metres or minutes?
        ["04:32", "12:15", "23:59"],  # a clock's hours and minutes: frames learns times of day
        ["04:30:00", "21:57:00"],  # and its hours, minutes and seconds
        ["1h 23m", "45 min"],
        ["3m 4h", "1h"],  # units out of order
        ["1:75:10", "4:32"],
        ["1:05:10", "75:10"],  # minutes past an hour beside hours: no one layout
        ["1h 23m", "45m", ""],  # a missing value's token: text_missing's
    ],
)
def test_text_that_is_no_duration_is_left_alone(values: list[str]) -> None:
    assert detect(pd.Series(values * 20)) is None


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", pd.ArrowDtype(pa.string())])
def test_durations_are_read_from_text_of_any_string_dtype(dtype: object) -> None:
    """Arrow's strings take RE2's expressions, which have no look-ahead: a layout with one raised."""
    for values in (["1h 23m", "45m", "2h 05m 10s"], ["75:10", "04:32"], ["1:05:10", "4:32"]):
        text = pd.Series(values * 20, dtype=dtype)
        layout = detect(text)
        assert layout is not None and layout.written(layout.durations(text)).astype(object).tolist() == values * 20
