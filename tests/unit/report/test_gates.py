"""check_gates / raise_for_gates on reports with chosen values."""

from __future__ import annotations

import pickle

import pytest

from synthpipe.errors import GateFailed
from synthpipe.report import Gates, Report, check_gates, raise_for_gates, with_gates


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


def test_privacy_gates_fail_on_evidence_not_on_what_chance_reaches_on_few_rows(filtered_report: Report) -> None:
    """Through the pipeline, 65% of 197 tables under 100 rows failed a privacy gate, a DCR share of
    0.67 measured on 6 rows of each set (±0.20 by chance alone) among them. A value chance alone
    reaches one time in 20 passes, and says so; the same value on many rows fails. Judged against
    4 training samples of 6 rows with 32 synthetic rows, chance alone moves the DCR share ±0.10."""
    few = _with(filtered_report, sample_rows=6, train_samples=4, synthetic_rows_compared=32, dcr_share=0.65,
                mia_auc=0.69, identical_holdout_rows=20, identical_share=0.4, identical_share_holdout=0.3)  # fmt: skip
    results = {g.gate: g for g in with_gates(few, Gates()).gates}
    assert all(results[name].passed for name in ("max_dcr_share", "max_mia_auc", "max_excess_identical_share"))
    assert results["max_dcr_share"].message == (
        "DCR share is 0.65 (measured on 6 holdout rows, ±0.10 by chance alone); gate max_dcr_share requires "
        "at most 0.6 or what chance alone reaches on so few rows (0.664)"
    )
    beyond = {g.gate: g.passed for g in with_gates(_with(few, dcr_share=0.67), Gates()).gates}
    assert not beyond["max_dcr_share"]  # one training sample of 6 rows would have passed it (up to 0.868)
    many = _with(few, sample_rows=2000, synthetic_rows_compared=5000, train_samples=2, identical_holdout_rows=2000)
    assert {f.gate for f in check_gates(many, Gates())} == {
        "max_dcr_share",
        "max_mia_auc",
        "max_excess_identical_share",
    }
    assert check_gates(_with(few, dcr_share=0.9), Gates())[0].gate == "max_dcr_share"  # beyond chance: fails


def test_an_attack_whose_members_stand_out_by_their_distance_fails_too(filtered_report: Report) -> None:
    """On Titanic's 32 cells the filters dropped every synthetic row on a training cell, the attack
    scored AUC 0.0 and the rows were published: a cell missing from them was a training row. An
    attacker flips such a score, so the gate holds the AUC either way of 0.5."""
    many = _with(filtered_report, sample_rows=2000, synthetic_rows_compared=5000, train_samples=2)
    inverted = {g.gate: g for g in with_gates(_with(many, mia_auc=0.05), Gates()).gates}["max_mia_auc"]
    assert not inverted.passed and inverted.value == 0.05
    assert "an attack that flips its score reaches 0.95" in inverted.message
    near = {g.gate: g for g in with_gates(_with(many, mia_auc=0.45), Gates()).gates}["max_mia_auc"]
    assert near.passed and "flips" not in near.message  # within the gate either way
    few = _with(filtered_report, sample_rows=6, train_samples=4, synthetic_rows_compared=32, mia_auc=0.31)
    assert {g.gate: g.passed for g in with_gates(few, Gates()).gates}["max_mia_auc"]  # chance reaches it on 6 rows
