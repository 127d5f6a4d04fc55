"""Which columns the privacy filters reshaped: the generated rows (every round, before filtering)
against the rows kept, per column, on a few shares counted chunk by chunk.

Why: the filters drop the rows the model gets wrong, and where it gets one kind of row wrong they
drop that kind. A users table whose model made booked users unlike any real one (PostgreSQL query
walk, q09) lost 1,067 of 4,204 generated rows to the outlier filter, nearly all booked users, and
published 24% of its users with a first booking where the real rows and the generated ones had 41%;
nothing said so. The filters stay as they are (never is a dropped row kept): this only says it.

Counted per column the filters compare (keys are regenerated, not compared), as counts that add up
across chunks and shards (:func:`merge_shift`):

- the null share (an infinity counts as null, as in the report);
- among the non-null values: for categories, the share of each of the ``TRACKED_CATEGORIES`` real
  categories most training rows hold (of those ``SHOWN_MIN_ROWS`` rows hold, so the report may name
  them) and of all others together; for numbers and datetimes, the share in each quarter of the
  training values. Quarters, not a mean: dropping a few far outliers moves a mean by their distance,
  but no quarter.

A statistic has moved when the kept share is ``SHIFT_MIN`` or more off the generated one and
``SHIFT_Z`` or more standard errors off, the spread of the share of rows drawn at random, as many as
were kept, from the generated ones (a filter that drops rows of every kind alike). Chosen from what
ordinary runs look like: in the demo (3 of 12,556 rows dropped) no share moved by 0.001; in the 14
queries of the PostgreSQL walk, besides q09 (0.57 -> 0.76, 39 standard errors) and a monthly running
total that lost 133 of 260 rows (0.24 -> 0.10, 4.7), the tables of 1,800 rows or more moved 0.029 at
most (a session table that lost 4,099 of 13,707 rows as near copies: a true but slight lean, at 11.7
standard errors, hence the share), and those of a few hundred rows up to 0.14 at 3.6 standard errors
or fewer (noise: too few rows to tell, hence the standard errors). About 300 statistics of a wide
table pass 4 standard errors by chance once in 50 runs.

Only counts are kept, never a generated value: the dropped rows include near copies of real people,
and the report's copy has the moves alone (:func:`shift_for_report`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from synthpipe.report._columns import CONTINUOUS_KINDS, NULL_TOKEN, Column, ColumnKind

__all__ = [
    "SHIFT_MIN",
    "SHIFT_Z",
    "ShiftTally",
    "Watched",
    "merge_shift",
    "phrase",
    "reshaped_warning",
    "shift_for_report",
    "watch",
]

TRACKED_CATEGORIES = 5  # categories per column whose share is counted; the others are counted together
SHIFT_MIN = 0.05  # a kept share this far from the generated one is named ...
SHIFT_Z = 4.0  # ... when it is also this many standard errors of a random drop away
OTHER = "\u2205other"  # the categories not tracked, together (no real category is spelt so)
QUARTERS = {
    "q1": "share below the real lower quartile",
    "q2": "share between the real lower quartile and median",
    "q3": "share between the real median and upper quartile",
    "q4": "share above the real upper quartile",
}
Asked = TypeVar("Asked")  # what a refill is asked for: a row count, or the dropped rows to replace
Counts = dict[str, dict[str, Any]]  # per column: rows, nulls and the non-null values per bin


@dataclass(frozen=True)
class Watched:
    """One column's bins: tracked categories and OTHER, or the quarters of the training values
    (``cuts``: their quartiles); none for a column of one value."""

    column: Column
    bins: tuple[str, ...] = ()
    cuts: tuple[float, ...] = ()

    def counts(self, s: pd.Series) -> dict[str, Any]:
        """Rows, nulls and non-null values per bin of the column ``s`` (aligned as the filters align)."""
        if self.column.kind in CONTINUOUS_KINDS:
            values = self.column.values(s)
            null = np.isnan(values)
            where = np.searchsorted(np.asarray(self.cuts), values[~null], side="right")
        else:
            labels = self.column.labels(s)
            null = labels == NULL_TOKEN
            where = pd.Index(self.bins[:-1], dtype=object).get_indexer(pd.Index(labels[~null], dtype=object))
            where[where < 0] = len(self.bins) - 1  # OTHER
        per_bin = np.bincount(where, minlength=len(self.bins)) if self.bins else np.zeros(0, dtype=np.int64)
        return {
            "rows": int(null.size),
            "nulls": int(null.sum()),
            "bins": dict(zip(self.bins, map(int, per_bin), strict=True)),
        }


def watch(train: pd.DataFrame, columns: list[Column]) -> list[Watched]:
    """The columns to count and their bins, from the training rows the filters were fitted on."""
    out = []
    for column in columns:
        if column.kind is ColumnKind.IDENTIFIER:
            continue
        if column.kind in CONTINUOUS_KINDS:
            values = column.values(train[column.name])
            cuts = tuple(float(q) for q in np.nanquantile(values, [0.25, 0.5, 0.75]))
            out.append(Watched(column, tuple(QUARTERS), cuts))
        elif column.kind is ColumnKind.CATEGORICAL:
            named = [c for c in column.categories[: column.shown] if c != NULL_TOKEN]  # nulls: their own share
            out.append(Watched(column, (*named[:TRACKED_CATEGORIES], OTHER)))
        else:  # constant or empty: its null share only
            out.append(Watched(column))
    return out


def count(aligned: pd.DataFrame, watched: Iterable[Watched]) -> Counts:
    """Per watched column, its counts in ``aligned`` (rows as the filters align them)."""
    return {w.column.name: w.counts(aligned[w.column.name]) for w in watched}


def merge_counts(a: Counts, b: Counts) -> Counts:
    """Counts of two chunks added up; a bin one of them lacks is left out (shards whose training
    samples ranked categories differently)."""
    out = {}
    for name in (n for n in a if n in b):  # the table's column order
        x, y = a[name], b[name]
        bins = {k: x["bins"][k] + y["bins"][k] for k in x["bins"] if k in y["bins"]}
        out[name] = {"rows": x["rows"] + y["rows"], "nulls": x["nulls"] + y["nulls"], "bins": bins}
    return out


class ShiftTally:
    """Counts of the rows generated, as they come (first the chunk, then every refill)."""

    def __init__(self, watched: list[Watched], aligned: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
        self.watched = watched
        self.aligned = aligned
        self.generated: Counts = {}

    def add(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Count ``rows`` as generated; returns them."""
        counted = count(self.aligned(rows), self.watched)
        self.generated = merge_counts(self.generated, counted) if self.generated else counted
        return rows

    def counting(self, draw: Callable[[Asked], pd.DataFrame] | None) -> Callable[[Asked], pd.DataFrame] | None:
        """``draw`` (``apply_filters``' ``resample`` or ``replace``) counting the rows it returns as
        generated (None stays None)."""
        if draw is None:
            return None
        return lambda asked: self.add(draw(asked))

    def summary(self, published: pd.DataFrame) -> dict[str, Any]:
        """The generated and published counts and the columns whose shares moved."""
        return with_moves({"generated": self.generated, "published": count(self.aligned(published), self.watched)})


