"""A query's windows over its whole result (``OVER (ORDER BY day)``) hold in the published rows,
after the privacy filters dropped and refilled some of them."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from synthpipe.extract import extract
from synthpipe.load import load
from synthpipe.report.gates import Gates
from synthpipe.synthesize import synthesize

OFF = dict.fromkeys(Gates.model_fields)  # these tests check the windows, not quality
WINDOWS = {
    "revenue_to_date": "sum(revenue) OVER (ORDER BY day)",
    "revenue_change": "revenue - lag(revenue) OVER (ORDER BY day)",
    "revenue_rank": "rank() OVER (ORDER BY revenue DESC)",
}


def _kpi_database(path: Path) -> str:
    rng = np.random.default_rng(0)
    days = pd.date_range("2022-01-01", periods=400, freq="D")
    orders = rng.poisson(200 + np.where(days.day_of_week >= 5, 60, 0))
    frame = pd.DataFrame({"day": days.date, "orders": orders, "revenue": np.round(orders * rng.gamma(20, 2.5, 400), 2)})
    with duckdb.connect(str(path)) as db:
        db.register("frame", frame)
        db.execute("CREATE TABLE daily AS SELECT * FROM frame")
    return f"duckdb:///{path}"


def _windows_held(rows: pd.DataFrame) -> dict[str, float]:
    """Per window, the share of ``rows`` that hold its SQL definition, rows tied on a day (a refill
    may repeat one) taken in their order where SQL leaves it open (a lag's)."""
    con = duckdb.connect()
    con.register("r", rows[["day", "revenue"]].reset_index(names="row_at"))
    windows = {name: sql.replace("ORDER BY day)", "ORDER BY day, row_at)") for name, sql in WINDOWS.items()}
    windows["revenue_to_date"] = WINDOWS["revenue_to_date"]  # a running total takes in the rows tied on its day
    columns = ", ".join(f"{sql} AS {name}" for name, sql in windows.items())
    want = con.sql(f"SELECT {columns} FROM r ORDER BY row_at").df()
    return {
        name: float(np.isclose(rows[name].astype("float64"), want[name], rtol=1e-9, equal_nan=True).mean())
        for name in WINDOWS
    }


def test_a_kpi_querys_windows_over_all_its_rows_hold_in_the_published_rows(tmp_path: Path) -> None:
    """The filters' refills are new draws on the days of the rows they drop: rebuilt over the rows
    as sampled, the running total broke at each refilled day. The shard's windows are rebuilt over
    the rows it ends with, so the published table holds them in every row."""
    source = _kpi_database(tmp_path / "kpi.duckdb")
    query = tmp_path / "kpi.sql"
    columns = ", ".join(f"{sql} AS {name}" for name, sql in WINDOWS.items())
    query.write_text(f"SELECT day, orders, revenue, {columns} FROM daily ORDER BY day")
    common = {"staging": str(tmp_path / "staging"), "name": "kpi", "run_id": "r1"}
    extracted = extract(query=query, source=source, **common)
    made = synthesize(features_uri=extracted.uri, engine={"max_epochs": 2, "hidden_size": 16}, gates=OFF, **common)
    filters = json.loads(Path(made.synthetic_uris[0]).with_suffix(".filters.json").read_text())
    assert filters["resampled_rows"] > 0  # some rows were dropped and refilled
    generated = pq.read_table(made.synthetic_uris[0]).to_pandas()
    assert set(_windows_held(generated).values()) == {1.0}
    loaded = load(synthetic_uris=made.synthetic_uris, destination=str(tmp_path / "out"), name="kpi", run_id="r1")
    published = pacsv.read_csv(loaded.uri).to_pandas()
    assert pd.to_datetime(published["day"]).is_monotonic_increasing
    assert set(_windows_held(published.assign(day=pd.to_datetime(published["day"]))).values()) == {1.0}


def test_ranks_within_categories_hold_and_are_left_out_of_the_filters_distances(tmp_path: Path) -> None:
    """``rank() OVER (PARTITION BY category ORDER BY amount DESC)`` of 6,000 orders: judged by the
    filters on each batch's own ranks (a refill of 300 rows ranks them from 1), the generated rows sat
    far from every real one and 80% of 91,922 were dropped (a 20,000-row query). Windows over the
    whole table are rebuilt over the rows kept, so the filters leave them out of their distances."""
    rng = np.random.default_rng(5)
    n = 6000
    frame = pd.DataFrame(
        {
            "category": rng.choice(["books", "games", "music", "toys", "tools", "garden"], n),
            "amount": np.round(rng.lognormal(4, 1, n), 2),
        }
    )
    with duckdb.connect(str(tmp_path / "shop.duckdb")) as db:
        db.register("frame", frame)
        db.execute("CREATE TABLE orders AS SELECT * FROM frame")
    query = tmp_path / "ranked.sql"
    query.write_text(
        "SELECT category, amount, rank() OVER (PARTITION BY category ORDER BY amount DESC) AS rank_in_category"
        " FROM orders ORDER BY category, rank_in_category"
    )
    common = {"staging": str(tmp_path / "staging"), "name": "ranked", "run_id": "r1"}
    extracted = extract(query=query, source=f"duckdb:///{tmp_path / 'shop.duckdb'}", **common)
    made = synthesize(features_uri=extracted.uri, engine={"max_epochs": 3}, gates=OFF, **common)
    filters = json.loads(Path(made.synthetic_uris[0]).with_suffix(".filters.json").read_text())
    assert "rank_in_category" in filters["left_out_of_distances"]
    assert filters["resampled_rows"] < 0.2 * n
    rows = pq.read_table(made.synthetic_uris[0]).to_pandas()
    ranks = rows.groupby("category")["amount"].rank(method="min", ascending=False)
    assert (rows["rank_in_category"] == ranks).all()
