"""The query's own ORDER BY orders the published synthetic rows (synthpipe.query_order)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from synthpipe.extract import extract
from synthpipe.load import load
from synthpipe.query_order import SortKey, query_order, sorted_rows
from synthpipe.report.gates import Gates
from synthpipe.synthesize import synthesize

COLUMNS = ["day", "signups", "region"]
OFF = dict.fromkeys(Gates.model_fields)  # these tests check the order, not quality


@pytest.mark.parametrize(
    ("sql", "source", "expected"),
    [
        ("SELECT day, signups, region FROM t ORDER BY day", "duckdb:///x.duckdb", ["day NULLS LAST"]),
        ("SELECT * FROM t ORDER BY 2 DESC, 1", "postgresql://h/db", ["signups DESC NULLS FIRST", "day NULLS LAST"]),
        ("SELECT * FROM t ORDER BY t.region DESC", "sqlite:///x.db", ["region DESC NULLS LAST"]),
        ("SELECT * FROM t ORDER BY region", "sqlite:///x.db", ["region NULLS FIRST"]),  # SQLite: nulls are least
        ("SELECT * FROM t ORDER BY DAY NULLS FIRST", "postgresql+psycopg://h/db", ["day NULLS FIRST"]),
        ("WITH x AS (SELECT * FROM t ORDER BY region) SELECT * FROM x", "duckdb:///x.duckdb", []),  # the CTE's
        ("SELECT * FROM a UNION ALL SELECT * FROM b ORDER BY signups", "duckdb:///x.duckdb", ["signups NULLS LAST"]),
        ("SELECT * FROM t ORDER BY region, lower(code), day", "duckdb:///x.duckdb", ["region NULLS LAST"]),
        ("SELECT * FROM t ORDER BY created_at", "duckdb:///x.duckdb", []),  # not returned
        (
            "SELECT t.d AS day, n AS signups FROM t ORDER BY t.d",
            "duckdb:///x.duckdb",
            ["day NULLS LAST"],
        ),  # as returned
        ("SELECT a.x AS day, b.x AS signups FROM a, b ORDER BY b.x", "duckdb:///x.duckdb", ["signups NULLS LAST"]),
        ("SELECT * FROM t ORDER BY 9", "duckdb:///x.duckdb", []),
        (
            "SELECT * FROM t ORDER BY ALL",
            "duckdb:///x.duckdb",
            ["day NULLS LAST", "signups NULLS LAST", "region NULLS LAST"],
        ),
        (
            "SELECT * FROM t ORDER BY ALL DESC",
            "duckdb:///x.duckdb",
            ["day DESC NULLS LAST", "signups DESC NULLS LAST", "region DESC NULLS LAST"],
        ),  # DuckDB: every output column
        ("SELECT * FROM t", "duckdb:///x.duckdb", []),
        ("SELECT FROM WHERE ORDER BY ((", "duckdb:///x.duckdb", []),  # unparsable: published as generated
    ],
)
def test_the_querys_order_by_is_read_as_output_columns(sql: str, source: str, expected: list[str]) -> None:
    assert [str(key) for key in query_order(sql, source, COLUMNS)] == expected


def test_rows_are_sorted_key_by_key_with_each_keys_nulls_where_the_query_put_them() -> None:
    table = pa.table({"region": ["b", None, "a", "b", "a", None], "n": [1, 2, 3, None, 5, 6], "row": range(6)})
    keys = [SortKey(column="region", nulls_first=True), SortKey(column="n", descending=True, nulls_first=False)]
    out = sorted_rows(table, keys).to_pydict()
    assert out["region"] == [None, None, "a", "a", "b", "b"]
    assert out["n"] == [6, 2, 5, 3, 1, None]
    assert sorted_rows(table, [SortKey(column="region")]).column("row").to_pylist() == [2, 4, 0, 3, 1, 5]  # stable


def _daily_database(path: Path) -> str:
    rng = np.random.default_rng(0)
    days = pd.date_range("2021-01-01", periods=300, freq="D")
    frame = pd.DataFrame(
        {"day": days.date, "signups": rng.poisson(np.linspace(5, 40, days.size)), "region": rng.choice(["n", "s"], 300)}
    )
    with duckdb.connect(str(path)) as db:
        db.register("frame", frame)
        db.execute("CREATE TABLE daily AS SELECT * FROM frame")
    return f"duckdb:///{path}"


def test_a_daily_query_ordered_by_day_is_published_by_day(tmp_path: Path) -> None:
    """``ORDER BY day DESC``: the synthetic days came out in the order the engine drew them."""
    source = _daily_database(tmp_path / "daily.duckdb")
    query = tmp_path / "daily.sql"
    query.write_text("SELECT day, signups, region FROM daily ORDER BY day DESC, region")
    common = {"staging": str(tmp_path / "staging"), "name": "daily", "run_id": "r1"}
    extracted = extract(query=query, source=source, **common)
    assert extracted.order_by == ["day DESC NULLS LAST", "region NULLS LAST"]
    made = synthesize(features_uri=extracted.uri, engine={"max_epochs": 2, "hidden_size": 16}, gates=OFF, **common)
    loaded = load(synthetic_uris=made.synthetic_uris, destination=str(tmp_path / "out"), name="daily", run_id="r1")
    published = pacsv.read_csv(loaded.uri).to_pandas()
    assert loaded.order_by == extracted.order_by and len(published) == 300
    days = pd.to_datetime(published["day"])
    assert days.is_monotonic_decreasing
    assert all(group["region"].is_monotonic_increasing for _, group in published.groupby(days, sort=False))
    generated = pq.read_table(made.synthetic_uris[0]).to_pandas()
    assert not pd.to_datetime(generated["day"]).is_monotonic_decreasing  # drawn in no such order
    assert sorted(map(str, generated["day"])) == sorted(map(str, published["day"]))  # the same rows


def test_without_a_staged_order_or_beyond_the_rows_sorted_in_memory_rows_stay_as_generated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    shard = staging / "r1_daily_synthetic.part-00000-of-00001.parquet"
    pq.write_table(pa.table({"day": [3, 1, 2]}), shard)
    common = {"synthetic_uris": [str(shard)], "name": "daily", "run_id": "r1", "fmt": "parquet"}
    assert load(destination=str(tmp_path / "a"), **common).order_by == []  # type: ignore[arg-type]  # staged by no extract
    (staging / "r1_daily.schema.json").write_text(json.dumps({"rows": 3, "order_by": [{"column": "day"}]}))
    sorted_uri = load(destination=str(tmp_path / "b"), **common).uri  # type: ignore[arg-type]
    assert pq.read_table(sorted_uri).column("day").to_pylist() == [1, 2, 3]
    monkeypatch.setattr(sys.modules["synthpipe.load"], "SORTED_ROWS_MAX", 2)
    with caplog.at_level(logging.WARNING, logger="synthpipe.load"):
        kept = load(destination=str(tmp_path / "c"), **common)  # type: ignore[arg-type]
    assert pq.read_table(kept.uri).column("day").to_pylist() == [3, 1, 2] and kept.order_by == []
    assert "not by the query's ORDER BY (day NULLS LAST): load sorts at most 2 rows in memory" in caplog.text
