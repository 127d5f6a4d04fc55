"""The Gaussian-copula prior under the ordered heads of small tables (engine/copula.py)."""

from __future__ import annotations

import hashlib
import io
import json
import pathlib
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtri

from synthpipe import Synthesizer
from synthpipe.engine.artifact import _digest
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.copula import MAX_ROWS, MIX, fit_prior, ordered_tokens
from synthpipe.errors import ArtifactError
from tests.unit.engine.conftest import pollution


def _spearman_error(data: pd.DataFrame, **settings: bool) -> float:
    real = data.corr("spearman").to_numpy()[np.triu_indices(data.shape[1], 1)]
    gaps = []
    for seed in range(3):
        out = Synthesizer(seed=seed, **settings).fit(data).sample(3_000)
        gaps.append(np.abs(out.corr("spearman").to_numpy()[np.triu_indices(data.shape[1], 1)] - real).mean())
    return float(np.mean(gaps))


def test_the_prior_keeps_the_links_of_a_small_table() -> None:
    """450 rows: trained from independence, the links came back at about two thirds of their strength."""
    data = pollution(450, seed=9)
    with_prior, without = _spearman_error(data), _spearman_error(data, copula_prior=False)
    assert with_prior < 0.8 * without, (with_prior, without)


def test_offsets_follow_the_earlier_column_and_stay_bounded() -> None:
    """Two ordered columns that rise together: given the first's top token the second's top tokens
    gain, given its bottom token they lose; no offset falls below log(MIX); nulls get none."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 2_000)
    y = np.clip(x + rng.integers(-1, 2, x.size), 0, 5) + 1  # token 0 of y: its null, never ordered
    codes = np.column_stack([x, y])
    sizes = np.array([6, 7])
    masks = [ordered_tokens(np.linspace(-1, 1, 6)), ordered_tokens(np.concatenate([[0.0], np.linspace(-1, 1, 6)]))]
    prior = fit_prior(codes, sizes, masks)
    assert prior is not None and prior.beta[0, 1] > 0 and not prior.beta[:, 0].any()
    means = prior.means(np.array([[0, 6], [5, 6]]))  # rows whose x is its bottom / top token
    offsets = prior.offsets(1, means[:, 1], slice(6, 13))
    assert offsets is not None and (offsets[:, 0] == 0).all()
    assert offsets[0, 1] > 0 > offsets[0, 6] and offsets[1, 6] > 0 > offsets[1, 1]
    assert offsets.min() >= np.log(MIX) - 1e-6
    assert prior.offsets(0, means[:, 0], slice(0, 6)) is None


def test_a_column_constant_on_the_training_rows_links_to_nothing() -> None:
    """All of one column's training rows in one token (null): no correlation to divide by zero for."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 4, 200)
    codes = np.column_stack([x, np.zeros_like(x), np.clip(x + rng.integers(-1, 2, x.size), 0, 3)])
    masks = [
        ordered_tokens(np.linspace(-1, 1, 4)),
        ordered_tokens(np.array([0.0, -1, 0, 1])),
        ordered_tokens(np.linspace(-1, 1, 4)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prior = fit_prior(codes, np.array([4, 4, 4]), masks)
    assert prior is not None and not prior.beta[1].any() and not prior.beta[:, 1].any() and prior.beta[0, 2] > 0


def test_a_category_shifts_the_means_of_later_heads() -> None:
    """Two groups whose numbers sit at different levels, the same link inside each: the copula of
    the numbers alone pools the groups; the group's shift moves the later heads' means apart, only
    theirs, and leaves them less residual spread."""
    rng = np.random.default_rng(2)
    group = rng.integers(0, 2, 600)
    x = np.clip(group * 3 + rng.integers(0, 3, group.size), 0, 5)
    y = np.clip(x + rng.integers(-1, 2, x.size), 0, 5)
    codes, sizes = np.column_stack([group, x, y]), np.array([2, 6, 6])
    ordered = [ordered_tokens(np.linspace(-1, 1, 6)), ordered_tokens(np.linspace(-1, 1, 6))]
    pooled = fit_prior(codes, sizes, [None, *ordered])
    shifted = fit_prior(codes, sizes, [np.zeros(2, dtype=bool), *ordered])
    assert pooled is not None and shifted is not None and not pooled.shift.any()
    assert shifted.shift[1, 1] > 0.5 > -0.5 > shifted.shift[0, 1]  # group 1's x sits higher
    assert np.abs(shifted.shift[:2, 2]).max() < 0.2  # y's level is x's: the group adds little
    assert not shifted.shift[2:].any() and not shifted.shift[:, 0].any()
    assert shifted.sigma[1] < 0.6 * pooled.sigma[1] and shifted.has_prior(1) and not pooled.has_prior(1)


def test_positions_inside_a_bin_follow_the_head_s_mean() -> None:
    """A head with a prior draws its position inside the bin from its normal around the mean: rows
    whose earlier columns point up sit higher in the same bin; a head without one (the first
    ordered column) and a null token keep the even draw."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 2_000)
    y = np.clip(x + rng.integers(-1, 2, x.size), 0, 5) + 1  # token 0 of y: its null
    masks = [ordered_tokens(np.linspace(-1, 1, 6)), ordered_tokens(np.concatenate([[0.0], np.linspace(-1, 1, 6)]))]
    prior = fit_prior(np.column_stack([x, y]), np.array([6, 7]), masks)
    assert prior is not None
    v = np.linspace(0.01, 0.99, 99)
    middle = np.full(v.size, 6 + 4)  # y's bin 3 of 6 (global token 10)
    _, low = prior.latent(1, middle, v, np.full(v.size, -1.5))
    _, high = prior.latent(1, middle, v, np.full(v.size, 1.5))
    assert high.mean() > 0.6 > 0.4 > low.mean() and ((low >= 0) & (low < 1)).all()
    scores, even = prior.latent(0, np.full(v.size, 2), v, np.zeros(v.size))
    np.testing.assert_allclose(even, v, atol=1e-9)
    edges = ndtri([prior.cdf_low[2], prior.cdf_high[2]])
    assert ((edges[0] <= scores) & (scores <= edges[1])).all()  # inside the token's interval
    null_scores, null_positions = prior.latent(1, np.full(v.size, 6), v, np.zeros(v.size))
    assert not null_scores.any() and np.array_equal(null_positions, v)


def test_a_strong_link_keeps_its_strength_inside_the_bins() -> None:
    """400 rows of a 0.95 correlation: values drawn at even positions inside their bins, apart from
    the other column, came back at 0.90-0.91 (seeds 0-2); drawn from the copula, 0.91-0.93."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=400)
    data = pd.DataFrame({"x": x, "y": 0.95 * x + np.sqrt(1 - 0.95**2) * rng.normal(size=400)})
    real = data.corr().iloc[0, 1]
    synthetic = [Synthesizer(seed=seed).fit(data).sample(5_000).corr().iloc[0, 1] for seed in range(3)]
    assert real - np.mean(synthetic) < 0.035, (real, synthetic)


def test_a_bin_s_rows_take_its_even_places_in_the_copula_s_order() -> None:
    """Each bin's rows get the bin's evenly spread places (stratified by the draws), the highest
    copula position the highest place: the bin keeps the spread of even draws, tails included."""
    idx = np.array([0, 0, 0, 1, 1])
    positions = np.array([0.9, 0.1, 0.5, 0.2, 0.8])
    out = NumericCodec._in_copula_order(idx, np.full(5, 0.5), positions)
    np.testing.assert_allclose(out, [5 / 6, 1 / 6, 3 / 6, 1 / 4, 3 / 4])


def test_the_prior_is_for_small_plain_tables_and_can_be_turned_off() -> None:
    small = pollution(300, seed=1)
    gates = Synthesizer(seed=0).fit(small).describe()["training"]["copula_prior"]
    assert set(gates) == {"no", "pm10", "so2"}  # the first column has nothing before it
    assert Synthesizer(seed=0, copula_prior=False).fit(small).describe()["training"]["copula_prior"] is None
    large = pollution(round(MAX_ROWS / 0.9) + 50, seed=1)
    assert Synthesizer(seed=0).fit(large).describe()["training"]["copula_prior"] is None


def test_the_report_says_which_columns_the_copula_places() -> None:
    small = pollution(300, seed=1)
    said = {name: column["encoding"] for name, column in Synthesizer(seed=0).fit(small).describe()["columns"].items()}
    assert [name for name, text in said.items() if "Gaussian copula" in text] == ["no", "pm10", "so2"]
    plain = Synthesizer(seed=0, copula_prior=False).fit(small).describe()["columns"]
    assert not any("Gaussian copula" in column["encoding"] for column in plain.values())


def test_the_gate_lets_a_head_drop_a_wrong_prior() -> None:
    """y = x squared has no monotone link for the copula to start from; w = x + noise has one. The
    learned gates keep less of y's offset than of w's."""
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, 1_500)
    data = pd.DataFrame({"x": x, "y": x**2 + rng.normal(0, 0.1, x.size), "w": x + rng.normal(0, 0.5, x.size)})
    gates = Synthesizer(seed=0).fit(data).describe()["training"]["copula_prior"]
    assert gates["y"] < gates["w"], gates


def _transposed_beta(arrays: dict[str, np.ndarray]) -> None:
    arrays["prior_beta"] = arrays["prior_beta"].T.copy()  # a head's mean from later columns


def _gapped_intervals(arrays: dict[str, np.ndarray]) -> None:
    ordered = np.flatnonzero(arrays["prior_cdf_high"] > arrays["prior_cdf_low"])
    arrays["prior_cdf_low"][ordered[1]] += 1e-3  # intervals no longer meet


def test_the_prior_round_trips(tmp_path: pathlib.Path) -> None:
    fitted = Synthesizer(seed=2).fit(pollution(300, seed=2))
    fitted.save(str(tmp_path))
    pd.testing.assert_frame_equal(Synthesizer.load(str(tmp_path)).sample(400), fitted.sample(400))


def _shift_of_an_earlier_head(arrays: dict[str, np.ndarray]) -> None:
    arrays["prior_shift"][-1, 0] = 0.5  # the last token moves the first head: drawn before it is known


def _far_scores(arrays: dict[str, np.ndarray]) -> None:
    arrays["prior_score"] = arrays["prior_score"] * 1e300  # means no normal interval has


@pytest.mark.parametrize("tamper", [_transposed_beta, _gapped_intervals, _shift_of_an_earlier_head, _far_scores])
def test_a_tampered_prior_is_refused(tmp_path: pathlib.Path, tamper: Callable[[dict[str, np.ndarray]], None]) -> None:
    Synthesizer(seed=2).fit(pollution(300, seed=2)).save(str(tmp_path))
    with np.load(tmp_path / "weights.npz", allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    tamper(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, allow_pickle=False, **arrays)
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["weights_sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()  # checksums made to match
    doc["body_sha256"] = _digest(doc["body"])
    (tmp_path / "weights.npz").write_bytes(buffer.getvalue())
    (tmp_path / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ArtifactError, match="copula prior"):
        Synthesizer.load(str(tmp_path))
