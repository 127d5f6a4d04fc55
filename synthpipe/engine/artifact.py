"""The portable model artifact: ``model.json`` + ``weights.npz`` on any fsspec store.

Why no pickle: loading a model from a shared bucket must never run code. JSON holds the
codecs, settings and relations; ``weights.npz`` holds plain float arrays read with
``allow_pickle=False``. ``model.json`` carries the SHA-256 of the weights and of its own
canonical body, and every part is validated on load, so a tampered or truncated artifact
is rejected with ArtifactError instead of producing garbage rows.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from synthpipe.engine import constraints, text_missing
from synthpipe.engine.bands import Band, deferred_columns
from synthpipe.engine.calendars import ALL_WEEKDAYS, Panel
from synthpipe.engine.codecs import Codec, codec_from_json, codec_to_json
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.identifier import MAX_NUMBER_DIGITS, SEPARATORS, IdentifierCodec
from synthpipe.engine.codecs.numeric import NumericCodec
from synthpipe.engine.codecs.offset import OffsetCodec, decoded_as_number
from synthpipe.engine.config import EngineConfig
from synthpipe.engine.copula import MAX_SCORE, CopulaPrior
from synthpipe.engine.dateparts import HOUR, MONTH, TEXT_PARTS, WEEKDAY, YEAR, DatePart, part_matched_by
from synthpipe.engine.dependencies import Dependency, value_dependent, value_tokens
from synthpipe.engine.designs import Design
from synthpipe.engine.entities import (
    AGGREGATES,
    ENTITY_TOTALS,
    EXTREME_WAYS,
    FRAME_HOWS,
    RANK_WAYS,
    TIME_SPANS,
    TREND_KINDS,
    Entities,
    difference_codecs,
    is_frame,
    is_row_frame,
    is_trend_unit,
    time_end_codecs,
    window_codecs,
)
from synthpipe.engine.formulas import Formula
from synthpipe.engine.frames import (
    SCIENTIFIC_SPEC,
    period_frequency_valid,
    schema_from_text,
    schema_text,
    text_formats_valid,
)
from synthpipe.engine.joins import Join
from synthpipe.engine.label_groups import LabelGroup
from synthpipe.engine.model import Network, autoregressive_mask
from synthpipe.engine.nulls import ALWAYS, EITHER, NEVER, NullLink, null_token
from synthpipe.engine.number_formats import format_from_json
from synthpipe.engine.sessions import Sessions
from synthpipe.engine.spans import Span
from synthpipe.engine.table_windows import SHARE_SCALES, TABLE_TOTALS, TableWindows
from synthpipe.engine.text_durations import layout_from_json
from synthpipe.engine.topics import Topics
from synthpipe.engine.unequal import Unequal
from synthpipe.engine.unseen import UnseenPairs
from synthpipe.errors import ArtifactError, StoreError
from synthpipe.stores import Store

if TYPE_CHECKING:
    from synthpipe.engine.synthesizer import Synthesizer

FORMAT = "synthpipe-model"
VERSION = 69  # 2: numeric codecs may carry a learned position stream (``fine``); 3: entities; 4: their sequences;
# 5: numeric codecs may keep frequent exact values (``atoms``); columns may never equal each other (``unequal``);
# 6: labels may name the band of a number (``bands``); entity sequences may follow a clock column;
# 7: entity columns may move with a clock (``trends``: learned as differences, the clock added back);
# 8: a date may move with one, in months or days (``units``); 9: numbers may walk (``walks``: learned as steps)
# 10: dates that follow a date trend ride with it (``riders``); 11: a date trend's unit may be seconds and a clock
# step may move it by several units (``units``: "3 months", "60 seconds"); 12: a learned, never emitted column may
# number an entity's rows in a date's order for the date to move with (``ranks``); 13: a sequence may skip
# numbers with learned gap shares (``gaps``); 14: a date an entity's rows follow may be learned as its steps from
# the entity's previous row, with the entity's mean step (``steps``); a whole number may be numbered (``ranks``);
# 15: categories an entity moves on through along its order (``stages``: its rows put in stage order); 16: numbers
# that never go down along it (``rising``: sorted along it); 17: numbers that are a calendar part of a date
# (``parts``) and dates learned within their year (``anchor_part``); 18: timestamps may keep quantiles of clock
# times (``day_clock``); 19: a date may be learned with hidden columns of its year, weekday or hour (``hidden_parts``)
# 20: a label may decide where a column is null (``null_links``); 21: hidden parts of a date entities keep close
# together, its month among them, may be set from it once decoded and given to the columns after (``given_parts``),
# and its hidden hour may move an entity's visits rather than its rows (``visit_hours``); 22: a date may be learned
# as its steps where a sequence numbers the rows along it (``Entities.may_step``); 23: an entity's first date may be
# learned as its offset from a date the entity shares (``first_date_anchor``); 24: a label may determine a binned
# number's value (a dependency's ``values``); pairs of tokens no training row holds are never drawn (``unseen``);
# 25: and a date's value learned within its year (``OffsetCodec.anchor_part``); keys of several parts (``segmented``);
# a formula may scale a product by a rate (a seventh item); 26: rare free text may be written by a word chain
# (``prose``); 27: a daily (monthly) trend's rows may be put on dates of a weekday (month) drawn with them
# (``matched_parts``); 28: a number may drift along an entity's rows (``drifts``: learned less the entity's mean and
# line); 29: arrays, structs, maps and JSON objects learned as their JSON text or as columns of their fields and
# places (``nested``); 30: free text may be written in the words of its row's label (``topics``); 31: rare bytes
# come back as fresh bytes under their label (``fresh``); 32: a key may learn where it is null (``nulls_learned``);
# 33: dates written as text may be written in several layouts (``text_formats``); 34: rare integer labels come back
# as fresh whole numbers (``fresh_codes``); 35: an entity's number may run down along its order (``falling``);
# 36: an entity key may have nulls, each null-key row an entity of one row marked by a hidden flag
# (``Entities.nulls``), and be written back as a categorical (``Entities.category``); 37: a date may be a calendar
# whose rows each take a grid point of its own (``grid``), drawn first with the parts set from it (``given_parts``);
# 38: an entity's number may be a running sum or a lag of another along its order, rebuilt after sampling
# (``Entities.running``, ``Entities.lags``);
# 39: numeric codecs may keep whole values many rows hold past 2**53 exact (``exact_steps``);
# 40: a span may be a duration, PostgreSQL's age() of two times (``age() in 30-day months``);
# 41: an entity's lag may be of a date or a label (``Entities.lags``: ``entities.window_codecs``), and a number
# or duration the change of another from a row before or to the row after (``Entities.differences``), or the
# highest or lowest so far of another (``Entities.extremes``), or an entity's column its first row's value of
# another (``Entities.firsts``); 42: a date column may be written back as pandas Periods (``periods``);
# 43: a calendar may be a panel, one row per date and segment of a label (``panel``);
# 44: an entity's number may be an average, count or sum of another over its rows so far or a moving frame of them
# (``Entities.aggregates``), and a lag of a number take a default past the entity's start (``Entities.defaults``);
# a difference may count a time's change in whole units or in units crossed (``"whole days"``, ``"calendar days"``);
# an extreme may be of a text and the last value so far (``Entities.extremes``: ``"last"``); a sequence but the order
# may be numbered from its clock's highest value down (``Entities.descending``); a number an entity's rows share
# an aggregate of another over all its rows (``Entities.totals``); 45: a formula may scale one column by a
# constant (``formulas.SCALES``: ``minutes == round(secs / 60.0, 2)``), at full precision too (``exact``);
# 46: a decimal column may be written back as formatted text (``number_formats``: ``'$1,234.50'``);
# 47: a panel's segment may combine several columns, a whole-number one learned as a label (``panel.segments``),
# and a duration be written back as text in hours, minutes and seconds (``duration_layouts``: ``'47:15:24'``);
# 48: a lag of a date or a label may take a default past the entity's start too (``Entities.defaults``: a date's in
# ns, a label's its text); an aggregate's frame may be of any rows up to 400, up to the row or from it
# (``entities.is_frame``: negative), or of a span of time of the order's clock (``Entities.timed``);
# 49: a column's nulls may be written back as a missing-value token (``missing_tokens``: ``'N/A'``, ``''``),
# a number format write negatives in parentheses (``NumberFormat.parens``: ``'($12.50)'``), and float text be
# written in scientific notation (a codec's ``scientific`` spec: ``'1.283e-02'``);
# 50: an entity's number may be an average, count, sum, highest or lowest of another over rows from one to another
# of each (``Entities.frames``: centred, before the row, to the entity's last row; ``entities.is_row_frame``),
# or the rank or dense rank of another among its rows (``Entities.ranked``: ``entities.RANK_WAYS``), or of a
# span of time from the row's on (``Entities.timed``: ``"7 days following"``, ``entities.TIME_SPANS``);
# 51: a binned number may keep to a step coarser than its last decimal place (``NumericParams.step``: salaries
# in thousands, prices in steps of 0.05), and so may a walk or a drift of an entity (``entity_steps``);
# 52: a rank may be a share of the entity's rows (``percent_rank``, ``cume_dist``: ``entities.RANK_WAYS``), and a
# number an ``ntile(k)`` of them along the order (``Entities.tiles``);
# 53: a number format may be a column's magnitude suffixes (``text_magnitudes``: ``'870'``, ``'1.5K'``, ``'2.3M'``),
# saved with its ``tiers``; a duration layout may be minutes and seconds (``minutes_first``, ``with_hours``) or in unit
# words (``worded_durations``: ``'1h 23m'``); a column's missing values may be of several kinds, real nulls and tokens,
# each token's share saved (``missing_kinds``);
# 54: a binned number may put a share of each bin's draws on round steps its real values heap on (``heaps``,
# ``heap_shares``: whole dollars among prices with cents);
# 55: a number may be a window over the whole table (``table_windows``: ``sum(revenue) OVER (ORDER BY day)``,
# ``rank() OVER (ORDER BY revenue DESC)``, ``row_number() OVER (ORDER BY day)``), rebuilt from its source;
# 56: a column with kinds of missing values has a hidden label column of its rows' kinds, learned with the row
# (``kind_labels``: ``text_missing.kind_labels``);
# 57: a timestamp's or duration's ``heaps`` may be clock steps (in grains: whole minutes, quarter hours, hours);
# 58: a window over the whole table may be a total of a number over all the rows or its share of it
# (``TableWindows.totals``, ``shares``: ``sum(revenue) OVER ()``, ``100.0 * revenue / sum(revenue) OVER ()``)
# 59: a key nested in the entity key is its sessions (``sessions``: a ``session_id`` under its ``user_id``), with
# hidden columns of each row's session size and opening flag and the columns a session shares
# 60: the sessions' key may have been categorical (``sessions.category``), written back as one; a stepped date
# may be still within a session and a number rise along its rows (``still``, ``rising``); its key may be null in
# rows in no session, learned as a hidden flag (``nulls``)
# 61: a column a session shares may be an aggregate of a row's number over its rows (``sessions.totals``: an
# order's total, the sum of its lines), rebuilt after sampling
# 62: a date or time an entity's rows share may be the first or last of another over its rows (``Entities.ends``:
# ``MIN(ts) OVER (PARTITION BY user_id)``): its rows stretched onto the drawn one, then it is rebuilt of them
# 63: a sum may add its parts up to a constant (``Sum.constant``: shares of a whole), its total then empty; a
# formula may apply a percentage (``* / 100``); a rank, total or share over the table may be one within the rows of
# each value of a label (``TableWindows.partitions``: ``rank() OVER (PARTITION BY category ORDER BY amount DESC)``)
# 64: the windows over the table along its order may run within each value of a label (``TableWindows.within``:
# ``lag(revenue) OVER (PARTITION BY store ORDER BY day)``), a calendar panel's segment among them
# 65: a window's partition (``TableWindows.partitions``, ``within``) may be a whole-number or date column (a store
# id, a day: ``100.0 * revenue / sum(revenue) OVER (PARTITION BY day)``), and a calendar's panel may keep windows
# 66: labels a table holds one row per combination of (``cells``: a ``GROUP BY``'s keys) head the chain, each
# combination drawn at most once per stream
# 67: a label a count is taken within may head the chain, each value drawn its share of rows by the count (``quota``:
# ``count(*) OVER (PARTITION BY trend)``); unequal and unseen pairs may name their columns in either chain order; a
# table total may count a partition's rows (``rows``: ``count(*)``) whether its source is null or not
# 68: a date or number the rows of a label or a pair of labels keep close together stays near its group's centre
# (``label_groups``)
# 69: labels each combination of which the rows hold equally often may head the chain, each combination drawn
# equally often per stream (``design``: a designed experiment's replicates)
READABLE = tuple(range(1, VERSION + 1))  # every version up to this one
MODEL_KEY, WEIGHTS_KEY = "model.json", "weights.npz"


def save(syn: Synthesizer, url: str, *, storage_options: dict[str, Any] | None = None) -> None:
    """Write weights first, then ``model.json`` (the commit marker), each atomically."""
    store = Store(url, storage_options=storage_options)
    weights = _weights_bytes(syn._net)
    body = {
        "format": FORMAT,
        "version": VERSION,
        "config": syn.config.model_dump(),
        "columns": [codec_to_json(c) for c in syn._codecs],
        "learned": syn._learned,
        "relations": [r.to_json() for r in syn._relations],
        "sums": [s.to_json() for s in syn._sums],
        "dependencies": [d.to_json() for d in syn._dependencies],
        "unequal": [u.to_json() for u in syn._unequal],
        "label_groups": [g.to_json() for g in syn._label_groups],
        "null_links": [n.to_json() for n in syn._null_links],
        "unseen": [u.to_json() for u in syn._unseen],
        "spans": [s.to_json() for s in syn._spans],
        "formulas": [f.to_json() for f in syn._formulas],
        "joins": [j.to_json() for j in syn._joins],
        "parts": [p.to_json() for p in syn._parts],
        "bands": [b.to_json() for b in syn._bands],
        "topics": [t.to_json() for t in syn._topics],
        "training": syn._training,
        "stand_in_keys": syn._stand_in_keys,
        "hidden_parts": [p.to_json() for p in syn._hidden.values()],
        "given_parts": sorted(syn._given),
        "panel": syn._panel.to_json() if syn._panel is not None else None,
        "cells": list(syn._cells),
        "quota": {"label": syn._quota, "counts": syn._quota_counts.tolist()} if syn._quota else None,
        "design": syn._design.to_json() if syn._design else None,
        "visit_hours": sorted(syn._by_visits),
        "matched_parts": sorted(syn._matched),
        "entities": syn._entities.to_json() if syn._entities is not None else None,
        "arrow_schema": _schema_text(syn._schema),
        "periods": syn._periods,
        "number_formats": {name: fmt.to_json() for name, fmt in syn._number_formats.items()},
        "duration_layouts": {name: layout.to_json() for name, layout in syn._duration_layouts.items()},
        "missing_tokens": syn._missing_tokens,
        "missing_kinds": syn._missing_kinds,
        "kind_labels": syn._kind_labels,
        "entity_steps": syn._entity_steps,
        "table_windows": syn._table_windows.to_json() if syn._table_windows is not None else None,
        "sessions": _sessions_to_json(syn),
        "nested": syn._nested,
        "hidden": syn._net.hidden if syn._net is not None else 0,
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    document = {"body": body, "body_sha256": _digest(body)}
    store.write_bytes(WEIGHTS_KEY, weights)
    store.write_bytes(MODEL_KEY, json.dumps(document, indent=1, allow_nan=False).encode())


def load(cls: type[Synthesizer], url: str, *, storage_options: dict[str, Any] | None = None) -> Synthesizer:
    """Read and validate an artifact; any inconsistency raises ArtifactError."""
    body, weights = _read(url, storage_options)
    try:
        syn = cls.__new__(cls)
        syn.config = EngineConfig(**body["config"])
        syn._codecs = [codec_from_json(c) for c in body["columns"]]
        syn._learned = [int(i) for i in body["learned"]]
        syn._relations = [constraints.Relation.from_json(item) for item in body["relations"]]
        syn._sums = [constraints.Sum.from_json(item) for item in body.get("sums", [])]
        syn._dependencies = [Dependency.from_json(item) for item in body.get("dependencies", [])]
        syn._unequal = [Unequal.from_json(item) for item in body.get("unequal", [])]
        syn._label_groups = [LabelGroup.from_json(item) for item in body.get("label_groups", [])]
        syn._null_links = [NullLink.from_json(item) for item in body.get("null_links", [])]
        syn._unseen = [UnseenPairs.from_json(item) for item in body.get("unseen", [])]
        syn._spans = [Span.from_json(item) for item in body.get("spans", [])]
        syn._formulas = [Formula.from_json(item) for item in body.get("formulas", [])]
        syn._joins = [Join.from_json(item) for item in body.get("joins", [])]
        syn._parts = [DatePart.from_json(item) for item in body.get("parts", [])]
        syn._bands = [Band.from_json(item) for item in body.get("bands", [])]
        syn._topics = [Topics.from_json(item) for item in body.get("topics", [])]
        syn._training = dict(body["training"])
        syn._stand_in_keys = {str(k): dict(v) for k, v in body.get("stand_in_keys", {}).items()}
        syn._hidden = {p.result: p for p in (DatePart.from_json(item) for item in body.get("hidden_parts", []))}
        syn._given = {str(name) for name in body.get("given_parts", [])}
        syn._panel = Panel.from_json(body["panel"]) if body.get("panel") is not None else None
        syn._cells = tuple(str(name) for name in body.get("cells", []))
        quota = body.get("quota") or {"label": None, "counts": []}
        syn._quota = str(quota["label"]) if quota["label"] is not None else None
        syn._quota_counts = np.asarray(quota["counts"], dtype=np.int64)
        syn._design = Design.from_json(body["design"]) if body.get("design") else None
        syn._by_visits = {str(name) for name in body.get("visit_hours", [])}
        syn._matched = {str(name) for name in body.get("matched_parts", [])}
        syn._entities = Entities.from_json(body["entities"]) if body.get("entities") is not None else None
        syn._schema = _schema_from_text(body["arrow_schema"])
        syn._nested = {str(name): dict(spec) for name, spec in body.get("nested", {}).items()}
        syn._periods = {str(name): str(freq) for name, freq in body.get("periods", {}).items()}
        syn._number_formats = {str(n): format_from_json(f) for n, f in body.get("number_formats", {}).items()}
        syn._duration_layouts = {str(n): layout_from_json(f) for n, f in body.get("duration_layouts", {}).items()}
        syn._missing_tokens = {str(n): str(t) for n, t in body.get("missing_tokens", {}).items()}
        syn._missing_kinds = {str(n): dict(k) for n, k in body.get("missing_kinds", {}).items()}
        syn._kind_labels = {str(n): str(label) for n, label in body.get("kind_labels", {}).items()}
        syn._entity_steps = {str(n): float(step) for n, step in body.get("entity_steps", {}).items()}
        windows = body.get("table_windows")
        syn._table_windows = TableWindows.from_json(windows) if windows is not None else None
        _sessions_from_json(syn, body.get("sessions"))
        syn._net = _network(weights, int(body["hidden"]), syn)
        _check_consistency(syn)
    except ArtifactError:
        raise
    except Exception as exc:
        raise ArtifactError(
            f"model artifact at {url!r} is invalid ({type(exc).__name__}: {exc}); re-train and save it again",
            url=url,
        ) from exc
    return syn


def _read(url: str, storage_options: dict[str, Any] | None) -> tuple[dict[str, Any], bytes]:
    try:
        store = Store(url, storage_options=storage_options)
        raw, weights = store.read_bytes(MODEL_KEY), store.read_bytes(WEIGHTS_KEY)
    except (StoreError, OSError) as exc:
        raise ArtifactError(
            f"no readable model artifact at {url!r} ({exc}); check the path or save a model there first",
            url=url,
        ) from exc
    try:
        document = json.loads(raw)
        body = document["body"]
        ok = document["body_sha256"] == _digest(body)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
        raise ArtifactError(
            f"model.json at {url!r} is not a synthpipe model ({type(exc).__name__}: {str(exc)[:200]})", url=url
        ) from exc
    if not ok or body.get("format") != FORMAT:
        raise ArtifactError(f"model artifact at {url!r} was modified after saving; refusing to load", url=url)
    if body.get("version") not in READABLE:
        raise ArtifactError(
            f"model artifact at {url!r} has format version {body.get('version')}, this synthpipe "
            f"reads version {VERSION}; re-train with this version",
            url=url,
        )
    if hashlib.sha256(weights).hexdigest() != body.get("weights_sha256"):
        raise ArtifactError(f"weights.npz at {url!r} does not match model.json; refusing to load", url=url)
    return body, weights


def _digest(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _weights_bytes(net: Network | None) -> bytes:
    buffer = io.BytesIO()
    arrays: dict[str, Any] = net.arrays() if net is not None else {}
    if net is not None and net.prior is not None:
        arrays.update({f"prior_{name}": value for name, value in net.prior.arrays().items()})
    np.savez(buffer, allow_pickle=False, **arrays)
    return buffer.getvalue()


def _network(weights: bytes, hidden: int, syn: Synthesizer) -> Network | None:
    with np.load(io.BytesIO(weights), allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    if not syn._learned:
        return None
    sizes, in_sizes = arrays["sizes"].astype(np.int64), arrays["in_sizes"].astype(np.int64)
    in_map = arrays["in_map"].astype(np.int64)
    net = Network(sizes, hidden, arrays["A"], arrays["b1"], arrays["W2"], arrays["b2"], in_sizes, in_map)
    total, width, inputs = int(sizes.sum()), sizes.size * hidden, int(in_sizes.sum())
    shapes = {"A": (inputs, width), "b1": (width,), "W2": (hidden, total), "b2": (total,)}
    for name, shape in shapes.items():
        arr = getattr(net, name)
        if arr.shape != shape or arr.dtype != np.float32 or not np.isfinite(arr).all():
            raise ArtifactError(f"weights array {name!r} has the wrong shape, type or values")
    _check_input_map(net)
    if np.any(net.A * (1 - autoregressive_mask(in_sizes, hidden)) != 0):
        raise ArtifactError("weights break the autoregressive mask; refusing to load")
    net.prior = _copula_prior(arrays, net.offsets)
    return net


def _copula_prior(arrays: dict[str, np.ndarray], starts: np.ndarray) -> CopulaPrior | None:
    """The network's copula prior, checked: shapes, finite values, intervals inside [0, 1], and
    each head's mean drawn from earlier columns only (else: tampered)."""
    stored = {name.removeprefix("prior_"): value for name, value in arrays.items() if name.startswith("prior_")}
    if not stored:
        return None
    tokens, columns = int(starts[-1]), starts.size - 1
    shapes = {
        "score": (tokens,),
        "cdf_low": (tokens,),
        "cdf_high": (tokens,),
        "beta": (columns, columns),
        "shift": (tokens, columns),
        "sigma": (columns,),
        "gate": (columns,),
    }
    ok = stored.keys() == shapes.keys() and all(
        stored[name].shape == shape and stored[name].dtype.kind == "f" and np.isfinite(stored[name]).all()
        for name, shape in shapes.items()
    )
    ok = ok and bool(np.all((stored["cdf_low"] >= 0) & (stored["cdf_low"] <= stored["cdf_high"])))
    ok = ok and bool(np.all(stored["cdf_high"] <= 1) and np.all(stored["sigma"] > 0))
    ok = ok and bool(np.abs(stored["score"]).max(initial=0) <= MAX_SCORE)
    ok = ok and bool(np.abs(stored["shift"]).max(initial=0) <= MAX_SCORE)
    prior = CopulaPrior(**{name: stored[name] for name in shapes}, starts=starts) if ok else None
    if prior is None or np.any(np.tril(prior.beta) != 0) or not prior.consistent():
        raise ArtifactError("weights carry an invalid copula prior; refusing to load")
    return prior


