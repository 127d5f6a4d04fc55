"""The example DAG ``airbnb_user_bookings`` end to end: real PostgreSQL, real S3 (SeaweedFS)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from synthpipe.errors import StoreUnreachable
from tests.airflow.conftest import AirflowEnv
from tests.airflow.helpers import read_csv, run_conf, store, task_states

pytestmark = [pytest.mark.airflow, pytest.mark.integration]

DAG_ID = "airbnb_user_bookings"


def test_example_dag_publishes_the_synthetic_csv(airflow_env: AirflowEnv, s3_bucket: str) -> None:
    dag = airflow_env.dags[DAG_ID]
    dag_run = dag.test(run_conf=run_conf(s3_bucket))

    assert dag_run.state == "success", task_states(dag_run)
    run_id = dag_run.run_id
    staging = store(airflow_env.s3, s3_bucket, "staging")
    destination = store(airflow_env.s3, s3_bucket, "synthetic")
    features = read_csv(staging, f"{run_id}_booking_features.csv")
    synthetic = read_csv(destination, f"{run_id}_booking_features_synthetic.csv")
    assert list(synthetic.columns) == list(features.columns)
    assert len(synthetic) == len(features) > 1_000
    assert destination.list(run_id) == sorted(
        f"{run_id}_booking_features_{suffix}" for suffix in ("report.html", "report.json", "synthetic.csv")
    )


def test_failing_gate_fails_the_task_with_its_reason_and_uploads_nothing(
    airflow_env: AirflowEnv, s3_bucket: str, capfd: pytest.CaptureFixture[str]
) -> None:
    dag = airflow_env.dags[DAG_ID]
    conf = run_conf(s3_bucket, gates={"min_quality": 100})
    dag_run = dag.test(run_conf=conf)

    states = task_states(dag_run)
    assert dag_run.state == "failed"
    assert states["generate_synthetic_features"] == "failed"
    assert states["upload_synthetic_features"] == "upstream_failed"
    output = capfd.readouterr()
    assert "GateFailed" in output.out + output.err
    assert "gate min_quality requires at least 100" in output.out + output.err
    assert store(airflow_env.s3, s3_bucket, "synthetic").list() == []
    staged = store(airflow_env.s3, s3_bucket, "staging").list(dag_run.run_id)
    assert f"{dag_run.run_id}_booking_features_report.html" in staged  # the reason, for people


def test_retried_task_leaves_identical_keys(
    airflow_env: AirflowEnv, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies after writing (transient error) is retried onto the same keys."""
    from synthpipe.airflow import tasks

    original, calls = tasks.synthesize, []

    def flaky(**kwargs: Any) -> dict[str, Any]:
        result = original(**kwargs)
        calls.append(kwargs["run_id"])
        if len(calls) == 1:
            raise StoreUnreachable("injected: the worker lost the store after writing")
        return result

    monkeypatch.setattr(tasks, "synthesize", flaky)
    dag = airflow_env.dags[DAG_ID]
    task = dag.get_task("generate_synthetic_features")
    monkeypatch.setattr(task, "retry_delay", timedelta(0))
    dag_run = dag.test(run_conf=run_conf(s3_bucket))

    assert dag_run.state == "success", task_states(dag_run)
    assert len(calls) == 2
    run_id = dag_run.run_id
    staging = store(airflow_env.s3, s3_bucket, "staging")
    suffixes = ["", ".schema.json", "_holdout.parquet", "_model", "_report.html", "_report.json",
                "_synthetic.part-00000-of-00001.parquet", "_train.parquet"]  # fmt: skip
    expected = sorted(f"{run_id}_booking_features{s}" for s in suffixes)
    expected[expected.index(f"{run_id}_booking_features")] = f"{run_id}_booking_features.csv"
    assert staging.list() == sorted(expected)
    assert len(store(airflow_env.s3, s3_bucket, "synthetic").list(run_id)) == 3
