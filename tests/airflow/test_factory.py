"""The DAG factory: one DAG per SQL file, settings from YAML beside it, generation fanned out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from synthpipe.errors import ConfigError
from tests.airflow.conftest import AirflowEnv
from tests.airflow.helpers import read_csv, store, task_states

pytestmark = [pytest.mark.airflow, pytest.mark.integration]

DEFAULTS = {"staging": "s3://aws_default@bucket/staging", "destination": "s3://bucket/synthetic"}


def test_one_dag_per_sql_file_with_yaml_overrides(tmp_path: Path) -> None:
    from synthpipe.airflow.factory import dags_from_folder

    (tmp_path / "orders.sql").write_text("SELECT 1 AS x")
    (tmp_path / "payments.sql").write_text("SELECT 2 AS y")
    (tmp_path / "payments.yaml").write_text("shards: 3\nname: card_payments\nschedule: '@daily'\n")

    dags = dags_from_folder(tmp_path, **DEFAULTS)

    assert sorted(dags) == ["orders", "payments"]
    payments = dags["payments"]
    assert [t.task_id for t in payments.topological_sort()] == ["extract", "train", "generate", "evaluate", "publish"]
    generate = payments.get_task("generate")
    assert generate.expand_input.value["shard"] == [0, 1, 2]
    assert generate.partial_kwargs["name"] == "card_payments"
    assert [a.uri for a in payments.get_task("publish").outlets] == ["s3://bucket/synthetic/card_payments_synthetic"]
    assert [a.uri for a in payments.get_task("extract").outlets] == ["s3://bucket/staging/card_payments"]


def test_invalid_yaml_setting_names_the_file(tmp_path: Path) -> None:
    from synthpipe.airflow.factory import dags_from_folder

    (tmp_path / "orders.sql").write_text("SELECT 1 AS x")
    (tmp_path / "orders.yaml").write_text("shard: 3\n")
    with pytest.raises(ConfigError, match=r"orders\.sql.*shard"):
        dags_from_folder(tmp_path, **DEFAULTS)


def test_second_sql_file_over_another_table_runs_with_sharded_generation(
    airflow_env: AirflowEnv, s3_bucket: str
) -> None:
    dag = airflow_env.dags["airbnb_user_profiles"]
    conf = {"staging": f"s3://{s3_bucket}/staging", "destination": f"s3://{s3_bucket}/synthetic"}
    dag_run = dag.test(run_conf={**conf, "rows": None, "gates": {}, "engine": {"max_epochs": 30}})

    states = task_states(dag_run)
    assert dag_run.state == "success", states
    assert {"generate[0]", "generate[1]"} <= set(states)
    shards = [ti for ti in dag_run.get_task_instances() if ti.task_id == "generate"]
    assert sorted(ti.rendered_map_index for ti in shards) == ["shard 0", "shard 1"]
    run_id = dag_run.run_id
    staging = store(airflow_env.s3, s3_bucket, "staging")
    features = staging.list(f"{run_id}_user_profiles.parquet")
    assert features == [f"{run_id}_user_profiles.parquet"]
    synthetic = read_csv(store(airflow_env.s3, s3_bucket, "synthetic"), f"{run_id}_user_profiles_synthetic.csv")
    import pyarrow.parquet as pq

    with staging.open(features[0]) as handle:
        staged = pq.read_table(handle)
    assert list(synthetic.columns) == staged.column_names
    assert len(synthetic) == staged.num_rows


def test_a_sql_file_name_with_a_space_gives_a_valid_dag_id_and_name(tmp_path: Path) -> None:
    """``daily report.sql``: the bare stem is no DAG id and no data set name."""
    from synthpipe.airflow.factory import dags_from_folder

    (tmp_path / "daily report.sql").write_text("SELECT 1 AS x")
    dags = dags_from_folder(tmp_path, **DEFAULTS)
    assert list(dags) == ["daily_report"] and dags["daily_report"].dag_id == "daily_report"
    assert dags["daily_report"].get_task("generate").partial_kwargs["name"] == "daily_report"


def test_two_sql_files_of_one_folder_never_share_a_key(tmp_path: Path) -> None:
    """``orders.sql`` and ``orders_train.sql``: their DAGs' scheduled runs share a run id, and
    ``orders_train``'s staged rows were ``orders``' train split. ``Über.sql`` gave DAG ``ber``."""
    from synthpipe.airflow.factory import dags_from_folder

    for stem in ("orders", "orders_train", "Über"):
        (tmp_path / f"{stem}.sql").write_text("SELECT 1 AS x")
    dags = dags_from_folder(tmp_path, **DEFAULTS)

    assert sorted(dags) == ["Uber", "orders", "orders_train"]
    names = {dag_id: dag.get_task("generate").partial_kwargs["name"] for dag_id, dag in dags.items()}
    assert names == {"Uber": "Uber", "orders": "orders", "orders_train": "orders-train"}
    assert dags["orders_train"].description == (
        "Synthetic copy of orders_train.sql; data set name 'orders-train' (from orders_train.sql): 'orders_train' "
        "would share keys with data set 'orders', which ends them in '_train'; set name: to choose another"
    )
    assert dags["orders"].description == "Synthetic copy of orders.sql"


def test_a_yaml_name_whose_keys_would_be_another_data_sets_names_the_file(tmp_path: Path) -> None:
    from synthpipe.airflow.factory import dags_from_folder

    (tmp_path / "orders.sql").write_text("SELECT 1 AS x")
    (tmp_path / "orders.yaml").write_text("name: orders_holdout\n")
    with pytest.raises(ConfigError, match=r"orders\.sql \(name: invalid name='orders_holdout'.*'orders-holdout'"):
        dags_from_folder(tmp_path, **DEFAULTS)


def test_a_factory_dags_run_config_takes_gates_engine_and_rows_over_its_yaml(
    airflow_env: AirflowEnv, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Before: a factory DAG took ``staging`` and ``destination`` only; the failed-gate message's
    ``{"gates": {"min_quality": null}}`` was ignored and the YAML's gate failed every run."""
    import json

    from synthpipe.engine import Synthesizer
    from tests.airflow.helpers import factory_dags

    (tmp_path / "gated_users.sql").write_text("SELECT id, gender, age FROM users ORDER BY id")
    (tmp_path / "gated_users.yaml").write_text(
        "engine: {max_epochs: 2, hidden_size: 16}\ngates: {min_quality: 100, max_mia_auc: 0.99}\n"
    )
    dag = factory_dags(tmp_path, source_conn_id="postgres_default", staging=str(tmp_path / "staging"),
                       destination=str(tmp_path / "published"), retry_delay_seconds=0)["gated_users"]  # fmt: skip
    staging, published = store_at(tmp_path / "staging"), store_at(tmp_path / "published")

    failed = dag.test(run_conf={"staging": staging.url, "destination": published.url})  # the YAML's gates
    logged = "".join(capfd.readouterr())
    assert task_states(failed)["evaluate"] == "failed" and task_states(failed)["publish"] == "upstream_failed"
    assert 'trigger a new run whose config sets min_quality to a looser value, or null to switch it off: ' \
           '{"gates": {"min_quality": null}}' in logged  # fmt: skip

    passed = dag.test(
        run_conf={
            "staging": staging.url,
            "destination": published.url,
            "rows": 123,
            "gates": {"min_quality": None},
            "engine": {"max_epochs": 1},
        }
    )
    assert passed.state == "success", task_states(passed)
    run_id = passed.run_id
    report = json.loads(published.read_bytes(f"{run_id}_gated_users_report.json"))
    thresholds = {gate["gate"]: gate["threshold"] for gate in report["gates"]}
    assert "min_quality" not in thresholds and thresholds["max_mia_auc"] == 0.99  # the YAML's other gate kept
    assert len(read_csv(published, f"{run_id}_gated_users_synthetic.csv")) == 123
    model = Synthesizer.load(staging.uri(f"{run_id}_gated_users_model"))
    assert (model.config.max_epochs, model.config.hidden_size) == (1, 16)


