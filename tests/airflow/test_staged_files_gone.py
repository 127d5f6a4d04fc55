"""A staged file cleaned up between the task that writes it and the task that reads it (a cleared
workspace, a lifecycle rule on the staging bucket), run through a real factory DAG: the reading task
fails at once, without spending the factory's retries, naming the file and the task to clear."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.airflow.conftest import AirflowEnv
from tests.airflow.helpers import factory_dags, task_states

pytestmark = [pytest.mark.airflow, pytest.mark.integration]


def _remove(uri: str) -> None:
    shutil.rmtree(uri) if Path(uri).is_dir() else Path(uri).unlink()


GONE: dict[str, tuple[str, str, Callable[[dict[str, Any]], list[str]]]] = {
    # task: (its function in synthpipe.airflow.tasks, the task that writes what it reads, what is removed)
    "train": ("train", "extract", lambda kwargs: [kwargs["features_uri"]]),
    "generate": ("generate", "train", lambda kwargs: [kwargs["model_uri"]]),
    "publish": ("load", "generate", lambda kwargs: list(kwargs["synthetic_uris"])),
}


@pytest.mark.parametrize("task_id", sorted(GONE))
def test_a_staged_file_gone_before_its_reader_runs_fails_it_once_naming_the_writer(
    airflow_env: AirflowEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    task_id: str,
) -> None:
    """Before: a bare FileNotFoundError, which the factory's DAGs retried twice to the same end. The
    clean-up is made by the reading task itself, just before it runs: nothing else runs between two
    tasks of one ``dag.test()``."""
    from synthpipe.airflow import tasks

    function, writer, staged = GONE[task_id]
    original = getattr(tasks, function)

    def cleaned_up_before(**kwargs: Any) -> Any:
        for uri in staged(kwargs):
            _remove(uri)
        return original(**kwargs)

    monkeypatch.setattr(tasks, function, cleaned_up_before)
    dag_id = f"gone_before_{task_id}"  # one DAG id per case: a second case's run of one id failed its extract
    (tmp_path / f"{dag_id}.sql").write_text("SELECT id, gender, age FROM users ORDER BY id")
    (tmp_path / f"{dag_id}.yaml").write_text("engine: {max_epochs: 2, hidden_size: 16}\ngates: {min_quality: null}\n")
    dags = factory_dags(tmp_path, source_conn_id="postgres_default", staging=str(tmp_path / "staging"),
                        destination=str(tmp_path / "published"), retry_delay_seconds=0)  # fmt: skip

    dag_run = dags[dag_id].test()
    logged = "".join(capfd.readouterr())

    states = {name.split("[")[0]: state for name, state in task_states(dag_run).items()}
    assert states[writer] == "success" and states[task_id] == "failed", states
    tries = {ti.task_id: ti.try_number for ti in dag_run.get_task_instances()}
    assert tries[task_id] == 1  # terminal: the factory's 2 retries are not spent on it
    assert "MissingInput: the staged file" in logged
    assert f"run {writer} again for this run (in Airflow: clear the task that runs {writer}" in logged
    assert not list(tmp_path.glob("published/*_synthetic.csv"))
