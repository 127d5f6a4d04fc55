"""Rows per entity behind a repeated key, real next to synthetic (a user's sessions).

Why: the column and pair scores compare rows, so a table whose users each came back with one
session scored as well as one whose users keep their 33; a reader of a sessions table asks first
how many users there are and how many sessions each has. Shown when the engine's description
names entities; not part of the quality score (it is one draw of the users, as the real one is).
What the engine says it kept of each entity (a number's level, a favourite category, values held
once, dates close together and in order) is measured on both tables the same way, so a reader
sees whether the synthetic users keep it, not only that the engine meant them to.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.entities import ENTITY_TOTALS, entity_codes, unit_parts
from synthpipe.report.model import Entities, EntitySide, EntityTrait


def described_entities(protections: dict[str, Any], *tables: pd.DataFrame) -> tuple[str, list[str]] | None:
    """The key and shared columns the engine's description (``protections["engine"]``) names,
    when every table has them."""
    described = (protections.get("engine") or {}).get("entities")
    if not described:
        return None
    key, shared = str(described["key"]), [str(c) for c in described.get("shared_columns", [])]
    if any(name not in table.columns for table in tables for name in [key, *shared]):
        return None
    return key, shared


def entity_rows(table: pd.DataFrame, key: str, shared: list[str]) -> pd.DataFrame:
    """One row per entity: its shared columns (first row's values) and its row count, named
    ``<key> rows`` (not ``rows per <key>``: a name ending in the key's reads as a key, and the
    count was left out of the per-entity distances and ML utility as one). A null-key row (a
    guest's event) is an entity of its own, as the train/holdout split and the engine take it."""
    groups = table.groupby(entity_codes(table[key])[0], sort=False)
    out = groups[shared].first().reset_index(drop=True)
    count = f"{key} rows"
    while count in shared:
        count = f"_{count}"
    out[count] = groups.size().to_numpy(dtype="int64")
    return out


def entity_structure(real: pd.DataFrame, synthetic: pd.DataFrame, protections: dict[str, Any]) -> Entities | None:
    """The comparison, when the engine's description (``protections["engine"]``) names entities
    whose key and shared columns are in both tables."""
    named = described_entities(protections, real, synthetic)
    if named is None:
        return None
    key, shared = named
    described = (protections.get("engine") or {}).get("entities") or {}
    return Entities(
        key=key,
        shared_columns=shared,
        real=_side(real, key, shared),
        synthetic=_side(synthetic, key, shared),
        traits=[trait for trait in _traits(described, key, real, synthetic) if trait is not None],
    )


def _traits(
    described: dict[str, Any], key: str, real: pd.DataFrame, synthetic: pd.DataFrame
) -> list[EntityTrait | None]:
    """What the engine's description says it kept of each entity, measured on both tables:
    a number's level (``entity_means``) and rise (``rising``), a category's favourite
    (``entity_modes``) and stages (``stages``), a date's closeness (``first_dates``) and pace
    (``date_steps``), values held once (``schedules``), a sequence's clock, a number that moves
    with the calendar (``trends``), a number that walks from row to row (``walks``) or drifts
    along its entity's rows in a line of the entity's own (``drifts``); where the real key has
    nulls, the share of rows of no entity (a guest's events), which the entity counts leave out.
    The rows' numbers the engine gave a date (``row_ranks``) are given both tables the same way."""
    for rank, dated in described.get("row_ranks", {}).items():
        real, synthetic = (_with_rank(t, key, rank, dated) for t in (real, synthetic))

    def both(
        column: str, measure: str, how: Callable[[pd.DataFrame], float | None], share: bool = True
    ) -> EntityTrait | None:
        if any(name not in t.columns for t in (real, synthetic) for name in (key, *column.split(" along "))):
            return None
        return EntityTrait(column=column, measure=measure, real=how(real), synthetic=how(synthetic), share=share)

    guests = real[key].isna().any()
    return [
        both(key, f"rows with no {key}", partial(_null_share, column=key)) if guests else None,
        *(
            both(c, f"share of its variance between {key} values", partial(_between_share, key=key, column=c))
            for c in described.get("entity_means", {})
        ),
        *(
            both(c, f"rows holding their {key}'s most frequent value", partial(_mode_share, key=key, column=c))
            for c in described.get("entity_modes", {})
        ),
        *(
            both(
                c,
                f"days from first to last, per {key} of 2+ rows (median)",
                partial(_span_days, key=key, column=c),
                False,
            )
            for c in described.get("first_dates", {})
        ),
        *(
            both(
                c,
                f"days between consecutive rows, mean per {key} of 2+ rows (90th percentile)",
                partial(_pace_days, key=key, column=c),
                False,
            )
            for c in described.get("date_steps", {})
        ),
        *(
            both(c, f"rows repeating their {key}'s value", partial(_repeat_share, key=key, column=c))
            for c in described.get("schedules", [])
        ),
        *(
            both(
                f"{s} along {t}",
                f"{key} values whose {t} never goes back along {s}",
                partial(_in_order, key=key, sequence=s, clock=t),
            )
            for s, t in described.get("sequence_clocks", {}).items()
        ),
        *(
            both(
                f"{c} along {order}",
                f"{key} values whose {c} never goes back to a stage it left ({', '.join(stages)})",
                partial(_in_stage_order, key=key, sequence=order, column=c, stages=stages),
            )
            for c, stages in described.get("stages", {}).items()
            if (order := next(iter(described.get("sequence_columns", {})), None)) is not None
        ),
        *(
            both(
                f"{c} along {o}",
                f"{key} values whose {c} never goes down along {o}",
                partial(_in_order, key=key, sequence=o, clock=c),
            )
            for c, o in described.get("rising", {}).items()
        ),
        *(
            both(
                f"{x} along {t}",
                f"{key} values of 2+ rows whose {x} moves in step with {t}",
                partial(_in_step, key=key, moved=x, clock=t, unit=described.get("trend_units", {}).get(x)),
            )
            for x, t in described.get("trends", {}).items()
        ),
        *(
            both(
                f"{x} along {o}",
                "median change from the previous row, as a share of its standard deviation",
                partial(_step_share, key=key, column=x, order=o),
            )
            for x, o in described.get("walks", {}).items()
        ),
        *(
            both(
                f"{x} along {o}",
                f"share of its variance within {key} values that each one's own line along {o} explains",
                partial(_line_share, key=key, column=x, order=o),
            )
            for x, o in described.get("drifts", {}).items()
        ),
        *(
            both(
                column,
                f"steps from one row of a {key} to its next that skip {what}",
                partial(_skip_share, key=key, column=column, unit=unit),
            )
            for column, unit, what in _skipping(described)
        ),
        *_total_traits(described.get("entity_totals", {}), key, both),
        *_session_traits(described.get("sessions"), key, both),
    ]


def _total_traits(
    totals: dict[str, str], key: str, both: Callable[..., EntityTrait | None]
) -> list[EntityTrait | None]:
    """Each column the engine rebuilds as an aggregate of another over an entity's (or a
    session's) rows (``totals``: ``{"order_total": "sum(line_total)"}``): the share of entities
    whose value is it, on both tables."""
    out: list[EntityTrait | None] = []
    for column, rule in totals.items():
        how, _, source = rule.rstrip(")").partition("(")
        measure = f"{key} values whose {column} is the {how} of their {source}"
        out.append(both(column, measure, partial(_total_share, key=key, column=column, source=source, how=how)))
    return out


def _null_share(table: pd.DataFrame, column: str) -> float | None:
    """The share of rows whose ``column`` is null."""
    return float(table[column].isna().mean()) if len(table) else None


def _total_share(table: pd.DataFrame, key: str, column: str, source: str, how: str) -> float | None:
    """The share of ``key`` values whose ``column`` (their first row's) is ``how`` (``ENTITY_TOTALS``)
    of ``source`` over their rows, nulls skipped."""
    if not len(table) or how not in ENTITY_TOTALS or not {column, source} <= set(table.columns):
        return None
    values = pd.DataFrame(
        {
            "k": table[key].to_numpy(),
            "v": pd.to_numeric(table[column], errors="coerce").to_numpy(dtype="float64"),
            "s": pd.to_numeric(table[source], errors="coerce").to_numpy(dtype="float64"),
        }
    ).dropna(subset=["k"])
    groups = values.groupby("k")["s"]
    total = groups.sum(min_count=1) if how == "sum" else groups.agg(ENTITY_TOTALS[how])
    held = values.groupby("k")["v"].first()
    return float(np.isclose(held, total, rtol=1e-6, atol=0.0, equal_nan=True).mean()) if len(held) else None


def _session_traits(
    sessions: dict[str, Any] | None, key: str, both: Callable[..., EntityTrait | None]
) -> list[EntityTrait | None]:
    """What the engine kept of the sessions within each entity (``sessions``: a ``session_id``
    under its ``user_id``): how many each entity has, how many rows each holds, that each is one
    entity's, and the columns each keeps to one value (its dates that step only between sessions
    too). Not whether a column rises along a session's rows: the real rows reach the report in
    the holdout split's order, not the query's (a run's real ``ts`` went down in 12% of sessions)."""
    if not sessions:
        return []
    inner = str(sessions["key"])
    per_entity = partial(_distinct_per, key=key, column=inner)
    return [
        both(inner, f"{inner} values per {key} (mean)", per_entity, False),
        both(inner, f"rows per {inner} (mean)", partial(_rows_per, key=inner), False),
        both(inner, f"{inner} values of one {key}", partial(_one_value_share, key=inner, column=key)),
        *(
            both(c, f"{inner} values holding one {c}", partial(_one_value_share, key=inner, column=c))
            for c in [*sessions.get("shared_columns", []), *sessions.get("still_dates", [])]
        ),
        *_total_traits(sessions.get("totals", {}), inner, both),
    ]


def _distinct_per(table: pd.DataFrame, key: str, column: str) -> float | None:
    return float(table.groupby(key)[column].nunique().mean()) if len(table) else None


def _rows_per(table: pd.DataFrame, key: str) -> float | None:
    return float(table.groupby(key).size().mean()) if len(table) else None


def _one_value_share(table: pd.DataFrame, key: str, column: str) -> float | None:
    return float((table.groupby(key)[column].nunique(dropna=False) == 1).mean()) if len(table) else None


def _skipping(described: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """The sequences that skip numbers (``sequence_gaps``): the column, or for the rows' numbers
    the engine gave a date, the date in its unit, and what a skip skips."""
    out = []
    for name in described.get("sequence_gaps", {}):
        dated = described.get("row_ranks", {}).get(name)
        unit = None if dated is None else described.get("trend_units", {}).get(dated)
        what = "a number" if unit is None else f"a step of {unit}"
        out.append((name if dated is None else dated, unit, what))
    return out


def _skip_share(table: pd.DataFrame, key: str, column: str, unit: str | None) -> float | None:
    """How many steps between an entity's consecutive values (in order) are more than one (a
    tenure 3 after 1), or more than one of the date's steps (``unit``: a month after a missing one)."""
    rows = _several(table, key)
    count, base = unit_parts(unit) if unit else (1, None)
    ordered = pd.DataFrame({"k": rows[key], "v": _in_units(rows[column], base)}).sort_values(["k", "v"])
    steps = ordered["v"].groupby(ordered["k"]).diff().dropna()
    return float((steps > count).mean()) if len(steps) else None


def _with_rank(table: pd.DataFrame, key: str, rank: str, dated: str) -> pd.DataFrame:
    """``table`` with each entity's rows numbered 1, 2, ... in the order of ``dated``."""
    if rank in table.columns or not {key, dated} <= set(table.columns):
        return table
    dates = pd.to_datetime(table[dated], errors="coerce")
    return table.assign(**{rank: dates.groupby(table[key]).rank(method="first")})


def _between_share(table: pd.DataFrame, key: str, column: str) -> float | None:
    values = pd.to_numeric(table[column], errors="coerce")
    total = float(values.var())
    return float(values.groupby(table[key]).transform("mean").var() / total) if total > 0 else None


def _several(table: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of entities with two rows or more."""
    return table[table.groupby(key)[key].transform("size") >= 2]


def _mode_share(table: pd.DataFrame, key: str, column: str) -> float | None:
    rows = _several(table, key)
    counts = rows.groupby([key, column], dropna=False).size()
    return float(counts.groupby(level=0).max().sum() / len(rows)) if len(rows) else None


def _span_days(table: pd.DataFrame, key: str, column: str) -> float | None:
    rows = _several(table, key)
    times = pd.to_datetime(rows[column], errors="coerce", utc=True).groupby(rows[key])
    spans = (times.max() - times.min()).dt.total_seconds() / 86_400
    return float(spans.median()) if spans.notna().any() else None


def _pace_days(table: pd.DataFrame, key: str, column: str) -> float | None:
    """How far apart the entities that keep their rows furthest apart keep them: a customer who
    orders every two weeks next to the weekly ones (``date_steps``: each entity's pace is learned)."""
    rows = _several(table, key)
    times = pd.to_datetime(rows[column], errors="coerce", utc=True).groupby(rows[key])
    paces = (times.max() - times.min()).dt.total_seconds() / 86_400 / (times.count() - 1).clip(lower=1)
    return float(paces.quantile(0.9)) if paces.notna().any() else None


def _repeat_share(table: pd.DataFrame, key: str, column: str) -> float | None:
    held = table[table[column].notna()]
    return float(held.duplicated([key, column]).mean()) if len(held) else None


def _in_stage_order(table: pd.DataFrame, key: str, sequence: str, column: str, stages: list[str]) -> float | None:
    """``_in_order`` of a category's place in ``stages`` (its values, as strings, in the order
    entities move through them; ``stages``)."""
    place = table[column].astype(str).map({value: i for i, value in enumerate(stages)})
    return _in_order(table.assign(**{column: place}), key, sequence, column)


def _in_order(table: pd.DataFrame, key: str, sequence: str, clock: str) -> float | None:
    rows = _several(table, key).dropna(subset=[clock]).sort_values([key, sequence], kind="stable")
    if not len(rows):
        return None
    ticks = (
        pd.to_numeric(pd.to_datetime(rows[clock], errors="coerce", utc=True), errors="coerce")
        if not pd.api.types.is_numeric_dtype(rows[clock])
        else rows[clock]
    )
    backwards = ticks.groupby(rows[key]).diff() < 0
    return float(1 - backwards.groupby(rows[key]).any().mean())


def _in_step(table: pd.DataFrame, key: str, moved: str, clock: str, unit: str | None = None) -> float | None:
    """``unit``: what a step of the clock moves a date by: months, days or seconds, after a whole
    number of them or not (``"3 months"``; see the engine's ``entities.trend_units``)."""
    rows = _several(table, key)
    count, base = unit_parts(unit) if unit else (1, None)
    gaps = _in_units(rows[moved], base) - count * pd.to_numeric(rows[clock], errors="coerce")
    return float((gaps.groupby(rows[key]).nunique() == 1).mean()) if len(rows) else None


def _in_units(values: pd.Series, unit: str | None) -> pd.Series:
    """Numbers as they are; dates as months, days or seconds since 1970."""
    if unit is None:
        return pd.to_numeric(values, errors="coerce")
    stamps = pd.to_datetime(values, errors="coerce")
    since = stamps - pd.Timestamp("1970-01-01", tz=stamps.dt.tz)
    if unit == "seconds":
        return since.dt.total_seconds()
    if unit == "days":
        return since.dt.days
    return stamps.dt.year * 12 + stamps.dt.month


def _step_share(table: pd.DataFrame, key: str, column: str, order: str) -> float | None:
    """How far a number moves from one row of an entity to the next (a balance month by month)."""
    rows = _several(table, key).sort_values([key, order], kind="stable")
    values = pd.to_numeric(rows[column], errors="coerce")
    steps = values.groupby(rows[key]).diff().abs().dropna()
    spread = float(values.std())
    return float(steps.median() / spread) if len(steps) and spread > 0 else None


def _line_share(table: pd.DataFrame, key: str, column: str, order: str) -> float | None:
    """How much of a number's variance within entities of 3+ rows each entity's own straight line
    along its rows explains (a store growing over the year: high; scattered about its level: ~1 /
    its rows)."""
    rows = _several(table, key).sort_values([key, order], kind="stable")
    values = pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype="float64")
    place = rows.groupby(key, sort=False).cumcount().to_numpy(dtype="float64")
    frame = pd.DataFrame({"k": rows[key].to_numpy(), "x": place, "y": values}).dropna()
    frame = frame[frame.groupby("k")["y"].transform("size") >= 3]
    if frame.empty:
        return None
    dx = frame["x"] - frame.groupby("k")["x"].transform("mean")
    dy = frame["y"] - frame.groupby("k")["y"].transform("mean")
    sums = pd.DataFrame({"xx": dx * dx, "xy": dx * dy, "yy": dy * dy}).groupby(frame["k"].to_numpy()).sum()
    total = float(sums["yy"].sum())
    explained = float((sums["xy"] ** 2 / sums["xx"].where(sums["xx"] > 0)).fillna(0.0).sum())
    return explained / total if total > 0 else None


def _side(table: pd.DataFrame, key: str, shared: list[str]) -> EntitySide:
    """The entities' count and sizes; the null-key rows are no entity's (all of them one "user"
    of 2,000 events set the 99th percentile of rows per user)."""
    groups = table.groupby(key, sort=False)
    sizes = groups.size().to_numpy(dtype=float)
    if not sizes.size:
        return EntitySide(entities=0, rows_median=0.0, rows_p90=0.0, rows_max_shown=0.0, consistent_share=None)
    consistent = None
    if shared:
        several = sizes >= 2
        one_value = (groups[shared].nunique(dropna=False) <= 1).all(axis=1).to_numpy()
        consistent = float(one_value[several].mean()) if several.any() else None
    return EntitySide(
        entities=int(sizes.size),
        rows_median=float(np.median(sizes)),
        rows_p90=float(np.quantile(sizes, 0.9)),
        rows_max_shown=float(np.quantile(sizes, 0.99)),
        consistent_share=consistent,
    )
