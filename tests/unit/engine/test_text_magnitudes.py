"""Numbers written with magnitude suffixes, one column mixing them (``'870'``, ``'1.5K'``, ``'2.3M'``)."""

from __future__ import annotations

import decimal
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy.stats import ks_2samp

from synthpipe.engine import Synthesizer
from synthpipe.engine.number_formats import detect
from synthpipe.engine.text_magnitudes import MagnitudeFormat
from synthpipe.errors import ArtifactError
from tests.unit.engine.conftest import re_signed, sampled_after_save_and_load

N = 1500
POWERS = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9}


def _suffixed(x: float, places: int) -> str:
    """As a dashboard writes it: plain below a thousand, then K, M and B."""
    for suffix in ("B", "M", "K"):
        if x >= POWERS[suffix]:
            return f"{x / POWERS[suffix]:.{places}f}{suffix}"
    return f"{x:.0f}"


def _read(text: pd.Series) -> np.ndarray:
    suffix = text.str[-1].where(text.str[-1].isin(list("KMB")), "")
    return text.str.rstrip("KMB").astype(float).to_numpy() * suffix.map(POWERS).to_numpy()


def test_numbers_with_magnitude_suffixes_are_learned_as_numbers_and_written_back_in_their_tiers(tmp_path: Path) -> None:
    """Follower counts and revenue exported as ``'870'``, ``'1.5K'``, ``'2.35M'`` were labels: the rare ones
    came back masked (``'3**'``, ``'32*.***'``) and a third of the column read back as a number."""
    rng = np.random.default_rng(7)
    real = pd.DataFrame(
        {
            "followers": [_suffixed(x, 1) for x in np.round(rng.lognormal(8, 2.5, N))],
            "revenue": [_suffixed(x, 2) for x in np.round(rng.lognormal(14, 2.0, N))],
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(real)
    out = sampled_after_save_and_load(syn, N, tmp_path / "model")
    assert {syn.describe()["columns"][name]["kind"] for name in real} == {"numeric"}
    assert syn.describe()["columns"]["followers"]["written_as"] == "1.2K"
    assert out["followers"].str.fullmatch(r"\d{1,3}|\d{1,3}\.\d[KMB]").all()
    assert out["revenue"].str.fullmatch(r"\d{1,3}|\d{1,3}\.\d{2}[KMB]").all()
    for name in real:
        values, suffix = _read(out[name]), out[name].str[-1]
        assert (values[suffix == "K"] >= 1e3).all() and (values[suffix == "K"] < 1e6).all(), name  # the source's rule
        assert (values[~suffix.isin(list("KMB"))] < 1e3).all(), name
        assert out[name].nunique() > N // 3 and ks_2samp(values, _read(real[name])).statistic < 0.08, name
    doc = json.loads((tmp_path / "model" / "model.json").read_text())
    doc["body"]["number_formats"]["followers"]["tiers"][1]["suffix"] = "<b>"
    re_signed(tmp_path / "model", doc)
    with pytest.raises(ArtifactError):
        Synthesizer.load(tmp_path / "model")


def test_the_tiers_start_where_the_source_starts_them_and_keep_its_decimals() -> None:
    """An export that writes ``'0.9M'`` starts M at its lowest such value; ``'2K'`` beside ``'1.5K'``
    drops trailing zeros."""
    fmt = detect(pd.Series(["950", "12.5K", "850.5K", "0.9M", "1.2M"] * 20))
    assert isinstance(fmt, MagnitudeFormat)
    written = [fmt.written(decimal.Decimal(v)) for v in ("999", "1000", "899000", "900000", "1000000")]
    assert written == ["999", "1.0K", "899.0K", "0.9M", "1.0M"]
    trimmed = detect(pd.Series(["870", "1.5K", "2K", "12.25K"] * 20))
    assert isinstance(trimmed, MagnitudeFormat)
    assert trimmed.plain(pd.Series(["1.5K", "870"])).tolist() == ["1500", "870"]


@pytest.mark.parametrize(
    "values",
    [
        ["5K", "10K", "21K", "42K"] * 50,  # race distances: one suffix alone
        ["14", "12B", "3B", "27"] * 50,  # seats: no tier between plain numbers and billions
        ["900K", "0.8M", "1.2M", "15K", "300"] * 40,  # one size in two tiers: no rule
        ["870", "1.5k", "2.1K"] * 50,  # two spellings of one tier
        ["4K", "1080p", "720p"] * 50,  # screen resolutions
        ["12", "1.5K", "SKU-9"] * 50,
    ],
)
def test_text_that_is_no_magnitude_column_is_left_alone(values: list[str]) -> None:
    assert detect(pd.Series(values)) is None


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]", pd.ArrowDtype(pa.string())])
def test_magnitudes_are_read_from_text_of_any_string_dtype(dtype: object) -> None:
    text = pd.Series(["870", "1.5K", "2.3M", "1.2B"] * 20, dtype=dtype)
    fmt = detect(text)
    assert isinstance(fmt, MagnitudeFormat)
    assert fmt.plain(text).tolist()[:4] == ["870", "1500", "2300000", "1200000000"]
