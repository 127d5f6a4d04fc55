"""Stage 2 — synthesize: train the engine, generate synthetic rows, filter them, check them.

Reads: the staged features (and their schema JSON). Writes on the staging store:
``<run>_<name>_train.parquet`` / ``_holdout.parquet`` (seeded split; the holdout never
trains anything), ``<run>_<name>_model/`` (the portable model artifact),
``<run>_<name>_synthetic.part-XXXXX-of-YYYYY.parquet`` (one per generation shard) and
``<run>_<name>_report.json|html``. Each of ``train``, ``generate`` and ``evaluate`` is a
stage of its own so Airflow can fan generation out over shards; ``synthesize`` chains them.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel

from synthpipe.engine import EngineConfig, Synthesizer
from synthpipe.engine.calendars import Share
from synthpipe.engine.codecs.identifier import may_name_a_key
from synthpipe.engine.entities import entity_codes, entity_sizes, runs_of_entities
from synthpipe.engine.synthesizer import entity_keys
from synthpipe.errors import ArtifactError, ConfigError, GateFailed, ModelError, SchemaError, StoreNotWritable
from synthpipe.filter_shift import merge_shift, reshaped_warning, shift_for_report
from synthpipe.privacy import (
    HOLDOUT_DISTANCE_ROWS,
    PreparedFilters,
    PrivacyFilters,
    apply_filters,
    most_resampled_rows,
    prepare_filters,
)
from synthpipe.report import Gates, with_gates
from synthpipe.report import evaluate as evaluate_report
from synthpipe.report.evaluate import check_target
from synthpipe.report.gates import DISTANCE_GATES, inverted_attack
from synthpipe.report.model import GateResult, Grade, Quality
from synthpipe.row_order import (
    Purpose,
    in_content_order,
    lowest,
    row_hashes,
    salted,
    seeded_order,
    value_hashes,
    value_order,
)
from synthpipe.stores import Store, open_uri, redact_url
from synthpipe.workspace import Workspace, as_store, reads_staged_files
from synthpipe.writers import (
    TableWriter,
    closed_on_error,
    count_rows,
    open_batches,
    open_writer,
    read_table,
    schema_from_json,
)

log = logging.getLogger(__name__)
Progress = Callable[[str, float], None]
MIN_ROWS = 10
"""Fewer rows than this leave no holdout to check privacy against."""
FILTER_SAMPLE_ROWS = 100_000
"""Training rows the privacy filters' encoder and reference rows are drawn from (a seeded sample)."""


class TrainResult(BaseModel):
    model_uri: str
    train_uri: str
    holdout_uri: str
    rows: int
    train_rows: int
    holdout_rows: int
    seconds: float


class GenerateResult(BaseModel):
    uri: str
    rows: int
    shard: int
    shards: int
    filtered_rows: int
    seconds: float
    generated_rows: int = 0  # every row the filters judged, refills included (0: filters off)


class EvaluateResult(BaseModel):
    report_json_uri: str
    report_html_uri: str
    quality_score: float | None  # None: nothing to compare (every column a key)
    quality_grade: str
    privacy_grade: str
    dcr_share: float | None
    identical_share: float | None
    identical_share_holdout: float | None = None  # the holdout's own share of rows found in train
    mia_auc: float | None
    passed: bool
    failures: list[str]


@dataclass(frozen=True)
class SettingPlaces:
    """Where whoever runs the stages loosens a gate, trains less or switches a privacy filter off, as
    the failure messages name it:
    ``gates`` is said with the failed gates' names (``{gates}``) and a setting that switches them off
    (``{example}``); ``engine`` is where ``max_epochs: 3`` goes, as written; ``privacy`` follows
    "widen the query" when the privacy filters dropped every row (``{setting}``: the filter's switch);
    ``loosen`` is how to keep more of the rows a filter drops, when dropping them reshaped the table
    (``{direction}``: raise or lower, ``{setting}``: the filter's setting, ``{value}``: its value now).

    Why: in Airflow the advice named the pipeline spec, which a DAG's user has none of; what works
    there is a run config's ``gates`` (every synthpipe DAG takes it), a factory DAG's YAML or the
    synthpipe connection, and no privacy filter can be switched off (``synthpipe.airflow.tasks.in_airflow``)."""

    gates: str
    engine: str
    privacy: str
    loosen: str = "{direction} {setting} (now {value}) under synthesis.privacy in the pipeline spec"


IN_SPEC = SettingPlaces(
    gates="set {gates} under gates: in the pipeline spec to a looser value, or null to switch it off",
    engine="synthesis: {engine: {max_epochs: 3}} in the pipeline spec",
    privacy=", or switch that filter off ({setting}: false under synthesis.privacy in the pipeline spec)",
)


class SynthesizeResult(BaseModel):
    model_uri: str
    synthetic_uris: list[str]
    rows: int
    evaluation: EvaluateResult
    seconds: float
    filtered_rows: int = 0  # generated rows the privacy filters dropped (and replaced)
    generated_rows: int = 0  # every row the filters judged, refills included (0: filters off)


@reads_staged_files("train")
def train(
    *,
    features_uri: str,
    staging: Store | str,
    name: str,
    run_id: str,
    engine: dict[str, Any] | None = None,
    holdout_fraction: float = 0.2,
    seed: int = 0,
    progress: Progress | None = None,
) -> TrainResult:
    """Split the staged features into train/holdout (seeded), fit the engine on train, save the model.

    Args:
        features_uri: the staged features (from extract).
        engine: keyword settings for :class:`synthpipe.Synthesizer` (e.g. ``max_training_time``).
        holdout_fraction: share of rows kept out of training to measure privacy and utility.
        seed: drives the split and the engine; the same seed gives the same model.
    """
    started = time.perf_counter()
    workspace = Workspace(staging, name=name, run_id=run_id)
    synthesizer = Synthesizer(seed=seed, **(engine or {}))
    schema = _staged_schema(features_uri, workspace)
    with _read_as_described(features_uri, workspace, schema):
        split = _stream_split(features_uri, workspace, schema, holdout_fraction, seed, synthesizer.config)
    synthesizer.fit(
        split.sample,
        progress=progress,
        entity_sizes=split.entity_sizes,
        table_rows=split.train_rows,
        windows_of=split.first_rows,
    )
    _reserve_real_keys(synthesizer, [split.train_uri, split.holdout_uri], workspace.store.storage_options)
    model_uri = workspace.uri(workspace.model_key())
    synthesizer.save(model_uri, storage_options=workspace.store.storage_options)
    return TrainResult(
        model_uri=model_uri,
        train_uri=split.train_uri,
        holdout_uri=split.holdout_uri,
        rows=split.rows,
        train_rows=split.train_rows,
        holdout_rows=split.rows - split.train_rows,
        seconds=round(time.perf_counter() - started, 3),
    )


