"""Property-based checks (hypothesis) of the type round-trips and the encoders; example counts are
modest so the folder stays fast, and the seed is derandomized so CI is repeatable."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import json
import math
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synthpipe.engine.codecs import build_codec
from synthpipe.engine.config import EngineConfig
from synthpipe.extract import describe_schema
from synthpipe.sources import _convert_partitions, translate_source_error
from synthpipe.stores import redact_url
from synthpipe.writers import open_writer, read_table, schema_from_json

FEW = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
DECIMALS = st.decimals(min_value=-(10**27), max_value=10**27, places=10, allow_nan=False, allow_infinity=False)
UTC_TIMES = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)
VALUES: dict[str, tuple[pa.DataType, st.SearchStrategy[Any]]] = {
    "int16": (pa.int16(), st.integers(-(2**15), 2**15 - 1)),
    "int64": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "float64": (pa.float64(), st.floats(allow_nan=True, allow_infinity=True)),
    "float32": (pa.float32(), st.floats(width=32, allow_nan=True, allow_infinity=True)),
    "bool": (pa.bool_(), st.booleans()),
    "string": (pa.string(), TEXT),
    "decimal": (pa.decimal128(38, 10), DECIMALS),
    "date": (pa.date32(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))),
    "timestamptz": (pa.timestamp("us", tz="UTC"), UTC_TIMES),
    "timestamp": (pa.timestamp("us"), st.datetimes(min_value=dt.datetime(1, 1, 1))),
    "interval": (pa.duration("us"), st.timedeltas(min_value=dt.timedelta(days=-(10**6)),
                                                  max_value=dt.timedelta(days=10**6))),
    "time": (pa.time64("us"), st.times()),
}  # fmt: skip


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@st.composite
def column_batches(draw: st.DrawFn, kind: str) -> tuple[list[Any], list[int]]:
    values = draw(st.lists(st.none() | VALUES[kind][1], min_size=1, max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), max_size=4)))
    return values, cuts


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_driver_values_become_arrow_exactly_whatever_the_batching(kind: str) -> None:
    arrow_type = VALUES[kind][0]

    @FEW
    @given(column_batches(kind))
    def check(drawn: tuple[list[Any], list[int]]) -> None:
        values, cuts = drawn
        bounds = [0, *cuts, len(values)]
        partitions = [[(v,) for v in values[a:b]] for a, b in itertools.pairwise(bounds) if b > a]
        batches = list(_convert_partitions(iter(partitions), ["c"], [arrow_type]))
        assert {b.schema.field("c").type for b in batches} == {arrow_type}
        back = [v for b in batches for v in b.column(0).to_pylist()]
        if kind == "float32":  # a real is a 32-bit float: compare at that width
            values = [None if v is None else float(np.float32(v)) for v in values]
        assert len(back) == len(values) and all(same(a, b) for a, b in zip(values, back, strict=True))

    check()


TABLE_KINDS = [
    "int16",
    "int64",
    "float32",
    "float64",
    "bool",
    "string",
    "decimal",
    "date",
    "timestamp",
    "timestamptz",
    "interval",
    "time",
]


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(1, 25))
    kinds = draw(st.lists(st.sampled_from(TABLE_KINDS), min_size=1, max_size=5, unique=True))
    columns = {k: pa.array(draw(st.lists(st.none() | VALUES[k][1], min_size=n, max_size=n)), VALUES[k][0])
               for k in kinds}  # fmt: skip
    return pa.table(columns)


def round_trip(table: pa.Table, fmt: str, tmp_path: Any) -> pa.Table:
    path = tmp_path / f"t.{fmt}"
    with path.open("wb") as handle:
        writer = open_writer(handle, table.schema, fmt)
        writer.write(table)
        writer.close()
    schema = schema_from_json(json.dumps(describe_schema(table.schema, table.num_rows)))
    return read_table(str(path), schema=schema)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_staged_tables_read_back_equal(fmt: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp(fmt)

    @FEW
    @given(tables())
    def check(table: pa.Table) -> None:
        back = round_trip(table, fmt, folder)
        assert back.schema.equals(table.schema)
        for name in table.column_names:
            expected, got = table.column(name).to_pylist(), back.column(name).to_pylist()
            assert all(same(a, b) for a, b in zip(expected, got, strict=True)), name

    check()


@FEW
@given(
    st.lists(st.none() | st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-(10**6), 10**6), min_size=2, max_size=60)
)
def test_numeric_codec_tokens_are_in_range_and_nulls_round_trip(values: list[Any]) -> None:
    series = pd.Series([None if v is None else float(v) for v in values], name="x", dtype="float64")
    codec = build_codec(series, EngineConfig())
    if codec.n_tokens < 2:
        return
    tokens = codec.encode(series)
    assert tokens.dtype.kind == "i" and tokens.min() >= 0 and tokens.max() < codec.n_tokens
    decoded = codec.decode(tokens, np.random.default_rng(0), 0)
    assert len(decoded) == len(series) and decoded.dtype == series.dtype
    assert (decoded.isna().to_numpy() == series.isna().to_numpy()).all()


@FEW
@given(st.lists(st.none() | st.sampled_from(["a", "b", "ç", "😀", "", "long " * 20]), min_size=2, max_size=80))
def test_categorical_codec_emits_only_frequent_categories_or_the_rare_token(values: list[Any]) -> None:
    series = pd.Series(values, name="c", dtype="str")
    config = EngineConfig(detect_identifiers=False)
    codec = build_codec(series, config)
    if codec.n_tokens < 2:
        return
    decoded = codec.decode(codec.encode(series), np.random.default_rng(0), 0)
    counts = series.value_counts()
    for original, back in zip(series, decoded, strict=True):
        if pd.isna(original):
            assert pd.isna(back)
        elif counts[original] >= config.rare_category_min_count:
            assert back == original
        else:
            assert back == config.rare_token  # rare values are never emitted verbatim


SECRETS = st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, blacklist_categories=("Cs",)),
                  min_size=10, max_size=30)  # fmt: skip


@FEW
@given(SECRETS)
def test_redacted_urls_and_source_errors_never_contain_the_password(secret: str) -> None:
    url = f"postgresql://user:{quote(secret, safe='')}@db.example:5432/app"
    redacted = redact_url(url)
    assert secret not in redacted and quote(secret, safe="") not in redacted and "***" in redacted
    error = translate_source_error(RuntimeError(f'connection to "{url}" failed for {secret}\nDETAIL {secret}'),
                                   secret=secret)  # fmt: skip
    assert secret not in str(error)


def test_decimal_strategy_fits_numeric_38_10() -> None:
    """The decimals drawn above fit numeric(38,10): 28 integer digits + 10 places."""
    assert decimal.Decimal(10**27).adjusted() + 1 + 10 <= 38
