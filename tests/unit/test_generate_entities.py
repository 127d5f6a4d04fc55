"""A generated table of entities (a customer's monthly snapshots) keeps each entity whole through
the privacy filters, the chunks they filter and the shards: no month taken out of a history."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthpipe.privacy import PrivacyFilters
from synthpipe.synthesize import generate, train
from synthpipe.writers import read_table

stage = sys.modules["synthpipe.synthesize"]  # the module, not the package's function of that name


def snapshots(customers: int = 300) -> pa.Table:
    """Each customer's months run on one at a time from a month of their own, with the tenure."""
    rng = np.random.default_rng(5)
    months = rng.integers(6, 30, customers)
    rows = np.repeat(np.arange(customers), months)
    tenure = pd.Series(rows).groupby(rows).cumcount().to_numpy() + 1
    first = np.datetime64("2019-01", "M") + rng.integers(0, 36, customers)
    return pa.table(
        {
            "customer_id": [f"C{c:04d}" for c in rows],
            "month": (first[rows] + tenure - 1).astype("datetime64[D]"),
            "tenure_months": tenure,
            "segment": rng.choice(["retail", "business"], customers)[rows],
            "balance": (rng.lognormal(7, 1, customers)[rows] * rng.lognormal(0, 0.1, rows.size)).round(2),
        }
    )


def test_every_generated_history_runs_on_month_by_month(tmp_path: Path) -> None:
    staged = tmp_path / "snapshots.parquet"
    pq.write_table(snapshots(), staged)
    staging = str(tmp_path / "staging")
    model = train(features_uri=str(staged), staging=staging, name="s", run_id="r", engine={"max_epochs": 5}, seed=1)
    parts, filtered = [], 0
    for shard in range(2):
        result = generate(model_uri=model.model_uri, staging=staging, name="s", run_id="r", rows=3_000,
                          shard=shard, shards=2, seed=1, chunk_rows=400,
                          privacy=PrivacyFilters(similarity_quantile=0.3))  # fmt: skip
        parts.append(read_table(result.uri).to_pandas())
        filtered += result.filtered_rows
    table = pd.concat(parts, ignore_index=True)

    assert filtered > 0 and len(table) == 3_000
    customers = table.groupby("customer_id", sort=False)
    assert (table["customer_id"] != table["customer_id"].shift()).sum() == customers.ngroups  # rows together
    assert (customers["tenure_months"].min() == 1).all()  # no history lost its start ...
    assert (customers["tenure_months"].max() == customers.size()).all()  # ... or a month in between
    months = pd.to_datetime(table["month"])
    steps = (months.dt.year * 12 + months.dt.month).groupby(table["customer_id"]).diff().dropna()
    assert (steps == 1).all()


@pytest.mark.parametrize("kind", ["pandas", "arrow"])
def test_chunks_are_cut_where_an_entity_ends(kind: str) -> None:
    keys = [1, 1, 2, 2, 2, 3, 3, 4]
    frame = pd.DataFrame({"key": keys, "row": range(len(keys))})
    pieces = [frame.iloc[0:3], frame.iloc[3:6], frame.iloc[6:8]]
    chunks = [pa.Table.from_pandas(p, preserve_index=False) for p in pieces] if kind == "arrow" else pieces

    out = [c.to_pandas() if kind == "arrow" else c for c in stage._at_entity_ends(chunks, "key")]

    assert [c["key"].tolist() for c in out] == [[1, 1], [2, 2, 2], [3, 3, 4]]
    assert pd.concat(out, ignore_index=True).equals(frame)


def test_the_holdout_sample_of_an_entity_table_holds_whole_entities() -> None:
    """The filters judge an entity by the median distance of its rows; the holdout entities they
    are measured against come with all their rows, enough rows and enough entities."""
    from synthpipe.row_order import value_hashes

    keys = pd.Series(np.repeat(np.arange(2_000), np.random.default_rng(0).integers(1, 30, 2_000)))
    by_rows = stage._whole_entities(value_hashes(keys), 20_000, seed=3)
    by_entities = stage._whole_entities(value_hashes(keys), 1_000, seed=3)

    for picked in (by_rows, by_entities):
        chosen = keys.iloc[picked]
        assert chosen.value_counts().sort_index().equals(keys.value_counts()[chosen.unique()].sort_index())
        assert np.all(np.diff(picked) > 0)
    assert 20_000 <= len(by_rows) < 20_030
    assert keys.iloc[by_entities].nunique() == stage.HOLDOUT_ENTITIES
    assert np.array_equal(by_rows, stage._whole_entities(value_hashes(keys), 20_000, seed=3))