def with_moves(shift: dict[str, Any]) -> dict[str, Any]:
    """``shift`` with its ``columns``: per column that moved, its largest move, largest first."""
    generated, published = shift["generated"], shift["published"]
    moves = [_largest_move(name, generated[name], published[name]) for name in generated if name in published]
    found = sorted((m for m in moves if m is not None), key=lambda m: -abs(m["published"] - m["generated"]))
    return {**shift, "columns": found, "threshold": {"share": SHIFT_MIN, "standard_errors": SHIFT_Z}}


def merge_shift(total: dict[str, Any] | None, part: dict[str, Any] | None) -> dict[str, Any] | None:
    """Two chunks' (or shards') shift summaries as one, its moves found on the summed counts."""
    if total is None or part is None:
        return part if total is None else total
    side = ("generated", "published")
    return with_moves({k: merge_counts(total[k], part[k]) for k in side})


def shift_for_report(shift: dict[str, Any] | None) -> dict[str, Any] | None:
    """The moves and the threshold without the counts, for the published report: the generated
    counts less the published ones are the dropped rows' (near copies of real people)."""
    if shift is None:
        return None
    return {"columns": shift["columns"], "threshold": shift["threshold"]}


def _largest_move(name: str, generated: dict[str, Any], published: dict[str, Any]) -> dict[str, Any] | None:
    """The statistic of one column whose kept share moved the most past the threshold; None if none did."""
    moved = [
        (statistic, g, p) for statistic, (g, p, *rows) in _shares(generated, published).items() if _moved(g, p, *rows)
    ]
    if not moved:
        return None
    statistic, g, p = max(moved, key=lambda m: abs(m[2] - m[1]))  # the first of equal moves
    return {"column": name, "statistic": statistic, "generated": g, "published": p}


