"""check_gates / raise_for_gates on reports with chosen values."""

from __future__ import annotations

import pickle

import pytest

from synthpipe.errors import GateFailed
from synthpipe.report import Gates, Report, check_gates, raise_for_gates


def _with(report: Report, **privacy: object) -> Report:
    return report.model_copy(update={"privacy": report.privacy.model_copy(update=privacy)})


def test_every_gate_compares_its_value(filtered_report: Report) -> None:
    bad = _with(
        filtered_report,
        dcr_share=0.7,
        mia_auc=0.8,
        identical_share=0.2,
        identical_share_holdout=0.01,
        score=10.0,
        rare_categories_emitted=3,
    )
    bad = bad.model_copy(update={"quality": bad.quality.model_copy(update={"score": 40.0})})
    gates = Gates(max_identical_share=0.1, min_privacy=50, max_rare_categories=0)
    failed = {f.gate: (f.value, f.threshold) for f in check_gates(bad, gates)}
    assert failed == {
        "min_quality": (40.0, 50.0),
        "max_dcr_share": (0.7, 0.6),
        "max_mia_auc": (0.8, 0.6),
        "max_identical_share": (0.2, 0.1),
        "max_excess_identical_share": (pytest.approx(0.19), 0.01),
        "min_privacy": (10.0, 50.0),
        "max_rare_categories": (3.0, 0.0),
    }


def test_switched_off_and_unmeasured_gates_do_not_fail(filtered_report: Report) -> None:
    no_holdout = _with(filtered_report, dcr_share=None, mia_auc=None)
    assert check_gates(no_holdout, Gates()) == []
    off = Gates(min_quality=None, max_dcr_share=None, max_mia_auc=None, max_excess_identical_share=None)
    assert check_gates(_with(filtered_report, dcr_share=0.99, mia_auc=0.99), off) == []


def test_gate_failure_is_typed_and_pickles(filtered_report: Report) -> None:
    with pytest.raises(GateFailed) as info:
        raise_for_gates(_with(filtered_report, mia_auc=0.75), Gates())
    err = pickle.loads(pickle.dumps(info.value))
    assert "max_mia_auc" in str(err) and "0.75" in str(err) and "0.6" in str(err)
    assert err.failures[0]["gate"] == "max_mia_auc"


def test_unknown_gate_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_dcr"):
        Gates.model_validate({"max_dcr": 0.5})