def _check_input_map(net: Network) -> None:
    """Every output token must map to an input token of its own column (else: tampered)."""
    owner_out = np.repeat(np.arange(net.n_columns), net.sizes)
    owner_in = np.repeat(np.arange(net.n_columns), net.in_sizes)
    ok = net.in_map.shape == owner_out.shape and net.in_sizes.shape == net.sizes.shape
    ok = ok and bool(np.all((net.in_map >= 0) & (net.in_map < owner_in.size)))
    if not ok or np.any(owner_in[net.in_map] != owner_out):
        raise ArtifactError("weights carry an invalid input map; refusing to load")


def _check_joins(syn: Synthesizer) -> None:
    """A join rebuilds a label column from two columns of the model."""
    names = {c.storage.name for c in syn._codecs}
    labels = {c.storage.name for c in syn._codecs if isinstance(c, CategoricalCodec)}
    if any(j.result not in labels or not {j.left, j.right} <= names for j in syn._joins):
        raise ArtifactError("a saved join names a column the model does not have or rebuilds a non-label")


def _check_consistency(syn: Synthesizer) -> None:
    """Codecs, learned columns and weights must describe the same table."""
    if syn._net is not None and syn._chain_sizes() != syn._net.sizes.tolist():
        raise ArtifactError("model.json columns do not match the weights")
    names = {c.storage.name for c in syn._codecs}
    if any(r.left not in names or r.right not in names for r in syn._relations):
        raise ArtifactError("a saved relation names a column the model does not have")
    if any(not set(s.columns) <= names or s.derived not in s.columns or len(s.parts) < 2 for s in syn._sums):
        raise ArtifactError("a saved sum names a column the model does not have")
    decoded = {c.storage.name for c in syn._codecs if isinstance(c, NumericCodec) and c.n_tokens >= 2}
    if any(not {s.result, s.start, s.end} <= decoded for s in syn._spans):
        raise ArtifactError("a saved span names a column the model does not decode as a number or date")
    if any(not {f.result, *f.parts} <= decoded for f in syn._formulas):
        raise ArtifactError("a saved formula names a column the model does not decode as a number")
    labels = {c.storage.name for c in syn._codecs if isinstance(c, CategoricalCodec)}
    dated = decoded | {syn._hidden[name].date for name in syn._matched if name in syn._hidden}  # a matched trend's
    if any(p.date not in dated or p.result not in (labels if p.part in TEXT_PARTS else decoded) for p in syn._parts):
        raise ArtifactError("a saved date part names a column the model does not decode as a date, number or label")
    keys = [c for c in syn._codecs if isinstance(c, IdentifierCodec)]
    if any(not set(c.year_parts().values()) <= decoded for c in keys):
        raise ArtifactError("a saved key takes the year of a column the model does not decode as a date")
    spelled = [(c.name_columns(), c.fmt.get("names")) for c in keys]
    spelled += [(list(f["names"].get("columns", [])), f["names"]) for f in syn._stand_in_keys.values() if "names" in f]
    if any(not set(columns) <= labels or not _names_fit(names) for columns, names in spelled):
        raise ArtifactError("a saved e-mail key spells a column the model does not decode as a label")
    _check_anchors(syn._codecs)
    _check_text_layouts(syn._codecs)
    _check_hidden(syn)
    _check_dependencies(syn)
    _check_unequal(syn)
    _check_label_groups(syn)
    _check_null_links(syn)
    _check_unseen(syn)
    _check_bands(syn, decoded)
    _check_joins(syn)
    _check_entities(syn)
    _check_entity_steps(syn)
    _check_table_windows(syn)
    _check_sessions(syn)
    _check_cells(syn)
    _check_quota(syn)
    _check_design(syn)
    writers = {c.storage.name for c in syn._codecs if isinstance(c, CategoricalCodec) and c.prose is not None}
    if any(t.text not in writers or t.label not in labels or syn._entities is not None for t in syn._topics):
        raise ArtifactError("a saved topic names a column the model does not write as free text, or no label")
    _check_nested(syn)
    _check_periods(syn)
    _check_text_formats(syn)


