"""A calendar column (calendars.py): a date or timestamp a table holds one row per, on a grid it
mostly fills (a daily KPI query's day), comes back with a grid point of its own in every row, inside
the clipped range, with the other columns drawn given it (its trend and weekly rhythm kept); past
the range on the grid where more rows are asked for than it holds; the same rows for any chunk size
and after save and load."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.engine.calendars import (
    ALL_WEEKDAYS,
    Grid,
    Panel,
    Share,
    chosen,
    combinable,
    combined,
    detect,
    detect_panel,
)
from synthpipe.errors import ArtifactError, ConfigError
from tests.unit.engine.conftest import re_signed, sampled_after_save_and_load

SMALL = {"max_epochs": 2, "hidden_size": 16}


def _daily(days: int = 900, seed: int = 0) -> pd.DataFrame:
    """A daily KPI table: about 90% of the days between its ends, signups growing over the years
    and higher on weekdays (the weekday is what a hidden part carries)."""
    rng = np.random.default_rng(seed)
    every = pd.date_range("2012-03-05", periods=days, freq="D")
    day = every[rng.random(days) < 0.9]
    signups = rng.poisson(4 + np.arange(day.size) / 40 + 8 * (day.day_of_week < 5))
    return pd.DataFrame({"day": day.date, "signups": signups, "mean_age": rng.normal(35, 3, day.size).round(2)})


def _days(column: pd.Series) -> pd.Series:
    return pd.to_datetime(column.astype(str))


def _clipped(syn: Synthesizer) -> pd.DatetimeIndex:
    return pd.to_datetime(syn.describe()["columns"]["day"]["protection"]["clipped_to"])


@pytest.fixture(scope="module")
def daily() -> tuple[pd.DataFrame, Synthesizer]:
    data = _daily()
    return data, Synthesizer(seed=0, **SMALL).fit(data)


def test_a_daily_table_comes_back_one_row_per_day_inside_the_clip_with_its_trend(
    daily: tuple[pd.DataFrame, Synthesizer],
) -> None:
    data, syn = daily
    out = syn.sample(len(data))
    days = _days(out["day"])
    assert days.is_unique  # learned as any date: 291 of 1,585 real days came back twice
    low, high = _clipped(syn)
    assert days.min() >= low and days.max() <= high  # the real first and last days are not emitted
    real = _days(data["day"])
    assert not {real.min(), real.max()} & set(days)
    trend = days.rank().corr(out["signups"].rank())
    assert trend > 0.5  # real: about 0.6; the others are drawn given the date
    assert "a calendar (one row per day)" in syn.describe()["columns"]["day"]["encoding"]


def test_the_weekday_is_set_from_the_date_and_the_weekly_rhythm_stays(daily: tuple[pd.DataFrame, Synthesizer]) -> None:
    data, syn = daily
    out = syn.sample(len(data))
    assert syn.describe()["columns"]["day"]["learned_with"].startswith("its weekday as decoded, given")

    def weekend_share(frame: pd.DataFrame) -> float:
        weekend = _days(frame["day"]).dt.day_of_week.to_numpy() >= 5
        return float(frame["signups"][weekend].mean() / frame["signups"][~weekend].mean())

    assert abs(weekend_share(out) - weekend_share(data)) < 0.15  # real about 0.55


def test_any_chunk_size_gives_the_same_distinct_days_and_so_does_a_loaded_model(
    daily: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    data, syn = daily
    whole = syn.sample(len(data))
    chunks = pd.concat(list(syn.sample_chunks(len(data), chunk_size=97)), ignore_index=True)
    assert chunks.equals(whole) and _days(chunks["day"]).is_unique
    assert sampled_after_save_and_load(syn, len(data), tmp_path / "model").equals(whole)
    assert not syn.sample(len(data), seed=1)["day"].equals(whole["day"])
    assert syn.sample(0).empty and _days(syn.sample(1)["day"]).between(*_clipped(syn)).all()


def test_rows_asked_for_given_days_take_those_days_in_order(daily: tuple[pd.DataFrame, Synthesizer]) -> None:
    """The privacy filters' refills of a daily table chose days of their own, so the published
    table repeated days (1,558 distinct of 1,585); rows asked for given days take those days."""
    data, syn = daily
    first = syn.sample(len(data))
    freed = first["day"].iloc[[5, 70, 300, 301]]
    twice = pd.concat([freed, freed], ignore_index=True)  # a refill round draws a row per day more than once
    again = syn.sample(len(twice), seed=7, key_start=0, calendar_values=twice)
    assert syn.calendar_column == "day"
    assert list(again["day"]) == list(twice) and list(again.columns) == list(first.columns)
    assert syn.sample(len(twice), seed=7, key_start=0, calendar_values=twice).equals(again)  # seeded
    chunks = syn.sample_chunks(len(twice), chunk_size=3, seed=7, key_start=0, calendar_values=twice)
    assert pd.concat(list(chunks), ignore_index=True).equals(again)
    assert not again["signups"].iloc[:4].equals(again["signups"].iloc[4:])  # drawn afresh, given the day


def test_a_share_of_a_stream_takes_its_rows_days(daily: tuple[pd.DataFrame, Synthesizer]) -> None:
    """Shards of a table chose their days from seeds of their own, and repeated each other's."""
    data, syn = daily
    whole = syn.sample(len(data), seed=4)
    halves = [syn.sample(n, seed=s, calendar_share=Share(seed=4, rows=len(data), first=f))
              for n, s, f in ((400, 1, 0), (len(data) - 400, 2, 400))]  # fmt: skip
    assert list(pd.concat(halves)["day"]) == list(whole["day"])
    with pytest.raises(ConfigError, match="use 0 <= first and first \\+ n <= rows"):
        syn.sample(10, calendar_share=Share(seed=4, rows=len(data), first=len(data) - 5))


