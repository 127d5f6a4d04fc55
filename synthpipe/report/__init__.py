"""Quality and privacy report for a synthetic set, and the gates checked against it.

report = evaluate(real=train, synthetic=syn, holdout=holdout)
report.to_json(); report.to_html()
failures = check_gates(report, Gates(min_quality=70))
"""

from synthpipe.report.evaluate import evaluate
from synthpipe.report.gates import Gates, check_gates, gate_results, raise_for_gates, with_gates
from synthpipe.report.model import GateResult, Grade, Report

__all__ = [
    "GateResult",
    "Gates",
    "Grade",
    "Report",
    "check_gates",
    "evaluate",
    "gate_results",
    "raise_for_gates",
    "with_gates",
]
