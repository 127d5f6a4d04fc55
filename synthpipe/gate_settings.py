"""The gates' thresholds, a settings model apart from the report code that checks them.

Why a module of its own: a DAG's trigger form checks a run's ``gates`` against this model's JSON
schema when the DAG file is parsed, and ``synthpipe.report`` imports pandas and the evaluation code,
which DAG processors must not load every few seconds.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Gates(BaseModel):
    """Thresholds checked against the report; ``None`` switches a gate off. The privacy maximums
    (DCR share, attack AUC, excess identical share) fail on evidence: a value measured on so few
    rows that chance alone reaches it one time in 20 passes (``synthpipe.report.gates._allowed``),
    and the message says so."""

    model_config = ConfigDict(extra="forbid")

    min_quality: float | None = Field(default=50.0, ge=0, le=100, description="overall quality score 0-100")
    max_dcr_share: float | None = Field(
        default=0.6,
        ge=0,
        le=1,
        description="share of synthetic rows nearer to train than to holdout (0.5 ideal)",
    )
    max_identical_share: float | None = Field(
        default=None, ge=0, le=1, description="share of synthetic rows identical to a training row"
    )
    max_mia_auc: float | None = Field(
        default=0.6,
        ge=0,
        le=1,
        description="AUC of a distance-based membership-inference attack (0.5 ideal), held either way of 0.5",
    )
    max_excess_identical_share: float | None = Field(
        default=0.01,
        ge=0,
        le=1,
        description="identical share minus the holdout's own (real duplicates are not leaks)",
    )
    min_privacy: float | None = Field(default=None, ge=0, le=100, description="privacy score 0-100")
    max_rare_categories: int | None = Field(default=None, ge=0, description="rare real categories emitted verbatim")
    max_constraint_violations: float | None = Field(
        default=None, ge=0, le=1, description="share of rows breaking a rule every real row obeys"
    )