def _reserve_real_keys(synthesizer: Synthesizer, uris: list[str], options: dict[str, Any]) -> None:
    """Fresh keys clear of every real key of the query, not only of the training sample's
    (``Synthesizer.reserve_keys``), reading the key columns alone, batch by batch."""
    reserved = set(synthesizer.keys_to_reserve)
    for uri in uris:
        with _key_batches(uri, options, None, keep=reserved.__contains__) as (_, batches):
            for batch in batches:
                synthesizer.reserve_keys(batch)


@dataclass(frozen=True)
class _Split:
    train_uri: str
    holdout_uri: str
    rows: int
    train_rows: int
    sample: pa.Table
    entity_sizes: pd.Series | None  # per sampled row, its entity's rows in the whole table
    first_rows: pa.Table  # the table's first rows, both sides, as many as the engine trains on at most


def _stream_split(
    uri: str, workspace: Workspace, schema: pa.Schema | None, fraction: float, seed: int, config: EngineConfig
) -> _Split:
    """Split the staged features into train/holdout files batch by batch and keep the engine's sample.

    Why streamed: the staged result can be far larger than memory; only one hash and two masks
    per row and the bounded training sample are held. Why hashed: the rows held out, the rows
    sampled and the order the engine learns them in are set by the rows' values (row_order), so
    a query that returns its rows in another order on each run still gives the same model.
    """
    options = workspace.store.storage_options
    hashes = _row_hashes_of(uri, options, schema)
    keys = _entity_keys(uri, options, schema, config, hashes.size)
    in_holdout = holdout_mask(hashes, fraction=fraction, seed=seed, keys=keys)
    rows, train_hashes = hashes.size, hashes[~in_holdout]
    del hashes  # the two masks are all the routing needs: 8 bytes a row less while it runs
    train_keys = None if keys is None else keys[~in_holdout].reset_index(drop=True)
    in_sample = _training_sample(train_hashes, train_keys, config.max_training_rows, seed)
    train_rows = train_hashes.size
    del train_hashes
    with (
        open_batches(uri, storage_options=options, schema=schema) as (table_schema, batches),
        workspace.store.atomic_writer(workspace.train_key()) as train_handle,
        workspace.store.atomic_writer(workspace.holdout_key()) as holdout_handle,
    ):
        train_out, holdout_out = (
            open_writer(train_handle, table_schema, "parquet"),
            open_writer(holdout_handle, table_schema, "parquet"),
        )
        with closed_on_error(train_out), closed_on_error(holdout_out):
            first: list[pa.RecordBatch] = []
            kept = list(_route(batches, in_holdout, in_sample, train_out, holdout_out, _Head(first, config)))
            train_out.close()
            holdout_out.close()
    sample = pa.Table.from_batches(kept, schema=table_schema)
    sizes = None
    if train_keys is not None:  # whole entities are on each side, so their sizes are the table's
        sizes = entity_sizes(train_keys)[in_sample].reset_index(drop=True)
    order = value_order(sample.to_pandas(), None if keys is None else str(keys.name))
    return _Split(
        train_uri=workspace.uri(workspace.train_key()),
        holdout_uri=workspace.uri(workspace.holdout_key()),
        rows=rows,
        train_rows=train_rows,
        sample=sample.take(pa.array(order)),
        entity_sizes=None if sizes is None else sizes.iloc[order].reset_index(drop=True),
        first_rows=pa.Table.from_batches(first, schema=table_schema),
    )


@dataclass(frozen=True)
class _Head:
    """Where ``_route`` keeps the table's first rows (train and holdout alike, in the table's order), up
    to the most the engine trains on. Why: the windows a query takes over all its rows (a running
    total ``OVER (ORDER BY day)``) hold in the whole table, not in its training rows, which leave out
    the holdout's days between them: the engine looks for them in these (``Synthesizer.fit``'s
    ``windows_of``)."""

    batches: list[pa.RecordBatch]
    config: EngineConfig

    def keep(self, batch: pa.RecordBatch, start: int) -> None:
        room = self.config.max_training_rows - start
        if room > 0:
            self.batches.append(batch.slice(0, room))


def _training_sample(hashes: np.ndarray, keys: pd.Series | None, limit: int, seed: int) -> np.ndarray:
    """A mask of the training rows the engine learns: rows chosen by their values, or with entity
    ``keys`` runs of entities' rows, chosen and placed by their key's value (entities.runs_of_entities)."""
    if keys is None or hashes.size <= limit:
        return lowest(hashes, limit, seed, Purpose.TRAINING_SAMPLE)
    codes, key_hashes = _entity_hashes(keys, hashes)
    draws, starts = (_shares(salted(key_hashes, seed, p)) for p in (Purpose.TRAINING_SAMPLE, Purpose.RUN_START))
    return runs_of_entities(codes, draws, starts, limit)


