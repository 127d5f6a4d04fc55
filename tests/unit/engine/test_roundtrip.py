"""Every column kind comes back in its own dtype, with its nulls, tz and format."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.engine.frames import mixed_text_layouts, storage_type, text_dates, text_layouts, text_times
from synthpipe.errors import ArtifactError
from tests.unit.engine.conftest import FAST, re_signed, sampled_after_save_and_load


def test_same_columns_order_and_dtypes(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    assert list(synthetic.columns) == list(frame.columns)
    assert synthetic.dtypes.to_dict() == frame.dtypes.to_dict()
    assert len(synthetic) == len(frame)
    assert isinstance(synthetic.index, pd.RangeIndex)


def test_tz_dates_and_decimals_keep_their_type(synthetic: pd.DataFrame) -> None:
    assert str(synthetic["seen_at"].dt.tz) == "Europe/Berlin"
    assert all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in synthetic["birthday"])
    prices = synthetic["price"]
    assert all(isinstance(v, decimal.Decimal) for v in prices)
    assert all(v.as_tuple().exponent == -2 for v in prices)
    assert (synthetic["signup"].dt.normalize() == synthetic["signup"]).all()  # day resolution kept


def test_null_rates_are_preserved(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    for column in ["age_nullable", "income", "maybe", "city"]:
        assert synthetic[column].isna().mean() == pytest.approx(frame[column].isna().mean(), abs=0.05)
    assert synthetic["nothing"].isna().all()


def test_constant_infinities_and_categoricals(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    assert (synthetic["const"] == "same").all()
    share_inf = np.isinf(synthetic["spiky"]).mean()
    assert share_inf == pytest.approx(np.isinf(frame["spiky"]).mean(), abs=0.03)
    assert synthetic["tier"].dtype == frame["tier"].dtype
    assert set(synthetic["city"].dropna()) <= set(frame["city"].dropna())


def test_categories_keep_their_own_dtype(tmp_path) -> None:
    """int8 categories came back int64, string[pyarrow] ones as pandas' default str."""
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "size": pd.Categorical(rng.choice(np.array([1, 2, 3], dtype="int8"), 300)),
            "grade": pd.Series(rng.choice(["x", "y"], 300), dtype="string[pyarrow]").astype("category"),
            "plan": pd.Series(rng.choice(["free", "pro"], 300), dtype="string[python]").astype("category"),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    out = syn.sample(50)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    for column in data:
        assert out[column].cat.categories.dtype == data[column].cat.categories.dtype
    assert sampled_after_save_and_load(syn, 50, tmp_path).equals(out)


def test_integers_stay_integral_and_in_range(frame: pd.DataFrame, synthetic: pd.DataFrame) -> None:
    assert synthetic["age"].dtype == np.int16
    assert synthetic["age"].between(frame["age"].min(), frame["age"].max()).all()


def test_describe_names_every_kind(fitted: Synthesizer) -> None:
    import json

    summary = json.loads(json.dumps(fitted.describe()))
    assert summary["training"]["rows_used"] == 1500 and summary["training"]["fit_seconds"] > 0
    kinds = {name: col["kind"] for name, col in fitted.describe()["columns"].items()}
    assert kinds["user_id"] == kinds["code"] == "identifier"
    assert kinds["const"] == "constant"
    assert kinds["nothing"] == "all-null"
    assert kinds["flag"] == kinds["maybe"] == "boolean"
    assert kinds["seen_at"] == "datetime"
    assert kinds["birthday"] == "date"
    assert kinds["city"] == "categorical"
    assert kinds["income"] == "numeric"


def test_arrow_table_in_table_out(frame: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(frame[["age", "income", "city", "seen_at", "price"]], preserve_index=False)
    syn = Synthesizer(seed=1, **FAST).fit(table)
    out = syn.sample(50)
    assert isinstance(out, pa.Table)
    assert out.schema.equals(table.schema.remove_metadata())
    assert out.num_rows == 50


def test_sample_zero_rows(fitted: Synthesizer, frame: pd.DataFrame) -> None:
    out = fitted.sample(0)
    assert isinstance(out, pd.DataFrame)
    assert len(out) == 0 and list(out.columns) == list(frame.columns)


def test_arrow_types_round_trip() -> None:
    rng = np.random.default_rng(0)
    n = 200
    table = pa.table(
        {
            "day": pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=int(i)) for i in rng.integers(0, 500, n)]),
            "dict": pa.array(rng.choice(["x", "y", "z"], n)).dictionary_encode(),
            "i8": pa.array(rng.integers(-5, 5, n), pa.int8()),
            "u32": pa.array(rng.integers(0, 1000, n), pa.uint32()),
            "dec": pa.array([decimal.Decimal(f"{v:.3f}") for v in rng.uniform(0, 10, n)], pa.decimal128(10, 3)),
            "big": pa.array(rng.choice(["aa", "bb"], n), pa.large_string()),
        }
    )
    out = Synthesizer(seed=0, max_epochs=2).fit(table).sample(30)
    assert isinstance(out, pa.Table)
    assert out.schema.equals(table.schema, check_metadata=True)


def test_pyarrow_backed_pandas_dtypes_round_trip() -> None:
    data = pd.DataFrame(
        {
            "a": pd.array([1, 2, None] * 30, dtype="int64[pyarrow]"),
            "s": pd.array(["x", "y", None] * 30, dtype="string[pyarrow]"),
            "f": pd.Series(np.arange(90.0), dtype="float32[pyarrow]"),
        }
    )
    out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(40)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert out["a"].isna().any() and out["s"].isna().any()


