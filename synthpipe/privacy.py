"""Privacy filters applied to generated rows before anyone sees them.

Three filters, all on by default (turning one off is explicit and shows in the summary):

- **exact copies**: a generated row equal to a training row whose combination of values is held
  by fewer than ``exact_copy_min_count`` training rows is dropped, and so is one equal to an unseen
  (holdout) row that fewer real rows hold: the holdout's rows are real people's too, and copies
  of the training rows alone dropped left the generated rows on the unseen rows' values, which
  told members apart by their distance (a 720-run factorial experiment, every run one row: a
  membership attack's AUC 0.05, 0.95 flipped). A combination many real rows
  share singles nobody out, so it may stay (otherwise small all-categorical tables would lose
  every row). Where unseen real rows (the holdout) equal training rows too, as rows of a few
  narrow columns do, generated rows may equal training rows as often as the holdout's rows do,
  no more: only the copies of rare rows past that share go (``exact_copy_baseline``; rows of
  entities are judged whole, as below, and all such copies go); and unseen rows as often as the
  training rows equal one. A synthetic set that avoided
  every training row would tell the training rows apart by that alone: dropping all of them, a
  3,000-row table of age, gender, region and plan came back with 9% of its rows equal to a
  training row against the holdout's 34%, and a membership attack's AUC was 0.405 (the farther
  a real row, the likelier a member).
- **similarity**: a generated row closer to its nearest training row than real unseen (holdout)
  rows usually are, i.e. below the ``similarity_quantile`` of the holdout's own distances to
  train, is dropped: that closeness is memorisation, not generalisation. As with copies, such rows
  may stay at the holdout's own share of them, no more (``similarity_baseline``): fresh real rows
  come that near too, and dropping every one carved a hole round each training row, which told the
  training rows apart by their distance (a quarterly series of 89 values scored an attack AUC of
  0.15; see report._privacy_metrics.attack_strength). A row nearer than half the nearest unseen
  row came is a near copy and always goes.
- **outliers**: a generated row farther from every training row than almost all holdout rows
  (above their ``outlier_quantile``) is dropped: it is implausible, and extreme rows are the
  ones that stand out.

Dropped rows are replaced by fresh ones from ``resample`` (filtered the same way) so the caller
gets the row count it asked for; or from ``replace``, a row in place of each dropped one (a table of
one row per date: on its date, which no other row holds). Distances are those of :mod:`synthpipe.report.distance`, the
same the report's DCR share uses.

Rows that belong to entities (a customer's monthly snapshots, a user's sessions: ``key``) are
judged and dropped a whole entity at a time, by the median distance of its rows, against the
holdout entities' medians; an entity is an exact copy when half its rows copy rare training rows.
Why: dropped one row at a time, the similarity filter took 7% of a snapshot table's rows out of
the middle of customers' histories, so one step in 17 skipped a month. (Dropping every user with
one copied session dropped 507,359 of 184,188 sessions' rows in three refill rounds, above all
the users with many sessions.) A row whose key is null (a guest's event) is no entity's: it is
judged alone, as a row of a table without entities, against the holdout's own null-key rows
(judged as one entity, all of a table's guest rows went whenever they sat close together).

A table of one row per date (the engine's calendar: a monthly series, a daily KPI table) is judged
without its date and the columns computed from it (``grain``): each generated row takes a grid
date, four in five of them a training row's, while an unseen row's date is never one, so on those
columns generated rows sat nearer training rows than any holdout row could, whatever the model.
Judged on them, a monthly series of counts lost a third of its rows as near copies, refilled
until its values kept away from the training rows' own, and a membership attack then told the
training months apart by that distance (AUC 0.37-0.45 over six seeds; 0.51-0.59 unfiltered).
A ``GROUP BY`` result (the engine's cells: each combination of a few labels one row) is judged
without those labels for the same reason: an unseen row's combination is never a training row's,
so every generated row on a training row's combination was a near copy, and a 609-row ``GROUP BY``
refilled until its rows kept off those combinations lost every seed to the attack gate (AUC
0.22-0.27; 0.52-0.58 judged without them). The pipeline leaves a model's windows over the whole
table out as well (a rank ``OVER (PARTITION BY category ORDER BY amount DESC)``): they are rebuilt
over the rows kept, and judged on a batch's own (a refill of 300 rows ranked from 1) the generated
rows sat far from every real one, 80% of them dropped as outliers. Exact copies are still judged on
every column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from synthpipe.errors import ConfigError
from synthpipe.filter_shift import ShiftTally, watch
from synthpipe.report._arrays import sample_rows
from synthpipe.report._columns import Column, align, comparable, describe_columns, nested_layout
from synthpipe.report._privacy_metrics import row_hashes
from synthpipe.report.distance import RowEncoder, nearest

__all__ = ["PreparedFilters", "PrivacyFilters", "apply_filters", "prepare_filters"]


class PrivacyFilters(BaseModel):
    """Settings of the post-generation filters; defaults are the protective choice."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(default=True, description="master switch for all filters")
    exact_copies: bool = Field(default=True, description="drop copies of rare training rows")
    exact_copy_min_count: int = Field(
        default=2,
        ge=1,
        description="copies of combinations held by fewer training rows are dropped",
    )
    exact_copy_baseline: bool = Field(
        default=True,
        description=(
            "keep copies of rare training rows while the rows equal to a training row are no more than the "
            "unseen real (holdout) rows' own share; off: drop every one"
        ),
    )
    similarity: bool = Field(default=True, description="drop rows closer to train than holdout rows are")
    similarity_baseline: bool = Field(
        default=True,
        description=(
            "keep rows below the similarity threshold while they are no more than the holdout rows' own share "
            "below it; off: drop every one"
        ),
    )
    similarity_quantile: float = Field(
        default=0.05,
        ge=0,
        le=0.5,
        description="quantile of holdout→train distances used as threshold",
    )
    outliers: bool = Field(default=True, description="drop rows farther from train than holdout rows are")
    outlier_quantile: float = Field(
        default=0.999,
        ge=0.5,
        le=1,
        description="quantile of holdout→train distances used as ceiling",
    )
    reference_rows: int = Field(
        default=10_000, ge=100, description="training rows searched for neighbours (seeded sample)"
    )
    max_rounds: int = Field(default=10, ge=0, description="resampling rounds to top the count back up")


