"""Fresh keys of a generated table keep the real format across shards and privacy refills.

Every shard and every refill round is sampled with a seed of its own; the generate stage tells
each stream where its keys start, so ``C0042``-style keys continue as ``C0600``, ``C0601`` ...
and never take a seed's own 2**32-key range (``C600633996481816``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthpipe.privacy import PrivacyFilters
from synthpipe.synthesize import generate, train
from synthpipe.writers import read_table

ORDERS = 900


def orders() -> pa.Table:
    rng = np.random.default_rng(3)
    return pa.table(
        {
            "order_id": [f"O{i:05d}" for i in range(ORDERS)],  # unique: regenerated
            "customer_id": [f"C{c:04d}" for c in rng.integers(0, 150, ORDERS)],  # repeated: pseudonyms
            "plan": rng.choice(["free", "pro"], ORDERS),
            "spend": rng.gamma(2.0, 30.0, ORDERS).round(2),
        }
    )


def generated_shards(tmp_path: Path, rows: int, shards: int, privacy: PrivacyFilters) -> tuple[pd.DataFrame, int]:
    real = orders()
    staged = tmp_path / "orders.parquet"
    pq.write_table(real, staged)
    staging = str(tmp_path / "staging")
    model = train(features_uri=str(staged), staging=staging, name="o", run_id="r",
                  engine={"max_epochs": 2}, seed=1)  # fmt: skip
    parts, filtered = [], 0
    for shard in range(shards):
        result = generate(model_uri=model.model_uri, staging=staging, name="o", run_id="r", rows=rows,
                          shard=shard, shards=shards, seed=1, chunk_rows=150,
                          privacy=privacy)  # fmt: skip
        parts.append(read_table(result.uri).to_pandas())
        filtered += result.filtered_rows
    return pd.concat(parts, ignore_index=True), filtered


def test_shards_and_refills_keep_the_key_format_and_never_share_a_key(tmp_path: Path) -> None:
    table, filtered = generated_shards(tmp_path, rows=1_000, shards=3, privacy=PrivacyFilters(similarity_quantile=0.3))
    real = orders().to_pandas()

    assert filtered > 0  # rows nearer train than 30% of holdout rows: refilled
    assert len(table) == 1_000
    assert table["order_id"].is_unique
    assert not table["order_id"].isin(real["order_id"]).any()
    assert not table["customer_id"].isin(real["customer_id"]).any()
    for column, prefix in (("order_id", "O"), ("customer_id", "C")):
        keys = table[column]
        assert keys.str.fullmatch(rf"{prefix}\d{{4,}}").all(), keys[~keys.str.fullmatch(rf"{prefix}\d+")].head()
        assert keys.str.len().max() <= 8, f"{column}: keys left the real format: {keys.str.len().max()} characters"


def test_unfiltered_shards_number_their_keys_by_row_in_the_whole_table(tmp_path: Path) -> None:
    table, _ = generated_shards(tmp_path, rows=301, shards=2, privacy=PrivacyFilters(enabled=False))

    assert table["order_id"].tolist() == [f"O{i:05d}" for i in range(ORDERS, ORDERS + 301)]


def test_fresh_keys_count_on_past_the_held_out_rows_and_the_rows_past_the_training_sample(tmp_path: Path) -> None:
    """Fitted on a sample of 300 of 720 training rows, integer ids counted on from the sample's
    largest: held-out rows and the rows past the sample hold larger ones, which came back on
    synthetic rows (seed 5: the first fresh id was 896, four real ids again). Now every key of the
    query is reserved before the model is saved."""
    rng = np.random.default_rng(4)
    real = pd.DataFrame({"order_id": np.arange(1, ORDERS + 1), "code": [f"ORD-{i}" for i in range(1, ORDERS + 1)],
                         "spend": rng.gamma(2.0, 30.0, ORDERS).round(2)})  # fmt: skip
    staged = tmp_path / "orders.parquet"
    real.to_parquet(staged)
    staging = str(tmp_path / "staging")
    model = train(features_uri=str(staged), staging=staging, name="o", run_id="r",
                  engine={"max_epochs": 2, "max_training_rows": 300}, seed=5)  # fmt: skip
    result = generate(model_uri=model.model_uri, staging=staging, name="o", run_id="r", rows=600, seed=5,
                      privacy=PrivacyFilters(enabled=False))  # fmt: skip
    table = read_table(result.uri).to_pandas()

    assert table["order_id"].tolist() == list(range(ORDERS + 1, ORDERS + 601))
    assert table["code"].tolist() == [f"ORD-{i}" for i in range(ORDERS + 1, ORDERS + 601)]