def test_python_stored_strings_stay_python_stored(tmp_path: Path) -> None:
    """``string[python]`` text (and date text) came back ``string[pyarrow]``: its dtype was kept as
    ``string``, which pandas reads as its default storage."""
    n = 90
    data = pd.DataFrame(
        {
            "city": pd.array(["Oslo", "Rome", None] * (n // 3), dtype="string[python]"),
            "day": pd.array([f"2021-03-{i % 28 + 1:02d}" for i in range(n)], dtype="string[python]"),
        }
    )
    out = sampled_after_save_and_load(Synthesizer(seed=0, max_epochs=2).fit(data), 40, tmp_path / "model")
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert out["city"].isna().any()


def test_arrow_dtypes_whose_pandas_names_do_not_parse_round_trip(tmp_path: Path) -> None:
    """What ``pd.read_parquet(..., dtype_backend="pyarrow")`` hands over: Arrow types of every kind."""
    n = 120
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i % 40) for i in range(n)]
    data = pd.DataFrame(
        {
            "day": pd.Series(days, dtype=pd.ArrowDtype(pa.date32())),
            "price": pd.Series(
                [decimal.Decimal(f"{i % 17}.25") for i in range(n)], dtype=pd.ArrowDtype(pa.decimal128(9, 2))
            ),
            "city": pd.Series(["Oslo", "Rome", None] * (n // 3), dtype=pd.ArrowDtype(pa.string())),
            "clock": pd.Series([dt.time(i % 24, 30) for i in range(n)], dtype=pd.ArrowDtype(pa.time64("us"))),
        }
    )
    out = sampled_after_save_and_load(Synthesizer(seed=0, max_epochs=2).fit(data), 50, tmp_path / "model")
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert all(isinstance(v, decimal.Decimal) for v in out["price"].dropna())
    assert out["city"].isna().any()


def test_arrow_backed_decimals_and_clock_times_with_nulls_round_trip() -> None:
    """Their nulls are pd.NA, whose truth value is ambiguous: fitting a decimal128 or time64
    column read with dtype_backend="pyarrow" raised TypeError as soon as it held a null."""
    rng = np.random.default_rng(0)
    n = 200
    price = [None if i % 7 == 0 else decimal.Decimal(f"{v:.2f}") for i, v in enumerate(rng.gamma(2, 20, n))]
    opens = [None if i % 7 == 0 else dt.time(int(h), 30) for i, h in enumerate(rng.integers(6, 11, n))]
    table = pa.table({"price": pa.array(price, pa.decimal128(10, 2)), "opens": pa.array(opens, pa.time64("us"))})
    data = table.to_pandas(types_mapper=pd.ArrowDtype)
    out = Synthesizer(seed=0, max_epochs=2).fit(data).sample(300)
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert out["price"].isna().mean() == pytest.approx(1 / 7, abs=0.06)
    assert out["opens"].isna().mean() == pytest.approx(1 / 7, abs=0.06)
    assert all(v.as_tuple().exponent == -2 for v in out["price"].dropna())
    assert {v.minute for v in out["opens"].dropna()} == {30}


def test_decimals_wider_than_28_digits_are_written_at_their_scale() -> None:
    """Spark's default decimal(38,18) holds 30 digits at 1e11, numeric(38,0) keys 37: quantize ran
    in Python's 28-digit default context and sampling raised decimal.InvalidOperation."""
    rng = np.random.default_rng(0)
    n = 300
    places = decimal.Decimal(1).scaleb(-18)
    balances = [
        decimal.Decimal(f"{v:.2f}").quantize(places, context=decimal.Context(prec=38)) for v in rng.gamma(2, 5e10, n)
    ]
    keys = [decimal.Decimal(10**37 - int(v) * 10**30) for v in rng.integers(0, 10**6, n)]
    table = pa.table(
        {
            "x": rng.normal(size=n),
            "balance": pa.array(balances, pa.decimal128(38, 18)),
            "key": pa.array(keys, pa.decimal128(38, 0)),
        }
    )
    out = Synthesizer(seed=0, max_epochs=2).fit(table).sample(200)
    assert out.schema.equals(table.schema)
    drawn = out.column("balance").to_pylist()
    assert all(v.as_tuple().exponent == -18 for v in drawn)
    assert min(drawn) > 0 and max(drawn) < 10**13
    frame = pd.DataFrame({"x": rng.normal(size=n), "balance": pd.Series(balances, dtype=object)})
    as_objects = Synthesizer(seed=0, max_epochs=2).fit(frame).sample(200)["balance"]
    assert all(isinstance(v, decimal.Decimal) and v.as_tuple().exponent == -18 for v in as_objects)


def _date_text_frame(n: int = 600) -> pd.DataFrame:
    """Dates as text, the way SQLite and CSV files hand them over."""
    rng = np.random.default_rng(1)
    start = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    end = start + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    stamp = start + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    return pd.DataFrame(
        {
            "signup": pd.Series(start.strftime("%Y-%m-%d"), dtype=object),
            "churned": pd.Series(end.strftime("%Y-%m-%d"), dtype=object).where(rng.random(n) > 0.2, None),
            "seen_at": pd.Series(stamp.strftime("%Y-%m-%dT%H:%M:%S"), dtype="string[pyarrow]"),
            "not_a_date": [f"2020-13-{i % 28 + 1:02d}" for i in range(n)],  # month 13: stays text
        }
    )


def test_date_text_is_modelled_as_time_and_written_back_as_text() -> None:
    data = _date_text_frame()
    syn = Synthesizer(seed=0, max_epochs=4).fit(data)
    out = syn.sample(400)
    kinds = {name: entry["kind"] for name, entry in syn.describe()["columns"].items()}
    assert kinds["signup"] == kinds["churned"] == kinds["seen_at"] == "datetime"
    assert kinds["not_a_date"] != "datetime"
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    assert out["signup"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert out["seen_at"].str.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}").all()
    # Days between the real ones too: the column is a time line, not a list of categories.
    assert set(out["signup"]) - set(data["signup"])
    assert 0.1 < out["churned"].isna().mean() < 0.3
    assert "_RARE_" not in set(out["signup"])
    assert "signup <= churned" in syn.describe()["constraints"]
    both = out.dropna(subset=["churned"])
    assert (pd.to_datetime(both["signup"]) <= pd.to_datetime(both["churned"])).all()


def _days_written_in_local_layouts(n: int = 600) -> pd.DataFrame:
    """Days as exports write them: month first (US), day first with dots (German), without leading
    zeros and with two-digit years (25/11/63), a month and its year (1/86), month names (05-JAN-86)."""
    rng = np.random.default_rng(5)
    ordered = pd.Timestamp("1986-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    shipped = ordered + pd.to_timedelta(rng.integers(1, 30, n), unit="D")
    return pd.DataFrame(
        {
            "ordered": ordered.strftime("%m/%d/%Y"),
            "shipped": shipped.strftime("%d.%m.%Y"),
            "seen": ordered.strftime("%-d/%-m/%y"),
            "month": ordered.strftime("%-m/%y"),
            "named": ordered.strftime("%d-%b-%Y"),
            "oracle": ordered.strftime("%d-%^b-%y"),  # Oracle's default DD-MON-YY
            "score": [f"{k}/10" for k in rng.integers(1, 11, n)],  # a fraction, not a month
        }
    )


LOCAL_LAYOUTS = {
    "ordered": ("%m/%d/%Y", r"\d\d/\d\d/\d{4}"),
    "shipped": ("%d.%m.%Y", r"\d\d\.\d\d\.\d{4}"),
    "seen": ("%-d/%-m/%y", r"[1-9]\d?/[1-9]\d?/\d\d"),
    "month": ("%-m/%y", r"[1-9]\d?/\d\d"),
    "named": ("%d-%b-%Y", r"\d\d-[A-Z][a-z]{2}-\d{4}"),
    "oracle": ("%d-%^b-%y", r"\d\d-[A-Z]{3}-\d\d"),
}


def test_days_written_day_or_month_first_are_days_written_back_the_same_way() -> None:
    """Baboon's 25/11/63 came back as unique keys (513996133) and acme's months 1/86 as 13/86,
    14/88: only ISO text was read as dates. A value past 12 settles which field is the day."""
    data = _days_written_in_local_layouts()
    syn = Synthesizer(seed=0, max_epochs=4).fit(data)
    out = syn.sample(500)
    columns = syn.describe()["columns"]
    for name, (layout, shape) in LOCAL_LAYOUTS.items():
        assert columns[name]["kind"] == "datetime", name
        assert out[name].str.fullmatch(shape).all(), name
        assert text_times(out[name], layout).notna().all(), name
        assert set(out[name]) - set(data[name]), name  # days between the real ones: a time line
    assert columns["score"]["kind"] != "datetime"
    assert "ordered < shipped" in syn.describe()["constraints"]  # read with the day in its place
    assert (text_times(out["ordered"], "%m/%d/%Y") < text_times(out["shipped"], "%d.%m.%Y")).all()


def test_two_digit_years_are_read_in_the_century_that_holds_them_all() -> None:
    """strptime reads 65 as 2065 and 72 as 1972: birth days of 1940-2005 were two clusters a
    century apart, and the years between them (2010: 10) came back. Now read in 1922-2021."""
    born = pd.Timestamp("1940-01-01") + pd.to_timedelta(np.arange(0, 24_000, 40), unit="D")
    data = pd.DataFrame({"born": born.strftime("%d/%m/%y")})
    assert storage_type(data["born"]).extras["years_from"] == 1922
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    out = syn.sample(2000)["born"]
    assert syn.describe()["columns"]["born"]["kind"] == "datetime"
    years = text_times(out, "%d/%m/%y", 1922).dt.year
    assert years.between(1930, 2015).all()  # tails a little past the real days, none a century away
    assert (years < 1970).mean() > 0.3 and (years >= 2000).mean() > 0.02  # both sides of 1969/2068


def _days_merged_from_two_systems(n: int = 800) -> pd.DataFrame:
    """Days written ISO by one system and 17.01.2020 by the other in every tenth row (a CSV imported
    into SQLite), a few null, and one day written 05/01/2020 (ambiguous: its column-mates are day first)."""
    days = pd.Timestamp("2020-01-02") + pd.to_timedelta(np.arange(n), unit="D")
    text = pd.Series(days.strftime("%Y-%m-%d"), dtype=object)
    text[::10] = days[::10].strftime("%d.%m.%Y")
    text[3] = days[3].strftime("%d/%m/%Y")  # 05/01/2020: 1 row of 800, too few to be a layout
    text[[7, 21]] = None
    return pd.DataFrame({"amount": np.arange(n) % 37, "booked": text})


ISO_OR_GERMAN = r"\d{4}-\d{2}-\d{2}|\d{2}\.\d{2}\.\d{4}"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        (["03.04.2021", "25.11.2020", None], ["2021-04-03", "2020-11-25", None]),
        (["03/04/21", "11/25/20", "01/02/99"], ["2021-03-04", "2020-11-25", "1999-01-02"]),
        (["2021-01-05", "05.01.2021"] * 5, ["2021-01-05"] * 10),
    ],
)
def test_an_entity_trends_wall_clock_reads_date_text_as_the_engine_learns_it(
    text: list[str | None], days: list[str | None]
) -> None:
    """A daily panel's dates are matched to their weekdays on their wall clock; read by pandas'
    guess, 03.04.2021 beside 25.11.2020 was March 4th and 25.11.2020 no date at all."""
    from synthpipe.engine.synthesizer import _wall_clock_ns

    clock = _wall_clock_ns(pd.Series(text, dtype=object))
    assert clock is not None
    assert pd.to_datetime(clock).equals(pd.DatetimeIndex(pd.to_datetime(days)))


def test_days_written_in_two_layouts_are_days_written_in_both(tmp_path: Path) -> None:
    """A tenth of ISO days written 17.01.2020 matched no single layout: the column was taken for a
    key and came back as strings shaped like neither ('2023.01-03', '2026.02-2020'). Each layout
    is now written in its real share, by row, whatever chunks the rows are sampled in; the one day
    written 05/01/2020 is read (as January 5th, day first as its column-mates) but its layout,
    held by one row, is never written."""
    data = _days_merged_from_two_systems()
    st = storage_type(data["booked"])
    assert st.extras["text_formats"] == {"%Y-%m-%d": 717 / 797, "%d.%m.%Y": 80 / 797, "%d/%m/%Y": 0.0}
    assert text_dates(data["booked"], text_layouts(st.extras))[3] == pd.Timestamp("2020-01-05")
    syn = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(data)
    column = syn.describe()["columns"]["booked"]
    assert column["kind"] == "datetime"
    assert column["written_as"] == "text %Y-%m-%d (90%), %d.%m.%Y (10%); read, too rare to write: %d/%m/%Y"
    out = sampled_after_save_and_load(syn, 4000, tmp_path)["booked"]
    written = out.dropna()
    assert written.str.fullmatch(ISO_OR_GERMAN).all()
    assert 0.08 < written.str.contains(".", regex=False).mean() < 0.12
    assert text_dates(written, ["%Y-%m-%d", "%d.%m.%Y"]).notna().all()
    assert set(written) - set(data["booked"])  # days between the real ones: a time line
    chunks = pd.concat(syn.sample_chunks(4000, chunk_size=777))["booked"]
    pd.testing.assert_series_equal(chunks, syn.sample(4000)["booked"])
    assert not Synthesizer(seed=1, max_epochs=2, hidden_size=16).fit(data).sample(4000)["booked"].equals(out)


def test_a_day_an_entity_shares_is_written_in_one_layout_in_all_its_rows() -> None:
    """A customer's signup day, 2021-03-15 or 15.03.2021 as its system wrote it, is one value in
    all its order rows: drawn by row, it was written both ways in 377 of 729 customers."""
    rng = np.random.default_rng(3)
    counts = rng.integers(1, 8, 400)
    customer = np.repeat(np.arange(counts.size), counts)
    signup = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 400, counts.size), unit="D")
    text = np.where(rng.random(counts.size) < 0.2, signup.strftime("%d.%m.%Y"), signup.strftime("%Y-%m-%d"))
    data = pd.DataFrame({"customer_id": [f"C{c:04d}" for c in customer], "signed_up": text[customer]})
    syn = Synthesizer(seed=0, max_epochs=2, hidden_size=16).fit(data)
    assert syn.describe()["entities"]["shared_columns"] == ["signed_up"]
    out = syn.sample(3000)
    assert (out.groupby("customer_id")["signed_up"].nunique() == 1).all()
    assert 0.1 < out["signed_up"].str.contains(".", regex=False).mean() < 0.3


