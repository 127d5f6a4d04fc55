"""A large result streams through extract in bounded memory (peak RSS does not grow with the rows).

CI measures two sizes in child processes and checks that 20x more rows (≈ 300 MB more result)
cost almost no extra peak memory (measured: no growth at all). The 2 GB run the issue asks for
was measured by hand; see ``tests/robustness/README.md`` ("Large results").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import PostgresServer

pytestmark = pytest.mark.integration

CHILD = """
import json, resource, sys
from synthpipe.extract import extract
rows = extract(query=sys.argv[1], source=sys.argv[2], staging=sys.argv[3], name="big", run_id="r",
               batch_rows=500).rows
print(json.dumps({"rows": rows, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
ROW_SQL = "SELECT i AS id, i / 3.0 AS x, repeat(md5(i::text), 250) AS s FROM generate_series(1, {rows}) AS g(i)"
"""About 8 KB a row: 40,000 rows are ~320 MB of result, 2,000 rows ~16 MB."""


def peak_rss_mb(pg_url: str, folder: Path, rows: int) -> float:
    folder.mkdir()
    query = folder / "q.sql"
    query.write_text(ROW_SQL.format(rows=rows))
    out = subprocess.run([sys.executable, "-c", CHILD, str(query), pg_url, str(folder / "staging")],
                         capture_output=True, text=True, timeout=300, check=True)  # fmt: skip
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    assert measured["rows"] == rows
    return float(measured["peak_mb"])


def test_peak_memory_does_not_grow_with_the_result(pg_server: PostgresServer, tmp_path: Path) -> None:
    small = peak_rss_mb(pg_server.url, tmp_path / "small", 2_000)
    large = peak_rss_mb(pg_server.url, tmp_path / "large", 40_000)
    assert large - small < 40, f"peak RSS grew from {small:.0f} MB to {large:.0f} MB for ~300 MB more result"