HOLDOUT_DISTANCE_ROWS = 5_000  # unseen real rows whose distances to train set the thresholds
NEAR_COPY_SHARE = 0.5  # a row nearer than this share of the nearest unseen row's distance is a near copy
MIN_KEEP_RATE = 0.1  # a resampling round counts on at least this share of fresh rows passing
RESAMPLE_MARGIN = 1.1  # and asks for 10% more, so one round usually tops the count up
MIN_UNSEEN_GUESTS = 20  # holdout rows without an entity that set their own thresholds


@dataclass(frozen=True)
class _Bounds:
    """One way rows are judged: the distance thresholds (similarity ``low``, outlier ``high``),
    the holdout's own shares of rows equal to a training row and of rows nearer than ``low``,
    which may stay (0: every such row goes), and the near-copy radius."""

    low: float
    high: float
    copy_rate: float = 0.0
    close_rate: float = 0.0
    nearest_unseen: float = 0.0


class _Filter:
    """Fitted state: encoder, reference vectors, training hash counts and thresholds."""

    def __init__(
        self,
        train: pd.DataFrame,
        holdout: pd.DataFrame | None,
        settings: PrivacyFilters,
        seed: int,
        all_train: Iterable[pd.DataFrame] | None = None,
        key: str | None = None,
        grain: Sequence[str] = (),
        all_holdout: Iterable[pd.DataFrame] | None = None,
    ) -> None:
        self.settings = settings
        self.key = key if key is not None and key in train.columns else None
        self.layout = nested_layout(train)
        train = comparable(train, self.layout)
        self.columns: list[Column] = describe_columns(train)
        left_out = set(grain)
        judged = [c for c in self.columns if c.name not in left_out] or self.columns
        self.left_out = [c.name for c in self.columns if c not in judged]
        self.watched = watch(train, judged)  # what filter_shift counts, binned by the training rows
        self.encoder = RowEncoder.fit(train, judged)
        reference = sample_rows(train, settings.reference_rows, seed)
        self.reference = self.encoder.transform(reference)
        self.train_hashes, train_counts = self._hashes([train] if all_train is None else all_train)
        self.rare_hashes = self.train_hashes[train_counts < settings.exact_copy_min_count]
        held = all_holdout if all_holdout is not None else [] if holdout is None else [holdout]
        self.unseen_hashes, unseen_counts = self._hashes(held)
        in_train = _counts_of(self.unseen_hashes, self.train_hashes, train_counts)
        self.rare_unseen = self.unseen_hashes[unseen_counts + in_train < settings.exact_copy_min_count]
        # training rows that equal an unseen row: the share of its copies a fresh real row holds
        equal = _counts_of(self.train_hashes, self.unseen_hashes, unseen_counts) > 0
        self.unseen_copy_rate = float(train_counts[equal].sum() / max(train_counts.sum(), 1))
        unseen = self._unseen(holdout, seed)
        self.whole, self.guests = self._bounds(unseen)

    def _hashes(self, frames: Iterable[pd.DataFrame]) -> tuple[np.ndarray, np.ndarray]:
        """Each distinct combination of values the rows hold, hashed, and how many rows hold it."""
        parts = [row_hashes(comparable(frame.rename(columns=str), self.layout), self.columns) for frame in frames]
        return np.unique(np.concatenate(parts) if parts else np.zeros(0, np.uint64), return_counts=True)

    def _unseen(self, holdout: pd.DataFrame | None, seed: int) -> tuple[pd.DataFrame, np.ndarray | None] | None:
        """The holdout rows the thresholds and the copy rate are measured on, laid out once (nested
        columns parse JSON): a seeded sample, or with entities every row, with its entity's key."""
        if holdout is None or len(holdout) == 0:
            return None
        unseen = holdout.rename(columns=str)
        if self.key is None or self.key not in unseen.columns:
            return self._aligned(sample_rows(unseen, HOLDOUT_DISTANCE_ROWS, seed)), None
        return self._aligned(unseen), unseen[self.key].to_numpy()

    def _bounds(self, unseen: tuple[pd.DataFrame, np.ndarray | None] | None) -> tuple[_Bounds, _Bounds]:
        """How rows are judged, measured on real unseen rows: the whole rows (with entities, the
        entities by their medians: every holdout row, whole entities), and the rows without an
        entity (a null key: a guest's events), one at a time against the holdout's own such rows
        (with fewer than ``MIN_UNSEEN_GUESTS`` of them, by the entities' thresholds); without a
        holdout, train's leave-one-out distances set the thresholds."""
        if unseen is None:
            whole = _Bounds(*self._quantiles(np.zeros(0)))
            return whole, whole
        rows, keys = unseen
        d = self._distances(rows)
        if keys is None:
            whole = self._row_bounds(rows, d)
            return whole, whole
        guests = pd.isna(keys)
        entities = _Bounds(*self._quantiles(self._entity_medians(d[~guests], keys[~guests])[1]))
        if guests.sum() < MIN_UNSEEN_GUESTS:
            return entities, entities
        return entities, self._row_bounds(rows[guests], d[guests])

    def _quantiles(self, d: np.ndarray) -> tuple[float, float]:
        """The similarity and outlier thresholds of unseen rows' distances ``d``; without any, a
        training row's nearest *other* training row stands in for an unseen row."""
        s = self.settings
        if not d.size:
            d = nearest(self.reference, self.reference[:5_000], k=2)[0][:, -1]
        return float(np.quantile(d, s.similarity_quantile)), float(np.quantile(d, s.outlier_quantile))

    def _row_bounds(self, rows: pd.DataFrame, d: np.ndarray) -> _Bounds:
        """Rows judged one at a time: beside the thresholds, the holdout rows' own share of rows
        equal to a training row (the report's baseline for its identical-row share) and of rows
        nearer than the similarity threshold, and the near-copy radius: half the nearest one's
        distance (on a holdout of 18 rows the nearest lies about at the 5% quantile itself, so a
        whole radius left no room and the quarterly series kept its holes: attack AUC 0.15 ->
        0.41 with half)."""
        s = self.settings
        low, high = self._quantiles(d)
        copy_rate = 0.0
        if s.exact_copy_baseline and self.rare_hashes.size:
            copy_rate = float(np.isin(row_hashes(rows, self.columns), self.train_hashes).mean())
        if not s.similarity_baseline:
            return _Bounds(low, high, copy_rate)
        return _Bounds(low, high, copy_rate, float((d < low).mean()), NEAR_COPY_SHARE * float(d.min()))

    @staticmethod
    def _too_close(distances: np.ndarray, keys: np.ndarray | None, bounds: _Bounds) -> np.ndarray:
        """Per row, whether it is nearer a training row than the threshold and goes: every one
        nearer than half the nearest unseen row came (a near copy), the others past the holdout's
        own share of such rows (``_within_baseline``); every one with entities."""
        close = distances < bounds.low
        others = distances >= bounds.nearest_unseen  # the rows not near copies, among which the share is kept
        between = close[others]
        if keys is None and bounds.close_rate > 0 and between.any():
            kept = np.zeros(close.size, dtype=bool)
            kept[others] = _within_baseline(between, np.zeros(between.size, dtype=bool), bounds.close_rate)
            close &= ~kept
        return close

    def _copies(self, hashes: np.ndarray, keys: np.ndarray | None, bounds: _Bounds) -> np.ndarray:
        """Per row, whether it copies a rare training row or a rare unseen one and goes (with
        entities: whether half its entity's rows do); copies of training rows within the holdout's
        own rate of them stay, and copies of unseen rows within the training rows' rate of those
        (``_within_baseline``): a fresh real row is as likely to equal one."""
        copies = np.isin(hashes, self.rare_hashes)
        unseen = np.isin(hashes, self.rare_unseen)
        if keys is not None:  # an entity half of whose rows copy real rows: as the median rule
            return self._entity_medians((copies | unseen).astype("float64"), keys)[0] >= 0.5
        if bounds.copy_rate > 0 and copies.any():
            copies &= ~_within_baseline(copies, np.isin(hashes, self.train_hashes) & ~copies, bounds.copy_rate)
        if self.settings.exact_copy_baseline and self.unseen_copy_rate > 0 and unseen.any():
            unseen &= ~_within_baseline(unseen, np.isin(hashes, self.unseen_hashes) & ~unseen, self.unseen_copy_rate)
        return copies | unseen

    def _aligned(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Rows as the training rows were described: nested columns laid out, columns aligned."""
        return align(comparable(rows.rename(columns=str), self.layout), self.columns)

    def _distances(self, aligned: pd.DataFrame) -> np.ndarray:
        """Each row's distance to its nearest reference (training) row; rows through ``_aligned``."""
        return nearest(self.reference, self.encoder.transform(aligned), k=1)[0][:, 0]

    @staticmethod
    def _entity_medians(distances: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row, its entity's median distance; and one median per entity (keys without nulls:
        ``reasons`` judges the rows without an entity apart)."""
        groups = pd.Series(distances).groupby(pd.Series(keys).astype(object), sort=False)
        return groups.transform("median").to_numpy(), groups.median().to_numpy()

    def reasons(self, batch: pd.DataFrame) -> np.ndarray:
        """Per row: "" to keep, else the name of the first filter that drops it (with entities,
        the same for all rows of an entity; a row with a null key is no entity's and is judged
        alone). Why alone: judged as one entity, a guest's events were the whole table's null-key
        rows, whose median sat nearer training rows than almost any user's, and every generated
        guest row went (4,664 of 23,794 events; 11% of the rows real, none published)."""
        out = np.full(len(batch), "", dtype=object)
        if len(batch) == 0:
            return out
        aligned = self._aligned(batch)  # once for distances and copies: laying out nested columns parses JSON
        d = self._distances(aligned)
        hashes = row_hashes(aligned, self.columns) if self.settings.exact_copies else np.zeros(d.size, np.uint64)
        if self.key is None or self.key not in batch.columns:
            return self._judged(d, hashes, None, self.whole)
        keys = batch[self.key].to_numpy()
        guests = np.asarray(pd.isna(keys), dtype=bool)
        out[~guests] = self._judged(d[~guests], hashes[~guests], keys[~guests], self.whole)
        out[guests] = self._judged(d[guests], hashes[guests], None, self.guests)
        return out

    def _judged(self, d: np.ndarray, hashes: np.ndarray, keys: np.ndarray | None, bounds: _Bounds) -> np.ndarray:
        """``reasons`` for rows judged one way: whole entities by their rows' ``keys``, else one at a time."""
        s = self.settings
        out = np.full(d.size, "", dtype=object)
        if not d.size:
            return out
        if keys is not None:
            d = self._entity_medians(d, keys)[0]
        if s.outliers:
            out[d > bounds.high] = "outlier"
        if s.similarity:
            out[self._too_close(d, keys, bounds)] = "similarity"
        if s.exact_copies:
            out[self._copies(hashes, keys, bounds)] = "exact_copy"
        return out


def _counts_of(hashes: np.ndarray, held: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Per hash, how many rows hold it: ``counts`` rows each distinct ``held`` hash, 0 the others."""
    return pd.Series(counts, index=held).reindex(hashes, fill_value=0).to_numpy()


def _within_baseline(marked: np.ndarray, counted: np.ndarray, rate: float) -> np.ndarray:
    """The ``marked`` rows kept: as many as leave the kept rows' share of marked or ``counted``
    rows (copies of common training rows, which stay anyway) at ``rate``, the holdout's own, spread
    evenly in row order (marked row c is kept where ``floor((c + 1) q) > floor(c q)``). With ``s``
    rows staying otherwise, ``k`` of them counted, r marked rows more keep the share at the rate p
    while (k + r) / (s + r) <= p."""
    staying, common = int((~marked).sum()), int(counted.sum())
    p = min(rate, 0.999)
    room = int(np.floor((p * staying - common) / (1 - p)))
    q = min(1.0, max(room, 0) / int(marked.sum()))
    c = np.arange(int(marked.sum()))
    kept = np.zeros(marked.size, dtype=bool)
    kept[np.flatnonzero(marked)[np.floor((c + 1) * q) > np.floor(c * q)]] = True
    return kept


def _summary(settings: PrivacyFilters, n_in: int, key: str | None = None) -> dict[str, Any]:
    return {
        "enabled": settings.enabled,
        "settings": settings.model_dump(),
        "whole_entities_of": key,
        "left_out_of_distances": [],
        "rows_in": n_in,
        "rows_out": n_in,
        "dropped": {"exact_copy": 0, "similarity": 0, "outlier": 0},
        "thresholds": {
            "similarity": None,
            "outlier": None,
            "exact_copy_rate": 0.0,
            "similarity_rate": 0.0,
            "unseen_copy_rate": 0.0,
        },
        "resampled_rows": 0,
        "rounds": 0,
        "shortfall": 0,
    }


def _thresholds(bounds: _Bounds) -> dict[str, float]:
    return {
        "similarity": bounds.low,
        "outlier": bounds.high,
        "exact_copy_rate": bounds.copy_rate,
        "similarity_rate": bounds.close_rate,
    }


PreparedFilters = _Filter
"""What :func:`prepare_filters` returns; pass it to :func:`apply_filters` as ``prepared``."""


def _keep(flt: _Filter, batch: pd.DataFrame, dropped: dict[str, int]) -> pd.DataFrame:
    return batch[_passed(flt, batch, dropped)]


def _passed(flt: _Filter, batch: pd.DataFrame, dropped: dict[str, int]) -> np.ndarray:
    """Per row, whether every filter keeps it; ``dropped`` counts the others per filter."""
    reasons = flt.reasons(batch)
    for name in dropped:
        dropped[name] += int((reasons == name).sum())
    return np.asarray(reasons == "", dtype=bool)


def _in_place(
    flt: _Filter, places: pd.DataFrame, replace: Callable[[pd.DataFrame], pd.DataFrame], n: int, dropped: dict[str, int]
) -> tuple[pd.DataFrame, np.ndarray]:
    """One round of rows in place of the dropped rows ``places``: ``n`` drawn for them in turn
    (row i for place ``i % len(places)``), and of those the filters keep, the first for each
    place; returns them (in the places' order) and which places they fill."""
    turn = np.arange(n) % len(places)
    fresh = replace(places.iloc[turn].reset_index(drop=True))
    passed = _passed(flt, fresh, dropped)
    filled, first = np.unique(turn[passed], return_index=True)
    return fresh[passed].iloc[first], np.isin(np.arange(len(places)), filled)


def prepare_filters(
    *,
    train: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    settings: PrivacyFilters | None = None,
    seed: int = 0,
    all_train: Iterable[pd.DataFrame] | None = None,
    key: str | None = None,
    grain: Sequence[str] = (),
    all_holdout: Iterable[pd.DataFrame] | None = None,
) -> PreparedFilters:
    """Encoder, reference sample and holdout thresholds: the costly part, computed once.

    ``train`` may be a seeded sample of the training rows when they do not fit in memory; then
    pass ``all_train``, every training row batch by batch (iterated once), so the exact-copy
    filter still knows every real row's combination of values and how many rows share it; and
    ``all_holdout`` likewise when ``holdout`` is a sample (the copies of its rare rows go too).
    ``key``: the column naming the entities rows belong to, judged and dropped whole (the
    holdout's thresholds are then its entities' median distances: pass whole entities, every
    row of ``holdout`` counts). ``grain``: the columns every generated row takes from a grid, a
    calendar's date and its parts (``Synthesizer.calendar_columns``) or a ``GROUP BY``'s labels
    (``Synthesizer.cell_columns``), or that are rebuilt over the rows kept
    (``Synthesizer.table_window_columns``), left out of the distances
    (the module's docstring says why) and of the reshaping counts (the rows refilled on a dropped
    row's date count that date again).
    """
    return _Filter(
        train.rename(columns=str), holdout, settings or PrivacyFilters(), seed, all_train, key, grain, all_holdout
    )


def resample_rows(missing: int, keep_rate: float) -> int:
    """Rows one resampling round asks for to make up ``missing`` kept rows."""
    return int(np.ceil(missing / max(keep_rate, MIN_KEEP_RATE) * RESAMPLE_MARGIN)) + 1


def most_resampled_rows(rows: int, settings: PrivacyFilters) -> int:
    """The most rows :func:`apply_filters` may ask ``resample`` for while filtering ``rows`` rows
    (every round at the lowest keep rate): a bound for callers that reserve keys for them."""
    if not settings.enabled or rows == 0:
        return 0
    return settings.max_rounds * resample_rows(rows, MIN_KEEP_RATE)


def apply_filters(
    synthetic: pd.DataFrame,
    *,
    train: pd.DataFrame | None = None,
    holdout: pd.DataFrame | None = None,
    settings: PrivacyFilters | None = None,
    resample: Callable[[int], pd.DataFrame] | None = None,
    seed: int = 0,
    prepared: PreparedFilters | None = None,
    key: str | None = None,
    replace: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    grain: Sequence[str] = (),
    exact_refills: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Drop unsafe generated rows and top the count back up.

    Args:
        synthetic: generated rows.
        train: the rows the generator learned from (required unless ``prepared`` is given).
        holdout: real rows it never saw; their distances to train set the thresholds.
        settings: which filters run and how strict; ``PrivacyFilters()`` when omitted.
        resample: ``n -> n more generated rows``; without it the output may be shorter.
        seed: seeds the reference sample.
        prepared: filters built once by :func:`prepare_filters`; callers that filter many
            chunks against the same train/holdout pass it so the set-up is not redone per chunk.
        key: the column naming the entities rows belong to (see :func:`prepare_filters`; with
            ``prepared``, its own key counts). The last entity may come back cut short at the
            row count.
        replace: ``dropped rows -> a generated row in place of each, in order``, used instead of
            ``resample`` (not with entities): each new row takes the place of one dropped row, so
            what the rows were drawn for stays one row's. Why: a daily KPI table holds one row
            per day (the engine's calendar); refilled with fresh rows, which chose days of their
            own, 1,585 days were published as 1,558 distinct ones, some twice.
        grain: the columns every generated row takes from a grid (see :func:`prepare_filters`;
            with ``prepared``, its own count).
        exact_refills: ask ``resample`` for exactly the rows still missing, more rounds as the
            filters drop some, so that the kept rows are never cut at the row count (a model whose
            entities' windows look past a row: ``Synthesizer.cut_entities_break_windows``). Why:
            cut there, a refilled user kept 10 of its 76 events, its ``count(*) OVER (PARTITION
            BY user_id)`` still 76 in each and its ranks of the seconds 17, 28, 37, ... (600
            airbnb users' sessions through ``synthpipe run``); the engine cuts its last entity
            itself, its windows over the rows it gives.

    Returns:
        The kept rows (index reset, as many as ``synthetic`` had unless resampling ran dry)
        and a JSON-able summary for the report: thresholds, rows dropped per filter, rows
        resampled, rounds, any shortfall, and ``shift``: the columns the filters reshaped
        (:mod:`synthpipe.filter_shift`).
    """
    settings = settings or PrivacyFilters()
    if not settings.enabled or len(synthetic) == 0:
        return synthetic, _summary(settings, len(synthetic))
    if prepared is None:
        if train is None:
            raise ConfigError("apply_filters needs the training rows (train=) or prepared filters (prepared=)")
        prepared = prepare_filters(train=train, holdout=holdout, settings=settings, seed=seed, key=key, grain=grain)
    flt = prepared
    summary = _summary(settings, len(synthetic), flt.key)
    summary["left_out_of_distances"] = flt.left_out
    summary["thresholds"] = {**_thresholds(flt.whole), "unseen_copy_rate": flt.unseen_copy_rate}
    if flt.key is not None:
        summary["thresholds"]["without_key"] = _thresholds(flt.guests)
    if replace is not None and flt.key is not None:
        raise ConfigError(
            f"replace= puts a row in place of each dropped row, but rows of entities ({flt.key!r}) are dropped "
            "whole; pass resample= for them"
        )
    dropped = summary["dropped"]
    tally = ShiftTally(flt.watched, flt._aligned)
    tally.add(synthetic)
    resample, replace = tally.counting(resample), tally.counting(replace)  # every refill counts as generated
    passed = _passed(flt, synthetic, dropped)
    kept, places = [synthetic[passed]], synthetic[~passed]
    target = len(synthetic)
    n_kept = len(kept[0])
    while n_kept < target and (resample or replace) and summary["rounds"] < settings.max_rounds:
        keep_rate = n_kept / max(summary["rows_in"] + summary["resampled_rows"], 1)
        asked = target - n_kept if exact_refills else resample_rows(target - n_kept, keep_rate)
        if replace is not None:
            fresh, filled = _in_place(flt, places, replace, asked, dropped)
            places = places[~filled]
            summary["resampled_rows"] += asked
        elif resample is not None:
            fresh = resample(asked)
            summary["resampled_rows"] += len(fresh)
            fresh = _keep(flt, fresh, dropped)
        kept.append(fresh)
        summary["rounds"] += 1
        n_kept += len(kept[-1])
    out = pd.concat(kept, ignore_index=True).iloc[:target].reset_index(drop=True)
    summary["rows_out"] = len(out)
    summary["shortfall"] = target - len(out)
    summary["shift"] = tally.summary(out)
    return out, summary
