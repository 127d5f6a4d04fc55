"""Gates: the thresholds a synthetic set must pass before the pipeline publishes it."""

from __future__ import annotations

from collections.abc import Callable

from synthpipe.errors import GateFailed
from synthpipe.gate_settings import Gates
from synthpipe.report._privacy_metrics import (
    FEW_DISTANCE_ROWS,
    attack_strength,
    auc_chance_spread,
    reported_chance_spread,
)
from synthpipe.report.model import CHANCE_Z, GateResult, Report, copies_noise

DISTANCE_GATES = frozenset({"max_dcr_share", "max_mia_auc"})  # gates on how near synthetic rows come to training rows


def _excess_identical(r: Report) -> float | None:
    if r.privacy.identical_share is None:
        return None
    return r.privacy.identical_share - (r.privacy.identical_share_holdout or 0.0)


# gate name -> (how to read the value, True when the gate is a minimum, what the value is)
_CHECKS: dict[str, tuple[Callable[[Report], float | None], bool, str]] = {
    "min_quality": (lambda r: r.quality.score, True, "quality score"),
    "max_dcr_share": (lambda r: r.privacy.dcr_share, False, "DCR share"),
    "max_identical_share": (lambda r: r.privacy.identical_share, False, "identical-match share"),
    "max_mia_auc": (lambda r: r.privacy.mia_auc, False, "membership-inference AUC"),
    "max_excess_identical_share": (_excess_identical, False, "excess identical-match share"),
    "min_privacy": (lambda r: r.privacy.score, True, "privacy score"),
    "max_rare_categories": (
        lambda r: float(r.privacy.rare_categories_emitted),
        False,
        "rare categories emitted",
    ),
    "max_constraint_violations": (
        lambda r: r.quality.constraints.violating_row_share,
        False,
        "constraint-violating row share",
    ),
}


def check_gates(report: Report, gates: Gates) -> list[GateResult]:
    """Every configured gate the report fails; an empty list means publish."""
    return [result for result in gate_results(report, gates) if not result.passed]


def gate_results(report: Report, gates: Gates) -> list[GateResult]:
    """Every configured gate with its outcome, in the order of :class:`Gates`.

    A gate whose value could not be measured (no holdout, say) is not failed: the report says
    why the value is missing, and refusing every holdout-less run would make gates unusable.
    """
    results = []
    for name, (read, is_min, what) in _CHECKS.items():
        threshold = getattr(gates, name)
        if threshold is None:
            continue
        value = read(report)
        bound = "at least" if is_min else "at most"
        if value is None:
            results.append(GateResult(gate=name, value=None, threshold=threshold, passed=True,
                                      message=f"{what} was not measured; gate {name} not applied"))  # fmt: skip
            continue
        allowed, chance = (threshold, "") if is_min else _allowed(report, name, threshold)
        strength = attack_strength(value) if name == "max_mia_auc" else value
        passed = value >= threshold if is_min else strength <= allowed
        flipped = _flipped(name, value) if not passed else ""
        measured = f"{what} is {value:.4g}{_few_rows(report, name)}{flipped}"
        message = f"{measured}; gate {name} requires {bound} {threshold:g}{chance}"
        results.append(GateResult(gate=name, value=value, threshold=threshold, message=message, passed=passed))
    return results


def inverted_attack(gate: GateResult) -> bool:
    """A failed attack gate whose members stand out by their distance, not their nearness."""
    return gate.gate == "max_mia_auc" and gate.value is not None and gate.value < 0.5


def _flipped(gate: str, value: float) -> str:
    if gate != "max_mia_auc" or value >= 0.5:
        return ""
    return (
        f", below 0.5: training rows stand out by lying farther from the synthetic rows than unseen rows, "
        f"and an attack that flips its score reaches {1.0 - value:.4g}"
    )


def _allowed(report: Report, gate: str, threshold: float) -> tuple[float, str]:
    """The bound a maximum gate holds its value to, and the words for it when it is not the threshold.

    The DCR share and the attack AUC are 0.5 for unseen real rows, give or take the noise of the
    rows measured; the excess of identical rows is 0, give or take the noise of the holdout's own
    share. A value chance alone reaches in 5% of draws does not fail. Why: through the pipeline,
    65% of 197 tables under 100 rows and 46% of 123 under 300 failed a privacy gate (a DCR share
    of 0.67 measured on 6 rows of each set, ±0.20 by chance alone), while on a table of uniform
    noise (randu, 80 holdout rows) unseen real rows themselves scored DCR shares of 0.36-0.57.
    """
    p = report.privacy
    if gate == "max_dcr_share" and p.sample_rows:
        chance = 0.5 + CHANCE_Z * reported_chance_spread(report.privacy)
    elif gate == "max_mia_auc" and p.sample_rows:
        chance = 0.5 + CHANCE_Z * auc_chance_spread(p.sample_rows, p.sample_rows * max(p.train_samples, 1))
    elif gate == "max_excess_identical_share" and p.identical_holdout_rows:
        chance = threshold + copies_noise(p.identical_share_holdout or 0.0, p.identical_holdout_rows)
    else:
        return threshold, ""
    if chance <= threshold:
        return threshold, ""
    return chance, f" or what chance alone reaches on so few rows ({chance:.3g})"


def _few_rows(report: Report, gate: str) -> str:
    """On a tiny holdout a distance gate decides by chance; the message says so, with the spread."""
    rows = report.privacy.sample_rows
    if gate not in DISTANCE_GATES or not 0 < rows < FEW_DISTANCE_ROWS:
        return ""
    spread = f", ±{reported_chance_spread(report.privacy):.2f} by chance alone" if gate == "max_dcr_share" else ""
    return f" (measured on {rows} holdout rows{spread})"


def with_gates(report: Report, gates: Gates) -> Report:
    """The report with every configured gate's outcome in it (so report.json/html show them)."""
    return report.model_copy(update={"gates": gate_results(report, gates)})


def raise_for_gates(report: Report, gates: Gates) -> None:
    """Raise :class:`~synthpipe.errors.GateFailed` naming each failed gate, value and threshold."""
    failures = check_gates(report, gates)
    if failures:
        detail = "; ".join(f.message for f in failures)
        raise GateFailed(
            f"the synthetic data failed {len(failures)} gate(s), nothing was published: {detail}",
            failures=[f.model_dump() for f in failures],
        )