def _shares(generated: dict[str, Any], published: dict[str, Any]) -> dict[str, tuple[float, float, int, int]]:
    """Per statistic: the generated share, the published share, and the rows each is a share of."""
    rows = (generated["rows"], published["rows"])
    out = {"null share": (*_ratios((generated["nulls"], published["nulls"]), rows), *rows)}
    values = (rows[0] - generated["nulls"], rows[1] - published["nulls"])
    for name in (k for k in generated["bins"] if k in published["bins"]):  # in bin order: ties name the first
        held = (generated["bins"][name], published["bins"][name])
        out[_bin_statistic(name)] = (*_ratios(held, values), *values)
    return out


def _ratios(counts: tuple[int, int], of: tuple[int, int]) -> tuple[float, float]:
    return counts[0] / max(of[0], 1), counts[1] / max(of[1], 1)


def _bin_statistic(name: str) -> str:
    if name in QUARTERS:
        return QUARTERS[name]
    return "share of other values" if name == OTHER else f"share of {name!r}"


def _moved(generated: float, published: float, rows: int, kept: int) -> bool:
    """Whether ``kept`` of ``rows`` generated rows moved a share past the threshold: by SHIFT_MIN and
    by SHIFT_Z standard errors of a share of ``kept`` rows drawn at random without replacement."""
    if kept == 0 or abs(published - generated) < SHIFT_MIN:
        return False
    spread = np.sqrt(generated * (1 - generated) * max(rows - kept, 0) / (kept * max(rows - 1, 1)))
    return bool(abs(published - generated) >= SHIFT_Z * spread)


def phrase(move: dict[str, Any]) -> str:
    """One move in words: ``date_first_booking: null share 0.59 generated -> 0.76 published``."""
    return (
        f"{move['column']}: {move['statistic']} {move['generated']:.2f} generated -> {move['published']:.2f} published"
    )


# Per filter: what the summary calls the rows it dropped, why the model's rows of that kind went, and
# the setting that keeps more of them (which way to move it).
_FILTERS = {
    "outlier": ("as outliers", "unlike any real row", "raise", "outlier_quantile"),
    "similarity": ("as near copies", "too near real rows", "lower", "similarity_quantile"),
    "exact_copy": ("as exact copies", "equal to rare real rows", "lower", "exact_copy_min_count"),
}
WARNED_COLUMNS = 3  # moves named in the warning; the report lists every one


def reshaped_warning(filters: dict[str, Any], loosen: str) -> str | None:
    """The warning when the filters reshaped the published rows (the summary of ``apply_filters``,
    or several merged); None when no column moved. ``loosen``: where the filter's setting is
    changed (``SettingPlaces.loosen``)."""
    moves = (filters.get("shift") or {}).get("columns") or []
    if not moves:
        return None
    dropped = filters["dropped"]
    worst = max(dropped, key=dropped.get)
    _, why, direction, setting = _FILTERS[worst]
    named = "; ".join(phrase(m) for m in moves[:WARNED_COLUMNS])
    more = f" (and {len(moves) - WARNED_COLUMNS} more columns)" if len(moves) > WARNED_COLUMNS else ""
    generated = filters["rows_in"] + filters["resampled_rows"]
    how = " and ".join(f"{dropped[k]:,} {_FILTERS[k][0]}" for k in _FILTERS if dropped.get(k))
    value = filters["settings"][setting]
    return (
        f"the privacy filters reshaped the published rows: {named}{more} (of {generated:,} generated rows they "
        f"dropped {how}, more of some kinds than of others: the model generates those {why}); every column that "
        "moved is in the report's protections; to keep more of these rows, at some cost in privacy, "
        + loosen.format(direction=direction, setting=setting, value=value)
    )
