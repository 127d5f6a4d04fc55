"""Odd but legal tables: tiny, single-kind, object-typed, durations, infinities."""

from __future__ import annotations

import datetime as dt
import warnings
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.errors import SchemaError
from tests.unit.engine.conftest import sampled_after_save_and_load

CASES = {
    "one_row": pd.DataFrame({"a": [1], "b": ["x"]}),
    "only_identifier": pd.DataFrame({"id": np.arange(100)}),
    "only_constant": pd.DataFrame({"c": [5] * 50}),
    "all_null_float": pd.DataFrame({"x": [np.nan] * 30, "y": np.arange(30.0) % 3}),
    "all_none_object": pd.DataFrame({"x": [None] * 30, "y": ["a", "b", "c"] * 10}),
    "bools_with_none": pd.DataFrame({"x": pd.Series([True, False, None] * 20, dtype=object)}),
    "uint64": pd.DataFrame({"x": np.arange(60, dtype="uint64") % 7}),
    "durations": pd.DataFrame({"x": pd.to_timedelta(np.arange(60) % 9, unit="h")}),
    "pre_1970": pd.DataFrame({"x": pd.to_datetime(["1950-01-01", "1960-06-01", "1969-12-31"] * 20)}),
    "infinities": pd.DataFrame({"x": [np.inf, -np.inf, 1.0] * 20}),
    "float16": pd.DataFrame({"x": np.arange(60, dtype="float16")}),
    "int_categories": pd.DataFrame({"x": pd.Categorical([1, 2, 3] * 20)}),
    "huge_floats": pd.DataFrame({"x": np.random.default_rng(0).normal(size=60) * 1e300}),  # tails overflowed
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_odd_tables_round_trip(name: str) -> None:
    data = CASES[name]
    out = Synthesizer(seed=0, max_epochs=1).fit(data).sample(9)
    assert isinstance(out, pd.DataFrame)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert len(out) == 9


def test_object_bools_stay_python_bools() -> None:
    out = Synthesizer(seed=0, max_epochs=1).fit(CASES["bools_with_none"]).sample(50)
    assert {type(v) for v in out["x"].dropna()} == {bool}


@pytest.mark.parametrize("dtype", ["int64", "uint64", "Int64"])
def test_integer_codes_past_float_precision_keep_their_values(dtype: str) -> None:
    """60 codes near 2**62, 50 rows each, came back as one value (float64 tells them apart no more)."""
    rng = np.random.default_rng(0)
    codes = pd.Series(np.uint64(2**62) + rng.integers(0, 60, 3000).astype(np.uint64)).astype(dtype)
    data = pd.DataFrame({"code": codes, "x": rng.normal(size=3000)})
    out = Synthesizer(seed=0, max_epochs=3).fit(data).sample(3000)
    assert out["code"].dtype == data["code"].dtype
    assert out["code"].nunique() == 60 and out["code"].isin(data["code"]).all()


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_rare_integer_codes_past_float_precision_come_back_as_fresh_codes(dtype: str, tmp_path: Path) -> None:
    """Codes past 2**53 are labels, and a label held by too few rows came back null: an int64
    column of 20 common and 200 rare codes came back as object, 17% null where none were."""
    rng = np.random.default_rng(0)
    common = np.repeat(np.uint64(2**63 - 2**20) + np.arange(20, dtype=np.uint64) * np.uint64(7), 50)
    rare = np.uint64(2**63 - 2**20) + rng.choice(np.arange(1, 2**19, dtype=np.uint64), 200, replace=False)
    data = pd.DataFrame({"code": np.concatenate([common, rare]).astype(dtype), "x": rng.normal(size=1200)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = sampled_after_save_and_load(syn, 2400, tmp_path)
    assert out["code"].dtype == data["code"].dtype and out["code"].notna().all()
    assert not out["code"].isin(rare.astype(dtype)).any()
    fresh = ~out["code"].isin(data["code"])
    assert fresh.mean() == pytest.approx(200 / 1200, abs=0.05)
    assert out["code"][fresh].between(data["code"].min(), data["code"].max()).all()


@pytest.mark.parametrize("kind", ["table", "int64[pyarrow]", "uint64[pyarrow]"])
def test_arrow_integer_codes_with_nulls_keep_their_values(kind: str) -> None:
    """Arrow integers with nulls read as float64: 60 codes near 2**62 became one float, were
    learned as one number and came back as a single value (numpy and Int64 columns kept all 60)."""
    rng = np.random.default_rng(0)
    codes = [None if i % 10 == 0 else 2**62 + int(c) for i, c in enumerate(rng.integers(0, 60, 3000))]
    arrow_type = pa.uint64() if kind.startswith("uint") else pa.int64()
    table = pa.table({"code": pa.array(codes, arrow_type), "x": rng.normal(size=3000)})
    data = table if kind == "table" else table.to_pandas(types_mapper=pd.ArrowDtype)
    out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(3000)
    sampled = pa.table(out) if isinstance(out, pd.DataFrame) else out
    assert sampled.schema.field("code").type == arrow_type
    values = pd.Series(sampled["code"].to_pylist(), dtype=object)
    assert values.isna().mean() == pytest.approx(0.1, abs=0.03)
    assert values.nunique() == 60 and values.dropna().isin(codes).all()


@pytest.mark.parametrize(
    ("values", "plain"),
    [
        (pa.array([dt.date(2020, 1, 1 + i % 6) for i in range(60)]).dictionary_encode(), pa.date32()),
        (pa.array(np.arange(60) % 6).dictionary_encode(), pa.int64()),
        (pa.array(np.arange(60.0) % 6, pa.float16()), pa.float32()),
        (pa.array([f"v{i % 6}" for i in range(60)], pa.string_view()), pa.string()),
        (pa.array([bytes([i % 6]) for i in range(60)], pa.binary_view()), pa.binary()),
    ],
)
def test_arrow_types_pandas_cannot_compute_on_are_refused_with_the_cast(values: pa.Array, plain: pa.DataType) -> None:
    """Read with dtype_backend="pyarrow", a saved Categorical of dates (or numbers), float16 and
    view types raised a bare TypeError or ArrowNotImplementedError from deep in a codec."""
    table = pa.table({"x": np.arange(60.0), "c": values})
    with pytest.raises(SchemaError, match=r"column 'c' has Arrow type .* cast it first, e\.g\. ") as caught:
        Synthesizer(seed=0, max_epochs=1).fit(table.to_pandas(types_mapper=pd.ArrowDtype))
    assert caught.value.context.get("column") == "c"
    if "df['c'] = df['c'].astype(pd.ArrowDtype(" in str(caught.value):  # the cast named, in pandas
        data = table.to_pandas(types_mapper=pd.ArrowDtype)
        data["c"] = data["c"].astype(pd.ArrowDtype(plain))
    else:  # or in Arrow: pandas cannot cast view types
        assert f"table['c'].cast(pa.{plain}())" in str(caught.value)
        data = table.set_column(1, "c", table["c"].cast(plain)).to_pandas(types_mapper=pd.ArrowDtype)
    out = Synthesizer(seed=0, max_epochs=1).fit(data).sample(20)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()


def test_non_string_column_names_are_refused() -> None:
    with pytest.raises(SchemaError, match="strings"):
        Synthesizer().fit(pd.DataFrame({0: [1, 2], 1: [3, 4]}))


def test_arrow_tables_that_pandas_cannot_read_as_they_are_are_refused_with_a_fix() -> None:
    """Duplicate names raised KeyError ('Column a does not exist in schema') while fitting, and
    clock times with nanoseconds a bare ArrowInvalid from to_pandas; a DataFrame with duplicate
    names already got a SchemaError."""
    x = pa.array(np.arange(20.0))
    with pytest.raises(SchemaError, match=r"duplicate column names \['a'\]"):
        Synthesizer().fit(pa.table([x, x], names=["a", "a"]))
    clock = pa.array([i * 1_000_000_007 for i in range(20)], pa.time64("ns"))
    with pytest.raises(SchemaError, match=r"column 't' holds clock times with nanoseconds.*time64\('us'\)") as caught:
        Synthesizer().fit(pa.table({"x": x, "t": clock}))
    assert caught.value.context.get("column") == "t"


@pytest.mark.parametrize(
    ("values", "label"),
    [
        ([dt.time(1, 2, tzinfo=dt.UTC), dt.time(3, 4, tzinfo=dt.UTC), None] * 10, "time-of-day with a time zone"),
    ],
)
def test_unmodelled_object_type_is_named_with_a_cast(values: list[object], label: str) -> None:
    data = pd.DataFrame({"id": np.arange(30), "c_odd": pd.Series(values, dtype=object)})
    with pytest.raises(SchemaError) as caught:
        Synthesizer(seed=0, max_epochs=1).fit(data)
    message = str(caught.value)
    assert label in message and "CAST c_odd AS text" in message and "None" not in message
    assert caught.value.context.get("column") == "c_odd"


def test_integer_column_with_nulls_stays_integral_through_relation_repair() -> None:
    i = np.arange(1, 2001)
    table = pa.table({
        "a": pa.array([None if k % 10 == 0 else int(k * 7) for k in i], pa.int32()),
        "b": pa.array(i / 7.0),
        "c": pa.array(np.round(i * 7.5 + 0.25, 2)),
    })  # fmt: skip
    syn = Synthesizer(seed=0, max_epochs=2).fit(table)
    assert "b <= a" in syn.describe()["constraints"]
    out = syn.sample(3000)
    assert isinstance(out, pa.Table) and out.schema.field("a").type == pa.int32()
    frame = out.to_pandas()
    both = frame["a"].notna()
    assert both.sum() < len(frame)
    assert (frame["b"][both] <= frame["a"][both]).all()
    assert (frame["a"][both] <= frame["c"][both]).all()
    assert np.allclose(frame["c"], np.round(frame["c"], 2))


def test_tail_draws_are_stratified_in_their_own_order() -> None:
    from synthpipe.engine.codecs.numeric import _stratified

    v = np.random.default_rng(0).random(20)
    out = _stratified(v)
    assert np.array_equal(np.argsort(out), np.argsort(v))
    assert np.allclose(np.sort(out), (np.arange(20) + 0.5) / 20)


def test_tail_shape_follows_the_tail_and_bounded_tails_stay_bounded() -> None:
    from synthpipe.engine.codecs.numeric import _excess, _tail_shapes

    rng = np.random.default_rng(0)
    light = np.concatenate([np.zeros(100), 10 + rng.uniform(0, 5, 30)])  # bounded tail beyond 10
    heavy = np.concatenate([np.zeros(100), 10 + rng.pareto(2.5, 30) * 5])
    assert _tail_shapes(light, [0.0, 10.0])[1] < 0 < _tail_shapes(heavy, [0.0, 10.0])[1]
    shape = _tail_shapes(light, [0.0, 10.0])[1]
    mean = float(np.mean(light[light > 10] - 10))
    top = _excess(np.array([1.0]), mean, 30, shape)[0]
    assert top <= mean * (1 - shape) / -shape + 1e-9  # never beyond the fitted endpoint
    assert _excess(np.array([0.5]), mean, 30, 0.0)[0] == pytest.approx(-mean * np.log1p(-0.5 * (1 - 1 / (np.e * 30))))


def test_calendar_intervals_are_refused_with_a_numeric_fix() -> None:
    """Arrow month_day_nano_interval (DuckDB INTERVAL) reaches pandas as DateOffset values."""
    intervals = pa.array([pa.MonthDayNano([0, 1, k * 60 * 10**9]) for k in range(40)], pa.month_day_nano_interval())
    with pytest.raises(SchemaError) as caught:
        Synthesizer(seed=0, max_epochs=1).fit(pa.table({"k": pa.array(range(40)), "waited": intervals}))
    assert "calendar interval" in str(caught.value) and "EXTRACT(EPOCH FROM waited)" in str(caught.value)
    assert caught.value.context.get("column") == "waited"


def test_an_arrow_stream_is_fitted_as_a_table() -> None:
    """DuckDB's ``.arrow()`` returns a RecordBatchReader; it is read whole and sampled as a Table."""
    table = pa.table({"x": pa.array(np.arange(300) % 17), "y": pa.array((np.arange(300) % 5).astype(str))})
    syn = Synthesizer(seed=0, max_epochs=2).fit(pa.RecordBatchReader.from_batches(table.schema, table.to_batches()))
    out = syn.sample(20)
    assert isinstance(out, pa.Table) and out.schema == table.schema
    assert Synthesizer(seed=0, max_epochs=2).fit(table).sample(20).equals(out)


@pytest.mark.parametrize("magnitude", [1e3, 1e6, 1e11])
def test_cents_are_kept_on_large_amounts(magnitude: float) -> None:
    """Decimals were found with a relative tolerance, so cents on amounts of a million fell below
    it and 1,234,567.89 came back as 1,234,568."""
    rng = np.random.default_rng(1)
    amounts = np.round(rng.uniform(0.5, 1, 1000) * magnitude, 2)
    syn = Synthesizer(seed=0, max_epochs=2).fit(pd.DataFrame({"amount": amounts}))
    out = syn.sample(1000)["amount"].to_numpy()
    cents = np.round(out * 100)
    assert np.allclose(out * 100, cents, rtol=0, atol=1e-6 * max(1.0, magnitude))  # on the cent grid
    assert (cents % 100 != 0).mean() > 0.95  # and not rounded to whole units


@pytest.mark.parametrize("magnitude", [1e-300, 1e-30, 1e-9, 1e200, 1e300])
def test_floats_of_any_magnitude_keep_their_scale(magnitude: float) -> None:
    """Columns of concentrations around 1e-9 came back all zeros (every value lay within the
    absolute tolerance of a whole number), and amounts around 1e200 came back as 93% NaN and 7%
    inf (a bin's span times its ranks overflowed while its knots were smoothed)."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"value": rng.lognormal(0, 0.5, 2000) * magnitude, "other": rng.normal(size=2000)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflow warns
        out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(2000)["value"].to_numpy()
    assert np.isfinite(out).all() and (out > 0).all()
    assert np.median(out) == pytest.approx(np.median(data["value"]), rel=0.1)


def test_numbers_in_steps_coarser_than_their_decimals_keep_their_steps(tmp_path: Path) -> None:
    """Salaries in thousands, prices in hundreds, amounts in steps of 0.05 and hours in quarters
    came back off their steps in 2-5% of rows (117,321; 10.94; 19.41): values inside a bin are
    interpolated and tails drawn from a smooth shape. A relation between two of them is mended
    onto the step too (one decimal place had rounded quarters onto tenths)."""
    rng = np.random.default_rng(0)
    n = 3000
    hours = np.round(rng.gamma(4, 2, n) * 4) / 4
    data = pd.DataFrame(
        {
            "salary": rng.lognormal(11, 0.4, n) // 1000 * 1000,
            "price": (rng.lognormal(8, 0.6, n) // 100 * 100).astype("int64"),
            "amount": np.round(rng.gamma(2, 3, n) * 20) / 20,
            "hours": hours,
            "billed_hours": hours + np.round(rng.exponential(1, n) * 4) / 4,  # hours <= billed_hours
        }
    )
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")
    for column, step in {"salary": 1000, "price": 100, "amount": 0.05, "hours": 0.25, "billed_hours": 0.25}.items():
        units = out[column].to_numpy(dtype=float) / step
        assert np.allclose(units, np.round(units), rtol=0, atol=1e-6), column
        assert out[column].nunique() > 40, column  # still a spread of values, not a few
    assert (out["hours"] <= out["billed_hours"]).all()
    assert "in steps of 1000" in syn.describe()["columns"]["salary"]["encoding"]


def test_round_steps_real_values_heap_on_keep_their_shares_by_size(tmp_path: Path) -> None:
    """40% of prices were whole dollars (cheap ones with cents, dear ones mostly whole); drawn inside
    their bins, 1.5% of synthetic prices were. Amounts with cents and no heap keep none."""
    rng = np.random.default_rng(0)
    n = 6000
    price = rng.lognormal(5, 1.2, n)
    whole = rng.random(n) < np.where(price > np.median(price), 0.7, 0.1)
    data = pd.DataFrame(
        {
            "price": np.where(whole, np.round(price), np.round(price, 2)),
            "plain": np.round(rng.lognormal(5, 1.2, n), 2),
            "other": rng.normal(size=n),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")
    columns = syn.describe()["columns"]
    assert "round steps of 1" in columns["price"]["encoding"] and "round steps" not in columns["plain"]["encoding"]
    cut = np.median(data["price"])
    for dear in (False, True):
        real, synthetic = (_whole_share(table["price"], cut, dear) for table in (data, out))
        assert synthetic == pytest.approx(real, abs=0.05), dear
    assert (out["plain"] % 1 == 0).mean() < 0.03


def _whole_share(price: pd.Series, cut: float, dear: bool) -> float:
    """The share of whole amounts among the prices above ``cut`` (``dear``) or not."""
    return float((price[(price > cut) == dear] % 1 == 0).mean())


def test_a_narrow_bin_of_whole_numbers_is_judged_against_its_own_share_of_round_ones() -> None:
    """Ages 0-59 (four rows each: none held by enough rows to be kept exact) next to large values
    half of them on fives: chance taken as 1/5 found a heap on 5 in bins of 0-5 (two of six whole
    numbers are multiples of 5) and 26% of their draws came back multiples of 5, 20% of the real
    ones are. The heap of the large values is still kept."""
    from synthpipe.engine.codecs.numeric import NumericCodec
    from synthpipe.engine.config import EngineConfig
    from synthpipe.engine.frames import storage_type

    rng = np.random.default_rng(0)
    large = rng.integers(1000, 20000, 360)
    large = np.where(rng.random(360) < 0.5, np.rint(large / 5) * 5, large)
    series = pd.Series(np.concatenate([np.repeat(np.arange(60), 4), large]).astype("int64"))
    codec = NumericCodec.fit(series, storage_type(series), EngineConfig())
    assert codec.p.heaps == [5.0]
    small_bins = np.unique(codec.encode(pd.Series(np.arange(60))))
    assert np.asarray(codec.p.heap_shares)[small_bins].max() < 0.01
    drawn = np.concatenate([codec.numeric_decoded(codec.encode(series), np.random.default_rng(k)) for k in range(20)])
    assert np.mean(drawn[drawn < 60] % 5 == 0) == pytest.approx(0.2, abs=0.03)
    assert np.mean(drawn[drawn >= 1000] % 5 == 0) == pytest.approx(np.mean(large % 5 == 0), abs=0.03)


def test_times_people_round_to_whole_minutes_keep_their_share(tmp_path: Path) -> None:
    """60% of durations were whole minutes (the rest any second of a day), half of the log times
    were: the ladder of round numbers (5, 10, 50, 100 seconds) had no minute, and drawn inside bins
    of seconds 10% and 2% of synthetic ones were whole minutes. Office times on quarter hours keep
    theirs too (their clock times drawn from the real ones' quantiles); times with no heap gain none."""
    rng = np.random.default_rng(0)
    n, start = 5000, int(pd.Timestamp("2024-01-01").timestamp())
    seconds = rng.integers(1, 86_401, n)
    office = start + rng.integers(0, 365, n) * 86_400 + rng.integers(9 * 3_600, 18 * 3_600, n)
    data = pd.DataFrame(
        {
            "took": pd.to_timedelta(np.where(rng.random(n) < 0.6, -(-seconds // 60) * 60, seconds), unit="s"),
            "logged": pd.to_datetime(start + np.where(rng.random(n) < 0.5, seconds // 60 * 60, seconds), unit="s"),
            "met": pd.to_datetime(np.where(rng.random(n) < 0.4, office // 900 * 900, office), unit="s"),
            "waited": pd.to_timedelta(rng.permutation(seconds), unit="s"),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")
    for column, step in {"took": 60, "logged": 60, "met": 900, "waited": 60}.items():
        real, synthetic = (_on_step(table[column], step) for table in (data, out))
        assert synthetic == pytest.approx(real, abs=0.03), column
    assert "round steps of minute" in syn.describe()["columns"]["took"]["encoding"]
    assert "round steps" not in syn.describe()["columns"]["waited"]["encoding"]


def _on_step(times: pd.Series, seconds: int) -> float:
    """The share of ``times`` (timestamps or durations) that are whole multiples of ``seconds``."""
    ticks = times.dt.total_seconds() if times.dtype.kind == "m" else times.astype("datetime64[s]").astype("int64")
    return float(np.mean(ticks.to_numpy() % seconds == 0))


def test_a_sum_in_steps_coarser_than_its_parts_stays_a_sum() -> None:
    """Budgets in hundreds split into rent and the rest in tens: put back on hundreds, the recomputed
    budget broke ``budget == rent + other`` in 91% of rows. The sum wins over the step."""
    rng = np.random.default_rng(0)
    budget = rng.integers(20, 200, 3000) * 100.0
    rent = np.round(budget * rng.uniform(0.2, 0.8, 3000) / 10) * 10
    syn = Synthesizer(seed=0, max_epochs=2).fit(pd.DataFrame({"rent": rent, "other": budget - rent, "budget": budget}))
    assert "budget == rent + other" in syn.describe()["constraints"]
    out = syn.sample(3000)
    assert (out["rent"] + out["other"] == out["budget"]).all()
    assert (out["rent"] % 10 == 0).all() and (out["other"] % 10 == 0).all()


def test_columns_of_tiny_values_are_no_sums_of_each_other() -> None:
    """Every value of three columns around 1e-20, 1e-100 and 1e-200 lay within the sums' absolute
    slack of 1e-9 of every other, so ``e20 == e200 + e100`` was kept and e20 came back as e200's
    values."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame({f"e{e}": rng.lognormal(0, 0.5, 500) * 10.0**-e for e in (200, 100, 20)})
    syn = Synthesizer(seed=0, max_epochs=2).fit(data)
    assert syn.describe()["constraints"] == []
    assert syn.sample(500)["e20"].median() == pytest.approx(1e-20, rel=0.5)


def test_integers_next_to_the_int64_limits_do_not_wrap_round() -> None:
    """float(2**63 - 1) is 2**63: a tail draw clipped there came back as -2**63."""
    rng = np.random.default_rng(0)
    top, bottom = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    data = pd.DataFrame(
        {
            "near_top": top - rng.integers(0, 2**40, 2000),
            "near_bottom": bottom + rng.integers(0, 2**40, 2000),
            "unsigned": np.iinfo(np.uint64).max - rng.integers(0, 2**40, 2000).astype(np.uint64),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # an overflowing cast warns
        out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(20_000)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert out["near_top"].min() > 0 and out["near_bottom"].max() < 0
    assert out["unsigned"].min() > 2**63


OPEN_ENDS = {
    "microseconds": pd.Timestamp("9999-12-31 23:59:59.999999").as_unit("us"),  # PostgreSQL 'infinity' staged
    "nanoseconds": pd.Timestamp.max,
    "int64": np.iinfo(np.int64).max,
    "Int64": np.iinfo(np.int64).max,
    "decimal": Decimal("99999999999999.99"),  # a 'no limit' credit line in numeric(16, 2)
}


def _with_open_ends(kind: str, is_open: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """A column of ``kind`` holding its open end (``OPEN_ENDS``) where ``is_open``."""
    end, n = OPEN_ENDS[kind], is_open.size
    if isinstance(end, pd.Timestamp):
        starts = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 10**14, n), unit="us")
        return pd.Series(starts.as_unit(end.unit)).where(~is_open, end)
    if isinstance(end, Decimal):
        cents = [Decimal(int(c)).scaleb(-2) for c in rng.integers(0, 10**7, n)]
        return pd.Series([end if o else c for o, c in zip(is_open, cents, strict=True)], dtype=object)
    col = pd.Series(np.where(is_open, end, rng.integers(0, 10**6, n))).astype(kind)
    return col.mask(rng.random(n) < 0.1) if kind == "Int64" else col


@pytest.mark.parametrize("kind", sorted(OPEN_ENDS))
def test_a_value_many_rows_hold_past_float_precision_comes_back_exact(kind: str, tmp_path: Path) -> None:
    """Float64 rounds whole numbers past 2**53: an open end half the rows held, 9999-12-31
    23:59:59.999999, came back 32 microseconds early in all of them (``valid_to = <open end>``
    found no synthetic current row), an int64 sentinel 2**63 - 1 came back as 2**63 - 1023 and a
    decimal 99999999999999.99 (9,999,999,999,999,999 cents) as 99999999999999.98."""
    rng = np.random.default_rng(0)
    end, is_open = OPEN_ENDS[kind], rng.random(600) < 0.5
    data = pd.DataFrame({"plan": rng.choice(["basic", "pro"], 600), "ends": _with_open_ends(kind, is_open, rng)})
    out = sampled_after_save_and_load(Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(data), 600, tmp_path)
    assert out["ends"].dtype == data["ends"].dtype
    assert (out["ends"] == end).mean() == pytest.approx(is_open.mean(), abs=0.08)
    assert out["ends"].max() == end


def test_rare_values_past_float_precision_sharing_one_float_are_not_made_exact() -> None:
    """30 real timestamps within the last 32 microseconds of 9999 are one float; none is held by
    5 rows, so none may come back (privacy), though the float itself is held by 30."""
    rng = np.random.default_rng(0)
    last = pd.Timestamp("9999-12-31 23:59:59.999999").as_unit("us")
    rare = pd.Series([last - pd.Timedelta(microseconds=int(i)) for i in range(30)])
    common = pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 10**14, 270), unit="us")
    data = pd.DataFrame({"at": pd.concat([rare, pd.Series(common.as_unit("us"))], ignore_index=True)})
    out = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(data).sample(3000)
    assert out["at"].dt.year.eq(9999).any()
    assert not out["at"].isin(rare).any()


def test_arrow_integers_with_nulls_stay_inside_their_type() -> None:
    """An Arrow integer column with nulls reads as float64 and is learned as a float: a tail draw
    past 127 of an int8, or one rounding to 2**63 (2**64) next to the limit, raised ArrowInvalid
    when the Table (or the int64[pyarrow] column) was written back."""
    rng = np.random.default_rng(0)
    n = 400
    readings = [None if i % 10 == 0 else int(v) for i, v in enumerate(rng.integers(-128, 128, n))]
    table = pa.table({"x": rng.normal(size=n), "temp_c": pa.array(readings, pa.int8())})
    out = Synthesizer(seed=0, max_epochs=2).fit(table).sample(4000)
    assert out.schema.equals(table.schema)
    assert out.column("temp_c").null_count > 0
    for dtype, top in (("int64[pyarrow]", 2**63 - 1), ("uint64[pyarrow]", 2**64 - 1)):
        buckets = [None if i % 10 == 0 else top - int(v) for i, v in enumerate(rng.integers(0, 50, n))]
        data = pd.DataFrame({"x": rng.normal(size=n), "h": pd.array(buckets, dtype=dtype)})
        drawn = Synthesizer(seed=0, max_epochs=2).fit(data).sample(1000)
        assert drawn.dtypes.to_dict() == data.dtypes.to_dict()
        values = drawn["h"].dropna().to_numpy(dtype=data["h"].dtype.numpy_dtype)
        assert (values >= top - 2**12).all()  # past 2**53 floats step by 2**11: the top float below the limit
        as_table = Synthesizer(seed=0, max_epochs=2).fit(pa.Table.from_pandas(data, preserve_index=False)).sample(1000)
        assert as_table.schema.field("h").type == data["h"].dtype.pyarrow_dtype


def test_arrow_decimals_next_to_their_precision_stay_inside_it() -> None:
    """A tail draw of a decimal(8,2) next to 999999.99 needed 9 digits: writing the Table (or the
    decimal128(8, 2)[pyarrow] column) back raised ArrowInvalid."""
    rng = np.random.default_rng(0)
    amounts = [Decimal(f"{v:.2f}") for v in np.clip(999_999.99 - rng.exponential(50, 2000), 0, 999_999.99)]
    table = pa.table({"amount": pa.array(amounts, pa.decimal128(8, 2)), "x": rng.normal(size=2000)})
    out = Synthesizer(seed=0, max_epochs=3).fit(table).sample(5000)
    assert out.schema.equals(table.schema)
    assert max(out.column("amount").to_pylist()) <= Decimal("999999.99")
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    drawn = Synthesizer(seed=0, max_epochs=3).fit(frame).sample(5000)
    assert drawn.dtypes.to_dict() == frame.dtypes.to_dict()


def test_a_small_tables_clip_point_is_not_a_mass() -> None:
    """Clipping piles a 30-row column's 5 smallest values onto its 6th: that is no real mass, and
    setting it apart moved 269 small tables of the scan; 25+ real rows at 0 are one."""
    from synthpipe.engine.codecs.numeric import _masses

    small = np.sort(np.arange(30.0))
    assert _masses(small, np.clip(small, small[5], small[-6]), ()) == ()
    zeros = np.sort(np.r_[np.zeros(40), np.arange(1.0, 301.0)])
    assert _masses(zeros, np.clip(zeros, zeros[5], zeros[-6]), ()) == (0.0,)


def test_arrow_decimals_of_a_negative_scale_keep_their_type() -> None:
    """``decimal128(5, -2)`` holds hundreds (``1.2E+3``): its draws were whole numbers (1234), and
    writing the Table back raised ArrowInvalid ("Rescaling Decimal value would cause data loss")."""
    rng = np.random.default_rng(0)
    hundreds = [Decimal(int(v) * 100) for v in rng.integers(0, 99_999, 400)]
    table = pa.table({"x": rng.normal(size=400), "price": pa.array(hundreds, pa.decimal128(5, -2))})
    out = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(table).sample(2_000)
    assert out.schema.equals(table.schema)
    assert all(v % 100 == 0 and 0 <= v <= Decimal("9999900") for v in out.column("price").to_pylist())
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    drawn = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(frame).sample(200)
    assert drawn.dtypes.to_dict() == frame.dtypes.to_dict()


def test_a_dictionary_column_of_null_values_stays_one() -> None:
    """``dictionary<values=null>`` (a DuckDB ENUM column no row sets) comes back all null in its type."""
    nulls = pa.DictionaryArray.from_arrays(pa.array([None] * 60, pa.int32()), pa.array([], pa.null()))
    table = pa.table({"x": np.arange(60.0) % 7, "state": nulls})
    out = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(table).sample(20)
    assert out.schema.equals(table.schema) and out.column("state").null_count == 20
