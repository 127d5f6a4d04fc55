"""The stage functions TaskFlow bodies call: the whole chain, sharded, with literal URLs and no connection.

Also the XCom contract: every result is small, JSON-able and carries URIs, never data.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.airflow, pytest.mark.integration]

XCOM_BUDGET = 4_000  # bytes of JSON per task result


def _small(result: dict[str, Any]) -> dict[str, Any]:
    assert len(json.dumps(result)) < XCOM_BUDGET, result
    return result


def test_stage_functions_chain_through_sharded_generation(tmp_path: Path) -> None:
    from synthpipe.airflow import tasks
    from synthpipe.demo import QUERY_FILE, write_demo_database
    from synthpipe.stores import Store

    source = f"duckdb:///{tmp_path / 'app.duckdb'}"
    write_demo_database(source, users=600, seed=1)
    staging, destination = f"memory://{uuid.uuid4().hex}/staging", f"memory://{uuid.uuid4().hex}/synthetic"
    common = {"name": "booking_features", "run_id": "manual__2026-11-25T10:00:00+00:00", "staging": staging}

    staged = _small(tasks.extract(query=str(QUERY_FILE), source=source, fmt="csv", **common))
    trained = _small(tasks.train(features_uri=staged["uri"], engine={"max_epochs": 20}, **common))
    shards = [
        _small(tasks.generate(model_uri=trained["model_uri"], rows=staged["rows"], shard=i, shards=2, **common))
        for i in range(2)
    ]
    uris = [shard["uri"] for shard in shards]
    evaluated = _small(
        tasks.evaluate(
            synthetic_uris=uris,
            train_uri=trained["train_uri"],
            holdout_uri=trained["holdout_uri"],
            gates={"min_quality": None, "max_dcr_share": None, "max_mia_auc": None},
            **common,
        )
    )
    loaded = _small(
        tasks.load(synthetic_uris=uris, report_uris=evaluated["report_uris"], destination=destination, **common)
    )

    assert sum(shard["rows"] for shard in shards) == staged["rows"] == loaded["rows"]
    assert Store(destination).list() == sorted(
        f"{common['run_id']}_booking_features_{suffix}" for suffix in ("report.html", "report.json", "synthetic.csv")
    )


def test_missing_source_is_a_terminal_error() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from synthpipe.airflow import tasks

    with pytest.raises(AirflowFailException, match="exactly one of source"):
        tasks.extract(query="q.sql", name="x", run_id="r", staging="memory://x")


def test_train_on_staged_features_cleaned_up_since_extract_fails_at_once_naming_extract() -> None:
    """Before: a bare FileNotFoundError, which Airflow retried (twice in the factory's DAGs)."""
    from airflow.sdk.exceptions import AirflowFailException

    from synthpipe.airflow import tasks

    staging = f"memory://{uuid.uuid4().hex}/staging"
    with pytest.raises(AirflowFailException, match=r"MissingInput: the staged file .* run extract again"):
        tasks.train(features_uri=f"{staging}/r_users.parquet", name="users", run_id="r", staging=staging)


def test_a_failed_gate_says_how_to_loosen_it_in_airflow_not_in_a_pipeline_spec() -> None:
    """Before: "set min_quality under gates: in the pipeline spec (or the synthpipe connection's gates
    extra)"; a DAG's user has no pipeline spec, and the example DAG's run config ``gates`` went unnamed."""
    import numpy as np
    import pandas as pd
    from airflow.sdk.exceptions import AirflowFailException

    from synthpipe.airflow import tasks
    from synthpipe.stores import Store

    staging = Store(f"memory://{uuid.uuid4().hex}/staging")
    rng = np.random.default_rng(0)
    for key, scale in (("train", 1.0), ("holdout", 1.0), ("shard", 9.0)):
        frame = pd.DataFrame({"spend": rng.gamma(2.0, scale, 300), "plan": rng.choice(["a", "b"], 300)})
        staging.write_bytes(f"{key}.parquet", frame.to_parquet())

    with pytest.raises(AirflowFailException) as caught:
        tasks.evaluate(synthetic_uris=[staging.uri("shard.parquet")], train_uri=staging.uri("train.parquet"),
                       holdout_uri=staging.uri("holdout.parquet"), gates={"min_quality": 100}, name="users",
                       run_id="r", staging=staging.url)  # fmt: skip

    said = str(caught.value)
    loosen = "trigger a new run whose config sets min_quality to a looser value, or null to switch it off: "
    assert loosen + '{"gates": {"min_quality": null}}' in said
    assert "gates: in the YAML beside a factory DAG's SQL file" in said
    assert "where the DAG has a gates param" not in said  # every synthpipe DAG has one (factory.run_params)
    assert "pipeline spec" not in said
    # for every run, the example DAG's user (no YAML, no synthpipe connection) sets the param's default
    assert "set it in the default of the DAG's gates param (trigger_params(gates=...) in a DAG file" in said


def test_a_shard_whose_every_row_was_filtered_names_no_spec_setting_in_airflow(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: "switch that filter off (outliers: false under synthesis.privacy in the pipeline spec)",
    a setting no Airflow task takes. (A filter that drops every row is injected.)"""
    import numpy as np
    from airflow.sdk.exceptions import AirflowFailException

    from synthpipe import privacy
    from synthpipe.airflow import tasks

    common, trained = _trained_users()
    monkeypatch.setattr(privacy._Filter, "reasons", lambda self, batch: np.full(len(batch), "outlier", dtype=object))

    with pytest.raises(AirflowFailException, match="dropped every one of") as caught:
        tasks.generate(model_uri=trained["model_uri"], rows=50, **common)

    assert "widen the query (the Airflow tasks run every privacy filter" in str(caught.value)
    assert "pipeline spec" not in str(caught.value)


def test_a_shard_the_filters_reshaped_says_so_in_the_task_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outlier filter dropped most booked users of a PostgreSQL query (q09: 41% booked generated,
    24% published) and no log said so. A filter that drops every plan 'a' row is injected (the Airflow
    tasks take no privacy settings to provoke one with); the generate task logs a warning through
    ``logging``, which Airflow writes to the task's log, naming no pipeline spec as the place to change.
    (Caught by a handler on the synthpipe logger, not caplog's on the root: Airflow's logging set-up,
    run at its first import, replaces the root's handlers.)"""
    import logging.handlers

    import numpy as np

    from synthpipe import privacy
    from synthpipe.airflow import tasks

    common, trained = _trained_users()
    dropping_a = lambda self, batch: np.where(batch["plan"] == "a", "outlier", "").astype(object)  # noqa: E731
    monkeypatch.setattr(privacy._Filter, "reasons", dropping_a)

    caught = logging.handlers.BufferingHandler(capacity=1_000)
    logging.getLogger("synthpipe").addHandler(caught)
    try:
        tasks.generate(model_uri=trained["model_uri"], rows=200, **common)
    finally:
        logging.getLogger("synthpipe").removeHandler(caught)

    (said,) = [r.getMessage() for r in caught.buffer if "reshaped" in r.getMessage()]
    assert said.startswith("the privacy filters reshaped the published rows: plan: share of ")
    assert "generated -> 0.00 published" in said or "generated -> 1.00 published" in said
    assert "run the pipeline from a spec that sets synthesis.privacy.outlier_quantile (now 0.999; raise it)" in said


def test_synthpipe_connection_supplies_the_store_and_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Task arguments win over the synthpipe connection's defaults, key by key."""
    from synthpipe.airflow import tasks
    from synthpipe.demo import QUERY_FILE, write_demo_database

    store_url = f"memory://{uuid.uuid4().hex}/artifacts"
    extra = {"engine": {"max_epochs": 7, "seed": 5}, "gates": {"min_quality": 80, "max_mia_auc": None}}
    monkeypatch.setenv(
        "AIRFLOW_CONN_SYNTHPIPE_TEAM", json.dumps({"conn_type": "synthpipe", "host": store_url, "extra": extra})
    )
    source = f"duckdb:///{tmp_path / 'app.duckdb'}"
    write_demo_database(source, users=200, seed=2)

    staged = tasks.extract(
        query=str(QUERY_FILE), source=source, name="b", run_id="r1", synthpipe_conn_id="synthpipe_team"
    )

    assert staged["uri"] == f"{store_url}/r1_b.parquet"
    assert tasks._engine({"max_epochs": 9}, "synthpipe_team") == ({"max_epochs": 9}, 5)
    from synthpipe.report.gates import Gates

    gates = tasks._gates({"min_quality": 60}, "synthpipe_team")
    assert (gates.min_quality, gates.max_mia_auc, gates.max_dcr_share) == (60, None, Gates().max_dcr_share)


def _trained_users() -> tuple[dict[str, str], dict[str, Any]]:
    """The generate tasks' common arguments and a model trained on 300 users (spend, plan) in an
    in-memory staging area."""
    import numpy as np
    import pandas as pd

    from synthpipe.airflow import tasks
    from synthpipe.stores import Store

    staging = Store(f"memory://{uuid.uuid4().hex}/staging")
    rng = np.random.default_rng(0)
    features = pd.DataFrame({"spend": rng.gamma(2.0, 30.0, 300), "plan": rng.choice(["a", "b"], 300)})
    staging.write_bytes("r_users.parquet", features.to_parquet())
    common = {"name": "users", "run_id": "r", "staging": staging.url}
    return common, tasks.train(features_uri=staging.uri("r_users.parquet"), engine={"max_epochs": 1}, **common)
