"""Airflow test session: a throwaway AIRFLOW_HOME, a migrated metadata DB, connections as env vars.

Airflow reads its configuration when first imported, so the environment is set here, at
collection time, before any test module can import it. AIRFLOW_HOME is only set when
unset (a developer's own home is respected); the DAGs folder is always the examples'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import PostgresServer, S3Server

EXAMPLE_DAGS = Path(__file__).resolve().parents[2] / "examples" / "airbnb" / "dags"
DEMO_USERS = 2_000

if "AIRFLOW_HOME" not in os.environ:
    os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="synthpipe-airflow-home-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(EXAMPLE_DAGS)


@dataclass(frozen=True)
class AirflowEnv:
    """What the DAG tests need: the parsed example DAGs and the servers behind the connections."""

    dags: dict[str, Any]
    pg: PostgresServer
    s3: S3Server


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """``airflow db migrate`` once per session (~10 s): dag.test() needs the metadata tables."""
    airflow = Path(sys.executable).with_name("airflow")
    done = subprocess.run([str(airflow), "db", "migrate"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="session")
def connections(pg_server: PostgresServer, s3_server: S3Server) -> Iterator[None]:
    """``postgres_default`` and ``aws_default`` as AIRFLOW_CONN_* env vars, as users set them."""
    aws = {
        "conn_type": "aws",
        "login": s3_server.key,
        "password": s3_server.secret,
        "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": "us-east-1"},
    }
    values = {"AIRFLOW_CONN_POSTGRES_DEFAULT": pg_server.url, "AIRFLOW_CONN_AWS_DEFAULT": json.dumps(aws)}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def demo_database(pg_server: PostgresServer) -> None:
    """The Airbnb-style users/sessions tables, kept small so the Airflow tests stay fast."""
    from synthpipe.demo import write_demo_database

    write_demo_database(pg_server.url, users=DEMO_USERS, seed=0)


@pytest.fixture(scope="session")
def example_dags(airflow_db: None) -> dict[str, Any]:
    """The example DAGs as the DAG processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(EXAMPLE_DAGS))
    assert not bag.import_errors, bag.import_errors
    return dict(bag.dags)


@pytest.fixture(scope="session")
def airflow_env(
    example_dags: dict[str, Any],
    connections: None,
    demo_database: None,
    pg_server: PostgresServer,
    s3_server: S3Server,
) -> AirflowEnv:
    return AirflowEnv(dags=example_dags, pg=pg_server, s3=s3_server)