def _events(users: int = 300) -> pd.DataFrame:
    """A per-user event stream with ``lead(secs) OVER w``, ``count(*) OVER (PARTITION BY user_id)``,
    ``avg(secs) OVER (PARTITION BY user_id)`` and the rank of the seconds, longest first."""
    rng = np.random.default_rng(6)
    rows = np.repeat(np.arange(users), rng.integers(2, 40, users))
    data = pd.DataFrame({"user_id": rows + 1000, "event_no": pd.Series(rows).groupby(rows).cumcount() + 1})
    data["secs"] = rng.lognormal(6, 1.2, rows.size).round()
    return data.assign(**_windows_of(data))


def _windows_of(rows: pd.DataFrame) -> dict[str, pd.Series]:
    by_user = rows.groupby("user_id")
    ranked = rows.assign(down=-rows["secs"]).sort_values(["user_id", "down", "event_no"])
    return {
        "next_secs": by_user["secs"].shift(-1),
        "user_events": by_user["event_no"].transform("size"),
        "user_avg": by_user["secs"].transform("mean"),
        "secs_rank": ranked.groupby("user_id").cumcount().reindex(rows.index) + 1,
    }


def test_refilled_users_keep_their_windows_over_the_rows_published(tmp_path: Path) -> None:
    """The filters' refills were cut at the row count: a refilled user kept 10 of its 76 events
    (600 airbnb users' sessions through synthpipe run), each still counting 76 events, ranked 17,
    28, 37, ... and its last event's lead the seconds of one not published. A model whose windows
    look past a row asks for exactly the rows missing, and the engine cuts its last user itself."""
    staged = tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pandas(_events(), preserve_index=False), staged)
    staging = str(tmp_path / "staging")
    model = train(features_uri=str(staged), staging=staging, name="e", run_id="r", engine={"max_epochs": 3}, seed=1)
    result = generate(model_uri=model.model_uri, staging=staging, name="e", run_id="r", rows=3_000, seed=1,
                      chunk_rows=500, privacy=PrivacyFilters(similarity_quantile=0.3))  # fmt: skip
    table = read_table(result.uri).to_pandas().sort_values(["user_id", "event_no"], ignore_index=True)

    assert result.filtered_rows > 0 and len(table) == 3_000
    for name, want in _windows_of(table).items():
        assert np.isclose(table[name], want, rtol=1e-9, equal_nan=True).all(), name


def test_published_orders_keep_their_totals_over_the_lines_published(tmp_path: Path) -> None:
    """An order's total and item count are rebuilt from its lines (sessions within a customer);
    cut at the row count by the pipeline, the last customer's last order kept 1 of its 4 lines
    and its total of all 4. The engine cuts its last customer itself, its orders' totals over the
    lines it gives, as it does for windows over a customer's rows."""
    from tests.unit.engine.test_sessions import _order_lines

    staged = tmp_path / "orders.parquet"
    pq.write_table(pa.Table.from_pandas(_order_lines(300, 0), preserve_index=False), staged)
    staging = str(tmp_path / "staging")
    model = train(features_uri=str(staged), staging=staging, name="o", run_id="r", engine={"max_epochs": 3}, seed=1)
    result = generate(model_uri=model.model_uri, staging=staging, name="o", run_id="r", rows=2_000, seed=1,
                      chunk_rows=500, privacy=PrivacyFilters(similarity_quantile=0.3))  # fmt: skip
    orders = read_table(result.uri).to_pandas().groupby("order_id")

    assert result.filtered_rows > 0 and orders.size().sum() == result.rows >= 1_990  # refills may run dry by a row
    assert np.isclose(orders["order_total"].first(), orders["amount"].sum(), rtol=1e-9, atol=0.005).all()
    assert (orders["items"].first() == orders.size()).all()
