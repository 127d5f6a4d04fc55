"""ML utility: does a model trained on synthetic rows predict real unseen rows?

TSTR (train synthetic, test real holdout) against TRTR (train real, test the same holdout), with
LightGBM at near-default settings as in the benchmark. The score is TSTR's gain over chance as a
share of TRTR's gain over chance, so a useless target (TRTR at chance) yields "not computable"
rather than a misleading 100 %.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from synthpipe.report._columns import CONTINUOUS_KINDS, Column, ColumnKind
from synthpipe.report.model import Utility

Task = Literal["binary", "multiclass", "regression"]
_METRICS: dict[str, Literal["auc", "accuracy", "r2"]] = {
    "binary": "auc",
    "multiclass": "accuracy",
    "regression": "r2",
}
MAX_CLASSES = 20
MIN_ROWS = 50
# A target the real rows predict by less than this above chance is no target: TSTR over TRTR then
# measures noise. R² counts a tenth of the variance: Fair's affairs (601 rows), coalition's crises
# and treering's widths over time, explained at R² 0.03-0.06 by real rows, scored utility 0 as
# synthetic rows' models went below 0 (-0.04 to -0.13), and quality read 72-77 for copies whose
# shapes, pairs and structure scored 0.91-0.99.
USELESS_MARGIN: dict[str, float] = {"binary": 0.02, "multiclass": 0.02, "regression": 0.1}


def pick_target(columns: list[Column]) -> Column | None:
    """The last compared column that makes a sensible prediction target.

    Tables usually put the outcome last; categoricals need 2-20 classes to be a target.
    """
    for col in reversed(columns):
        if col.kind in CONTINUOUS_KINDS:
            return col
        if col.kind is ColumnKind.CATEGORICAL and 2 <= len(col.categories) <= MAX_CLASSES:
            return col
    return None


def _features(frame: pd.DataFrame, features: list[Column]) -> pd.DataFrame:
    """Numbers as floats, categories as pandas categoricals over the real categories; named by
    place (LightGBM refuses a feature named ``point[0]``, ``price "usd"`` or ``a:b``)."""
    out: dict[str, Any] = {}
    for place, col in enumerate(features):
        if col.kind in CONTINUOUS_KINDS:
            out[f"f{place}"] = col.values(frame[col.name])
        else:
            codes = np.minimum(col.codes(frame[col.name]), 254)
            out[f"f{place}"] = pd.Categorical(codes, categories=range(256))
    return pd.DataFrame(out, index=range(len(frame)))


def _task(target: Column) -> Task:
    if target.kind in CONTINUOUS_KINDS:
        return "regression"
    return "binary" if len(target.categories) == 2 else "multiclass"


def _labels(frame: pd.DataFrame, target: Column, task: str) -> np.ndarray:
    if task == "regression":
        return target.values(frame[target.name])
    return target.codes(frame[target.name]).astype(float)


def _fit_score(task: str, x: pd.DataFrame, y: np.ndarray, xt: pd.DataFrame, yt: np.ndarray) -> float:
    import lightgbm as lgb
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score

    ok, okt = ~np.isnan(y), ~np.isnan(yt)
    x, y, xt, yt = x[ok], y[ok], xt[okt], yt[okt]
    params: dict[str, Any] = {"n_estimators": 100, "verbose": -1, "n_jobs": 1, "random_state": 0}
    if task == "regression":
        return float(r2_score(yt, lgb.LGBMRegressor(**params).fit(x, y).predict(xt)))
    if len(np.unique(y)) < 2:
        return 0.5 if task == "binary" else float(np.mean(yt == (y[0] if len(y) else -1)))
    model = lgb.LGBMClassifier(**params).fit(x, y)
    if task == "binary":
        pos = list(model.classes_).index(1.0) if 1.0 in model.classes_ else None
        proba = np.asarray(model.predict_proba(xt))
        proba = proba[:, pos] if pos is not None else np.zeros(len(xt))
        return float(roc_auc_score(yt == 1.0, proba)) if len(np.unique(yt)) == 2 else 0.5
    return float(accuracy_score(yt, model.predict(xt)))


def _chance(task: str, y_train: np.ndarray, y_test: np.ndarray) -> float:
    """What a constant prediction achieves: AUC 0.5, R² 0, majority-class accuracy."""
    if task == "binary":
        return 0.5
    if task == "regression":
        return 0.0
    values, counts = np.unique(y_train[~np.isnan(y_train)], return_counts=True)
    return float(np.mean(y_test == values[np.argmax(counts)])) if len(values) else 0.0


def _chance_noise(task: str, y_test: np.ndarray, chance: float) -> float:
    """Three standard errors of the metric on ``y_test`` for a model that knows nothing (AUC
    by Hanley and McNeil, accuracy as a proportion), at least ``USELESS_MARGIN``; for R², that.

    Why: on a 300-row holdout a random four-class column scored 0.287 from real rows against a
    chance of 0.26, taken as a usable target, so synthetic rows that predicted 0.22 scored
    utility 0 and pulled a faithful table's quality from 95 to 70."""
    y = y_test[~np.isnan(y_test)]
    if task == "binary":
        pos = int((y == 1.0).sum())
        neg = y.size - pos
        se = np.sqrt((y.size + 1) / (12 * pos * neg)) if pos and neg else 0.0
    elif task == "multiclass":
        se = np.sqrt(chance * (1 - chance) / max(y.size, 1))
    else:
        se = 0.0
    return max(USELESS_MARGIN[task], 3 * float(se))


