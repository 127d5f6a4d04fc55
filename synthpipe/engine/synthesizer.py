"""The public facade: ``Synthesizer(seed=0).fit(data)`` then ``sample(n)`` / ``save(url)``.

Stages inside ``fit``: bound the input (seeded sample), analyse and encode every column
(codecs), detect logical relations, train the network with early stopping. Sampling runs in
blocks of rows (``BLOCK_ROWS``; with entities, up to the end of the block's last entity), each
seeded from ``(seed, block number)``, so ``sample`` and ``sample_chunks`` give the same rows
whatever the chunk size, and generation needs bounded memory for any ``n``.
"""

from __future__ import annotations

import dataclasses
import decimal
import functools
import itertools
import logging
import numbers
import os
import time
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from synthpipe.engine import (
    artifact,
    bands,
    calendars,
    cells,
    constraints,
    dateparts,
    dependencies,
    designs,
    entities,
    formulas,
    joins,
    label_groups,
    nested,
    nulls,
    sessions,
    spans,
    table_windows,
    topics,
    unequal,
    unseen,
)
from synthpipe.engine.calibration import calibrate, refit_output_biases
from synthpipe.engine.codecs import Codec, build_codec, build_codecs, key_columns
from synthpipe.engine.codecs.base import evenly_ordered
from synthpipe.engine.codecs.categorical import CategoricalCodec
from synthpipe.engine.codecs.identifier import (
    KEY_STREAM_BITS,
    KEY_STREAM_SLOTS,
    IdentifierCodec,
    drawn_by_row,
    may_name_a_key,
    name_template,
    spelled_addresses,
)
from synthpipe.engine.codecs.numeric import WITHIN_BIN, NumericCodec, units_per_day
from synthpipe.engine.codecs.offset import OffsetCodec, decode_order, decoded_as_number, find_anchors
from synthpipe.engine.config import EngineConfig, make_config
from synthpipe.engine.copula import MAX_ROWS as COPULA_MAX_ROWS
from synthpipe.engine.copula import ordered_tokens
from synthpipe.engine.dependencies import Dependency
from synthpipe.engine.entities import Entities
from synthpipe.engine.frames import _DAY_NS as DAY_NS
from synthpipe.engine.frames import (
    StorageType,
    as_periods,
    as_stored,
    in_drawn_layouts,
    numeric_values,
    periods_as_starts,
    restore_labels,
    storage_type,
    text_dates,
    text_layouts,
    to_frame,
    to_output,
    valid_wall_clock_ns,
)
from synthpipe.engine.model import Exclusion, HeadWeights, Network, sample_tokens
from synthpipe.engine.number_formats import Written, as_formatted, formatted_as_plain
from synthpipe.engine.pseudonyms import (
    StandInKeys,
    kept_past_real_keys,
    null_key_stand_ins,
    pseudonymise_repeated_keys,
)
from synthpipe.engine.table_windows import TableWindows, partition_codes
from synthpipe.engine.text_durations import Layout, as_text, text_as_durations
from synthpipe.engine.text_missing import as_kinds, as_tokens, kinds_as_nulls, tokens_as_nulls
from synthpipe.engine.training import TrainSettings, split_validation, train
from synthpipe.engine.trends import trend_step
from synthpipe.engine.unequal import Unequal
from synthpipe.errors import ConfigError, ModelError, SchemaError

log = logging.getLogger(__name__)

BLOCK_ROWS = 16_384
COPULA_PLACES = "at places in the order of a Gaussian copula on the earlier columns"  # copula.latent
MAX_FIRST_LAYER = 4_000_000  # float32 weights: bounds memory and the per-row cost of wide tables
CALENDAR_SALT = 0x63616C65  # the stream that chooses a calendar's dates ("cale"): apart from the blocks' [seed, number]
QUOTA_SALT = 0x71756F74  # the stream that orders the rows' quota label values ("quot")
DESIGN_SALT = 0x64736E67  # the stream that orders the rows' design combinations ("dsng")
CELLS_SALT = 0x63656C6C  # the stream that chooses the rows' cells ("cell"): apart from the blocks' and the calendar's
LAYOUT_SALT = 0x6C61796F  # the hash that draws a row's layout of date text ("layo"): apart from the keys' salts
Progress = Callable[[str, float], None]


def _silent(stage: str, fraction: float) -> None:
    """Default progress callback: report nothing."""