@pytest.mark.parametrize(
    ("values", "reading"),
    [
        (["2020-01-17"] * 6 + ["17.01.2020"] * 5, {"%Y-%m-%d": 6 / 11, "%d.%m.%Y": 5 / 11}),
        (["03/04/2021"] * 5 + ["25/11/2020", "2020-01-17"] * 5, {"%d/%m/%Y": 10 / 15, "%Y-%m-%d": 5 / 15}),
        (["03/04/2021"] * 5 + ["2020-01-17"] * 5, {"%m/%d/%Y": 0.5, "%Y-%m-%d": 0.5}),  # as in one layout
        (
            ["03/04/2021"] * 5 + ["2020-01-17"] * 5 + ["Jan 17, 2020"],
            {"%m/%d/%Y": 0.5, "%Y-%m-%d": 0.5, "%b %d, %Y": 0},
        ),
        (["2020-01-17"] * 9 + ["2020-01-17 10:30:00"] * 5, {"%Y-%m-%d": 9 / 14, "%Y-%m-%d %H:%M:%S": 5 / 14}),
        (["2020-01-17"] * 9 + ["17.01.2020"] * 4, {"%Y-%m-%d": 1.0, "%d.%m.%Y": 0.0}),  # 4 rows: read, not written
        (["2020-01-17"] * 4 + ["17.01.2020"] * 4, None),  # no layout held by enough rows
        (["11/25/2020"] * 5 + ["25/11/2020"] * 5 + ["2020-01-17"] * 5, None),  # US and European days in one shape
        (["05.01.2020"] * 5 + ["5.1.2020"] * 5 + ["2020-01-17"] * 5, None),  # zero-padded and not in one shape
        (["2020-01-17"] * 5 + ["10:30"] * 5, None),  # clock times without a day
        (["2020-01-17", "17.01.2020", "01/17/2020", "Jan 17, 2020"] * 5, None),  # more than MAX_TEXT_LAYOUTS
        (["2020-01-17"] * 5 + ["17.01.2020"] * 5 + ["n/a"], None),  # a value that is no date
    ],
)
def test_layouts_of_date_text_in_several(values: list[str], reading: dict[str, float] | None) -> None:
    """Which layouts a column of date text in several is read in, each settled by its values, and
    the share synthetic ones are written in."""
    found = mixed_text_layouts(pd.Series(values, dtype=object))
    assert found == (None if reading is None else pytest.approx(reading))
    if found is not None:
        assert storage_type(pd.Series(values, name="d")).logical == "datetime"


@pytest.mark.parametrize(
    "edit",
    [
        {"%Y-%m-%d": 0.9, "%s": 0.1},  # no date layout (seconds since 1970)
        {"%Y-%m-%d": 0.9, "%d.%m.%Y": 0.3},  # shares past 1
        {"%d.%m.%Y": 0.1, "%Y-%m-%d": 0.9},  # the one written (text_format) not first
        {"%Y-%m-%d": 1.0},  # one layout is text_format alone
    ],
)
def test_a_re_signed_artifact_writing_dates_in_other_layouts_is_rejected(tmp_path: Path, edit: dict) -> None:
    """The layouts and shares are checked on load, like every other saved part."""
    import json

    from synthpipe.errors import ArtifactError

    Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(_days_merged_from_two_systems()).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    column = next(c for c in doc["body"]["columns"] if c["storage"]["name"] == "booked")
    column["storage"]["extras"]["text_formats"] = edit
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="layouts"):
        Synthesizer.load(tmp_path)


def test_date_text_in_one_layout_has_no_others() -> None:
    """Single-layout columns are stored as before (no ``text_formats``): their models and rows do not change."""
    days = pd.Series(pd.date_range("2020-01-01", periods=50).strftime("%d.%m.%Y"), name="d")
    assert storage_type(days).extras == {"unit": "ns", "tz": None, "text_format": "%d.%m.%Y"}


@pytest.mark.parametrize("frame", [_date_text_frame, _days_written_in_local_layouts], ids=["iso", "local"])
def test_date_text_survives_save_and_load(tmp_path, frame) -> None:
    data = frame(300)
    syn = Synthesizer(seed=3, max_epochs=2).fit(data)
    syn.save(str(tmp_path / "model"))
    again = Synthesizer.load(str(tmp_path / "model"))
    pd.testing.assert_frame_equal(syn.sample(100), again.sample(100))