def chosen_target(columns: list[Column], target: str | None) -> Column | None:
    """The given target column, or the auto-picked one, among the usable columns."""
    usable = _usable(columns)
    if not target:
        return pick_target(usable)
    return next((c for c in usable if c.name == target and target_refusal(c) is None), None)


def target_refusal(col: Column) -> str | None:
    """Why a column the caller named cannot be the ML-utility target; ``None`` when it can.

    Why: a given key, constant or empty target read only "no usable target column"; and a given
    column of 600 distinct texts was fitted as 600 classes (15 s on 600 rows), where every
    synthetic and holdout label was one unseen value, so training on synthetic rows "scored"
    accuracy 1.0 beside 0.0 for real rows.
    """
    if col.kind not in (*CONTINUOUS_KINDS, ColumnKind.CATEGORICAL):
        return f"target {col.name} is {col.kind.value} in the real data, so there is nothing to predict"
    if col.kind is ColumnKind.CATEGORICAL and not 2 <= len(col.categories) <= MAX_CLASSES:
        return (
            f"target {col.name} has {len(col.categories):,} classes in the real data; "
            f"a target is a number or 2-{MAX_CLASSES} classes"
        )
    return None


def _usable(columns: list[Column]) -> list[Column]:
    return [c for c in columns if c.kind in (*CONTINUOUS_KINDS, ColumnKind.CATEGORICAL)]


def _no_target(columns: list[Column], target: str | None) -> str:
    given = next((c for c in columns if c.name == target), None)
    refusal = None if given is None else target_refusal(given)
    return refusal or "no usable target column"


def utility(
    *,
    columns: list[Column],
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None,
    target: str | None,
) -> Utility:
    """TSTR vs TRTR for the given or auto-picked target."""
    usable = _usable(columns)
    chosen: Literal["given", "auto"] = "given" if target else "auto"
    col = chosen_target(columns, target)
    if holdout is None or len(holdout) < MIN_ROWS:
        return Utility(score=None, target=target, note="needs a holdout of at least 50 rows")
    if col is None or len(usable) < 2:
        return Utility(score=None, target=target, note=_no_target(columns, target))
    task: Task = _task(col)
    feats = [c for c in usable if c.name != col.name]
    xt, yt = _features(holdout, feats), _labels(holdout, col, task)
    y_real, y_syn = _labels(train, col, task), _labels(synthetic, col, task)
    if min((~np.isnan(y)).sum() for y in (yt, y_real, y_syn)) < MIN_ROWS:
        return Utility(score=None, target=col.name, note=f"fewer than {MIN_ROWS} rows with a target")
    trtr = _fit_score(task, _features(train, feats), y_real, xt, yt)
    tstr = _fit_score(task, _features(synthetic, feats), y_syn, xt, yt)
    chance = _chance(task, y_real, yt)
    useless = trtr - chance < _chance_noise(task, yt, chance)  # real rows predict no better than chance
    return Utility(
        score=None if useless else float(np.clip((tstr - chance) / (trtr - chance), 0, 1)),
        target=col.name,
        task=task,
        metric=_METRICS[task],
        tstr=tstr,
        trtr=trtr,
        target_chosen=chosen,
        note="the real data predict it too little above chance to judge synthetic rows by it" if useless else None,
    )