def _check_text_formats(syn: Synthesizer) -> None:
    """A column written back as formatted text is a decimal (or duration) column of the model, in a
    format ``number_formats.detect`` (``text_durations.detect``) can find."""
    decimals = {c.storage.name for c in syn._codecs if c.storage.logical == "decimal"}
    if not set(syn._number_formats) <= decimals or not all(f.valid() for f in syn._number_formats.values()):
        raise ArtifactError(
            "a saved formatted number column is no decimal column of the model, or its format is unknown"
        )
    durations = {c.storage.name for c in syn._codecs if c.storage.logical == "timedelta"}
    if not set(syn._duration_layouts) <= durations or not all(d.valid() for d in syn._duration_layouts.values()):
        raise ArtifactError("a saved duration text column is no duration column of the model, or its layout is unknown")
    specs = [c.storage.extras["scientific"] for c in syn._codecs if "scientific" in c.storage.extras]
    if not all(isinstance(spec, str) and SCIENTIFIC_SPEC.fullmatch(spec) for spec in specs):
        raise ArtifactError("a saved scientific-notation column's format is no scientific notation (.3e)")
    learned = {c.storage.name for c in syn._codecs}
    if not set(syn._missing_tokens) <= learned or not all(map(text_missing.valid, syn._missing_tokens.values())):
        raise ArtifactError("a saved missing-value token names no column of the model, or is no missing-value token")
    if not set(syn._missing_kinds) <= learned or not all(map(text_missing.valid_kinds, syn._missing_kinds.values())):
        raise ArtifactError("saved kinds of missing values name no column of the model, or are no tokens with shares")
    labels = {c.storage.name: list(c.categories) for c in syn._codecs if isinstance(c, CategoricalCodec)}
    if not text_missing.valid_labels(syn._kind_labels, syn._missing_kinds, labels):
        raise ArtifactError("a saved label of missing values' kinds is no label column of the model holding its kinds")


