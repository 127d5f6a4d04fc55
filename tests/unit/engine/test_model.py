"""The network's first layer, computed block by block of heads, equals the one-hot product it replaces."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from synthpipe.engine.model import (
    TRAIN_BLOCK_HEADS,
    Inputs,
    Network,
    autoregressive_mask,
    first_layer,
    first_layer_grad,
    init_network,
    training_blocks,
)


def _wide_network(columns: int = 2 * TRAIN_BLOCK_HEADS + 5, hidden: int = 4) -> Network:
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 7, columns)
    maps = [np.arange(k) // 2 for k in sizes]  # inputs coarser than outputs, as for fine bins
    marginals = np.concatenate([np.full(k, 1.0 / k) for k in sizes])
    return init_network(sizes, hidden, marginals, 0, maps)


def _batch(net: Network, rows: int = 64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    codes = np.column_stack([rng.integers(0, k, rows) for k in net.sizes])
    keep = (rng.random(codes.shape) >= 0.2) / 0.8  # dropout weights
    return codes, keep


def _full_one_hot(net: Network, codes: np.ndarray, keep: np.ndarray) -> sp.csr_matrix:
    """The whole one-hot input matrix, as the first layer was computed before blocks."""
    rows, columns = codes.shape
    tokens = net.in_map[codes + net.offsets[:-1]].ravel()
    indptr = np.arange(0, rows * columns + 1, columns)
    return sp.csr_matrix((keep.astype(np.float32).ravel(), tokens, indptr), shape=(rows, int(net.in_sizes.sum())))


def test_the_blocks_cover_every_live_weight_of_the_first_layer() -> None:
    net = _wide_network()
    covered = np.zeros(net.A.shape, dtype=bool)
    for units, _, tokens in training_blocks(net):
        covered[:tokens, units] = True
    assert len(training_blocks(net)) == 3
    assert np.all(covered[autoregressive_mask(net.in_sizes, net.hidden).astype(bool)])


def test_blocked_pre_activations_equal_the_one_hot_product_bit_for_bit() -> None:
    net = _wide_network()
    codes, keep = _batch(net)
    expected = _full_one_hot(net, codes, keep) @ net.A + net.b1
    assert np.array_equal(first_layer(net, Inputs.of(net, codes, keep)), expected)
    plain = _full_one_hot(net, codes, np.ones(codes.shape)) @ net.A + net.b1
    assert np.array_equal(first_layer(net, Inputs.of(net, codes)), plain)


def test_blocked_gradient_equals_the_one_hot_product_on_the_live_weights() -> None:
    net = _wide_network()
    codes, keep = _batch(net)
    dZ = np.random.default_rng(2).standard_normal((codes.shape[0], net.A.shape[1])).astype(np.float32)
    expected = np.asarray(_full_one_hot(net, codes, keep).T @ dZ)
    live = autoregressive_mask(net.in_sizes, net.hidden).astype(bool)
    got = first_layer_grad(net, Inputs.of(net, codes, keep), dZ)
    assert got.dtype == np.float32
    assert np.array_equal(got[live], expected[live])
    assert np.abs(expected[live]).sum() > 0
