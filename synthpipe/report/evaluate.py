"""``evaluate``: the one public entry point that builds a :class:`Report`."""

from __future__ import annotations

import difflib
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.entities import entity_codes
from synthpipe.errors import ConfigError, SchemaError
from synthpipe.report._arrays import bin_edges, sample_rows, to_arrays
from synthpipe.report._columns import (
    COMPARED_KINDS,
    CONTINUOUS_KINDS,
    Column,
    align,
    comparable,
    describe_columns,
    nested_layout,
)
from synthpipe.report._entities import described_entities, entity_rows, entity_structure
from synthpipe.report._privacy_metrics import (
    COMPARED_ROWS,
    FEW_DISTANCE_ROWS,
    MOST_TRAIN_SAMPLES,
    privacy_section,
    reported_chance_spread,
)
from synthpipe.report._quality import column_results, heatmap, pair_results, quality_section
from synthpipe.report._structure import constraints, deep_structure
from synthpipe.report._unreadable import unreadable_warnings
from synthpipe.report._utility import chosen_target, utility
from synthpipe.report.distance import RowEncoder
from synthpipe.report.model import Privacy, Report, Sampling, Utility

DEFAULT_MAX_ROWS = 20_000
DEFAULT_PRIVACY_ROWS = 10_000


def _normalise(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Columns named by their text, rows numbered from 0; a name held by two columns is refused.

    Why refused: ``frame[name]`` then returns a frame, not a column, and evaluating a table with
    columns ``1`` and ``"1"`` (both read ``"1"``) or a ``SELECT a, a`` failed with pandas'
    ``'DataFrame' object has no attribute 'dtype'``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    out = frame.rename(columns=str).reset_index(drop=True)
    doubled = sorted(set(out.columns[out.columns.duplicated()]))
    if doubled:
        raise SchemaError(
            f"{name} data has more than one column named {doubled}: give each column its own name "
            "(e.g. SELECT a, a AS a_again)",
            columns=doubled,
        )
    return out


def _check_holdout(real: pd.DataFrame, holdout: pd.DataFrame) -> None:
    """Refuse a holdout that lacks real columns: the privacy measures compare its rows with the
    training rows, and a column missing from it reads as all-null there.

    Why: a holdout without one numeric column of 13 put every synthetic row nearer the training
    rows than the holdout rows (DCR share 1.0, attack AUC 1.0) and graded privacy 0 "Very poor"
    for fresh real rows, with no warning.
    """
    missing = [c for c in real.columns if c not in holdout.columns]
    if missing:
        raise SchemaError(
            f"the holdout lacks real columns {missing}: pass holdout rows of the same table as the real rows",
            columns=missing,
        )


def check_target(target: str | None, names: list[str]) -> None:
    """Refuse a target that names no column of ``names``: a typo (``target="survied"``) dropped ML
    utility from the quality score, and the report said only "no usable target column". The
    pipeline checks it on the staged columns before training as well (``synthesize.synthesize``)."""
    if target is None or target in names:
        return
    close = difflib.get_close_matches(target, names, n=3)
    hint = f"did you mean {close}?" if close else f"the columns are {names[:30]}" + (" ..." if len(names) > 30 else "")
    raise ConfigError(f"target {target!r} is not a column of the real data; {hint}", target=target)


def _column_warnings(real: pd.DataFrame, synthetic: pd.DataFrame) -> list[str]:
    out = []
    missing = [c for c in real.columns if c not in synthetic.columns]
    extra = [c for c in synthetic.columns if c not in real.columns]
    if missing:
        out.append(f"synthetic data lacks real columns {missing}: compared as all-null")
    if extra:
        out.append(f"synthetic columns not in the real data are ignored: {extra}")
    return out


def _width_notes(columns: list[Column]) -> list[str]:
    """What the width limits left out, so the report says so."""
    from synthpipe.report._quality import HEATMAP_COLUMNS, MAX_PAIRS
    from synthpipe.report._structure import MAX_CONSTRAINT_COLUMNS

    compared = [c for c in columns if c.kind in COMPARED_KINDS]
    continuous = [c for c in compared if c.kind in CONTINUOUS_KINDS]
    notes = []
    n_pairs = len(compared) * (len(compared) - 1) // 2
    if n_pairs > MAX_PAIRS:
        notes.append(f"pair trends use a seeded sample of {MAX_PAIRS:,} of the {n_pairs:,} column pairs")
    if len(compared) > HEATMAP_COLUMNS:
        notes.append(
            f"the heatmaps show {HEATMAP_COLUMNS} of {len(compared):,} compared columns, those of the least "
            "faithful pairs, with every pair of them measured"
        )
    if len(continuous) > MAX_CONSTRAINT_COLUMNS:
        notes.append(f"logical rules are looked for among the first {MAX_CONSTRAINT_COLUMNS} numeric columns")
    return notes


def _more_rows(fewest: str) -> str:
    """What makes the privacy measures meaningful when the ``fewest`` set bounds them. Why: a
    1-row synthetic set was reported as "only 1 holdout rows" beside a 200-row holdout."""
    if fewest == "synthetic":
        return "generating more synthetic rows makes them meaningful"
    return "a larger table (or holdout share) makes them meaningful"


def _sampling(
    real: pd.DataFrame,
    syn: pd.DataFrame,
    hol: pd.DataFrame | None,
    max_rows: int | None,
    privacy: Privacy,
    columns: list[Column],
    entity_key: str | None = None,
) -> Sampling:
    n_hol = 0 if hol is None else len(hol)
    notes = []
    big = max_rows is not None and max(len(real), len(syn), n_hol) > max_rows
    if big:
        notes.append(
            f"pair trends, deep structure and ML utility use seeded samples of at most "
            f"{max_rows:,} rows per set; column shapes, exact copies and constraints use all rows"
        )
    priv, samples = privacy.sample_rows, privacy.train_samples
    if samples:
        notes.append(
            f"distance metrics compare {priv:,} holdout rows with "
            + (f"{samples} disjoint samples" if samples > 1 else "a sample")
            + f" of as many training rows and {privacy.synthetic_rows_compared:,} synthetic rows"
        )
    if entity_key is not None and hol is not None:
        notes.append(f"each training sample comes from as many distinct {entity_key} values as the holdout rows do")
    if hol is not None and 0 < priv < FEW_DISTANCE_ROWS:
        spread = reported_chance_spread(privacy)
        fewest = min((len(hol), "holdout"), (len(syn), "synthetic"), (len(real), "training"))[1]
        notes.append(
            f"only {priv:,} {'row' if priv == 1 else 'rows'} of each set could be compared for privacy (as many "
            f"as the {fewest} set has): at that size chance alone moves the DCR share by about ±{spread:.2f} "
            "(one standard error), so the DCR share, the attack AUC and the gates on them say little; "
            + _more_rows(fewest)
        )
    notes += _width_notes(columns)
    return Sampling(
        rows_real=len(real),
        rows_synthetic=len(syn),
        rows_holdout=n_hol,
        columns=real.shape[1],
        max_rows=max_rows,
        subsampled=big,
        notes=notes,
    )


def _privacy(
    columns: list[Column],
    real: pd.DataFrame,
    hol: pd.DataFrame | None,
    syn: pd.DataFrame,
    n: int,
    max_rows: int | None,
    seed: int,
    protections: dict[str, Any],
    named: tuple[str, list[str]] | None,
) -> Privacy:
    """``named``: the entities' key and shared columns, when the rows belong to entities."""
    hol_s = None if hol is None else sample_rows(hol, n, seed + 1).reset_index(drop=True)
    samples = (
        _train_samples(real, hol_s, n, seed, None if named is None else named[0]),
        hol_s,
        sample_rows(syn, max(n, COMPARED_ROWS), seed + 2).reset_index(drop=True),
        sample_rows(syn, max_rows, seed + 3).reset_index(drop=True),
    )
    return privacy_section(
        columns=columns,
        train=real,
        holdout=hol,
        synthetic=syn,
        samples=samples,
        protections=protections,
        entities=_entity_samples(real, hol, syn, n, seed, named),
    )


def _entity_samples(
    real: pd.DataFrame,
    hol: pd.DataFrame | None,
    syn: pd.DataFrame,
    n: int,
    seed: int,
    named: tuple[str, list[str]] | None,
) -> tuple[list[pd.DataFrame], pd.DataFrame, pd.DataFrame] | None:
    """One row per entity, when there are entities: disjoint samples of training entities and a
    sample of holdout entities, all of one size, and the synthetic entities the share judges (as
    the row-level DCR share is sampled, ``_train_samples``)."""
    if named is None or hol is None:
        return None
    real_e, hol_e, syn_e = (entity_rows(table, *named) for table in (real, hol, syn))
    m = min(n, len(real_e), len(hol_e), len(syn_e))
    return (
        _train_samples(real_e, None, m, seed, None),
        sample_rows(hol_e, m, seed + 1).reset_index(drop=True),
        sample_rows(syn_e, max(m, COMPARED_ROWS), seed + 2).reset_index(drop=True),
    )


def _train_samples(
    real: pd.DataFrame, hol_s: pd.DataFrame | None, n: int, seed: int, key: str | None
) -> list[pd.DataFrame]:
    """Disjoint samples of ``n`` training rows for the distance metrics, as many as the training
    rows hold up to ``MOST_TRAIN_SAMPLES`` and ``COMPARED_ROWS`` rows in all (one at least); with
    entities, each of as many training entities as the holdout sample holds (more where they hold
    fewer than ``n`` rows).

    Why several: the DCR share compares equal-size samples, and on a small table which training
    rows one sample drew moved it by as much as the generator did. Why as many entities: a sample
    of rows from all training users spans four times the users (a split 80/20 by users) of an equal
    sample of holdout rows, so it holds more kinds of users and every row finds a nearer one in it:
    real users' actions the model never saw scored a DCR share of 0.53-0.58 against the rest of
    train and the holdout, and synthetic ones 0.57 ("watch"). Why a null-key row alone: taken as
    one entity, the guests' 1,900 events were all in a sample or none, and the attack told members
    apart by them (AUC 0.59 on an events table with 9% guest rows).
    """
    most = max(1, min(MOST_TRAIN_SAMPLES, COMPARED_ROWS // max(n, 1)))
    if key is None or hol_s is None:
        count = max(1, min(len(real) // max(n, 1), most))
        drawn = real.sample(n=min(len(real), count * n), random_state=seed).reset_index(drop=True)
        return [drawn.iloc[j * n : (j + 1) * n] for j in range(count)]
    codes = entity_codes(real[key].reset_index(drop=True))[0]  # a null-key row is an entity of its own
    sizes = pd.Series(np.bincount(codes)).sample(frac=1.0, random_state=seed)
    ends, least = np.cumsum(sizes.to_numpy()), hol_s[key].nunique() + int(hol_s[key].isna().sum())
    samples: list[pd.DataFrame] = []
    start = 0
    while len(samples) < most:
        before = ends[start - 1] if start else 0
        stop = max(start + least, int(np.searchsorted(ends, before + n)) + 1)
        if samples and (stop > len(sizes) or ends[min(stop, len(sizes)) - 1] - before < n):
            break
        chosen = real[np.isin(codes, sizes.index[start:stop])]
        samples.append(sample_rows(chosen, n, seed + len(samples)).reset_index(drop=True))
        start = stop
    return samples


def _utility(
    columns: list[Column],
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None],
    samples: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None],
    target: str | None,
    named: tuple[str, list[str]] | None,
    max_rows: int | None,
    seed: int,
) -> Utility:
    """ML utility on rows, or on one row per entity when the target is constant within one.

    Why: a user-level target (a user's destination) predicted from session rows is scored once
    per session, so heavy users weigh hundreds of times over, and one synthetic sessions table
    scored 0.42 on one of the report's row samples and "no better than chance" on two others; per
    user, each person counts once, as they do in the population asked about.
    """
    real, syn, hol = tables
    col = chosen_target(columns, target)
    if hol is None or named is None or col is None or col.name not in named[1]:
        return utility(columns=columns, train=samples[0], synthetic=samples[1], holdout=samples[2], target=target)
    key, shared = named
    real_e, syn_e, hol_e = (
        sample_rows(entity_rows(table, key, shared), max_rows, seed + i) for i, table in enumerate((real, syn, hol))
    )
    result = utility(columns=describe_columns(real_e), train=real_e, synthetic=syn_e, holdout=hol_e, target=col.name)
    per_entity = (
        f"scored on one row per {key} (its own columns and its row count): {col.name} is the same in all its rows"
    )
    return result.model_copy(
        update={
            "target_chosen": "given" if target else "auto",
            "note": f"{result.note}; {per_entity}" if result.note else per_entity,
        }
    )


def evaluate(
    *,
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    target: str | None = None,
    protections: dict[str, Any] | None = None,
    max_rows: int | None = DEFAULT_MAX_ROWS,
    privacy_rows: int = DEFAULT_PRIVACY_ROWS,
    seed: int = 0,
) -> Report:
    """Measure how faithful and how private ``synthetic`` is.

    Args:
        real: the training rows the generator learned from.
        synthetic: the generated rows (any dtypes; columns matched to ``real`` by name).
        holdout: real rows the generator never saw; needed for DCR share, NNDR, membership
            inference and ML utility (all ``None`` without it).
        target: column for ML utility; ``None`` picks the last usable column.
        protections: what was switched on (engine's describe(), filter summary); shown as is, and
            the entities it names decide how rows are sampled and compared per entity.
        max_rows: cap per set for the sampled metrics (``None``: no cap; slow on big data).
        privacy_rows: equal sample size of train, holdout and synthetic for distance metrics.
        seed: seeds every sample, so the same inputs give the same report.
    """
    started = time.perf_counter()
    real, syn = _normalise(real, "real"), _normalise(synthetic, "synthetic")
    hol = None if holdout is None else _normalise(holdout, "holdout")
    if hol is not None:
        _check_holdout(real, hol)
    layout = nested_layout(real)
    real, syn = comparable(real, layout), comparable(syn, layout)
    hol = None if hol is None else comparable(hol, layout)
    if len(real) == 0 or real.shape[1] == 0:
        raise ConfigError("real data is empty: there is nothing to compare the synthetic data with")
    if len(syn) == 0:
        raise ConfigError("synthetic data has no rows: generate some before evaluating them")
    warnings = _column_warnings(real, syn)
    columns = describe_columns(real)
    check_target(target, [c.name for c in columns])
    syn = align(syn, columns)
    hol = None if hol is None else align(hol, columns)
    n_priv = min(privacy_rows, len(real), len(syn), len(hol) if hol is not None else len(real))
    named = None if hol is None else described_entities(protections or {}, real, syn, hol)

    edges = bin_edges(real, columns)
    real_s, syn_s = sample_rows(real, max_rows, seed), sample_rows(syn, max_rows, seed + 1)
    hol_s = None if hol is None else sample_rows(hol, max_rows, seed + 2)
    rv, sv = to_arrays(real_s, columns, edges), to_arrays(syn_s, columns, edges)
    full_rv, full_sv = to_arrays(real, columns, edges), to_arrays(syn, columns, edges)
    warnings += unreadable_warnings(columns, real, syn, full_sv.values)
    pairs = pair_results(columns, rv, sv, seed)
    quality = quality_section(
        column_results(columns, real, syn, full_rv, full_sv),
        pairs,
        deep_structure(RowEncoder.fit(real_s, columns), real_s, syn_s),
        _utility(columns, (real, syn, hol), (real_s, syn_s, hol_s), target, named, max_rows, seed),
        constraints(columns, full_rv, full_sv),
        heatmap(columns, pairs, rv, sv),
    )
    quality.entities = entity_structure(real, syn, protections or {})
    privacy = _privacy(columns, real, hol, syn, n_priv, max_rows, seed, protections or {}, named)
    return Report(
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 3),
        seed=seed,
        quality=quality,
        privacy=privacy,
        sampling=_sampling(real, syn, hol, max_rows, privacy, columns, None if named is None else named[0]),
        warnings=warnings,
    )