def _check_entity_steps(syn: Synthesizer) -> None:
    """The steps walks and drifts are put back on name walks or drifts, and are positive numbers."""
    moved = set(syn._entities.walks) | set(syn._entities.drifts) if syn._entities is not None else set()
    if not set(syn._entity_steps) <= moved or not all(0 < s < math.inf for s in syn._entity_steps.values()):
        raise ArtifactError("a saved entity column's step names no walk or drift of the model, or is no step")


def _check_periods(syn: Synthesizer) -> None:
    """A column written back as Periods is a timestamp column of the model, of a real frequency."""
    stamps = {c.storage.name for c in syn._codecs if c.storage.logical == "datetime"}
    if not set(syn._periods) <= stamps or not all(period_frequency_valid(f) for f in syn._periods.values()):
        raise ArtifactError("a saved Period column is no timestamp column of the model, or its frequency is unknown")


def _check_text_layouts(codecs: list[Codec]) -> None:
    """Dates written as text in several layouts are written in known date layouts, in shares."""
    if not all(text_formats_valid(c.storage.extras) for c in codecs):
        raise ArtifactError("a saved date text column's layouts are not date layouts with shares that add up to 1")


def _check_nested(syn: Synthesizer) -> None:
    """A nested column's fields (and null flag) are columns the model has."""
    names = {c.storage.name for c in syn._codecs}
    for spec in syn._nested.values():
        owned = [*spec.get("fields", {}).values(), *([spec["null_column"]] if spec.get("null_column") else [])]
        if not set(owned) <= names:
            raise ArtifactError("a saved nested column names a field the model does not have")


def _check_hidden(syn: Synthesizer) -> None:
    """Hidden parts are numbers right after the table's codecs (the last ones, or those before the
    entity's hidden columns), each a year, weekday or hour of a date the model has; with entities,
    a weekday or hour of a date that is not the entity's own, or a month where the part is set from
    its date (``_check_given``), or the weekday (month) of a daily (monthly) trend its rows are put on
    (``_matched_part``)."""
    hidden = syn._hidden
    _check_given(syn)
    if not all(name in hidden and hidden[name].part == HOUR and name not in syn._given for name in syn._by_visits):
        raise ArtifactError("a saved visit hour is not a hidden hour the model moves its dates onto")
    if not syn._matched <= set(hidden):
        raise ArtifactError("a saved matched part is not a hidden part of the model")
    if not hidden:
        return
    end = len(syn._codecs) - (len(syn._entities.hidden) if syn._entities is not None else 0)
    parts = syn._codecs[end - len(hidden) : end]
    dates = {c.storage.name for c in syn._codecs if isinstance(c, NumericCodec) and c.domain == "time"}
    kinds = (YEAR, WEEKDAY, HOUR) if syn._entities is None else (WEEKDAY, HOUR)
    shared = set(syn._shared_columns())

    def valid(p: DatePart) -> bool:
        if p.result in syn._matched:
            return _matched_part(syn, p)
        allowed = (
            (MONTH, *kinds) if p.result in syn._given and syn._entities is not None else kinds
        )  # a calendar's: no month
        return p.date in dates and p.date not in shared and p.part in allowed

    if (
        [c.storage.name for c in parts] != list(hidden)
        or not all(isinstance(c, NumericCodec) and c.domain == "number" for c in parts)
        or not all(valid(p) for p in hidden.values())
    ):
        raise ArtifactError("a saved hidden part is not among the model's codecs or names a date it does not have")


def _matched_part(syn: Synthesizer, p: DatePart) -> bool:
    """A matched part is the weekday, month or hour of a date that moves a day, a month or an hour per row
    of an entity (dateparts.part_matched_by), set nowhere else."""
    ent = syn._entities
    if ent is None or ent.trends.get(p.date) not in ent.sequences:
        return False
    fits = part_matched_by(ent.units.get(p.date, "")) == p.part
    return fits and p.result not in syn._given and p.result not in syn._by_visits


