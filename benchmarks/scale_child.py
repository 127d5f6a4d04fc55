"""The scale section's stages, each run alone in a child process (clean wall time and peak RSS).

    python -m benchmarks.scale_child make-data --rows N --out F.parquet [--pg-url URL --table T]
    python -m benchmarks.scale_child extract --sql Q.sql --pg-url URL --staging DIR --name NAME
    python -m benchmarks.scale_child fit --features F.parquet --staging DIR   (prints the model's URI)
    python -m benchmarks.scale_child generate --model URI --rows N --out S.parquet

Each prints one JSON line (its own timings) as the last line of its output.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

CHUNK_ROWS = 1_000_000  # rows per chunk when making the data: bounded memory for any N
# Rows per chunk when generating: the pipeline's own default (`synthesize.generate(chunk_rows=...)`).
# With 1M-row chunks the stage peaked at 544 MB after the first chunk and about 800 MB from the second
# on (two chunks alive while the next is built), which read like memory growing with N.
GENERATE_CHUNK_ROWS = 100_000


def feature_chunks(rows: int, seed: int = 0) -> Iterator[pd.DataFrame]:
    """Demo-features-shaped rows: the demo's 20k-user roll-up resampled, with fresh unique user ids.

    Resampling keeps every column's type, nulls and skew at any size without generating the
    ~50 sessions per user that the real query would need at 10M users.
    """
    from synthpipe.demo import booking_features

    base = booking_features(users=20_000, seed=seed)
    rng = np.random.default_rng(seed)
    for start in range(0, rows, CHUNK_ROWS):
        n = min(CHUNK_ROWS, rows - start)
        chunk = base.iloc[rng.integers(0, len(base), n)].reset_index(drop=True)
        ids = pd.Series(np.arange(start + 1, start + n + 1)).astype(str).str.zfill(10)
        chunk["user_id"] = ids.to_numpy(dtype=object)  # same text-key type as the demo's ids
        chunk["date_account_created"] = pd.to_datetime(chunk["date_account_created"])
        yield chunk


def make_data(rows: int, out: Path, pg_url: str | None, table: str | None) -> dict:
    """Write the N-row table to Parquet and, when a server is given, COPY it into PostgreSQL."""
    writer, conn = None, _pg_table(pg_url, table) if pg_url and table else None
    for chunk in feature_chunks(rows):
        arrow = pa.Table.from_pandas(chunk, preserve_index=False)
        writer = writer or pq.ParquetWriter(out, arrow.schema)
        writer.write_table(arrow)
        if conn is not None:
            _copy_chunk(conn, table or "", chunk)
    if writer:
        writer.close()
    if conn is not None:
        conn.execute(f"ANALYZE {table}")
        conn.close()
    return {"rows": rows}


def _pg_table(url: str, table: str) -> Any:
    # psycopg is imported lazily (only the scale section needs it), hence `Any`.
    """A fresh table shaped like the demo features (types from a 1-row sample)."""
    import psycopg

    sample = next(feature_chunks(1))
    types = {"int": "BIGINT", "flo": "DOUBLE PRECISION", "dat": "TIMESTAMP", "boo": "BOOLEAN"}
    cols = ", ".join(
        f'"{c}" {types.get(str(t)[:3], "TEXT")}' for c, t in sample.dtypes.items()
    )  # fmt: skip
    conn = psycopg.connect(url, autocommit=True)
    conn.execute(f"DROP TABLE IF EXISTS {table}")
    conn.execute(f"CREATE TABLE {table} ({cols})")
    return conn


def _copy_chunk(conn: Any, table: str, chunk: pd.DataFrame) -> None:
    """COPY is PostgreSQL's bulk path; a chunk at a time keeps memory bounded."""
    buf = io.StringIO()
    chunk.to_csv(buf, index=False, header=False)
    with conn.cursor().copy(f"COPY {table} FROM STDIN (FORMAT csv)") as copy:
        copy.write(buf.getvalue())


def extract(sql: Path, pg_url: str, staging: Path, name: str) -> dict:
    """synthpipe's own extract stage, exactly as the pipeline calls it."""
    from synthpipe.extract import extract as run_extract

    res = run_extract(query=sql, source=pg_url, staging=staging.as_uri(), name=name, run_id="scale")
    return {"rows": res.rows, "uri": res.uri, "seconds": res.seconds}


def fit(features: Path, staging: Path) -> dict:
    """The pipeline's train stage on the staged rows: the seeded train/holdout split written to
    STAGING (streamed), the engine fitted on its bounded sample, the model saved next to them."""
    from synthpipe.synthesize import train

    start = time.perf_counter()
    result = train(features_uri=str(features), staging=str(staging), name="scale", run_id="bench", seed=0)
    return {"rows": result.rows, "fit_s": time.perf_counter() - start, "model_uri": result.model_uri}


def generate(model: str, rows: int, out: Path) -> dict:
    """Load the artifact and stream N rows to Parquet with the engine's chunked sampler."""
    from synthpipe.engine import Synthesizer

    synth = Synthesizer.load(model)
    start, writer, done = time.perf_counter(), None, 0
    for chunk in synth.sample_chunks(rows, chunk_size=GENERATE_CHUNK_ROWS):
        arrow = chunk if isinstance(chunk, pa.Table) else pa.Table.from_pandas(chunk, preserve_index=False)
        writer = writer or pq.ParquetWriter(out, arrow.schema)
        writer.write_table(arrow)
        done += arrow.num_rows
    if writer:
        writer.close()
    return {"rows": done, "generate_s": time.perf_counter() - start}


def main() -> None:
    """Dispatch one stage; the JSON line printed last is what the parent reads."""
    p = argparse.ArgumentParser()
    p.add_argument("stage", choices=["make-data", "extract", "fit", "generate"])
    p.add_argument("--rows", type=int)
    p.add_argument("--out", type=Path)
    p.add_argument("--pg-url")
    p.add_argument("--table")
    p.add_argument("--sql", type=Path)
    p.add_argument("--staging", type=Path)
    p.add_argument("--name", default="scale_features")
    p.add_argument("--features", type=Path)
    p.add_argument("--model", help="the model's URI, as the fit stage printed it")
    a = p.parse_args()
    stages = {
        "make-data": lambda: make_data(a.rows, a.out, a.pg_url, a.table),
        "extract": lambda: extract(a.sql, a.pg_url, a.staging, a.name),
        "fit": lambda: fit(a.features, a.staging),
        "generate": lambda: generate(a.model, a.rows, a.out),
    }
    from benchmarks.child import peak_rss_mb

    result = stages[a.stage]()
    print(json.dumps({**result, "self_peak_rss_mb": peak_rss_mb()}), flush=True)


if __name__ == "__main__":
    main()
