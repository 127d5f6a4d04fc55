"""Small helpers shared by the Airflow tests."""

from __future__ import annotations

from pathlib import Path
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


def factory_dags(folder: Path, **defaults: Any) -> dict[str, Any]:
    """The factory's DAGs over the SQL files in ``folder``, parsed by the DAG processor from a DAG
    file written there, and written to the metadata DB as it would write them.

    Why written to the DB: dag.test() runs only a serialized DAG, and the session's DAG folder
    holds the examples, not a test's own SQL files."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    call = f"dags_from_folder({str(folder)!r}, **{defaults!r})"
    (folder / "factory_dags.py").write_text(
        f"from synthpipe.airflow.factory import dags_from_folder\n\nglobals().update({call})\n"
    )
    bag = DagBag(dag_folder=str(folder))
    assert not bag.import_errors, bag.import_errors
    DagBundlesManager().sync_bundles_to_db()  # the bundle row the DAG rows refer to
    sync_bag_to_db(bag, "dags-folder", None)
    return dict(bag.dags)


def try_numbers(dag_run: Any) -> dict[str, int]:
    """``{task_id: try_number}`` of a finished run: 1 for a task that failed fast (no retry)."""
    return {ti.task_id: ti.try_number for ti in dag_run.get_task_instances() if ti.map_index < 0}