def _check_given(syn: Synthesizer) -> None:
    """Parts set from an entity's date are hidden parts of a date entities keep close together,
    drawn in a row after the columns the date is built from (its entity's first date, its offsets
    or steps, ...: ``Synthesizer._given_inputs``)."""
    given, entities = syn._given, syn._entities
    _check_calendar(syn)
    if not given or (entities is None and syn._calendar_name() is not None):  # parts set from a calendar's date
        return
    if entities is None or not given <= set(syn._hidden) or {syn._hidden[n].date for n in given} - set(entities.starts):
        raise ArtifactError("a saved given part is not a hidden part of a date the model keeps close within entities")
    chain = [syn._codecs[i].storage.name for i, _ in syn._chain()]
    split = syn._given_split()
    needed = set(syn._given_inputs()) & set(chain)
    drawn_after = list(itertools.takewhile(given.__contains__, chain[split:])) if split is not None else []
    if set(drawn_after) != given or not needed <= set(chain[: split or 0]):
        raise ArtifactError("a saved given part is not drawn right after the date it is set from; re-train the model")


def _check_calendar(syn: Synthesizer) -> None:
    """A calendar (calendars.py) is one binned date or timestamp of a table without entities, on a
    grid ``[step >= 0, phase, weekdays]`` (step 0: on its month grid), heading the chain, followed by
    its position stream and exactly the hidden parts set from it (``_given``)."""
    marked = [c for c in syn._codecs if isinstance(c, NumericCodec) and c.p.grid]
    if not marked:
        if syn._panel is not None:
            raise ArtifactError("model.json describes a panel without a calendar column; re-train the model")
        return
    codec, name = marked[0], marked[0].storage.name
    step_ok = len(codec.p.grid) == 3 and codec.p.grid[0] >= 0 and (codec.p.grid[0] > 0 or bool(codec.p.calendar))
    chain = [(syn._codecs[i].storage.name, fine) for i, fine in syn._chain()]
    head = [(name, False), *([(name, True)] if codec.n_fine else [])]
    after = [n for n, _ in itertools.takewhile(lambda c: c[0] in syn._given, chain[len(head) :])]
    ok = len(marked) == 1 and syn._entities is None and type(codec) is NumericCodec and bool(codec.p.knots)
    ok = (
        ok and step_ok and 0 < codec.p.grid[2] <= ALL_WEEKDAYS and codec.domain == "time" and chain[: len(head)] == head
    )
    if not ok or set(after) != syn._given or any(syn._hidden[n].date != name for n in after):
        raise ArtifactError("model.json describes a calendar column the model does not draw first; re-train the model")
    _check_panel(syn, chain[len(head) + len(after) :])


def _check_cells(syn: Synthesizer) -> None:
    """Cells (cells.py) are labels of a table without entities or a calendar whose every token
    stands for one value, heading the chain in their order."""
    if not syn._cells:
        return
    by_name = {c.storage.name: c for c in syn._codecs}
    codecs = [by_name.get(name) for name in syn._cells]
    exact = all(c is not None and value_tokens(c) is not None and not c.n_fine for c in codecs)
    head = [(syn._codecs[i].storage.name, fine) for i, fine in syn._chain()][: len(syn._cells)]
    alone = syn._entities is None and syn._calendar_name() is None and len(set(syn._cells)) == len(syn._cells)
    if not exact or not alone or head != [(name, False) for name in syn._cells]:
        raise ArtifactError("model.json describes cells the model does not draw first as values; re-train the model")


def _check_quota(syn: Synthesizer) -> None:
    """A quota's label (``Synthesizer._detect_quota``) is a column of values heading the chain of a
    table without cells, entities or a calendar, with a whole number of rows per token."""
    if syn._quota is None:
        return
    chain = syn._chain()
    codec = syn._codecs[chain[0][0]] if chain else None
    alone = not syn._cells and syn._entities is None and syn._calendar_name() is None
    if codec is None or codec.storage.name != syn._quota or chain[0][1] or value_tokens(codec) is None or not alone:
        raise ArtifactError("model.json describes a quota the model does not draw first as values; re-train the model")
    counts = syn._quota_counts
    if counts.shape != (codec.n_tokens,) or (counts < 0).any() or counts.sum() <= 0:
        raise ArtifactError("model.json holds quota counts that do not fit its label; re-train the model")


def _check_design(syn: Synthesizer) -> None:
    """A design's labels (designs.py) are columns of values heading the chain in its order, in a
    table without cells, a quota, entities or a calendar; its combinations distinct rows of their
    tokens."""
    design = syn._design
    if design is None:
        return
    by_name = {c.storage.name: c for c in syn._codecs}
    codecs = [by_name.get(name) for name in design.labels]
    exact = all(c is not None and value_tokens(c) is not None and not c.n_fine for c in codecs)
    head = [(syn._codecs[i].storage.name, fine) for i, fine in syn._chain()][: len(design.labels)]
    alone = not syn._cells and not syn._quota and syn._entities is None and syn._calendar_name() is None
    if not exact or not alone or head != [(name, False) for name in design.labels]:
        raise ArtifactError("model.json describes a design the model does not draw first as values; re-train the model")
    combos = design.combinations
    sizes = np.asarray([c.n_tokens for c in codecs if c is not None])
    fits = combos.ndim == 2 and combos.shape[1] == sizes.size and len(combos) >= 1
    if not fits or (combos < 0).any() or (combos >= sizes).any() or len(np.unique(combos, axis=0)) != len(combos):
        raise ArtifactError("model.json holds design combinations that do not fit its labels; re-train the model")


def _check_panel(syn: Synthesizer, rest: list[tuple[str, bool]]) -> None:
    """A panel (calendars.Panel) is a calendar's: its segment columns labels that merge no rare
    value, drawn right after the calendar's parts in the panel's order, with a token in each for
    every segment it lists (at most ``MAX_SEGMENTS``)."""
    panel = syn._panel
    if panel is None:
        return
    codecs = [next((c for c in syn._codecs if c.storage.name == name), None) for name in panel.segments]
    labels = all(type(c) is CategoricalCodec and not c.has_rare for c in codecs)
    drawn = rest[: len(panel.segments)] == [(name, False) for name in panel.segments]
    if not labels or not panel.valid() or not drawn:
        raise ArtifactError("model.json describes a panel whose segment the model does not draw after its calendar")
    sizes = [c.n_tokens for c in codecs if c is not None]
    if not all(0 <= t < size for row in panel.tokens for t, size in zip(row, sizes, strict=True)):
        raise ArtifactError("model.json describes a panel segment the segment column has no token for")


def _check_entities(syn: Synthesizer) -> None:
    """The entity key is a regenerated key, the entity size the last (numeric) codec, and the size
    and shared columns head the chain (a missing name raises KeyError: invalid artifact)."""
    entities = syn._entities
    if entities is None:
        return
    by_name = {c.storage.name: c for c in syn._codecs[:-1]}
    size = syn._codecs[-1]
    head = [i for i in syn._entity_head() if i in syn._learned]
    ok = isinstance(by_name[entities.key], IdentifierCodec) and isinstance(size, NumericCodec)
    if not ok or size.storage.name != entities.count or set(syn._learned[: len(head)]) != set(head):
        raise ArtifactError("model.json describes entities the model does not have; refusing to load")
    numbered = [by_name.get(name) for name in entities.sequences]
    if not all(isinstance(c, NumericCodec) and c.storage.logical in ("int", "float") for c in numbered):
        raise ArtifactError("model.json numbers entity rows by a column that is not an integer; refusing to load")
    clocks = [by_name.get(name) for name in entities.clocks.values()]
    clocked = set(entities.clocks) <= set(entities.sequences) and set(entities.descending) <= set(entities.clocks)
    if not clocked or entities.order in entities.descending or not all(isinstance(c, NumericCodec) for c in clocks):
        raise ArtifactError("model.json orders entity rows by a column that is not a number or date; refusing to load")
    _check_hidden_columns(syn._codecs, entities)
    _check_moving_columns(syn, entities, by_name)
    _check_windows(syn, entities, by_name)
    _check_ends(syn, entities, by_name)
    learned = {syn._codecs[i].storage.name: syn._codecs[i] for i in syn._learned}
    if not all(name in learned and value_tokens(learned[name]) is not None for name in entities.schedules):
        raise ArtifactError("model.json keeps entity values apart in a column the model does not draw as values")


