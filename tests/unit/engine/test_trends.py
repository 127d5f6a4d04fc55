"""Ordinal trends: shared up/down directions per ordered column, so small tables keep their links."""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.engine import synthesizer as synthesizer_module
from synthpipe.engine.model import Network, autoregressive_mask, init_network, live_blocks, loss_and_grads
from synthpipe.engine.training import Adam
from synthpipe.engine.trends import MAX_TREND_STEP, TREND_FULL_ROWS, Trends, trend_step
from tests.unit.engine.conftest import pollution


def _small_network(seed: int = 0) -> Network:
    sizes = np.array([4, 3, 5])
    maps = [np.arange(4), np.arange(3), np.array([0, 0, 1, 1, 2])]  # the last column's input is coarsened
    marginals = np.concatenate([np.full(k, 1.0 / k) for k in sizes])
    return init_network(sizes, 6, marginals, seed, maps)


def test_trend_gradients_match_finite_differences() -> None:
    net = _small_network()
    scores = np.concatenate([np.linspace(-1, 1, 4), np.zeros(3), np.linspace(-1, 1, 5)])
    trends = Trends(net, scores)
    rng = np.random.default_rng(1)
    for region in trends.live["A_trend"]:
        trends.arrays["A_trend"][region] = rng.normal(0, 0.3, trends.arrays["A_trend"][region].shape)
    trends.compose(net)
    codes = np.column_stack([rng.integers(0, k, 64) for k in net.sizes])
    grads = trends.grads(loss_and_grads(net, codes)[1])
    for name, index in [("A_trend", (0, 9)), ("A_trend", (0, 17)), ("A_trend", (1, 14)), ("A", (5, 13))]:
        analytic = grads[name][index]
        numeric = _finite_difference(net, trends, codes, name, index)
        assert analytic == pytest.approx(numeric, rel=2e-2, abs=2e-4), (name, index)


def _finite_difference(net: Network, trends: Trends, codes: np.ndarray, name: str, index: tuple[int, int]) -> float:
    param, step, losses = trends.arrays[name], 1e-2, []
    for sign in (1, -1):
        param[index] += sign * step
        trends.compose(net)
        losses.append(loss_and_grads(net, codes, with_grads=False)[0])
        param[index] -= sign * step
    trends.compose(net)
    return (losses[0] - losses[1]) / (2 * step)


def test_live_blocks_are_the_autoregressive_mask() -> None:
    sizes = np.array([4, 1, 3, 5])
    covered = np.zeros((int(sizes.sum()), sizes.size * 2), dtype=bool)
    for region in live_blocks(sizes, 2):
        covered[region] = True
    assert np.array_equal(covered, autoregressive_mask(sizes, 2).astype(bool))


def test_adam_keeps_the_masked_first_layer_at_zero() -> None:
    net = _small_network()
    trends = Trends(net, np.concatenate([np.linspace(-1, 1, 4), np.zeros(3), np.linspace(-1, 1, 5)]))
    opt = Adam(trends.arrays, trends.live, 1e-2, 1e-3)
    codes = np.column_stack([np.random.default_rng(2).integers(0, k, 64) for k in net.sizes])
    before = net.A.copy()
    for _ in range(3):
        opt.step(trends.arrays, trends.grads(loss_and_grads(net, codes)[1]))
        trends.compose(net)
    masked = ~autoregressive_mask(net.in_sizes, net.hidden).astype(bool)
    assert not net.A[masked].any() and not np.array_equal(net.A, before)


def test_compose_writes_base_plus_the_trends_bit_for_bit_without_copies_of_the_first_layer() -> None:
    rng = np.random.default_rng(3)
    sizes = rng.integers(2, 12, 60)
    maps = [np.minimum(np.arange(k), 5) for k in sizes]  # some inputs coarsened
    net = init_network(sizes, 8, np.concatenate([np.full(k, 1.0 / k) for k in sizes]), 0, maps)
    trends = Trends(net, rng.normal(size=int(sizes.sum())) * (rng.random(int(sizes.sum())) < 0.7))
    for region in trends.live["A_trend"]:
        trends.arrays["A_trend"][region] = rng.normal(0, 0.3, trends.arrays["A_trend"][region].shape)
        trends.arrays["A_trend"][region][rng.random(trends.arrays["A_trend"][region].shape) < 0.2] = -0.0
    expected = trends.arrays["A"] + np.asarray(trends._scores.T @ trends.arrays["A_trend"])
    tracemalloc.start()
    trends.compose(net)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.array_equal(net.A.view(np.uint32), expected.view(np.uint32))  # signed zeros too
    assert peak < net.A.nbytes / 4  # the product and the sum each held a whole first layer