REFUSED_AT_TRIGGER = {
    "no rows": ({"rows": 0}, "param rows: 0 is less than the minimum of 1"),
    "gate out of range": ({"gates": {"min_quality": 150}}, "param gates: 150 is greater than the maximum of 100"),
    "misspelt gate": (
        {"gates": {"min_qualty": 60}},
        "param gates: Additional properties are not allowed ('min_qualty'",
    ),
    "empty staging": ({"staging": ""}, "param staging: '' should be non-empty"),
    "misspelt engine setting": (
        {"engine": {"max_epoch": 2}},
        "param engine: Additional properties are not allowed ('max_epoch'",
    ),
    "engine setting out of range": ({"engine": {"max_epochs": 0}}, "param engine: 0 is less than the minimum of 1"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_AT_TRIGGER))
def test_the_trigger_refuses_a_run_config_a_stage_would_refuse(airflow_db: None, tmp_path: Path, case: str) -> None:
    """Before: ``{"rows": 0}`` was taken and generate refused it after extract and train had run; a
    gate out of range or misspelt failed evaluate, after training; an empty staging URL staged into
    the worker's current folder. Now the run is refused at trigger time, naming the param."""
    from airflow.sdk.exceptions import ParamValidationError

    from tests.airflow.helpers import factory_dags

    conf, complaint = REFUSED_AT_TRIGGER[case]
    (tmp_path / "orders.sql").write_text("SELECT 1 AS x")
    dag = factory_dags(tmp_path, staging=str(tmp_path / "staging"), destination=str(tmp_path / "out"))["orders"]
    with pytest.raises(ParamValidationError, match=re.escape(complaint)):
        dag.test(run_conf=conf)
    assert not (tmp_path / "staging").exists()


def store_at(folder: Path) -> Any:
    from synthpipe.stores import Store

    return Store(str(folder))