def _sessions_to_json(syn: Synthesizer) -> dict[str, Any] | None:
    if syn._sessions is None or syn._session_codec is None:
        return None
    return {**syn._sessions.to_json(), "codec": codec_to_json(syn._session_codec)}


def _sessions_from_json(syn: Synthesizer, item: dict[str, Any] | None) -> None:
    syn._sessions = None if item is None else Sessions.from_json(item)
    codec = None if item is None else codec_from_json(item["codec"])
    if codec is not None and not isinstance(codec, IdentifierCodec):
        raise ArtifactError("model.json keys sessions by a column that is no regenerated key; refusing to load")
    syn._session_codec = codec
    syn._session_after = None if syn._sessions is None else syn._sessions.after


def _check_sessions(syn: Synthesizer) -> None:
    """Sessions are an entity's: their key is no model column, their size a number and their
    opening flag two labels, and what a session shares follows the entity's head in the chain,
    none of it the entity's own; the dates still within a session are the entity's stepped ones,
    what rises along a session's rows is a number or date, and a session's total one of its
    columns, an aggregate of a learned number of its rows."""
    ses = syn._sessions
    if ses is None:
        return
    by_name = {c.storage.name: c for c in syn._codecs}
    index = {c.storage.name: i for i, c in enumerate(syn._codecs)}
    head = [i for i in syn._entity_head() if i in syn._learned]
    prefix = [index.get(name, -1) for name in ses.prefix]
    opens = by_name.get(ses.opens)
    ok = syn._entities is not None and ses.key not in by_name and (ses.after is None or ses.after in by_name)
    ok = ok and type(by_name.get(ses.count)) is NumericCodec and type(opens) is CategoricalCodec
    ok = ok and opens is not None and opens.n_tokens == 2
    ok = ok and set(syn._learned[len(head) : len(head) + len(prefix)]) == set(prefix)
    ok = ok and not set(ses.columns) & set(syn._shared_columns())
    ok = ok and syn._entities is not None and set(ses.still) <= set(syn._entities.steps)
    ok = ok and all(isinstance(by_name.get(name), NumericCodec) for name in ses.rising)
    ok = ok and all(type(by_name.get(name)) is CategoricalCodec for name in ses.null_flag)
    ok = ok and set(ses.totals) <= set(ses.columns) and all(how in ENTITY_TOTALS for _, how in ses.totals.values())
    sources = [source for source, _ in ses.totals.values()]
    ok = ok and all(
        isinstance(by_name.get(source), NumericCodec) and index[source] in syn._learned for source in sources
    )
    ok = ok and not set(sources) & set(ses.columns)
    if not ok:
        raise ArtifactError("model.json describes sessions the model does not have; refusing to load")


def _check_moving_columns(syn: Synthesizer, entities: Entities, by_name: dict[str, Codec]) -> None:
    """Trends move an entity column (a number, or a date in calendar units) with a number (walks
    and stepped dates: ``_check_walks``); riders follow a date trend; gaps are a sequence's; a
    rank numbers the rows for the date that moves with it."""
    moving = [by_name.get(name) for name in [*entities.trends, *entities.trends.values()]]
    trends = set(entities.trends)
    kept = trends | set(entities.walks) | set(entities.drifts)
    ranged = kept | set(entities.steps) <= set(entities.ranges) <= kept | set(entities.starts)
    ranged = ranged and all(len(r) == 2 and r[0] <= r[1] for r in entities.ranges.values())
    if not trends <= set(entities.columns) or not ranged or not all(type(c) is NumericCodec for c in moving):
        raise ArtifactError("model.json moves an entity column with a clock that is not a number; refusing to load")
    said = set(entities.units) <= trends and all(_moves_as_said(by_name[n], entities.units.get(n)) for n in trends)
    if not said or not all(by_name[clock].storage.logical in TREND_KINDS for clock in entities.trends.values()):
        raise ArtifactError("model.json moves an entity date or number in units it is not in; refusing to load")
    _check_walks(syn, entities, by_name)
    _check_drifts(entities, by_name)
    riding = [by_name.get(name) for name in entities.riders]
    dated = {name for name in trends if name in entities.units}
    if not set(entities.riders.values()) <= dated or set(entities.riders) & (trends | set(entities.walks)):
        raise ArtifactError("model.json moves a date with a trend that is no date trend; refusing to load")
    if not all(isinstance(c, NumericCodec) and c.storage.logical in ("date", "datetime") for c in riding):
        raise ArtifactError("model.json moves a column that is not a date with a date trend; refusing to load")
    shares_ok = all(s and min(s) >= 0 and sum(s) > 0 for s in entities.gaps.values())
    if not set(entities.gaps) <= set(entities.sequences) or not shares_ok:
        raise ArtifactError("model.json skips numbers of a column that is no sequence; refusing to load")
    if not all(rank in entities.sequences and entities.trends.get(d) == rank for rank, d in entities.ranks.items()):
        raise ArtifactError("model.json numbers rows for a date that does not move with the number; refusing to load")
    staged = [by_name.get(name) for name in entities.stages]
    ordered = not entities.stages or (entities.order in entities.sequences and entities.order not in entities.clocks)
    distinct = all(values and len(set(values)) == len(values) for values in entities.stages.values())
    if not ordered or not distinct or not all(type(c) is CategoricalCodec for c in staged):
        raise ArtifactError("model.json orders rows by stages of a column that is no category; refusing to load")
    rising = [by_name.get(name) for name in entities.rising]
    apart = not set(entities.rising) & {*entities.columns, *entities.sequences, *entities.walks, *entities.steps}
    ordered = not entities.rising or entities.order in entities.sequences
    falls = set(entities.falling) <= set(entities.rising)
    if not apart or not ordered or not all(type(c) is NumericCodec for c in rising) or not falls:
        raise ArtifactError("model.json sorts a column that is no free number along no sequence; refusing to load")
    if not all(isinstance(by_name.get(name), OffsetCodec) and name not in entities.steps for name in entities.untied):
        raise ArtifactError("model.json unties first dates of a column that is no offset from one; refusing to load")


def _check_ends(syn: Synthesizer, entities: Entities, by_name: dict[str, Codec]) -> None:
    """An entity's first and last times (``Entities.ends``) are columns its rows share, each the
    first or last of a learned time stored alike (``time_end_codecs``) that no row shares."""
    learned = {syn._codecs[i].storage.name for i in syn._learned}
    sources = {source for source, _ in entities.ends.values()}
    ok = set(entities.ends) <= set(entities.columns) - entities.moving and sources <= learned
    ok = ok and not sources & {*entities.columns, *entities.windowed, *entities.ends}
    ok = ok and all(time_end_codecs(by_name.get(n), by_name.get(s), how) for n, (s, how) in entities.ends.items())
    if not ok:
        raise ArtifactError(
            "model.json stretches entity rows onto a column that is no first or last time; refusing to load"
        )


def _check_windows(syn: Synthesizer, entities: Entities, by_name: dict[str, Codec]) -> None:
    """An entity's windows are as ``_windows_valid`` says; an entity total, time frame or tile a plain
    number, not learned (a total of another plain number, a time frame one of ``AGGREGATES`` over a
    span of the order's clock), a first value any of one alike; none is the source of another (each
    is rebuilt from a drawn one), and they run along a sequence."""
    windows = entities.windows
    if not windows:
        return
    learned = {syn._codecs[i].storage.name for i in syn._learned}
    summed = [*entities.totals, *(s for s, _ in entities.totals.values()), *entities.tiles]
    summed += [*entities.timed, *(s for s, _, _ in entities.timed.values())]
    plain = _windows_valid(entities, by_name)
    plain &= all(type(c) is NumericCodec and c.domain == "number" for c in [by_name.get(name) for name in summed])
    plain &= all(how in ENTITY_TOTALS for _, how in entities.totals.values())
    plain &= all(how in AGGREGATES and span in TIME_SPANS for _, how, span in entities.timed.values())
    plain &= all(type(k) is int and k >= 1 for k, _ in entities.tiles.values())  # tiles_of deals k tiles
    clock = by_name.get(entities.clocks.get(str(entities.order), ""))
    plain &= not entities.timed or (isinstance(clock, NumericCodec) and clock.domain == "time")
    alike = all(window_codecs(by_name.get(name), by_name.get(source)) for name, source in entities.firsts.items())
    apart = not set(windows) & {*windows.values(), *learned, *entities.columns, *entities.sequences}
    unordered = set(windows) <= {*entities.ranked, *entities.tiles, *entities.totals}
    unordered &= bool(entities.steps) or not entities.tiles
    ordered = entities.order in entities.sequences or (entities.order is None and unordered)
    ordered |= set(windows) <= set(entities.totals)  # a total needs no order
    if not plain or not alike or not apart or not ordered:
        raise ArtifactError(
            "model.json rebuilds a running sum or lag from a column unlike it or along no sequence; refusing to load"
        )