def test_timestamps_keep_their_real_clock_times() -> None:
    """Kick-offs at 15:30 stay at 15:30 and the like; days still come from the model."""
    rng = np.random.default_rng(2)
    n = 2000
    days = pd.Timestamp("2001-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    kickoff = days + pd.to_timedelta(rng.choice([15 * 60 + 30, 18 * 60 + 30, 20 * 60 + 45], n), unit="min")
    free = days + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s")
    data = pd.DataFrame({"kickoff": kickoff, "kickoff_text": kickoff.strftime("%Y-%m-%d %H:%M:%S"), "free": free})
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    out = syn.sample(1000)
    clock = {"15:30", "18:30", "20:45"}
    assert set(out["kickoff"].dt.strftime("%H:%M")) == clock
    assert set(out["kickoff_text"].str[11:16]) == clock
    assert (out["kickoff"].dt.normalize().isin(days)).mean() < 1  # days between the real ones too
    # Continuous clock times are not snapped to a few real ones.
    assert out["free"].dt.strftime("%H:%M:%S").nunique() > 900
    assert "clock times" in syn.describe()["columns"]["kickoff"]["encoding"]
    assert "clock times" not in syn.describe()["columns"]["free"]["encoding"]


def test_free_clock_times_keep_to_the_real_hours_of_the_day(tmp_path: Path) -> None:
    """Orders placed from 8:00 to 22:00 on any second, over five years: bins a couple of months
    wide put 42% of synthetic orders outside those hours. The clock time is drawn from the real
    ones' quantiles (the day still from the model), on the zone's local clock."""
    rng = np.random.default_rng(4)
    n = 6000
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 5 * 365, n), unit="D")
    evening = rng.random(n) < 0.3  # busier evenings: an uneven day
    seconds = np.where(evening, rng.integers(18 * 3600, 22 * 3600, n), rng.integers(8 * 3600, 22 * 3600, n))
    local = pd.Series(days + pd.to_timedelta(seconds, unit="s"))
    data = pd.DataFrame(
        {"ordered_at": local, "zoned": local.dt.tz_localize("America/New_York", nonexistent="shift_forward")}
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert "clock times by the real ones' quantiles" in syn.describe()["columns"]["ordered_at"]["encoding"]
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")
    for column in ("ordered_at", "zoned"):
        hours = out[column].dt.hour
        assert hours.between(8, 21).all() and abs((hours >= 18).mean() - (data[column].dt.hour >= 18).mean()) < 0.03
    assert out["ordered_at"].dt.strftime("%H:%M:%S").nunique() > 3000  # not a few real clock times
    assert out["ordered_at"].dt.normalize().nunique() > 1500  # days still spread over the five years


def test_zoned_timestamps_keep_their_local_clock_times_and_weekdays_across_dst() -> None:
    """Saturday kick-offs at 09:00, 15:00 and 20:00 in Berlin, over two years of DST changes,
    stay there in local time; modelled in UTC, a quarter came back an hour off (14:00, 21:00)."""
    rng = np.random.default_rng(0)
    n = 3000
    saturdays = pd.Timestamp("2021-01-02") + pd.to_timedelta(7 * rng.integers(0, 104, n), unit="D")
    local = saturdays + pd.to_timedelta(rng.choice([9, 15, 20], n, p=[0.3, 0.5, 0.2]), unit="h")
    data = pd.DataFrame({"kickoff": local.tz_localize("Europe/Berlin"), "x": rng.normal(size=n)})
    out = Synthesizer(seed=0, max_epochs=5).fit(data).sample(3000)["kickoff"]
    assert str(out.dt.tz) == "Europe/Berlin"
    assert set(out.dt.strftime("%H:%M")) == {"09:00", "15:00", "20:00"}
    assert (out.dt.day_of_week == 5).all()
    summer = out.dt.strftime("%z") == "+0200"
    assert 0.3 < summer.mean() < 0.8  # both sides of the DST change are drawn


def test_time_zones_given_as_dateutil_or_fixed_offset_objects_are_written_back(tmp_path: Path) -> None:
    """The zone was kept as str(tz), which names no zone for dateutil's tzfile('/usr/share/...'),
    tzutc(), tzoffset or pytz.FixedOffset: fit worked and sample() raised ZoneInfoNotFoundError.
    The output's zone is the same zone (or offset), by name."""
    import dateutil.tz

    rng = np.random.default_rng(0)
    n = 300
    naive = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 86_400 * 300, n), unit="s")
    zones = {
        "berlin": ("dateutil/Europe/Berlin", "Europe/Berlin"),
        "utc": (dateutil.tz.tzutc(), "UTC"),
        "india": (dateutil.tz.tzoffset("IST", 19_800), "UTC+05:30"),
        "eastern": (dateutil.tz.tzoffset(None, -18_000), "UTC-05:00"),  # as pytz.FixedOffset(-300)
    }
    data = pd.DataFrame(
        {name: naive.tz_localize(tz, nonexistent="shift_forward", ambiguous=True) for name, (tz, _) in zones.items()}
    )
    out = sampled_after_save_and_load(Synthesizer(seed=0, max_epochs=2).fit(data), 200, tmp_path / "model")
    probe = pd.Series(pd.date_range("2023-01-01", periods=24, freq="15D"))  # both sides of Berlin's DST
    for name, (_, written) in zones.items():
        assert str(out[name].dt.tz) == written
        assert out[name].dt.unit == data[name].dt.unit
        offsets = [probe.dt.tz_localize(frame[name].dt.tz).dt.strftime("%z") for frame in (data, out)]
        assert offsets[0].equals(offsets[1])


def test_wall_clock_times_that_dst_skips_or_repeats_are_still_valid_instants() -> None:
    from synthpipe.engine.frames import StorageType, restore_numeric

    st = StorageType("t", "datetime64[ns, Europe/Berlin]", "datetime", True, {"unit": "ns", "tz": "Europe/Berlin"})
    st.extras["wall_clock"] = True
    skipped, repeated = pd.Timestamp("2021-03-28 02:30"), pd.Timestamp("2021-10-31 02:30")
    ticks = np.asarray([skipped.value, repeated.value], dtype="float64")
    back = restore_numeric(ticks, st, 1)
    assert back.tolist() == [
        pd.Timestamp("2021-03-28 03:00", tz="Europe/Berlin"),
        pd.Timestamp("2021-10-31 02:30+0200", tz="Europe/Berlin"),
    ]
    del st.extras["wall_clock"]  # a model saved before wall clocks was trained on UTC
    assert restore_numeric(ticks[:1], st, 1).tolist() == [pd.Timestamp("2021-03-28 02:30", tz="UTC")]