def test_unordered_columns_train_the_network_weights_directly() -> None:
    net = _small_network()
    trends = Trends(net, np.zeros(int(net.sizes.sum())))
    assert not trends.enabled
    assert trends.arrays["A"] is net.A and "A_trend" not in trends.arrays


def _linked(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, rows)
    return pd.DataFrame({"x": x, "y": x + rng.normal(0, 0.4, rows), "z": rng.normal(0, 1, rows) - 0.5 * x})


def test_small_tables_keep_their_correlations() -> None:
    """300 rows: per-bin weights alone stop early with every link weakened; trends keep them (without
    the copula prior, which keeps them too)."""
    data = _linked(300, seed=3)
    real = data.corr().to_numpy()[np.triu_indices(3, 1)]
    errors = {}
    for on in (True, False):
        gaps = []
        for seed in range(3):
            out = Synthesizer(seed=seed, ordinal_trends=on, copula_prior=False).fit(data).sample(3_000)
            gaps.append(np.abs(out.corr().to_numpy()[np.triu_indices(3, 1)] - real).mean())
        errors[on] = float(np.mean(gaps))
    assert errors[True] < 0.8 * errors[False], errors


def test_setting_is_reported_and_deterministic() -> None:
    data = _linked(300, seed=4)
    first = Synthesizer(seed=5).fit(data)
    assert first.describe()["settings"]["ordinal_trends"] is True
    pd.testing.assert_frame_equal(first.sample(500), Synthesizer(seed=5).fit(data).sample(500))


def test_trends_step_further_the_fewer_rows_a_table_has() -> None:
    steps = [trend_step(rows) for rows in (50, 300, 2_000, 8_000, TREND_FULL_ROWS, 100_000)]
    assert steps[0] == steps[1] == MAX_TREND_STEP and steps[-2] == steps[-1] == 1.0
    assert all(a >= b for a, b in itertools.pairwise(steps))


def test_larger_trend_steps_keep_the_links_of_a_small_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """450 rows: at the per-bin weights' step size the links came back at about half their strength."""
    data = pollution(450, seed=9)
    real = data.corr("spearman").to_numpy()[np.triu_indices(4, 1)]
    errors = {}
    for larger in (True, False):
        if not larger:
            monkeypatch.setattr(synthesizer_module, "trend_step", lambda rows: 1.0)
        gaps = []
        for seed in range(3):
            synthesizer = Synthesizer(seed=seed, copula_prior=False).fit(data)
            assert synthesizer.describe()["training"]["trend_step"] == (MAX_TREND_STEP if larger else 1.0)
            out = synthesizer.sample(3_000)
            gaps.append(np.abs(out.corr("spearman").to_numpy()[np.triu_indices(4, 1)] - real).mean())
        errors[larger] = float(np.mean(gaps))
    assert errors[True] < 0.8 * errors[False], errors


def test_a_flag_steps_like_the_network_and_longer_orders_step_further() -> None:
    """A two-place order's one direction is its one-hot weights: a larger step would only speed it up."""
    sizes = np.array([2, 4, 3])
    net = init_network(sizes, 4, np.full(int(sizes.sum()), 0.3), 0, [np.arange(k) for k in sizes])
    scores = np.concatenate([[-1.0, 1.0], np.linspace(-1, 1, 4), np.zeros(3)])
    trends = Trends(net, scores, step=5.0)
    assert trends.steps["A_trend"][:, 0].tolist() == [1.0, 5.0, 1.0]
    opt = Adam(trends.arrays, trends.live, 1e-2, 0.0, trends.steps)
    before = trends.arrays["A_trend"].copy()
    opt.step(trends.arrays, {name: np.ones_like(array) for name, array in trends.arrays.items()})
    moved = np.abs(trends.arrays["A_trend"] - before).max(axis=1)
    assert moved[1] == pytest.approx(5 * moved[0], rel=1e-4) and moved[0] > 0
