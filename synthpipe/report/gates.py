"""Gates: the thresholds a synthetic set must pass before the pipeline publishes it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Gates(BaseModel):
    """Thresholds checked against the report; ``None`` switches a gate off."""

    model_config = ConfigDict(extra="forbid")

    min_quality: float | None = Field(50.0, ge=0, le=100, description="overall quality score 0-100")
    max_dcr_share: float | None = Field(
        0.6, ge=0, le=1, description="share of synthetic rows nearer to train than to holdout (0.5 ideal)"
    )
    max_identical_share: float | None = Field(
        None, ge=0, le=1, description="share of synthetic rows identical to a training row"
    )
    max_mia_auc: float | None = Field(
        0.6, ge=0, le=1, description="AUC of a distance-based membership-inference attack (0.5 ideal)"
    )