def _entity_hashes(keys: pd.Series, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, its entity (entities.entity_codes); per entity, the hash it is chosen by: its key's,
    and a null-key row's (a guest session, an entity of its own) its row's. Why: every null took
    the last key's code (-1), so all guests went to one side of the split with one user."""
    codes, uniques = entity_codes(keys)
    return codes, np.concatenate([value_hashes(uniques), hashes[keys.isna().to_numpy()]])


def _shares(hashes: np.ndarray) -> np.ndarray:
    """Salted hashes as shares in [0, 1): their top 53 bits, which a float64 holds exactly."""
    return (hashes >> np.uint64(11)).astype(np.float64) / 2.0**53


def _row_hashes_of(uri: str, options: dict[str, Any], schema: pa.Schema | None) -> np.ndarray:
    """Every staged row's hash (row_order.row_hashes), read batch by batch."""
    hashes, start = np.empty(count_rows(uri, storage_options=options, schema=schema), dtype=np.uint64), 0
    with open_batches(uri, storage_options=options, schema=schema) as (_, batches):
        for batch in batches:
            hashes[start : start + batch.num_rows] = row_hashes(batch.to_pandas())
            start += batch.num_rows
    return hashes


KEY_PROBE_ROWS = 200_000  # about this many rows' keys are looked at before a whole key column is read


def _entity_keys(
    uri: str, options: dict[str, Any], schema: pa.Schema | None, config: EngineConfig, rows: int
) -> pd.Series | None:
    """The key column when one names entities (a user's sessions): the split holds out whole
    entities and the engine learns their sizes. Past KEY_PROBE_ROWS rows a sample of the keys
    decides whether a whole column is read (proving 10M unique ids unique took 13 s and 1.2 GB at
    the scale benchmark): the values whose hash falls in a share of about KEY_PROBE_ROWS rows, so
    a sampled user comes with all their rows and the choice does not depend on the row order."""
    if rows > KEY_PROBE_ROWS and not any(
        entity_keys(probe, config) is not None for probe in _key_probes(uri, options, schema, rows)
    ):
        return None
    whole = _key_columns(uri, options, schema)
    return None if whole is None else entity_keys(whole, config)


def _key_probes(uri: str, options: dict[str, Any], schema: pa.Schema | None, rows: int) -> list[pa.Table]:
    """Per column named like a key, the values whose hash falls in the sampled share."""
    cut = np.uint64(min(2**64 - 1, 2**64 * KEY_PROBE_ROWS // max(rows, 1)))
    kept: dict[str, list[pa.Array]] = {}
    with _key_batches(uri, options, schema) as (_, batches):
        for batch in batches:
            for name, column in zip(batch.schema.names, batch.columns, strict=True):
                kept.setdefault(name, []).append(column.filter(pa.array(value_hashes(column.to_pandas()) <= cut)))
    return [pa.table({name: pa.chunked_array(parts, parts[0].type)}) for name, parts in kept.items()]


def _key_columns(uri: str, options: dict[str, Any], schema: pa.Schema | None) -> pa.Table | None:
    """The columns named like keys, whole; None if none is."""
    with _key_batches(uri, options, schema) as (key_schema, batches):
        return pa.Table.from_batches(list(batches), key_schema) if key_schema.names else None


@contextlib.contextmanager
def _key_batches(
    uri: str, options: dict[str, Any], schema: pa.Schema | None, keep: Callable[[str], bool] = may_name_a_key
) -> Iterator[tuple[pa.Schema, Iterator[pa.RecordBatch]]]:
    """The batches of the key columns only (``keep``: which; default those named like keys; none:
    no batches)."""
    with open_batches(uri, storage_options=options, schema=schema) as (table_schema, _):
        names = [name for name in table_schema.names if keep(name)]
    if not names:
        yield pa.schema([]), iter(())
        return
    with open_batches(uri, storage_options=options, schema=schema, columns=names) as opened:
        yield opened


def _route(
    batches: Iterator[pa.RecordBatch],
    in_holdout: np.ndarray,
    in_sample: np.ndarray,
    train_out: TableWriter,
    holdout_out: TableWriter,
    head: _Head,
) -> Iterator[pa.RecordBatch]:
    """Write each batch's rows to train or holdout; yield the training rows the engine will use; keep
    the table's first rows in ``head``."""
    start = train_start = 0
    for batch in batches:
        head.keep(batch, start)
        to_holdout = in_holdout[start : start + batch.num_rows]
        train_part = batch.filter(pa.array(~to_holdout))
        holdout_out.write(batch.filter(pa.array(to_holdout)))
        train_out.write(train_part)
        yield train_part.filter(pa.array(in_sample[train_start : train_start + train_part.num_rows]))
        start, train_start = start + batch.num_rows, train_start + train_part.num_rows


@reads_staged_files("generate")
def generate(
    *,
    model_uri: str,
    staging: Store | str,
    name: str,
    run_id: str,
    rows: int,
    shard: int = 0,
    shards: int = 1,
    seed: int = 0,
    privacy: PrivacyFilters | dict[str, Any] | None = None,
    chunk_rows: int = 100_000,
    progress: Progress | None = None,
    settings_at: SettingPlaces = IN_SPEC,
) -> GenerateResult:
    """Generate this shard's share of ``rows`` synthetic rows, privacy-filtered, in bounded memory.

    Every shard has its own seed (derived from ``seed`` and ``shard``), so shards are
    independent, reproducible and can run on any worker that can read the model.
    """
    started = time.perf_counter()
    positive_rows(rows)
    if not 0 <= shard < shards:
        raise ConfigError(f"invalid shard={shard} for shards={shards}; use 0 <= shard < shards")
    workspace = Workspace(staging, name=name, run_id=run_id)
    options = workspace.store.storage_options
    synthesizer = _load_model(model_uri, options)
    settings = PrivacyFilters.model_validate(privacy or {})
    shard_seed = _shard_seed(seed, shard, shards)
    left_out = [*synthesizer.calendar_columns, *synthesizer.table_window_columns, *synthesizer.cell_columns]
    prepared = _prepared_filters(workspace, settings, shard_seed, synthesizer.entity_key, left_out)
    count = _shard_rows(rows, shard, shards)
    key = workspace.shard_key(shard, shards)
    keys = _ShardKeys.of(rows, shard, shards, chunk_rows, settings if prepared is not None else None)
    calendar = _calendar_share(seed, rows, keys.first)
    chunks = _filtered_chunks(synthesizer, count, shard_seed, chunk_rows, settings, prepared, keys, calendar)
    if synthesizer.table_window_columns:
        chunks = _with_table_windows(synthesizer, chunks, shards)
    written, filters = _write_chunks(workspace, key, chunks, count, progress)
    if filters is not None:
        workspace.store.write_bytes(workspace.filters_key(shard, shards), json.dumps(filters, default=str).encode())
        if count and not written:
            raise ModelError(_all_filtered(filters, settings_at))
        if warning := reshaped_warning(filters, settings_at.loosen):
            log.warning(warning)  # the CLI prints it as it happens, Airflow in the generate task's log
    return GenerateResult(
        uri=workspace.uri(key),
        rows=written,
        shard=shard,
        shards=shards,
        filtered_rows=sum(filters["dropped"].values()) if filters else 0,
        seconds=round(time.perf_counter() - started, 3),
        generated_rows=filters["rows_in"] + filters["resampled_rows"] if filters else 0,
    )


def _load_model(model_uri: str, options: dict[str, Any]) -> Synthesizer:
    """The model train saved at ``model_uri``. One that is not there is a FileNotFoundError, which
    the stage (``reads_staged_files``) makes a MissingInput naming train and the fix, rerunning it.

    Why: generate given a model cleaned up since train failed with the engine's ArtifactError, "no
    readable model artifact at ...; check the path or save a model there first", which named
    neither train nor rerunning it. A model that is there but unreadable keeps the engine's error."""
    try:
        return Synthesizer.load(model_uri, storage_options=options)
    except ArtifactError as exc:
        if not _not_there(exc):
            raise
        raise FileNotFoundError(errno.ENOENT, "no model artifact", model_uri) from exc


def _not_there(exc: BaseException) -> bool:
    """Whether ``exc`` was caused by a file that is not there (a missing bucket says so itself)."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, StoreNotWritable):
        if isinstance(cause, FileNotFoundError):
            return True
        cause = cause.__cause__
    return False


def _all_filtered(filters: dict[str, Any], settings_at: SettingPlaces) -> str:
    """Why a shard has no rows, and what to change. (Evaluated, it had failed with "synthetic data
    has no rows: generate some before evaluating them".)"""
    dropped = filters["dropped"]
    worst = max(dropped, key=dropped.get)
    setting = {"exact_copy": "exact_copies", "similarity": "similarity", "outlier": "outliers"}[worst]
    return (
        f"the privacy filters dropped every one of the {filters['rows_in'] + filters['resampled_rows']:,} rows "
        f"generated in {filters['rounds'] + 1} round(s) ({dropped['exact_copy']:,} as exact copies, "
        f"{dropped['similarity']:,} as near copies, {dropped['outlier']:,} as outliers); widen the query"
        + settings_at.privacy.format(setting=setting)
    )


@reads_staged_files("evaluate")
def evaluate(
    *,
    synthetic_uris: list[str],
    train_uri: str,
    holdout_uri: str,
    staging: Store | str,
    name: str,
    run_id: str,
    gates: Gates | dict[str, Any] | None = None,
    target: str | None = None,
    model_uri: str | None = None,
    seed: int = 0,
    settings_at: SettingPlaces = IN_SPEC,
) -> EvaluateResult:
    """Write the quality & privacy report next to the data and check the gates.

    ``settings_at``: where a failed gate's message says to loosen it (the pipeline spec by default).

    Raises:
        GateFailed: after the report is written, when a gate fails; it names the gate,
            the value and the threshold. Nothing is published by this stage either way.
    """
    workspace = Workspace(staging, name=name, run_id=run_id)
    options = workspace.store.storage_options
    synthetic = _read_frames(synthetic_uris, options)
    real = in_content_order(read_table(train_uri, storage_options=options).to_pandas(), seed)
    holdout = in_content_order(read_table(holdout_uri, storage_options=options).to_pandas(), seed)
    protections = _protections(workspace, model_uri, synthetic_uris)
    checked = Gates.model_validate(gates or {})
    report = evaluate_report(
        real=real, synthetic=synthetic, holdout=holdout, target=target, protections=protections, seed=seed
    )
    report = with_gates(report, checked)
    json_uri = workspace.store.write_bytes(workspace.report_key("json"), report.to_json().encode())
    html_uri = workspace.store.write_bytes(workspace.report_key("html"), report.to_html().encode())
    failures = [gate for gate in report.gates if not gate.passed]
    if report.quality.grade in (Grade.POOR, Grade.VERY_POOR) and (cells := cell_labels(real)):
        log.warning(_poor_cells_warning(report.quality, cells))
    result = _evaluation_result(report, json_uri, html_uri, failures)
    if failures:
        raise GateFailed(
            "the synthetic data failed its gates and was not published: "
            + "; ".join(result.failures)
            + f" (report: {html_uri}); {_how_to_publish(failures, real, settings_at)}",
            failures=[_as_dict(f) for f in failures],
        )
    return result


SYNTHESISE_THE_ROWS = "synthesise the rows the cells were computed from (the query without its GROUP BY)"


def _how_to_publish(
    failures: list[GateResult], real: pd.DataFrame | None = None, settings_at: SettingPlaces = IN_SPEC
) -> str:
    """The keys that loosen the failed gates, and for a distance gate the way that keeps it; for
    an attack failed by distance on a table of cells (``cell_labels`` of the training rows
    ``real``), why and what to synthesise instead.

    Why the second: a table of a few hundred rows fails the distance gates where the model,
    trained to the best likelihood on its few rows, sits near them; three epochs published 10 of
    the 30 such tables of 100-1,241 rows the pipeline scan stopped (mpg's attack AUC 0.64 -> 0.58,
    quality 84), where loosening the gate publishes rows that near. An attack that fails by the
    training rows' distance (``inverted_attack``) is not helped by training less: the filters
    kept rows away from them."""
    gates = [f.gate for f in failures]
    example = json.dumps({"gates": dict.fromkeys(gates)})
    advice = "to publish such data, " + settings_at.gates.format(gates=", ".join(gates), example=example)
    if distance := DISTANCE_GATES.intersection(f.gate for f in failures if not inverted_attack(f)):
        advice += (
            f"; or keep the gate{'s' if len(distance) > 1 else ''} and train the model less "
            f"({settings_at.engine}), which keeps a small table's synthetic rows "
            "farther from its training rows, at some cost in fidelity"
        )
    cells = cell_labels(real) if real is not None and any(inverted_attack(f) for f in failures) else []
    if cells:
        advice += (
            f". Every training row is its own combination of {', '.join(cells)}: a table of cells (counts per "
            "group, one result per condition), where each synthetic row either lands on a training row's cell or "
            "keeps away from it, so which cells were trained on shows however the rows are drawn; "
            f"{SYNTHESISE_THE_ROWS} instead"
        )
    return advice


def _poor_cells_warning(quality: Quality, cells: list[str]) -> str:
    """Why a table of cells comes back poor, and what to synthesise instead. Why: a GROUP BY ROLLUP of
    users by destination and gender (56 rows) was published at quality 54.9 with 48 of its labels
    `_RARE_` and no word of why: each label combination is one row, so every label is held by few
    rows and protected, and each cell is learned from its one row."""
    return (
        f"quality is {quality.score or 0:.1f} ({quality.grade}): every training row is its own combination of "
        f"{', '.join(cells)}, a table of cells (a GROUP BY's counts per group, one result per condition), so "
        "each cell is learned from one row and labels held by few rows are protected; to keep more of the "
        f"statistics, {SYNTHESISE_THE_ROWS} and aggregate the synthetic rows"
    )


MAX_CELL_LABELS = 10  # label columns searched for a table of cells (2**10 subsets at most)


def cell_labels(real: pd.DataFrame) -> list[str]:
    """The fewest label columns (not floats, each value held by two rows on average) whose every
    combination of values is one row, and whose combinations the rows nearly fill (at most twice
    as many as rows: a crossed design, not wide rows that merely differ); [] when there are none.

    Why: the pipeline scan stopped 24 small tables with an attack AUC near 0 (Titanic's 32 rows are
    the 32 cells of class x sex x age x survival, one count each; barley, oats, solder are designed
    experiments, one result per condition); their users were told only to loosen the gate."""
    rows = len(real)
    distinct = {str(c): _distinct_values(real[c]) for c in real.columns if not pd.api.types.is_float_dtype(real[c])}
    labels = sorted((c for c, n in distinct.items() if 2 <= n <= rows // 2), key=distinct.__getitem__)[:MAX_CELL_LABELS]
    for size in range(2, len(labels) + 1):
        for subset in itertools.combinations(labels, size):
            crossed = int(np.prod([distinct[c] for c in subset], dtype=np.float64))
            if rows <= crossed <= 2 * rows and not real.duplicated(list(subset)).any():  # fewer: some repeat
                return [str(c) for c in real.columns if str(c) in subset]  # in the table's order
    return []


def _distinct_values(column: pd.Series) -> int:
    """Distinct values of a column; 0 for one of lists, maps or structs (no label), whose values
    pandas cannot hash: a gate failed on a query with a LIST column, and its advice failed the run
    with "TypeError: unhashable type: 'numpy.ndarray'" in place of the gate's message."""
    try:
        return int(column.nunique())
    except TypeError:
        return 0


def positive_rows(rows: int) -> int:
    """``rows`` if it is a count of rows to generate, else a ConfigError naming the setting.

    Why: an Airflow run with ``{"rows": 0}`` silently generated as many rows as the staged
    features (0 read as unset), and ``{"rows": -5}`` failed after training with the engine's
    "need n >= 0, chunk_size >= 1 and key_start >= 0"."""
    if rows < 1:
        raise ConfigError(
            f"invalid rows={rows}; the number of synthetic rows must be at least 1 (leave rows unset for "
            "as many as the staged features)",
            rows=rows,
        )
    return rows


@reads_staged_files("synthesize")
def synthesize(
    *,
    features_uri: str,
    staging: Store | str,
    name: str,
    run_id: str,
    rows: int | None = None,
    engine: dict[str, Any] | None = None,
    holdout_fraction: float = 0.2,
    seed: int = 0,
    privacy: PrivacyFilters | dict[str, Any] | None = None,
    gates: Gates | dict[str, Any] | None = None,
    target: str | None = None,
    progress: Progress | None = None,
    settings_at: SettingPlaces = IN_SPEC,
) -> SynthesizeResult:
    """Train, generate ``rows`` rows (default: as many as the staged features), filter, evaluate, gate.

    ``settings_at``: where a failed gate's message says to loosen it (the pipeline spec by default)."""
    started = time.perf_counter()
    if rows is not None:
        positive_rows(rows)  # before training: a bad count would fail only after it
    store = as_store(staging)
    common: dict[str, Any] = {"staging": store, "name": name, "run_id": run_id}
    if target is not None:  # before training too: evaluate would refuse a misspelt target only after it
        check_target(target, _staged_columns(features_uri, Workspace(store, name=name, run_id=run_id)))
    trained = train(features_uri=features_uri, engine=engine, holdout_fraction=holdout_fraction,
                    seed=seed, progress=progress, **common)  # fmt: skip
    generated = generate(model_uri=trained.model_uri, rows=trained.rows if rows is None else rows, seed=seed,
                         privacy=privacy, progress=progress, settings_at=settings_at, **common)  # fmt: skip
    evaluation = evaluate(synthetic_uris=[generated.uri], train_uri=trained.train_uri,
                          holdout_uri=trained.holdout_uri, gates=gates, target=target,
                          model_uri=trained.model_uri, seed=seed, settings_at=settings_at, **common)  # fmt: skip
    return SynthesizeResult(
        model_uri=trained.model_uri,
        synthetic_uris=[generated.uri],
        rows=generated.rows,
        evaluation=evaluation,
        seconds=round(time.perf_counter() - started, 3),
        filtered_rows=generated.filtered_rows,
        generated_rows=generated.generated_rows,
    )


def _staged_columns(uri: str, workspace: Workspace) -> list[str]:
    """The staged features' column names, read from the Parquet footer or the CSV's first batch."""
    options, schema = workspace.store.storage_options, _staged_schema(uri, workspace)
    with open_batches(uri, storage_options=options, schema=schema) as (staged, _):
        return [str(name) for name in staged.names]


def _staged_schema(uri: str, workspace: Workspace) -> pa.Schema | None:
    """Staged CSV gets its column types back from the schema JSON beside it (Parquet carries its own);
    a CSV whose header is not the schema's columns is a SchemaError (``_not_one_extract``).

    Beside the CSV, not under this run's name: train given a features URI of another run or
    store found no schema under its own run id, and learned zip code ``'00042'`` as int64 42."""
    if not uri.endswith(".csv"):
        return None
    try:
        with open_uri(_schema_uri(uri), workspace.store.storage_options) as handle:
            schema = schema_from_json(handle.read().decode())
    except FileNotFoundError:
        return None
    with open_batches(uri, storage_options=workspace.store.storage_options) as (header, _):
        if header.names != schema.names:
            raise _not_one_extract(uri, workspace, _column_difference(header.names, schema.names))
    return schema


def _schema_uri(features_uri: str) -> str:
    """The schema JSON extract writes beside staged features (``Workspace.schema_key``)."""
    return features_uri.rsplit(".", 1)[0] + ".schema.json"


@contextlib.contextmanager
def _read_as_described(uri: str, workspace: Workspace, schema: pa.Schema | None) -> Iterator[None]:
    """A CSV value its schema's type cannot hold (``plan`` 'a' read as int64) is a SchemaError too:
    the schema is of another extract (``_not_one_extract``); Arrow raised a bare ArrowInvalid."""
    try:
        yield
    except pa.ArrowInvalid as exc:
        column = re.match(r"In CSV column #(\d+): CSV conversion error", str(exc))
        if schema is None or column is None:
            raise
        field = schema.field(int(column[1]))
        # not Arrow's text, which quotes the value: a rare one would reach the task's log
        how = f"column {field.name!r} holds values its schema's type, {field.type}, cannot read"
        raise _not_one_extract(uri, workspace, how) from exc


def _not_one_extract(uri: str, workspace: Workspace, how: str) -> SchemaError:
    """Staged features and a schema JSON that do not describe each other, with the fix.

    Why: a re-extract killed between its two writes (before extract wrote the schema first and
    the features last) left the new CSV beside the old schema; train failed with a bare KeyError
    or ArrowInvalid, which Airflow retried, and which named neither file nor the fix."""
    schema_uri = redact_url(_schema_uri(uri))
    return SchemaError(
        f"the staged features {uri!r} and the schema beside them, {schema_uri!r}, are not of one extract ({how}): "
        f"a re-extract of run {workspace.run_id} was stopped between them, or one was replaced; run extract again "
        "for this run (in Airflow: clear the task that runs extract, with its downstream tasks)",
        uri=uri,
        schema_uri=schema_uri,
    )


def _column_difference(csv: list[str], described: list[str]) -> str:
    """How a CSV's header differs from its schema's columns, in a few names."""
    only_csv, only_schema = [c for c in csv if c not in described], [c for c in described if c not in csv]
    parts = [
        f"{where} {names[:5]}"
        for where, names in (("the CSV alone has", only_csv), ("the schema alone has", only_schema))
        if names
    ]
    return "; ".join(parts) or "the same columns in another order"


def holdout_mask(hashes: np.ndarray, *, fraction: float, seed: int, keys: pd.Series | None = None) -> np.ndarray:
    """A seeded split by the rows' values (``hashes``: row_order.row_hashes of each row); the
    holdout stands in for 'real people the model never saw'. With ``keys`` naming entities (a
    user's sessions) whole entities are held out, chosen by their key: with the user's other
    sessions in training, the holdout's users were people the model saw."""
    rows = hashes.size
    if not 0 < fraction < 1:
        raise ConfigError(f"invalid holdout_fraction={fraction}; use a share between 0 and 1, e.g. 0.2")
    if rows < MIN_ROWS:
        raise ConfigError(
            f"the staged features have {rows} rows; synthesizing needs at least {MIN_ROWS} "
            "(some are held out to check privacy); widen the query",
            rows=rows,
        )
    codes, unit_hashes = np.arange(rows), hashes
    if keys is not None:
        codes, unit_hashes = _entity_hashes(keys, hashes)
    held = lowest(unit_hashes, max(1, round(unit_hashes.size * fraction)), seed, Purpose.HOLDOUT)
    return held[codes]


def _prepared_filters(
    workspace: Workspace, settings: PrivacyFilters, seed: int, key: str | None, grain: Sequence[str] = ()
) -> PreparedFilters | None:
    """The privacy filters measured against this run's train and holdout, built once per shard
    (None when filters are off); ``key``: the model's entities, judged whole; ``grain``: its
    calendar's columns and its windows over the whole table, left out of the distances.

    Why sampled and streamed: train and holdout can be far larger than memory. The encoder and
    the reference rows come from a seeded sample of train (all of it up to FILTER_SAMPLE_ROWS),
    the thresholds from a seeded sample of the holdout, and only the exact-copy check reads
    every training and holdout row, batch by batch, keeping one 8-byte hash per row.
    """
    if not settings.enabled:
        return None
    options = workspace.store.storage_options
    train_uri, holdout_uri = workspace.uri(workspace.train_key()), workspace.uri(workspace.holdout_key())
    limit = max(settings.reference_rows, FILTER_SAMPLE_ROWS)
    return prepare_filters(
        train=_seeded_rows(train_uri, options, limit, seed),
        holdout=_seeded_rows(holdout_uri, options, HOLDOUT_DISTANCE_ROWS, seed + 1, key),
        settings=settings,
        seed=seed,
        all_train=_frames(train_uri, options),
        key=key,
        grain=grain,
        all_holdout=_frames(holdout_uri, options),
    )


def _seeded_rows(uri: str, options: dict[str, Any], limit: int, seed: int, key: str | None = None) -> pd.DataFrame:
    """At most ``limit`` rows of a Parquet file, chosen and ordered by their values (row_order),
    read batch by batch; with ``key``, all the rows of entities chosen by their key's value, until
    they hold ``limit`` rows and ``HOLDOUT_ENTITIES`` entities or more (the filters judge an entity
    by the median of its rows, and a median of the few rows a row sample leaves of each holdout
    entity spreads wider: it let 1.5% of a snapshot table's rows go as near copies where 5% was
    asked for; and the 99.9% quantile of 100 users' medians is their largest)."""
    hashes = _row_hashes_of(uri, options, None)
    if hashes.size <= limit:
        picked = None
    elif key is not None:
        picked = _whole_entities(_key_hashes_of(uri, options, key), limit, seed)
    else:
        picked = np.flatnonzero(lowest(hashes, limit, seed, Purpose.REFERENCE))
    kept, start = [], 0
    with open_batches(uri, storage_options=options) as (schema, batches):
        for batch in batches:
            if picked is None:
                kept.append(batch)
            else:
                lo, hi = np.searchsorted(picked, [start, start + batch.num_rows])
                kept.append(batch.take(pa.array(picked[lo:hi] - start)))
            start += batch.num_rows
        rows = pa.Table.from_batches(kept, schema=schema)
    order = seeded_order(hashes if picked is None else hashes[picked], seed)
    return rows.take(pa.array(order)).to_pandas()


def _key_hashes_of(uri: str, options: dict[str, Any], key: str) -> np.ndarray:
    """Each row's hash of its entity key's value, reading the key column only."""
    with open_batches(uri, storage_options=options, columns=[key]) as (_, batches):
        parts = [value_hashes(batch.column(0).to_pandas()) for batch in batches]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


HOLDOUT_ENTITIES = 1_000  # holdout entities the entity filters' thresholds are quantiles of, at least


def _whole_entities(key_hashes: np.ndarray, limit: int, seed: int) -> np.ndarray:
    """The sorted positions of the rows of entities taken in a seeded order of their keys until
    they hold ``limit`` rows and ``HOLDOUT_ENTITIES`` entities or more."""
    keys, entity, sizes = np.unique(key_hashes, return_inverse=True, return_counts=True)
    order = seeded_order(keys, seed)
    count = max(int(np.searchsorted(np.cumsum(sizes[order]), limit)) + 1, HOLDOUT_ENTITIES)
    return np.flatnonzero(np.isin(entity.ravel(), order[:count]))


def _frames(uri: str, options: dict[str, Any]) -> Iterator[pd.DataFrame]:
    """Every row of a Parquet file as pandas frames, one batch at a time."""
    with open_batches(uri, storage_options=options) as (_, batches):
        for batch in batches:
            yield batch.to_pandas()


def _calendar_share(seed: int, rows: int, first: int) -> Share:
    """Where a shard's rows, from row ``first`` of the table's ``rows``, take their calendar dates
    (a model with a calendar: one row per day): from one stream for the whole table, the one a
    single shard samples, so the shards share its dates out and a run in one shard is unchanged.
    Why: each shard chose dates from its own seed, and a 500-day table in 2 shards came back with
    453 distinct days (4 shards: 420). Each shard chooses the whole table's dates: a few numbers a
    row, as one shard does."""
    return Share(seed=_shard_seed(seed, 0, 1), rows=rows, first=first)


def _shard_seed(seed: int, shard: int, shards: int) -> int:
    return int(np.random.SeedSequence([seed, shard, shards]).generate_state(1)[0])


def _shard_rows(rows: int, shard: int, shards: int) -> int:
    return rows // shards + (1 if shard < rows % shards else 0)


@dataclass(frozen=True)
class _ShardKeys:
    """Where one shard's streams take their fresh identifier keys (``Synthesizer.sample``'s
    ``key_start``).

    Why: shards and refills are sampled with seeds of their own, and left to the engine every
    such seed takes a 2**32-key range of its own: ``C0000``-style keys came out as
    ``C600633996481816``. Here the shard's rows take the keys of their row numbers in the whole
    table, and its refills the keys past the table's rows, in a stretch no other shard's refills
    reach (the most rows the filters may ask for), so keys stay unique and in the real format.
    """

    first: int
    refills_from: int

    @classmethod
    def of(cls, rows: int, shard: int, shards: int, chunk_rows: int, filters: PrivacyFilters | None) -> _ShardKeys:
        """``filters``: the settings the shards are filtered with; None when they are off."""
        counts = [_shard_rows(rows, s, shards) for s in range(shard)]
        reserved = 0 if filters is None else sum(_most_refills(c, chunk_rows, filters) for c in counts)
        return cls(first=sum(counts), refills_from=rows + reserved)


def _most_refills(count: int, chunk_rows: int, filters: PrivacyFilters) -> int:
    """The most rows a shard of ``count`` rows, filtered chunk by chunk, may resample. A chunk of
    entities ends where its last entity does (``_at_entity_ends``), so its size moves by some rows
    from chunk to chunk: each round keeps a row of slack."""
    chunks = range(0, count, chunk_rows)
    return sum(most_resampled_rows(min(chunk_rows, count - s), filters) + filters.max_rounds for s in chunks)


def _filtered_chunks(
    synthesizer: Synthesizer,
    count: int,
    seed: int,
    chunk_rows: int,
    settings: PrivacyFilters,
    prepared: PreparedFilters | None,
    keys: _ShardKeys,
    calendar: Share,
) -> Iterator[tuple[pa.Table, dict[str, Any] | None]]:
    """Synthetic chunks after the privacy filters, each with the filters' summary (None when off)."""
    refills = _Refills(synthesizer, keys.refills_from)
    sampled = synthesizer.sample_chunks(count, chunk_size=chunk_rows, seed=seed, key_start=keys.first,
                                        calendar_share=calendar)  # fmt: skip
    if prepared is not None and synthesizer.entity_key is not None:
        sampled = _at_entity_ends(sampled, synthesizer.entity_key)
    for index, chunk in enumerate(sampled):
        frame = chunk.to_pandas() if isinstance(chunk, pa.Table) else chunk
        # the model's Arrow schema, not pandas' guess, so decimal(38,10) and string stay as staged
        schema = chunk.schema if isinstance(chunk, pa.Table) else None
        if prepared is None:
            yield pa.Table.from_pandas(frame, schema=schema, preserve_index=False), None
            continue
        refill_seed = int(np.random.SeedSequence([seed, index, 1]).generate_state(1)[0])
        filtered, summary = apply_filters(frame, settings=settings, prepared=prepared, seed=refill_seed,
                                          resample=refills.resampler(refill_seed),
                                          replace=refills.on_calendar(refill_seed),
                                          exact_refills=synthesizer.cut_entities_break_windows)  # fmt: skip
        yield pa.Table.from_pandas(filtered, schema=schema, preserve_index=False), summary


def _with_table_windows(
    synthesizer: Synthesizer, chunks: Iterator[tuple[pa.Table, dict[str, Any] | None]], shards: int
) -> Iterator[tuple[pa.Table, dict[str, Any] | None]]:
    """The shard's filtered rows as one chunk, each window over the whole table (a running total
    ``OVER (ORDER BY day)``, a rank ``OVER (ORDER BY revenue DESC)``) rebuilt over all of them
    (``Synthesizer.with_table_windows``). Why: the privacy filters drop rows and refill them with
    new draws, and a running total taken over the rows as sampled then broke at every refilled day.
    With several shards each shard's windows are over its own rows (warned)."""
    if shards > 1:
        log.warning(
            "columns %s are windows over the whole table; with %d shards each shard's are over its own rows "
            "(generate with one shard to take them over all rows)",
            ", ".join(synthesizer.table_window_columns),
            shards,
        )
    tables, merged = [], None
    for table, summary in chunks:
        tables.append(table)
        merged = merge_filter_summaries(merged, summary)
    if not tables:
        return
    whole = pa.concat_tables(tables)
    rebuilt = synthesizer.with_table_windows(whole)
    if isinstance(rebuilt, pd.DataFrame):
        rebuilt = pa.Table.from_pandas(rebuilt, schema=whole.schema, preserve_index=False)
    yield rebuilt, merged


Chunk = TypeVar("Chunk", pa.Table, pd.DataFrame)


def _at_entity_ends(chunks: Iterable[Chunk], key: str) -> Iterator[Chunk]:
    """The same rows in chunks that end where an entity does (the last chunk where the rows do):
    the filters judge an entity's rows together, so one cut by a chunk's end was judged twice,
    its halves possibly apart. An entity's rows are contiguous."""
    pending: Chunk | None = None
    for chunk in chunks:
        if pending is not None:
            cut = _last_entity_start(pending, key)
            if cut:
                yield pending.slice(0, cut) if isinstance(pending, pa.Table) else pending.iloc[:cut]
            chunk = _joined(pending.slice(cut) if isinstance(pending, pa.Table) else pending.iloc[cut:], chunk)
        pending = chunk
    if pending is not None:
        yield pending


def _last_entity_start(chunk: pa.Table | pd.DataFrame, key: str) -> int:
    keys = chunk.column(key).to_pandas() if isinstance(chunk, pa.Table) else chunk[key]
    if not len(keys):
        return 0
    codes = entity_codes(keys.reset_index(drop=True))[0]  # a null-key row is an entity of its own
    different = np.flatnonzero(codes != codes[-1])
    return int(different[-1]) + 1 if different.size else 0


def _joined(head: Chunk, tail: Chunk) -> Chunk:
    if isinstance(head, pa.Table):
        return pa.concat_tables([head, tail])
    return pd.concat([head, tail], ignore_index=True)


class _Refills:
    """Rows that replace filtered ones: each round with a seed of its own and the shard's next
    unused refill keys (the rounds run in a fixed order, so a retried task draws the same keys)."""

    def __init__(self, synthesizer: Synthesizer, keys_from: int) -> None:
        self.synthesizer = synthesizer
        self.next_key = keys_from

    def resampler(self, seed: int) -> Callable[[int], pd.DataFrame]:
        rounds = _round_seeds(seed)
        return lambda n: self._sampled(n, next(rounds), None)

    def on_calendar(self, seed: int) -> Callable[[pd.DataFrame], pd.DataFrame] | None:
        """For a model with a calendar (a daily KPI table's day), rows in place of dropped rows on
        their dates (``apply_filters``' ``replace``): each date stays one row's. With a panel (one
        row per day and country) on their date and segment (``calendar_keys``): a refill on the
        dropped row's day alone would choose its own country, and that (day, country) another row's.
        With cells (a ``GROUP BY``'s labels), on their combinations: a refill's own drew one a kept
        row held (a cohort table of 228 cells: 8% of them twice), and found none free where the
        rows hold every combination of a design. With a quota (a label a count is taken within), on
        their label's values, so each value keeps its rows. None without any."""
        keys = self.synthesizer.calendar_keys
        if not keys:
            return None
        rounds = _round_seeds(seed)
        given = keys[0] if len(keys) == 1 else keys  # a panel's: a frame of both
        return lambda places: self._sampled(len(places), next(rounds), places[given])

    def _sampled(self, n: int, seed: int, dates: pd.Series | pd.DataFrame | None) -> pd.DataFrame:
        sampled = self.synthesizer.sample(n, seed=seed, key_start=self.next_key, calendar_values=dates)
        self.next_key += n
        return sampled.to_pandas() if isinstance(sampled, pa.Table) else sampled


def _round_seeds(seed: int) -> Iterator[int]:
    """The seeds of a chunk's refill rounds, one after another."""
    return (int(np.random.SeedSequence([seed, call]).generate_state(1)[0]) for call in itertools.count())


def _write_chunks(
    workspace: Workspace,
    key: str,
    chunks: Iterator[tuple[pa.Table, dict[str, Any] | None]],
    total: int,
    progress: Progress | None,
) -> tuple[int, dict[str, Any] | None]:
    """Stream the chunks into one Parquet shard; returns its row count and the merged filter summary."""
    written = 0
    merged: dict[str, Any] | None = None
    writer: pq.ParquetWriter | None = None
    with workspace.store.atomic_writer(key) as handle:
        for table, summary in chunks:
            if writer is None:
                writer = pq.ParquetWriter(handle, table.schema, compression="zstd")
            writer.write_table(table.cast(writer.schema))
            written += table.num_rows
            merged = merge_filter_summaries(merged, summary)
            if progress:
                progress("generate", written / max(total, 1))
        if writer is not None:
            writer.close()
    return written, merged


def merge_filter_summaries(total: dict[str, Any] | None, part: dict[str, Any] | None) -> dict[str, Any] | None:
    """Add up the privacy filters' per-chunk summaries (counts add; settings and thresholds are shared;
    the columns the filters reshaped are found again on the summed counts)."""
    if part is None or total is None:
        return part if total is None else total
    merged = {**total, "dropped": {k: total["dropped"][k] + part["dropped"].get(k, 0) for k in total["dropped"]}}
    for count in ("rows_in", "rows_out", "resampled_rows", "rounds", "shortfall"):
        merged[count] = total.get(count, 0) + part.get(count, 0)
    if "shift" in total or "shift" in part:
        merged["shift"] = merge_shift(total.get("shift"), part.get("shift"))
    return merged


def _read_frames(uris: list[str], options: dict[str, Any]) -> pd.DataFrame:
    tables = [read_table(uri, storage_options=options) for uri in uris]
    return pa.concat_tables(tables).to_pandas() if tables else pd.DataFrame()


def _protections(workspace: Workspace, model_uri: str | None, synthetic_uris: list[str]) -> dict[str, Any]:
    """What protected this synthetic set: the engine's choices and the privacy filters' work."""
    options = workspace.store.storage_options
    protections: dict[str, Any] = {}
    if model_uri is not None:
        protections["engine"] = _load_model(model_uri, options).describe()
    summaries = []
    for uri in synthetic_uris:
        key = uri.rsplit("/", 1)[-1].removesuffix(".parquet") + ".filters.json"
        if workspace.store.exists(key):
            summaries.append(json.loads(workspace.store.read_bytes(key)))
    merged: dict[str, Any] | None = None
    for summary in summaries:
        merged = merge_filter_summaries(merged, summary)
    if merged is not None and "shift" in merged:
        merged["shift"] = shift_for_report(merged["shift"])
    protections["privacy_filters"] = merged or {"enabled": False}
    return protections


def _evaluation_result(report: Any, json_uri: str, html_uri: str, failures: list[Any]) -> EvaluateResult:
    return EvaluateResult(
        report_json_uri=json_uri,
        report_html_uri=html_uri,
        quality_score=report.quality.score,
        quality_grade=str(report.quality.grade),
        privacy_grade=str(report.privacy.grade),
        dcr_share=report.privacy.dcr_share,
        identical_share=report.privacy.identical_share,
        identical_share_holdout=report.privacy.identical_share_holdout,
        mia_auc=report.privacy.mia_auc,
        passed=not failures,
        failures=[str(_as_dict(f).get("message", f)) for f in failures],
    )


def _as_dict(failure: Any) -> dict[str, Any]:
    return failure.model_dump() if hasattr(failure, "model_dump") else dict(failure)