def test_given_days_off_the_grid_or_without_a_calendar_are_refused(daily: tuple[pd.DataFrame, Synthesizer]) -> None:
    data, syn = daily
    day = syn.sample(1)["day"].iloc[0]
    with pytest.raises(ConfigError, match="calendar_values must be 2 dates of calendar column 'day'"):
        syn.sample(2, calendar_values=[day])
    with pytest.raises(ConfigError, match="1 of them null"):
        syn.sample(2, calendar_values=[day, None])
    plain = Synthesizer(seed=0, **SMALL).fit(data.drop(columns="day"))
    assert plain.calendar_column is None
    with pytest.raises(ConfigError, match="no calendar column"):
        plain.sample(1, calendar_values=[day])
    months = pd.DataFrame({"month": pd.date_range("2010-01-01", periods=60, freq="MS"), "orders": np.arange(60)})
    monthly = Synthesizer(seed=0, **SMALL).fit(months)
    with pytest.raises(ConfigError, match="each on its grid"):
        monthly.sample(2, calendar_values=[pd.Timestamp("2012-05-01"), pd.Timestamp("2012-05-15")])  # not a month start


def test_more_rows_than_days_go_on_past_the_range_as_far_as_dates_reach_then_take_the_days_again(
    daily: tuple[pd.DataFrame, Synthesizer], caplog: pytest.LogCaptureFixture
) -> None:
    data, syn = daily
    low, high = _clipped(syn)
    inside = (high - low).days + 1
    out = _days(syn.sample(inside + 6)["day"])
    assert out.is_unique and (out < low).sum() == (out > high).sum() == 3  # the grid goes on, as real days did
    assert (out.max() - out.min()).days + 1 == len(out)
    many = _days(syn.sample(3 * len(data))["day"])
    held = many[(many >= low) & (many <= high)].value_counts()
    assert len(held) == inside and held.max() - held.min() <= 1  # every day as often as the others
    past = many[(many < low) | (many > high)]
    assert past.is_unique and (past > high - pd.Timedelta(days=30)).any()
    assert past.min() > low - pd.Timedelta(days=30) and past.max() < high + pd.Timedelta(days=30)  # near, as tails
    assert "rows repeat a date" in caplog.text