def _windows_valid(found: Entities | TableWindows, by_name: dict[str, Codec]) -> bool:
    """Whether the window fields an entity's and the table's windows share are sound: a running sum,
    aggregate, frame or rank is a plain number of another plain number (an aggregate one of
    ``AGGREGATES`` over a frame ``is_frame`` knows, a frame's of ``FRAME_HOWS`` over rows
    ``is_row_frame`` knows, a rank one of ``RANK_WAYS``), a lag's default one of its kind
    (``_default_fits``); a lag by some rows is a number, date or label drawn alike to its source
    (``window_codecs``); a difference a number or duration of a number or time in a unit it can be
    counted in (``difference_codecs``); an extreme so far a number or date of one alike."""
    summed = [*found.running, *(s for s, _ in found.running.values()), *found.aggregates]
    summed += [s for s, _, _ in found.aggregates.values()]
    summed += [*found.frames, *(s for s, _, _, _ in found.frames.values())]
    summed += [*found.ranked, *(s for s, _, _, _ in found.ranked.values())]
    plain = all(type(c) is NumericCodec and c.domain == "number" for c in [by_name.get(name) for name in summed])
    plain &= all(how in AGGREGATES and is_frame(rows) for _, how, rows in found.aggregates.values())
    plain &= all(how in FRAME_HOWS and is_row_frame(start, end) for _, how, start, end in found.frames.values())
    plain &= all(how in RANK_WAYS for _, how, _, _ in found.ranked.values())
    plain &= all(_default_fits(by_name.get(name), value) for name, value in found.defaults.items())
    plain &= set(found.defaults) <= set(found.lags)
    alike = all(window_codecs(by_name.get(name), by_name.get(source)) for name, (source, _) in found.lags.items())
    alike &= all(
        difference_codecs(by_name.get(n), by_name.get(s), unit) for n, (s, _, unit) in found.differences.items()
    )
    alike &= all(
        way in EXTREME_WAYS and window_codecs(by_name.get(n), by_name.get(s)) for n, (s, way) in found.extremes.items()
    )
    steps = all(isinstance(k, int) and k != 0 for _, k, *_ in [*found.lags.values(), *found.differences.values()])
    return plain and alike and steps


def _check_table_windows(syn: Synthesizer) -> None:
    """The windows over the whole table (``table_windows``) are as ``_windows_valid`` says, of a
    model without entities; each is a column the model does not learn and no source of another,
    row numbers, tiles, totals and shares plain numbers (a tile of k >= 1, a total one of
    ``TABLE_TOTALS`` of a plain number, a share of one in ``SHARE_SCALES``), along an order that is a
    number or date column of the model, where any but a rank, total or share runs along one, within
    the rows of each value of a label where they run within one (``within``)."""
    found = syn._table_windows
    if found is None:
        return
    by_name = {c.storage.name: c for c in syn._codecs}
    learned = {syn._codecs[i].storage.name for i in syn._learned}
    windows = found.windows
    totals = [
        *found.totals,
        *(s for s, _ in found.totals.values()),
        *found.shares,
        *(s for s, _ in found.shares.values()),
    ]
    counted = [by_name.get(name) for name in [*found.numbered, *found.tiles, *totals]]
    valid = _windows_valid(found, by_name) and syn._entities is None and bool(windows)
    valid &= all(type(c) is NumericCodec and c.domain == "number" for c in counted)
    valid &= all(type(k) is int and k >= 1 for k, _ in found.tiles.values())
    valid &= all(how in TABLE_TOTALS for _, how in found.totals.values())
    valid &= all(scale in SHARE_SCALES for _, scale in found.shares.values())
    valid &= not set(windows) & {*windows.values(), *learned} and set(windows) <= set(by_name)
    along = set(windows) - {*found.ranked, *found.totals, *found.shares}
    labels = [by_name.get(label) for label in found.partitions.values()]
    partitioned = {*found.ranked, *found.totals, *found.shares}
    valid &= set(found.partitions) <= partitioned and all(type(c) in (CategoricalCodec, NumericCodec) for c in labels)
    valid &= not set(found.partitions.values()) & set(windows)
    within = by_name.get(found.within) if found.within is not None else None
    valid &= found.within is None or (type(within) in (CategoricalCodec, NumericCodec) and found.order is not None)
    valid &= found.within not in windows
    order = by_name.get(found.order or "")
    valid &= type(order) is NumericCodec if along or found.order is not None else True
    if not valid:
        raise ArtifactError("model.json rebuilds a window over the table from a column unlike it; refusing to load")


def _default_fits(lag: Codec | None, value: float | str) -> bool:
    """Whether a lag's default is of its kind: a finite number of a number's or date's lag (a date's
    in ns), a text of a label's."""
    if type(lag) is CategoricalCodec:
        return isinstance(value, str)
    return isinstance(lag, NumericCodec) and isinstance(value, float) and math.isfinite(value)


def _check_walks(syn: Synthesizer, entities: Entities, by_name: dict[str, Codec]) -> None:
    """Walks are numbers with an entity mean and an order; a stepped date has a first date and is
    the rows' order if anything is (the clock of the sequence numbering them: ``Entities.may_step``);
    they and trends are bound only to columns the entity shares."""
    trends = set(entities.trends)
    walking = [by_name.get(name) for name in entities.walks]
    if not set(entities.walks) <= set(entities.profiles) - trends or (entities.walks and entities.order is None):
        raise ArtifactError("model.json walks a column that has no entity mean or no order; refusing to load")
    if not all(type(c) is NumericCodec and c.storage.logical in TREND_KINDS for c in walking):
        raise ArtifactError("model.json walks a column that is not a number; refusing to load")
    shared = {*entities.columns, *entities.hidden_columns} - entities.moving
    bonds = [r for r in syn._relations if {r.left, r.right} & {*entities.walks, *entities.steps, *entities.trends}]
    if not all(len({r.left, r.right} & shared) == 1 and not r.equal for r in bonds):
        raise ArtifactError("model.json binds a walk or trend to a column its entity does not share; refusing to load")
    stepping = [by_name.get(name) for name in entities.steps]
    alone = set(entities.steps) <= set(entities.starts) - trends - set(entities.walks)
    alone = alone and all(entities.may_step(name) for name in entities.steps)
    if not alone or not all(isinstance(c, OffsetCodec) for c in stepping):
        raise ArtifactError("model.json steps a date with no first date or along another order; refusing to load")


def _check_drifts(entities: Entities, by_name: dict[str, Codec]) -> None:
    """A drift is a binned number's with an entity mean that moves no other way, along an order."""
    moving = {*entities.trends, *entities.walks, *entities.steps, *entities.rising}
    drifting = [by_name.get(name) for name in entities.drifts]
    alone = set(entities.drifts) <= set(entities.profiles) - moving
    alone = alone and (not entities.drifts or entities.order is not None)
    numbers = all(type(c) is NumericCodec and c.storage.logical in ("int", "float", "decimal") for c in drifting)
    if not alone or not numbers:
        raise ArtifactError("model.json drifts a column that is no free number with an entity mean; refusing to load")


def _moves_as_said(codec: Codec, unit: str | None) -> bool:
    """A number moves without a unit, a date in steps of one of the calendar units (seconds: a datetime)."""
    if codec.storage.logical in ("date", "datetime"):
        timed = codec.storage.logical == "datetime" or "seconds" not in (unit or "")
        return unit is not None and is_trend_unit(unit) and timed
    return unit is None and codec.storage.logical in TREND_KINDS


