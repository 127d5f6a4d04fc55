"""Deep structure: the principal components of the encoded real rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synthpipe.report import _structure
from synthpipe.report._columns import describe_columns
from synthpipe.report.distance import RowEncoder


def _wide(rows: int, seed: int) -> pd.DataFrame:
    """120 numbers driven by 3 factors, and 40 yes/no columns: 200 encoded columns."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(rows, 3))
    nums = {f"n{k:03d}": base[:, k % 3] * (k + 1) + rng.normal(size=rows) for k in range(120)}
    cats = {f"c{k:03d}": np.where(base[:, k % 3] > 0, "yes", "no") for k in range(40)}
    return pd.DataFrame(nums | cats)


def test_a_table_of_more_columns_than_rows_is_decomposed_by_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 columns of 800 rows encode as 1,666, whose covariance took 6-20 s of a report's 60 to
    decompose: the rows × rows Gram matrix has the same nonzero eigenvalues (1.5 s). The score,
    components and variances are those of the covariance's decomposition."""
    real, synthetic = _wide(60, 1), _wide(60, 2)
    enc = RowEncoder.fit(real, describe_columns(real))
    x, y = enc.transform(real).astype(float), enc.transform(synthetic).astype(float)
    assert x.shape[1] > len(x)
    eigval, eigvec = np.linalg.eigh(np.cov(x, rowvar=False))
    order = np.argsort(eigval)[::-1]
    var = np.clip(eigval[order], 0, None) / np.clip(eigval, 0, None).sum()
    k = min(_structure.MAX_COMPONENTS, int(np.searchsorted(np.cumsum(var), _structure.VARIANCE_TARGET)) + 1)
    axes, mean = eigvec[:, order[:k]], x.mean(axis=0)
    scores = [_structure.ks_complement(((x - mean) @ axes)[:, i], ((y - mean) @ axes)[:, i]) for i in range(k)]
    expected = float(np.dot(scores, var[:k] / var[:k].sum()))

    decomposed = []
    eigh = np.linalg.eigh
    monkeypatch.setattr(np.linalg, "eigh", lambda m: decomposed.append(m.shape) or eigh(m))
    result = _structure.deep_structure(enc, real, synthetic)
    assert decomposed == [(60, 60)]
    assert result.components == k
    assert result.explained_variance == [round(float(v), 4) for v in var[:k]]
    assert result.score == pytest.approx(expected, abs=1e-9)
