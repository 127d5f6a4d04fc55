"""What a DAG author gets wrong, run through real DAGs: each mistake fails its task at once (no
retry can fix it) with a typed error that names the fix, and no password reaches the log."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from synthpipe.errors import ConfigError
from tests.airflow.conftest import AirflowEnv
from tests.airflow.helpers import factory_dags, run_conf, task_states, try_numbers

pytestmark = [pytest.mark.airflow, pytest.mark.integration]

SECRET = "Sup3r@SecretTail/x#y?z%w"
"""Every character a URI reserves; unencoded in a URI, the part after ``@`` is read as the host."""
SECRET_FORMS = (SECRET, quote(SECRET, safe=""), "SecretTail")


def postgres(**fields: object) -> str:
    return json.dumps({"conn_type": "postgres", "login": "app", "password": SECRET, "host": "127.0.0.1",
                       "port": 5432, "schema": "app", **fields})  # fmt: skip


SOURCE_CONNECTIONS = {
    "conn_missing": (None, "connection 'conn_missing' is not defined; add it in the UI"),
    "conn_raw_uri": (
        f"postgresql://app:{SECRET}@127.0.0.1:5432/app",
        "Airflow cannot read environment variable AIRFLOW_CONN_CONN_RAW_URI as written",
    ),
    "conn_port_text": (postgres(port="fivefour"), "cannot read environment variable AIRFLOW_CONN_CONN_PORT_TEXT"),
    "conn_extra_list": (postgres(extra=[1, 2]), "(type 'postgres') gives no database URL (AttributeError"),
    "conn_query_text": (
        postgres(extra={"sqlalchemy_query": "sslmode=require"}),
        "gives no database URL (TypeError: The parameter 'sqlalchemy_query' must be of type dict!)",
    ),
    "conn_no_hook": (
        json.dumps({"conn_type": "duckdb", "host": "/data/app.duckdb"}),
        "(type 'duckdb') has no hook Airflow can load",
    ),
}


@pytest.mark.parametrize("conn_id", sorted(SOURCE_CONNECTIONS))
def test_a_bad_source_connection_fails_extract_once_with_the_fix(
    airflow_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], conn_id: str
) -> None:
    """Before: Airflow's untyped "The conn_id isn't defined" (also for an AIRFLOW_CONN_ it cannot
    read), "'NoneType' object has no attribute 'rsplit'", a bare TypeError, "not a database
    connection" for a postgres one, each retried; a password with an unencoded '/' after an '@'
    made the driver log its tail as a host name it could not resolve, retried as a network fault."""
    value, message = SOURCE_CONNECTIONS[conn_id]
    if value is not None:
        monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", value)
    (tmp_path / f"{conn_id}.sql").write_text("SELECT 1 AS a")
    dags = factory_dags(tmp_path, source_conn_id=conn_id, staging=str(tmp_path / "staging"),
                        destination=str(tmp_path / "published"), retry_delay_seconds=0)  # fmt: skip

    dag_run = dags[conn_id].test()
    logged = "".join(capfd.readouterr())

    assert task_states(dag_run)["extract"] == "failed"
    assert try_numbers(dag_run)["extract"] == 1  # terminal: the factory's 2 retries are not spent on it
    assert message in logged
    assert [form for form in SECRET_FORMS if form in logged] == []


def test_wrong_seed_and_row_count_in_the_run_config_fail_once_naming_them(
    airflow_env: AirflowEnv, s3_bucket: str
) -> None:
    """``{"engine": {"seed": "abc"}}`` raised a bare ValueError (retried), ``{"rows": 0}`` published
    as many rows as the query returned, ``{"rows": -5}`` failed after training with the engine's
    "need n >= 0, chunk_size >= 1 and key_start >= 0". Both are now refused by the trigger itself
    (the params' schemas: the engine's settings model's for ``engine``)."""
    from airflow.sdk.exceptions import ParamValidationError

    dag = airflow_env.dags["airbnb_user_bookings"]
    with pytest.raises(ParamValidationError, match="param engine: 'abc' is not of type 'integer'"):
        dag.test(run_conf=run_conf(s3_bucket, engine={"seed": "abc"}))
    for rows in (0, -5):
        with pytest.raises(ParamValidationError, match=f"param rows: {rows} is less than the minimum of 1"):
            dag.test(run_conf=run_conf(s3_bucket, rows=rows))


TEAM_CONNECTIONS = {
    "store_conn_id no id": (
        {"conn_type": "synthpipe", "extra": {"store_conn_id": 5}},
        "extra 'store_conn_id' must be a connection id such as \"aws_default\", not 5",
    ),
    "postgres type": (
        {"conn_type": "postgres", "login": "app", "schema": "app"},
        "ConfigError: connection 'synthpipe_team' is of type 'postgres', but synthpipe_conn_id takes a connection "
        "of type 'synthpipe'",
    ),
}


@pytest.mark.parametrize("case", sorted(TEAM_CONNECTIONS))
def test_a_bad_synthpipe_connection_fails_train_once(
    airflow_env: AirflowEnv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    case: str,
) -> None:
    """``"store_conn_id": 5`` was taken as given (and later failed as "'int' object has no attribute");
    a postgres connection was read as synthpipe settings without a word, and train passed."""
    team, message = TEAM_CONNECTIONS[case]
    team = {**team, "host": str(tmp_path / "artifacts")}
    monkeypatch.setenv("AIRFLOW_CONN_SYNTHPIPE_TEAM", json.dumps(team))
    (tmp_path / "team_users.sql").write_text("SELECT id, gender, age FROM users ORDER BY id")
    dags = factory_dags(tmp_path, source_conn_id="postgres_default", synthpipe_conn_id="synthpipe_team",
                        staging=str(tmp_path / "staging"), destination=str(tmp_path / "published"),
                        retry_delay_seconds=0)  # fmt: skip

    dag_run = dags["team_users"].test()
    logged = "".join(capfd.readouterr())

    assert task_states(dag_run)["extract"] == "success"
    assert task_states(dag_run)["train"] == "failed" and try_numbers(dag_run)["train"] == 1
    assert message in logged


def test_two_sql_files_with_one_dag_id_or_name_are_an_import_error_naming_both(tmp_path: Path) -> None:
    """``daily report.sql`` beside ``daily_report.sql``: one DAG silently replaced the other; two
    files whose YAML set one name gave two DAGs whose scheduled runs overwrote each other's keys."""
    from airflow.dag_processing.dagbag import DagBag

    from synthpipe.airflow.factory import dags_from_folder

    (tmp_path / "daily report.sql").write_text("SELECT 1 AS a")
    (tmp_path / "daily_report.sql").write_text("SELECT 2 AS b")
    (tmp_path / "dags.py").write_text(
        "from synthpipe.airflow.factory import dags_from_folder\n"
        f"globals().update(dags_from_folder({str(tmp_path)!r}, staging='/s', destination='/d'))\n"
    )
    errors = DagBag(dag_folder=str(tmp_path)).import_errors
    assert list(errors) == [str(tmp_path / "dags.py")]
    assert "daily report.sql and daily_report.sql both give DAG id 'daily_report'" in errors[str(tmp_path / "dags.py")]

    (tmp_path / "daily report.sql").unlink()
    (tmp_path / "weekly.sql").write_text("SELECT 3 AS c")
    (tmp_path / "weekly.yaml").write_text("name: daily_report\n")
    with pytest.raises(ConfigError, match="both give data set name 'daily_report'; rename one"):
        dags_from_folder(tmp_path, staging="/s", destination="/d")


def test_hidden_sql_files_are_not_queries(tmp_path: Path) -> None:
    """An editor's ``.#orders.sql`` lock or macOS's ``._orders.sql`` became DAGs of their own."""
    from synthpipe.airflow.factory import dags_from_folder

    (tmp_path / "orders.sql").write_text("SELECT 1 AS a")
    (tmp_path / "._orders.sql").write_bytes(b"\x00\x05\x16\x07 Mac OS X resource fork")
    (tmp_path / ".#report.sql").write_text("root@host.1234:1700000000")
    (tmp_path / "REFUNDS.SQL").write_text("SELECT 2 AS b")
    assert sorted(dags_from_folder(tmp_path, staging="/s", destination="/d")) == ["REFUNDS", "orders"]