def _check_hidden_columns(codecs: list[Codec], entities: Entities) -> None:
    """The entity's first dates, means, most frequent values, drifts and null-key flag are codecs
    just before the size (never emitted); each date with a first date is rebuilt from it, each mean
    and drift is a number's, each most frequent value a category's, the flag two labels."""
    hidden = entities.hidden_columns
    columns = codecs[-len(hidden) - 1 : -1] if len(codecs) > len(hidden) + 1 else []
    by_name = {c.storage.name: c for c in codecs}
    kinds = {*entities.starts.values(), *entities.profiles.values(), *entities.drifts.values()}
    ok = [c.storage.name for c in columns] == hidden
    firsts = set(entities.starts.values())
    anchored = [c for c in columns if isinstance(c, OffsetCodec) and c.storage.name in firsts]
    ok = ok and all(type(c) is NumericCodec for c in columns if c.storage.name in kinds and c not in anchored)
    ok = ok and all(c.anchor in entities.columns and c.anchor_part is None for c in anchored)
    rebuilt = [by_name.get(name) for name in entities.starts]
    ok = ok and all(isinstance(c, OffsetCodec) and c.anchor == entities.starts[c.storage.name] for c in rebuilt)
    ok = ok and all(isinstance(by_name.get(name), NumericCodec) for name in entities.profiles)
    ok = ok and all(type(by_name.get(name)) is CategoricalCodec for name in [*entities.modes, *entities.modes.values()])
    flag = by_name.get(entities.nulls) if entities.nulls is not None else None
    ok = ok and (entities.nulls is None or (type(flag) is CategoricalCodec and flag.n_tokens == 2))
    if not ok:
        raise ArtifactError("model.json describes hidden entity columns the model does not have; refusing to load")


def _check_dependencies(syn: Synthesizer) -> None:
    """A dependency maps each of its determinant's tokens to one of the dependent's (or -1)."""
    learned = {syn._codecs[i].storage.name: syn._codecs[i] for i in syn._learned}
    for dep in syn._dependencies:
        determinant, dependent = learned.get(dep.determinant), learned.get(dep.dependent)
        if determinant is None or dependent is None or determinant is dependent:
            raise ArtifactError(f"dependency {dep} names a column the model does not learn")
        if len(dep.mapping) != determinant.n_tokens or not all(-1 <= t < dependent.n_tokens for t in dep.mapping):
            raise ArtifactError(f"dependency {dep} maps tokens the columns do not have")
        if dep.values and not _values_fit(dep, dependent):
            raise ArtifactError(f"dependency {dep} sets values on a column that is not a binned number or date")


def _check_label_groups(syn: Synthesizer) -> None:
    """A label group keeps a date or number the model learns (a number as its logarithm, a date by
    its days) by labels it learns, each group's key one of their values (tokens the label has, or
    whole numbers), its shares one row per clock time and one more."""
    learned = {syn._codecs[i].storage.name: syn._codecs[i] for i in syn._learned}
    for group in syn._label_groups:
        kept = learned.get(group.column)
        labels = [learned.get(name) for name in group.labels]
        domain = "number" if group.log else "time"
        if kept is None or not decoded_as_number(kept) or kept.domain != domain or None in labels:
            raise ArtifactError(f"label group {group.column!r} names a column the model does not learn as it says")
        if not group.well_formed() or not all(_group_keys_fit(group, j, c) for j, c in enumerate(labels)):
            raise ArtifactError(f"label group {group.column!r} holds keys, centres or shares that do not fit")


def _group_keys_fit(group: LabelGroup, j: int, label: Codec | None) -> bool:
    """Whether label ``j`` of ``group`` is a category whose tokens the keys are, or a number whose values."""
    values = [key[j] for key in group.keys]
    if group.by_value[j]:
        return isinstance(label, NumericCodec) and label.domain == "number" and all(v == round(v) for v in values)
    n_tokens = label.n_tokens if isinstance(label, CategoricalCodec) else 0
    return all(v == round(v) and 0 <= v < n_tokens for v in values)


def _names_fit(names: Any) -> bool:
    """No names, or one or two columns, a known separator and a digit run an int64 holds."""
    if names is None:
        return True
    width, columns = names.get("width"), names.get("columns")
    digits = isinstance(width, int) and 1 <= width <= MAX_NUMBER_DIGITS
    return digits and names.get("separator") in SEPARATORS and isinstance(columns, list) and 1 <= len(columns) <= 2


def _values_fit(dep: Dependency, dependent: Codec) -> bool:
    """Values go to a binned number or date only, one finite value (or None) per determinant token."""
    binned = value_dependent(dependent) and value_tokens(dependent) is None
    finite = all(v is None or math.isfinite(v) for v in dep.values)
    return binned and finite and len(dep.values) == len(dep.mapping)


def _check_unequal(syn: Synthesizer) -> None:
    """An unequal pair maps each of its first column's tokens to one of the second's (or -1), two
    learned columns (sampling rules out the later one's token, either way round)."""
    order = {syn._codecs[i].storage.name: k for k, i in enumerate(syn._learned)}
    for pair in syn._unequal:
        first, second = order.get(pair.first), order.get(pair.second)
        if first is None or second is None or first == second:
            raise ArtifactError(f"unequal pair {pair} names columns the model does not draw")
        n_first, n_second = syn._codecs[syn._learned[first]].n_tokens, syn._codecs[syn._learned[second]].n_tokens
        if len(pair.mapping) != n_first or not all(-1 <= t < n_second for t in pair.mapping):
            raise ArtifactError(f"unequal pair {pair} maps tokens the columns do not have")


def _check_null_links(syn: Synthesizer) -> None:
    """A null link names two learned columns, the second's null token, and a rule per token of the
    first."""
    learned = {syn._codecs[i].storage.name: syn._codecs[i] for i in syn._learned}
    for link in syn._null_links:
        label, column = learned.get(link.label), learned.get(link.column)
        if label is None or column is None or label is column or null_token(column) != link.null_token:
            raise ArtifactError(f"null link {link} names columns or a null token the model does not learn")
        if len(link.nulls) != label.n_tokens or not set(link.nulls) <= {ALWAYS, NEVER, EITHER}:
            raise ArtifactError(f"null link {link} holds rules for tokens the label does not have")


def _check_unseen(syn: Synthesizer) -> None:
    """Unseen pairs name two learned columns (drawn either way round) and token pairs both have."""
    order = {syn._codecs[i].storage.name: k for k, i in enumerate(syn._learned)}
    for pair in syn._unseen:
        first, second = order.get(pair.first), order.get(pair.second)
        if first is None or second is None or first == second:
            raise ArtifactError(f"unseen pairs {pair.first} x {pair.second} name columns the model does not draw")
        n_first, n_second = syn._codecs[syn._learned[first]].n_tokens, syn._codecs[syn._learned[second]].n_tokens
        ok = len(pair.first_tokens) == len(pair.second_tokens)
        if (
            not ok
            or not all(0 <= t < n_first for t in pair.first_tokens)
            or not all(0 <= t < n_second for t in pair.second_tokens)
        ):
            raise ArtifactError(f"unseen pairs {pair.first} x {pair.second} name tokens the columns do not have")


def _check_bands(syn: Synthesizer, decoded: set[str]) -> None:
    """A band cuts a decoded number at increasing finite points into one label token per band;
    its label and all a dependency derives from it are decoded after the repairs."""
    free, deferred = syn._decodable_last(), deferred_columns(syn._bands, syn._dependencies)
    by_name = {c.storage.name: c for c in syn._codecs}
    for band in syn._bands:
        if band.number not in decoded - deferred or not deferred <= free:
            raise ArtifactError(f"band {band} names columns the model cannot decode in that order; refusing to load")
        cuts = np.asarray(band.cuts)
        n_tokens = by_name[band.label].n_tokens
        ok = cuts.size >= 1 and len(band.tokens) == cuts.size + 1 and bool(np.all(np.isfinite(cuts)))
        if not ok or np.any(np.diff(cuts) <= 0) or not all(0 <= t < n_tokens for t in band.tokens):
            raise ArtifactError(f"band {band} has cuts or tokens the columns do not have; refusing to load")


def _check_anchors(codecs: list[Codec]) -> None:
    """Every offset column is rebuilt from a decoded column of its kind (a date from a date, a number
    from a number, or a date from its year), through no cycle."""
    by_name = {c.storage.name: c for c in codecs}
    decoded = {n for n, c in by_name.items() if decoded_as_number(c)}
    for codec in codecs:
        seen, current = {codec.storage.name}, codec
        while isinstance(current, OffsetCodec):
            if current.anchor not in decoded or current.anchor in seen:
                name = codec.storage.name
                raise ArtifactError(f"column {name!r} is anchored on a column that cannot be decoded before it")
            anchor = by_name[current.anchor]
            if current.anchor_part is None and isinstance(anchor, NumericCodec) and anchor.domain != current.domain:
                name = current.storage.name
                raise ArtifactError(f"column {name!r} is anchored on a column of another kind (a date on a number)")
            seen.add(current.anchor)
            current = by_name[current.anchor]


def _schema_text(schema: pa.Schema | None) -> str | None:
    return None if schema is None else schema_text(schema)


def _schema_from_text(text: str | None) -> pa.Schema | None:
    return None if text is None else schema_from_text(text)