def test_a_weekly_and_a_monthly_table_stay_on_their_grids() -> None:
    rng = np.random.default_rng(1)
    weeks = pd.date_range("2015-01-05", periods=150, freq="W-MON")
    months = pd.date_range("2010-01-01", periods=60, freq="MS")
    for stamps, every in ((weeks, "7 days"), (months, "month")):
        data = pd.DataFrame({"period": stamps, "orders": rng.poisson(50 + np.arange(stamps.size))})
        syn = Synthesizer(seed=0, **SMALL).fit(data)
        out = syn.sample(len(data))  # the clip leaves fewer inside: the grid goes on past it
        periods = pd.to_datetime(out["period"])
        assert periods.is_unique and f"one row per {every}" in syn.describe()["columns"]["period"]["encoding"]
        if every == "month":
            assert (periods.dt.day == 1).all()
        else:
            assert (periods.dt.day_of_week == 0).all()


def test_a_business_day_calendar_keeps_off_weekends() -> None:
    rng = np.random.default_rng(2)
    days = pd.bdate_range("2018-01-01", periods=400)
    data = pd.DataFrame({"day": days, "close": 100 + np.cumsum(rng.normal(size=days.size))})
    out = Synthesizer(seed=0, **SMALL).fit(data).sample(len(data))
    stamps = pd.to_datetime(out["day"])
    assert stamps.is_unique and (stamps.dt.day_of_week < 5).all()


def test_dates_that_repeat_or_spread_thinly_are_no_calendar() -> None:
    rng = np.random.default_rng(3)
    thin = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.choice(20 * 365, 600, replace=False), unit="D")
    repeated = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 400, 600), unit="D")
    for stamps in (thin, repeated):
        syn = Synthesizer(seed=0, **SMALL).fit(pd.DataFrame({"when": stamps, "x": rng.normal(size=600)}))
        assert "calendar" not in syn.describe()["columns"]["when"]["encoding"]
        assert syn.calendar_columns == [] and syn.calendar_column is None


def test_a_calendar_names_its_date_and_the_columns_computed_from_it() -> None:
    """The privacy filters leave these out of their distances (test_privacy.py says why)."""
    month = pd.date_range("1990-01-01", periods=240, freq="MS")
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {"month": month.date, "year": month.year, "name": month.strftime("%b"), "x": rng.normal(size=240)}
    )
    syn = Synthesizer(seed=0, **SMALL).fit(data)
    assert syn.calendar_columns == ["month", "year", "name"]


def test_grid_points_follow_the_learned_density_and_none_is_taken_twice() -> None:
    grid = Grid.of(detect(np.arange(0.0, 1000.0), 1, [], 1000.0), 1, [])
    late = chosen(grid, (0.0, 999.0), (0.0, 0.0), 300, lambda v: (v / 999.0) ** 3, np.random.default_rng(0))
    assert np.unique(late).size == 300 and ((late >= 0) & (late <= 999)).all()
    assert (late > 500).mean() > 0.8  # the density lies late: most points do
    even = chosen(grid, (0.0, 999.0), (0.0, 0.0), 999, lambda v: v / 999.0, np.random.default_rng(0))
    assert np.unique(even).size == 999  # about the grid's size: all but one point


def test_a_saved_calendar_that_is_not_drawn_first_is_refused(
    daily: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:

    _, syn = daily
    syn.save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    columns = doc["body"]["columns"]
    columns[1]["params"]["grid"] = [1, 0, 127]  # signups: a second calendar, drawn after the first
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="calendar"):
        Synthesizer.load(tmp_path)


COUNTRIES = {"US": 100, "FR": 40, "DE": 45, "GB": 50}


def _panel(days: int = 150) -> pd.DataFrame:
    """A ``GROUP BY day, country`` table: one row per day and country, each country's signups at a
    level of its own and higher on weekdays."""
    rng = np.random.default_rng(5)
    every = pd.date_range("2023-01-02", periods=days, freq="D")
    frame = pd.DataFrame([(d.date(), c) for d in every for c in COUNTRIES], columns=["day", "country"])
    weekday = pd.to_datetime(frame["day"]).dt.day_of_week < 5
    frame["signups"] = rng.poisson(frame["country"].map(COUNTRIES) * (1 + 0.5 * weekday))
    return frame