def test_dates_keep_their_weekly_rhythm() -> None:
    """Matches on Saturdays (some Sundays and Wednesdays) stay on those weekdays, as dates and as
    timestamps; a column with no weekly rhythm is left as drawn."""
    rng = np.random.default_rng(3)
    n = 3000

    def match_days() -> pd.DatetimeIndex:
        saturdays = pd.Timestamp("2001-01-06") + pd.to_timedelta(rng.integers(0, 520, n) * 7, unit="D")
        return saturdays + pd.to_timedelta(rng.choice([0, 1, -3], n, p=[0.8, 0.15, 0.05]), unit="D")

    data = pd.DataFrame(
        {
            "played_on": pd.Series(match_days().date, dtype=object),
            "kickoff": match_days() + pd.Timedelta(hours=15, minutes=30),
            "signed_up": pd.Timestamp("2001-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D"),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    out = syn.sample(3000)
    real = {5: 0.8, 6: 0.15, 2: 0.05}
    for name in ("played_on", "kickoff"):
        shares = pd.to_datetime(out[name]).dt.day_of_week.value_counts(normalize=True)
        assert set(shares.index) == set(real)
        assert all(abs(shares[day] - share) < 0.03 for day, share in real.items())
        assert "weekdays" in syn.describe()["columns"][name]["encoding"]
    assert set(out["kickoff"].dt.strftime("%H:%M")) == {"15:30"}
    assert out["signed_up"].dt.day_of_week.value_counts(normalize=True).between(0.11, 0.175).all()
    assert "weekdays" not in syn.describe()["columns"]["signed_up"]["encoding"]


def test_open_end_dates_come_back_within_the_calendar_and_leave_weekdays_alone() -> None:
    """9999-12-31 "open ends" (SCD2 valid_to) and 0001-01-01 "unknowns" stay real dates: as objects
    they came back as 1816 (nanoseconds wrapped round); as datetime64[us] a Friday mass made up a
    weekly rhythm that moved real dates onto Fridays and the open end into the year 10000, and
    sharing a bin with real dates, 4% of rows fell between the two (years 2024-9998)."""
    rng = np.random.default_rng(5)
    n = 3000
    regular = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    is_open = rng.random(n) < 0.6
    data = pd.DataFrame(
        {
            "valid_to": pd.Series(np.where(is_open, np.datetime64("9999-12-31", "us"), regular.values)),
            "ends_on": [dt.date(9999, 12, 31) if o else d.date() for o, d in zip(is_open, regular, strict=True)],
            "born_on": [
                dt.date(1, 1, 1) if o else d.date() for o, d in zip(rng.random(n) < 0.01, regular, strict=True)
            ],
            "version": rng.integers(1, 40, n),  # a whole number: spans from date to date are tried on it
        }
    ).astype({"valid_to": "datetime64[us]"})
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # nanoseconds past 2262 overflowed with a warning
        syn = Synthesizer(seed=0, max_epochs=3).fit(data)
        out = syn.sample(6000)
    assert out["valid_to"].max() == pd.Timestamp("9999-12-31")
    assert not out["valid_to"].dt.year.between(2023, 9998).any()  # none between the last real date and the end
    assert not any(dt.date(2023, 1, 1) <= v < dt.date(9999, 12, 31) for v in out["ends_on"])
    assert abs((out["valid_to"] == pd.Timestamp("9999-12-31")).mean() - 0.6) < 0.05
    for name in ("ends_on", "born_on"):
        assert all(isinstance(v, dt.date) for v in out[name])
        assert set(out[name]) & {dt.date(9999, 12, 31), dt.date(1, 1, 1)} == set(data[name]) & {
            dt.date(9999, 12, 31),
            dt.date(1, 1, 1),
        }
        assert min(out[name]) >= dt.date(2019, 12, 1) or min(out[name]) == dt.date(1, 1, 1)
    real_days = out["valid_to"][out["valid_to"].dt.year < 9999].dt.day_of_week.value_counts(normalize=True)
    assert real_days.between(0.11, 0.175).all()
    assert "weekdays" not in syn.describe()["columns"]["valid_to"]["encoding"]


def test_calendar_dates_stay_on_their_calendar_grid(tmp_path) -> None:
    """Billing months (first days), month ends as dates, quarter ends and 1 January stay so; 120
    months are too many for exact values, so they are binned and a drawn day had to be moved."""
    rng = np.random.default_rng(1)
    n = 3000

    def pick(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
        return dates[rng.integers(0, len(dates), n)]

    data = pd.DataFrame(
        {
            "billing_month": pick(pd.date_range("2010-01-01", periods=120, freq="MS")),
            "month_end": pd.Series(pick(pd.date_range("2010-01-31", periods=120, freq="ME")).date, dtype=object),
            "quarter_end": pick(pd.date_range("2005-03-31", periods=60, freq="QE")),
            "vintage": pick(pd.date_range("1950-01-01", periods=60, freq="YS")),
            "signed_up": pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D"),
        }
    )
    data["billed_until"] = data["billing_month"] + pd.offsets.MonthEnd(0)  # learned as an offset: on the grid too
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    out = sampled_after_save_and_load(syn, 2000, tmp_path / "model")
    assert (out["billing_month"].dt.day == 1).all() and out["billing_month"].nunique() > 100
    assert (out["billed_until"] == out["billing_month"] + pd.offsets.MonthEnd(0)).all()
    assert pd.to_datetime(out["month_end"]).dt.is_month_end.all()
    assert out["quarter_end"].dt.is_quarter_end.all()
    assert out["vintage"].dt.is_year_start.all()
    assert out["signed_up"].dt.day.nunique() == 31
    encodings = {name: col["encoding"] for name, col in syn.describe()["columns"].items()}
    assert encodings["billing_month"].endswith("kept on month starts")
    assert encodings["quarter_end"].endswith("kept on quarter ends")
    assert encodings["vintage"].endswith("kept on year starts")
    assert "kept on" not in encodings["signed_up"]


def _orders(n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(8)
    ordered = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86_400, n), unit="s")
    shipped = pd.Series(ordered.normalize() + pd.to_timedelta(rng.integers(0, 6, n), unit="D"))
    shipped = shipped.where(rng.random(n) > 0.1)  # not shipped yet: neither delivered
    return pd.DataFrame(
        {
            "ordered_at": ordered,
            "ship_date": pd.Series(shipped.dt.date, dtype=object).where(shipped.notna(), None),
            "delivered_at": shipped + pd.to_timedelta(rng.integers(86_400, 4 * 86_400, n), unit="s"),
            "due": ordered.normalize() + pd.Timedelta(days=30),
            "signed_up": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D"),
        }
    )


def test_dates_that_follow_another_one_keep_their_offsets(tmp_path) -> None:
    """Shipped 0-5 days after ordered, delivered 1-4 days after shipped, due 30 days after: each
    is learned as its offset, so no order ships before it was ordered or months later (binned on
    its own, 12% did); nulls, dtypes and save/load stay as for any column."""
    data = _orders()
    syn = Synthesizer(seed=0).fit(data)
    out = sampled_after_save_and_load(syn, 4000, tmp_path / "model")
    shipped = pd.to_datetime(out["ship_date"])
    lag = (shipped - out["ordered_at"].dt.normalize()).dt.days.dropna()
    assert lag.between(0, 5).all() and lag.value_counts(normalize=True).between(0.13, 0.2).all()
    assert 0.07 < out["ship_date"].isna().mean() < 0.13
    delivery = (out["delivered_at"] - shipped).dt.total_seconds().dropna() / 86_400
    assert delivery.between(0.95, 4.05).all()  # the offset's own clipped tails reach a little past 1-4 days
    assert ((out["due"] - out["ordered_at"].dt.normalize()).dt.days == 30).all()
    encodings = {name: col["encoding"] for name, col in syn.describe()["columns"].items()}
    assert encodings["ship_date"].startswith("offset from ordered_at in days")
    assert encodings["delivered_at"].startswith("offset from ship_date")
    assert encodings["due"].startswith("offset from ordered_at")
    assert "offset" not in encodings["signed_up"] and "offset" not in encodings["ordered_at"]
    assert syn.describe()["columns"]["due"]["kind"] == "datetime"
    clip = syn.describe()["columns"]["ship_date"]["protection"]["offset_clipped_to"]
    assert clip == ["0 days 00:00:00", "5 days 00:00:00"]  # durations, not nanoseconds


def _sign_ups(n: int, rng: np.random.Generator) -> pd.Series:
    return pd.Series(pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 1600, n), unit="D"))


def test_a_date_that_follows_another_within_a_year_keeps_its_lag() -> None:
    """First bookings 0-366 days after sign-ups spread over four years (the lag's IQR 7% of the
    booking dates' own): binned on their own, 2.6% of synthetic bookings came more than a year
    after sign-up, up to 1,209 days."""
    rng = np.random.default_rng(3)
    n = 5000
    created = _sign_ups(n, rng)
    lag = pd.to_timedelta(np.minimum(rng.gamma(0.8, 50, n), 366).astype(int), unit="D")
    data = pd.DataFrame({"created": created, "booked": (created + lag).where(rng.random(n) < 0.45)})
    syn = Synthesizer(seed=0).fit(data)
    assert syn.describe()["columns"]["booked"]["encoding"].startswith("offset from created")
    out = syn.sample(n)
    real, drawn = ((d["booked"] - d["created"]).dt.days.dropna() for d in (data, out))
    assert (drawn > 400).mean() < 0.002
    assert abs(drawn.quantile(0.99) / real.quantile(0.99) - 1) < 0.15
    assert abs(out["booked"].isna().mean() - 0.55) < 0.03


def test_a_date_capped_at_the_extraction_day_keeps_its_cap() -> None:
    """A last visit 60 days after sign-up on average, capped at the extraction day (4% of rows on
    it): anchored on the sign-up, anchor plus offset spread those rows round the cap, 0.1% of
    synthetic rows on it and 3% after it. An end many rows hold is the column's own."""
    rng = np.random.default_rng(4)
    n = 6000
    created = _sign_ups(n, rng)
    cap = pd.Timestamp("2014-05-19")
    seen = created + pd.to_timedelta(rng.exponential(60, n).astype(int), unit="D")
    data = pd.DataFrame({"created": created, "last_seen": seen.where(seen < cap, cap)})
    out = Synthesizer(seed=0).fit(data).sample(n)
    assert not (out["last_seen"] > cap).any()
    assert abs((out["last_seen"] == cap).mean() - (data["last_seen"] == cap).mean()) < 0.015


