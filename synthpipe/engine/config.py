"""The engine's settings: one typed, validated object, documented where each field is declared.

Privacy protections are on by default; switching one off is explicit and shows in
``Synthesizer.describe()`` (and therefore in the report).
"""

from __future__ import annotations

import numbers
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from synthpipe.errors import ConfigError


class EngineConfig(BaseModel):
    """Every knob of :class:`~synthpipe.engine.Synthesizer`; the defaults are the tuned ``default``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(0, ge=0, description="seeds training and, unless overridden, sampling")
    max_training_rows: int = Field(
        100_000,
        ge=10,
        description="larger inputs are trained on a seeded sample of this many rows (of entities: runs of their rows)",
    )
    max_training_time: float | None = Field(
        None,
        gt=0,
        description=(
            "wall-clock seconds budget for fit(); training stops early to meet it, at an epoch the machine's speed "
            "decides, so two fits of one seed may differ (a fitted model samples the same either way; for fits "
            "identical run to run, bound max_epochs instead)"
        ),
    )
    max_epochs: int = Field(200, ge=1, description="upper bound on passes over the training rows")
    patience: int = Field(4, ge=1, description="epochs without validation improvement before early stopping")
    validation_share: float = Field(0.1, gt=0, lt=0.5, description="rows held out to stop training before it memorises")
    hidden_size: int = Field(0, ge=0, description="hidden units per column head; 0 = by data size")
    batch_size: int = Field(0, ge=0, description="rows per optimiser step; 0 = by data size")
    input_dropout: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="share of earlier columns hidden per training row (off: no DCR gain measured)",
    )
    learning_rate: float = Field(3e-3, gt=0, description="Adam step size")
    weight_decay: float = Field(
        1e-5,
        ge=0,
        description=(
            "decoupled weight decay: each step shrinks the weights by learning_rate x this (the default barely "
            "acts: 1e-5 to 1e-3 left booking's model unchanged; 1.0 traded 0.009 pair trends for 0.005 TSTR)"
        ),
    )
    max_bins: int = Field(32, ge=2, le=1024, description="quantile bins per numeric column (output)")
    input_bins: int = Field(
        0,
        ge=0,
        description="bins of earlier numeric columns the heads condition on; 0 = all (coarser lost: no DCR gain)",
    )
    within_bin_points: int = Field(
        16, ge=1, le=256, description="quantile knots kept per bin to decode values inside it"
    )
    fine_positions: int = Field(
        4,
        ge=0,
        le=16,
        description=(
            "a binned number's position inside its bin is learned as this many equal-share tokens right after "
            "it in the chain, so later columns depend on it (0: drawn independently; heavy tails lose their links)"
        ),
    )
    ordinal_trends: bool = Field(
        True,
        description=(
            "train each ordered column's bins with shared up/down directions as well as per bin, so monotone "
            "relations are learned from all rows at once (small tables otherwise come out with weakened links)"
        ),
    )
    copula_prior: bool = Field(
        True,
        description=(
            "on tables of fewer than 2,000 training rows, each ordered column's head starts from a Gaussian "
            "copula's conditional given the ordered columns before it (its mean shifted by the categories before "
            "it) and learns what differs (on a few hundred rows early stopping otherwise leaves the links between "
            "numbers weakened)"
        ),
    )
    max_categories: int = Field(
        5000,
        ge=2,
        description=(
            "most frequent categories kept per column; the rest are merged (bounds the model; at 1000, a column of "
            "5,246 genes lost 6.7% of its rows to the rare token although each gene was held by >= 5 rows)"
        ),
    )
    rare_category_min_count: int = Field(
        5, ge=1, description="categories held by fewer rows are merged into a rare token (privacy)"
    )
    generalise_rare_codes: bool = Field(
        True,
        description=(
            "rare codes (zips, phone numbers, ICD codes: values with digits) come back as the prefix that enough "
            "rows share, masked (021**), instead of all as the rare token"
        ),
    )
    write_prose: bool = Field(
        True,
        description=(
            "rare free text (comments, notes) is written anew from the words and word pairs enough rows share, "
            "instead of all as the rare token"
        ),
    )
    rare_token: str = Field("_RARE_", description="what a merged rare category is emitted as")
    clip_quantile: float = Field(
        0.001,
        ge=0,
        lt=0.5,
        description="numeric/date extremes are clipped to this quantile (privacy)",
    )
    clip_min_count: int = Field(5, ge=0, description="and at least this many rows lie beyond each clip point (privacy)")
    calibrate_marginals: bool = Field(
        True,
        description=(
            "after training, rake the output biases of each column whose sampled marginal drifts beyond sampling "
            "noise from its training marginal (small wide tables: rare positives came back at 40% of their rate)"
        ),
    )
    refit_output_biases: bool = Field(
        True,
        description="after early stopping, finish fitting the output biases on the training rows' contexts",
    )
    detect_identifiers: bool = Field(True, description="regenerate unique key columns, never learn them")
    pseudonymise_keys: bool = Field(
        True,
        description=(
            "key columns whose values repeat (customer_id in an orders table) are learned on fresh keys of the same "
            "format, so no real key is emitted (off: real keys held by enough rows come back, e.g. to join a dimension)"
        ),
    )
    learn_entities: bool = Field(
        True,
        description=(
            "a repeated key named like one (user_id in a sessions query) is sampled as entities: each fresh key gets a "
            "learned number of rows and one value of every column constant within an entity (off: the key is a "
            "category of pseudonyms; a sessions table came back with a median of 1 session per user against 33)"
        ),
    )
    detect_constraints: bool = Field(
        True,
        description=(
            "find relations (a <= b or a < b, sums, one column determining another, two columns never equal) "
            "that hold in every row; keep them"
        ),
    )
    learn_offsets: bool = Field(
        True,
        description=(
            "a date or timestamp that closely follows an earlier one (shipped 0-5 days after ordered) is learned as "
            "the offset from it; binned on its own, 12% of synthetic orders shipped before they were ordered"
        ),
    )
    keep_calendars: bool = Field(
        True,
        description=(
            "a date or timestamp unique in every row on a regular grid it mostly fills (a daily KPI table's day) "
            "comes back with a distinct grid point per row, the other columns drawn given it; learned as any date, "
            "a 1,585-day table came back with 291 days twice"
        ),
    )
    constraint_min_rows: int = Field(20, ge=1, description="rows needed to trust a detected relation")

    @field_validator("seed", mode="before")
    @classmethod
    def _seed_is_a_whole_number(cls, value: Any) -> Any:
        """Why: ``Synthesizer(seed="1")``, ``seed=1.0`` and ``seed=True`` were all seed 1 without a
        word, where ``sample(seed=3.7)`` is refused; numpy integers are whole numbers."""
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            context = {"value": repr(value), "kind": type(value).__name__}
            raise PydanticCustomError("whole_number", "must be a whole number (an int), got {value} ({kind})", context)
        return int(value)


def make_config(seed: int, settings: dict[str, Any]) -> EngineConfig:
    """Build and validate the config, turning pydantic's error into an actionable ConfigError."""
    try:
        return EngineConfig(seed=seed, **settings)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        valid = ", ".join(sorted(EngineConfig.model_fields))
        raise ConfigError(
            f"invalid Synthesizer settings ({problems}); valid settings: {valid}",
            problems=problems,
        ) from None
