"""Small helpers shared by the Airflow tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from synthpipe.stores import Store
from tests.servers import S3Server


def store(s3: S3Server, bucket: str, prefix: str) -> Store:
    return Store(f"s3://{bucket}/{prefix}", storage_options=s3.storage_options)


FAST_ENGINE = {"max_epochs": 30}


def run_conf(bucket: str, **more: Any) -> dict[str, Any]:
    """Every param of the example DAG, explicitly.

    Explicit because dag.test() runs tasks in-process on the parsed DAG object, where one
    run's conf can leak into the next run's params.
    """
    conf = {"rows": None, "gates": {}, "engine": FAST_ENGINE}
    return {**conf, "staging": f"s3://{bucket}/staging", "destination": f"s3://{bucket}/synthetic", **more}


def read_csv(where: Store, key: str) -> pd.DataFrame:
    with where.open(key) as handle:
        return pd.read_csv(handle)


def task_states(dag_run: Any) -> dict[str, str]:
    """``{task_id (or task_id[map_index]): state}`` of a finished run."""
    states = {}
    for ti in dag_run.get_task_instances():
        name = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
        states[name] = str(ti.state)
    return states