def _pairs(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby(["day", "country"]).size()


@pytest.fixture(scope="module")
def panel() -> tuple[pd.DataFrame, Synthesizer]:
    data = _panel()
    return data, Synthesizer(seed=0, **SMALL).fit(data)


def test_a_panel_comes_back_with_each_day_and_country_once(panel: tuple[pd.DataFrame, Synthesizer]) -> None:
    """Learned as a date with the country drawn given it, 365 days x 5 countries came back with 495
    (day, country) pairs twice and days holding 1-11 rows."""
    data, syn = panel
    out = syn.sample(len(data))
    assert _pairs(out).max() == 1
    per_day = out.groupby("day").size()
    assert per_day.min() >= len(COUNTRIES) - 1 and per_day.max() == len(COUNTRIES)  # about a row per country
    assert (out["country"].value_counts() == len(data) // len(COUNTRIES)).all()  # the training shares
    real = data.groupby("country")["signups"].mean()
    synthetic = out.groupby("country")["signups"].mean()
    assert list(synthetic.sort_values().index) == list(real.sort_values().index)  # drawn given the country
    encoding = syn.describe()["columns"]["day"]["encoding"]
    assert "a panel with 'country': one row per date and country" in encoding
    assert syn.describe()["columns"]["country"]["encoding"].startswith("the segment of calendar 'day''s panel")
    assert syn.calendar_keys == ["day", "country"] and syn.calendar_columns == ["day"]  # a real attribute: judged


def test_a_segment_starting_halfway_keeps_to_its_own_range() -> None:
    """Weekly sales of 6 product categories, one launched halfway: its weeks stay in its range."""
    rng = np.random.default_rng(6)
    weeks = pd.date_range("2018-01-01", periods=120, freq="W-MON")
    rows = [(w, c) for c in "ABCDE" for w in weeks] + [(w, "F") for w in weeks[60:]]
    data = pd.DataFrame(rows, columns=["week", "category"])
    data["units"] = rng.poisson(20 + 10 * (data["category"] == "A"))
    syn = Synthesizer(seed=0, **SMALL).fit(data)
    out = syn.sample(len(data))
    assert _pairs(out.rename(columns={"week": "day", "category": "country"})).max() == 1
    launched = pd.to_datetime(out.loc[out["category"] == "F", "week"])
    assert (launched.dt.day_of_week == 0).all() and len(launched) == 60
    assert launched.min() >= weeks[55]  # the mean excess of its first weeks past its clip point, no further


def test_a_panel_gives_the_same_rows_for_any_chunk_size_shard_and_after_loading(
    panel: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    data, syn = panel
    _same_rows_any_way(syn, len(data), ["day", "country"], chunk=77, first=250, folder=tmp_path / "model")


def _same_rows_any_way(syn: Synthesizer, n: int, keys: list[str], chunk: int, first: int, folder: Path) -> None:
    """A panel's rows for seed 4 are the same in chunks of ``chunk``, after save and load, and (its
    calendar keys) drawn as two shards of ``first`` and ``n - first`` rows."""
    whole = syn.sample(n, seed=4)
    assert pd.concat(list(syn.sample_chunks(n, chunk_size=chunk, seed=4)), ignore_index=True).equals(whole)
    assert sampled_after_save_and_load(syn, n, folder).equals(syn.sample(n))
    halves = [syn.sample(m, seed=s, calendar_share=Share(seed=4, rows=n, first=f))
              for m, s, f in ((first, 1, 0), (n - first, 2, first))]  # fmt: skip
    assert pd.concat(halves, ignore_index=True)[keys].equals(whole[keys])


def test_rows_asked_for_given_days_and_countries_take_both(panel: tuple[pd.DataFrame, Synthesizer]) -> None:
    """A refill on a dropped row's day alone chose its own country, another row's (day, country)."""
    data, syn = panel
    places = syn.sample(len(data)).iloc[[3, 40, 41, 300]][["day", "country"]]
    again = syn.sample(len(places), seed=7, calendar_values=places)
    assert again[["day", "country"]].equals(places.reset_index(drop=True))
    with pytest.raises(ConfigError, match=r"a frame of 4 rows with the columns \['day', 'country'\]"):
        syn.sample(len(places), calendar_values=places["day"])
    with pytest.raises(ConfigError, match="1 values of 'country' that are no segment"):
        syn.sample(len(places), calendar_values=places.assign(country=["US", "FR", "DE", "XX"]))


def test_pairs_that_repeat_or_segments_that_are_rare_are_no_panel() -> None:
    data = _panel(60)
    twice = pd.concat([data, data], ignore_index=True)
    rare = data.assign(country=np.where(np.arange(len(data)) < 3, "LU", data["country"]))
    for frame in (twice, rare):
        syn = Synthesizer(seed=0, **SMALL).fit(frame)
        assert "day" not in syn.calendar_keys and "panel" not in syn.describe()["columns"]["day"]["encoding"]


def test_rows_per_segment_follow_the_training_shares_by_largest_remainder() -> None:
    shares = Panel(("s",), ((0,), (1,), (2,)), (50, 30, 20), ((0.0, 1.0),) * 3, ((0.0, 0.0),) * 3)
    assert shares.counts(7).tolist() == [4, 2, 1] and shares.counts(100).tolist() == [50, 30, 20]
    assert shares.counts(0).tolist() == [0, 0, 0] and shares.counts(1).tolist() == [1, 0, 0]
    assert shares.counts(100, np.array([40, 60, 60])).tolist() == [40, 36, 24]  # the others share what one lacks
    assert shares.counts(100, np.array([10, 10, 10])).tolist() == [50, 30, 20]  # no room anywhere: pairs repeat


def test_a_panel_sampled_past_its_training_rows_keeps_each_pair_once() -> None:
    """The pipeline trains on 80% of the rows and samples them all: a country's clip left fewer days
    than its share of the rows, and a (day, country) pair came back twice; another takes the row."""
    data = _panel(120)
    trained = data.sample(frac=0.8, random_state=0)
    syn = Synthesizer(seed=0, **SMALL).fit(trained)
    out = syn.sample(len(data))
    assert _pairs(out).max() == 1
    shares = trained["country"].value_counts() * len(data) / len(trained)
    assert (out["country"].value_counts() - shares).abs().max() <= 6  # one short of days passes a few on


def test_a_balanced_panel_sampled_past_its_training_rows_keeps_its_days_whole() -> None:
    """Every country on every day, trained on 80% of the rows: each country's clip points and reach
    came out a few days apart, and the synthetic ends held days of one or two countries (a
    country's share of its day there 100%); the countries now take their days from one choice."""
    data = _panel(200)
    syn = Synthesizer(seed=0, **SMALL).fit(data.sample(frac=0.8, random_state=1))
    out = syn.sample(len(data))
    assert _pairs(out).max() == 1
    per_day = out.groupby("day").size()
    assert per_day.min() >= len(COUNTRIES) - 1 and (per_day == len(COUNTRIES)).mean() >= 0.9


def test_a_saved_panel_whose_segment_is_not_drawn_after_its_calendar_is_refused(
    panel: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:

    _, syn = panel
    syn.save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    panel_json = doc["body"]["panel"]
    for broken in ({**panel_json, "segments": ["signups"]}, {**panel_json, "tokens": [[0], [1], [2], [9]]}):
        doc["body"]["panel"] = broken
        re_signed(tmp_path, doc)
        with pytest.raises(ArtifactError, match="panel"):
            Synthesizer.load(tmp_path)


def test_a_pair_repeated_past_the_first_rows_checked_is_found() -> None:
    """Pairs are checked on the first rows first (an event table of 1M rows repeats one there: 10
    checks took 17 s sorting every row, now 0.06 s), then on every row."""
    days = np.repeat(np.arange(19_000.0, 19_000.0 + 2_000), 3)
    segments = np.tile(np.arange(3), 2_000)
    assert detect_panel(days, segments, 1, [], 1.0) == [1, 0, ALL_WEEKDAYS]
    segments[-1] = 1  # the last day's third row repeats its second: past the rows checked first
    assert detect_panel(days, segments, 1, [], 1.0) == []
    rng = np.random.default_rng(0)
    events, labels = rng.integers(19_000, 19_700, 1_000_000).astype("float64"), rng.integers(0, 40, 1_000_000)
    started = time.monotonic()
    assert all(detect_panel(events, labels, 1, [], 1.0) == [] for _ in range(10))
    assert time.monotonic() - started < 3.0  # a fit checks each date with each label


STORES = {3: 100, 7: 40, 12: 45, 41: 20}
DEVICES = {"web": 1.0, "ios": 0.6, "android": 0.3}


def _by_store_and_device(days: int = 100) -> pd.DataFrame:
    """A ``GROUP BY day, store_id, device`` table: one row per day, store (an INTEGER id) and device,
    each store's and device's sessions at a level of their own; a device store 41 launched on day 40."""
    rng = np.random.default_rng(9)
    every = pd.date_range("2023-01-02", periods=days, freq="D")
    rows = [(d.date(), s, v) for d in every for s in STORES for v in DEVICES if s != 41 or v != "ios" or d >= every[40]]
    frame = pd.DataFrame(rows, columns=["day", "store_id", "device"]).astype({"store_id": "int32"})
    level = frame["store_id"].map(STORES) * frame["device"].map(DEVICES)
    frame["sessions"] = rng.poisson(level * (1 + 0.5 * (pd.to_datetime(frame["day"]).dt.day_of_week < 5)))
    return frame


KEYS = ["day", "store_id", "device"]


@pytest.fixture(scope="module")
def stores() -> tuple[pd.DataFrame, Synthesizer]:
    data = _by_store_and_device()
    return data, Synthesizer(seed=0, **SMALL).fit(data)


def test_a_whole_number_segment_comes_back_with_each_day_and_store_once_and_other_numbers_stay_numbers() -> None:
    """``GROUP BY day, store_id`` (an INTEGER): the id was learned as a number, so no panel, and
    (day, store_id) pairs came back twice, days holding 1-12 rows; and the ids keep their values
    and dtype (a label's codec from then on: no number between two ids is a store)."""
    data = _by_store_and_device().query("device == 'web'").drop(columns="device").reset_index(drop=True)
    syn = Synthesizer(seed=0, **SMALL).fit(data)
    out = syn.sample(len(data))
    assert syn.calendar_keys == ["day", "store_id"]
    assert out.groupby(["day", "store_id"]).size().max() == 1 and out.groupby("day").size().max() == len(STORES)
    assert out["store_id"].dtype == data["store_id"].dtype and set(out["store_id"]) == set(STORES)
    assert out["store_id"].value_counts().sort_index().equals(data["store_id"].value_counts().sort_index())
    synthetic = out.groupby("store_id")["sessions"].mean()
    assert list(synthetic.sort_values().index) == list(data.groupby("store_id")["sessions"].mean().sort_values().index)
    assert "a panel with 'store_id'" in syn.describe()["columns"]["day"]["encoding"]
    # not a segment: a whole number of many or of rare values, a combination few rows hold
    data = data.head(240)
    many = data.assign(store_id=data["store_id"] * 100 + np.arange(len(data)) % 20)  # 80 ids, still one a day each
    rare = data.assign(store_id=np.where(np.arange(len(data)) < 3, 99, data["store_id"]))
    both = _by_store_and_device(60)
    early = pd.to_datetime(both["day"]) < pd.Timestamp("2023-01-05")
    few = both[(both["device"] != "android") | (both["store_id"] != 41) | early]  # 3 rows of store 41 on android
    for frame in (many, rare, few.reset_index(drop=True)):
        syn = Synthesizer(seed=0, **SMALL).fit(frame)
        assert syn.calendar_keys == [] and syn.describe()["columns"]["store_id"]["kind"] != "categorical"


def test_two_labels_come_back_with_each_day_store_and_device_once(stores: tuple[pd.DataFrame, Synthesizer]) -> None:
    """``GROUP BY day, country, device``: the segment is the combination; learned as a date with
    both labels drawn given it, 240 days x 5 x 3 came back with 935 of 3,541 (day, country, device)
    twice and days holding 2-33 rows. Each combination keeps its rows, the sessions drawn given both."""
    data, syn = stores
    out = syn.sample(len(data))
    assert syn.calendar_keys == KEYS and syn.calendar_columns == ["day"]
    assert out.groupby(KEYS).size().max() == 1
    assert out.groupby("day").size().max() == len(STORES) * len(DEVICES)
    assert out.groupby(["store_id", "device"]).size().equals(data.groupby(["store_id", "device"]).size())
    late = pd.to_datetime(out.loc[(out["store_id"] == 41) & (out["device"] == "ios"), "day"])
    assert late.min() >= pd.Timestamp("2023-02-11")  # the launch: that combination keeps its own range
    assert (out["day"].min(), out["day"].max()) == (data["day"].min(), data["day"].max())  # filled: calendars.py Ends
    real = data.groupby(["store_id", "device"])["sessions"].mean()
    synthetic = out.groupby(["store_id", "device"])["sessions"].mean()
    assert np.corrcoef(real, synthetic.loc[real.index])[0, 1] > 0.95
    encoding = syn.describe()["columns"]["day"]["encoding"]
    assert "a panel with 'store_id' and 'device': one row per date and store_id and device" in encoding
    assert syn.describe()["columns"]["device"]["encoding"].startswith("the segment of calendar 'day''s panel")


def test_two_labels_give_the_same_rows_for_any_chunk_size_shard_and_after_loading(
    stores: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    data, syn = stores
    _same_rows_any_way(syn, len(data), KEYS, chunk=97, first=500, folder=tmp_path / "model")


def test_rows_asked_for_given_days_stores_and_devices_take_all_three(stores: tuple[pd.DataFrame, Synthesizer]) -> None:
    data, syn = stores
    places = syn.sample(len(data)).iloc[[3, 40, 41, 300]][KEYS]
    again = syn.sample(len(places), seed=7, calendar_values=places)
    assert again[KEYS].equals(places.reset_index(drop=True))
    with pytest.raises(ConfigError, match=r"the columns \['day', 'store_id', 'device'\]"):
        syn.sample(len(places), calendar_values=places[["day", "store_id"]])
    unknown = places.assign(store_id=[3, 7, 12, 99], device=["web", "ios", "tv", "web"])
    with pytest.raises(ConfigError, match="2 values of 'store_id' and 'device' that are no segment"):
        syn.sample(len(places), calendar_values=unknown)


def test_segments_of_several_columns_are_their_combinations_in_token_order() -> None:
    segment, tokens = combined([np.array([2, 0, 2, 1, 0]), np.array([1, 1, 0, 1, 1])])
    assert segment.tolist() == [3, 0, 2, 1, 0] and tokens.tolist() == [[0, 1], [1, 1], [2, 0], [2, 1]]
    one, alone = combined([np.array([2, 0, 2, 1])])
    assert one.tolist() == [2, 0, 2, 1] and alone.tolist() == [[0], [1], [2]]


def test_only_combinations_whose_columns_fit_one_row_a_date_are_tried() -> None:
    """35 labels of a 200,000-row table that is no panel: trying each pair and triple on the first
    rows took 10 s; a column's most rows on one date and token must fit the others' tokens."""
    days = np.repeat(np.arange(100.0), 6)  # 2 x 3 rows a day: a panel of a and b
    codes = {"a": np.tile([0, 0, 0, 1, 1, 1], 100), "b": np.tile([0, 1, 2], 200), "c": np.tile([0, 1], 300)}
    fits = combinable(days, codes)
    assert fits(("a", "b")) and not fits(("a", "c"))  # a and c: 3 rows a day on each token, 2 tokens of the other


def test_a_panel_saved_before_several_segment_columns_reads_back() -> None:
    """Artifact VERSION 43-46 saved a panel's one ``segment`` and a token per segment."""
    old = {"segment": "country", "tokens": [0, 2], "rows": [5, 6], "clips": [[0, 1], [0, 2]], "reaches": [[0, 0]] * 2}
    panel = Panel.from_json(old)
    assert panel.segments == ("country",) and panel.tokens == ((0,), (2,)) and panel.valid()
    assert Panel.from_json(panel.to_json()) == panel


def test_a_saved_panel_whose_segment_columns_are_not_drawn_in_its_order_is_refused(
    stores: tuple[pd.DataFrame, Synthesizer], tmp_path: Path
) -> None:
    _, syn = stores
    syn.save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    panel_json = doc["body"]["panel"]
    for broken in ({**panel_json, "segments": ["device", "store_id"]}, {**panel_json, "tokens": [[0]] * 12}):
        doc["body"]["panel"] = broken
        re_signed(tmp_path, doc)
        with pytest.raises(ArtifactError, match="panel"):
            Synthesizer.load(tmp_path)
