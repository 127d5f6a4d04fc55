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


def test_example_dag_publishes_the_synthetic_csv(
    airflow_env: AirflowEnv, s3_bucket: str, capfd: pytest.CaptureFixture[str]
) -> None:
    dag = airflow_env.dags[DAG_ID]
    dag_run = dag.test(run_conf=run_conf(s3_bucket))
    logged = "".join(capfd.readouterr())

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
    assert "extract_features" in logged
    assert airflow_env.pg.password not in logged
    assert airflow_env.s3.secret not in logged


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
    logged = "".join(capfd.readouterr())
    assert "GateFailed" in logged
    assert "min_quality" in logged  # the core's message names the gate
    # how this DAG's user publishes anyway: its trigger config, or its gates param for every run
    loosen = "trigger a new run whose config sets min_quality to a looser value, or null to switch it off: "
    assert loosen + '{"gates": {"min_quality": null}}' in logged
    assert "set it in the default of the DAG's gates param" in logged
    assert "pipeline spec" not in logged  # the CLI's advice: a DAG has no spec
    assert store(airflow_env.s3, s3_bucket, "synthetic").list() == []
    staged = store(airflow_env.s3, s3_bucket, "staging").list(dag_run.run_id)
    assert f"{dag_run.run_id}_booking_features_report.html" in staged  # the reason, for people


def test_retried_task_leaves_identical_keys(
    airflow_env: AirflowEnv, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that dies after writing (a transient error) is retried onto the same keys.

    The retried run must leave exactly the keys a clean run leaves (run id aside), and
    both attempts must have reported the same URIs.
    """
    from synthpipe.airflow import tasks

    dag = airflow_env.dags[DAG_ID]
    clean = dag.test(run_conf=run_conf(s3_bucket))
    assert clean.state == "success", task_states(clean)

    original, results = tasks.synthesize, []

    def dies_after_writing_once(**kwargs: Any) -> dict[str, Any]:
        results.append(original(**kwargs))
        if len(results) == 1:
            raise StoreUnreachable("injected: the worker lost the store after writing")
        return results[-1]

    monkeypatch.setattr(tasks, "synthesize", dies_after_writing_once)
    monkeypatch.setattr(dag.get_task("generate_synthetic_features"), "retry_delay", timedelta(0))
    retried = dag.test(run_conf=run_conf(s3_bucket))

    assert retried.state == "success", task_states(retried)
    assert len(results) == 2
    first, second = ({k: r[k] for k in ("model_uri", "synthetic_uris", "report_uris")} for r in results)
    assert first == second
    for area in ("staging", "synthetic"):
        where = store(airflow_env.s3, s3_bucket, area)
        assert _suffixes(where.list(retried.run_id), retried.run_id) == _suffixes(
            where.list(clean.run_id), clean.run_id
        )
        assert not [key for key in where.fs.ls(where.root) if ".tmp-" in key]


def _suffixes(keys: list[str], run_id: str) -> list[str]:
    assert keys and all(key.startswith(run_id) for key in keys)
    return sorted(key.removeprefix(run_id) for key in keys)