def _trips(n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    start = rng.integers(0, 200_000, n)
    return pd.DataFrame({"odometer_start": start, "odometer_end": start + np.rint(rng.gamma(2, 40, n)).astype(int)})


def test_a_number_that_follows_another_closely_keeps_its_offset(tmp_path: Path) -> None:
    """An odometer's reading at the end of a trip of 1-400 km, started anywhere in 0-200,000 km:
    binned on its own (bins of ~6,000 km), the synthetic trips ran a median 1,786 km, 87% of them
    longer than any real one. Learned as its offset from the start, it keeps the trips' lengths,
    stays whole, never ends before it started, and saves and loads as any column."""
    data = _trips()
    syn = Synthesizer(seed=0).fit(data)
    assert syn.describe()["columns"]["odometer_end"]["encoding"].startswith("offset from odometer_start: ")
    out = sampled_after_save_and_load(syn, len(data), tmp_path / "model")
    assert out["odometer_end"].dtype == data["odometer_end"].dtype
    real, drawn = ((d["odometer_end"] - d["odometer_start"]) for d in (data, out))
    assert drawn.min() >= 0 and (drawn > real.max()).mean() < 0.002
    assert abs(drawn.median() / real.median() - 1) < 0.1


def test_a_days_prices_keep_their_spread_over_years_of_prices() -> None:
    """Ten years of a share's daily open, high, low and close (a random walk from 100): binned on
    their own over the years, 1% of synthetic days closed 6% or more off their open and spanned
    20% from low to high (real: 2% and 3.5%). The high, low and close follow the open closely and
    are learned as their offsets from it, or from each other."""
    rng = np.random.default_rng(7)
    n = 2500
    close = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.015, n)))
    open_ = close * np.exp(rng.normal(0, 0.008, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.006, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.006, n)))
    data = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close}).round(2)
    out = Synthesizer(seed=0).fit(data).sample(n)
    for frame in (data, out):
        frame["move"], frame["span"] = (frame["close"] / frame["open"] - 1).abs(), frame["high"] / frame["low"] - 1
    assert out["move"].quantile(0.99) < 1.3 * data["move"].quantile(0.99)
    assert out["span"].quantile(0.99) < 1.3 * data["span"].quantile(0.99)
    assert (out["high"] >= out[["open", "close"]].max(axis=1)).all()
    assert (out[["open", "high", "low", "close"]] == out[["open", "high", "low", "close"]].round(2)).all().all()


def test_a_number_that_follows_a_formulas_or_sums_result_moves_with_it() -> None:
    """A payment 0-2 cents over an amount in cents, ``round(amount * 100)``: the cents are
    recomputed from the amount once the row is drawn, and the payment, rebuilt from the cents as
    drawn, was left off them (49% of rows within 0-2, 1% more than 2,700 cents off). So was a
    settlement 0-2 over a sum's total, ``net + tax`` (42% within 0-2). Both move with them."""
    rng = np.random.default_rng(1)
    n = 3000
    amount = rng.gamma(2.0, 30.0, n).round(2)
    data = pd.DataFrame({"amount": amount, "amount_cents": (amount * 100).round(0)})
    data["paid_cents"] = data["amount_cents"] + rng.integers(0, 3, n)
    data["net"], data["tax"] = rng.gamma(2.0, 500.0, n).round(0), rng.gamma(2.0, 50.0, n).round(0)
    data["total"] = data["net"] + data["tax"]
    data["settled"] = data["total"] + rng.integers(0, 3, n)
    syn = Synthesizer(seed=0).fit(data)
    columns = syn.describe()["columns"]
    assert columns["paid_cents"]["encoding"].startswith("offset from amount_cents: ")
    assert columns["settled"]["encoding"].startswith("offset from total: ")
    out = syn.sample(n)
    assert (out["amount_cents"] == (out["amount"] * 100).round(0)).all()
    assert (out["total"] == out["net"] + out["tax"]).all()
    assert (out["paid_cents"] - out["amount_cents"]).isin([0, 1, 2]).all()
    assert (out["settled"] - out["total"]).isin([0, 1, 2]).all()


def test_a_re_signed_artifact_anchoring_a_number_on_a_date_is_rejected(tmp_path: Path) -> None:
    """A number is rebuilt from a number, a date from a date: a number anchored on a date's
    nanoseconds would come back as nonsense."""
    data = _trips(1000).assign(day=pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(1000), unit="D"))
    Synthesizer(seed=0, max_epochs=1).fit(data).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    end = next(c for c in doc["body"]["columns"] if c["storage"]["name"] == "odometer_end")
    assert end["codec"] == "offset" and end["params"]["anchor"] == "odometer_start"
    end["params"]["anchor"] = "day"
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="another kind"):
        Synthesizer.load(tmp_path)


def test_an_end_far_from_the_other_values_is_not_interpolated_towards_them() -> None:
    """An open end on 0.5% of rows (enough to survive clipping) after years of real dates, and a
    -1 "unknown" age on 10%: drawn between them and the real values, rows came out in the years
    2062-4300 and aged 0-17."""
    rng = np.random.default_rng(9)
    n = 4000
    ends = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    data = pd.DataFrame(
        {
            "valid_to": pd.Series(np.where(rng.random(n) < 0.005, np.datetime64("9999-12-31", "us"), ends.values)),
            "age": np.where(rng.random(n) < 0.1, -1, rng.integers(18, 90, n)),
        }
    ).astype({"valid_to": "datetime64[us]"})
    out = Synthesizer(seed=0, max_epochs=3).fit(data).sample(20_000)
    assert not out["valid_to"].dt.year.between(2023, 9998).any()
    assert (out["valid_to"] == pd.Timestamp("9999-12-31")).any()
    assert not out["age"].between(0, 17).any()


def test_an_offset_of_zero_held_by_many_rows_comes_back_exactly() -> None:
    """updated_at == valid_to on open rows, days before or after it on the others: an offset of 0 in
    the middle of the offsets' range shared a bin with its neighbours, and open rows came back
    updated hours after their end (or, next to a 9999-12-31 end, past the calendar)."""
    rng = np.random.default_rng(8)
    n = 3000
    valid_to = pd.Timestamp("2014-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D")
    days = rng.choice([-1, 1], n) * rng.integers(1, 30, n)  # a day or more before or after
    seconds = days * 86_400 + rng.integers(0, 3_600, n)
    same = rng.random(n) < 0.6
    data = pd.DataFrame(
        {"valid_to": valid_to, "updated_at": valid_to + pd.to_timedelta(np.where(same, 0, seconds), "s")}
    )
    syn = Synthesizer(seed=0, max_epochs=4).fit(data)
    assert syn.describe()["columns"]["updated_at"]["encoding"].startswith("offset from valid_to")
    out = syn.sample(6000)
    gap = out["updated_at"] - out["valid_to"]
    assert abs((gap == pd.Timedelta(0)).mean() - 0.6) < 0.04
    assert (gap[gap != pd.Timedelta(0)].abs() < pd.Timedelta(hours=12)).mean() < 0.005


def test_a_date_listed_before_the_one_it_follows_keeps_its_offset() -> None:
    """A ship date listed before its order date is anchored on the later column (decoded first);
    binned on its own, 60% of synthetic orders shipped 100 days early up to 288 days late."""
    data = _orders(3000)[["ship_date", "delivered_at", "ordered_at", "signed_up"]]
    syn = Synthesizer(seed=0).fit(data)
    out = syn.sample(3000)
    assert list(out.columns) == list(data.columns)
    lag = (pd.to_datetime(out["ship_date"]) - out["ordered_at"].dt.normalize()).dt.days.dropna()
    assert lag.between(0, 5).all()
    encodings = {name: col["encoding"] for name, col in syn.describe()["columns"].items()}
    assert encodings["ship_date"].startswith("offset from ordered_at")
    assert encodings["delivered_at"].startswith("offset from ship_date")


def test_an_offset_of_thousands_of_years_is_described_in_days() -> None:
    """Open ends (9999-12-31) in other rows of two validity columns made an offset of 8,000 years,
    past pandas' 292 years of nanoseconds, and describe() raised OutOfBoundsTimedelta."""
    from synthpipe.engine.codecs.offset import _as_duration

    assert _as_duration(-2_914_633.0, 86_400e9) == "-2914633 days"
    assert _as_duration(364.625, 86_400e9) == "364 days 15:00:00"  # within pandas' range: as before


def test_offsets_can_be_switched_off() -> None:
    syn = Synthesizer(seed=0, max_epochs=2, learn_offsets=False).fit(_orders(500))
    assert not any("offset" in col["encoding"] for col in syn.describe()["columns"].values())