class Synthesizer:
    """Learns a table and generates synthetic rows of the same shape.

    Args:
        seed: seeds training and (unless ``sample(seed=...)`` overrides it) sampling.
        **settings: keyword-only :class:`~synthpipe.engine.config.EngineConfig` fields,
            e.g. ``max_training_time=60``, ``max_training_rows=50_000``.
    """

    def __init__(self, seed: int = 0, **settings: Any) -> None:
        self.config: EngineConfig = make_config(seed, settings)
        self._codecs: list[Codec] = []
        self._learned: list[int] = []
        self._relations: list[constraints.Relation] = []
        self._walk_bonds: list[constraints.Relation] = []  # during fit: relations of walks, found on values
        self._step_spans: list[spans.Span] = []  # during fit: spans of a date learned as steps, found on values
        self._tiles_along: dict[str, str] = {}  # during fit: the date each tile of unnumbered rows goes along
        self._sums: list[constraints.Sum] = []
        self._dependencies: list[Dependency] = []
        self._unequal: list[Unequal] = []
        self._label_groups: list[label_groups.LabelGroup] = []
        self._null_links: list[nulls.NullLink] = []
        self._unseen: list[unseen.UnseenPairs] = []
        self._spans: list[spans.Span] = []
        self._sessions: sessions.Sessions | None = None  # a key nested in the entity key (sessions.py)
        self._session_codec: IdentifierCodec | None = None
        self._session_after: str | None = None
        self._session_category = False  # the nested key was categorical (entities.plain_keys)
        self._formulas: list[formulas.Formula] = []
        self._joins: list[joins.Join] = []
        self._parts: list[dateparts.DatePart] = []
        self._bands: list[bands.Band] = []
        self._topics: list[topics.Topics] = []  # free text written in the words of its row's label
        self._net: Network | None = None
        self._schema: pa.Schema | None = None
        self._periods: dict[str, str] = {}  # Period columns' frequencies (frames.periods_as_starts)
        self._number_formats: dict[str, Written] = {}  # formatted number text (number_formats)
        self._duration_layouts: dict[str, Layout] = {}  # duration text (text_durations)
        self._missing_tokens: dict[str, str] = {}  # missing values written as text ('N/A': text_missing)
        self._missing_kinds: dict[str, dict[str, float]] = {}  # several kinds of them, each token's share
        self._kind_labels: dict[str, str] = {}  # each one's hidden column of its rows' kinds (text_missing)
        self._entity_steps: dict[str, float] = {}  # walks' and drifts' steps, learned less the entity's level
        self._nested: dict[str, dict[str, Any]] = {}  # arrays, structs, maps, JSON objects: as fields or JSON text
        self._training: dict[str, Any] = {}
        self._stand_in_keys: dict[str, dict[str, Any]] = {}  # pseudonymised text keys: formats past the pseudonyms
        self._spread = 1.0  # rows of the table fitted on per row learned (a sample of a larger table: more)
        self._entities: Entities | None = None  # a repeated key sampled as entities (entities.py)
        self._hidden: dict[str, dateparts.DatePart] = {}  # learned, never emitted: a date's year, weekday or hour
        self._given: set[str] = set()  # hidden parts set from an entity's decoded date (``_given_tokens``)
        self._panel: calendars.Panel | None = None  # a calendar per segment (a day and country's one row)
        self._by_visits: set[str] = set()  # hidden hours that move an entity's visits, not its rows (``_steered``)
        self._matched: set[str] = set()  # hidden weekdays (months) of a daily (monthly) trend its rows are put on
        self._table_windows: TableWindows | None = None  # windows over the whole table (table_windows.py)
        self._cells: tuple[str, ...] = ()  # labels each combination of which one row holds at most (cells.py)
        self._quota: str | None = None  # a label a stream gives each value of its share of rows (``_detect_quota``)
        self._quota_counts = np.zeros(0, dtype=np.int64)  # per token of the quota's label, its rows by the count
        self._design: designs.Design | None = None  # labels a stream gives each combination of equally (designs.py)

    # ------------------------------------------------------------------ fit

    def fit(
        self,
        data: pd.DataFrame | pa.Table | pa.RecordBatchReader,
        *,
        progress: Progress | None = None,
        entity_sizes: pd.Series | None = None,
        table_rows: int | None = None,
        windows_of: pd.DataFrame | pa.Table | None = None,
    ) -> Synthesizer:
        """Learn ``data``; returns ``self``. Raises SchemaError for unsupported columns.

        An Arrow stream (``RecordBatchReader``, e.g. DuckDB's ``.arrow()``) is read whole and
        treated as a Table: ``sample`` then returns Tables. For a caller that passes a sample of a
        larger table (rows, or runs of entities' rows): ``entity_sizes``, each row's entity size in
        that table (``entity_sizes`` of the whole table's key column, named like it; otherwise they
        are counted in ``data``), ``table_rows``, the table's rows (a sample's unique numbers
        are sparser than the table's: ``looks_like_identifier``), and ``windows_of``, the whole
        table's rows (or a run of them in its order) in which to look for windows over all its rows
        (``table_windows``): a sample leaves out rows between those it keeps, so a running total
        ``OVER (ORDER BY day)`` is no running total of the sample's rows."""
        report = progress or _silent
        started = time.monotonic()
        deadline = started + self.config.max_training_time if self.config.max_training_time else None
        frame, schema, available, sizes = self._bounded_frame(data, entity_sizes)
        frame, self._periods = periods_as_starts(frame)
        frame, self._missing_tokens = tokens_as_nulls(frame)
        frame, self._missing_kinds, self._kind_labels = kinds_as_nulls(frame)
        frame, self._number_formats = formatted_as_plain(frame)
        frame, self._duration_layouts = text_as_durations(frame)
        self._spread = max(available, table_rows or 0) / len(frame)
        self._nested = nested.layout(frame, schema, self.config.rare_category_min_count)
        frame = nested.as_learned(frame, self._nested, schema)
        report("analyze", 0.0)
        key = entities.entity_key(frame, self.config)
        category = key is not None and isinstance(frame[key].dtype, pd.CategoricalDtype)
        frame = frame.assign(**{key: entities.plain_keys(frame[key])}) if key is not None and category else frame
        frame, nested_key = self._with_plain_session_key(frame, key)
        numbered = {} if key is None else self._sequences(frame, key, sizes)
        gapped = {} if key is None else self._gapped_sequences(frame, key, set(numbered), sizes)
        numbered = {**numbered, **{name: start for name, (start, _) in gapped.items()}}
        indexes = set() if key is None else entities.row_indexes(frame, key, self.config.constraint_min_rows)
        real = frame
        frame, pseudonymised = pseudonymise_repeated_keys(frame, self.config, indexes | set(numbered))
        self._stand_in_keys = {name: fmt for name, fmt in pseudonymised.items() if fmt is not None}
        self._spell_pseudonymised_names(real, key)
        self._entities, self._walk_bonds, self._tiles_along, self._step_spans = None, [], {}, []
        self._sessions, self._session_codec = None, None
        trend_values = None  # the trend columns' own values: their relations with entity columns are found on them
        frame, null_keys = self._with_null_key_stand_ins(frame, key, pseudonymised, category, nested_key)
        # without stand-ins no fresh keys fit its type (an int8 key of 60 users): learned as it is
        session_keys = None
        if key is not None and null_keys is not None:
            frame, session_keys = self._without_session_key(frame, nested_key)
            ranks = self._row_ranks(frame, key, indexes | set(numbered))
            frame = frame.assign(**{str(rank.name): rank.to_numpy() for rank in ranks.values()})
            ranked_gaps = self._gapped_sequences(frame[[key, *(str(r.name) for r in ranks.values())]], key, set(), None)
            gapped = {**gapped, **ranked_gaps}
            numbered = {**numbered, **{str(rank.name): 1 for rank in ranks.values()}}
            trends = self._trends(frame, key, indexes | set(numbered), next(iter(numbered), None))
            units = entities.trend_units(frame, key, trends)
            riders = self._riders(frame, trends, units)
            ranges = {name: self._clip_range(entities.trend_values(frame[name])) for name in trends}
            trend_values = frame[list(trends)]
            frame = entities.as_trend_offsets(frame, key, trends, units)
            frame = entities.as_rider_origins(frame, riders, trends, units)
            detected = entities.detect(frame, key, numbered, trends, key_columns(frame, self.config, self._spread))
            ranked = {str(rank.name): date for date, rank in ranks.items()}
            gaps = {name: shares for name, (_, shares) in gapped.items()}
            self._entities = dataclasses.replace(
                detected, ranges=ranges, units=units, riders=riders, ranks=ranked, gaps=gaps, category=category
            )
            self._find_windows(frame, indexes)
            given = sizes if sizes is not None and sizes.name == key else None
            frame = entities.with_counts(frame, self._entities, _guests_counted_here(given, frame[key], null_keys))
        self._table_windows = None
        found_windows = self._find_table_windows(frame, windows_of)
        codecs = self._with_calendar(self._build_codecs(frame, set(pseudonymised)), frame)
        codecs = _counted_labels_as_values(codecs, frame, found_windows, self.config)
        frame, codecs = self._with_hidden_parts(frame, codecs, indexes)
        self._given |= {p.result for p in self._hidden.values() if p.date == self._calendar_name(codecs)}
        kept_past_real_keys(codecs, frame, pseudonymised)
        frame, codecs = self._with_matched_parts(frame, codecs, trend_values)
        codecs = self._with_key_names(self._with_key_years(self._with_offsets(codecs, frame), frame, real), frame)
        self._entity_steps = {}
        frame, self._codecs = self._with_entity_columns(frame, codecs, indexes)
        self._keep_clocks_of_instants_only()
        self._find_rising(frame)
        frame, self._codecs = self._with_drifts(frame, self._codecs)
        frame, self._codecs = self._with_null_key_flag(frame, self._codecs, null_keys)
        frame, self._codecs = self._with_sessions(frame, self._codecs, session_keys, real)
        self._schema = schema
        self._tiles_of_steps()
        self._table_windows = self._table_windows_kept(found_windows)
        windowed = set(self._entities.windowed) if self._entities is not None else set()  # rebuilt, not learned
        windowed |= set(self._table_windows.windows) if self._table_windows is not None else set()
        self._learned = self._chain_order(
            [i for i, c in enumerate(self._codecs) if c.n_tokens >= 2 and c.storage.name not in windowed]
        )
        report("analyze", 1.0)
        self._detect_relations(frame, trend_values)
        self._joins = joins.detect(frame, *self._join_candidates())
        codes = self._encode(frame)
        self._dependencies = self._detect_dependencies(frame, codes)
        if self._dependents_drawn_after_determinants():
            codes = self._encode(frame)
        self._unequal = self._detect_unequal(codes)
        self._null_links = self._detect_null_links(codes)
        self._unseen = self._detect_unseen(codes)
        self._detect_schedules(frame, codes)
        self._bands = self._detect_bands(frame, codes)  # after the schedules: no label is one
        self._label_groups = self._detect_label_groups(frame, codes)  # after the bands: no label is one
        self._cells = self._detect_cells(codes)  # after the bands: no cell column is set after decoding
        counted = None if self._cells else self._detect_quota()
        self._quota = counted[0] if counted else None
        if counted:  # drawn first, it sets the columns one-to-one with it; they set it back no more
            self._dependencies = [d for d in self._dependencies if d not in counted[2]]
        self._design = None if self._cells or counted else self._detect_design(codes)
        if self._labels_lead():  # drawn first: a stream's rows take their labels before the rest
            head = [i for name in self.calendar_keys for i, c in enumerate(self._codecs) if c.storage.name == name]
            self._learned = head + [i for i in self._learned if i not in head]
            codes = self._encode(frame)
        self._quota_counts = (
            self._quota_counts_of(codes, frame, *counted[:2]) if counted else np.zeros(0, dtype=np.int64)
        )
        self._topics = self._detect_topics(frame)
        self._train(codes, self._validation_groups(frame), self._head_weights(frame), deadline, report)
        self._training.update(
            rows_available=available,
            rows_used=len(frame),
            pseudonymised_keys=list(pseudonymised),
            fit_seconds=round(time.monotonic() - started, 3),
        )
        report("done", 1.0)
        return self

    def _with_null_key_stand_ins(
        self,
        frame: pd.DataFrame,
        key: str | None,
        pseudonymised: dict[str, Any],
        category: bool,
        session: str | None = None,
    ) -> tuple[pd.DataFrame, np.ndarray | None]:
        """``frame`` with each null of the entity ``key`` replaced by a fresh key of its own
        (pseudonyms.null_key_stand_ins: each null-key row an entity of one row; with a ``session``
        key nested in ``key``, each guest session's rows one entity), and which rows those are;
        None where the key is no entity key after all (no fresh keys fit its type), its
        categorical dtype (``category``) then given back as it was."""
        if key is None:
            return frame, None
        nulls = frame[key].isna().to_numpy()
        if key in pseudonymised and not nulls.any():
            return frame, nulls
        filled = (
            null_key_stand_ins(frame[key], self._stand_in_keys.get(key), self.config) if key in pseudonymised else None
        )
        if filled is None:
            return (frame.assign(**{key: frame[key].astype("category")}) if category else frame), None
        keys, fmt = filled
        if fmt is not None:
            self._stand_in_keys[key] = fmt
        if session is not None:
            keys = sessions.one_key_per_session(keys, nulls, frame[session])
        return frame.assign(**{key: keys}), nulls

    def _with_null_key_flag(
        self, frame: pd.DataFrame, codecs: list[Codec], nulls: np.ndarray | None
    ) -> tuple[pd.DataFrame, list[Codec]]:
        """The entity's last hidden column (``Entities.nulls``): whether it is a null-key row (a
        guest session), learned one count per entity with its other columns; such an entity is
        sampled as one row with a null key (``_null_key_heads``). Why: a key with nulls was no
        entity key, so a synthetic user's age changed between its sessions in 91% of the users;
        glued into one entity, the guests would be one giant user. Without one learnable (every
        entity's alike) the null-key rows are entities of one row with fresh keys."""
        ent = self._entities
        if ent is None or nulls is None or not nulls.any():
            return frame, codecs
        name = entities.free_name(f"{ent.key} is null", frame.columns)
        flag = pd.Series(nulls, index=frame.index, name=name)
        codec = build_codec(flag[~frame[ent.key].duplicated().to_numpy()], self.config)
        if type(codec) is not CategoricalCodec or codec.n_tokens < 2:
            return frame, codecs
        self._entities = dataclasses.replace(ent, nulls=name)
        at = frame.columns.get_loc(ent.count)
        frame = pd.concat([frame.iloc[:, :at], flag.to_frame(), frame.iloc[:, at:]], axis=1)
        return frame, [*codecs[:-1], codec, codecs[-1]]

    def _without_session_key(self, frame: pd.DataFrame, name: str | None) -> tuple[pd.DataFrame, pd.Series | None]:
        """``frame`` without ``name``, the key nested in the entity key (``_with_plain_session_key``
        found it), and that key's values (None: there is none). It is not learned, nor seen by any
        detector (its pseudonyms tell nothing); its fresh keys are issued one per synthetic session."""
        if name is None:
            return frame, None
        fmt = self._stand_in_keys.pop(name, None)
        storage = storage_type(frame[name])
        nulls = bool(frame[name].isna().any())  # a session's is learned (``Sessions.nulls``)
        self._session_codec = (
            IdentifierCodec(storage, {**fmt, **({"nulls_learned": True} if nulls else {})})
            if fmt
            else IdentifierCodec.fit(frame[name], storage, self.config.rare_category_min_count, learn_nulls=nulls)
        )
        at = list(frame.columns).index(name)
        self._session_after = None if at == 0 else str(frame.columns[at - 1])
        return frame.drop(columns=name), frame[name]

    def _with_plain_session_key(self, frame: pd.DataFrame, key: str | None) -> tuple[pd.DataFrame, str | None]:
        """``frame`` with a categorical key nested in the entity ``key`` (sessions.nested_key) as its
        values' own dtype, before keys are pseudonymised, as an entity key is (entities.plain_keys);
        and that key's name (None: there is none). Why: its fresh keys are no categories of the real
        column, so every synthetic row's session key came back null (all sessions one), and an
        integer key was pseudonymised as text."""
        name = None if key is None else sessions.nested_key(frame, key, self.config.constraint_min_rows)
        self._session_category = name is not None and isinstance(frame[name].dtype, pd.CategoricalDtype)
        if name is None or not self._session_category:
            return frame, name
        return frame.assign(**{name: entities.plain_keys(frame[name])}), name

    def _with_sessions(
        self, frame: pd.DataFrame, codecs: list[Codec], keys: pd.Series | None, real: pd.DataFrame
    ) -> tuple[pd.DataFrame, list[Codec]]:
        """The sessions' hidden columns (the entity's rows from the session's first on and its
        size, fitted on one row per session, and whether a row opens a session after another of
        its entity, along the entity's order in the ``real`` rows), placed before the hidden date
        parts and the entity's own hidden columns, and the learned columns constant within a
        session (sessions.py)."""
        ent = self._entities
        if ent is None or keys is None or self._session_codec is None:
            return frame, codecs
        codes, entity = entities.entity_codes(keys)[0], entities.entity_codes(frame[ent.key])[0]
        order = next(iter([*ent.steps, *([ent.order] if ent.order else []), *ent.starts]), None)
        along = None if order is None or order not in real else real[order]
        left = entities.free_name(f"rows of {ent.key} from its {keys.name}", frame.columns)
        count = entities.free_name(f"rows per {keys.name}", [*frame.columns, left])
        flag = entities.free_name(f"opens a {keys.name}", [*frame.columns, left, count])
        hidden = pd.DataFrame(
            {
                left: sessions.rows_left(codes, entity, along),
                count: sessions.session_sizes(codes),
                flag: sessions.opening_rows(codes, entity, along),
            },
            index=frame.index,
        )
        nulls = self._session_null_flag(keys, [*frame.columns, left, count, flag])
        hidden = hidden if nulls is None else hidden.assign(**{str(nulls.name): nulls.to_numpy()})
        one_each = ~pd.Series(codes).duplicated().to_numpy()
        whole_bins = self.config.model_copy(update={"fine_positions": 0})  # a size is kept by its bin's mean
        sizes = [NumericCodec.fit(hidden[n][one_each], storage_type(hidden[n]), whole_bins) for n in (left, count)]
        flags = [build_codec(hidden[flag], self.config)]
        flags += [] if nulls is None else [build_codec(nulls[one_each], self.config)]
        columns = sessions.constant_columns(frame, codes, self._session_candidates(codecs))
        still = sessions.constant_columns(real, codes, [name for name in ent.steps if name in real])
        learned = self._session_numbers(real, codecs, set())
        rising = sessions.rising_columns({n: v for n, v in learned.items() if n not in {*columns, *still}}, codes)
        in_one = np.where(keys.isna().to_numpy(), -1, codes)  # a row in no session is no session's
        numbers = {name: entities.in_ns(real[name]) for name in learned if real[name].dtype.kind in "iuf"}
        times = {name: entities.in_ns(real[name]) for name in learned if real[name].dtype.kind == "M"}
        totals = sessions.totals(numbers, times, in_one, columns, self.config.constraint_min_rows)
        self._sessions = sessions.Sessions(
            str(keys.name),
            self._session_after,
            left,
            count,
            flag,
            tuple(columns),
            self._session_category,
            tuple(still),
            tuple(rising),
            None if nulls is None else str(nulls.name),
            totals,
        )
        codecs = self._per_session_categories(codecs, frame[one_each])
        at = len(codecs) - len(ent.hidden) - len(self._hidden)  # hidden parts, then the entity's own, end them
        frame = pd.concat([frame.iloc[:, :at], hidden, frame.iloc[:, at:]], axis=1)  # columns as the codecs
        return frame, [*codecs[:at], *sizes, *flags, *codecs[at:]]

    def _session_null_flag(self, keys: pd.Series, taken: list[str]) -> pd.Series | None:
        """Per row, whether its session key is null (a row in no session, a session of its own),
        named clear of ``taken``; None where no key is null."""
        nulls = keys.isna().to_numpy()
        if not nulls.any():
            return None
        return pd.Series(nulls, name=entities.free_name(f"{keys.name} is null", taken))

    def _per_session_categories(self, codecs: list[Codec], one_each: pd.DataFrame) -> list[Codec]:
        """``codecs`` with each category a session shares fitted on one row per session, as an
        entity's columns are on one per entity: a value is rare when few *sessions* hold it. Why:
        one session's 40 events on a device no other session used made it a value of 40 rows,
        kept and emitted verbatim."""
        assert self._sessions is not None
        shared = set(self._sessions.columns)
        return [
            build_codec(one_each[c.storage.name], self.config, storage=c.storage)
            if type(c) is CategoricalCodec and c.storage.name in shared
            else c
            for c in codecs
        ]

    def _session_candidates(self, codecs: list[Codec]) -> list[str]:
        """Learned columns a session may share: none the entity shares or rebuilds, none whose
        values follow the entity's rows (steps, trends, walks, numbering), no hidden part."""
        ent = self._entities
        assert ent is not None
        taken = {*self._shared_columns(), ent.count, *ent.windowed, *ent.sequences, *ent.steps, *ent.trends}
        taken |= {*ent.walks, *ent.ranks, *ent.drifts, *ent.riders, *ent.rising, *ent.schedules}
        taken |= {*self._hidden, *self._given, *self._matched, *ent.clocks.values()}
        return [c.storage.name for c in codecs[:-1] if c.n_tokens >= 2 and c.storage.name not in taken]

    def _session_numbers(self, real: pd.DataFrame, codecs: list[Codec], shared: set[str]) -> dict[str, np.ndarray]:
        """The ``real`` values, as numbers, of the learned numbers and dates a session's rows may
        hold in rising order: none a session shares (``shared``) nor the entity's own (its rising
        numbers are sorted along its order, its stepped dates summed)."""
        names = [c.storage.name for c in codecs if isinstance(c, NumericCodec)]
        kept = set(self._session_candidates(codecs)) - shared
        return {
            name: numeric_values(real[name], storage_type(real[name]))[0].astype("float64")
            for name in names
            if name in kept and name in real and real[name].dtype.kind in "iufmM"
        }

    def _trends(self, frame: pd.DataFrame, key: str, numbering: set[str], order: str | None) -> dict[str, str]:
        """Per column that moves in step with another in each entity, that one (``entity_trends``),
        but for a count of another's values along the entity's ``order`` (``counts_along``) and a
        rank, share or tile of the entity's rows (``ranks_along``): rebuilt after sampling
        (``_find_windows``)."""
        if not self.config.learn_offsets:
            return {}
        min_rows = self.config.constraint_min_rows
        found = order is not None and self.config.detect_constraints
        counts = entities.counts_along(frame, key, order, min_rows) if found and order is not None else set()
        ranks = entities.ranks_along(frame, key, order, min_rows) if self.config.detect_constraints else set()
        trends = entities.entity_trends(frame.drop(columns=[*counts, *ranks]), key, numbering, min_rows)
        spanned = (
            entities.spanned_from_shared(frame, key, trends, min_rows) if self.config.detect_constraints else set()
        )
        return {moved: clock for moved, clock in trends.items() if moved not in spanned}

    def _row_ranks(self, frame: pd.DataFrame, key: str, numbered: set[str]) -> dict[str, pd.Series]:
        if not self.config.learn_offsets:
            return {}
        return entities.row_ranks(frame, key, self.config.constraint_min_rows, numbered)

    def _riders(self, frame: pd.DataFrame, trends: dict[str, str], units: dict[str, str]) -> dict[str, str]:
        """Per date column that follows a date trend closely in its row, directly or through
        other dates (codecs/offset.py: its anchors), that trend.

        Why: the follower is learned as its offset from the anchor's value in the row, which a
        trend only sets once the clock is added back: a payment 3-7 days after a snapshot's month
        came out -759 to +1,040 days from it. Moved back by the clock like the trend, and forward
        as far as the trend is, it keeps its offset."""
        dated = {name for name in trends if name in units}
        if not dated:
            return {}
        names = [str(name) for name in frame.columns]
        codecs = {
            i: NumericCodec.fit(frame[name], storage_type(frame[name]), self.config)
            for i, name in enumerate(names)
            if storage_type(frame[name]).logical in ("date", "datetime")
        }
        anchors = find_anchors(frame, codecs, self.config.constraint_min_rows, entities=True)
        riders = {}
        for follower, anchor in anchors.items():
            while names[anchor] not in dated and anchor in anchors and anchors[anchor] != follower:
                anchor = anchors[anchor]
            if names[anchor] in dated and names[follower] not in trends:
                riders[names[follower]] = names[anchor]
        return riders

    def _clip_range(self, series: pd.Series) -> list[float]:
        """The column's clip points, as its own codec would set them (privacy: non-identifying)."""
        return [float(v) for v in NumericCodec.fit(series, storage_type(series), self.config).p.clip]

    def _sequences(self, frame: pd.DataFrame, key: str, sizes: pd.Series | None) -> dict[str, int]:
        whole = sizes if sizes is not None and sizes.name == key else None
        return entities.sequence_columns(frame, key, self.config.constraint_min_rows, whole)

    def _gapped_sequences(
        self, frame: pd.DataFrame, key: str, taken: set[str], sizes: pd.Series | None
    ) -> dict[str, tuple[int, list[float]]]:
        whole = sizes if sizes is not None and sizes.name == key else None
        return entities.gapped_sequences(frame, key, self.config.constraint_min_rows, taken | {key}, whole)

    def _bounded_frame(
        self, data: Any, sizes: pd.Series | None
    ) -> tuple[pd.DataFrame, pa.Schema | None, int, pd.Series | None]:
        """Seeded sample of at most ``max_training_rows`` rows (large inputs: bounded work), and
        the sampled rows' entity sizes in the whole input (a sample would thin them)."""
        data = _as_table_if_arrow_stream(data)
        rows = _row_count(data)
        if sizes is not None and len(sizes) != rows:
            raise ConfigError(f"entity_sizes has {len(sizes)} values for {rows} rows; pass one per row of data")
        keys = entity_keys(data, self.config) if rows > self.config.max_training_rows else None
        picked = training_sample(rows, self.config.max_training_rows, self.config.seed, keys)
        if picked is not None:
            if sizes is None and keys is not None:
                sizes = entities.entity_sizes(keys)
            sizes = None if sizes is None else sizes.iloc[picked].reset_index(drop=True)
            data = data.take(pa.array(picked)) if isinstance(data, pa.Table) else data.iloc[picked]
        frame, schema = to_frame(data)
        if len(frame) == 0 or len(frame.columns) == 0:
            raise SchemaError("cannot fit on an empty table; pass at least one row and one column")
        return frame, schema, rows, sizes

    def _build_codecs(self, frame: pd.DataFrame, pseudonymised: set[str]) -> list[Codec]:
        """One codec per column. With entities, the key is regenerated (a fresh key per entity,
        past the pseudonyms), the entity size is one more column (learned, never emitted), and it
        and the entity columns are fitted on one row per entity: rare values and extremes are those
        of few *entities* (one user's 3,000 sessions are one user's count, not 3,000 rows'). Other
        pseudonymised keys stay as they are (an account id of the customer's: each would be rare)."""
        binary = nested.hex_columns(self._nested)
        if self._entities is None:
            return build_codecs(frame, self.config, self._spread, binary)
        ent, cfg = self._entities, self.config
        table = frame.drop(columns=ent.count)
        codecs = build_codecs(table, cfg, self._spread, binary)
        one_each = frame.drop_duplicates(ent.key)
        position = {str(name): i for i, name in enumerate(table.columns)}
        for name in set(ent.columns) - pseudonymised:
            i = position[name]
            codecs[i] = build_codec(one_each[name], cfg, storage=codecs[i].storage)
        fmt = self._stand_in_keys.pop(ent.key, None)
        storage = storage_type(table[ent.key])
        key = (
            IdentifierCodec(storage, fmt)
            if fmt
            else IdentifierCodec.fit(table[ent.key], storage, cfg.rare_category_min_count)
        )
        codecs[position[ent.key]] = key
        whole_bins = cfg.model_copy(update={"fine_positions": 0})  # a size is kept by its bin's mean
        return [*codecs, NumericCodec.fit(one_each[ent.count], storage_type(frame[ent.count]), whole_bins)]

    def _with_entity_columns(
        self, frame: pd.DataFrame, codecs: list[Codec], indexes: set[str]
    ) -> tuple[pd.DataFrame, list[Codec]]:
        """The entity's hidden columns (fitted on one row per entity, like its own columns, and
        drawn with them): a first date for each date entities keep close together, which the date
        becomes an offset from (entities.entity_starts; a date that follows another column of its
        row keeps that anchor) or, where none is, for a date the table lists as each entity's
        history (entities.entity_histories) if it is learned as its steps (``_date_steps``), a
        mean for each number entities keep at their own level (entities.entity_profiles) and a
        most frequent value for each category they keep to (entities.entity_modes), which the
        entity's rows are drawn conditioned on. ``indexes`` number an entity's rows (their mean is
        its size's)."""
        ent = self._entities
        if ent is None:
            return frame, codecs
        free = [
            c for c in codecs[:-1] if type(c) is NumericCodec and c.n_tokens >= 2 and c.storage.name not in ent.columns
        ]
        ent = self._windows_of(codecs)
        free = [c for c in free if c.storage.name not in {*ent.sequences, *indexes, *self._hidden, *ent.windowed}]
        min_rows = self.config.constraint_min_rows
        dates = [c.storage.name for c in free if c.domain == "time" and not c.p.values]
        starts = entities.entity_starts(frame, ent, dates, min_rows) if self.config.learn_offsets else {}
        learn_histories = self.config.learn_offsets and not starts  # only a first start is learned as steps
        histories = entities.entity_histories(frame, ent, dates, min_rows) if learn_histories else {}
        numbers = [c.storage.name for c in free if c.domain == "number"]
        profiles = entities.entity_profiles(frame, ent, numbers, min_rows)
        named = {*ent.columns, *ent.sequences, *indexes, *self._stand_in_keys, *ent.windowed}  # a window: rebuilt
        categories = [
            c.storage.name for c in codecs[:-1] if type(c) is CategoricalCodec and c.storage.name not in named
        ]
        modes = entities.entity_modes(frame, ent, categories, min_rows)
        self._entities = ent = dataclasses.replace(ent, stages=self._stages(frame, ent, categories))
        stepped = dataclasses.replace(ent, starts=starts or histories, profiles=profiles, modes=modes)
        ent = self._date_steps(frame, codecs, stepped)
        if histories:  # a history is learned as its steps or not at all: as offsets, they span the table
            ent = dataclasses.replace(ent, starts={name: histories[name] for name in ent.steps})
        if not ent.starts and not profiles and not modes:
            return frame, codecs
        frame = entities.with_hidden(frame, ent)
        one_each = frame.drop_duplicates(ent.key)
        whole_bins = self.config.model_copy(update={"fine_positions": 0})  # a mean conditions by its bin
        means = set(ent.profiles.values())
        hidden = {
            name: build_codec(
                one_each[name], whole_bins if name in means else self.config, storage=storage_type(frame[name])
            )
            for name in ent.hidden_columns
        }
        ent = _with_learnable_hidden(ent, hidden)  # an entity value all entities share teaches nothing
        hidden = self._anchored_first_dates(one_each, hidden, codecs, ent)
        offsets = [name for name in ent.starts if name not in ent.steps]
        ent = dataclasses.replace(ent, untied=tuple(entities.first_held_once(frame, ent.key, offsets)))
        frame = frame.drop(columns=[name for name in hidden if name not in ent.hidden])
        codecs = [*codecs[:-1], *(hidden[name] for name in ent.hidden_columns), codecs[-1]]
        frame, codecs = self._with_given_parts(frame, codecs, ent)
        position = {c.storage.name: i for i, c in enumerate(codecs)}
        ent = dataclasses.replace(ent, ranges={**ent.ranges, **self._start_ranges(codecs, ent)})
        self._entities = ent
        frame = entities.as_date_steps(frame, ent, {name: _followers(codecs, name) for name in ent.steps})
        for name, start in ent.starts.items():
            own, first = codecs[position[name]], codecs[position[start]]
            assert isinstance(own, NumericCodec) and isinstance(first, NumericCodec)  # candidates and build_codec
            codecs[position[name]] = OffsetCodec.fit_on(own, first, frame, self.config)
        return self._with_walks(frame, codecs)

    def _with_walks(self, frame: pd.DataFrame, codecs: list[Codec]) -> tuple[pd.DataFrame, list[Codec]]:
        """Numbers entities keep at a level of their own that move a little from row to row along
        the entity's order (entities.entity_walks) are learned as their steps; the entity's mean
        (its profile, found on the values) sets the level their path is centred on."""
        ent = self._entities
        assert ent is not None
        order = ent.order
        if order is None or not ent.profiles or not self.config.learn_offsets:
            return frame, codecs
        walks = entities.entity_walks(frame, ent.key, order, list(ent.profiles), self.config.constraint_min_rows)
        if walks:  # a number bound to others keeps its bonds: 4.3% of balances broke ``balance <= credit_limit``
            bound, bonds, _ = self._walk_bonds_in(frame, codecs[: -len(ent.hidden)], walks)
            walks = [name for name in walks if name not in bound]
            self._walk_bonds += [r for r in bonds if {r.left, r.right} & set(walks)]
        if not walks:
            return frame, codecs
        ranges = {name: self._clip_range(frame[name]) for name in walks}
        frame = entities.as_walk_steps(frame, ent.key, order, walks)
        position = {c.storage.name: i for i, c in enumerate(codecs)}
        for name in walks:
            own = codecs[position[name]]
            assert isinstance(own, NumericCodec)  # a profile's column
            if own.p.decimals is not None and own.storage.logical == "float":
                frame[name] = frame[name].round(own.p.decimals)  # 1234.56 - 1200.10 is 34.46000000000004
            self._keep_step(own)
            codecs[position[name]] = build_codec(frame[name], self.config, storage=own.storage)
        self._entities = dataclasses.replace(ent, walks=tuple(walks), ranges={**ent.ranges, **ranges})
        return frame, codecs

    def _with_drifts(self, frame: pd.DataFrame, codecs: list[Codec]) -> tuple[pd.DataFrame, list[Codec]]:
        """Numbers entities keep at a level of their own that each entity moves along its rows in a
        line of its own (entities.entity_drifts) are learned less the entity's mean and that line;
        its slope is a hidden column drawn with the entity, and both are added back once the rows
        are in order (``_add_drifts``). Not for walks, rising numbers, the clock a sequence numbers
        the rows along, numbers of a few exact values or numbers a sum, span or formula binds (their
        relations are held once the number is back)."""
        ent = self._entities
        if ent is None or ent.order is None or not self.config.learn_offsets:
            return frame, codecs
        by_name = {c.storage.name: c for c in codecs}
        taken = {*ent.walks, *ent.steps, *ent.rising, *ent.clocks.values()}  # a clock's line is the order's own
        free = [name for name in ent.profiles if name not in taken and _drifts_freely(by_name[name])]
        relations, sums, found_spans, found_formulas = self._relations_in(
            frame, codecs[: -len(ent.hidden)], self._trend_columns()
        )
        free = [name for name in free if name not in _arithmetic_columns(sums, found_spans, found_formulas)]
        others = [c.storage.name for c in codecs[: -len(ent.hidden)] if type(c) is NumericCodec and c.n_tokens >= 2]
        drawn_first = {ent.order, *ent.clocks.values(), *ent.sequences, *ent.columns}  # not given a row's number
        others = [name for name in others if name not in {*drawn_first, *ent.windowed}]
        drifts = entities.entity_drifts(frame, ent.key, ent.order, free, self.config.constraint_min_rows, others)
        whole_bins = self.config.model_copy(update={"fine_positions": 0})  # a drift conditions by its bin
        drifted = entities.as_drift_residuals(frame, dataclasses.replace(ent, drifts=drifts))
        one_each = drifted.drop_duplicates(ent.key)
        slopes = {name: build_codec(one_each[slope], whole_bins) for name, slope in drifts.items()}
        slopes = {name: c for name, c in slopes.items() if type(c) is NumericCodec and c.n_tokens >= 2}
        if not slopes:  # none, or one slope for every entity: no hidden column learns it
            return frame, codecs
        ranges = {name: self._clip_range(frame[name]) for name in slopes}
        kept = {name: drifts[name] for name in slopes}
        self._entities = ent = dataclasses.replace(ent, drifts=kept, ranges={**ent.ranges, **ranges})
        self._walk_bonds += [r for r in relations if {r.left, r.right} & set(kept)]  # held once drifted
        frame = drifted if kept == drifts else entities.as_drift_residuals(frame, ent)
        position = {c.storage.name: i for i, c in enumerate(codecs)}
        codecs = list(codecs)
        for name in kept:
            own = by_name[name]
            assert isinstance(own, NumericCodec)  # _drifts_freely
            if own.p.decimals is not None:  # on its decimals, so that the drifted values are put back on them
                frame[name] = frame[name].round(own.p.decimals)
            self._keep_step(own)
            codecs[position[name]] = build_codec(frame[name], self.config, storage=own.storage)
        return frame, [*codecs[:-1], *slopes.values(), codecs[-1]]

    def _keep_step(self, own: NumericCodec) -> None:
        """A walk's or drift's step (``NumericParams.step``), which its steps or residuals, learned in
        its place, do not keep: order amounts in steps of 50 that grew along each customer's orders
        came back on the step in 2.6% of rows."""
        if own.p.step:
            self._entity_steps[own.storage.name] = own.p.step

    def _keep_clocks_of_instants_only(self) -> None:
        """Clock times are drawn from the real ones' quantiles only for columns that hold instants:
        a trend's, walk's or step's values are differences its entity's rows share or add up, and
        drawn row by row, a sensor's minutes stood still."""
        moving = self._trend_columns()
        for codec in self._codecs:
            if isinstance(codec, NumericCodec) and codec.storage.name in moving:
                codec.p.day_clock = []

    def _find_windows(self, frame: pd.DataFrame, indexes: set[str]) -> None:
        """Columns that are a window of another along the entity's order where it is a sequence the
        engine renumbers (entities.window_columns: a user's seconds to date, the previous event's
        seconds, time or action, the gap since it, the longest session so far), among the table's
        numbers, dates and texts but the entity's own, its sequences, trends and row indexes.
        Found on the real values, before any is learned as steps or offsets. Where nothing orders
        the rows, the ranks and shares only (they need no order: ``percent_rank() OVER (PARTITION
        BY user_id ORDER BY secs)`` of a query with no row number)."""
        ent = self._entities
        if ent is None or not self.config.detect_constraints:
            return
        taken = {ent.key, *ent.columns, *ent.sequences, *ent.trends, *ent.riders, *ent.ranks, *indexes}
        kinds = {str(name): entities.window_kind(frame[name]) for name in frame.columns if name not in taken}
        candidates = {name: kind for name, kind in kinds.items() if kind is not None}
        min_rows = self.config.constraint_min_rows
        if ent.order is None:
            self._entities = self._unordered_windows(frame, candidates)
            return
        if ent.order not in ent.sequences:
            self._entities = self._entity_totals_only(frame, candidates)
            return
        found = entities.window_columns(frame, ent.key, ent.order, candidates, min_rows)
        # a first value or total is rebuilt from a drawn column, not from another rebuilt one (cgd: a
        # total of the lag tstart was saved, and the artifact's own check refused to load it)
        rebuilt = {name for part in found for name in part}
        candidates = {name: kind for name, kind in candidates.items() if name not in rebuilt}
        shared = [name for name in ent.columns if name not in ent.moving]
        firsts = entities.first_values(frame, ent.key, ent.order, shared, candidates, min_rows)
        shared = [name for name in shared if name not in firsts]
        totals = entities.entity_totals(frame, ent.key, ent.order, shared, candidates, min_rows)
        totals, ends = entities.without_time_ends(frame, totals)
        # frames of rows before time frames: a sum of what is left to come (CURRENT ROW AND UNBOUNDED
        # FOLLOWING) was taken for a sum over the 60 days from each row, which every user's rows fit in
        others: dict[str, dict] = {"firsts": firsts, "totals": totals}
        others["frames"] = self._frames_left(frame, found, candidates, others, entities.frame_columns)
        framed = {source for source, _, _, _ in others["frames"].values()}  # a time frame of them: left learned
        clock = ent.clocks.get(ent.order)
        timed: dict[str, tuple[str, str, str]] = {}
        if clock is not None and entities.window_kind(frame[clock]) not in (None, "number", "text", "duration"):
            rest = {
                name: kind for name, kind in candidates.items() if name not in {*firsts, *totals, *others["frames"]}
            }
            timed = entities.time_frames(frame, ent.key, ent.order, clock, rest, min_rows)
            timed = {name: window for name, window in timed.items() if name not in framed}
        columns = tuple(name for name in ent.columns if name not in {*firsts, *totals})  # rebuilt, not drawn once
        others["timed"] = timed
        others["ranked"] = self._frames_left(frame, found, candidates, others, entities.rank_columns)
        others["tiles"] = self._frames_left(frame, found, candidates, others, entities.tile_columns)
        found_all = {**found._asdict(), **others}
        self._entities = dataclasses.replace(ent, columns=columns, ends=ends, **found_all)

    def _entity_totals_only(self, frame: pd.DataFrame, candidates: dict[str, str]) -> Entities:
        """The entity with the totals over its rows (``entities.entity_totals``: they need no order
        of the rows) no longer drawn once per entity. Why: with no column numbering a user's rows
        (an events query's ``SUM(value) OVER (PARTITION BY user_id)``, ``COUNT(*) ...``), no total
        was looked for: a user's total value was the sum of their synthetic events' in 12% of
        users, their event count in 93%."""
        ent = self._entities
        assert ent is not None
        shared = [name for name in ent.columns if name not in ent.moving]
        totals = entities.entity_totals(frame, ent.key, None, shared, candidates, self.config.constraint_min_rows)
        totals, ends = entities.without_time_ends(frame, totals)
        columns = tuple(name for name in ent.columns if name not in totals)  # rebuilt, not drawn once
        return dataclasses.replace(ent, columns=columns, totals=totals, ends=ends)

    def _unordered_windows(self, frame: pd.DataFrame, candidates: dict[str, str]) -> Entities:
        """The entity with its totals (``_entity_totals_only``), and its ranks and shares, which
        need no order of the rows either, where nothing numbers them, and the tiles along a date
        (``self._tiles_along``): kept if the rows come to follow that date, learned as its steps
        (``_tiles_of_steps``)."""
        ent = self._entity_totals_only(frame, candidates)
        candidates = {name: kind for name, kind in candidates.items() if name not in ent.totals}
        min_rows = self.config.constraint_min_rows
        ranked = entities.rank_columns(frame, ent.key, None, candidates, min_rows)
        rest = {name: kind for name, kind in candidates.items() if name not in ranked}
        tiles: dict[str, tuple[int, bool]] = {}
        for date in [name for name, kind in rest.items() if kind not in ("number", "text", "duration")]:
            found = entities.tile_columns(frame, ent.key, date, rest, min_rows)
            self._tiles_along |= {name: date for name in found if name not in tiles}
            tiles = {**found, **tiles}
        return dataclasses.replace(ent, ranked=ranked, tiles=tiles)

    def _find_table_windows(
        self, frame: pd.DataFrame, windows_of: pd.DataFrame | pa.Table | None
    ) -> TableWindows | None:
        """The windows over the whole table (``table_windows.find``) of a table without entities, in
        ``windows_of`` (``fit``'s) where given: among the columns the training ``frame`` holds as
        numbers or dates, or as labels windows may be partitioned by. Why those only: the rows are as
        the caller read them, and a PostgreSQL array column, learned as its fields, was refused there
        ("holds array values"). Arrays, structs, JSON and bytes (``_nested``) are never looked at: the
        engine learns them as text or fields, and as the caller read them (a DuckDB array of tags, a
        PostgreSQL bytea) they have no storage type."""
        if self._entities is not None or not self.config.detect_constraints:
            return None
        plain = [name for name in frame.columns if name not in self._nested]
        if windows_of is None:
            return table_windows.find(frame[plain], self.config.constraint_min_rows)
        whole = to_frame(windows_of)[0]
        names = [
            name
            for name in plain
            if name in whole.columns
            and (table_windows.may_be_window(frame[name]) or table_windows.may_partition(frame[name]))
        ]
        return table_windows.find(whole[names], self.config.constraint_min_rows)

    def _table_windows_kept(self, found: TableWindows | None) -> TableWindows | None:
        """``found`` with the windows the model can rebuild from their source as drawn: a plain
        number of a number (a lag or extreme of a date: a date alike; a difference: in a unit it can
        be counted in), none written back as text in the output (a formatted amount, a date in text
        layouts: the rows a caller hands ``with_table_windows`` hold that text), partitioned by a label,
        whole number or date drawn as it is; of a calendar's panel, windows along an order only along
        its date within a segment column (``lag(revenue) OVER (PARTITION BY store ORDER BY day)``)."""
        found = self._of_panel(found)
        if found is None:
            return None
        by_name = {c.storage.name: c for c in self._codecs}
        written = self._written_otherwise()

        def plain(name: str) -> bool:
            return type(by_name.get(name)) is NumericCodec and name not in written

        def number(name: str) -> bool:
            codec = by_name.get(name)
            return plain(name) and isinstance(codec, NumericCodec) and codec.domain == "number"

        def label(name: str | None) -> bool:  # a window's partition, if any: drawn as it is
            if name is None:
                return True
            return (type(by_name.get(name)) is CategoricalCodec and name not in written) or plain(name)

        def rebuildable(name: str, source: str) -> bool:
            result, drawn = by_name.get(name), by_name.get(source)
            if not plain(name) or not plain(source) or not label(found.partition(name)):
                return False
            if name in found.lags or name in found.extremes:
                return entities.window_codecs(result, drawn)
            if name in found.differences:
                return entities.difference_codecs(result, drawn, found.differences[name][2])
            return number(name) and (number(source) or name in {*found.tiles, *found.numbered})

        return table_windows.kept(found, rebuildable)

    def _of_panel(self, found: TableWindows | None) -> TableWindows | None:
        """``found`` as a calendar's panel may keep it (``_table_windows_kept``): ranks, totals and
        shares, and windows along an order only along the panel's date within a segment column (its
        rows take their dates and segments before the model draws); without a panel, all of it."""
        if found is None or self._panel is None:
            return found
        if found.within in self._panel.segments and found.order == self._calendar_name():
            return found
        unordered = {*found.ranked, *found.totals, *found.shares}
        return table_windows.kept(found, lambda name, _: name in unordered)

    def _tiles_of_steps(self) -> None:
        """The entity without the tiles of unnumbered rows (``_unordered_windows``) along a date
        other than the one learned as its steps: the synthetic rows follow only that one (summed
        along the rows), and a tile is rebuilt along the rows."""
        ent = self._entities
        if ent is None or ent.order is not None or not ent.tiles:
            return
        tiles = {name: tile for name, tile in ent.tiles.items() if self._tiles_along.get(name) in ent.steps}
        self._entities = dataclasses.replace(ent, tiles=tiles)

    def _frames_left(
        self,
        frame: pd.DataFrame,
        found: entities.Windows,
        candidates: dict[str, str],
        others: dict[str, dict],
        finder: Callable[[pd.DataFrame, str, str, dict[str, str], int], dict[str, Any]],
    ) -> dict[str, Any]:
        """The windows ``finder`` finds (frames of rows: ``entities.frame_columns``; ranks:
        ``entities.rank_columns``; tiles: ``entities.tile_columns``) among the ``candidates`` no
        other window (``found``, ``others``: first values, totals, time frames, frames, ranks)
        is, but for those another is rebuilt from (a window of a window is left learned, as
        ``window_columns`` does)."""
        ent = self._entities
        assert ent is not None and ent.order is not None
        rebuilt = {name for part in others.values() for name in part}
        sources = {
            *found.sources,
            *(w if isinstance(w, str) else w[0] for part in others.values() for w in part.values()),
        }
        rest = {name: kind for name, kind in candidates.items() if name not in rebuilt}
        windows = finder(frame, ent.key, ent.order, rest, self.config.constraint_min_rows)
        return {name: window for name, window in windows.items() if name not in sources}

    def _windows_of(self, codecs: list[Codec]) -> Entities:
        """The entity with the running sums and aggregates whose column and number are both plain
        numbers (a lag's default: where both are), the lags and extremes whose column and source
        are drawn alike (``window_codecs``) and the differences whose column can count its
        source's change (``difference_codecs``): a column learned as a key or an offset is drawn
        as one, nothing rebuilds it."""
        ent = self._entities
        assert ent is not None
        by_name = {c.storage.name: c for c in codecs}
        plain = {c.storage.name for c in codecs if type(c) is NumericCodec and c.domain == "number"}
        running = {n: w for n, w in ent.running.items() if {n, w[0]} <= plain}
        lags = {n: w for n, w in ent.lags.items() if entities.window_codecs(by_name.get(n), by_name.get(w[0]))}
        differences = {
            n: w
            for n, w in ent.differences.items()
            if entities.difference_codecs(by_name.get(n), by_name.get(w[0]), w[2])
        }
        extremes = {n: w for n, w in ent.extremes.items() if entities.window_codecs(by_name.get(n), by_name.get(w[0]))}
        aggregates = {n: w for n, w in ent.aggregates.items() if {n, w[0]} <= plain}
        defaults = {n: v for n, v in ent.defaults.items() if n in lags}  # of a kind alike: window_columns
        windows = entities.Windows(running, lags, differences, extremes, aggregates, defaults)
        firsts = {n: w for n, w in ent.firsts.items() if entities.window_codecs(by_name.get(n), by_name.get(w))}
        totals = {
            n: w
            for n, w in ent.totals.items()
            if {n, w[0]} <= plain or entities.time_end_codecs(by_name.get(n), by_name.get(w[0]), w[1])
        }
        clock = by_name.get(ent.clocks.get(str(ent.order), ""))
        timed = ent.timed if isinstance(clock, NumericCodec) and clock.domain == "time" else {}
        timed = {n: w for n, w in timed.items() if {n, w[0]} <= plain}
        frames = {n: w for n, w in ent.frames.items() if {n, w[0]} <= plain}
        ranked = {n: w for n, w in ent.ranked.items() if {n, w[0]} <= plain}
        tiles = {n: w for n, w in ent.tiles.items() if n in plain}
        ends = {n: w for n, w in ent.ends.items() if entities.time_end_codecs(by_name.get(n), by_name.get(w[0]), w[1])}
        self._entities = dataclasses.replace(
            ent,
            ends=ends,
            firsts=firsts,
            totals=totals,
            timed=timed,
            frames=frames,
            ranked=ranked,
            tiles=tiles,
            **windows._asdict(),
        )
        return self._entities

    def _rebuild_windows(self, numbers: dict[str, np.ndarray], entity: np.ndarray | None, carry: _Carry | None) -> None:
        """Each running sum, lag, difference, extreme, aggregate and entity total from its source as
        drawn and final, along the entity's order (a text's lag: ``_rebuild_text_lags``); an entity carried on
        from the block before goes on from its sum, extreme or totals so far there, its first rows'
        lags, differences and moving frames reach back into the values it had there."""
        ent = self._entities
        if ent is None or entity is None or not ent.windowed:
            return
        if ent.order not in numbers:
            self._rebuild_unordered(numbers, entity)
            return
        rows = np.lexsort((numbers[ent.order], entity))
        for name, (source, nulls_first) in ent.running.items():
            went_on_from = None if carry is None else carry.walked.get(name)
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.running_sums(numbers[source][rows], entity[rows], nulls_first, went_on_from)
        for name, (source, steps) in ent.lags.items():
            if source in numbers:  # a text's lag: _rebuild_text_lags
                before = None if carry is None else carry.tails.get(source)
                drawn, default = numbers[source][rows], ent.defaults.get(name)
                numbers[name] = np.empty(entity.size)
                numbers[name][rows] = entities.lagged(drawn, entity[rows], steps, before, default)
        for name, (source, steps, unit) in ent.differences.items():
            before = None if carry is None else carry.tails.get(source)
            drawn = self._as_written(source, numbers[source])[rows]
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.differences_of(drawn, entity[rows], steps, unit, before)
        for name, (source, way) in [(n, w) for n, w in ent.extremes.items() if w[0] in numbers]:  # a text's: later
            went_on_from = None if carry is None else carry.walked.get(name)
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.running_extremes(numbers[source][rows], entity[rows], way, went_on_from)
        self._rebuild_aggregates(numbers, entity, rows, carry)
        for name, source in ent.firsts.items():
            if source in numbers:  # a text's first value: _rebuild_text_windows
                before = None if carry is None else carry.tails.get(name)
                numbers[name] = np.empty(entity.size)
                numbers[name][rows] = entities.first_of(numbers[source][rows], entity[rows], before)

    def _rebuild_aggregates(
        self, numbers: dict[str, np.ndarray], entity: np.ndarray, rows: np.ndarray, carry: _Carry | None
    ) -> None:
        """Each aggregate so far or over a moving frame (``rows``: the entity's order), on from its
        totals or last values where the block before left the carried entity; each entity total,
        rank, share and tile over the entity's rows (an entity cut at a block's end: over its rows in the block, then
        over all of them once its last row is drawn: ``_whole_entities``); each time frame over
        the written times of the order's clock (the carried entity's likewise, once it ends)."""
        ent = self._entities
        assert ent is not None
        for name, (source, how, frame) in ent.aggregates.items():
            before = None if carry is None else carry.tails.get(name if not frame else source)
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.aggregated(numbers[source][rows], entity[rows], how, frame, before)
        for name, (source, how, start, end) in ent.frames.items():  # those ``whole`` names: once it ends
            before = None if carry is None or start is None or start >= 0 else carry.tails.get(source)
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.framed(numbers[source][rows], entity[rows], how, start, end, before)
        for name, (source, how) in ent.totals.items():
            numbers[name] = entities.totals_of(numbers[source], entity, how)
        self._rebuild_ranks(numbers, entity)  # the carried entity's: once it ends
        for name, (k, falling) in ent.tiles.items():  # the carried entity's: once it ends
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.tiles_of(entity[rows], k, falling)
        for name, (source, how, span) in ent.timed.items():  # the carried entity's: once it ends (_whole_entities)
            clock = self._order_clock()[0]
            times = self._as_written(clock, numbers[clock])[rows]
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.timed_of(numbers[source][rows], times, entity[rows], how, span)

    def _rebuild_unordered(self, numbers: dict[str, np.ndarray], entity: np.ndarray) -> None:
        """Where nothing numbers the rows (``_unordered_windows``): each rank and share, and each
        tile along the written values of the date learned as steps (the rows' order once emitted;
        ties in the rows' order)."""
        ent = self._entities
        assert ent is not None
        for name, (source, how) in ent.totals.items():
            numbers[name] = entities.totals_of(numbers[source], entity, how)
        self._rebuild_ranks(numbers, entity)
        date = next(iter(ent.steps), None)
        if date is None or date not in numbers:
            return
        rows = np.lexsort((self._as_written(date, numbers[date]), entity))
        for name, (k, falling) in ent.tiles.items():
            numbers[name] = np.empty(entity.size)
            numbers[name][rows] = entities.tiles_of(entity[rows], k, falling)

    def _rebuild_ranks(self, numbers: dict[str, np.ndarray], entity: np.ndarray) -> None:
        """Each rank and share (``Entities.ranked``) of its source's drawn values among its entity's rows."""
        ent = self._entities
        assert ent is not None
        for name, (source, how, falling, nulls_first) in ent.ranked.items():
            numbers[name] = entities.ranks_of(numbers[source], entity, how, falling, nulls_first)

    def _as_written(self, name: str, values: np.ndarray) -> np.ndarray:
        """A time's drawn values as they are written: on whole steps of its grain (``restore``
        rounds them there). Why: an ``event_time - lag(event_time)`` taken of the drawn times
        before they were rounded to whole seconds was a second off them in 17 of 28,160 rows of
        600 airbnb users' synthetic events (09:43:59 to 09:51:37 made a gap of 7:37)."""
        codec = next(c for c in self._codecs if c.storage.name == name)
        if not isinstance(codec, NumericCodec) or codec.domain != "time":
            return values
        return np.rint(values / codec.scale) * codec.scale

    def _rebuild_text_windows(
        self,
        columns: dict[str, pd.Series],
        numbers: dict[str, np.ndarray],
        entity: np.ndarray | None,
        carry: _Carry | None,
    ) -> None:
        """Each lag, first value or extreme of a text (``lag(action_type) OVER w``,
        ``first_value(action) OVER w``, ``max(action_type) OVER w``) from its text as decoded and
        final, along the entity's order, as ``_rebuild_windows`` does a number's."""
        ent = self._entities
        if ent is None or entity is None or ent.order not in numbers:
            return
        rows = np.lexsort((numbers[ent.order], entity))
        windows = {**{n: s for n, (s, _) in ent.lags.items()}, **ent.firsts}
        windows |= {n: s for n, (s, _) in ent.extremes.items()}
        for name, source in windows.items():
            if source in columns and source not in numbers:
                texts = columns[source].to_numpy(dtype=object)[rows]
                values = np.empty(entity.size, dtype=object)
                values[rows] = self._text_window(name, texts, entity[rows], {} if carry is None else carry.tails)
                columns[name] = pd.Series(values, dtype=_holding(columns[source].dtype, ent.defaults.get(name)))

    def _text_window(
        self, name: str, texts: np.ndarray, entity: np.ndarray, tails: dict[str, np.ndarray]
    ) -> np.ndarray:
        """Window ``name`` of ``texts`` (entities contiguous, in order); the first entity's goes on
        from ``tails``, where the block before left it."""
        ent = self._entities
        assert ent is not None
        if name in ent.lags:
            source, steps = ent.lags[name]
            return entities.lagged(texts, entity, steps, tails.get(source), ent.defaults.get(name))
        if name in ent.firsts:
            return entities.first_of(texts, entity, tails.get(name))
        return entities.text_extremes(texts, entity, ent.extremes[name][1], tails.get(name))

    def _find_rising(self, frame: pd.DataFrame) -> None:
        """Numbers that never go down along the entity's order where it is a sequence the engine
        renumbers (entities.rising_columns: a customer's spend to date), but for those bound to
        columns of their row other than each other and the order's clock (a sum, a formula, a
        relation with a number that moves as it likes)."""
        ent = self._entities
        if ent is None or ent.order not in ent.sequences or not self.config.learn_offsets:
            return
        taken = {*ent.columns, *ent.sequences, *ent.clocks.values(), *ent.walks, *ent.steps, *ent.hidden, *ent.windowed}
        candidates = [
            c.storage.name
            for c in self._table_codecs()
            if type(c) is NumericCodec and c.n_tokens >= 2 and c.storage.name not in taken
        ]
        rising = entities.rising_columns(frame, ent.key, ent.order, candidates)
        if rising:
            group = {*rising, ent.order, *ent.clocks.values()}
            bound = self._walk_bonds_in(frame, self._table_codecs(), rising, among=group)[0]
            rising = [name for name in rising if name not in bound]
        falling = entities.falling_columns(frame, ent.key, ent.order, rising)
        self._entities = dataclasses.replace(ent, rising=tuple(rising), falling=tuple(falling))

    def _sort_rising(self, numbers: dict[str, np.ndarray], entity: np.ndarray | None, carry: _Carry | None) -> None:
        """Each rising number's drawn values, per entity, in ascending order along its rows (a
        falling one's in descending order, its nulls last either way); an entity carried on from the
        block before goes on from no lower (falling: no higher) than it got there, in them and in
        the clock its order was numbered by (an order date, orders to date)."""
        ent = self._entities
        if ent is None or entity is None or ent.order is None or ent.order not in numbers:
            return
        for name in ent.rising:
            sign = -1.0 if name in ent.falling else 1.0
            numbers[name] = sign * entities.sorted_along(sign * numbers[name], numbers[ent.order], entity)
        for name in [*ent.rising, *self._order_clock()]:
            if carry is not None and name in carry.walked and name in numbers:
                onward = np.fmin if name in ent.falling else np.fmax
                values = numbers[name]
                kept = np.isnan(values) | (entity != 0)
                numbers[name] = np.where(kept, values, onward(values, carry.walked[name]))

    def _order_clock(self) -> list[str]:
        """The number or date the entity's order is numbered by, if any (``sequence_clocks``)."""
        ent = self._entities
        clock = None if ent is None or ent.order is None else ent.clocks.get(ent.order)
        return [] if clock is None else [clock]

    def _stage_keys(self, tokens: dict[int, np.ndarray], numbers: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Per stage column (``Entities.stages``), each row's stage: its drawn category's place in
        the stage order (a label set from the band of a number, from that number's band)."""
        ent = self._entities
        if ent is None or not ent.stages:
            return []
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        keys = []
        for name, values in ent.stages.items():
            codec, drawn = self._codecs[index[name]], tokens[index[name]]
            assert isinstance(codec, CategoricalCodec)  # the artifact check holds it to one
            band = next((b for b in self._bands if b.label == name and b.number in numbers), None)
            drawn = drawn if band is None else band.label_tokens(numbers[band.number], drawn)
            place = {value: i for i, value in enumerate(values)}
            by_token = np.array([place.get(str(c), 0) for c in codec.categories] + [0])
            keys.append(by_token[np.minimum(drawn, by_token.size - 1)])
        return keys

    def _stages(self, frame: pd.DataFrame, ent: Entities, categories: list[str]) -> dict[str, list[str]]:
        """Categories entities move on through along their order (entities.entity_stages), where
        the order is a sequence the engine renumbers on its own (no clock): the rows are put in
        stage order there."""
        order = ent.order
        if order is None or order not in ent.sequences or order in ent.clocks or not self.config.learn_offsets:
            return {}
        return entities.entity_stages(frame, ent.key, order, categories, self.config.constraint_min_rows)

    def _date_steps(self, frame: pd.DataFrame, codecs: list[Codec], ent: Entities) -> Entities:
        """``ent`` with the date its rows follow where nothing numbers them (its first of
        ``starts``: a transactions table's order date) learned as its steps (entities.as_date_steps)
        and each entity's mean step as a hidden profile, the pace it moves at, if the date has no
        null and it and the dates that follow it (a ship date: ``_followers``, moved with it) are
        bound to no other column of their row; a relation of the date or a date that follows it with
        a column the entity shares (``signed_up <= ordered``, ``signed_up <= delivered``) holds once
        they are rebuilt (``_walking_relations``)."""
        name = next(iter(ent.starts), None)
        by_name = {c.storage.name: c for c in codecs}
        own = by_name.get(name) if name is not None else None
        if name is None or not ent.may_step(name) or not isinstance(own, NumericCodec) or own.p.has_null:
            return ent
        followers = _followers(codecs, name)
        ticks = [c.scale for f in followers if isinstance(c := by_name[f], NumericCodec)]
        if not all(round(own.scale) % round(tick) == 0 for tick in ticks):
            return ent  # a step of a timestamp is no whole number of days for a date that follows it
        group = {name, *followers}
        bound, bonds, spanned = self._walk_bonds_in(frame, codecs[:-1], list(group), among=group, dates=True)
        if bound:
            return ent
        self._walk_bonds = [r for r in bonds if {r.left, r.right} & group]  # held once the dates are summed
        self._step_spans = spanned  # recomputed once they are summed: not found on their steps
        pace = entities.free_name(f"{ent.key}'s mean {name} step", [*frame.columns, *ent.hidden_columns])
        return dataclasses.replace(ent, steps=(name,), profiles={**ent.profiles, name: pace})

    def _anchored_first_dates(
        self, one_each: pd.DataFrame, hidden: dict[str, Codec], codecs: list[Codec], ent: Entities
    ) -> dict[str, Codec]:
        """``hidden`` with each entity's first date that closely follows a date its entity shares
        (a customer's first order, a few weeks after its sign-up day: ``entities.first_date_anchor``)
        learned as its offset from that date, so the gap between them is drawn as the real ones are."""
        numeric = {c.storage.name: c for c in codecs if type(c) is NumericCodec and c.storage.name in ent.columns}
        shared = {name: c for name, c in numeric.items() if c.domain == "time" and not c.p.values}
        if not self.config.learn_offsets or not shared:
            return hidden
        views = {name: c.numeric_view(one_each[name]) for name, c in shared.items()}
        out = dict(hidden)
        for first in ent.starts.values():
            own = hidden[first]
            assert isinstance(own, NumericCodec)  # _with_learnable_hidden
            anchor = entities.first_date_anchor(own.numeric_view(one_each[first]), views)
            if anchor is not None:
                out[first] = OffsetCodec.fit_on(own, shared[anchor], one_each, self.config)
        return out

    def _start_ranges(self, codecs: list[Codec], ent: Entities) -> dict[str, list[float]]:
        """The clip points (in ``numbers`` units, nanoseconds) of each date entities keep close
        together, which each entity's dates are kept within once decoded (``_keep_dates_in_range``)
        or summed from steps (``_add_steps``)."""
        by_name = {c.storage.name: c for c in codecs}
        ranges = {}
        for name in ent.starts:
            own = by_name[name]
            assert isinstance(own, NumericCodec)
            ranges[name] = [float(v) * own.scale for v in own.p.clip]
        return ranges

    def _chain_order(self, learned: list[int]) -> list[int]:
        """Learned columns in table order, but hidden parts right before their date; with entities,
        the entity size and the columns constant within an entity first, so an entity's rows can
        share them and draw the rest, then a part the rows are put on by (``_match_parts``): drawn
        knowing it, a store's weekend rows came back 1.27x its weekday ones, 1.22x drawn before it.
        Why a hidden year first: drawn last, it left the date's offset to be learned over all years,
        and the extra loss stopped training early (booking: epoch 5 of 8, pair trends -0.007)."""
        head = [i for i in self._entity_head() if i in learned]
        head += [i for i in self._session_prefix() if i in learned]  # drawn per session, given the head
        order = head + [i for i in learned if i not in head]
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        for hidden in self._hidden.values():
            if index[hidden.result] in order and index[hidden.date] in order:
                order.remove(index[hidden.result])
                after = hidden.result in self._given  # set from the date once it is decoded
                order.insert(order.index(index[hidden.date]) + after, index[hidden.result])
        for name in sorted(self._matched):  # the row's weekday (month, hour) first: the row is drawn knowing it
            if index[name] in order:
                order.remove(index[name])
                order.insert(len(head), index[name])
        calendar = self._calendar_name()
        if calendar is not None and index[calendar] in order:  # set before the model draws: the others follow it
            given = [index[calendar], *(i for i in order if self._codecs[i].storage.name in self._given)]
            given += [index[s] for s in self._panel_segments() if index[s] in order]  # given too
            order = given + [i for i in order if i not in given]
        return order

    def _dependents_drawn_after_determinants(self) -> bool:
        """Each dependent drawn later than its first determinant moved right after it; True if any
        moved. Why: drawn last, a car's origin was set from its make alone, apart from the numbers
        drawn between (cars: origin x miles per gallon 0.86 -> 0.81 in sdmetrics); drawn right
        after the make, the numbers are drawn knowing it. Entity heads and hidden parts stay."""
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        pinned = set(self._entity_head()) | set(self._session_prefix())
        pinned |= {index[n] for h in self._hidden.values() for n in (h.result, h.date)}
        pinned |= {index[name] for name in [self._calendar_name(), *self._panel_segments()] if name is not None}
        order = list(self._learned)
        for dep in self._dependencies:
            determinant, dependent = index[dep.determinant], index[dep.dependent]
            if {determinant, dependent} & pinned or order.index(dependent) < order.index(determinant):
                continue
            order.remove(dependent)
            order.insert(order.index(determinant) + 1, dependent)
        moved, self._learned = order != self._learned, order
        return moved

    def _entity_head(self) -> list[int]:
        """Codec indices drawn once per entity: its size (the last codec), then its columns."""
        if self._entities is None:
            return []
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        return [len(self._codecs) - 1] + [index[name] for name in self._shared_columns()]

    def _session_prefix(self) -> list[int]:
        """Codec indices drawn once per session (sessions.Sessions.prefix), right after the head."""
        if self._sessions is None:
            return []
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        return [index[name] for name in self._sessions.prefix]

    def _session_span(self) -> tuple[int, list[int]] | None:
        """Where the session prefix ends in the chain, and the chain positions a session's rows
        share (its size, its columns and their position streams): None without sessions."""
        prefix = set(self._session_prefix())
        if not prefix:
            return None
        chain = self._chain()
        shared = [k for k, (i, _) in enumerate(chain) if i in prefix]
        return max(shared) + 1, shared

    def _shared_columns(self) -> list[str]:
        """The entity's columns and hidden columns but its size: drawn once per entity, shared by
        its rows."""
        return [] if self._entities is None else [*self._entities.columns, *self._entities.hidden_columns]

    def _with_calendar(self, codecs: list[Codec], frame: pd.DataFrame) -> list[Codec]:
        """The first binned date or timestamp that is a calendar (calendars.py: unique in every
        row, on a grid it mostly fills) marked as one: each synthetic row then takes a grid point
        of its own, chosen before the model draws, and its hidden parts (weekday, year, ...) are set
        from it, so the other columns are drawn given the date (``_calendar_tokens``). Not with
        entities (a calendar inside an entity, one row per user per day, is learned as a date)."""
        self._panel = None
        if self._entities is not None or not self.config.keep_calendars:
            return codecs
        for codec in codecs:
            if not isinstance(codec, NumericCodec) or not _may_be_calendar(codec):
                continue
            values, _ = numeric_values(frame[codec.storage.name], codec.storage)
            per_day = units_per_day(codec.storage, codec.p.grain)
            codec.p.grid = calendars.detect(values, per_day, codec.p.calendar, values.size * self._spread)
            if codec.p.grid:
                break
        if self._calendar_name(codecs) is None:
            codecs, self._panel = self._find_panel(codecs, frame)
        return codecs

    def _find_panel(self, codecs: list[Codec], frame: pd.DataFrame) -> tuple[list[Codec], calendars.Panel | None]:
        """The first binned date or timestamp that is a calendar per segment (calendars.Panel: a
        ``GROUP BY day, country`` table), marked as a calendar with the panel kept: each synthetic
        row takes a (grid point, segment) pair of its own, and the columns after are drawn given
        both (``_calendar_tokens``). A label alone first, then a whole-number column of few values
        (``GROUP BY day, store_id``: learned as a label from then on, so it comes back with its own
        values and dtype; 365 days x 5 store ids came back with 499 (day, store_id) pairs twice), then
        combinations of up to ``calendars.MAX_LABELS`` of them (``GROUP BY day, country, device``:
        240 days x 5 x 3 came back with 935 of 3,541 (day, country, device) twice), among the
        table's first labels and dates (``calendars.MAX_COMBINED_LABELS``, ``MAX_COMBINED_DATES``)."""
        dates = [c for c in codecs if isinstance(c, NumericCodec) and _may_be_calendar(c)]
        labels = self._segment_labels(codecs, frame) if dates else {}
        table = {id(c) for c in codecs}
        alone: list[tuple[str, ...]] = [(name,) for name, (codec, _) in labels.items() if id(codec) in table]
        numbers: list[tuple[str, ...]] = [(name,) for name, (codec, _) in labels.items() if id(codec) not in table]
        combinable = list(labels)[: calendars.MAX_COMBINED_LABELS]
        combinations: list[tuple[str, ...]] = [
            c for k in range(2, calendars.MAX_LABELS + 1) for c in itertools.combinations(combinable, k)
        ]
        values = {c.storage.name: numeric_values(frame[c.storage.name], c.storage)[0] for c in dates}
        for choices, tried in ((alone, dates), (numbers + combinations, dates[: calendars.MAX_COMBINED_DATES])):
            for codec in tried:
                panel = self._panel_on(codec, values[codec.storage.name], choices, labels, frame)
                if panel is not None:
                    segments = {name: labels[name][0] for name in panel.segments}
                    return [segments.get(c.storage.name, c) for c in codecs], panel
        return codecs, None

    def _panel_on(
        self,
        codec: NumericCodec,
        values: np.ndarray,
        choices: list[tuple[str, ...]],
        labels: dict[str, tuple[Codec, np.ndarray]],
        frame: pd.DataFrame,
    ) -> calendars.Panel | None:
        """The panel of the date ``codec`` (its ``values``) with the first of ``choices`` (segment
        columns) that makes one; None where none does."""
        per_day = units_per_day(codec.storage, codec.p.grain)
        several = [names for names in choices if len(names) > 1]
        fits = calendars.combinable(values, {name: labels[name][1] for names in several for name in names})
        repeats = calendars.early_repeats(values, {name: labels[name][1] for names in choices for name in names})
        for names in choices:
            codes = [labels[name][1] for name in names]
            if repeats(names) or (len(names) > 1 and not fits(names)):  # detect_panel would find it repeats
                continue
            segments, tokens = calendars.combined(codes)
            held = np.bincount(segments)
            if not 2 <= held.size <= calendars.MAX_SEGMENTS or held.min() < self.config.rare_category_min_count:
                continue
            codec.p.grid = calendars.detect_panel(values, segments, per_day, codec.p.calendar, self._spread)
            if codec.p.grid:
                return self._panel_of(names, segments, tokens, frame[codec.storage.name], codec.scale)
        return None

    def _segment_labels(self, codecs: list[Codec], frame: pd.DataFrame) -> dict[str, tuple[Codec, np.ndarray]]:
        """The columns that may be a panel's segment, or part of one, with their codec and tokens per
        row (``_segment_codes``): labels, and whole-number columns of 2 to ``calendars.MAX_SEGMENTS``
        values with a label's codec fitted on them (a store id: every value a segment; each held by
        enough rows, so none is rare, and no number between two is a store)."""
        out = {}
        for codec in codecs:
            label = codec if type(codec) is CategoricalCodec else self._whole_number_label(codec, frame)
            codes = self._segment_codes(label, frame) if label is not None else None
            if label is not None and codes is not None:
                out[label.storage.name] = (label, codes)
        return out

    def _whole_number_label(self, codec: Codec, frame: pd.DataFrame) -> Codec | None:
        """A label's codec of a whole-number column of 2 to ``calendars.MAX_SEGMENTS`` values, if it is one."""
        if type(codec) is not NumericCodec or codec.storage.logical != "int":
            return None
        series = frame[codec.storage.name]
        if not 2 <= series.nunique(dropna=False) <= calendars.MAX_SEGMENTS:
            return None
        return CategoricalCodec.fit(series, codec.storage, self.config)

    def _segment_codes(self, codec: Codec, frame: pd.DataFrame) -> np.ndarray | None:
        """A label's tokens per row, if it may be a panel's segment: every value kept (no rare
        value merged, a null its own segment), 2 to ``calendars.MAX_SEGMENTS`` of them, each held
        by at least ``rare_category_min_count`` rows; else None."""
        if type(codec) is not CategoricalCodec or codec.has_rare or codec.generalised or codec.prose is not None:
            return None
        if not 2 <= codec.n_tokens <= calendars.MAX_SEGMENTS:
            return None
        codes = codec.encode(frame[codec.storage.name]).astype("int64")
        counts = np.bincount(codes[codes >= 0])
        held = counts[counts > 0]
        enough = (codes >= 0).all() and held.size >= 2 and held.min() >= self.config.rare_category_min_count
        return codes if enough else None

    def _panel_of(
        self, names: tuple[str, ...], segments: np.ndarray, tokens: np.ndarray, dates: pd.Series, scale: float
    ) -> calendars.Panel:
        """The panel of the segment columns ``names`` (each row's ``segments``, each segment's
        ``tokens`` in those columns): each segment's tokens, rows, and its dates' clip points and tail
        reach as a codec of its dates alone sets them (aggregates: privacy), in the units of the
        date's codec (``scale``)."""
        own = [dates[segments == s].reset_index(drop=True) for s in range(len(tokens))]
        fitted = [NumericCodec.fit(series, storage_type(series), self.config) for series in own]
        return calendars.Panel(
            names,
            tuple(tuple(int(t) for t in row) for row in tokens),
            tuple(len(series) for series in own),
            tuple((c.p.clip[0] * c.scale / scale, c.p.clip[1] * c.scale / scale) for c in fitted),
            tuple((c.tail_reach()[0] * c.scale / scale, c.tail_reach()[1] * c.scale / scale) for c in fitted),
        )

    def _panel_segments(self) -> list[str]:
        """A panel's segment columns (``_find_panel``), empty where the table is none."""
        return [] if self._panel is None else list(self._panel.segments)

    def _calendar_name(self, codecs: list[Codec] | None = None) -> str | None:
        """The calendar column's name (``_with_calendar``), if the table has one."""
        found = [c for c in (codecs or self._codecs) if type(c) is NumericCodec and c.p.grid]
        return found[0].storage.name if found else None

    def _with_hidden_parts(
        self, frame: pd.DataFrame, codecs: list[Codec], indexes: set[str]
    ) -> tuple[pd.DataFrame, list[Codec]]:
        """After the table's columns (with entities: before the entity size), hidden columns
        (learned, never emitted) for a binned date's year, weekday or hour where that part goes with
        another column (dateparts.hidden_parts): the date is then learned within its year
        (``_with_offsets``) and moved onto the weekday and hour drawn with the row
        (``_steering_parts``, ``_steer_stepped_dates``). Not for a date that follows another one (its
        lag stays). With entities, only the weekday and hour of the date their rows are put in
        order by (``_entity_order_date``), where its steps are long enough not to be lost to the
        move; its hour also where its clock keeps to some hours: summed from steps, the date's clock
        drifts over the whole day (a shop's orders, all between 8:00 and 22:00, came back 35% at
        night)."""
        self._hidden, self._given, self._by_visits, self._matched = {}, set(), set(), set()
        if not self.config.learn_offsets or not self.config.detect_constraints:
            return frame, codecs
        numeric = {i: c for i, c in enumerate(codecs) if isinstance(c, NumericCodec)}
        following = set(self._anchors(frame, numeric))
        with_year = set(self._year_anchors(frame, numeric, following))
        dates, visited = self._entity_order_date(frame, numeric, following | with_year, indexes)
        others = _association_codes(frame, codecs)
        numbers = {
            c.storage.name: c.numeric_view(frame[c.storage.name])
            for c in numeric.values()
            if c.domain == "number" and c.n_tokens >= 2
        }
        labels = self._labels_of(frame, codecs, set())
        added: dict[str, np.ndarray] = {}
        for i, codec in numeric.items():
            if i in following or codec.domain != "time" or codec.n_tokens < 2 or codec.p.values or i not in dates:
                continue
            name = codec.storage.name
            ns = codec.numeric_view(frame[name])
            candidates = self._hidden_candidates({name: ns}, numbers, labels, codec, i in with_year)
            candidates = tuple(part for part in candidates if part in dates[i])
            kept = (dateparts.HOUR,) if self._entities is not None and dateparts.uneven_hours(ns) else ()
            for part in dateparts.hidden_parts(ns, [c for n, c in others.items() if n != name], candidates, kept):
                hidden = entities.free_name(f"{part.split('(')[0]} of {name}", [*frame.columns, *added])
                added[hidden] = dateparts.part_values(part, ns)
                self._hidden[hidden] = dateparts.DatePart(hidden, name, part)
                if part == dateparts.HOUR and name in visited:
                    self._by_visits.add(hidden)
        if not added:
            return frame, codecs
        frame = frame.assign(**{name: _whole_numbers(values) for name, values in added.items()})
        parts = build_codecs(frame[list(added)], self.config)
        return frame, [*codecs, *parts] if self._entities is None else [*codecs[:-1], *parts, codecs[-1]]

    def _with_matched_parts(
        self, frame: pd.DataFrame, codecs: list[Codec], trend_values: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, list[Codec]]:
        """A hidden weekday (month) column, after the other hidden parts, for each date that moves a day (a
        month) per row of an entity, a daily (monthly) panel's date, where that part goes with another column
        (dateparts.matched_part): each row is drawn with a weekday (month) and put on a date of it
        (``_match_parts``). Not where the rows' order carries more (walks, steps, stages: they would be put
        out of their order)."""
        ent = self._entities
        if ent is None or trend_values is None or ent.walks or ent.steps or ent.stages or not self.config.learn_offsets:
            return frame, codecs
        panel = [d for d, clock in ent.trends.items() if d in trend_values and clock in ent.sequences]
        others = _association_codes(frame, [c for c in codecs if c.storage.name not in {*ent.sequences, *panel}])
        added: dict[str, np.ndarray] = {}
        for name in panel:
            ns = _wall_clock_ns(trend_values[name])
            part = (
                dateparts.matched_part(ent.units.get(name, ""), ns, list(others.values())) if ns is not None else None
            )
            if ns is None or part is None:
                continue
            hidden = entities.free_name(f"{part.split('(')[0]} of {name}", [*frame.columns, *added])
            added[hidden] = dateparts.part_values(part, ns)
            self._hidden[hidden] = dateparts.DatePart(hidden, name, part)
            self._matched.add(hidden)
        if not added:
            return frame, codecs
        frame = frame.assign(**{name: _whole_numbers(values) for name, values in added.items()})
        return frame, [*codecs[:-1], *build_codecs(frame[list(added)], self.config), codecs[-1]]

    def _with_given_parts(
        self, frame: pd.DataFrame, codecs: list[Codec], ent: Entities
    ) -> tuple[pd.DataFrame, list[Codec]]:
        """Hidden columns (before the entity's hidden ones) of the month, weekday and hour of each
        date an entity keeps close together (learned as its offsets from the entity's first date,
        or as its steps), where that part goes with a column after the date and is not steered
        already (``_entity_order_date``: its steps too short, or not the date the rows are ordered
        by); learned right after the date and, when sampling, set from the date once it is decoded
        (summed, for steps: ``_given_tokens``), never drawn, so the columns after the date are drawn
        knowing them.

        Why: a row's date is its entity's first date plus its offset (or the steps before it), so
        the model drew each order's amount without knowing its month: a shop's December orders,
        1.28x the others' amount, came back 1.03x (0.99x with an order number); and customers
        ordering every few days lost which of their orders were on weekends."""
        if not ent.starts or not self.config.detect_constraints:
            return frame, codecs
        end = len(codecs) - 1 - len(ent.hidden_columns)  # the table's codecs and the steered parts
        numeric = [c for c in codecs[:end] if isinstance(c, NumericCodec) and c.n_tokens >= 2]
        numbers = {c.storage.name: c.numeric_view(frame[c.storage.name]) for c in numeric if c.domain == "number"}
        labels = self._labels_of(frame, codecs[:end], set())
        index = {c.storage.name: i for i, c in enumerate(codecs)}
        added: dict[str, np.ndarray] = {}
        for name in ent.starts:
            date = codecs[index[name]]
            assert isinstance(date, NumericCodec)  # a date entities keep close together is a binned number
            ns = date.numeric_view(frame[name])
            steered = {p.part for p in self._hidden.values() if p.date == name}
            candidates = self._hidden_candidates({name: ns}, numbers, labels, date, has_year=True)
            candidates = tuple(p for p in candidates if p not in steered)
            group = {name, *_followers(codecs, name), *self._hidden}
            later = [c for c in codecs[index[name] + 1 : end] if c.storage.name not in group]
            others = list(_association_codes(frame, later).values())
            for part in dateparts.hidden_parts(ns, others, candidates, least=dateparts.SET_MIN_ASSOCIATION):
                hidden = entities.free_name(f"{part.split('(')[0]} of {name}", [*frame.columns, *added])
                added[hidden] = dateparts.part_values(part, ns)
                self._hidden[hidden] = dateparts.DatePart(hidden, name, part)
                self._given.add(hidden)
        columns = pd.DataFrame({name: _whole_numbers(values) for name, values in added.items()}, index=frame.index)
        parts = [c for c in build_codecs(columns, self.config) if c.n_tokens >= 2]  # one value tells nothing
        for dropped in set(added) - {c.storage.name for c in parts}:
            del self._hidden[dropped]
            self._given.discard(dropped)
        if not parts:
            return frame, codecs
        at = frame.columns.get_loc(codecs[end].storage.name)  # the codecs' order: the frame's
        kept = columns[[c.storage.name for c in parts]]
        return pd.concat([frame.iloc[:, :at], kept, frame.iloc[:, at:]], axis=1), [*codecs[:end], *parts, *codecs[end:]]

    def _entity_order_date(
        self, frame: pd.DataFrame, numeric: dict[int, NumericCodec], skipped: set[int], indexes: set[str]
    ) -> tuple[dict[int, tuple[str, ...]], set[str]]:
        """The parts each binned date may be learned with, by codec index: any part without
        entities; with them, the weekday and hour of the date their rows are put in order by (the
        clock of the sequence that numbers their rows, else the first date they keep close
        together: ``_Sharing.order``), if the entities keep it close together, each only where the
        entity's steps from row to row are mostly long against the move it takes
        (``dateparts.STEER_MIN_STEPS``): moved onto drawn weekdays, the orders of one basket would
        land days apart. The hour also where the steps are shorter: row by row where consecutive
        rows' clock times are as apart as any two rows' (``entities.clocks_apart``), else by visits
        (the date then among the names returned beside: ``_steered``)."""
        parts = (dateparts.YEAR, dateparts.WEEKDAY, dateparts.HOUR)
        ent = self._entities
        if ent is None:
            return {i: parts for i in numeric}, set()
        if ent.order is not None and ent.order not in ent.sequences:
            return {}, set()  # a panel's year orders the rows
        taken = {*ent.columns, *ent.sequences, *indexes}
        candidates = {
            c.storage.name: i
            for i, c in numeric.items()
            if i not in skipped
            and type(c) is NumericCodec
            and c.domain == "time"
            and c.n_tokens >= 2
            and not c.p.values
            and c.storage.name not in taken
        }
        starts = entities.entity_starts(frame, ent, list(candidates), self.config.constraint_min_rows)
        name = next(iter(starts), None) if ent.order is None else ent.clocks.get(ent.order)
        if name not in starts:
            return {}, set()
        ns = numeric[candidates[name]].numeric_view(frame[name])
        step = entities.median_step(frame[ent.key], ns)
        steered = [p for p, least in dateparts.STEER_MIN_STEPS.items() if step >= least]
        visited = set()
        if dateparts.HOUR not in steered:  # by rows where their clocks are apart, else by visits
            visited = set() if entities.clocks_apart(frame[ent.key], ns) else {name}
            steered.append(dateparts.HOUR)
        return {candidates[name]: tuple(steered)}, visited

    def _hidden_candidates(
        self,
        times: dict[str, np.ndarray],
        numbers: dict[str, np.ndarray],
        labels: dict[str, np.ndarray],
        date: NumericCodec,
        has_year: bool,
    ) -> tuple[str, ...]:
        """The hidden parts ``date`` (its values: ``times``) may get: its year unless a column holds
        it; its month unless a column (among ``numbers`` and ``labels``) tells it; its weekday
        unless it keeps to a calendar grid (month starts) or a column is its weekday; its hour
        unless a column is that (a date without clock times has one hour: it never goes with
        anything)."""
        name, min_rows = date.storage.name, self.config.constraint_min_rows
        own = dateparts.detect(times, numbers, min_rows) + dateparts.detect_text(times, labels, min_rows)
        parts = {p.part for p in own if p.date == name}
        weekdays = {*dateparts.WEEKDAY_SHIFTS, *dateparts.DAY_NAMES}
        candidates = [] if has_year else [dateparts.YEAR]
        candidates += [] if parts & dateparts.MONTH_PARTS else [dateparts.MONTH]
        candidates += [] if date.p.calendar or parts & weekdays else [dateparts.WEEKDAY]
        candidates += [] if dateparts.HOUR in parts else [dateparts.HOUR]
        return tuple(candidates)

    def _with_offsets(self, codecs: list[Codec], frame: pd.DataFrame) -> list[Codec]:
        """Dates that closely follow another one, or that a column holds the year of, become offset
        codecs (see codecs/offset.py)."""
        if not self.config.learn_offsets:
            return codecs
        windowed = self._entities.windowed if self._entities is not None else []  # rebuilt from their source
        numeric = {i: c for i, c in enumerate(codecs) if isinstance(c, NumericCodec) and c.storage.name not in windowed}
        out = list(codecs)
        anchors = self._anchors(frame, numeric)
        calendar = {i for i, c in numeric.items() if c.p.grid}  # chosen before the model draws, not rebuilt
        anchors |= self._last_after_first(numeric, set(anchors) | calendar)
        for b, a in anchors.items():
            if b not in calendar:
                out[b] = OffsetCodec.fit_on(numeric[b], numeric[a], frame, self.config)
        for b, part in self._year_anchors(frame, numeric, set(anchors) | calendar).items():
            a = next(i for i, c in numeric.items() if c.storage.name == part.result)
            out[b] = OffsetCodec.fit_on(numeric[b], numeric[a], frame, self.config, anchor_part=part.part)
        return out

    def _recompute_formulas(self, numbers: dict[str, np.ndarray]) -> None:
        """``formulas.recompute``, with the numbers that follow a result moved with it
        (``_moved_with_anchors``)."""
        results = {f.result for f in self._formulas}
        self._moved_with_anchors(numbers, results, functools.partial(formulas.recompute, numbers, self._formulas))

    def _recompute_sums(self, numbers: dict[str, np.ndarray], out: _Decoded) -> None:
        """``constraints.recompute_sums`` ahead of the repair (which recomputes them again, last),
        with the numbers that follow a sum's total or derived column moved with it."""
        results = {name for s in self._sums for name in (s.total, s.derived)}
        recompute = functools.partial(constraints.recompute_sums, numbers, self._sums, out.quanta, out.signs)
        self._moved_with_anchors(numbers, results, recompute)

    def _moved_with_anchors(
        self, numbers: dict[str, np.ndarray], results: set[str], recompute: Callable[[], None]
    ) -> None:
        """``recompute`` (formulas' or sums' ``results`` set from other columns), with the numbers
        that follow a result (codecs/offset.py), or follow one that does, moved as far as it moved.
        Why: a follower is rebuilt from its anchor as drawn, so a payment 0-2 cents over
        ``round(amount * 100)``, once the formula had set the cents, was within 0-2 cents of them in
        49% of rows and more than 2,700 cents off in 1% (over a sum's total, 42% within 0-2). A
        column a formula or sum reads is not moved: its result would be stale (``_anchors``)."""
        moving = {name for name in results if name in numbers}
        feeding = _read_by(self._sums, self._formulas)
        followers: list[OffsetCodec] = []
        for i in decode_order(self._codecs):
            codec = self._codecs[i]
            name = codec.storage.name
            if (
                isinstance(codec, OffsetCodec)
                and codec.domain == "number"
                and codec.anchor in moving
                and name in numbers
                and name not in feeding
            ):
                followers.append(codec)
                moving.add(name)
        drawn = {name: numbers[name].copy() for name in moving if followers}
        recompute()
        for codec in followers:
            by = np.nan_to_num(numbers[codec.anchor] - drawn[codec.anchor], nan=0.0)
            numbers[codec.storage.name] = codec.moved(numbers[codec.storage.name], by)

    def _anchors(self, frame: pd.DataFrame, numeric: dict[int, NumericCodec]) -> dict[int, int]:
        """``find_anchors`` but on no column a span computes (recomputed after the repair) or a sum
        of dates derives (followers move as numbers only), nor a formula's or sum's result that a
        column a formula or sum reads would follow (moved with the result, ``_moved_with_anchors``,
        it would leave the formula behind: midwest's people below the poverty line followed its
        white population, ``round(poptotal * percwhite / 100)``, and the total population followed
        them). Searched for only where some anchor is found: the search costs up to half a second
        on a wide table."""
        min_rows, entities = self.config.constraint_min_rows, self._entities is not None
        found = find_anchors(frame, numeric, min_rows, entities=entities)
        if not found or not self.config.detect_constraints:
            return found
        _, sums, found_spans, found_formulas = self._relations_in(frame, list(numeric.values()), set())
        index = {c.storage.name: i for i, c in numeric.items()}
        summed = {index[name] for s in sums for name in (s.total, s.derived) if name in index}
        timed = {index[s.derived] for s in sums if s.derived in index and numeric[index[s.derived]].domain != "number"}
        recomputed = {index[s.result] for s in found_spans if s.result in index} | timed
        parts = {index[name] for name in _read_by(sums, found_formulas) if name in index}
        results = {index[f.result] for f in found_formulas if f.result in index} | (summed - timed)
        while stranded := {r for r in results - recomputed if _following(found, r) & parts} | (
            recomputed & set(found.values())
        ):
            recomputed |= stranded
            found = find_anchors(frame, numeric, min_rows, entities=entities, recomputed=recomputed)
        return found

    def _last_after_first(self, numeric: dict[int, NumericCodec], taken: set[int]) -> dict[int, int]:
        """Per entity's last time (``Entities.ends``) whose first is an end too, that first, as its
        anchor: the last is learned as its time after the first. Why: drawn on bins of its own, a
        user's last time was as far from their first for a user of 2 events as of 20 (a median 6
        days, real 0: both in one visit)."""
        ent = self._entities
        if ent is None or not ent.ends:
            return {}
        index = {c.storage.name: i for i, c in numeric.items()}
        firsts = {source: name for name, (source, how) in ent.ends.items() if how == "min"}
        pairs = {
            index[name]: index[firsts[source]]
            for name, (source, how) in ent.ends.items()
            if how == "max" and source in firsts and name in index and firsts[source] in index
        }
        return {last: first for last, first in pairs.items() if last not in taken and first not in taken}

    def _with_key_years(self, codecs: list[Codec], frame: pd.DataFrame, real: pd.DataFrame) -> list[Codec]:
        """Keys with a part that is the year of a date of the row (``ES-2023-…``, found on the
        ``real`` keys, not their pseudonyms) take the year of the synthetic date (identifier.py).
        With entities, only the entity key, on a date the entity's rows share (an order's lines
        sharing ``CA-2016-152156`` and its order date)."""
        ent = self._entities
        keyed = [c for c in codecs if isinstance(c, IdentifierCodec) and (ent is None or c.storage.name == ent.key)]
        if not self.config.detect_constraints or not any(c.fmt.get("style") == "segmented" for c in keyed):
            return codecs  # the dates' years only where a key may hold one
        dates = [c for c in codecs if isinstance(c, NumericCodec) and c.domain == "time" and c.n_tokens >= 2]
        if ent is not None:
            dates = [c for c in dates if c.storage.name in ent.columns]
        years = {
            c.storage.name: dateparts.part_values(dateparts.YEAR, c.numeric_view(frame[c.storage.name])) for c in dates
        }
        min_rows = self.config.constraint_min_rows
        names = {c.storage.name for c in keyed}
        return [
            c.with_years(real[c.storage.name], years, min_rows)
            if isinstance(c, IdentifierCodec) and c.storage.name in names and years
            else c
            for c in codecs
        ]

    def _spell_pseudonymised_names(self, real: pd.DataFrame, key: str | None) -> None:
        """Pseudonymised e-mail columns whose real addresses spell the row's names take a name
        template (``identifier.name_template``; digits hashed from the pseudonym, so at least 6)
        that ``_set_key_names`` spells the synthetic names with. Not an entity key: rows of one
        entity could then hold different names."""
        emails = [name for name, fmt in self._stand_in_keys.items() if fmt["style"] == "email" and name != key]
        if not emails or not self.config.detect_constraints:
            return
        labels = {
            str(name): values
            for name, values in real.items()
            if name not in self._stand_in_keys and storage_type(values).logical == "string" and values.nunique() >= 2
        }
        for name in emails:
            template = name_template(real[name], labels, least_width=6)
            if template is not None:
                self._stand_in_keys[name]["names"] = template

    def _with_key_names(self, codecs: list[Codec], frame: pd.DataFrame) -> list[Codec]:
        """E-mail keys whose real local parts spell the row's names (``anna.meyer84``) spell the
        synthetic names (identifier.py). Not with entities: their keys are shared by rows. A
        pseudonymised column's names must be labels too (a unique name column is a key)."""
        labels = {
            c.storage.name: frame[c.storage.name]
            for c in codecs
            if isinstance(c, CategoricalCodec) and c.storage.logical == "string" and len(c.categories) >= 2
        }
        for fmt in self._stand_in_keys.values():
            if not set(fmt.get("names", {}).get("columns", [])) <= set(labels):
                del fmt["names"]
        if self._entities is not None or not self.config.detect_constraints:
            return codecs
        return [c.with_names(frame[c.storage.name], labels) if isinstance(c, IdentifierCodec) else c for c in codecs]

    def _year_anchors(
        self, frame: pd.DataFrame, numeric: dict[int, NumericCodec], anchored: set[int]
    ) -> dict[int, dateparts.DatePart]:
        """Binned dates a whole-number column holds the year of (dateparts.py), by the date's index.
        Not with entities: their dates keep close to the entity's first date instead."""
        if self._entities is not None or not self.config.detect_constraints:
            return {}
        binned = {i: c for i, c in numeric.items() if c.n_tokens >= 2}
        dates = {c.storage.name: i for i, c in binned.items() if c.domain == "time" and not c.p.values}
        times = {name: binned[i].numeric_view(frame[name]) for name, i in dates.items() if i not in anchored}
        numbers = {
            c.storage.name: c.numeric_view(frame[c.storage.name]) for c in binned.values() if c.domain == "number"
        }
        found = dateparts.year_anchors(times, numbers, self.config.constraint_min_rows)
        return {dates[name]: part for name, part in found.items()}

    def _detect_dependencies(self, frame: pd.DataFrame, codes: np.ndarray) -> list[Dependency]:
        if not self.config.detect_constraints:
            return []
        tokens = self._tokens_by_column(codes)
        numbers = {i: c.numeric_view(frame[c.storage.name]) for i, c in self._value_dependent_candidates(tokens)}
        found = dependencies.detect(tokens, self._codecs, self.config.constraint_min_rows, numbers)
        return [d for d in found if d.dependent not in self._panel_segments()]  # a panel's segment is given, never set

    def _value_dependent_candidates(self, tokens: dict[int, np.ndarray]) -> list[tuple[int, NumericCodec]]:
        """Binned numbers and dates whose value may be set from a label after decoding: none that is
        rebuilt, summed or moved later (``_held_columns``, trends). A date its parts are cut from
        may be: the parts are recomputed from the final dates (a product's one launch date, learned
        within its hidden year, was right in 66% of rows when only the year was fixed)."""
        held = self._held_columns(part_dates=False) | self._trend_columns()
        return [
            (i, c)
            for i, c in enumerate(self._codecs)
            if i in tokens
            and dependencies.value_dependent(c)
            and dependencies.value_tokens(c) is None
            and c.storage.name not in held
        ]

    def _detect_unequal(self, codes: np.ndarray) -> list[Unequal]:
        if not self.config.detect_constraints:
            return []
        return unequal.detect(self._tokens_by_column(codes), self._codecs, self.config.constraint_min_rows)

    def _detect_null_links(self, codes: np.ndarray) -> list[nulls.NullLink]:
        """Labels that decide where a column of the table is null (nulls.py), on every learned
        table column (a date learned as steps or differences keeps its nulls in its tokens)."""
        if not self.config.detect_constraints:
            return []
        return nulls.detect(self._table_tokens(codes), self._codecs, self.config.constraint_min_rows)

    def _detect_unseen(self, codes: np.ndarray) -> list[unseen.UnseenPairs]:
        """Token pairs of two table columns that no training row holds where chance expects many
        (unseen.py); not on a trend column's differences (see ``_trend_columns``); and the steps
        of a stepped date that a session's opening flag never comes with (``_unseen_steps``)."""
        if not self.config.detect_constraints:
            return []
        trends = self._trend_columns()
        tokens = {i: t for i, t in self._table_tokens(codes).items() if self._codecs[i].storage.name not in trends}
        names = {i: self._codecs[i].storage.name for i in tokens}
        sizes = {i: self._codecs[i].n_tokens for i in tokens}
        ruled = [frozenset((d.determinant, d.dependent)) for d in self._dependencies]
        ruled += [frozenset((u.first, u.second)) for u in self._unequal]
        return unseen.detect(tokens, names, sizes, self.config.constraint_min_rows, ruled) + self._unseen_steps(codes)

    def _unseen_steps(self, codes: np.ndarray) -> list[unseen.UnseenPairs]:
        """The steps of each stepped date (entities.as_date_steps) that no row opening a session, or
        no row within one, takes where chance expects many: a step within a session is never days
        long, one between sessions never seconds. Why: drawn by the network alone, 3,500 events of
        300 users came back with a median step of 2 minutes between sessions (real: 34 hours). A
        quarter of the rows chance must expect suffices here (a zero where 5 are expected: p < 0.01):
        with one row in six opening a session, 20 asked for 3,800 rows per step bin."""
        if self._sessions is None or self._entities is None:
            return []
        chain, index = self._chain(), {c.storage.name: i for i, c in enumerate(self._codecs)}
        columns = sorted(
            [index[self._sessions.opens], *(index[n] for n in self._entities.steps if index[n] in self._learned)],
            key=lambda i: chain.index((i, False)),
        )
        tokens = {i: codes[:, chain.index((i, False))] for i in columns}
        names = {i: self._codecs[i].storage.name for i in columns}
        sizes = {i: self._codecs[i].n_tokens for i in columns}
        found = unseen.detect(tokens, names, sizes, max(5, self.config.constraint_min_rows // 4))
        return [pair for pair in found if pair.first == self._sessions.opens]

    def _table_tokens(self, codes: np.ndarray) -> dict[int, np.ndarray]:
        """Model tokens per codec index of every learned table column, in chain order."""
        table = {c.storage.name for c in self._table_codecs()}
        return {
            i: codes[:, k]
            for k, (i, fine) in enumerate(self._chain())
            if not fine and self._codecs[i].storage.name in table
        }

    def _detect_cells(self, codes: np.ndarray) -> tuple[str, ...]:
        """The labels each combination of which one training row holds at most (cells.py)."""
        if not self._may_lead_the_chain():
            return ()
        return cells.find(*self._leading_labels(codes), self.config.constraint_min_rows)

    def _detect_design(self, codes: np.ndarray) -> designs.Design | None:
        """The labels each combination of which the training rows hold equally often (designs.py)."""
        if not self._may_lead_the_chain():
            return None
        return designs.find(*self._leading_labels(codes), self.config.constraint_min_rows)

    def _leading_labels(self, codes: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The labels that may head the chain as cells or a design, in table order: their tokens,
        and per label which tokens stand for one value. No label a repair, dependency, band or join
        sets after decoding, nor a number's position stream."""
        set_later = self._set_after_decoding()
        tokens, exact = {}, {}
        for i, column in sorted(self._table_tokens(codes).items()):  # table order
            name, mask = self._codecs[i].storage.name, _cell_values(self._codecs[i])
            if mask is not None and not self._codecs[i].n_fine and name not in set_later:
                tokens[name], exact[name] = column, mask
        return tokens, exact

    def _quota_counts_of(self, codes: np.ndarray, frame: pd.DataFrame, label: str, count: str) -> np.ndarray:
        """Per token of the quota's label (the chain's first column), the count its training rows
        hold: the rows of its value in the whole table the count was taken over (the training rows
        are a sample of it in the pipeline), summed over the values a merged token stands for; a
        token no training row holds: 0."""
        rows = pd.DataFrame(
            {
                "token": codes[:, 0],
                "value": frame[label].to_numpy(),
                "count": pd.to_numeric(frame[count], errors="coerce"),
            }
        )
        each = rows.dropna(subset=["count"]).drop_duplicates(["token", "value"])
        summed = each.groupby("token")["count"].sum()
        out = np.zeros(self._chain_sizes()[0], dtype=np.int64)
        out[summed.index.to_numpy(dtype=np.int64)] = np.rint(summed.to_numpy(dtype="float64")).astype(np.int64)
        return np.maximum(out, 0)

    def _labels_lead(self) -> bool:
        """Whether labels head the chain, a stream choosing them for its rows first: cells, a quota
        or a design."""
        return bool(self._cells or self._quota or self._design)

    def _may_lead_the_chain(self) -> bool:
        """Whether labels may head the chain, drawn for a whole stream first (cells, a quota, a design): in a
        table without entities, sessions or a calendar (each keeps its own rows apart)."""
        return self.config.detect_constraints and self._entities is None and self._calendar_name() is None

    def _set_after_decoding(self, besides: Collection[Dependency] = ()) -> set[str]:
        """Columns a repair, dependency (but ``besides``), band or join sets after decoding, or written
        otherwise than drawn."""
        setting = {d.dependent for d in self._dependencies if d not in besides}
        set_later = self._held_columns() | setting | {b.label for b in self._bands}
        return set_later | {j.result for j in self._joins} | self._written_otherwise()

    def _detect_quota(self) -> tuple[str, str, list[Dependency]] | None:
        """The label a count is taken within (``count(*) OVER (PARTITION BY trend) AS ads``), the
        count and the dependencies one-to-one with the label that set it back (``_one_to_one_with``),
        when the label's tokens are values: a stream then gives each value its share of the
        rows by that count (rounded to whole rows), and the count it rebuilds is the real one, scaled.

        Why: drawn row by row, each month's number of rows moved by chance (Computers: 298 real
        listings in month 8, 269 synthetic), so the rebuilt ``ads`` came back as counts no real month
        had, and a model told the month from ``ads`` in real rows and could not in synthetic ones
        (TSTR R² 0.63, real 0.996)."""
        windows = self._table_windows
        if windows is None or not self._may_lead_the_chain():
            return None
        learned = {self._codecs[i].storage.name: self._codecs[i] for i in self._learned}
        for name, (_, how) in sorted(windows.totals.items()):
            label = windows.partitions.get(name)
            if label is None or how not in COUNTS or label not in learned:
                continue
            one_to_one, codec = self._one_to_one_with(label), learned[label]
            values = not codec.n_fine and dependencies.value_tokens(codec) is not None
            if values and label not in self._set_after_decoding(one_to_one):
                return label, name, one_to_one
        return None

    def _one_to_one_with(self, label: str) -> list[Dependency]:
        """The dependencies that set ``label`` from a column it sets in turn (a percent of its rows,
        one per value: ``100.0 * count(*) OVER (PARTITION BY method) / count(*) OVER ()``), when every
        one that sets it is such: drawn first, it sets them, and they need not set it back."""
        setting = [d for d in self._dependencies if d.dependent == label]
        back = {d.dependent for d in self._dependencies if d.determinant == label}
        return setting if setting and all(d.determinant in back for d in setting) else []

    def _written_otherwise(self) -> set[str]:
        """Columns the sampled rows hold otherwise than drawn: fields of a nested column, hidden
        labels, and values written as text (number formats, durations, missing-value tokens, date
        layouts, scientific notation) or as Periods. Why: their rows' values, handed back
        (``calendar_values``, ``with_table_windows``), are not the values their tokens stand for (a
        field ``pair[0]`` is no column of the rows)."""
        written = {*nested.field_owners(self._nested), *self._kind_labels.values(), *self._missing_kinds}
        written |= {*self._number_formats, *self._duration_layouts, *self._missing_tokens, *self._periods}
        texts = [
            c.storage for c in self._codecs if c.storage.extras.get("text_formats") or "scientific" in c.storage.extras
        ]
        return written | {storage.name for storage in texts}

    def _detect_bands(self, frame: pd.DataFrame, codes: np.ndarray) -> list[bands.Band]:
        """Labels that name the band of a binned number (bands.py), one band per label, kept only
        where the label and all a dependency derives from it may be decoded after the repairs."""
        if not self.config.detect_constraints:
            return []
        numbers = {
            c.storage.name: c.numeric_view(frame[c.storage.name])
            for i, c in enumerate(self._table_codecs())
            if isinstance(c, NumericCodec)
            and i in self._learned
            and dependencies.value_tokens(c) is None
            and c.storage.name not in self._trend_columns()
        }
        tokens = self._tokens_by_column(codes)
        free = self._decodable_last()
        labels = {self._codecs[i].storage.name: t for i, t in tokens.items() if self._codecs[i].storage.name in free}
        found: list[bands.Band] = []
        for band in bands.detect(numbers, labels, self.config.rare_category_min_count):
            closure = bands.deferred_columns([band], self._dependencies)
            if closure <= free and band.label not in {b.label for b in found}:
                found.append(band)
        return found

    def _detect_schedules(self, frame: pd.DataFrame, codes: np.ndarray) -> None:
        """An entity's columns that hold each value once (entities.schedule_columns), among the
        learned exact-valued ones that are not the entity's own, its sequences or stand-in keys."""
        ent = self._entities
        if ent is None or not self.config.detect_constraints:
            return
        free = {c.storage.name for c in self._table_codecs()} - {*ent.columns, *ent.sequences, *self._stand_in_keys}
        tokens, exact = {}, {}
        for i, column in self._tokens_by_column(codes).items():
            name, mask = self._codecs[i].storage.name, dependencies.value_tokens(self._codecs[i])
            if mask is not None and name in free:
                tokens[name], exact[name] = column, mask
        entity = pd.factorize(frame[ent.key])[0]
        found = entities.schedule_columns(tokens, exact, entity, self.config.constraint_min_rows)
        self._entities = dataclasses.replace(ent, schedules=found)

    def _detect_label_groups(self, frame: pd.DataFrame, codes: np.ndarray) -> list[label_groups.LabelGroup]:
        """Dates and numbers the rows of a label or a pair of labels keep close together
        (label_groups.py): binned dates, on their own or within their year, and binned numbers, that
        no repair or rebuild reads or sets, by categories or whole numbers that nothing recomputes
        after the column is kept (no band's label, formula's, sum's or span's result, no hidden
        column; a date's year part is recomputed from it). Not with entities, whose columns keep
        close to the entity's own instead."""
        if self._entities is not None or not self.config.detect_constraints:
            return []
        held = self._held_columns(part_dates=False) | self._trend_columns() | {d.dependent for d in self._dependencies}
        recomputed = {f.result for f in self._formulas} | {n for s in self._sums for n in s.columns}
        recomputed |= {s.result for s in self._spans} | bands.deferred_columns(self._bands, self._dependencies)
        dates: dict[str, tuple[np.ndarray, tuple[float, ...], bool]] = {}
        numbers: dict[str, tuple[np.ndarray, tuple[float, ...], bool]] = {}
        labels: dict[str, tuple[np.ndarray, bool]] = {}
        for i, column in self._tokens_by_column(codes).items():
            codec = self._codecs[i]
            name = codec.storage.name
            if name in recomputed or name in self._hidden:
                continue
            if isinstance(codec, CategoricalCodec):
                labels[name] = (column.astype("float64"), False)
                continue
            if not isinstance(codec, NumericCodec):
                continue
            values = codec.numeric_view(frame[name])
            if codec.domain == "number" and label_groups.whole_key_values(values):
                labels[name] = (values, True)
            if _groupable(codec) and name not in held:
                clocks = tuple(float(t) * codec.scale for t in codec.p.day_times)  # kick-off times
                (dates if codec.domain == "time" else numbers)[name] = (values, clocks, codec.domain == "number")
        if not labels:
            return []
        min_rows = self.config.rare_category_min_count  # dates first: their labels (a season's year) are kept as drawn
        return label_groups.detect({**dates, **numbers}, labels, min_rows, self.config.clip_min_count)

    def _keep_label_groups(
        self,
        numbers: dict[str, np.ndarray],
        tokens: dict[int, np.ndarray],
        index: dict[str, int],
        rng: np.random.Generator,
    ) -> None:
        """Each grouped column redrawn near its group's centre where it was drawn far from it: a date
        onto a time many rows hold on its new day where it has one, a number on the column's places
        (label_groups.py); ``index``: each codec's place by its column's name."""
        for group in self._label_groups:
            columns = [
                np.rint(numbers[name]) if by_value else tokens[index[name]].astype("float64")
                for name, by_value in zip(group.labels, group.by_value, strict=True)
            ]
            drawn = numbers[group.column]
            kept = group.keep(drawn, columns, rng)
            codec = self._codecs[index[group.column]]
            assert isinstance(codec, NumericCodec)  # checked on detection and on load
            moved = np.flatnonzero(np.isfinite(kept) & (kept != drawn))
            if moved.size:
                units = kept[moved] / codec.scale
                units = codec.on_places(units) if group.log else codec.on_frequent_values_of_their_day(units, rng)
                kept[moved] = units * codec.scale
            numbers[group.column] = kept

    def _distinct_schedules(self, tokens: dict[int, np.ndarray], entity: np.ndarray, rng: np.random.Generator) -> None:
        """Each schedule column's values at most once per sampled entity (see entities.py)."""
        assert self._entities is not None
        for name in self._entities.schedules:
            i = next(k for k, c in enumerate(self._codecs) if c.storage.name == name)
            mask = dependencies.value_tokens(self._codecs[i])
            assert mask is not None  # checked on detection and on load
            draw = None if isinstance(self._codecs[i], NumericCodec) else rng
            tokens[i] = entities.distinct_within(tokens[i], entity, mask, draw).astype(tokens[i].dtype)

    def _held_columns(self, part_dates: bool = True) -> set[str]:
        """Columns that a repair, recomputation or rebuild after decoding reads or sets: sums,
        spans, formula results, date parts (and, with ``part_dates``, the dates they are cut
        from), anchors, an entity's own, hidden, sequence and schedule columns and stand-in keys."""
        held = {n for s in self._sums for n in s.columns}
        held |= {n for s in self._spans for n in (s.result, s.start, s.end)}
        held |= {f.result for f in self._formulas}
        held |= {n for p in self._parts for n in ((p.result, p.date) if part_dates else (p.result,))}
        held |= {c.anchor for c in self._codecs if isinstance(c, OffsetCodec)}
        held |= set(self._stand_in_keys)
        if self._entities is not None:
            ent = self._entities
            held |= {ent.key, *ent.columns, *ent.sequences, *ent.hidden, *ent.schedules, *ent.windowed}
            held |= set(ent.windows.values())
        return held

    def _decodable_last(self) -> set[str]:
        """Columns whose tokens stand for values and that nothing decoded or repaired after them
        reads: categories and exact numbers outside relations, unequal pairs, formulas and
        ``_held_columns``, and no label that sets a number's value (``dependencies.set_values``)."""
        taken = self._held_columns() | {n for r in self._relations for n in (r.left, r.right)}
        taken |= {n for f in self._formulas for n in f.parts}
        taken |= {n for u in self._unequal for n in (u.first, u.second)}
        taken |= {d.determinant for d in self._dependencies if d.values}
        codecs = [self._codecs[i] for i in self._learned if i != self._count_index()]
        return {
            c.storage.name
            for c in codecs
            if dependencies.value_tokens(c) is not None and type(c) in (CategoricalCodec, NumericCodec)
        } - taken

    def _exclusions(self) -> list[Exclusion]:
        """The unequal pairs, null links, dependencies and unseen pairs as model columns (unequal.py,
        nulls.py, dependencies.py, unseen.py)."""
        positions = {self._codecs[i].storage.name: k for k, (i, fine) in enumerate(self._chain()) if not fine}
        sizes = {c.storage.name: c.n_tokens for c in self._codecs}
        return (
            unequal.exclusions(self._unequal, positions, sizes)
            + nulls.exclusions(self._null_links, positions, sizes)
            + dependencies.exclusions(self._dependencies, positions, sizes)
            + unseen.exclusions(self._unseen, positions, sizes)
        )

    def _tokens_by_column(self, codes: np.ndarray) -> dict[int, np.ndarray]:
        """Model tokens per codec index (position streams left out, and trend columns: see
        ``_trend_columns``)."""
        count, trends = self._count_index(), self._trend_columns()
        return {
            i: codes[:, k]
            for k, (i, fine) in enumerate(self._chain())
            if not fine and i != count and self._codecs[i].storage.name not in trends
        }

    def _trend_columns(self) -> set[str]:
        """Columns learned as their entity's difference from a clock, or as their steps from row
        to row (walks, stepped dates and the dates that follow these). Why they take part in no
        relation, sum, formula, band or dependency: found on the differences, those state nothing
        of the column (a snapshot's month at tenure 0 is before the account's opening month, the
        month itself never is: the model said ``month < opened``), and repairs made on them would
        hold before the column is rebuilt, not after.
        With them the rows' numbers the engine gave a column (ranks): never emitted, a relation
        with one states nothing of the table (a firm's ``year rank <= revenue`` kept its revenue
        from walking). And the running sums and lags, rebuilt from their number: repaired as
        learned, a user's ``secs <= running_secs`` moved the seconds down to a sum that was then
        thrown away."""
        ent = self._entities
        if ent is None:
            return set(self._table_windows.windows) if self._table_windows is not None else set()
        followers = {f for name in ent.steps for f in _followers(self._codecs, name)}
        moved = {*ent.trends, *ent.walks, *ent.riders, *ent.ranks, *ent.steps, *ent.drifts, *followers}
        return moved | set(ent.windowed)

    def _count_index(self) -> int | None:
        """The codec index of the entity size, a model column that is not a table column."""
        return None if self._entities is None else len(self._codecs) - 1

    def _join_candidates(self) -> tuple[list[str], list[str]]:
        """Text columns that may be two others joined (learned as labels, held as plain text), and
        the columns that may be their parts: labels and whole numbers, as the output writes them.
        Nested fields and the entity's hidden columns are neither."""
        fields = set(nested.field_owners(self._nested))
        plain = [c for c in self._table_codecs() if c.storage.name not in fields]
        texts = [c.storage.name for c in plain if isinstance(c, CategoricalCodec) and _plain_text(c.storage)]
        parts = [
            c.storage.name
            for c in plain
            if (isinstance(c, CategoricalCodec) and _plain_text(c.storage))
            or (isinstance(c, NumericCodec) and c.storage.logical == "int")
        ]
        return texts, parts

    def _table_codecs(self) -> list[Codec]:
        """The codecs of the table's columns (without the sessions' hidden ones, the hidden parts and
        the entity's hidden ones, which come after them in that order)."""
        entity_hidden = 0 if self._entities is None else len(self._entities.hidden)
        session_hidden = 0 if self._sessions is None else len(self._sessions.hidden)
        return self._codecs[: len(self._codecs) - entity_hidden - len(self._hidden) - session_hidden]

    def _decoded_codecs(self) -> list[Codec]:
        """The codecs a block is decoded to: the table's and the entity's hidden ones (a carried
        entity keeps them), without the entity size and the hidden parts."""
        if self._entities is None:
            return self._table_codecs()
        return [c for c in self._codecs[:-1] if c.storage.name not in self._hidden]

    def _detect_relations(self, frame: pd.DataFrame, trend_values: pd.DataFrame | None = None) -> None:
        """Relations and sums (constraints.py), spans (spans.py), formulas (formulas.py) and date
        parts (dateparts.py) that hold in every training row; dependencies are found later, on tokens."""
        found = self._relations_in(frame, self._table_codecs(), self._trend_columns())
        self._relations, self._sums, self._spans, self._formulas = found
        self._formulas += self._formulas_reading_windows(frame)
        self._spans += [span for span in self._step_spans if span.result not in {s.result for s in self._spans}]
        self._sums_off_steps()
        self._parts = self._date_parts_in(frame, self._table_codecs(), self._trend_columns() | self._ordered_columns())
        steering = [p for p in self._hidden.values() if p.part in dateparts.STEERING and p.result not in self._given]
        self._parts += [p for p in steering if p.result not in self._matched]  # they steer their date
        self._parts += self._matched_date_parts(frame, trend_values)
        self._relations += self._walk_bonds  # found on the values: the walks' steps are in ``frame``
        self._relations += self._trend_bonds_in(frame, trend_values)
        ends = set(self._entities.ends) if self._entities is not None else set()  # rebuilt of the rows
        self._relations = [r for r in self._relations if not {r.left, r.right} & ends]

    def _formulas_reading_windows(self, frame: pd.DataFrame) -> list[formulas.Formula]:
        """The formulas of a column that is no window over the table from one that is (an order's
        amount against its region's average, ``round(amount / avg(amount) OVER (PARTITION BY
        region), 3)``), recomputed once the window is rebuilt (``_formulas_over_windows``). Why:
        the windows take part in no relation found (they are rebuilt after repairs), so such a
        column was drawn as a number of its own beside the rebuilt window. Never of a window's own
        source: a count's share of all the counts, ``count / sum(count) OVER ()``, times the real
        total is the count again."""
        tw = self._table_windows
        if tw is None or self._entities is not None:
            return []
        windows = set(tw.windows)
        found = self._relations_in(frame, self._table_codecs(), self._trend_columns() - windows)[3]
        taken = {f.result for f in self._formulas} | windows | set(tw.windows.values())  # a source: circular
        return [f for f in found if windows & set(f.parts) and f.result not in taken]

    def _sums_off_steps(self) -> None:
        """A sum's derived column is recomputed from the other columns, exactly, so it takes no step
        coarser than theirs (``NumericParams.step``): budgets in hundreds split into rent and the
        rest in tens, ``budget == rent + other``, held in 8.7% of rows with the budget put back on
        hundreds."""
        derived = {s.derived for s in self._sums}
        for codec in self._codecs:
            if isinstance(codec, NumericCodec) and codec.storage.name in derived:
                codec.p.step = 0.0

    def _trend_bonds_in(self, frame: pd.DataFrame, trend_values: pd.DataFrame | None) -> list[constraints.Relation]:
        """The relations of a trend column (its own values) with a column its entity's rows share:
        an account's ``opened <= as_of`` month. Why: the trend's relations are left out of those
        found on its differences, so 3.5% of synthetic snapshot rows had a month before the
        account was opened (18% of accounts). They hold once the clock is added back
        (``_hold_trend_bonds``: the entity's shared value moves, the trend's steps stay)."""
        ent = self._entities
        if ent is None or trend_values is None or trend_values.empty:
            return []
        fixed = [name for name in ent.columns if name not in ent.moving]
        original = frame.assign(**{str(n): trend_values[n].to_numpy() for n in trend_values.columns})
        codecs = [c for c in self._table_codecs() if c.storage.name in {*fixed, *trend_values.columns}]
        relations = self._relations_in(original, codecs, set())[0]
        return [r for r in relations if not r.equal and len({r.left, r.right} & set(fixed)) == 1]

    def _relations_in(
        self, frame: pd.DataFrame, codecs: list[Codec], skipped: set[str]
    ) -> tuple[list[constraints.Relation], list[constraints.Sum], list[spans.Span], list[formulas.Formula]]:
        """The relations, sums, spans and formulas among ``codecs``' numbers (``skipped`` left out)."""
        if not self.config.detect_constraints:
            return [], [], [], []
        numeric = [c for c in codecs if decoded_as_number(c) and c.storage.name not in skipped]
        views = {c.storage.name: c.numeric_view(frame[c.storage.name]) for c in numeric}
        domains = {c.storage.name: c.domain for c in numeric}
        min_rows = self.config.constraint_min_rows
        relations = constraints.detect(views, domains, min_rows)
        sums = constraints.detect_sums(views, domains, min_rows)
        times = {n: v for n, v in views.items() if domains[n] == "time"}
        numbers = {n: v for n, v in views.items() if domains[n] == "number"}
        summed = {n for s in sums for n in s.columns}  # a plain difference of two times is a sum
        durations = {n: v for n, v in views.items() if domains[n] == "duration" and n not in summed}
        found_spans = spans.detect(times, numbers, min_rows, durations)
        decimals = {c.storage.name: c.p.decimals for c in numeric if c.domain == "number"}
        derived = {s.derived for s in sums} | {s.result for s in found_spans}
        return relations, sums, found_spans, formulas.detect(numbers, decimals, derived, min_rows)

    def _date_parts_in(self, frame: pd.DataFrame, codecs: list[Codec], skipped: set[str]) -> list[dateparts.DatePart]:
        """The whole-number columns that are a calendar part of a date or timestamp (on its local
        clock) and the dates cut from another, other than those a sum, span or formula already
        computes or that a relation binds to a third column (recomputed after the relations are
        mended, a sign-up day cut from a later timestamp went past the churn date it must precede)."""
        if not self.config.detect_constraints:
            return []
        numeric = [
            c for c in codecs if isinstance(c, NumericCodec) and c.n_tokens >= 2 and c.storage.name not in skipped
        ]
        computed = (
            {s.derived for s in self._sums} | {s.result for s in self._spans} | {f.result for f in self._formulas}
        )
        times = {c.storage.name: c.numeric_view(frame[c.storage.name]) for c in numeric if c.domain == "time"}
        numbers = {
            c.storage.name: c.numeric_view(frame[c.storage.name])
            for c in numeric
            if c.domain == "number" and c.storage.name not in computed
        }
        found = dateparts.detect(times, numbers, self.config.constraint_min_rows) if times else []
        found += dateparts.detect_text(times, self._labels_of(frame, codecs, skipped), self.config.constraint_min_rows)
        shared = set(self._shared_columns())
        found = [p for p in found if p.result not in shared or p.date in shared]  # an entity's rows share it
        return [p for p in found if self._related_only_within(p, found)]

    def _matched_date_parts(self, frame: pd.DataFrame, trend_values: pd.DataFrame | None) -> list[dateparts.DatePart]:
        """The calendar parts (a query's weekday or month column) of a date whose rows are put on dates of a
        drawn part (``_match_parts``), found on the date's own values (the frame holds its offsets): they are
        recomputed from the final dates, as other parts are, and never steer them, whatever else they are
        learned as (a month the rows were numbered along is the date's month all the same). Why: drawn as
        columns of their own, a daily panel's weekday named another day than its date in 9% of rows (86%
        before the match), its month in 43%."""
        dates = sorted({self._hidden[name].date for name in self._matched})
        if not dates or trend_values is None or not self.config.detect_constraints:
            return []
        times = {name: ns for name in dates if (ns := _wall_clock_ns(trend_values[name])) is not None}
        ent = self._entities
        assert ent is not None  # matched parts are an entity's
        skipped = {*ent.sequences, *ent.trends, *ent.trends.values(), *self._hidden}
        numeric = [
            c for c in self._table_codecs() if isinstance(c, NumericCodec) and c.n_tokens >= 2 and c.domain == "number"
        ]
        numbers = {
            c.storage.name: c.numeric_view(frame[c.storage.name]) for c in numeric if c.storage.name not in skipped
        }
        min_rows = self.config.constraint_min_rows
        found = dateparts.detect(times, numbers, min_rows) if times else []
        found += dateparts.detect_text(times, self._labels_of(frame, self._table_codecs(), skipped), min_rows)
        return [p for p in found if p.part not in dateparts.TRUNCATIONS]

    def _labels_of(self, frame: pd.DataFrame, codecs: list[Codec], skipped: set[str]) -> dict[str, np.ndarray]:
        """The text columns' labels (None for null), of those a date part may be: not keys."""
        names = [
            c.storage.name
            for c in codecs
            if type(c) is CategoricalCodec and c.storage.logical == "string" and c.storage.name not in skipped
        ]
        names = [name for name in names if name not in self._stand_in_keys]
        return {name: frame[name].astype(object).where(frame[name].notna(), None).to_numpy() for name in names}

    def _onto_valid_wall_clock(self, numbers: dict[str, np.ndarray]) -> None:
        """Zoned times that DST skips moved to the first valid wall-clock time before parts are taken
        from them: an order drawn at 02:30 on the spring-forward night was written 03:00 with its hour
        column 2."""
        dated = {p.date for p in self._parts}
        for codec in self._codecs:
            name, extras = codec.storage.name, codec.storage.extras
            if name in dated and name in numbers and extras.get("wall_clock") and extras.get("tz"):
                numbers[name] = valid_wall_clock_ns(numbers[name], extras["tz"])

    def _recompute_parts(self, numbers: dict[str, np.ndarray]) -> None:
        """Dates cut from another first, then the spans again (a day key cut from the order time is
        where an order's hour of the day is counted from), then the number parts."""
        cuts = [p for p in self._parts if p.part in dateparts.TRUNCATIONS]
        dateparts.recompute(numbers, cuts)
        if cuts:
            spans.recompute(numbers, self._spans)
        dateparts.recompute(numbers, [p for p in self._parts if p not in cuts and p.part not in dateparts.TEXT_PARTS])

    def _recompute_text_parts(self, numbers: dict[str, np.ndarray], columns: dict[str, pd.Series]) -> None:
        """The month and weekday names from the final dates, in each column's own dtype."""
        parts = [p for p in self._parts if p.part in dateparts.TEXT_PARTS]
        if not parts:
            return
        labels = {p.result: columns[p.result].to_numpy(dtype=object) for p in parts}
        dateparts.recompute_text(labels, numbers, parts)
        storage = {c.storage.name: c.storage for c in self._codecs}
        for name, values in labels.items():
            columns[name] = restore_labels(values, storage[name])

    def _related_only_within(self, part: dateparts.DatePart, parts: list[dateparts.DatePart]) -> bool:
        """Whether every relation of ``part``'s column is with its date or another part of that date."""
        kin = {part.date, *(p.result for p in parts if p.date == part.date)}
        kin |= {day for day, anchor in self._days_of_their_anchors().items() if anchor == part.date}
        bound = [{r.left, r.right} for r in self._relations if part.result in (r.left, r.right)]
        return all(pair <= kin for pair in bound)

    def _steering_parts(self) -> dict[str, list[dateparts.DatePart]]:
        """Per date, its weekday and hour columns, which move it onto the weekday and hour drawn for
        the row as soon as it is decoded (dateparts.steered): binned dates, dates learned within
        their year and, by their hidden parts (whose steps were found long enough), offsets from an
        entity's first date; not dates following another date (their lag stays), taking few exact
        values, or learned as steps (``_steer_stepped_dates``)."""
        by_name = {c.storage.name: c for c in self._codecs}
        firsts = set(self._entities.starts.values()) if self._entities is not None else set()
        stepped = self._entities.steps if self._entities is not None else ()
        steering: dict[str, list[dateparts.DatePart]] = {}
        for p in self._parts:
            codec = by_name[p.date]
            offset = isinstance(codec, OffsetCodec) and codec.anchor_part is None
            from_first = isinstance(codec, OffsetCodec) and codec.anchor in firsts and p.result in self._hidden
            if p.part not in dateparts.STEERING or not isinstance(codec, NumericCodec) or (offset and not from_first):
                continue
            if self._entities is not None and p.date in self._entities.trends:  # its rows are matched instead
                continue
            if p.date == self._calendar_name():  # its parts are set from it
                continue
            if not codec.p.values and p.date not in stepped:
                steering.setdefault(p.date, []).append(p)
        return steering

    def _ordered_columns(self) -> set[str]:
        """Numbers the entity's rows are put in order by after drawing (renumbered, sorted or
        held once each): recomputed from a date, they would lose that order."""
        ent = self._entities
        if ent is None:
            return set()
        return {*ent.sequences, *ent.clocks.values(), *ent.trends.values(), *ent.rising, *ent.schedules}

    def _chain(self) -> list[tuple[int, bool]]:
        """The model's columns in order: (codec index, is its position stream). A binned number's
        position stream comes right after it, so every later column can condition on both."""
        out = []
        for i in self._learned:
            out.append((i, False))
            if self._codecs[i].n_fine:
                out.append((i, True))
        return out

    def _days_of_their_anchors(self) -> dict[str, str]:
        """Dates at one fixed offset from their anchor (a timestamp's own day), and the anchor: mending
        a relation moves the other side, not them, and a relation with one is a relation with its
        anchor. Why: moved, 11% of synthetic ``order_date``s were no longer the day of their
        ``ordered_at``."""
        return {c.storage.name: c.anchor for c in self._codecs if isinstance(c, OffsetCodec) and c.n_tokens < 2}

    def _chain_sizes(self) -> list[int]:
        """Tokens per model column, in chain order."""
        return [self._codecs[i].n_fine if fine else self._codecs[i].n_tokens for i, fine in self._chain()]

    def _encode(self, frame: pd.DataFrame) -> np.ndarray:
        rng = np.random.default_rng([self.config.seed, 11])  # tie-breaks inside bins
        columns: list[np.ndarray] = []
        by_name = {c.storage.name: c for c in self._codecs if isinstance(c, NumericCodec)}
        for i, fine in self._chain():  # a position stream follows its own column's tokens
            codec = self._codecs[i]
            series = codec.offsets(by_name[codec.anchor], frame) if isinstance(codec, OffsetCodec) else frame.iloc[:, i]
            columns.append(codec.encode_fine(series, columns[-1], rng) if fine else codec.encode(series))
        if not columns:
            return np.zeros((len(frame), 0), dtype=np.int32)
        return np.column_stack(columns).astype(np.int32)

    def _input_maps(self) -> list[np.ndarray]:
        """What each model column feeds to later heads (position streams: every group as is)."""
        bins = self.config.input_bins
        codecs = self._codecs
        return [np.arange(codecs[i].n_fine) if fine else codecs[i].input_map(bins) for i, fine in self._chain()]

    def _order_scores(self) -> np.ndarray | None:
        """Per model token, its place in its column's order (0 where unordered); None when off."""
        if not self.config.ordinal_trends:
            return None
        parts = []
        for (i, fine), size in zip(self._chain(), self._chain_sizes(), strict=True):
            scores = evenly_ordered(size) if fine else self._codecs[i].order_scores()
            parts.append(np.zeros(size) if scores is None else scores)
        return np.concatenate(parts) if parts else None

    def _validation_groups(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows that go to one side of the validation split together: an entity's rows (a user
        seen in training would make their validation rows easy), else copies of one record."""
        if self._entities is not None:
            return pd.factorize(frame[self._entities.key])[0].astype(np.int64)
        return _record_groups(frame.iloc[:, self._learned])

    def _head_weights(self, frame: pd.DataFrame) -> HeadWeights | None:
        """With entities, the head columns' row weights: one count per entity (model.HeadWeights)."""
        if self._entities is None:
            return None
        weights = HeadWeights.per_entity(self._head_width(), frame[self._entities.count].to_numpy())
        span = self._session_span()
        if span is None or self._sessions is None:
            return weights
        return weights.per_session(span[1], frame[self._sessions.count].to_numpy())

    def _head_width(self) -> int:
        """How many model columns (position streams included) an entity's head spans."""
        head = set(self._entity_head())
        return sum(1 for i, _ in self._chain() if i in head)

    def _size_means(self) -> np.ndarray | None:
        """The mean entity size each token of the first model column decodes to, when it is the size."""
        if self._entities is None or not self._chain() or self._chain()[0][0] != self._count_index():
            return None
        count = self._codecs[-1]
        assert isinstance(count, NumericCodec)
        return np.maximum(np.nan_to_num(count.token_means(), nan=1.0), 1.0)

    def _train(
        self,
        codes: np.ndarray,
        groups: np.ndarray,
        weights: HeadWeights | None,
        deadline: float | None,
        report: Progress,
    ) -> None:
        sizes = np.asarray(self._chain_sizes(), dtype=np.int64)
        trn, val = split_validation(groups, self.config.validation_share, self.config.seed)
        n_val = codes.shape[0] - trn.size
        settings = self._train_settings(trn.size, int(sizes.sum()) * sizes.size, deadline, weights)
        if sizes.size == 0:
            self._net = None
            self._training = {"epochs": 0, "stopped_by": "nothing to learn"}
            return
        split = None if weights is None else (weights.take(trn), weights.take(val))
        result = train(codes[trn], codes[val], sizes, settings, report, self._input_maps(), split)
        self._net = result.net
        refit = refit_output_biases(result.net, codes, weights) if self.config.refit_output_biases else None
        calibrated = self._calibrated(result.net, codes, deadline, weights)
        self._training = {
            "engine": "autoregressive-mlp",
            "hidden": settings.hidden,
            "batch_size": settings.batch_size,
            "trend_step": round(settings.trend_step, 3),
            "copula_prior": self._copula_gates(result.net),
            "epochs": result.epochs,
            "best_epoch": result.best_epoch,
            "stopped_by": result.stopped_by,
            "validation_rows": int(n_val),
            "validation_loss": round(result.val_loss, 5),
            "bias_refit": refit,
            "marginal_calibration": calibrated,
        }

    def _copula_gates(self, net: Network) -> dict[str, float] | None:
        """Per column whose head started from the copula prior, the share of its offset it kept (its gate)."""
        if net.prior is None:
            return None
        chain = self._chain()
        heads = [j for j in range(net.n_columns) if net.prior.has_prior(j)]
        return {self._codecs[chain[j][0]].storage.name: round(float(net.prior.gate[j]), 3) for j in heads}

    def _calibrated(
        self, net: Network, codes: np.ndarray, deadline: float | None, weights: HeadWeights | None
    ) -> dict[str, Any] | None:
        """Marginal calibration samples the model a few times: skipped once the time budget is spent."""
        if not self.config.calibrate_marginals:
            return None
        if deadline is not None and time.monotonic() > deadline:
            return {"skipped": "max_training_time"}
        return calibrate(net, codes, self.config.seed, weights, self._size_means(), self._exclusions())

    def _train_settings(
        self, rows: int, width: int, deadline: float | None, weights: HeadWeights | None = None
    ) -> TrainSettings:
        """Sizes by data: ``width`` = tokens x columns, the first layer's size per hidden unit. With
        entities (head ``weights``), each head column stops on its own, the rest together
        (training._GroupStopping)."""
        cfg = self.config
        # 64 units generalise better than 128 on 20k-row tables (lower held-out loss, DCR
        # closer to 0.5) and train in about the same time; tiny tables get 32. Very wide
        # tables get fewer units so the first layer stays under MAX_FIRST_LAYER weights.
        hidden = cfg.hidden_size or (64 if rows >= 2_000 else 32)
        if not cfg.hidden_size:
            hidden = int(max(8, min(hidden, MAX_FIRST_LAYER // max(width, 1))))
        batch = cfg.batch_size or int(np.clip(2 ** round(np.log2(max(rows, 1) / 32)), 16, 512))
        return TrainSettings(
            hidden=hidden,
            batch_size=batch,
            learning_rate=cfg.learning_rate,
            weight_decay=cfg.weight_decay,
            dropout=cfg.input_dropout,
            max_epochs=cfg.max_epochs,
            patience=cfg.patience,
            deadline=deadline,
            started=None if deadline is None else deadline - (cfg.max_training_time or 0),
            seed=cfg.seed,
            scored=self._scored(),
            order_scores=self._order_scores(),
            trend_step=trend_step(rows),
            stop_groups=None if weights is None else self._stop_groups(weights),
            copula_ordered=self._copula_ordered()
            if cfg.copula_prior and weights is None and rows < COPULA_MAX_ROWS
            else None,
        )

    def _scored(self) -> np.ndarray:
        """Per model column, whether its validation loss counts: not a position stream's, nor the
        rows a session's entity has left (always given: sessions.Sessions.left; scored, it kept
        training going while the columns drawn had stopped improving)."""
        given = {self._sessions.left} if self._sessions is not None else set()
        return np.asarray([not fine and self._codecs[i].storage.name not in given for i, fine in self._chain()])

    def _stop_groups(self, weights: HeadWeights) -> np.ndarray:
        """Per model column, its early-stopping group (training._GroupStopping): each head column
        and each column a session shares its own, the per-row columns one together."""
        groups = np.minimum(np.arange(len(self._chain())), weights.columns)
        for k, at in enumerate(sorted(weights.shared)):
            groups[at] = len(groups) + k
        return groups

    def _copula_ordered(self) -> list[np.ndarray | None]:
        """Per model column, its ordered tokens for the copula prior, none for a column of categories
        (it shifts later heads' means), None for positions inside a bin (left out)."""
        out: list[np.ndarray | None] = []
        for i, fine in self._chain():
            scores = None if fine else self._codecs[i].order_scores()
            unordered = not fine and scores is None
            out.append(np.zeros(self._codecs[i].n_tokens, dtype=bool) if unordered else ordered_tokens(scores))
        return out

    # ------------------------------------------------------------------ sample

    def sample(
        self,
        n: int,
        *,
        seed: int | None = None,
        key_start: int | None = None,
        calendar_values: Any = None,
        calendar_share: calendars.Share | None = None,
    ) -> pd.DataFrame | pa.Table:
        """``n`` synthetic rows, in the kind and dtypes the model was fitted on (the keywords:
        ``sample_chunks``)."""
        _check_whole_numbers(n=n)  # before max(n, 1) compares it
        dates = {"calendar_values": calendar_values, "calendar_share": calendar_share}
        chunks = list(self.sample_chunks(n, chunk_size=max(n, 1), seed=seed, key_start=key_start, **dates))
        return chunks[0]

    def sample_chunks(
        self,
        n: int,
        *,
        chunk_size: int = 100_000,
        seed: int | None = None,
        key_start: int | None = None,
        calendar_values: Any = None,
        calendar_share: calendars.Share | None = None,
    ) -> Iterator[pd.DataFrame | pa.Table]:
        """Yield ``n`` rows in chunks of ``chunk_size`` (bounded memory); the concatenation
        equals ``sample(n, seed=seed, key_start=key_start)`` exactly.

        ``key_start``: which fresh identifier key this stream starts at (0: the one right after
        the largest real key). A caller that builds one table from several streams (shards,
        refills) gives each stream its own stretch, so the table's keys stay unique, contiguous and
        in the real format (``C0600``, not ``C4294967296``). By default the fitted seed starts at 0
        and every other seed in a 2**32-key range of its own (unique, but far longer keys).

        ``calendar_values``: for a model with a calendar (``calendar_column``), the ``n`` dates its
        rows take, in order, as sampled rows hold them (None: chosen from the seed); the other
        columns are drawn given them; with a panel or cells (cells.py: a ``GROUP BY``'s labels), a
        frame of the ``calendar_keys``. For a caller that replaces rows of a table it sampled: the
        privacy filters' refills take the dates (combinations) of the rows they drop.
        ``calendar_share``: the rows take the dates of their rows of a longer stream (calendars.Share:
        the generate stage's shards share one stream's dates, none of them twice)."""
        self._check_fitted()
        _check_whole_numbers(n=n, chunk_size=chunk_size, key_start=key_start, seed=seed)
        if n < 0 or chunk_size < 1 or any(v is not None and v < 0 for v in (key_start, seed)):
            raise ConfigError(
                f"need n >= 0, chunk_size >= 1, key_start >= 0 and seed >= 0; got n={n}, chunk_size={chunk_size}, "
                f"key_start={key_start}, seed={seed}"
            )
        use_seed = self.config.seed if seed is None else int(seed)
        keys_from = self._key_offset(use_seed) if key_start is None else int(key_start)
        pending: list[pd.DataFrame] = []
        have, emitted = 0, 0
        carry: _Carry | None = None  # an entity longer than a block continues into the next
        held: pd.DataFrame | None = None  # its rows so far, while its windows over all its rows wait
        start, number = 0, 0
        dates = self._stream_dates(n, use_seed, calendar_values, calendar_share)
        while start < n:
            before = carry
            block, carry = self._block(number, start, n - start, use_seed, keys_from, carry, dates)
            start, number = start + len(block), number + 1
            block, held = self._whole_entities(block, held, before, None if start >= n else carry)
            if len(block):
                pending.append(block)
            have += len(block)
            if self._table_windows is not None:  # they wait for the table's last row
                if start < n:
                    continue
                whole = pd.concat(pending, ignore_index=True) if pending else None
                pending = [self._over_table(whole, in_place=calendar_values is not None)] if whole is not None else []
            while have >= chunk_size or (have and start >= n):
                chunk, pending, have = _take(pending, min(chunk_size, have))
                chunk.index = pd.RangeIndex(emitted, emitted + len(chunk))
                emitted += len(chunk)
                yield self._output(chunk, use_seed)
        if n == 0:
            yield self._output(self._block(0, 0, 0, use_seed, keys_from, None)[0], use_seed)

    def _output(self, chunk: pd.DataFrame, seed: int) -> pd.DataFrame | pa.Table:
        """A sampled chunk in the kind fitted on, dates written as text in the real layouts, nested
        columns rebuilt from their fields or JSON text."""
        self._in_real_layouts(chunk, seed)
        for name in self._categorical_keys():  # the keys this chunk holds (entities.plain_keys)
            chunk[name] = chunk[name].astype("category")
        for join in self._joins:  # after every other column: its parts are final
            chunk[join.result] = join.rebuilt(chunk, self.config.rare_token)
        chunk = as_periods(nested.as_given(chunk, self._nested, self.config.rare_token), self._periods)
        chunk = as_text(as_formatted(chunk, self._number_formats), self._duration_layouts)
        chunk = self._with_missing_kinds(as_tokens(chunk, self._missing_tokens), seed)
        schema = self._key_schema(chunk)
        if schema is not None and self._nested:
            return nested.to_table(chunk, schema, self._nested)
        return to_output(chunk, schema)

    def _categorical_keys(self) -> list[str]:
        """The entity key and the sessions' key where either was categorical (entities.plain_keys)."""
        ent, ses = self._entities, self._sessions
        return [
            *([ent.key] if ent is not None and ent.category else []),
            *([ses.key] if ses is not None and ses.category else []),
        ]

    def _key_schema(self, chunk: pd.DataFrame) -> pa.Schema | None:
        """The fitted schema, a categorical key's dictionary widened to int32 indices where the
        chunk holds more keys than its index type counts. Why: a DuckDB ENUM of 100 users is a
        dictionary of uint8 indices, and 20,000 rows of its synthetic users (2,104 fresh keys) raised
        ArrowInvalid ("Integer value 2104 not in range: 0 to 255")."""
        schema = self._schema
        for name in self._categorical_keys():
            if schema is not None and name in schema.names:
                schema = _widened_dictionary(schema, name, len(chunk[name].cat.categories))
        return schema

    def _in_real_layouts(self, chunk: pd.DataFrame, seed: int) -> None:
        """Dates written as text in several layouts (frames.mixed_text_layouts), each row's in one
        drawn in the real values' shares by a hash of the row's place in the stream (``_layout_places``),
        salted by the seed and the column's name: the same whatever chunk or block the row comes in."""
        for codec in self._codecs:
            st = codec.storage
            written = {layout: share for layout, share in st.extras.get("text_formats", {}).items() if share > 0}
            if len(written) < 2 or st.name not in chunk.columns:
                continue
            salt = LAYOUT_SALT ^ zlib.crc32(f"{seed}:{st.name}".encode())
            layouts = drawn_by_row(list(written), list(written.values()), self._layout_places(chunk, st.name), salt)
            chunk[st.name] = in_drawn_layouts(chunk[st.name], st, layouts).set_axis(chunk.index)

    def _with_missing_kinds(self, chunk: pd.DataFrame, seed: int) -> pd.DataFrame:
        """Nulls of a column whose missing values were of several kinds (``'N/A'`` and real nulls)
        written as one each: the kind its row's hidden label names, drawn with the row, else one
        drawn in their shares by the row's place (``text_missing.as_kinds``); the labels dropped."""
        present = {name: kinds for name, kinds in self._missing_kinds.items() if name in chunk.columns}
        labels = {name: chunk.get(label) for name, label in self._kind_labels.items()}
        drawn = {
            name: as_kinds(chunk[name], kinds, self._layout_places(chunk, name), seed, labels.get(name))
            for name, kinds in present.items()
        }
        hidden = [label for label in self._kind_labels.values() if label in chunk.columns]
        return chunk.assign(**drawn).drop(columns=hidden)

    def _layout_places(self, chunk: pd.DataFrame, name: str) -> np.ndarray:
        """What a row's layout of date text ``name`` is drawn by: its place in the stream, or for a date
        an entity shares, a hash of the entity's key. Why: drawn by row, a customer's one signup day
        was written 2021-03-15 in some of its rows and 15.03.2021 in others (377 of 729 customers)."""
        ent = self._entities
        if ent is None or name not in ent.columns or name in ent.moving or ent.key not in chunk.columns:
            return chunk.index.to_numpy()
        return pd.util.hash_pandas_object(chunk[ent.key], index=False).to_numpy()

    def _block(
        self,
        number: int,
        start: int,
        left: int,
        seed: int,
        keys_from: int,
        carry: _Carry | None,
        dates: calendars.Stream | cells.Stream | None = None,
    ) -> tuple[pd.DataFrame, _Carry | None]:
        """Block ``number``, at row ``start`` with ``left`` rows still to give: ``BLOCK_ROWS`` of
        them, or with entities, up to the end of its last entity (``_block_rows``); the first rows
        continue ``carry`` (an entity longer than a block, cut at the previous block's end). Fresh
        keys are numbered from ``keys_from`` + ``start``; ``dates``: the stream's calendar dates
        (``_calendar_dates``), of which the block's rows take theirs."""
        rng = np.random.default_rng([seed, number])
        size = min(BLOCK_ROWS, left)
        if self._entities is None:
            return self._rows(
                size, rng, keys_from + start, None if dates is None else dates.part(start, start + size)
            ), None
        carried = 0 if carry is None else min(carry.rows, size)
        heads, sizes = self._entity_heads(size - carried, rng)
        if carry is not None:
            heads, sizes = np.vstack([carry.head, heads]), np.r_[carry.rows, sizes]
        size = _block_rows(sizes, size, left)
        entity = entities.rows_of(sizes, size)
        out = self._decoding(size, entity, carry)

        def parts(tokens: dict[int, np.ndarray], fine: dict[int, np.ndarray]) -> np.ndarray:
            return self._given_tokens(tokens, fine, rng, keys_from + start, out, entity, carry)

        def regroup(drawn: np.ndarray) -> np.ndarray:
            return self._in_sessions(drawn, entity, rng, out.sharing, carry is not None)

        given = self._with_rows_left(heads[entity], sizes, entity)
        tokens, fine = self._tokens(size, rng, given=given, parts=parts, regroup=regroup)
        self._distinct_schedules(tokens, entity, rng)
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        dependencies.enforce(tokens, self._dependencies, index)
        to_come = min(int(sizes[entity[-1]]) - int((entity == entity[-1]).sum()), left - size) if size else 0
        block = self._decode(tokens, fine, rng, keys_from + start, size, entity, carry, to_come, out)
        done = 0 if carry is None else carry.done
        shared = [self._entities.key, *self._shared_columns()]
        if carry is not None and size:
            for name in [n for n in shared if n not in self._entities.moving]:  # they move with their clock
                block.loc[entity == 0, name] = carry.values[name].iloc[0]
        carry = self._carried_on(block, heads, sizes, entity, shared, done, {} if carry is None else carry.tails)
        hidden = [*self._entities.never_emitted, *(self._sessions.hidden if self._sessions is not None else [])]
        return block.drop(columns=hidden), carry

    def _with_rows_left(self, given: np.ndarray, sizes: np.ndarray, entity: np.ndarray) -> np.ndarray:
        """The entity heads ``given`` to each row, and with sessions the tokens of the entity's rows
        from each row on (``sizes``: per entity, its rows from the block's start): the session a row
        opens is drawn knowing them (the first column after the head, sessions.Sessions.left)."""
        if self._sessions is None:
            return given
        codec = next(c for c in self._codecs if c.storage.name == self._sessions.left)
        left = sizes[entity] - (np.arange(entity.size) - entities.first_rows(entity)[entity])
        return np.column_stack([given, codec.encode(pd.Series(left, name=codec.storage.name))]).astype(np.int32)

    def _in_sessions(
        self, drawn: np.ndarray, entity: np.ndarray, rng: np.random.Generator, sharing: _Sharing, carried: bool
    ) -> np.ndarray:
        """``drawn`` (the chain up to the session prefix's end) with each row in a session: walking
        each entity's rows, a row opens a session of the size it drew and the rows it takes on
        share its prefix tokens (sessions.grouped); the opening flag set to match (not on an
        entity's first row, but on the ``carried`` one's: it goes on after its rows in the block
        before)."""
        ses, span = self._sessions, self._session_span()
        assert ses is not None and span is not None
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        chain = self._chain()
        count, opens = index[ses.count], index[ses.opens]
        codec = self._codecs[count]
        assert isinstance(codec, NumericCodec)
        session = sessions.grouped(codec.numeric_decoded(drawn[:, chain.index((count, False))], rng), entity)
        sharing.in_sessions(session, ses.columns)
        firsts = sharing.session_firsts
        shared = [k for k in span[1] if chain[k][0] != opens]
        drawn[:, shared] = drawn[firsts[session]][:, shared]
        opening = np.zeros(session.size, dtype=bool)
        opening[firsts] = True
        opening[entities.first_rows(entity)[1 if carried else 0 :]] = False
        drawn[:, chain.index((opens, False))] = self._codecs[opens].encode(pd.Series(opening, name=ses.opens))
        return drawn

    def _with_session_keys(
        self, block: pd.DataFrame, sharing: _Sharing, start: int, rng: np.random.Generator
    ) -> pd.DataFrame:
        """``block`` with the nested key: a fresh key per session (numbered from ``start``, as an
        entity's are: a block holds no more sessions than rows), right after the column it
        followed."""
        ses, codec = self._sessions, self._session_codec
        if ses is None or codec is None:
            return block
        session = sharing.session if sharing.session is not None else np.zeros(0, dtype=np.int64)
        null = block[ses.nulls].isin([True]).to_numpy() if ses.nulls in block else np.zeros(session.size, dtype=bool)
        keys = codec.decode(null[sharing.session_firsts].astype(np.int32), rng, start)  # 1: null (learns_nulls)
        names = list(block.columns)
        at = names.index(ses.after) + 1 if ses.after in names else 0
        block.insert(at, ses.key, keys.iloc[session].reset_index(drop=True))
        return block

    def _rows(
        self, size: int, rng: np.random.Generator, key_start: int, dates: calendars.Stream | cells.Stream | None
    ) -> pd.DataFrame:
        """A block of a table without entities; ``dates``: its rows' calendar dates (None: no calendar)."""
        out: _Decoded | None = None
        given = placed = None
        if isinstance(dates, cells.Stream):  # the rows' cells head the chain
            given, placed = dates.tokens, rng.random(dates.tokens.shape)
        elif dates is not None:
            out = self._decoding(size, None, None)
            given, placed = self._calendar_tokens(dates, rng, out)
        tokens, fine = self._tokens(size, rng, given=given, placed=placed)
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        dependencies.enforce(tokens, self._dependencies, index)
        return self._decode(tokens, fine, rng, key_start, size, out=out)

    def _whole_entities(
        self, block: pd.DataFrame, held: pd.DataFrame | None, before: _Carry | None, after: _Carry | None
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        """The rows of ``block`` (after the ``held`` rows of an entity cut at the block before's end,
        ``before``) that may be emitted, and those held back: the rows of the entity cut at this
        block's end (``after``; None at the stream's end). Held rows wait for the entity's last
        row, when its windows of rows after their own and its time frames (``Entities.whole``)
        are taken of all of them (``_over_whole_entity``). Why: an entity longer than a block
        (16,384 rows; 64 to test) got its totals and its row numbers from the highest value down
        (``avg(secs) OVER (PARTITION BY user_id)``, ``row_number() OVER (PARTITION BY user_id
        ORDER BY secs DESC)``) in each block apart: in 3,000 rows of 600 airbnb users' sessions sampled in
        64-row blocks, 38% of rows held their average, 41% their rank; its leads were null at the
        cut, and a 7-day sum of its first rows in the next block left out its days before. Only a
        model with such windows holds rows back (an entity's rows at most: the largest size
        learned)."""
        if not self._whole_entity_windows():
            return block, None
        rows = block if held is None else pd.concat([held, block], ignore_index=True)
        whole = 0 if held is None or before is None else len(held) + min(before.rows, len(block))
        keep = 0 if after is None else after.done  # the rows the cut entity has so far: the last ones
        if whole and whole <= len(rows) - keep:
            self._over_whole_entity(rows, whole)
        cut = len(rows) - keep
        return rows.iloc[:cut], (rows.iloc[cut:].reset_index(drop=True) if keep else None)

    def _over_table(self, rows: pd.DataFrame, in_place: bool = False) -> pd.DataFrame:
        """``rows``, every row of the table, in the order the table's windows run along (ties as
        drawn; ``in_place``: as given), with each window rebuilt over all of them
        (``table_windows.rebuilt``). Why in place: rows sampled on given ``calendar_values`` stand
        in those places, and the privacy filters' refills of a store x day panel, put in store
        order, had each taken another dropped row's (day, store), which a later round gave out
        again: five pairs came back twice."""
        tw = self._table_windows
        assert tw is not None
        codecs = {c.storage.name: c for c in self._codecs if isinstance(c, NumericCodec)}
        views: dict[str, np.ndarray] = {}  # each source read once (no window is another's source)

        def view(column: str) -> np.ndarray:  # a label (a window's partition): its codes
            if column not in views:
                values = rows[column]
                views[column] = codecs[column].numeric_view(values) if column in codecs else partition_codes(values)
            return views[column]

        placed = np.arange(len(rows))
        if tw.order is not None:
            within = table_windows.codes_of(view(tw.within)) if tw.within is not None else np.zeros(len(rows))
            placed = np.lexsort((view(tw.order), within))
            rows = rows.iloc[placed].reset_index(drop=True)
            views.clear()  # read again in the rows' new order
        for name in tw.windows:
            codec = codecs[name]
            values = table_windows.rebuilt(tw, name, view, len(rows))
            places = codec.p.decimals if codec.domain == "number" else None  # round(avg(x) OVER w, 2)
            rows[name] = self._as_column(name, values if places is None else table_windows.rounded(values, places))
        self._formulas_over_windows(rows, codecs)
        return rows.iloc[np.argsort(placed)].reset_index(drop=True) if in_place else rows

    def _formulas_over_windows(self, rows: pd.DataFrame, codecs: dict[str, NumericCodec]) -> None:
        """The formulas reading a window over the table recomputed from it, in place, once it is
        rebuilt (``_over_table``, ``_formulas_reading_windows``)."""
        windows = set(self._table_windows.windows) if self._table_windows is not None else set()
        reading = [f for f in self._formulas if windows & set(f.parts)]
        if not reading:
            return
        names = {name for f in reading for name in (f.result, *f.parts)}
        numbers = {name: codecs[name].numeric_view(rows[name]) for name in names}
        formulas.recompute(numbers, reading)
        for f in reading:
            rows[f.result] = self._as_column(f.result, numbers[f.result])

    def _whole_entity_windows(self) -> list[str]:
        """The windows an entity takes of all its rows (``Entities.whole``) but the sequences that
        skip numbers (their drawn gaps are the block's)."""
        ent = self._entities
        return [] if ent is None else [name for name in ent.whole if name not in ent.gaps]

    def _over_whole_entity(self, rows: pd.DataFrame, whole: int) -> None:
        """The windows ``_whole_entity_windows`` names of ``rows``' first ``whole`` rows, one
        entity's rows in its order, taken of all of them in place (``_whole_entities``)."""
        ent = self._entities
        assert ent is not None
        part, one = rows.iloc[:whole], np.zeros(whole)
        for name in self._whole_entity_windows():
            if name in ent.lags and ent.lags[name][0] not in self._numeric_names():  # a text's lead
                texts = part[ent.lags[name][0]].to_numpy(dtype=object)
                head = pd.Series(entities.lagged(texts, one, ent.lags[name][1], None, ent.defaults.get(name)))
                head = head.astype(_holding(rows[name].dtype, ent.defaults.get(name)))
            else:
                head = self._as_column(name, self._whole_entity_window(name, part))
            rows[name] = pd.concat([head, rows[name].iloc[whole:]], ignore_index=True).set_axis(rows.index)

    def _whole_entity_window(self, name: str, part: pd.DataFrame) -> np.ndarray:
        """Number window ``name`` (``_over_whole_entity``) of one entity's rows, ``part``, in
        ``scale`` units."""
        ent = self._entities
        assert ent is not None
        one = np.zeros(len(part))

        def view(column: str) -> np.ndarray:
            codec = next(c for c in self._codecs if c.storage.name == column)
            assert isinstance(codec, NumericCodec)
            return codec.numeric_view(part[column])

        if name in ent.totals or name in ent.ends:
            source, how = {**ent.totals, **ent.ends}[name]
            return entities.totals_of(view(source), one, how)
        if name in {*ent.lags, *ent.differences, *ent.aggregates, *ent.frames, *ent.ranked}:
            return table_windows.window_of(ent, name, view, len(part))
        if name in ent.tiles:  # along the order, else along the date learned as steps (``_rebuild_unordered``)
            along = np.arange(len(part)) if ent.order is not None else view(ent.steps[0])
            placed, tiles = np.argsort(along, kind="stable"), np.empty(len(part))
            tiles[placed] = entities.tiles_of(one, *ent.tiles[name])
            return tiles
        if name in ent.timed:
            source, how, span = ent.timed[name]
            times = view(self._order_clock()[0])
            return entities.timed_of(view(source), times, one, how, span)
        clock = view(ent.clocks[name])
        return entities.numbered_from_highest(clock, np.isnan(view(name)), ent.sequences[name])

    def _numeric_names(self) -> set[str]:
        return {c.storage.name for c in self._codecs if isinstance(c, NumericCodec)}

    def _as_column(self, name: str, values: np.ndarray) -> pd.Series:
        """Numbers ``values`` of column ``name`` in ``scale`` units, as the column is stored."""
        codec = next(c for c in self._codecs if c.storage.name == name)
        assert isinstance(codec, NumericCodec)
        return as_stored(codec.restore(values / codec.scale), codec.storage)

    def _carried_on(
        self,
        block: pd.DataFrame,
        heads: np.ndarray,
        sizes: np.ndarray,
        entity: np.ndarray,
        shared: list[str],
        done: int,
        went_on: dict[str, np.ndarray],
    ) -> _Carry | None:
        """The block's last entity, when it has rows left beyond the block (``done``: the rows the
        blocks before gave its first entity, when that one was carried on; ``went_on``: the window
        tails it was carried on with)."""
        if not entity.size:
            return None
        last = int(entity[-1])
        here = int((entity == last).sum())
        left = int(sizes[last]) - here
        if left <= 0:
            return None
        first = int(entities.first_rows(entity)[last])
        emitted = here + (done if last == 0 else 0)
        values = block.iloc[[first]][shared].reset_index(drop=True)
        ent = self._entities
        walked = {name: float(block[name].iloc[-1]) for name in ent.walks} if ent else {}  # rows are in order
        by_name = {c.storage.name: c for c in self._codecs}
        for name in [*ent.steps, *ent.rising, *self._order_clock()] if ent else ():  # where they go on from
            codec = by_name[name]
            assert isinstance(codec, NumericCodec)
            view = pd.Series(codec.numeric_view(block.loc[entity == last, name]))  # its nulls skipped
            walked[name] = float(view.min() if ent and name in ent.falling else view.max())
        numbered = {name: float(block.loc[entity == last, name].max()) for name in ent.gaps} if ent else {}
        tails = self._window_tails(block.loc[entity == last], walked, went_on if last == 0 else {})
        for moved, clock in ent.trends.items() if ent else ():
            if ent and moved in shared:  # the entity shares its difference from the clock, as learned
                ticks = block[clock].iloc[[first]].to_numpy(dtype="float64")
                values[moved] = entities.trend_origins(values[moved], ticks, ent.units.get(moved))
                for rider in [r for r, m in ent.riders.items() if m == moved and r in shared]:
                    back = -entities.clock_moves(ticks, ent.units[moved])
                    values[rider] = entities.shifted(values[rider], back, ent.units[moved])
        return _Carry(heads[last : last + 1], left, values, emitted, walked, numbered, tails)

    def _window_tails(
        self, rows: pd.DataFrame, walked: dict[str, float], went_on: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """The carried entity's ``rows`` (in order): its running sums' and extremes' last values,
        put in ``walked``; per column lagged, differenced or in a moving frame, its last values (a
        number's or time's in ``scale`` units, a text's as is), as far back as they reach; per
        first value, the entity's (its rows' first here: ``first_of`` set it); per aggregate over
        the rows so far, the sum and count of its source's values so far (``went_on``: those it
        was carried on with, where the entity began in a block before)."""
        ent = self._entities
        if ent is None or not len(rows):
            return {}
        by_name = {c.storage.name: c for c in self._codecs if isinstance(c, NumericCodec)}
        for name in [n for n in [*ent.running, *ent.extremes] if n in by_name]:  # a text's extreme: in tails
            walked[name] = float(by_name[name].numeric_view(rows[name])[-1])
        texts = {name: rows[name].to_numpy(object)[-1:] for name in ent.extremes if name not in by_name}
        so_far = {name: source for name, (source, _, frame) in ent.aggregates.items() if not frame}
        values = {
            name: by_name[name].numeric_view(rows[name]) if name in by_name else rows[name].to_numpy(object)
            for name in {*ent.window_sources, *ent.firsts, *so_far.values()}
        }
        tails = {source: values[source][-steps:] for source, steps in ent.window_sources.items() if steps > 0}
        totals = {name: _totals(values[source], went_on.get(name)) for name, source in so_far.items()}
        firsts = {name: values[name][:1] for name in ent.firsts}  # a first value: the entity's first
        return {**tails, **totals, **texts, **firsts}

    def _entity_heads(self, rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The head tokens (size and entity columns) and sizes of as many entities as ``rows``
        rows need; the last one may be cut short."""
        width = self._head_width()
        heads, sizes, total = [], [], 0
        count = self._codecs[-1]
        assert isinstance(count, NumericCodec)
        while total < rows:
            drawn = self._draw_heads(width, rng)
            counts = self._entity_sizes(drawn, count, rng)
            heads.append(drawn)
            sizes.append(counts)
            total += int(counts.sum())
        if not heads:
            return np.zeros((0, width), dtype=np.int32), np.zeros(0, dtype=np.int64)
        all_sizes = np.concatenate(sizes)
        needed = int(np.searchsorted(np.cumsum(all_sizes), rows)) + 1
        return np.concatenate(heads)[:needed], all_sizes[:needed]

    def _draw_heads(self, width: int, rng: np.random.Generator) -> np.ndarray:
        if self._net is None or width == 0:
            return np.zeros((entities.CANDIDATE_ROWS, 0), dtype=np.int32)
        return sample_tokens(self._net, entities.CANDIDATE_ROWS, rng, columns=width, exclude=self._exclusions())

    def _entity_sizes(self, heads: np.ndarray, count: NumericCodec, rng: np.random.Generator) -> np.ndarray:
        """Each drawn head's entity size (rows, >= 1), decoded from its first token. The head
        columns were learned one count per entity (model.HeadWeights), so each drawn head is one
        entity, kept as drawn."""
        learned = heads.shape[1] > 0 and self._chain()[0][0] == self._count_index()
        tokens = heads[:, 0] if learned else np.zeros(heads.shape[0], dtype=np.int32)
        values = count.numeric_decoded(tokens, rng)
        sizes = np.maximum(np.rint(np.nan_to_num(values, nan=1.0)), 1).astype(np.int64)
        guests = self._null_key_heads(heads) if self._sessions is None else np.zeros(sizes.size, dtype=bool)
        return np.where(guests, 1, sizes)  # with sessions, a guest is one session of its rows

    def _null_key_heads(self, heads: np.ndarray) -> np.ndarray:
        """Per drawn head, whether it is a null-key row's (``Entities.nulls``): every real one is
        an entity of one row, whatever rows the size's bin (shared with the users of one or two
        sessions) decodes to."""
        ent = self._entities
        if ent is None or ent.nulls is None:
            return np.zeros(heads.shape[0], dtype=bool)
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        at = self._chain().index((index[ent.nulls], False))
        null = self._codecs[index[ent.nulls]].encode(pd.Series([True], name=ent.nulls))[0]
        return heads[:, at] == null

    def _key_offset(self, seed: int) -> int:
        """Where fresh identifier keys start for this seed's stream.

        Why: a caller may sample several streams with seeds of their own and no ``key_start``;
        giving each seed its own 2**32-row range of keys keeps identifiers unique across them
        (the fitted seed starts right after the largest real key)."""
        if seed == self.config.seed:
            return 0
        slot = int(np.random.SeedSequence([seed, 7]).generate_state(1)[0]) % KEY_STREAM_SLOTS
        return (slot + 1) << KEY_STREAM_BITS

    def _tokens(
        self,
        size: int,
        rng: np.random.Generator,
        given: np.ndarray | None = None,
        parts: Callable[[dict[int, np.ndarray], dict[int, np.ndarray]], np.ndarray] | None = None,
        placed: np.ndarray | None = None,
        regroup: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
        """Tokens per codec index, and position tokens for the columns that have them; ``given``:
        the first model columns' tokens, as drawn per entity or set from a calendar's dates;
        ``parts``: the tokens of the parts set from an entity's date (``_given``), from the tokens
        drawn before them; the columns after are drawn given them. ``placed``: where the given
        values lie inside their tokens (a calendar's), for the copula prior's places. ``regroup``:
        the rows put in sessions once the columns a session shares are drawn (``_in_sessions``);
        the columns after are drawn given them."""
        out = {i: np.zeros(size, dtype=np.int32) for i, c in enumerate(self._codecs) if c.n_tokens == 1}
        fine: dict[int, np.ndarray] = {}
        if self._net is None:
            return out, fine
        chain, split = self._chain(), self._given_split()
        span = self._session_span()
        if regroup is not None and span is not None:
            drawn = sample_tokens(self._net, size, rng, given=given, columns=span[0], exclude=self._exclusions())
            given = regroup(drawn)
        if parts is not None and split is not None:
            before = sample_tokens(self._net, size, rng, given=given, columns=split, exclude=self._exclusions())
            for k, (i, is_fine) in enumerate(chain[:split]):
                (fine if is_fine else out)[i] = before[:, k]
            given = np.hstack([before, parts(out, fine)])
        placing = self._net.prior is not None and (given is None or placed is not None)
        positions = np.zeros((size, len(chain))) if placing else None
        if positions is not None and placed is not None:
            positions[:, : placed.shape[1]] = placed
        drawn = sample_tokens(self._net, size, rng, given=given, exclude=self._exclusions(), positions=positions)
        for k, (i, is_fine) in enumerate(chain):
            (fine if is_fine else out)[i] = drawn[:, k]
            if positions is not None and not self._codecs[i].n_fine:
                fine[i] = positions[:, k]  # where inside its bin, from the copula (CopulaPrior.latent)
        return out, fine

    def _given_inputs(self) -> list[str]:
        """What the dates with parts set from them are built from, each after its anchor: their
        entity's first date, the weekday and hour they are moved onto, the columns their entity
        shares that they must not precede (``_dates_in_range``), and their own offsets
        or steps."""
        ent = self._entities
        if ent is None:
            return []
        dates = list(dict.fromkeys(self._hidden[name].date for name in self._given))
        steering = [p.result for p in self._hidden.values() if p.date in dates and p.result not in self._given]
        shared = set(self._shared_columns())
        bounds = [r.left for r in self._relations if r.right in dates and r.left in shared]
        by_name = {c.storage.name: c for c in self._codecs}
        inputs: list[str] = []
        for name in [*(ent.starts[d] for d in dates), *steering, *bounds, *dates]:
            anchors = [name]
            while isinstance(codec := by_name[anchors[-1]], OffsetCodec):
                anchors.append(codec.anchor)
            inputs += [a for a in reversed(anchors) if a not in inputs]
        return inputs

    def _given_split(self) -> int | None:
        """The chain position of the first part set from an entity's date (they follow the date)."""
        positions = [k for k, (i, _) in enumerate(self._chain()) if self._codecs[i].storage.name in self._given]
        return min(positions) if positions else None

    def _given_tokens(
        self,
        tokens: dict[int, np.ndarray],
        fine: dict[int, np.ndarray],
        rng: np.random.Generator,
        start: int,
        out: _Decoded,
        entity: np.ndarray,
        carry: _Carry | None,
    ) -> np.ndarray:
        """The tokens (in chain order) of each part set from an entity's date, from the date as
        ``_decode`` steers, moves and (for steps) sums it: the columns it is built from
        (``_given_inputs``) are decoded here, into ``out``, and ``_decode`` goes on from them."""
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        inputs = self._given_inputs()
        for name in [n for n in inputs if n not in out.numbers]:
            self._decode_column(index[name], tokens, fine, rng, start, out)
        dates = {name: out.numbers[name] for name in inputs if name in out.numbers}
        self._keep_dates_in_range(dates, entity, carry)
        self._move_past_shared_bounds(dates, entity)
        self._add_steps(dates, entity, carry)
        self._steer_stepped_dates(dates, entity, carry)
        split = self._given_split()
        return np.column_stack(self._part_tokens(self._chain()[split:], dates, rng)).astype(np.int32)

    def _part_tokens(
        self, chain: list[tuple[int, bool]], dates: dict[str, np.ndarray], rng: np.random.Generator
    ) -> list[np.ndarray]:
        """The tokens of the hidden parts set from their dates (``_given``) that head ``chain``, each
        part's values cut from its date's (``dates``, ns)."""
        columns = []
        for i, is_fine in chain:
            name = self._codecs[i].storage.name
            if name not in self._given:
                break
            part = self._hidden[name]
            series = pd.Series(_whole_numbers(dateparts.part_values(part.part, dates[part.date])))
            own = self._codecs[i].encode(series)
            columns.append(self._codecs[i].encode_fine(series, own, rng) if is_fine else own)
        return columns

    def _calendar_codec(self) -> tuple[NumericCodec, calendars.Grid] | None:
        """The calendar column's codec and grid (``_with_calendar``), if the table has one."""
        name = self._calendar_name()
        if name is None:
            return None
        codec = next(c for c in self._codecs if c.storage.name == name)
        assert isinstance(codec, NumericCodec)
        grid = codec.calendar()
        assert grid is not None
        return codec, grid

    def _calendar_dates(self, n: int, seed: int) -> calendars.Stream | None:
        """The calendar's ``n`` dates for a stream (calendars.chosen, in its units), in the order its
        rows take them, and with a panel their segments (calendars.panel_chosen); None without a
        calendar. Chosen from the seed and ``n`` alone, so any chunk size gives the same rows."""
        found = self._calendar_codec()
        if found is None:
            return None
        codec, grid = found
        name = codec.storage.name
        rng = np.random.default_rng([seed, CALENDAR_SALT])
        if self._panel is not None:
            dates, segments = calendars.panel_chosen(grid, self._panel, n, codec.cdf, rng)
            self._warn_repeated(" and ".join(map(repr, self.calendar_keys)), n, np.column_stack([dates, segments]))
            return calendars.Stream(dates, segments)
        dates = calendars.chosen(grid, (codec.p.clip[0], codec.p.clip[1]), codec.tail_reach(), n, codec.cdf, rng)
        self._warn_repeated(repr(name), n, dates[:, None])
        return calendars.Stream(dates)

    @staticmethod
    def _warn_repeated(names: str, n: int, rows: np.ndarray) -> None:
        """A logged warning when some of a stream's ``rows`` (a calendar's dates, a panel's pairs) repeat."""
        repeated = n - np.unique(rows, axis=0).shape[0] if n else 0
        if repeated:  # more rows than dates the grid holds in its range and as far past it as its dates reach
            log.warning(
                "calendar column %s holds one row per date, and %d rows were asked for, more than the %d dates it "
                "takes in and near its range: %d rows repeat a date (ask for at most %d rows to keep one per date)",
                names,
                n,
                n - repeated,
                repeated,
                n - repeated,
            )

    def _stream_dates(
        self, n: int, seed: int, values: Any, share: calendars.Share | None
    ) -> calendars.Stream | cells.Stream | None:
        """A stream's calendar dates (``sample_chunks``), or with cells its rows' cells: as given, a
        share of a longer stream's, or chosen from its own seed; None without either."""
        if values is not None and share is not None:
            raise ConfigError("give calendar_values or calendar_share, not both: the rows take one set of dates")
        if values is not None:
            return self._given_cells(values, n) if self._labels_lead() else self._given_dates(values, n)
        choose: Callable[[int, int], calendars.Stream | cells.Stream | None] = self._calendar_dates
        if self._labels_lead():
            choose = self._cell_stream if self._cells else self._quota_stream if self._quota else self._design_stream
        if share is None:
            return choose(n, seed)
        if share.first < 0 or share.first + n > share.rows:
            raise ConfigError(
                f"calendar_share {share} holds no rows {share.first} to {share.first + n}; use 0 <= first and "
                "first + n <= rows"
            )
        chosen = choose(share.rows, share.seed)
        return None if chosen is None else chosen.part(share.first, share.first + n)

    def _given_cells(self, values: Any, n: int) -> cells.Stream:
        """``calendar_values`` of a model with cells (a quota, a design): a frame of ``n`` rows of the cell
        columns (``calendar_keys``; of a quota's label, also a series), as their tokens (a value the
        column has none of: the one it is learned under, a rare label's), or a ConfigError naming
        what is missing."""
        keys = self.calendar_keys
        if isinstance(values, pd.Series) and keys == [values.name]:
            values = values.to_frame()
        if not isinstance(values, pd.DataFrame) or not set(keys) <= set(values.columns) or len(values) != n:
            raise ConfigError(
                f"calendar_values must be a frame of {n} rows with the columns {keys} (a combination per row, as "
                f"sampled rows hold them); got {type(values).__name__} of {len(values)} rows"
            )
        by_name = {c.storage.name: c for c in self._codecs}
        columns = [by_name[name].encode(values[name].reset_index(drop=True)) for name in keys]
        return cells.Stream(np.column_stack(columns).astype(np.int32))

    def _quota_stream(self, n: int, seed: int) -> cells.Stream:
        """A stream's ``n`` rows of the quota label's tokens (``_detect_quota``): each its share of
        the rows by the count, rounded to whole rows (cells.quota_tokens), in an order from the seed."""
        rng = np.random.default_rng([seed, QUOTA_SALT])
        return cells.Stream(cells.quota_tokens(self._quota_counts, n, rng)[:, None])

    def _design_stream(self, n: int, seed: int) -> cells.Stream:
        """A stream's ``n`` rows of the design's combinations (designs.Design.stream), from the seed
        and ``n`` alone, so any chunk size gives the same rows."""
        assert self._design is not None
        return cells.Stream(self._design.stream(n, np.random.default_rng([seed, DESIGN_SALT])))

    def _cell_stream(self, n: int, seed: int) -> cells.Stream | None:
        """A stream's ``n`` rows of cell tokens (cells.chosen), drawn by the model's first columns
        from the seed and ``n`` alone, so any chunk size gives the same rows; None past
        ``cells.MAX_ROWS`` rows (the rows draw their own, some repeating a cell: warned)."""
        if self._net is None:
            return None
        labels = ", ".join(map(repr, self._cells))
        if n > cells.MAX_ROWS:
            log.warning(
                "the columns %s hold one row per combination; %d rows were asked for, more than the %d a stream "
                "keeps apart: combinations may repeat",
                labels, n, cells.MAX_ROWS,
            )  # fmt: skip
            return None
        rng = np.random.default_rng([seed, CELLS_SALT])
        exclusions = self._exclusions()
        width = len(self._cells)

        def draw(m: int, given: np.ndarray) -> np.ndarray:
            first = given if given.shape[1] else None
            return sample_tokens(self._net, m, rng, given=first, columns=width, exclude=exclusions)  # type: ignore[arg-type]

        tokens, repeated = cells.chosen(draw, n, self._cell_masks(), rng, self._cells_allowed(exclusions))
        if repeated:
            log.warning(
                "the columns %s hold one row per combination; of %d rows asked for, %d repeat one another row "
                "holds: their values make no more the model may draw (ask for fewer rows to keep one per "
                "combination)",
                labels, n, repeated,
            )  # fmt: skip
        return cells.Stream(tokens)

    def _cells_allowed(self, exclusions: list[Exclusion]) -> Callable[[np.ndarray], np.ndarray]:
        """Which rows of cell tokens the model may draw: none that an exclusion between two cell
        columns rules out (an origin never its destination, a pair no training row holds)."""
        width = len(self._cells)
        within = [(first, then, ruled) for first, then, ruled in exclusions if first < width and then < width]

        def allowed(rows: np.ndarray) -> np.ndarray:
            ok = np.ones(len(rows), dtype=bool)
            for earlier, later, ruled in within:
                out = ruled[rows[:, earlier]]
                ok &= out != rows[:, later] if out.ndim == 1 else ~out[np.arange(len(rows)), rows[:, later]]
            return ok

        return allowed

    def _cell_masks(self) -> list[np.ndarray]:
        """Per cell column, which of its tokens stand for one value (checked on detection and on load)."""
        by_name = {c.storage.name: c for c in self._codecs}
        masks = []
        for name in self._cells:
            mask = _cell_values(by_name[name])
            assert mask is not None
            masks.append(mask)
        return masks

    def _given_dates(self, values: Any, n: int) -> calendars.Stream:
        """``calendar_values`` (``sample_chunks``) in the calendar's units, or a ConfigError when the
        model has no calendar, or they are not ``n`` dates on its grid (with a panel: ``n`` rows of
        the date and segment columns, ``calendar_keys``, each segment one the panel holds).

        Why: the privacy filters dropped rows of a daily KPI table and refilled them with rows that
        chose their own days; the demo's 1,585 days came back as 1,558 distinct ones, some twice.
        A refill row takes the day of the row it replaces instead, a grid point no other row holds."""
        found = self._calendar_codec()
        if found is None:
            raise ConfigError(
                "calendar_values were given, but this model has no calendar column (one row per date on a "
                "grid); leave calendar_values unset"
            )
        codec, grid = found
        segments = self._given_segments(values, n)
        given = pd.Series(values[codec.storage.name] if segments is not None else values).reset_index(drop=True)
        given = pd.Series(given.dt.to_timestamp()) if isinstance(given.dtype, pd.PeriodDtype) else given  # as sampled
        dates = codec.numeric_view(given) / codec.scale
        index = np.where(np.isfinite(dates), np.rint(grid.index(np.nan_to_num(dates))), 0).astype("int64")
        on_grid = np.isfinite(dates).all() and np.array_equal(grid.values(index), dates) and grid.kept(index).all()
        if len(given) != n or not on_grid:
            raise ConfigError(
                f"calendar_values must be {n} dates of calendar column {codec.storage.name!r}, each on its grid "
                f"(as sampled rows hold them); got {len(given)} values, {int(np.isnan(dates).sum())} of them null"
            )
        return calendars.Stream(dates, segments)

    def _given_segments(self, values: Any, n: int) -> np.ndarray | None:
        """With a panel, the segment tokens of ``calendar_values`` (a frame of the date and segment
        columns: a refill row takes the day *and* country of the row it replaces), a column per
        segment column, or a ConfigError when they are not ``n`` rows of all of them, each row a
        segment the panel holds; None without one."""
        if self._panel is None:
            return None
        keys = self.calendar_keys
        if not isinstance(values, pd.DataFrame) or not set(keys) <= set(values.columns) or len(values) != n:
            raise ConfigError(
                f"calendar_values must be a frame of {n} rows with the columns {keys} (a date and segment per "
                f"row, as sampled rows hold them); got {type(values).__name__} of {len(values)} rows"
            )
        columns = [self._given_tokens_of(name, values[name].reset_index(drop=True)) for name in self._panel.segments]
        tokens = np.column_stack(columns)
        unknown = ~self._panel.holds(tokens)
        if unknown.any():
            segments = " and ".join(map(repr, self._panel.segments))
            raise ConfigError(
                f"calendar_values hold {int(unknown.sum())} values of {segments} that are no segment of this "
                "panel; give the segments sampled rows hold"
            )
        return tokens

    def _given_tokens_of(self, name: str, given: pd.Series) -> np.ndarray:
        """The tokens of a segment column's given values, -1 for a value the column has no token of."""
        codec = next(c for c in self._codecs if c.storage.name == name)
        tokens = codec.encode(given).astype("int64")
        back = codec.decode(tokens.astype(np.int32), np.random.default_rng(0), 0)  # an unseen label: the mode's
        same = (back.astype(str) == given.astype(str)) | (back.isna() & given.isna())
        return np.where(same.to_numpy(), tokens, -1)

    def _calendar_tokens(
        self, stream: calendars.Stream, rng: np.random.Generator, out: _Decoded
    ) -> tuple[np.ndarray, np.ndarray]:
        """The tokens of the model columns set from a block's calendar dates (the date's bin, its
        position stream, the parts set from it and a panel's segment: they head the chain) and where
        each date lies inside its bin; ``out`` takes the dates, which ``_decode`` keeps as they are."""
        dates, chain = stream.dates, self._chain()
        codec = self._codecs[chain[0][0]]
        assert isinstance(codec, NumericCodec)
        out.given[codec.storage.name] = dates * codec.scale
        own = codec.encode_values(dates)
        columns = [own]
        if codec.n_fine:
            columns.append(codec.encode_fine_values(dates, own, rng))
        columns += self._part_tokens(chain[len(columns) :], {codec.storage.name: dates * codec.scale}, rng)
        if stream.segments is not None:  # right after the parts (``_chain_order``), in the panel's order
            columns += list(stream.segments.T)
        placed = rng.random((dates.size, len(columns)))  # the parts: anywhere inside their tokens
        placed[:, 0] = codec.positions(np.clip(dates, codec.p.clip[0], codec.p.clip[1]))
        return np.column_stack(columns).astype(np.int32), placed

    def _decode(
        self,
        tokens: dict[int, np.ndarray],
        fine: dict[int, np.ndarray],
        rng: np.random.Generator,
        start: int,
        size: int,
        entity: np.ndarray | None = None,
        carry: _Carry | None = None,
        to_come: int = 0,
        out: _Decoded | None = None,
    ) -> pd.DataFrame:
        """Tokens to values: numbers first (relations are repaired on them), then the labels of
        bands (set from the final numbers) and what derives from them, then restore dtypes.
        ``entity``: each row's entity, whose first row's values its other rows share; ``carry``:
        the first entity as the block before left it; ``to_come``: the last entity's rows in the
        blocks after; ``out``: the columns decoded already (``_given_tokens``)."""
        out = out or self._decoding(size, entity, carry)
        shared = out.sharing
        deferred = bands.deferred_columns(self._bands, self._dependencies)
        order = decode_order(self._codecs, {date: [p.result for p in parts] for date, parts in out.steering.items()})
        windowed = self._entities.windowed if self._entities is not None else []  # _rebuild_windows
        over_table = list(self._table_windows.windows) if self._table_windows is not None else []  # _over_table
        for i in order:
            if self._codecs[i].storage.name not in {*deferred, *out.numbers, *windowed, *over_table}:
                self._decode_column(i, tokens, fine, rng, start, out)
        numbers, columns = out.numbers, out.columns
        numbers |= {name: np.full(size, np.nan) for name in over_table}  # once the table's last row is drawn
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        dependencies.set_values(numbers, tokens, self._dependencies, index)
        self._keep_label_groups(numbers, tokens, index, rng)
        fixed = self._shared_columns() if entity is not None else []  # an entity's rows share them
        fixed += list(self._sessions.columns) if self._sessions is not None else []  # a session's rows too
        fixed += [d.dependent for d in self._dependencies if d.values]  # a product's one list price
        self._recompute_formulas(numbers)  # a relation holds on the line total that is kept
        # a unit conversion is not: pinned, its part could not go between it and a third column (``b == a / 49``,
        # ``b <= a <= c``, integer a: b at 281.9 left no a), and it is recomputed from the repaired part below
        fixed += [f.result for f in self._formulas if f.operation not in formulas.SCALES]
        fixed += list(self._days_of_their_anchors())
        fixed += list(out.given)  # a calendar's dates are the rows' own: a relation moves the other side
        walking, trending = self._walking_relations(), self._trend_bonds()
        relations = [r for r in self._relations if r not in walking and r not in trending]
        relations = [r for r in relations if not {r.left, r.right} & set(self._session_totals())]  # rebuilt after
        self._keep_dates_in_range(numbers, entity, carry)
        self._move_past_shared_bounds(numbers, entity)
        self._recompute_sums(numbers, out)
        constraints.repair(numbers, relations, out.quanta, self._sums, out.snaps, out.signs, fixed)
        self._hold_still_steps(numbers, shared.session)
        self._add_steps(numbers, entity, carry)  # before the renumbering: a stepped date may be its clock
        self._stretch_entities(numbers, entity, carry is not None, to_come)
        self._steer_stepped_dates(numbers, entity, carry)
        stages = self._stage_keys(tokens, numbers)
        shared.renumber(numbers, rng, stages)  # after repair: a repair that moved one number would repeat another
        self._sort_rising(numbers, entity, carry)  # along the renumbered order
        self._sort_within_sessions(numbers, shared.session)
        spans.recompute(numbers, self._spans)  # after repair: the dates are final
        self._recompute_formulas(numbers)
        self._total_sessions(numbers, shared.session, columns)
        self._add_clocks(numbers, columns, entity, carry is not None, to_come)
        self._match_parts(numbers, entity)
        self._hold_trend_bonds(numbers, trending, entity)
        self._add_walks(numbers, columns, entity, carry)
        self._add_drifts(numbers, columns, entity, carry, to_come)
        drifted = relations if self._entities is not None and self._entities.drifts else []  # a drift moved their side
        constraints.repair(numbers, [*walking, *drifted], out.quanta, fixed=fixed)  # onto the shared side
        self._onto_valid_wall_clock(numbers)
        self._rebuild_windows(numbers, entity, carry)  # their numbers are final
        self._rebuild_ends(numbers, entity)
        self._recompute_parts(numbers)  # last: every date is final
        if deferred:
            self._set_bands(tokens, numbers, deferred)
            for i in order:
                if self._codecs[i].storage.name in deferred:
                    self._decode_column(i, tokens, fine, rng, start, out)
        self._recompute_text_parts(numbers, columns)
        self._set_key_years(numbers, columns, start)
        self._set_key_names(columns, start)
        self._write_topics(tokens, columns, rng)
        for codec in self._codecs:
            name = codec.storage.name
            if name in numbers and isinstance(codec, NumericCodec):
                columns[name] = codec.restore(numbers[name] / codec.scale).reset_index(drop=True)
        shared.columns(columns, rng, start, numbers)
        self._rebuild_text_windows(columns, numbers, entity, carry)  # every text is final
        block = pd.DataFrame(
            {c.storage.name: as_stored(columns[c.storage.name], c.storage) for c in self._decoded_codecs()}
        )
        block = self._with_session_keys(block, shared, start, rng)
        rows = shared.rows_in_order(numbers)
        return block if rows is None else self._in_order(block, rows)

    def _detect_topics(self, frame: pd.DataFrame) -> list[topics.Topics]:
        """Text columns written in the words of a label (topics.py); not where entities share
        values (a rewritten text would differ between an entity's rows)."""
        if self._entities is not None or not self.config.write_prose:
            return []
        return topics.detect(frame, self._table_codecs(), self.config.rare_category_min_count, self.config.seed)

    def _write_topics(
        self, tokens: dict[int, np.ndarray], columns: dict[str, pd.Series], rng: np.random.Generator
    ) -> None:
        """Each written text of a topic column again, by its row's label's chain."""
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        for topic in self._topics:
            codec = self._codecs[index[topic.text]]
            assert isinstance(codec, CategoricalCodec) and codec.prose is not None
            bands = codec.prose_bands(tokens[index[topic.text]])
            columns[topic.text] = topic.write(columns[topic.text], bands, columns[topic.label], codec.prose, rng)

    def _set_key_years(self, numbers: dict[str, np.ndarray], columns: dict[str, pd.Series], start: int) -> None:
        """Keys whose parts hold the year of a date, from the final dates (``_with_key_years``)."""
        key = self._entities.key if self._entities is not None else None
        for codec in [c for c in self._codecs if isinstance(c, IdentifierCodec) and c.year_parts()]:
            if codec.storage.name == key:
                continue  # one per entity: _Sharing.columns
            keys = codec.decode_with_years(start, _key_years(codec, numbers))
            columns[codec.storage.name] = codec.nulls_as(keys, columns[codec.storage.name])

    def _set_key_names(self, columns: dict[str, pd.Series], start: int) -> None:
        """E-mail keys and pseudonyms that spell the synthetic row's names (``_with_key_names``,
        ``_spell_pseudonymised_names``)."""
        for key in [c for c in self._codecs if isinstance(c, IdentifierCodec) and c.name_columns()]:
            names = {name: columns[name] for name in key.name_columns()}
            columns[key.storage.name] = key.nulls_as(key.decode_with_names(start, names), columns[key.storage.name])
        for name, fmt in self._stand_in_keys.items():
            if "names" in fmt and name in columns:
                spelled = {label: columns[label] for label in fmt["names"]["columns"]}
                columns[name] = spelled_addresses(columns[name], spelled, fmt["names"])

    def _in_order(self, block: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """The block's rows taken in ``rows`` order (each entity's rows in their order), its fresh
        keys left where they were: they run on along the rows as they were issued. Why: an
        ``order_id`` that followed each customer's orders in time came back in any order within
        the customer (ascending in 7% of them, real: all). A key whose nulls are learned is null
        where its row took the null: the issued keys run on along the rows that hold one."""
        ordered = block.take(rows).reset_index(drop=True)
        for codec in self._decoded_codecs():
            if isinstance(codec, IdentifierCodec):
                name = codec.storage.name
                held = ordered[name].notna().to_numpy() if codec.learns_nulls else None
                ordered[name] = _issued_along(block[name], held)
        return ordered

    def _decoding(self, size: int, entity: np.ndarray | None, carry: _Carry | None) -> _Decoded:
        return _Decoded(size, self._entity_sharing(entity, carry), self._steering_parts())

    def _add_clocks(
        self,
        numbers: dict[str, np.ndarray],
        columns: dict[str, pd.Series],
        entity: np.ndarray | None,
        carried: bool,
        to_come: int,
    ) -> None:
        """Each trend column, learned as its difference from its clock, back in its own terms (a
        difference or clock all entities share is a one-token column: decoded as a label), each
        entity moved into the column's real range: with the rows its clock runs on to in the blocks
        after, where it numbers the rows (``to_come``), and not again in them (``carried``)."""
        if self._entities is None or entity is None:
            return
        by_name = {c.storage.name: c for c in self._codecs}
        for moved, clock in self._entities.trends.items():
            unit = self._entities.units.get(moved)
            origins = _decoded_number(by_name[moved], numbers, columns)
            if unit is not None:  # a date: in scale units (nanoseconds), whole days
                origins = entities.as_calendar_units(origins / DAY_NS, unit)
            values = origins + entities.clock_moves(_decoded_number(by_name[clock], numbers, columns), unit)
            reach = None
            if to_come and clock in self._entities.sequences:  # one a row: where the last entity ends
                reach = float(values[entity == entity[-1]].max() + entities.clock_moves(np.array([to_come]), unit)[0])
            low, high = self._entities.ranges[moved]
            values = entities.kept_in_range(values, entity, low, high, carried, reach)
            numbers[moved] = values if unit is None else entities.from_calendar_units(values, unit) * DAY_NS
            for rider in [r for r, m in self._entities.riders.items() if m == moved and unit is not None]:
                ticks = _decoded_number(by_name[rider], numbers, columns)  # nanoseconds
                numbers[rider] = entities.shifted_ticks(ticks, values - origins, str(unit), DAY_NS)

    def _match_parts(self, numbers: dict[str, np.ndarray], entity: np.ndarray | None) -> None:
        """Each entity's rows put on the dates (of a daily or monthly trend, ``_with_matched_parts``) of the
        weekday or month drawn with them, as far as the entity has dates of it (entities.matched_slots): the
        date, the clock it moves with and whatever else moves with that clock go to the row that takes the
        place. Not where rising numbers were sorted along the order."""
        ent = self._entities
        if ent is None or entity is None or ent.rising:
            return
        for hidden in sorted(self._matched):
            part = self._hidden[hidden]
            clock = ent.trends[part.date]
            slot = dateparts.part_values(part.part, numbers[part.date])
            drawn = np.clip(np.rint(numbers[hidden]), *dateparts.part_range(part.part))
            if np.isnan(slot).any() or np.isnan(drawn).any():
                continue
            rows = entities.matched_slots(entity, numbers[clock], slot, drawn)
            moving = [clock, *(d for d, c in ent.trends.items() if c == clock)]
            moving += [r for r, d in ent.riders.items() if d in moving]
            moving += [seq for seq, c in ent.clocks.items() if c in moving]  # a row number that follows the date
            for name in dict.fromkeys(moving):
                numbers[name] = numbers[name][rows]

    def _walk_bonds_in(
        self,
        frame: pd.DataFrame,
        codecs: list[Codec],
        walks: list[str],
        among: set[str] | None = None,
        dates: bool = False,
    ) -> tuple[set[str], list[constraints.Relation], list[spans.Span]]:
        """Of the ``walks``, those bound to other columns by a sum, span, formula or a relation
        with a column of the row; and the relations that pair a walk with a column the entity's
        rows share (``balance <= credit_limit``), which hold once the walk is rebuilt. Relations
        ``among`` a group of columns that move together (a date and the dates that follow it) bind nothing.
        ``dates``: the walks are dates summed from their steps, which a span from a date the entity's
        rows share to one of them binds not: it is recomputed once they are final (``DATEDIFF('day',
        first_seen, ts)``: learned as a date of no steps, a user's events scattered over their span, a
        median 14 hours apart, real 38 seconds); and the spans of the ``walks``, found on their values
        (they are learned as steps)."""
        relations, sums, found_spans, found_formulas = self._relations_in(frame, codecs, self._trend_columns())
        relations = [r for r in relations if not {r.left, r.right} <= (among or set())]
        shared = set(self._shared_columns())
        bonds = [r for r in relations if not r.equal and len({r.left, r.right} & shared) == 1]
        bound = {
            *(name for r in relations if r not in bonds for name in (r.left, r.right)),
            *_arithmetic_columns(
                sums, [s for s in found_spans if not (dates and _from_shared(s, walks, shared))], found_formulas
            ),
            *(span.result for span in found_spans),
        }
        return bound & set(walks), bonds, [span for span in found_spans if {span.start, span.end} & set(walks)]

    def _hold_trend_bonds(
        self, numbers: dict[str, np.ndarray], bonds: list[constraints.Relation], entity: np.ndarray | None
    ) -> None:
        """Each relation of a trend column with a column its entity shares, held by moving the
        shared value (all the entity's rows alike) past the entity's first or last trend value: an
        account that would open after its first snapshot month opens in that month (a strict
        relation: a grid step before), and its months keep their steps."""
        if entity is None:
            return
        shared, by_name = set(self._shared_columns()), {c.storage.name: c for c in self._codecs}
        for bond in bonds:
            if bond.left not in numbers or bond.right not in numbers:
                continue
            moved = bond.left if bond.left in shared else bond.right
            codec = by_name[moved]
            assert isinstance(codec, NumericCodec)  # a relation is between numbers
            step = (codec.quantum or (codec.scale if codec.domain == "time" else 0.0)) if bond.strict else 0.0
            if moved == bond.left:  # shared <= trend: at most the entity's first trend value
                first = pd.Series(numbers[bond.right]).groupby(entity).transform("min").to_numpy()
                numbers[moved] = np.fmin(numbers[moved], first - step)
            else:  # trend <= shared: at least its last
                last = pd.Series(numbers[bond.left]).groupby(entity).transform("max").to_numpy()
                numbers[moved] = np.fmax(numbers[moved], last + step)

    def _trend_bonds(self) -> list[constraints.Relation]:
        """The relations of a trend column with a column the entity's rows share (see ``_trend_bonds_in``)."""
        trends = set(self._entities.trends) if self._entities is not None else set()
        return [r for r in self._relations if {r.left, r.right} & trends]

    def _walking_relations(self) -> list[constraints.Relation]:
        """The relations that pair a walk, a stepped date or a date that follows it with a column
        the entity's rows share: they hold once the walk or the dates are rebuilt from their steps."""
        ent = self._entities
        if ent is None:
            return []
        walks = {
            *ent.walks,
            *ent.steps,
            *ent.drifts,
            *(f for name in ent.steps for f in _followers(self._codecs, name)),
        }
        return [r for r in self._relations if {r.left, r.right} & walks]

    def _add_walks(
        self,
        numbers: dict[str, np.ndarray],
        columns: dict[str, pd.Series],
        entity: np.ndarray | None,
        carry: _Carry | None,
    ) -> None:
        """Each walk column, learned as its steps, summed along the entity's order and centred on
        the entity's drawn mean, kept in the column's real range and on its decimals. An entity
        longer than a block goes on from its last value in the block before (it started its path
        anew there: a sensor's temperature jumped by up to 18.6 degrees, real steps 0.24 at most)."""
        ent = self._entities
        if ent is None or entity is None or not ent.walks or ent.order is None:
            return
        by_name = {c.storage.name: c for c in self._codecs}
        order = _decoded_number(by_name[ent.order], numbers, columns)
        for name in ent.walks:
            steps = _decoded_number(by_name[name], numbers, columns)
            level = _decoded_number(by_name[ent.profiles[name]], numbers, columns)
            went_on_from = None if carry is None else carry.walked.get(name)
            path = entities.walked(steps, order, entity, level, went_on_from)
            low, high = ent.ranges[name]
            values = entities.kept_in_range(path, entity, low, high, went_on_from is not None)
            codec = by_name[name]
            assert isinstance(codec, NumericCodec)
            numbers[name] = self._on_entity_step(name, values, codec)

    def _add_drifts(
        self,
        numbers: dict[str, np.ndarray],
        columns: dict[str, pd.Series],
        entity: np.ndarray | None,
        carry: _Carry | None,
        to_come: int,
    ) -> None:
        """Each drifting number, learned less its entity's mean and line, back on them: the entity's
        drawn mean plus its slope times the row's place from the entity's middle row along its order
        (counting the rows of an entity longer than a block in the blocks before, ``carry``, and
        after, ``to_come``), kept in the column's real range (but for the tail draws of what was
        learned) and on its decimals."""
        ent = self._entities
        if ent is None or entity is None or not entity.size or not ent.drifts or ent.order is None:
            return
        by_name = {c.storage.name: c for c in self._codecs}
        here = np.bincount(entity)[entity]
        done = np.where(entity == 0, 0 if carry is None else carry.done, 0)
        rows = here + done + np.where(entity == entity[-1], to_come, 0)
        places = entities.row_places(entity, _decoded_number(by_name[ent.order], numbers, columns), done, rows)
        for name, drift in ent.drifts.items():
            codec = by_name[name]
            assert isinstance(codec, NumericCodec)  # entities.entity_drifts: a number's
            learned = _decoded_number(codec, numbers, columns)
            mean = _decoded_number(by_name[ent.profiles[name]], numbers, columns)
            values = learned + mean + _decoded_number(by_name[drift], numbers, columns) * places
            (low, high), (learned_low, learned_high) = ent.ranges[name], codec.p.clip
            beyond_low, beyond_high = np.fmin(0.0, learned - learned_low), np.fmax(0.0, learned - learned_high)
            values = np.clip(values, low + beyond_low, high + beyond_high)  # a tail draw of what was learned goes on
            numbers[name] = self._on_entity_step(name, values, codec)

    def _on_entity_step(self, name: str, values: np.ndarray, learned: NumericCodec) -> np.ndarray:
        """A walk's or drift's values on the column's step (``_keep_step``) and decimals."""
        if step := self._entity_steps.get(name):
            values = np.rint(values / step) * step
        return values if learned.p.decimals is None else np.round(values, learned.p.decimals)

    def _add_steps(self, numbers: dict[str, np.ndarray], entity: np.ndarray | None, carry: _Carry | None) -> None:
        """Each date learned as its steps, summed in the entity's row order from its first date (or
        on from its last date in the block before), each entity moved into the date's real range."""
        ent = self._entities
        if ent is None or entity is None or not ent.steps:
            return
        for name in [n for n in ent.steps if n in numbers]:
            went_on_from = None if carry is None else carry.walked.get(name)
            dates = entities.stepped_on(numbers[name], numbers[ent.starts[name]], entity, went_on_from)
            carried = carry if went_on_from is not None else None
            self._set_dates(numbers, name, self._dates_in_range(numbers, name, dates, entity, carried))

    def _stretch_entities(
        self, numbers: dict[str, np.ndarray], entity: np.ndarray | None, carried: bool, to_come: int
    ) -> None:
        """Each time an entity's first or last is taken of (``Entities.ends``: ``MIN(ts) OVER
        (PARTITION BY user_id)``) moved within each entity onto its drawn first and last
        (``entities.stretched_onto``; those moved into the time's real range first:
        ``entities.ends_in_range``), on its own grid, before its weekday and hour steer it; an
        entity cut at a block's end (``carried`` in from the block before, ``to_come`` rows in the
        blocks after) as it is. The ends are rebuilt of the final times (``_rebuild_ends``)."""
        ent = self._entities
        if ent is None or entity is None or not ent.ends or not entity.size:
            return
        kept = np.zeros(entity.size, dtype=bool)
        if carried:
            kept |= entity == entity[0]
        if to_come:
            kept |= entity == entity[-1]
        by_name = {c.storage.name: c for c in self._codecs}
        for source in {s for s, _ in ent.ends.values() if s in numbers}:
            ends = {how: name for name, (s, how) in ent.ends.items() if s == source and name in numbers}
            first, last = (numbers[ends[how]] if how in ends else None for how in ("min", "max"))
            codec = by_name[source]
            assert isinstance(codec, NumericCodec)
            low, high = ent.ranges.get(source) or [float(v) * codec.scale for v in codec.p.clip]
            first, last = entities.ends_in_range(first, last, low, high)
            moved = entities.stretched_onto(numbers[source], entity, first, last, kept)
            quantum = codec.quantum
            self._set_dates(numbers, source, moved if quantum is None else np.round(moved / quantum) * quantum)

    def _rebuild_ends(self, numbers: dict[str, np.ndarray], entity: np.ndarray | None) -> None:
        """Each entity's first and last times (``Entities.ends``) of its rows' final times (an entity
        cut at a block's end: of all its rows once it ends, ``_whole_entities``)."""
        ent = self._entities
        if ent is None or entity is None:
            return
        for name, (source, how) in [(n, w) for n, w in ent.ends.items() if w[0] in numbers]:
            numbers[name] = entities.totals_of(numbers[source], entity, how)
        spans.recompute(numbers, [s for s in self._spans if {s.start, s.end} & set(ent.ends)])  # days since first

    def _hold_still_steps(self, numbers: dict[str, np.ndarray], session: np.ndarray | None) -> None:
        """A stepped date constant within its sessions (``Sessions.still``) takes no step within
        one: each row but a session's first is its entity's first date plus a step of 0. Why:
        drawn per row, a ``session_start`` changed within 3% of synthetic sessions (real: none)."""
        ses, ent = self._sessions, self._entities
        if ses is None or ent is None or session is None:
            return
        within = sessions.within_rows(session)
        for name in [n for n in ses.still if n in numbers and ent.starts[n] in numbers]:
            numbers[name] = np.where(within, numbers[ent.starts[name]], numbers[name])

    def _session_totals(self) -> dict[str, tuple[str, str]]:
        return {} if self._sessions is None else self._sessions.totals

    def _total_sessions(
        self, numbers: dict[str, np.ndarray], session: np.ndarray | None, columns: dict[str, pd.Series]
    ) -> None:
        """Each session total (an order's total: the sum of its lines) from its session's rows as
        drawn and final, on its column's decimals; a row in no session keeps the value it drew.
        Its relations are not mended on the drawn value (``_decode``): ``unit_price <= order_total``
        moved a line's price down onto a drawn total it was about to lose, which put 2% of order
        lines at another price than their product's."""
        ses = self._sessions
        if ses is None or session is None or not ses.totals:
            return
        flag = columns.get(ses.nulls) if ses.nulls is not None else None
        alone = flag.isin([True]).to_numpy() if flag is not None else np.zeros(session.size, dtype=bool)
        by_name = {c.storage.name: c for c in self._codecs}
        self._stretch_sessions(numbers, session, alone, by_name)
        sessions.with_totals(numbers, session, ses.totals, alone)
        for name in [n for n in ses.totals if n in numbers]:
            codec = by_name[name]
            if isinstance(codec, NumericCodec) and codec.domain == "number" and codec.p.decimals is not None:
                numbers[name] = table_windows.rounded(numbers[name], codec.p.decimals)
        spans.recompute(numbers, [s for s in self._spans if {s.start, s.end} & set(ses.totals)])  # a session's length

    def _stretch_sessions(
        self, numbers: dict[str, np.ndarray], session: np.ndarray, alone: np.ndarray, by_name: dict[str, Codec]
    ) -> None:
        """Each time a session's first or last is taken of (``MIN(ts) OVER (PARTITION BY session_id)``)
        moved within each session onto its drawn first and last (``sessions.stretched``), on its
        own grid; the first and last are then rebuilt of it (``with_totals``)."""
        ses = self._sessions
        assert ses is not None
        times = {name: c for name, c in by_name.items() if isinstance(c, NumericCodec) and c.domain == "time"}
        for source in {s for s, how in ses.totals.values() if how in ("min", "max") and s in times}:
            ends = {how: name for name, (s, how) in ses.totals.items() if s == source and how in ("min", "max")}
            first, last = (numbers.get(ends[how]) if how in ends else None for how in ("min", "max"))
            if source not in numbers or (first is None and last is None):
                continue
            moved = sessions.stretched(numbers[source], session, first, last, alone)
            quantum = times[source].quantum
            numbers[source] = moved if quantum is None else np.round(moved / quantum) * quantum

    def _sort_within_sessions(self, numbers: dict[str, np.ndarray], session: np.ndarray | None) -> None:
        """Each number that rises along a session's rows (``Sessions.rising``) in ascending order
        within each synthetic session. Why: an event's ``ts`` learned as its offset from its
        ``session_start`` was drawn per row, out of row order in 67% of synthetic sessions (real:
        none)."""
        if self._sessions is None or session is None:
            return
        for name in [n for n in self._sessions.rising if n in numbers]:
            numbers[name] = sessions.sorted_within(numbers[name], session)

    def _keep_dates_in_range(
        self, numbers: dict[str, np.ndarray], entity: np.ndarray | None, carry: _Carry | None
    ) -> None:
        """Each entity's dates learned as offsets from its first date moved together into the
        date's real range and past the days its rows share and must not precede
        (``entities.dates_kept_in_range``; the dates that follow them moved as far), as summed
        steps are. Why: a late first date plus a long offset went past the real dates: a shop's
        orders, none after June 2024, came back 0.6% later, up to December 2025."""
        ent = self._entities
        if ent is None or entity is None:
            return
        for name in [n for n in ent.starts if n not in ent.steps and n in numbers and n in ent.ranges]:
            self._set_dates(numbers, name, self._dates_in_range(numbers, name, numbers[name], entity, carry))

    def _dates_in_range(
        self,
        numbers: dict[str, np.ndarray],
        name: str,
        values: np.ndarray,
        entity: np.ndarray,
        carry: _Carry | None,
    ) -> np.ndarray:
        """``values`` of the date ``name`` kept within its range and past its shared bounds."""
        ent = self._entities
        assert ent is not None
        low, high = ent.ranges[name]
        floor = np.full(values.shape, low)
        shared = set(self._shared_columns())
        for bound in [r for r in self._relations if r.right == name and r.left in shared and r.left in numbers]:
            floor = np.fmax(floor, numbers[bound.left] + (1.0 if bound.strict else 0.0))  # NaN: no bound
        return entities.dates_kept_in_range(values, entity, floor, high, carry is not None)

    def _set_dates(self, numbers: dict[str, np.ndarray], name: str, dates: np.ndarray) -> None:
        """``name``'s values become ``dates``, the dates that follow it moved as far (their lags stay)."""
        for follower in [f for f in _followers(self._codecs, name) if f in numbers]:
            numbers[follower] = numbers[follower] + (dates - numbers[name])
        numbers[name] = dates

    def _steering_hidden(self, decoded: Collection[str]) -> list[dateparts.DatePart]:
        """The hidden weekday and hour columns a stepped date among ``decoded`` is moved onto (not
        those set from it: ``_given``)."""
        ent = self._entities
        if ent is None:
            return []
        hidden = [p for p in self._hidden.values() if p.result not in self._given]
        return [p for p in hidden if p.date in ent.steps and p.date in decoded]

    def _steer_stepped_dates(
        self, numbers: dict[str, np.ndarray], entity: np.ndarray | None, carry: _Carry | None
    ) -> None:
        """Each date learned as its steps, once summed, moved onto the weekday and hour drawn for
        each row (the dates that follow it moved as far, so their lags stay; the relations of them
        all are held again next), then its entity back into the date's range by whole weeks (moved
        up to 3 days, 0.1% of a shop's orders ended past the last real one); the entity's rows are
        then put in order by the moved dates (``_Sharing.rows_in_order``). Why not as it is
        decoded: each row's date is its entity's first date plus the steps before it, so a step
        moved every date after it."""
        ent = self._entities
        if ent is None or entity is None:
            return
        steering = self._steering_hidden(numbers)
        summed = {part.date: numbers[part.date] for part in steering}
        for part in steering:
            self._set_dates(numbers, part.date, self._steered(numbers[part.date], numbers[part.result], part, entity))
        for date in summed:
            parts = [part for part in steering if part.date == date]
            self._set_dates(numbers, date, self._went_on_past_cut(numbers[date], summed[date], parts, entity, carry))
            self._set_dates(numbers, date, self._dates_in_range(numbers, date, numbers[date], entity, carry))

    def _went_on_past_cut(
        self,
        steered: np.ndarray,
        summed: np.ndarray,
        parts: list[dateparts.DatePart],
        entity: np.ndarray,
        carry: _Carry | None,
    ) -> np.ndarray:
        """A stepped date's ``steered`` values, its carried entity's rows moved on past its last date
        in the block before (``entities.went_on_not_before``): by whole days where only its hour
        steered them (``parts``), else by whole weeks, so the drawn weekday stays too; by visits
        where the hour moves visits (``_steered``)."""
        last = None if carry is None else carry.walked.get(parts[0].date)
        if last is None:
            return steered
        unit = DAY_NS if {p.part for p in parts} == {dateparts.HOUR} else 7 * DAY_NS
        gap = VISIT_GAP_NS if any(p.result in self._by_visits for p in parts) else None
        return entities.went_on_not_before(steered, summed, entity, last, unit, gap)

    def _move_past_shared_bounds(self, numbers: dict[str, np.ndarray], entity: np.ndarray | None) -> None:
        """Each entity whose first date (of those it keeps close together, where an older artifact
        gives them no range: ``_dates_in_range`` holds the bounds of the others) comes
        before a column its rows share and must not precede (``signed_up <= ordered_at``) moved on
        by whole weeks past it, with the dates that follow it. Why: the
        entity's first date and its sign-up day are drawn together, once per entity, each within
        its own bin, so 4.3% of a test table's orders came before the sign-up day; raised one by
        one onto it, they lost their clock time or their order and ship time swapped places (a
        delivery 23 hours before its order). Moved whole weeks, the entity keeps its steps, lags,
        weekdays and clock times."""
        ent = self._entities
        if ent is None or entity is None:
            return
        shared = set(self._shared_columns())
        for date in [d for d in ent.starts if d not in ent.ranges and d in numbers]:
            bounds = [r for r in self._relations if r.right == date and r.left in shared and r.left in numbers]
            if not bounds:
                continue
            first = pd.Series(numbers[date]).groupby(entity).transform("min").to_numpy()
            weeks = np.zeros(first.size)
            for bound in [r for r in bounds if not r.equal]:
                short = (numbers[bound.left] - first) / (7 * DAY_NS)  # NaN for a null: not moved
                need = np.where(short >= 0, np.floor(short) + 1, 0) if bound.strict else np.ceil(np.fmax(short, 0))
                weeks = np.fmax(weeks, np.nan_to_num(need))
            moved = weeks * 7 * DAY_NS
            for name in [date, *(f for f in _followers(self._codecs, date) if f in numbers)]:
                numbers[name] = numbers[name] + moved

    def _decode_column(
        self,
        i: int,
        tokens: dict[int, np.ndarray],
        fine: dict[int, np.ndarray],
        rng: np.random.Generator,
        start: int,
        out: _Decoded,
    ) -> None:
        codec, name = self._codecs[i], self._codecs[i].storage.name
        number = self._decoded_numbers(i, tokens, fine, rng, out)
        if number is not None:
            out.numbers[name] = number
        if name in out.numbers:
            for part in out.steering.get(name, []):
                drawn = out.numbers.get(part.result)
                if drawn is None:  # a weekday name
                    drawn = out.columns[part.result].to_numpy(dtype=object)
                out.numbers[name] = self._steered(out.numbers[name], drawn, part, out.sharing.entity)
        if isinstance(codec, NumericCodec) and name in out.numbers:
            out.sharing.share(name, out.numbers)
            out.signs[name] = (codec.p.bounds[0], codec.p.bounds[1])
            if codec.quantum is not None:
                out.quanta[name] = codec.quantum
            if codec.p.calendar:
                out.snaps[name] = codec.calendar_snap
        else:
            toks = tokens.get(i, np.zeros(out.size, dtype=np.int32))
            out.columns[name] = codec.decode(toks, rng, start).reset_index(drop=True)
            if name in self._stand_in_keys and isinstance(codec, CategoricalCodec):
                keys = StandInKeys(codec.storage, self._stand_in_keys[name])
                out.columns[name] = keys.fill(out.columns[name], codec.stand_ins(toks), rng, start)

    def _decoded_numbers(
        self,
        i: int,
        tokens: dict[int, np.ndarray],
        fine: dict[int, np.ndarray],
        rng: np.random.Generator,
        out: _Decoded,
    ) -> np.ndarray | None:
        """Codec ``i``'s values in ``scale`` units, if it is a number: rebuilt from its anchor (an
        offset), a calendar's dates as chosen (``out.given``), or drawn inside its tokens' bins."""
        codec = self._codecs[i]
        if isinstance(codec, OffsetCodec):  # its anchor is decoded before it
            return self._rebuilt(codec, tokens[i], fine.get(i), rng, out)
        if isinstance(codec, NumericCodec) and codec.storage.name in out.given:
            return out.given[codec.storage.name]
        if isinstance(codec, NumericCodec) and codec.n_tokens >= 2:
            return codec.numeric_decoded(tokens[i], rng, fine.get(i)) * codec.scale
        return None

    def _steered(
        self, dates: np.ndarray, drawn: np.ndarray, part: dateparts.DatePart, entity: np.ndarray | None
    ) -> np.ndarray:
        """``dates`` moved onto the ``drawn`` weekday or hour; a visit's dates (an entity's within
        ``VISIT_GAP_NS`` of each other) by their first one's move, where the hour moves visits
        (``_by_visits``). Why: moved onto hours drawn for each click, a visit's clicks minutes
        apart would land hours apart; not moved, an evening shop's visits drifted over the whole
        day (22% of clicks at night, real none)."""
        steered = dateparts.steered(dates, drawn, part.part)
        if part.result not in self._by_visits or entity is None:
            return steered
        return dates + entities.by_runs(steered - dates, dates, entity, VISIT_GAP_NS)

    def _rebuilt(
        self, codec: OffsetCodec, tokens: np.ndarray, fine: np.ndarray | None, rng: np.random.Generator, out: _Decoded
    ) -> np.ndarray:
        """An offset date from its decoded anchor, an entity's first instant held by one row where
        the real ones are (``entities.untied_firsts``)."""
        values = codec.rebuilt(out.numbers[codec.anchor], tokens, rng, fine)
        ent, entity = self._entities, out.sharing.entity
        if ent is None or entity is None or codec.storage.name not in ent.untied:
            return values
        return entities.untied_firsts(values, entity, rng)

    def _set_bands(self, tokens: dict[int, np.ndarray], numbers: dict[str, np.ndarray], deferred: set[str]) -> None:
        """Each band's label from its final number, then what dependencies derive from the labels
        (a label drawn by a dependency keeps the band's value: the number has the last word)."""
        index = {c.storage.name: i for i, c in enumerate(self._codecs)}
        for band in self._bands:
            label = index[band.label]
            tokens[label] = band.label_tokens(numbers[band.number], tokens[label])
        labels = {b.label for b in self._bands}
        derived = [d for d in self._dependencies if d.determinant in deferred and d.dependent not in labels]
        dependencies.enforce(tokens, derived, index)

    def _entity_sharing(self, entity: np.ndarray | None, carry: _Carry | None = None) -> _Sharing:
        if self._entities is None or entity is None:
            return _Sharing(None, np.zeros(0, dtype=np.int64), [], None)
        key = next(c for c in self._codecs if c.storage.name == self._entities.key)
        sharing = _Sharing(entity, entities.first_rows(entity), self._shared_columns(), key)
        sharing.sequences, sharing.clocks = self._entities.sequences, self._entities.clocks
        sharing.descending = set(self._entities.descending)
        sharing.gaps = self._entities.gaps
        sharing.moving = self._entities.moving
        sharing.nulls = self._entities.nulls
        sharing.order = self._entities.order or next(iter(self._entities.starts), None)  # else a date they keep
        if carry is not None:
            sharing.done, sharing.carried = carry.done, self._carried_numbers(carry.values)
            sharing.last = carry.numbered
        return sharing

    def _carried_numbers(self, values: pd.DataFrame) -> dict[str, float]:
        """The carried entity's shared numbers as the block before decoded them, so this block
        repairs its relations (signed up <= visited) against them and not against a fresh draw."""
        by_name = {c.storage.name: c for c in self._codecs}
        return {
            name: float(codec.numeric_view(values[name])[0])
            for name in values.columns
            if type(codec := by_name[name]) is NumericCodec and codec.n_tokens >= 2
        }

    def _check_fitted(self) -> None:
        if not self._codecs:
            raise ModelError("the synthesizer is not fitted; call fit(data) or Synthesizer.load(url) first")

    # ------------------------------------------------------------------ artifact / report

    def save(self, url: str | os.PathLike[str], *, storage_options: dict[str, Any] | None = None) -> str:
        """Write the portable artifact (JSON + .npz arrays, no pickle) to ``url`` (a path or any
        fsspec URL); returns it as text."""
        self._check_fitted()
        artifact.save(self, os.fspath(url), storage_options=storage_options)
        return os.fspath(url)

    @classmethod
    def load(cls, url: str | os.PathLike[str], *, storage_options: dict[str, Any] | None = None) -> Synthesizer:
        """Read an artifact; never executes code; ArtifactError when tampered or invalid."""
        return artifact.load(cls, os.fspath(url), storage_options=storage_options)

    @property
    def cut_entities_break_windows(self) -> bool:
        """Whether an entity's rows cut short (the first ``n`` of more) break its window columns
        (``Entities.ahead``) or its sessions' totals (an order's total of its lines): then a caller
        that wants ``n`` rows asks for exactly ``n``, and the engine cuts the last entity itself,
        its windows and totals over the rows it gives."""
        return self._entities is not None and (bool(self._entities.ahead) or bool(self._session_totals()))

    @property
    def table_window_columns(self) -> list[str]:
        """The columns that are windows over all the table's rows (``table_windows``: a running total
        ``OVER (ORDER BY day)``, a rank ``OVER (ORDER BY revenue DESC)``); empty without any. A caller
        that puts the sampled rows together from several calls (refills, shards) rebuilds them over the
        rows it ends with (``with_table_windows``)."""
        return [] if self._table_windows is None else list(self._table_windows.windows)

    def with_table_windows(self, data: pd.DataFrame | pa.Table) -> pd.DataFrame | pa.Table:
        """``data``, rows this model sampled in the kind it returns them, with each window over the
        whole table (``table_window_columns``) rebuilt over all of ``data``'s rows, which are put in
        the order the windows run along; ``data`` itself where there are none."""
        self._check_fitted()
        if self._table_windows is None:
            return data
        frame, _ = to_frame(data)
        return to_output(self._over_table(frame), self._schema)

    @property
    def entity_key(self) -> str | None:
        """The column whose values name the entities rows are sampled as (a user's sessions),
        each entity's rows together; None when rows are sampled one by one."""
        return None if self._entities is None else self._entities.key

    def _describe_panel(self, name: str, entry: dict[str, Any]) -> None:
        """A panel's date and segment columns say so in their encoding (``_find_panel``), which the
        report's per-column table shows."""
        if self._panel is None or name not in self.calendar_keys:
            return
        date, *columns = self.calendar_keys
        segment = " and ".join(columns)
        note = (
            f"a panel with {' and '.join(map(repr, columns))}: one row per date and {segment}, each {segment} "
            f"taking its share of the rows on grid points of its own range, no ({', '.join(self.calendar_keys)}) twice"
            if name == date
            else f"the segment of calendar {date!r}'s panel: chosen with the date, the columns after drawn given both"
        )
        entry["encoding"] = "; ".join(filter(None, [entry.get("encoding", ""), note]))

    @property
    def calendar_column(self) -> str | None:
        """The column whose rows each take a date of their own (a daily KPI table's day), None when
        there is none: a caller that replaces sampled rows passes their dates back as
        ``calendar_values`` so every date stays one row's."""
        return self._calendar_name()

    @property
    def calendar_keys(self) -> list[str]:
        """The columns each row holds a combination of its own of: a calendar's date, with a panel
        (one row per day and country) the date and its segment, or a table's cells (a ``GROUP BY``'s
        labels: ``cell_columns``), a quota's label or a design's labels; empty without any. Why:
        the privacy filters' refills put a new row on the date and segment (the combination) of
        each row they drop (``calendar_values``)."""
        if self._cells:
            return list(self._cells)
        if self._quota:
            return [self._quota]
        if self._design:
            return list(self._design.labels)
        calendar = self._calendar_name()
        return [] if calendar is None else [calendar, *self._panel_segments()]

    @property
    def cell_columns(self) -> list[str]:
        """The labels the table holds one row per combination of (cells.py: a ``GROUP BY``'s keys),
        empty where it has none. Why: every synthetic row takes a combination, most of them a
        training row's, where an unseen row's is never one, so the privacy filters leave them out
        of their distances (as a calendar's date)."""
        return list(self._cells)

    @property
    def calendar_columns(self) -> list[str]:
        """The calendar column and the emitted columns recomputed from it (its year, a month's
        name), empty without a calendar. Why: every synthetic row takes these from a grid date,
        most of them a training row's, where an unseen row's date is never one, so a row's nearness
        to training rows on them says nothing of memorisation (the privacy filters leave them out
        of their distances: ``synthpipe.privacy.prepare_filters``' ``grain``)."""
        calendar = self._calendar_name()
        if calendar is None:
            return []
        return [calendar, *(p.result for p in self._parts if p.date == calendar and p.result not in self._hidden)]

    @property
    def keys_to_reserve(self) -> list[str]:
        """The columns of fresh keys that real keys the model did not learn can meet (``reserve_keys``
        reads these): counted keys, and free-form keys made longer than every real one."""
        self._check_fitted()
        return [c.storage.name for c in self._codecs if isinstance(c, IdentifierCodec) and c.reserves]

    def reserve_keys(self, rows: pd.DataFrame | pa.Table | pa.RecordBatch) -> None:
        """Fresh keys stay clear of these rows' keys too: real rows the model was not fitted on
        (the holdout, a table's rows past its bounded training sample). Call it batch by batch on
        every such row before saving; the same rows give the same model.

        Why: keys count on past the largest real key the fit saw, and held-out rows or the rows
        past the sample may hold larger ones, which then came back on synthetic rows."""
        self._check_fitted()
        frame = rows if isinstance(rows, pd.DataFrame) else rows.to_pandas()
        for codec in self._codecs:
            if isinstance(codec, IdentifierCodec) and codec.reserves and codec.storage.name in frame.columns:
                codec.reserve(frame[codec.storage.name])

    def describe(self) -> dict[str, Any]:
        """JSON-able summary for the report: kinds, protections, relations, training facts."""
        self._check_fitted()
        columns = {}
        fields = nested.field_owners(self._nested)
        placed = self._copula_placed()
        computed = self._computed_columns()
        for i, codec in enumerate(self._table_codecs()):
            if codec.storage.name in self._kind_labels.values():  # hidden: never emitted (text_missing)
                continue
            if isinstance(codec, OffsetCodec) and codec.anchor in self._hidden:
                entry = codec.describe(hidden_anchor=True)
            else:
                entry = codec.describe()
            entry["dtype"] = codec.storage.dtype
            learned = i in self._learned and not isinstance(codec, IdentifierCodec)  # a key: at most where it is null
            entry["learned"] = learned or isinstance(codec, OffsetCodec)  # offsets: rebuilt from the anchor
            if with_hidden := self._described_hidden(codec.storage.name):
                entry["learned_with"] = with_hidden
            if codec.storage.name in self._training.get("pseudonymised_keys", ()):
                entry.setdefault("protection", {})["pseudonymised"] = True  # learned on fresh keys, see pseudonyms.py
            if codec.storage.name in self._nested:
                entry["nested"] = self._nested[codec.storage.name]["kind"]  # learned as its JSON text
            if (example := self._written_example(codec)) is not None:  # a number or duration kept as text
                entry["written_as"] = example
            if owner := fields.get(codec.storage.name):
                entry["field_of"] = owner  # an object's field, learned as a column (nested.with_fields)
            if i in placed:
                entry["encoding"] = entry["encoding"].replace(WITHIN_BIN, f"{WITHIN_BIN} {COPULA_PLACES}")
            self._describe_derivation(codec.storage.name, entry, computed)
            self._describe_panel(codec.storage.name, entry)
            columns[codec.storage.name] = self._described_window(codec.storage.name, entry)
        return {
            "engine": "autoregressive-mlp",
            "columns": self._with_described_session_key(columns),
            "constraints": [str(r) for r in self._relations]  # pairings no row holds last: there are many
            + [str(s) for s in self._sums]
            + [str(f) for f in self._formulas]
            + [str(j) for j in self._joins]
            + [str(d) for d in self._dependencies]
            + [str(u) for u in self._unequal]
            + [str(g) for g in self._label_groups]
            + [str(n) for n in self._null_links]
            + [str(s) for s in self._spans]
            + [str(p) for p in self._parts if p.result not in self._hidden]
            + [str(b) for b in self._bands]
            + ([f"{' x '.join(self._cells)}: one row per combination at most"] if self._cells else [])
            + ([f"{self._quota}: each value in its share of the rows (a count within it)"] if self._quota else [])
            + ([str(self._design)] if self._design else [])
            + [str(t) for t in self._topics]
            + [self._described_unseen(u) for u in self._unseen],
            "entities": self._describe_entities(),
            "training": dict(self._training),
            "settings": self.config.model_dump(),
        }

    def _written_example(self, codec: Codec) -> str | None:
        """How a number or duration learned from text is written back, as an example value
        (``'$1,234.57'``, ``'47:15:24'``), which the report's per-column table shows; None for
        other columns."""
        name = codec.storage.name
        if name in self._number_formats:
            places = decimal.Decimal(1).scaleb(-int(codec.storage.extras.get("scale", 0)))
            return self._number_formats[name].written(decimal.Decimal("1234.5678").quantize(places))
        if name in self._duration_layouts:
            return str(self._duration_layouts[name].written(pd.Series(pd.to_timedelta(["47:15:24.123456789"])))[0])
        return None

    def _describe_derivation(self, name: str, entry: dict[str, Any], computed: dict[str, str]) -> None:
        """What column ``name`` is made from, in its ``describe`` entry: the names a key spells, the
        parts a joined text is spelled from, the rule it is recomputed by (``_computed_columns``),
        the label group it is kept near (label_groups.py), the design it is drawn first in (designs.py)."""
        if spelled := self._stand_in_keys.get(name, {}).get("names"):
            entry["spells"] = list(spelled["columns"])
        if join := next((j for j in self._joins if j.result == name), None):
            entry["joins"] = [join.left, join.separator, join.right]  # spelled from the row's parts
        if rule := computed.get(name):
            entry["computed_as"] = rule  # drawn, then recomputed from its parts in every row
        if group := next((g for g in self._label_groups if g.column == name), None):
            entry["kept_near"] = str(group)  # drawn, then redrawn near its group's value where it lay far
        if self._design is not None and name in self._design.labels:
            entry["drawn_first"] = str(self._design)  # each combination's rows chosen for the stream first

    def _computed_columns(self) -> dict[str, str]:
        """The columns recomputed from others after sampling, each with its rule (``describe``).
        Why: the report's per-column table said "learned: quantile bins" of a column the rows
        never keep as drawn (an ``age()`` of two dates, a line total), which read as a column
        that may disagree with its parts."""
        computed = {s.derived: str(s) for s in self._sums} | {s.result: str(s) for s in self._spans}
        computed |= {f.result: str(f) for f in self._formulas}
        if (ses := self._sessions) is not None:  # an order's total: rebuilt from its lines
            computed |= {
                name: f"{name} == {how}({source}) over its {ses.key}'s rows"
                for name, (source, how) in ses.totals.items()
            }
        if (ent := self._entities) is not None:  # a user's last seen: drawn, their rows stretched onto it, rebuilt
            computed |= {
                name: f"{name} == {how}({source}) over its {ent.key}'s rows" for name, (source, how) in ent.ends.items()
            }
        return computed | {p.result: str(p) for p in self._parts if p.result not in self._hidden}

    def _copula_placed(self) -> set[int]:
        """The codecs whose values inside a bin take their places in the order of the copula prior's
        latent scores (``_tokens``): binned numbers without a position stream whose head has a prior."""
        prior = None if self._net is None else self._net.prior
        if prior is None:
            return set()
        chain = self._chain()
        binned = {i for i, c in enumerate(self._codecs) if isinstance(c, NumericCodec) and c.p.knots and not c.n_fine}
        return {i for j, (i, fine) in enumerate(chain) if not fine and i in binned and prior.has_prior(j)}

    def _described_hidden(self, name: str) -> str | None:
        """What the date ``name`` is learned with: its hidden parts, drawn before it (it is moved
        onto them) or set from it (``_given``), for the columns after it."""
        parts = [p for p in self._hidden.values() if p.date == name]
        matched = [p.part.split("(")[0] for p in parts if p.result in self._matched]
        if matched:
            return f"its {matched[0]}, drawn with each row, which puts the row on a date of it (hidden: never emitted)"
        drawn = [p.part.split("(")[0] for p in parts if p.result not in self._given]
        given = [p.part.split("(")[0] for p in parts if p.result in self._given]
        said = [f"its {', '.join(drawn)}"] if drawn else []
        said += [f"its {', '.join(given)} as decoded, given to the columns after it"] if given else []
        return f"{'; '.join(said)} (hidden columns: learned, never emitted)" if said else None

    def _first_anchored(self, name: str) -> str:
        """How the entity's first date of ``name`` is drawn, where it is an offset from a date the
        entity shares (``_anchored_first_dates``); "" otherwise."""
        first = self._entities.starts[name] if self._entities is not None else None
        codec = next((c for c in self._codecs if c.storage.name == first), None)
        return f" (drawn as its offset from {codec.anchor})" if isinstance(codec, OffsetCodec) else ""

    def _skips(self, name: str) -> str:
        """How often a sequence skips numbers, as its real rows do ("" for one that never does)."""
        shares = self._entities.gaps.get(name) if self._entities is not None else None
        return f", skipping in {1 - shares[0]:.1%} of steps as the real rows do" if shares else ""

    def _described_trend(self, name: str, entry: dict[str, Any]) -> dict[str, Any]:
        """A trend column's codec holds its entity's difference from the clock, a walk's its steps:
        say so, and give the range its values are kept in rather than the codec's clip points."""
        if self._entities is not None and name in self._entities.drifts:
            key, order = self._entities.key, self._entities.order
            learned = entry.get("encoding", "quantile bins")
            entry["encoding"] = (
                f"less {key}'s mean and line along {order} ({learned}); added back, drawn once per {key}"
            )
            entry.setdefault("protection", {})["clipped_to"] = list(self._entities.ranges[name])
            return entry
        if self._entities is not None and name in self._entities.walks:
            key, order = self._entities.key, self._entities.order
            learned = entry.get("encoding", "exact values")
            entry["encoding"] = f"steps from the previous row along {order} ({learned}), summed around {key}'s mean"
            entry.setdefault("protection", {})["clipped_to"] = list(self._entities.ranges[name])
            return entry
        if self._entities is not None and name in self._entities.steps:
            key, pace = self._entities.key, self._entities.profiles.get(name)
            learned = entry.get("encoding", "")
            learned = learned.replace(
                f"offset from {self._entities.starts[name]}", f"step from {key}'s previous row", 1
            )
            paced = f" at {pace}" if pace else ""
            entry["encoding"] = f"{learned}; summed from {key}'s first {name}{self._first_anchored(name)}{paced}"
            return entry
        if self._entities is not None and name in self._entities.starts and "encoding" in entry:
            first = self._entities.starts[name]
            said = f"offset from {first}"
            entry["encoding"] = entry["encoding"].replace(said, f"{said}{self._first_anchored(name)}", 1)
        if self._entities is not None and name in self._entities.riders:
            moved = self._entities.riders[name]
            entry["encoding"] = f"{entry.get('encoding', 'exact values')}; moved as far as {moved} is"
            return entry
        if self._entities is not None and name in self._entities.ranks:
            dated, key = self._entities.ranks[name], self._entities.key
            numbers = f"1, 2, ...{self._skips(name)}"
            entry["encoding"] = f"numbers each {key}'s rows in {dated} order, {numbers} (never emitted)"
            return entry
        if self._entities is not None and name in self._entities.gaps:
            learned, key = entry.get("encoding", "exact values"), self._entities.key
            entry["encoding"] = f"{learned}; renumbered within each {key}{self._skips(name)}"
            return entry
        if self._entities is None or name not in self._entities.trends:
            return entry
        clock, key = self._entities.trends[name], self._entities.key
        learned = entry.get("encoding", "exact values")
        unit = self._entities.units.get(name)
        if unit is None:
            entry["encoding"] = f"{name} - {clock}, one per {key} ({learned}); {clock} added back"
            entry.setdefault("protection", {})["clipped_to"] = list(self._entities.ranges[name])
            return entry
        count, base = entities.unit_parts(unit)
        base = "months" if base == "month ends" else base
        steps = f"{clock} {base}" if count == 1 else f"{count} {base} per {clock}"
        entry["encoding"] = f"{name} at {clock} 0, one per {key} ({learned}); {steps} added"
        days = entities.from_calendar_units(np.asarray(self._entities.ranges[name]), unit)
        ends = (
            np.rint(days / entities.SECOND_DAYS).astype("int64").astype("datetime64[s]")
            if base == "seconds"
            else days.astype("int64").astype("datetime64[D]")
        )
        entry.setdefault("protection", {})["clipped_to"] = [str(day) for day in ends]
        return entry

    def _described_window(self, name: str, entry: dict[str, Any]) -> dict[str, Any]:
        """A running sum, lag, difference or extreme: how it is rebuilt (``_rebuild_windows``); any
        other column as ``_described_trend`` says."""
        tw, ent = self._table_windows, self._entities
        if tw is not None and name in tw.windows:
            return {**entry, "encoding": f"{tw.rule(name)}: rebuilt over all the synthetic rows (not learned)"}
        if ent is None or name not in ent.windowed:
            return self._described_trend(name, entry)
        along = f"along {ent.order} within each {ent.key}, from the drawn values (not learned)"
        if name in ent.running:
            source, nulls_first = ent.running[name]
            summed = f"sum of {source}" if nulls_first else f"sum of coalesce({source}, 0)"
            return {**entry, "encoding": f"running {summed} {along}"}
        if name in ent.firsts:
            return {**entry, "encoding": f"first_value({ent.firsts[name]}) {along}"}
        if name in ent.extremes:
            source, way = ent.extremes[name]
            so_far = f"last value of {source} so far" if way == "last" else f"running {way} of {source}"
            return {**entry, "encoding": f"{so_far} (nulls skipped) {along}"}
        aggregate = self._aggregate_window_text(name)
        if aggregate is not None:
            return {**entry, "encoding": aggregate}
        if name in ent.differences:
            source, steps, unit = ent.differences[name]
            change = f"{source} - {_lag_text(source, steps)}" if steps > 0 else f"{_lag_text(source, steps)} - {source}"
            return {**entry, "encoding": f"{change}{f' in {unit}' if unit else ''} {along}"}
        source, steps = ent.lags[name]
        return {**entry, "encoding": f"{_lag_text(source, steps, self._shown_default(name))} {along}"}

    def _aggregate_window_text(self, name: str) -> str | None:
        """How an aggregate of rows, time frame, frame of rows, rank or entity total ``name`` is
        rebuilt (``_described_window``); None for any other column."""
        ent = self._entities
        assert ent is not None
        along = f"along {ent.order} within each {ent.key}, from the drawn values (not learned)"
        if name in ent.aggregates:
            return f"{_aggregate_text(*ent.aggregates[name])} {along}"
        if name in ent.timed:
            return f"{self._time_frame_text(name)} {along}"
        if name in ent.frames:
            return f"{_frame_text(*ent.frames[name])} {along}"
        if name in ent.ranked:
            return f"{_rank_text(*ent.ranked[name])} within each {ent.key}, from the drawn values"
        if name in ent.tiles:
            return f"{_tile_text(*ent.tiles[name])} {along}"
        if name in ent.totals:
            source, how = ent.totals[name]
            return f"{how}({source}) over every row of each {ent.key}, from the drawn values"
        return None

    def _described_lag(self, name: str) -> dict[str, Any]:
        """A lag's source and rows, and the default its rows past the entity's start take, if any."""
        assert self._entities is not None
        source, steps = self._entities.lags[name]
        default = self._shown_default(name)
        return {"of": source, "rows": steps, **({} if default is None else {"default": default})}

    def _time_frame_text(self, name: str) -> str:
        """``sum(secs) over the 7 days of event_time up to each`` (``from each``; its peers too)."""
        assert self._entities is not None
        source, how, span = self._entities.timed[name]
        side = "from" if span.endswith(" following") else "up to"
        return f"{how}({source}) over the {span.removesuffix(' following')} of {self._order_clock()[0]} {side} each"

    def _shown_default(self, name: str) -> float | str | None:
        """Lag ``name``'s default as a reader writes it: a date's or time's as its ISO text (held in
        ns), a number's or text's as it is; None without one."""
        assert self._entities is not None
        default = self._entities.defaults.get(name)
        codec = next((c for c in self._codecs if c.storage.name == name), None)
        if isinstance(default, float) and isinstance(codec, NumericCodec) and codec.domain == "time":
            return pd.Timestamp(int(default)).isoformat()
        return default

    def _described_unseen(self, pair: unseen.UnseenPairs) -> str:
        """An unseen pair as the report lists it; one of a session's opening flag (a hidden column,
        ``_unseen_steps``) in the words of the date it keeps."""
        if self._sessions is None or pair.first != self._sessions.opens:
            return str(pair)
        kept = f"{pair.second}: steps between {self._sessions.key}s and within one kept apart"
        return f"{kept} ({len(pair.first_tokens)} pairings no real row holds)"

    def _with_described_session_key(self, columns: dict[str, Any]) -> dict[str, Any]:
        """``columns`` with the sessions' key in its place (it is no model column: sessions.py)."""
        ses, codec = self._sessions, self._session_codec
        if ses is None or codec is None or self._entities is None:
            return columns
        entry = {**codec.describe(), "dtype": codec.storage.dtype, "learned": False}
        entry["encoding"] = f"a fresh key per synthetic session of a {self._entities.key}, not learned"
        names = list(columns)
        at = names.index(ses.after) + 1 if ses.after in names else 0
        return {name: columns[name] for name in names[:at]} | {ses.key: entry} | {n: columns[n] for n in names[at:]}

    def _describe_sessions(self) -> dict[str, Any] | None:
        """The key nested in the entity's, what a session's rows share, and its learned size."""
        if self._sessions is None:
            return None
        index = {c.storage.name: c for c in self._codecs}
        size = index[self._sessions.count].describe()
        return {
            "key": self._sessions.key,
            "shared_columns": list(self._sessions.columns),
            "still_dates": list(self._sessions.still),
            "rising_columns": list(self._sessions.rising),
            "totals": {name: f"{how}({source})" for name, (source, how) in self._sessions.totals.items()},
            "rows_per_session": {k: v for k, v in size.items() if k in ("encoding", "protection", "tokens")},
        }

    def _describe_entities(self) -> dict[str, Any] | None:
        """The key sampled as entities, what each entity shares, and its learned size."""
        if self._entities is None:
            return None
        size = self._codecs[-1].describe()
        return {
            "key": self._entities.key,
            "shared_columns": [c for c in self._entities.columns if c not in self._entities.moving],
            "sequence_columns": dict(self._entities.sequences),
            "sequence_clocks": dict(self._entities.clocks),
            "numbered_from_highest": list(self._entities.descending),
            "first_dates": dict(self._entities.starts),
            "entity_means": {c: m for c, m in self._entities.profiles.items() if c not in self._entities.steps},
            "entity_modes": dict(self._entities.modes),
            "schedules": list(self._entities.schedules),
            "trends": dict(self._entities.trends),
            "trend_units": dict(self._entities.units),
            "trend_riders": dict(self._entities.riders),
            "walks": {name: self._entities.order for name in self._entities.walks},
            "drifts": {name: self._entities.order for name in self._entities.drifts},
            "date_steps": {name: self._entities.profiles.get(name) for name in self._entities.steps},
            "stages": {name: list(values) for name, values in self._entities.stages.items()},
            "rising": {
                name: self._entities.order for name in self._entities.rising if name not in self._entities.falling
            },
            "falling": {name: self._entities.order for name in self._entities.falling},
            "row_ranks": dict(self._entities.ranks),
            "running_sums": {name: source for name, (source, _) in self._entities.running.items()},
            "lags": {name: self._described_lag(name) for name in self._entities.lags},
            "differences": {
                name: {"of": source, "rows": steps, "unit": unit or "as is"}
                for name, (source, steps, unit) in self._entities.differences.items()
            },
            "extremes": {
                name: {"of": source, "so_far": way} for name, (source, way) in self._entities.extremes.items()
            },
            "first_values": dict(self._entities.firsts),
            "aggregates": {name: _aggregate_text(*found) for name, found in self._entities.aggregates.items()},
            "time_frames": {name: self._time_frame_text(name) for name in self._entities.timed},
            "frames": {name: _frame_text(*found) for name, found in self._entities.frames.items()},
            "ranks_by": {name: _rank_text(*found) for name, found in self._entities.ranked.items()},
            "tiles": {name: _tile_text(*found) for name, found in self._entities.tiles.items()},
            "entity_totals": {
                name: f"{how}({source})"
                for name, (source, how) in {**self._entities.totals, **self._entities.ends}.items()
            },
            "sequence_gaps": dict(self._entities.gaps),
            "null_keys_as_rows": self._entities.nulls is not None,
            "key_as_category": self._entities.category,
            "rows_per_entity": {k: v for k, v in size.items() if k in ("encoding", "protection", "tokens")},
            "sessions": self._describe_sessions(),
        }


VISIT_GAP_NS = 12 * 3_600 * 10**9  # an entity's dates this far apart or more are visits of their own


def _followers(codecs: list[Codec], name: str) -> list[str]:
    """The dates learned as their offset from ``name`` or from one of these (anchors never form a cycle)."""
    found: list[str] = []
    while more := [
        c.storage.name
        for c in codecs
        if isinstance(c, OffsetCodec) and c.anchor in {name, *found} and c.storage.name not in found
    ]:
        found += more
    return found


def _wall_clock_ns(series: pd.Series) -> np.ndarray | None:
    """Dates and naive timestamps as nanoseconds of their wall clock (NaN for null); None for others.
    Date text is read in the layouts the engine learns it in. Why: read by pandas' guess, 03.04.2021
    beside 25.11.2020 was March 4th and 25.11.2020 no date at all."""
    st = storage_type(series)
    if st.logical not in ("date", "datetime") or isinstance(series.dtype, pd.DatetimeTZDtype):
        return None
    if st.extras.get("text_format"):
        stamps = text_dates(series.astype(object), text_layouts(st.extras), st.extras.get("years_from"))
    else:
        stamps = pd.to_datetime(series.astype(object) if series.dtype == object else series, errors="coerce")
    ns = stamps.to_numpy(dtype="datetime64[ns]").astype("int64").astype("float64")
    ns[stamps.isna().to_numpy()] = np.nan
    return ns


def _may_be_calendar(codec: NumericCodec) -> bool:
    """A binned date or timestamp of its own codec (no offset or other subclass, no exact values):
    what a calendar's or a panel's date may be (``_with_calendar``)."""
    return type(codec) is NumericCodec and codec.domain == "time" and codec.n_tokens >= 2 and not codec.p.values


def _groupable(codec: Codec) -> TypeGuard[NumericCodec]:
    """A date or number decoded from bins of its own (a date also from its offset into its year): one
    that may be redrawn near its group's centre (no calendar's grid point, no exact values, no
    offset from another column)."""
    if isinstance(codec, OffsetCodec):
        return codec.anchor_part is not None and codec.domain == "time"
    if type(codec) is not NumericCodec:
        return False
    return codec.n_tokens >= 2 and not codec.p.grid and not codec.p.values


def _whole_numbers(values: np.ndarray) -> Any:
    """Floats holding whole numbers as int64, or nullable Int64 where some are NaN (an array: no index)."""
    return pd.array(values, dtype="Int64") if np.isnan(values).any() else values.astype("int64")


ASSOCIATION_BINS = 8  # a number's quantile bins when testing what goes with a date's parts
ASSOCIATION_MIN_ROWS = 30  # labels held by fewer rows are tested together (sparse cells inflate chi-square)


def _association_codes(frame: pd.DataFrame, codecs: list[Codec]) -> dict[str, np.ndarray]:
    """Per learned column that is neither a date nor a key, a code per row (-1: null) to test a
    date's parts against (dateparts.hidden_parts): numbers by quantile bin, labels with the rare
    ones together."""
    out = {}
    for codec in codecs:
        name = codec.storage.name
        if codec.n_tokens < 2 or isinstance(codec, IdentifierCodec):
            continue
        if isinstance(codec, NumericCodec):
            if codec.domain == "time":
                continue
            values = codec.numeric_view(frame[name])
            finite = np.isfinite(values)
            if not finite.any():
                continue
            edges = np.unique(np.quantile(values[finite], np.linspace(0, 1, ASSOCIATION_BINS + 1)[1:-1]))
            out[name] = np.where(finite, np.searchsorted(edges, np.where(finite, values, 0.0)), -1)
            continue
        codes = pd.factorize(frame[name].astype(object))[0]
        counts = np.bincount(codes[codes >= 0], minlength=1)
        common = counts >= ASSOCIATION_MIN_ROWS
        merged = np.where(common, np.cumsum(common) - 1, common.sum())
        out[name] = np.where(codes >= 0, merged[np.maximum(codes, 0)], -1)
    return out


def _with_learnable_hidden(ent: Entities, hidden: dict[str, Codec]) -> Entities:
    """``ent`` without the hidden columns whose codec learns nothing (one value, or not the kind
    the artifact check expects: a number for first dates and means, a category for modes)."""

    def learnable(name: str, kind: type[Codec]) -> bool:
        return type(hidden[name]) is kind and hidden[name].n_tokens >= 2

    return dataclasses.replace(
        ent,
        starts={c: h for c, h in ent.starts.items() if learnable(h, NumericCodec)},
        profiles={c: h for c, h in ent.profiles.items() if learnable(h, NumericCodec)},
        modes={c: h for c, h in ent.modes.items() if learnable(h, CategoricalCodec)},
        steps=tuple(c for c in ent.steps if learnable(ent.starts[c], NumericCodec)),
    )


@dataclass
class _Decoded:
    """A block's columns as they are decoded: the numbers (repaired before they become columns),
    what the repairs need to know of them, and the other columns."""

    size: int
    sharing: _Sharing
    steering: dict[str, list[dateparts.DatePart]] = field(default_factory=dict)  # per date, its weekday/hour columns
    numbers: dict[str, np.ndarray] = field(default_factory=dict)
    quanta: dict[str, float] = field(default_factory=dict)
    snaps: dict[str, constraints.Snap] = field(default_factory=dict)
    signs: dict[str, constraints.Sign] = field(default_factory=dict)
    columns: dict[str, pd.Series] = field(default_factory=dict)
    given: dict[str, np.ndarray] = field(default_factory=dict)  # a calendar's dates (scale units), set before the draw


@dataclass
class _Carry:
    """An entity cut at a block's end: its head tokens, rows still to come, and its shared values."""

    head: np.ndarray
    rows: int
    values: pd.DataFrame
    done: int  # its rows in the blocks so far
    walked: dict[str, float]  # its walks' last values; its stepped dates', rising numbers' and order clock's highest
    numbered: dict[str, float]  # its gapped sequences' last numbers
    tails: dict[str, np.ndarray] = field(default_factory=dict)  # its lagged numbers' last values, in order


class _Sharing:
    """An entity's rows share its first row's values of the entity columns and one fresh key, and
    are numbered by its sequence columns. The first entity may continue one of the block before:
    ``done`` rows so far, its shared numbers ``carried``."""

    def __init__(self, entity: np.ndarray | None, firsts: np.ndarray, names: list[str], key: Codec | None) -> None:
        self.entity, self.firsts, self.names, self.key = entity, firsts, names, key
        self.sequences: dict[str, int] = {}
        self.clocks: dict[str, str] = {}
        self.descending: set[str] = set()  # sequences numbered from their clock's highest value down
        self.moving: set[str] = set()  # shared as differences from a clock: their rows differ
        self.order: str | None = None  # the column an entity's rows come out in the order of
        self.done = 0
        self.carried: dict[str, float] = {}
        self.gaps: dict[str, list[float]] = {}  # sequences that skip numbers: the shares of each gap
        self.last: dict[str, float] = {}  # the carried entity's last number of each
        self.nulls: str | None = None  # the hidden flag of the entities that are null-key rows
        self.session: np.ndarray | None = None  # per row, its session's ordinal (sessions.grouped)
        self.session_firsts = np.zeros(0, dtype=np.int64)  # per session, its first row
        self.session_names: tuple[str, ...] = ()  # the columns a session's rows share

    def in_sessions(self, session: np.ndarray, names: tuple[str, ...]) -> None:
        self.session, self.session_firsts, self.session_names = session, entities.first_rows(session), names

    def share(self, name: str, numbers: dict[str, np.ndarray]) -> None:
        """Right after the column is decoded, so repairs and the dates rebuilt from it (an offset
        from the entity's first date) see each entity's one value."""
        if self.entity is not None and name in self.names and name in numbers:
            numbers[name] = numbers[name][self.firsts[self.entity]]
            if name in self.carried:
                numbers[name][self.entity == 0] = self.carried[name]
        if self.session is not None and name in self.session_names and name in numbers:
            numbers[name] = numbers[name][self.session_firsts[self.session]]

    def renumber(self, numbers: dict[str, np.ndarray], rng: np.random.Generator, stages: list[np.ndarray]) -> None:
        """Each sequence column's start, start + 1, ... within each entity, in the order of its
        clock's values where it has one (ties and the rest: its own drawn values; the rows'
        stages first for the entity's order, ``stages``); a sequence that skips numbers skips them
        with its real gaps' shares (the carried entity goes on from its last number)."""
        if self.entity is None:
            return
        for name, start in self.sequences.items():
            if name in numbers:
                clock = numbers.get(self.clocks.get(name, ""))
                staged = stages if name == self.order and clock is None else []
                drawn_null = np.isnan(numbers[name])  # a user without sessions: no rank (_null_entities_only)
                if name in self.descending and clock is not None and self.order in numbers:
                    clock, ties = -clock, numbers[str(self.order)]  # ties: in the entity's order
                else:
                    ties = numbers[name]
                ranks = self._ranks(numbers[name] if clock is None else clock, ties, staged, drawn_null)
                numbers[name] = start + ranks
                if name in self.gaps:
                    skipped = entities.gapped(ranks, self.entity, self.gaps[name], rng)
                    numbers[name] = numbers[name] + skipped
                    if name in self.last:
                        on = self.entity == 0
                        numbers[name][on] = self.last[name] + 1 + ranks[on] - self.done + skipped[on]
                numbers[name][drawn_null] = np.nan

    def rows_in_order(self, numbers: dict[str, np.ndarray]) -> np.ndarray | None:
        """Each entity's rows in their order (``Entities.order``: its first sequence column, else
        the first clock a trend moves with; a panel's year: a patient's rows came back 2006, 2008,
        2009, 2007; else the first date it keeps close together: 2.4% of a transactions table's
        synthetic customers had theirs in time order); entities stay in place. None without one."""
        if self.entity is None or self.order is None or self.order not in numbers:
            return None
        return np.lexsort((numbers[self.order], self.entity))

    def _ranks(
        self, drawn: np.ndarray, ties: np.ndarray, stages: list[np.ndarray], drawn_null: np.ndarray
    ) -> np.ndarray:
        """0, 1, ... within each entity in the order of the rows' ``stages``, then of the drawn
        values (ties: ``ties``, then row order), so the numbers keep their links to the other
        columns; the first entity continues at ``done``. Rows whose number was drawn null
        (``drawn_null``) come last, so the others are numbered 0, 1, ... among themselves."""
        entity = self.entity
        assert entity is not None
        order = np.lexsort((ties, drawn, *stages[::-1], drawn_null, entity))  # entities stay in place, nulls last
        ranks = np.empty(drawn.size)
        ranks[order] = np.arange(drawn.size) - self.firsts[entity]
        return ranks + np.where(entity == 0, self.done, 0)

    def columns(
        self, columns: dict[str, pd.Series], rng: np.random.Generator, start: int, numbers: dict[str, np.ndarray]
    ) -> None:
        if self.entity is None or self.key is None:
            return
        rows = self.firsts[self.entity]
        for name in [n for n in self.names if n not in self.moving]:
            columns[name] = columns[name].iloc[rows].reset_index(drop=True)
        if self.session is not None:  # a text decoded inside its token (a fresh rare value) differs by row
            for name in self.session_names:
                columns[name] = columns[name].iloc[self.session_firsts[self.session]].reset_index(drop=True)
        if isinstance(self.key, IdentifierCodec) and self.key.year_parts():
            keys = self.key.decode_with_years(start, _key_years(self.key, numbers, self.firsts))  # the entity's date
        else:
            keys = self.key.decode(np.zeros(self.firsts.size, dtype=np.int32), rng, start)
        keys = keys.iloc[self.entity].reset_index(drop=True)
        if self.nulls is not None:  # a null-key row's (a guest session's) key stays null
            keys = keys.where(~columns[self.nulls].isin([True]).to_numpy())
        columns[self.key.storage.name] = keys


def _issued_along(keys: pd.Series, held: np.ndarray | None) -> pd.Series:
    """``keys`` in the order they were issued, on the rows that hold a key (``held``; None: where
    they were)."""
    if held is None:
        return keys.reset_index(drop=True)
    values = keys.to_numpy(dtype=object)
    placed = np.full(values.size, None, dtype=object)
    placed[held] = values[keys.notna().to_numpy()]
    return pd.Series(placed, dtype=keys.dtype)


def _key_years(
    key: IdentifierCodec, numbers: dict[str, np.ndarray], rows: np.ndarray | None = None
) -> dict[int, np.ndarray]:
    """Per place of ``key``'s year parts, the year of its date's final values (at ``rows``)."""
    return {
        place: dateparts.part_values(dateparts.YEAR, numbers[date] if rows is None else numbers[date][rows])
        for place, date in key.year_parts().items()
    }


def _guests_counted_here(sizes: pd.Series | None, keys: pd.Series, guests: np.ndarray | None) -> pd.Series | None:
    """The entity sizes a caller gives (``fit``'s ``entity_sizes``: each row's entity's rows in the
    table it was sampled from), but each null-key row's counted on its stand-in key (``keys``;
    ``guests``: the null-key rows), which a guest session's rows share. Why: the pipeline counts a
    null-key row as an entity of one row, so every guest entity was learned as one row: 55% of
    synthetic entities were guests (real 29%), 1,730 of 1,776 guest sessions one event (real 110 of
    550)."""
    if sizes is None or guests is None or not guests.any():
        return sizes
    counts = sizes.to_numpy(dtype="int64", copy=True)
    counts[guests] = entities.entity_sizes(keys).to_numpy(dtype="int64")[guests]
    return pd.Series(counts, name=sizes.name)


def _from_shared(span: spans.Span, walks: list[str], shared: set[str]) -> bool:
    """Whether ``span`` runs between one of ``walks`` and a column the entity's rows share."""
    ends = {span.start, span.end}
    return len(ends & set(walks)) == 1 and ends - set(walks) <= shared


def _read_by(sums: list[constraints.Sum], found_formulas: list[formulas.Formula]) -> set[str]:
    """The columns formulas read and sums hold (their totals, parts and derived columns): a number
    that follows a result is not moved with it if it is one of them (the result would be stale)."""
    return {p for f in found_formulas for p in f.parts} | {c for s in sums for c in s.columns}


def _following(anchors: Mapping[int, int], column: int) -> set[int]:
    """The columns ``anchors`` rebuild from ``column``, directly or through a chain (``_followers``
    of the codecs, before they are built)."""
    out: set[int] = set()
    added = {column}
    while added:
        added = {b for b, a in anchors.items() if a in added and b not in out}
        out |= added
    return out


def _arithmetic_columns(
    sums: list[constraints.Sum], found_spans: list[spans.Span], found_formulas: list[formulas.Formula]
) -> set[str]:
    """The columns a sum, span or formula binds: recomputed from their parts, never moved alone."""
    return {
        *(name for t in sums for name in t.columns),
        *(name for t in found_spans for name in (t.result, t.start, t.end)),
        *(name for f in found_formulas for name in (f.result, *f.parts)),
    }


def _drifts_freely(codec: Codec) -> bool:
    """Whether a number may take a line's values: binned (not a few exact values) and no date."""
    return type(codec) is NumericCodec and not codec.p.values and codec.storage.logical in ("int", "float", "decimal")


def _decoded_number(codec: Codec, numbers: dict[str, np.ndarray], columns: dict[str, pd.Series]) -> np.ndarray:
    """A column's decoded values in ``scale`` units, from the numbers or, for a one-token column
    (a value all entities share), from its decoded column."""
    name = codec.storage.name
    if name in numbers:
        return numbers[name]
    if isinstance(codec, NumericCodec):
        return codec.numeric_view(columns[name])
    return pd.to_numeric(columns[name], errors="coerce").to_numpy(dtype="float64")


def entity_keys(data: pd.DataFrame | pa.Table, cfg: EngineConfig) -> pd.Series | None:
    """The key column of the entities behind ``data``'s rows, if one names them (entities.py)."""
    columns = data.column_names if isinstance(data, pa.Table) else data.columns
    names = [str(n) for n in columns if may_name_a_key(str(n))]
    if isinstance(data, pa.Table):  # cheap Arrow-side tests first: 10M unique ids to pandas cost 1 GB
        names = [n for n in names if _may_key_entities(data.column(n))]
    if not names:
        return None
    candidates = data.select(names).to_pandas() if isinstance(data, pa.Table) else data[names]
    key = entities.entity_key(candidates, cfg)
    return None if key is None else candidates[key]


def _may_key_entities(column: pa.ChunkedArray) -> bool:
    """Not nested (a struct such as an address, on which count_distinct has no kernel: fitting one
    named ``address_key`` raised ArrowNotImplementedError), and some non-null value repeated."""
    if pa.types.is_nested(column.type):
        return False
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    return bool(pc.count_distinct(column).as_py() < len(column) - column.null_count)


def training_sample(rows: int, limit: int, seed: int, keys: pd.Series | None = None) -> np.ndarray | None:
    """The sorted row positions ``fit`` trains on when there are more than ``limit`` rows (else
    None: all of them); with entity ``keys``, runs of entities' rows (entities.runs_of_entities).
    The pipeline draws its own sample by the rows' values (synthpipe.row_order) and hands ``fit``
    no more than ``limit`` rows."""
    if rows <= limit:
        return None
    rng = np.random.default_rng(seed)
    if keys is None:
        return np.sort(rng.choice(rows, limit, replace=False))
    codes = entities.entity_codes(keys)[0]
    units = int(codes.max(initial=-1)) + 1
    runs = entities.runs_of_entities(codes, rng.random(units), rng.random(units), limit)
    return np.flatnonzero(runs)


_NOT_GIVEN_AS_NONE = {"key_start", "seed"}  # sampling settings whose None means "not given"


COUNTS = ("count", "rows")  # the table totals that count a partition's rows (``count(x)``, ``count(*)``)
MAX_QUOTA_VALUES = 1000  # values of a binned number a count is taken within, at most, for it to be learned as values


def _counted_labels_as_values(
    codecs: list[Codec], frame: pd.DataFrame, windows: TableWindows | None, cfg: EngineConfig
) -> list[Codec]:
    """``codecs`` with each binned number (not a date: a calendar keeps its days) a count is taken
    within (``count(*) OVER (PARTITION BY trend)``) learned as its values, when they are few and
    each held by enough rows (a quota, ``Synthesizer._detect_quota``, keeps each value's rows). Why:
    Computers' 35 months came in 27 bins, and a quota per bin left the months inside one to chance."""
    if windows is None:
        return codecs
    labels = {
        windows.partitions[n] for n, (_, how) in windows.totals.items() if how in COUNTS and n in windows.partitions
    }
    out = list(codecs)
    for i, codec in enumerate(codecs):
        name = codec.storage.name
        binned = isinstance(codec, NumericCodec) and codec.domain != "time" and dependencies.value_tokens(codec) is None
        if name not in labels or not binned:
            continue
        values = frame[name].dropna()
        distinct = int(values.nunique())
        if distinct <= MAX_QUOTA_VALUES and values.value_counts().min() >= cfg.rare_category_min_count:
            as_values = build_codec(frame[name], cfg.model_copy(update={"max_bins": distinct}), storage=codec.storage)
            out[i] = as_values if dependencies.value_tokens(as_values) is not None else codec
    return out


def _cell_values(codec: Codec) -> np.ndarray | None:
    """Per token, whether a cell (cells.py) may hold it once only: it stands for one value, null
    counted as one (``GROUP BY`` keeps a null group; so are a number's infinities); None where some
    token of the column stands for many (dependencies.value_tokens)."""
    mask = dependencies.value_tokens(codec)
    if mask is None:
        return None
    if isinstance(codec, CategoricalCodec):
        return mask | ((np.arange(codec.n_tokens) == codec.n_tokens - 1) & codec.has_null)
    return np.ones(codec.n_tokens, dtype=bool)  # numbers kept as values: their specials are one value each


def _check_whole_numbers(**counts: object) -> None:
    """Raise ConfigError naming the first of ``counts`` that is no whole number (None only where
    it means not given: ``_NOT_GIVEN_AS_NONE``).

    Why: ``sample(5.0)`` raised a bare TypeError from ``range`` and ``sample(True)`` one from
    positional indexing, where ``sample(-1)`` says what it needs; ``sample(None)`` raised a bare
    TypeError comparing it, ``sample(5, seed=-1)`` a bare ValueError from numpy, and
    ``sample(5, seed=3.7)`` sampled seed 3 without a word. numpy integers are whole numbers.
    """
    for name, value in counts.items():
        if value is None and name in _NOT_GIVEN_AS_NONE:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ConfigError(f"{name} must be a whole number (an int); got {value!r} ({type(value).__name__})")


def _as_table_if_arrow_stream(data: Any) -> Any:
    """A RecordBatchReader (what DuckDB's ``.arrow()`` returns) or a RecordBatch is fitted as the
    Table it reads to, and sampled as a Table."""
    if isinstance(data, pa.RecordBatchReader):
        return data.read_all()
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    return data


def _row_count(data: Any) -> int:
    if isinstance(data, pa.Table):
        return int(data.num_rows)
    return len(data) if isinstance(data, pd.DataFrame) else 0


def _totals(values: np.ndarray, before: np.ndarray | None) -> np.ndarray:
    """The sum and the count of ``values`` that are not null, on from ``before`` (the same of the
    rows before, if any): where an aggregate over an entity's rows so far goes on from."""
    known = ~np.isnan(values)
    totals = np.array([values[known].sum(), float(known.sum())])
    return totals if before is None else totals + before


def _block_rows(sizes: np.ndarray, rows: int, left: int) -> int:
    """A block of entities runs on to its last entity's end when that entity's rows (still to
    come) fit in a block, within the ``left`` rows the caller wants.

    Why: an entity cut at a block's end continues in the next with its key and shared values, but
    its clock (a panel's year) is drawn afresh there: in a 53,847-row panel the two patients cut at
    block ends had a year twice and went back in time. Only an entity longer than a block is cut
    now, and a block holds at most twice ``BLOCK_ROWS`` rows."""
    total = int(sizes.sum())
    if total <= rows or int(sizes[-1]) > BLOCK_ROWS:
        return rows
    return min(total, left)


def _widened_dictionary(schema: pa.Schema, name: str, keys: int) -> pa.Schema:
    """``schema`` with column ``name``, where a dictionary whose index type counts fewer than
    ``keys`` values, indexed by int32."""
    at = schema.get_field_index(name)
    field = schema.field(at)
    if not pa.types.is_dictionary(field.type):
        return schema
    if keys <= int(np.iinfo(field.type.index_type.to_pandas_dtype()).max) + 1:
        return schema
    return schema.set(at, field.with_type(pa.dictionary(pa.int32(), field.type.value_type, field.type.ordered)))


def _take(pending: list[pd.DataFrame], rows: int) -> tuple[pd.DataFrame, list[pd.DataFrame], int]:
    """The first ``rows`` rows of the pending blocks, and what is left."""
    joined = pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0]
    rest = joined.iloc[rows:]
    left = [rest] if len(rest) else []
    return joined.iloc[:rows].copy(), left, len(rest)


RECORD_COPIES_MAX = 50  # more identical rows than this are a common pattern, not one record's copies


def _plain_text(storage: StorageType) -> bool:
    """Text held as plain strings: a pandas categorical cannot take labels it does not list."""
    return storage.logical == "string" and storage.dtype != "category"


def _record_groups(learned: pd.DataFrame) -> np.ndarray:
    """A group id per row: copies of one record share one, every other row has its own.

    Identical rows are copies of a record (a table resampled, a row exported twice) when one of
    their values occurs nowhere else in its column; identical rows of common values (``2 actions,
    0 bookings``) are not, and splitting them at random keeps every pattern in training.
    """
    n = len(learned)
    own = -1 - np.arange(n, dtype=np.int64)
    if learned.shape[1] == 0 or n == 0:
        return own
    record, copies = _shared_values(learned)
    rarest_value = np.min([_shared_values(learned[c])[1] for c in learned], axis=0)
    is_copy = (copies > 1) & (copies <= RECORD_COPIES_MAX) & (rarest_value == copies)
    return np.where(is_copy, record, own)


def _shared_values(data: pd.DataFrame | pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row, an id of its value (its whole row for a frame) and how many rows share it."""
    _, inverse, counts = np.unique(
        pd.util.hash_pandas_object(data, index=False).to_numpy(), return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    return inverse, counts[inverse]


def _holding(dtype: Any, default: float | str | None) -> Any:
    """``dtype``, a categorical's with a text lag's ``default`` among its categories (a pandas
    categorical makes a label it does not list null)."""
    if not isinstance(dtype, pd.CategoricalDtype) or not isinstance(default, str) or default in dtype.categories:
        return dtype
    return pd.CategoricalDtype([*dtype.categories, default], ordered=dtype.ordered)


def _lag_text(source: str, steps: int, default: float | str | None = None) -> str:
    """``lag(x, 1)`` or, ``steps`` rows after, ``lead(x, 1)``; with a default, ``lag(x, 1, 0.0)``."""
    return f"{'lag' if steps > 0 else 'lead'}({source}, {abs(steps)}{'' if default is None else f', {default}'})"


def _aggregate_text(source: str, how: str, rows: int) -> str:
    """``avg(x) over the rows so far`` or, over a moving frame, ``sum(x) over the 3 rows up to each``
    (``sum(x) over the 3 rows from each``: the row and the 2 after it)."""
    frame = f"{abs(rows)} rows {'up to' if rows > 0 else 'from'} each" if rows else "rows so far"
    return f"{how}({source}) over the {frame}"


def _frame_text(source: str, how: str, start: int | None, end: int | None) -> str:
    """``max(x) over rows 6 preceding to current row``, as SQL writes the frame
    (``3 following``, ``unbounded following``)."""
    return f"{how}({source}) over rows {_frame_end_text(start, 'preceding')} to {_frame_end_text(end, 'following')}"


def _frame_end_text(rows: int | None, unbounded: str) -> str:
    if rows is None:
        return f"unbounded {unbounded}"
    return "current row" if rows == 0 else f"{abs(rows)} {'preceding' if rows < 0 else 'following'}"


def _rank_text(source: str, how: str, falling: bool, nulls_first: bool) -> str:
    """``rank() by secs desc nulls last``."""
    return f"{how}() by {source} {'desc' if falling else 'asc'} nulls {'first' if nulls_first else 'last'}"


def _tile_text(k: int, falling: bool) -> str:
    """``ntile(4) from the first row``."""
    return f"ntile({k}) from the {'last' if falling else 'first'} row"
