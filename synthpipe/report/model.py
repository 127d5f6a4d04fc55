"""The report's data model: what ``report.json`` contains, field by field.

The JSON schema generated from these models is committed as ``templates/report.schema.json`` and a
test keeps the two in step, so adding a field is a deliberate, reviewed change. Scores are in
[0, 1] except the two headline scores (0-100); ``None`` means "not computable for this data" and
the matching ``note`` says why.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.12"


class Grade(StrEnum):
    """Verbal grade of a 0-100 score (thresholds in :func:`grade_for`)."""

    EXCELLENT = "Excellent"
    GOOD = "Good"
    MODERATE = "Moderate"
    POOR = "Poor"
    VERY_POOR = "Very poor"
    NOT_MEASURED = "Not measured"


GRADE_THRESHOLDS: tuple[tuple[float, Grade], ...] = (
    (90.0, Grade.EXCELLENT),
    (80.0, Grade.GOOD),
    (65.0, Grade.MODERATE),
    (50.0, Grade.POOR),
)


def grade_for(score: float | None) -> Grade:
    """Excellent ≥ 90, Good ≥ 80, Moderate ≥ 65, Poor ≥ 50, else Very poor; no score, not measured."""
    if score is None:
        return Grade.NOT_MEASURED
    for threshold, grade in GRADE_THRESHOLDS:
        if score >= threshold:
            return grade
    return Grade.VERY_POOR


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Distribution(_Model):
    """Binned frequencies of one column, the data behind its plot."""

    labels: list[str] = Field(description="bin or category labels, in display order")
    real: list[float] = Field(description="share of real rows per label")
    synthetic: list[float] = Field(description="share of synthetic rows per label")


class ColumnResult(_Model):
    """Distribution similarity of one column."""

    name: str
    kind: str = Field(
        description="numeric, datetime, categorical, text, identifier, constant, empty (all null) or infinite "
        "(only ±inf and null: compared as the shares of +inf, -inf, null and other values; schema 1.11)"
    )
    score: float | None = Field(
        description="KS complement (numbers, dates), TV complement (categories) or, for free text, the mean of "
        "the KS complement of its lengths in words and the TV complement of its word shares"
    )
    metric: Literal["ks_complement", "tv_complement", "text_complement"] | None
    null_share_real: float
    null_share_synthetic: float
    distribution: Distribution | None = None
    note: str | None = Field(None, description="why a column is not compared, if it is not")


class PairResult(_Model):
    """Dependency similarity of one column pair."""

    columns: tuple[str, str]
    metric: Literal["correlation", "contingency"]
    score: float | None = Field(description="1 - |r_real - r_syn| / 2, or 1 - TV of the tables")
    real: float | None = Field(description="Pearson r (correlation) or Cramér's V (contingency)")
    synthetic: float | None
    counted: bool = Field(description="the real pair is associated (|r| > 0.5 or V > 0.3), so it enters the score")


def averaged_pairs(pairs: list[PairResult]) -> list[PairResult]:
    """The scored pairs the pair score averages (the clearly related ones, or all when none is),
    least faithful first: the relations a reader looks at first (the HTML table, the heatmap's
    columns of a wide table)."""
    scored = [p for p in pairs if p.score is not None]
    return sorted([p for p in scored if p.counted] or scored, key=lambda p: p.score or 0.0)


class Heatmap(_Model):
    """Association matrices (|Pearson r| or Cramér's V) of the real and synthetic data."""

    columns: list[str] = Field(
        description="the compared columns in table order; of more than 40, the 40 the least faithful pairs "
        "hold (every pair of them measured, sampled pairs or not: schema 1.10)"
    )
    real: list[list[float | None]]
    synthetic: list[list[float | None]]


class DeepStructure(_Model):
    """Similarity of the data projected on the real data's principal components."""

    score: float | None
    components: int
    explained_variance: list[float] = Field(description="share of real variance per component")
    note: str | None = None


class Utility(_Model):
    """Train on synthetic, test on real holdout (TSTR) against train on real (TRTR)."""

    score: float | None = Field(description="TSTR relative to TRTR, above chance level, in [0, 1]")
    target: str | None
    task: Literal["binary", "multiclass", "regression"] | None = None
    metric: Literal["auc", "accuracy", "r2"] | None = None
    tstr: float | None = None
    trtr: float | None = None
    target_chosen: Literal["given", "auto"] | None = None
    note: str | None = None


class Constraint(_Model):
    """An inequality ``left <= right`` that holds in every real row."""

    left: str
    right: str
    violation_share: float = Field(description="share of synthetic rows with left > right")


class Constraints(_Model):
    """Logical constraints learned from the real data and their violations."""

    score: float | None = Field(description="1 - share of synthetic rows breaking any constraint")
    violating_row_share: float | None
    checked: list[Constraint]


class EntitySide(_Model):
    """The entities of one table (real or synthetic): how many, and how many rows each holds."""

    entities: int
    rows_median: float
    rows_p90: float
    rows_max_shown: float = Field(description="99th percentile of rows per entity (the maximum identifies one)")
    consistent_share: float | None = Field(
        description="entities (2+ rows) with one value of every shared column; None: no shared column"
    )


class EntityTrait(_Model):
    """Something each entity keeps in the real rows (a worker's wage level, a household's brand),
    measured the same way on both tables."""

    column: str
    measure: str = Field(description="what is measured, in words")
    real: float | None
    synthetic: float | None
    share: bool = Field(description="the values are shares (shown as percentages), else numbers")


class Entities(_Model):
    """A repeated key the engine sampled as entities (a user's sessions): their sizes compared,
    and what the engine kept of each entity's rows."""

    key: str
    shared_columns: list[str]
    real: EntitySide
    synthetic: EntitySide
    traits: list[EntityTrait] = Field(default_factory=list)


class Quality(_Model):
    """How faithful the synthetic data is."""

    score: float | None = Field(
        description=(
            "overall quality 0-100: weighted mean of the components; null when none is measured (every "
            "column a key, regenerated rather than learned: nothing to compare)"
        )
    )
    grade: Grade
    column_shapes: float | None
    column_pair_trends: float | None = Field(
        description="mean pair score over the associated pairs (all pairs when none is)"
    )
    pairs_counted: int = Field(description="pairs associated in the real data, in the pair score")
    deep_structure: float | None
    ml_utility: float | None
    logical_constraints: float | None
    weights: dict[str, float] = Field(description="component weights (renormalised over present)")
    columns: list[ColumnResult]
    pairs: list[PairResult]
    heatmap: Heatmap
    structure: DeepStructure
    utility: Utility
    constraints: Constraints
    entities: Entities | None = Field(
        None, description="rows per entity behind a repeated key (when the engine sampled entities); not scored"
    )


class RareCategory(_Model):
    """A column whose rare real categories appear verbatim in the synthetic data."""

    column: str
    emitted: int = Field(description="rare real categories (< k holders) found in synthetic")
    rare_in_real: int


class DistanceQuantiles(_Model):
    """Percentiles 0, 5, ..., 100 of nearest-record distances, the data behind the DCR plot."""

    synthetic_to_train: list[float]
    synthetic_to_holdout: list[float]
    holdout_to_train: list[float]


class Privacy(_Model):
    """How much the synthetic data reveals about the training rows."""

    score: float | None = Field(
        description="0-100; the weakest of the DCR, MIA and copy components; null when no column is compared "
        "(every column a key, constant or empty: schema 1.9)"
    )
    grade: Grade
    dcr_share: float | None = Field(description="share of synthetic rows nearer to train (0.5 ideal)")
    dcr_train_median: float | None = Field(description="median distance synthetic → train")
    dcr_holdout_median: float | None = Field(description="median distance synthetic → holdout")
    holdout_dcr_median: float | None = Field(description="median distance holdout → train")
    identical_share: float | None = Field(
        description="share of synthetic rows equal to a training row; null when no column is compared"
    )
    identical_share_holdout: float | None = Field(description="same for holdout rows (baseline)")
    identical_holdout_rows: int | None = Field(
        None,
        description="holdout rows the baseline was counted on (with entities: as many independent rows as their noise)",
    )
    nndr_synthetic: float | None = Field(description="median nearest/second-nearest ratio to train")
    nndr_holdout: float | None = Field(description="same for holdout rows (baseline)")
    mia_auc: float | None = Field(description="distance-based membership inference AUC (0.5 ideal)")
    dcr_share_entities: float | None = Field(
        None,
        description=(
            "with entities (a user's rows): share of synthetic entities nearer to training entities, "
            "each one row of its own columns and row count (0.5 ideal)"
        ),
    )
    entity_sample: int | None = Field(None, description="entities per set used for dcr_share_entities")
    rare_categories_emitted: int
    rare_category_threshold: int
    rare_categories: list[RareCategory]
    distances: DistanceQuantiles | None = None
    sample_rows: int = Field(
        description="holdout rows, and training rows per training sample, the distance metrics compare"
    )
    train_samples: int = Field(
        0,
        description="disjoint training samples the DCR share is averaged over; the attack's members are all their rows",
    )
    synthetic_rows_compared: int = Field(0, description="synthetic rows the DCR share judges")
    protections: dict[str, Any] = Field(description="engine and filter protections that were on")
    note: str | None = None

    def copies_beyond_chance(self) -> float | None:
        """The identical share above the holdout's own by more than chance (``copies_beyond_chance``)."""
        if self.identical_share is None:
            return None
        return copies_beyond_chance(self.identical_share, self.identical_share_holdout, self.identical_holdout_rows)


CHANCE_Z = 1.645  # one-sided 95%: what chance alone reaches one time in 20


def copies_noise(baseline: float, rows: int | None) -> float:
    """How far above a baseline share of identical rows, measured on ``rows`` rows, chance alone
    reaches one time in 20 (``CHANCE_Z`` standard errors of a share)."""
    return CHANCE_Z * (baseline * (1 - baseline) / rows) ** 0.5 if rows else 0.0


def copies_beyond_chance(share: float, baseline: float | None, baseline_rows: int | None) -> float:
    """``share`` above the ``baseline`` share of identical rows by more than the baseline's
    sampling noise (one-sided 95%: 1.645 standard errors of a share of ``baseline_rows`` rows).

    Why: a 6,000-order table's synthetic rows held 9.15% copies of training rows, its 1,200
    holdout rows 8.55% (+-0.8%): the privacy grade fell to Good on a difference chance makes."""
    base = baseline or 0.0
    return max(0.0, share - base - copies_noise(base, baseline_rows))


class Sampling(_Model):
    """Input sizes and the subsamples the metrics used."""

    rows_real: int
    rows_synthetic: int
    rows_holdout: int
    columns: int
    max_rows: int | None
    subsampled: bool
    notes: list[str]


class GateResult(_Model):
    """One configured gate: which, the measured value, the threshold and whether it passed."""

    gate: str
    value: float | None
    threshold: float
    message: str
    passed: bool = Field(False, description="False for a failed gate; a value that was not measured passes")


class Report(_Model):
    """The quality and privacy report of one synthetic set; ``report.json`` is its dump."""

    schema_version: str = SCHEMA_VERSION
    created_at: str = Field(description="UTC timestamp, ISO 8601")
    seconds: float = Field(description="wall time of the evaluation")
    seed: int
    quality: Quality
    privacy: Privacy
    sampling: Sampling
    warnings: list[str] = Field(default_factory=list)
    gates: list[GateResult] = Field(
        default_factory=list,
        description="every configured gate with its outcome (empty when the report was not gated)",
    )

    def to_json(self) -> str:
        """The report as indented JSON, matching ``templates/report.schema.json``."""
        return self.model_dump_json(indent=2)

    def to_html(self) -> str:
        """One self-contained HTML page (inline CSS and SVG; opens offline)."""
        from synthpipe.report.html import render_html

        return render_html(self)


def report_json_schema() -> dict[str, Any]:
    """The JSON schema of ``report.json`` (committed as ``templates/report.schema.json``)."""
    schema = Report.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://synthpipe.dev/schemas/report-{SCHEMA_VERSION}.json"
    return schema


if __name__ == "__main__":  # regenerate the committed schema after a deliberate change
    import json
    from pathlib import Path

    target = Path(__file__).with_name("templates") / "report.schema.json"
    target.write_text(json.dumps(report_json_schema(), indent=2, sort_keys=True) + "\n")
