"""Where a failed gate's message tells its reader to loosen it: the CLI's reader has a pipeline spec,
an Airflow task's reader a DAG's trigger config (``tests/airflow/test_tasks.py`` and the example DAG's
run in ``tests/airflow/test_example_dag.py``); each is told about their own."""

from __future__ import annotations

from pathlib import Path

import duckdb
from typer.testing import CliRunner

from synthpipe.cli import app
from tests.unit.test_cli import one_line, small_spec


def test_the_cli_names_the_pipeline_spec_and_no_airflow_setting(tmp_path: Path) -> None:
    database = tmp_path / "t.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE t AS SELECT i AS n, i % 7 AS v, 'k' || (i % 3) AS k FROM range(300) t(i)")
    (tmp_path / "q.sql").write_text("SELECT n, v, k FROM t")

    outcome = CliRunner().invoke(app, ["run", str(small_spec(tmp_path, database, gates="{min_quality: 99.9}"))])
    said = one_line(outcome.output)

    assert outcome.exit_code == 3, outcome.output
    assert "to publish such data, set min_quality under gates: in the pipeline spec to a looser value" in said
    assert [place for place in ("trigger", "run config", "gates param", "synthpipe connection") if place in said] == []