def _times_of_day_frame(n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    opens = pd.Timestamp("2000-01-01 06:00") + pd.to_timedelta(rng.integers(0, 32, n) * 15, unit="min")
    closes = opens + pd.to_timedelta(rng.integers(60, 10 * 60, n), unit="min")  # overlaps opens: not trivial
    punched = pd.to_timedelta(rng.integers(0, 86_400 * 10**6, n), unit="us")
    return pd.DataFrame(
        {
            "opens": pd.Series(opens.time, dtype=object),
            "closes": pd.Series(closes.time, dtype=object).where(rng.random(n) > 0.1, None),
            "punched": pd.Series((pd.Timestamp("2000-01-01") + punched).time, dtype=object),
            "opens_text": pd.Series(opens.strftime("%H:%M"), dtype=object),
        }
    )


def test_times_of_day_are_modelled_as_clock_times() -> None:
    """SQL TIME columns (and "08:30" text) come back as times of day on the real grain, inside one
    day, with their a <= b relations kept: not refused, not 1,000 rare categories."""
    data = _times_of_day_frame()
    syn = Synthesizer(seed=0).fit(data)
    out = syn.sample(2000)
    kinds = {name: col["kind"] for name, col in syn.describe()["columns"].items()}
    assert kinds == dict.fromkeys(data.columns, "time of day")
    for name in ("opens", "closes", "punched"):
        assert all(isinstance(v, dt.time) for v in out[name].dropna())
    assert {v.minute for v in out["opens"]} == {0, 15, 30, 45}  # quarter-hour slots stay on the quarter hours
    closes = out["closes"].dropna()
    assert {v.second for v in closes} == {0} and closes.map(lambda v: v.minute).nunique() == 60
    assert out["punched"].map(lambda v: v.microsecond).nunique() > 1000
    assert 0.05 < out["closes"].isna().mean() < 0.15
    assert "opens <= closes" in syn.describe()["constraints"]
    both = out.dropna()
    assert (both["opens"] <= both["closes"]).mean() >= 0.99
    assert out["opens_text"].str.fullmatch(r"\d{2}:\d{2}").all()
    assert pd.Series([t.hour for t in out["opens"]]).between(5, 14).all()


def test_times_written_with_one_utc_offset_are_times() -> None:
    """DuckDB's TIMETZ arrives as text, ``10:01:00+00``: unique, it was taken for a key and came
    back as ``59:80:00+009``. One offset for every value is kept as written around a time of day
    (a timestamp's ``Z`` too); offsets that differ leave the text as it was."""
    rng = np.random.default_rng(2)
    clock = pd.Series(pd.to_timedelta(rng.integers(8 * 3600, 20 * 3600, 900), unit="s") + pd.Timestamp("2024-03-01"))
    data = pd.DataFrame(
        {
            "at": clock.dt.strftime("%H:%M:%S+00"),
            "local": clock.dt.strftime("%H:%M+05:30"),
            "stamp": clock.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "mixed": clock.dt.strftime("%H:%M:%S") + np.where(np.arange(900) % 2, "+01", "+02"),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    kinds = {name: column["kind"] for name, column in syn.describe()["columns"].items()}
    assert kinds == {"at": "time of day", "local": "time of day", "stamp": "datetime", "mixed": "text"}
    out = syn.sample(500)
    assert out["at"].str.fullmatch(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d\+00").all()
    assert out["local"].str.fullmatch(r"\d{2}:[0-5]\d\+05:30").all()
    assert out["stamp"].str.fullmatch(r"2024-03-01T\d{2}:[0-5]\d:[0-5]\dZ").all()


def test_times_of_day_round_trip_as_arrow_time64(tmp_path) -> None:
    table = pa.Table.from_pandas(_times_of_day_frame(400), preserve_index=False)
    syn = Synthesizer(seed=1).fit(table)
    syn.save(tmp_path / "model")
    out = Synthesizer.load(tmp_path / "model").sample(300)
    assert out.schema.field("opens").type == pa.time64("us")
    assert out.equals(syn.sample(300))


def test_whole_numbers_computed_from_two_dates_are_recomputed_from_the_synthetic_dates(tmp_path) -> None:
    """Length of stay in calendar days, age in whole years (birthdays counted), hours on the ward
    and months since joining: drawn on their own bins, a third of stays and three quarters of ages
    disagreed with their own dates. Found in the training rows, they now match in every row."""
    rng = np.random.default_rng(14)
    n = 4000
    birth = pd.Timestamp("1930-01-01") + pd.to_timedelta(rng.integers(0, 30_000, n), unit="D")
    joined = pd.Timestamp("2010-01-01") + pd.to_timedelta(rng.integers(0, 4_000, n), unit="D")
    admitted = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86_400, n), unit="s")
    discharged = admitted + pd.to_timedelta(
        rng.geometric(0.25, n) * 86_400 + rng.integers(-28_000, 28_000, n), unit="s"
    )
    birthday_to_come = (admitted.month * 100 + admitted.day) < (birth.month * 100 + birth.day)
    months = (admitted.year - joined.year) * 12 + admitted.month - joined.month - (admitted.day < joined.day)
    data = pd.DataFrame(
        {
            "birth_date": pd.Series(birth.date, dtype=object),
            "joined": joined,
            "admitted_at": admitted,
            "discharged_at": discharged,
            "los_days": (discharged.normalize() - admitted.normalize()).days,
            "hours": ((discharged - admitted).total_seconds() // 3600).astype(int),
            "age": admitted.year - birth.year - birthday_to_come.astype(int),
            "tenure_months": months,
            "cost": rng.lognormal(7, 1, n).round(2),
        }
    )
    syn = Synthesizer(seed=0).fit(data)
    assert {
        "los_days == calendar days from admitted_at to discharged_at",
        "hours == hours from admitted_at to discharged_at",
        "age == years from birth_date to admitted_at",
        "tenure_months == months from joined to admitted_at",
    } <= set(syn.describe()["constraints"])
    out = sampled_after_save_and_load(syn, 4000, tmp_path / "model")
    born = pd.to_datetime(out["birth_date"])
    at = out["admitted_at"]
    assert (out["los_days"] == (out["discharged_at"].dt.normalize() - at.dt.normalize()).dt.days).all()
    assert (out["hours"] == (out["discharged_at"] - at).dt.total_seconds() // 3600).all()
    to_come = (at.dt.month * 100 + at.dt.day) < (born.dt.month * 100 + born.dt.day)
    assert (out["age"] == at.dt.year - born.dt.year - to_come.astype(int)).all()
    tenure = (
        (at.dt.year - out["joined"].dt.year) * 12
        + at.dt.month
        - out["joined"].dt.month
        - (at.dt.day < out["joined"].dt.day)
    )
    assert (out["tenure_months"] == tenure).all()
    assert out["age"].dtype == data["age"].dtype and out["age"].between(data["age"].min(), data["age"].max()).all()


def _postgres_age(start: pd.Timestamp, end: pd.Timestamp) -> pd.Timedelta:
    """PostgreSQL's age(end, start) for end >= start, field by field as its timestamp_age does,
    staged as a duration with 30-day months."""
    clock = (end - end.normalize()) - (start - start.normalize())
    days = end.day - start.day - int(clock < pd.Timedelta(0))
    months = (end.year - start.year) * 12 + end.month - start.month - int(days < 0)
    days += start.days_in_month if days < 0 else 0
    return pd.Timedelta(days=30 * months + days) + clock % pd.Timedelta(days=1)


def test_postgres_age_of_two_times_is_recomputed_from_the_synthetic_times(tmp_path) -> None:
    """``age(date_first_booking::timestamp, timestamp_first_active)``, staged as a duration of
    30-day months: drawn on its own bins it was within 3 days of its own dates in 5% of synthetic
    rows (real: every row), and the outlier filter then dropped 1,067 of 3,000 rows, booked users
    above all (booked share 0.41 -> 0.24). Found in the training rows, it now matches every row."""
    from synthpipe.engine.spans import DURATION_SPANS

    doc_example = DURATION_SPANS["age() in 30-day months"](
        np.array([pd.Timestamp("1957-06-13").value], dtype="float64"),
        np.array([pd.Timestamp("2001-04-10").value], dtype="float64"),
    )
    assert pd.Timedelta(int(doc_example[0]), "ns") == pd.Timedelta(days=30 * (43 * 12 + 9) + 27)  # the manual's
    rng = np.random.default_rng(21)
    n = 3000
    active = pd.Timestamp("2013-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86_400, n), unit="s")
    booked = (active + pd.to_timedelta(rng.geometric(0.02, n), unit="D")).normalize()
    booked = booked.where(rng.random(n) < 0.4)  # most users never book
    age = [pd.NaT if pd.isna(b) else _postgres_age(a, b) for a, b in zip(active, booked, strict=True)]
    data = pd.DataFrame({"first_active": active, "booked_on": booked, "age_to_book": pd.Series(age, dtype="m8[us]")})
    syn = Synthesizer(seed=0, **FAST).fit(data)
    rule = "age_to_book == age() in 30-day months from first_active to booked_on"
    assert rule in syn.describe()["constraints"] and syn.describe()["columns"]["age_to_book"]["computed_as"] == rule
    out = sampled_after_save_and_load(syn, 3000, tmp_path / "model")
    known = out["booked_on"].notna()
    expected = [_postgres_age(a, b) for a, b in zip(out["first_active"][known], out["booked_on"][known], strict=True)]
    assert (out["age_to_book"][known] == pd.Series(expected, index=out.index[known])).all()
    assert out["age_to_book"].isna().equals(~known) and out["age_to_book"].dtype == data["age_to_book"].dtype


def test_a_date_with_few_exact_values_still_anchors_the_one_that_follows_it() -> None:
    """Orders placed on 20 sale days of a year (a date learned as exact values) still anchor their
    ship times, listed before or after them; the last change had stopped them anchoring anything."""
    rng = np.random.default_rng(17)
    n = 2000
    ordered = pd.Timestamp("2024-01-01") + pd.to_timedelta(18 * rng.integers(0, 20, n), unit="D")  # 20 sale days
    shipped = ordered + pd.to_timedelta(rng.integers(0, 3 * 86_400, n), unit="s")
    for columns in (["ordered", "x", "shipped"], ["shipped", "x", "ordered"]):
        data = pd.DataFrame({"ordered": ordered, "shipped": shipped, "x": rng.normal(size=n)})[columns]
        syn = Synthesizer(seed=0, max_epochs=5).fit(data)
        assert syn.describe()["columns"]["shipped"]["encoding"].startswith("offset from ordered")
        out = syn.sample(2000)
        lag = (out["shipped"] - out["ordered"]).dt.total_seconds() / 86_400
        assert lag.between(-0.05, 3.05).all()  # the offset's clipped tails reach a little past 0-3 days


def test_a_column_that_joins_two_others_is_spelled_from_the_synthetic_parts(tmp_path: Path) -> None:
    """Pastes' ``sample`` is its ``batch`` and ``cask`` joined by ':' (a value of 2 rows, so it came
    back ``_RARE_`` in every row); a ``full_name`` joins a first and a last name. Both are rebuilt
    from the row's synthetic parts, also after save and load; where a part is the rare token the
    whole is; a text column one row of which spells something else is learned as it is."""
    rng = np.random.default_rng(5)
    n = 600
    batch, cask = rng.choice(list("ABCDEFGHIJ"), n), rng.choice(list("abc"), n)
    first = rng.choice(["Anna", "Ben", "Carla", "Dev", "Ema", "Finn", "Gus"], n)
    last = rng.choice(["Meyer", "Ngata", "Olsen", "Park", "Quist"], n)
    last[:4] = ["Zyx", "Wu", "Vo", "Uhl"]  # one row each: rare
    almost = pd.Series(batch).str.cat(pd.Series(cask), sep="-")
    almost.iloc[7] = "B-x"
    data = pd.DataFrame(
        {
            "strength": rng.normal(60, 3, n),
            "batch": batch,
            "cask": cask,
            "sample": pd.Series(batch).str.cat(pd.Series(cask), sep=":"),
            "first": first,
            "last": last,
            "full_name": pd.Series(first).str.cat(pd.Series(last), sep=" "),
            "almost": almost,
        }
    )
    syn = Synthesizer(seed=0, **FAST).fit(data)
    assert {"sample = batch + ':' + cask", "full_name = first + ' ' + last"} <= set(syn.describe()["constraints"])
    assert not any(c.startswith("almost =") for c in syn.describe()["constraints"])
    out = sampled_after_save_and_load(syn, 2_000, tmp_path / "model")
    assert (out["sample"] == out["batch"] + ":" + out["cask"]).all()
    rare = out["last"] == "_RARE_"  # the four names of one row each, merged
    assert rare.any() and (out.loc[rare, "full_name"] == "_RARE_").all()
    assert (out.loc[~rare, "full_name"] == out.loc[~rare, "first"] + " " + out.loc[~rare, "last"]).all()


def test_pandas_periods_come_back_as_periods_of_their_frequency(tmp_path: Path) -> None:
    """``df["month"] = df["day"].dt.to_period("M")`` is how pandas makes a month column, and
    fitting refused it ("dtype period[M], which synthpipe cannot model"). Learned as the periods'
    first instants, it comes back in its periods: a monthly series' months one row each (a
    calendar), weekly and quarterly periods (nulls kept) on their own grids."""
    import json

    from synthpipe.errors import ArtifactError

    rng = np.random.default_rng(0)
    weeks = pd.period_range("2020-01-06", periods=300, freq="W-SUN")
    data = pd.DataFrame(
        {
            "month": pd.period_range("2000-01", periods=300, freq="M"),
            "week": pd.Series(weeks).sample(frac=1, random_state=1).to_numpy(),
            "quarter": pd.Series(pd.period_range("2000Q1", periods=300, freq="Q")).where(rng.random(300) > 0.1),
            "sales": (100 + np.arange(300) + rng.normal(0, 5, 300)).round(1),
        }
    )
    syn = Synthesizer(seed=0, **FAST).fit(data)
    out = sampled_after_save_and_load(syn, 300, tmp_path)

    assert out.dtypes.to_dict() == data.dtypes.to_dict()  # period[M], period[W-SUN], period[Q-DEC]
    assert out["month"].is_unique and "a calendar" in syn.describe()["columns"]["month"]["encoding"]
    assert out["month"].min() >= data["month"].min() and out["month"].max() <= data["month"].max() + 12
    assert out["month"].rank().corr(out["sales"].rank()) > 0.8  # the others drawn given the month
    assert syn.sample(10, calendar_values=out["month"][:10])["month"].equals(out["month"][:10])  # a refill's
    assert 0.03 < out["quarter"].isna().mean() < 0.2
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["periods"]["sales"] = "M"  # a number written back as months
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="Period column"):
        Synthesizer.load(tmp_path)


def test_numbers_written_as_text_are_learned_as_numbers_and_written_back_as_text() -> None:
    """Amounts kept as VARCHAR (a CSV loaded into DuckDB) were learned as thousands of categories and
    came back masked ('73.**'), and unique float text was taken for a key and came back as 17
    digits without a point. Numbers with a point are learned as numbers now, and written back as
    text of the same form: a decimal to its places, a float as Python writes it. Versions that are
    no float's writing ('1.10'), whole-number codes and zip codes stay text, as do nulls."""
    rng = np.random.default_rng(0)
    n = 2_000
    amounts = rng.gamma(2, 30, n)
    data = pd.DataFrame(
        {
            "amount": pd.array([f"{v:.2f}" if i % 10 else None for i, v in enumerate(amounts)], dtype="string"),
            "ratio": [str(float(v)) for v in rng.normal(0, 1, n)],
            "version": rng.choice(["1.2", "1.10", "2.0"], n),
            "zip": [f"{v:05d}" for v in rng.integers(0, 99_999, n)],
        }
    ).astype({"ratio": object, "version": object, "zip": object})
    syn = Synthesizer(seed=0, **FAST).fit(data)
    out = syn.sample(n)
    kinds = {name: entry["kind"] for name, entry in syn.describe()["columns"].items()}

    assert kinds == {"amount": "numeric", "ratio": "numeric", "version": "categorical", "zip": "text"}
    assert out.dtypes.to_dict() == data.dtypes.to_dict()
    written = out["amount"].dropna()
    assert written.str.fullmatch(r"\d+\.\d{2}").all() and 0.05 < out["amount"].isna().mean() < 0.15
    assert abs(pd.to_numeric(written).median() - np.median(amounts)) < 5  # real: about 50
    assert (out["ratio"].map(lambda t: repr(float(t))) == out["ratio"]).all()
    assert set(out["version"]) == {"1.2", "1.10", "2.0"}


def test_floats_written_without_trailing_zeros_are_numbers_written_so(tmp_path: Path) -> None:
    """PostgreSQL's ``float8::text``, R, Excel's CSV and JavaScript write 36.00 as ``'36'`` and 36.70 as
    ``'36.7'``: no one number of decimals and not Python's ``'36.0'``, so such amounts were text,
    2,000 labels masked as ``'12*.**'``. They are numbers now, written back the same way."""
    rng = np.random.default_rng(0)
    n = 2_000
    amounts = np.round(rng.gamma(2, 20, n), 2)
    amounts[::7] = np.round(amounts[::7])  # some whole amounts: '36'
    bare = [repr(v)[:-2] if repr(v).endswith(".0") else repr(v) for v in amounts.tolist()]
    syn = Synthesizer(seed=0, **FAST).fit(pd.DataFrame({"amount": bare, "other": rng.normal(size=n)}))
    out = sampled_after_save_and_load(syn, n, tmp_path / "model")["amount"]

    assert syn.describe()["columns"]["amount"]["kind"] == "numeric"
    assert out.str.fullmatch(r"\d+(\.\d{1,2})?").all() and out.map(type).eq(str).all()
    assert not out.str.endswith(("0", ".")).where(out.str.contains(".", regex=False), False).any()
    assert 0.05 < (~out.str.contains(".", regex=False)).mean() < 0.3  # whole amounts written bare
    assert abs(pd.to_numeric(out).median() - np.median(amounts)) < 3
