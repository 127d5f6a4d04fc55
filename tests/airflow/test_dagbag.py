"""Every example DAG imports cleanly, and parsing opens no connection (no socket, no lookup)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from tests.airflow.conftest import EXAMPLE_DAGS

pytestmark = [pytest.mark.airflow, pytest.mark.integration]


def test_example_dags_import_without_errors_or_connections(airflow_db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook, Connection

    opened: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        opened.append(args)
        raise AssertionError(f"a connection was opened at DAG parse time: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(BaseHook, "get_connection", classmethod(refuse))
    monkeypatch.setattr(Connection, "get", classmethod(refuse))

    bag = DagBag(dag_folder=str(EXAMPLE_DAGS))

    assert bag.import_errors == {}
    assert opened == []
    assert {"airbnb_user_bookings", "airbnb_user_profiles"} <= set(bag.dag_ids)
    bookings = bag.dags["airbnb_user_bookings"]
    assert [t.task_id for t in bookings.topological_sort()] == [
        "extract_features",
        "generate_synthetic_features",
        "upload_synthetic_features",
    ]


def test_parsing_loads_neither_the_engine_nor_pandas(airflow_db: None) -> None:
    """DAG processors parse every file every few seconds: the heavy core stays out until a task runs
    (``synthpipe.engine``'s settings model, which checks a run's ``engine`` at trigger, comes alone)."""
    import subprocess
    import sys

    heavy = [
        "pandas",
        "pyarrow",
        "sklearn",
        "lightgbm",
        "synthpipe.engine.synthesizer",
        "synthpipe.synthesize",
        "psycopg",
    ]
    script = (
        "import runpy, sys\n"
        f"for name in {[str(p) for p in sorted(EXAMPLE_DAGS.glob('*.py'))]!r}:\n"
        "    runpy.run_path(name)\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-2000:]
