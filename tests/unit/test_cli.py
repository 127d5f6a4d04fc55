"""What the CLI says beside its summary table."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import duckdb
import numpy as np
import pandas as pd
from typer.testing import CliRunner, Result

from synthpipe.cli import app, filter_warnings


def test_the_cli_warns_when_the_privacy_filters_dropped_most_generated_rows() -> None:
    """A table whose every column follows its row number: 5,193 of 6,193 generated rows dropped, the
    rows kept holding infinities at 3.5x their real rate; nothing said it outside the report."""
    (warning,) = filter_warnings(SimpleNamespace(rows=1_000, filtered_rows=5_193))
    assert "dropped 5,193 of 6,193 generated rows (84%)" in warning
    assert filter_warnings(SimpleNamespace(rows=1_000, filtered_rows=1_000)) == []  # half: the usual refills
    assert filter_warnings(SimpleNamespace(rows=12_551, filtered_rows=0)) == []
    # refill rows past the count asked for were judged too: 108 of 198, not of 180 (kept + dropped)
    (warning,) = filter_warnings(SimpleNamespace(rows=72, filtered_rows=108, generated_rows=198))
    assert "dropped 108 of 198 generated rows (55%)" in warning


def one_line(output: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(output.split())


def extract_cli(tmp_path: Path, sql: str, source: str) -> tuple[int, str]:
    query = tmp_path / "q.sql"
    query.write_text(sql)
    outcome = CliRunner().invoke(app, ["extract", "--query", str(query), "--source", source,
                                       "--staging", str(tmp_path / "staging"), "--run-id", "r"])  # fmt: skip
    return outcome.exit_code, outcome.output


def test_error_messages_are_printed_as_written_not_as_markup(tmp_path: Path) -> None:
    """Printed as rich markup, a SQL error quoting '[/x]' crashed the CLI with a MarkupError traceback,
    and the install hint lost its extra: pip install "synthpipe"."""
    database = tmp_path / "t.duckdb"
    duckdb.connect(str(database)).close()
    code, output = extract_cli(tmp_path, "SELEC '[/x]' AS a", f"duckdb:///{database}")
    assert code == 2, output
    assert "rejected the query" in output and "'[/x]'" in output and "MarkupError" not in output
    code, output = extract_cli(tmp_path, "SELECT 1 AS a", "oracle://scott:tiger@localhost/xe")
    assert code == 2, output
    assert 'pip install "synthpipe[oracle]"' in one_line(output)


def test_stage_commands_name_a_missing_input_file_in_one_line(tmp_path: Path) -> None:
    """train, evaluate and load printed a FileNotFoundError traceback (exit 1); run said which stage."""
    missing = str(tmp_path / "nope.parquet")
    commands = {
        "train": ["train", "--features", missing, "--name", "a", "--run-id", "r", "--staging", str(tmp_path)],
        "evaluate": ["evaluate", "--real", missing, "--synthetic", missing, "--holdout", missing,
                     "--out", str(tmp_path / "report")],
        "load": ["load", "--synthetic", missing, "--destination", str(tmp_path / "out"), "--name", "a",
                 "--run-id", "r"],
    }  # fmt: skip
    for stage, arguments in commands.items():
        outcome = CliRunner().invoke(app, arguments)
        assert outcome.exit_code == 2, (stage, outcome.output)
        # the stages that read staged files say so themselves (MissingInput); evaluate reads any three files
        said = (
            "input file {!r} not found"
            if stage == "evaluate"
            else f"the staged file {{!r}} that {stage} reads is not there"
        )
        assert f"{stage} failed: {said.format(missing)}" in one_line(outcome.output)
        assert outcome.exception is None or isinstance(outcome.exception, SystemExit)


def test_a_missing_database_file_exits_2_not_75(tmp_path: Path) -> None:
    """75 (temporary failure) made schedulers retry a mistyped path."""
    code, output = extract_cli(tmp_path, "SELECT 1 AS a", f"duckdb:///{tmp_path / 'typo.duckdb'}")
    assert code == 2, output
    assert "typo.duckdb' not found" in one_line(output)


def test_run_exits_3_with_the_gate_line_when_a_gate_fails(tmp_path: Path) -> None:
    """run exited 2 ('error: synthesize failed: ...') where evaluate exits 3, as the README says."""
    database = tmp_path / "t.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE t AS SELECT i AS n, i % 7 AS v, 'k' || (i % 3) AS k FROM range(300) t(i)")
    (tmp_path / "q.sql").write_text("SELECT n, v, k FROM t")
    spec = small_spec(tmp_path, database, gates="{min_quality: 99.9}")
    outcome = CliRunner().invoke(app, ["run", str(spec), "--run-id", "r"])
    assert outcome.exit_code == 3, outcome.output
    assert "gate failed: the synthetic data failed its gates and was not published" in one_line(outcome.output)
    assert not (tmp_path / "published").exists() or not list((tmp_path / "published").iterdir())


def test_extract_names_a_sql_file_with_a_space_in_its_name(tmp_path: Path) -> None:
    """'daily report.sql' failed with invalid name='daily report'; its default name is now daily_report."""
    query = tmp_path / "daily report.sql"
    query.write_text("SELECT 1 AS a")
    outcome = CliRunner().invoke(app, ["extract", "--query", str(query), "--source", "duckdb:///:memory:",
                                       "--staging", str(tmp_path / "staging"), "--run-id", "r"])  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert (tmp_path / "staging" / "r_daily_report.parquet").is_file()


def extract_file(tmp_path: Path, file: str, *options: str) -> Result:
    arguments = ["extract", "--query", str(tmp_path / file), "--source", "duckdb:///:memory:"]
    return CliRunner().invoke(app, [*arguments, "--staging", str(tmp_path / "staging"), "--run-id", "r", *options])


def test_extract_keeps_two_files_of_one_run_apart_and_says_how(tmp_path: Path) -> None:
    """``orders_train.sql`` staged ``r_orders_train.parquet``: ``orders``' train split of run ``r``."""
    for stem, value in (("orders", 1), ("orders_train", 2)):
        (tmp_path / f"{stem}.sql").write_text(f"SELECT {value} AS a")
    orders, orders_train = extract_file(tmp_path, "orders.sql"), extract_file(tmp_path, "orders_train.sql")
    assert (orders.exit_code, orders_train.exit_code) == (0, 0), orders.output + orders_train.output
    assert json.loads(orders_train.stdout)["uri"].endswith("/r_orders-train.parquet")
    assert one_line(orders_train.stderr).startswith("warning: data set name 'orders-train' (from orders_train.sql)")
    staged = sorted(p.name for p in (tmp_path / "staging").glob("*.parquet"))
    assert staged == ["r_orders-train.parquet", "r_orders.parquet"]
    refused = extract_file(tmp_path, "orders.sql", "--name", "orders_train")
    assert refused.exit_code == 2
    assert "invalid name='orders_train'" in one_line(refused.output)


def sessions_database(tmp_path: Path) -> Path:
    """Rows that repeat user_id, queried without ORDER BY: extract's reason to warn."""
    database = tmp_path / "t.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE sessions AS SELECT 'u' || (i % 40) AS user_id, i % 7 AS action, "
                           "(i * 37) % 101 AS secs FROM range(400) t(i)")  # fmt: skip
    (tmp_path / "q.sql").write_text("SELECT user_id, action, secs FROM sessions")
    return database


def small_spec(tmp_path: Path, database: Path, gates: str, target: str | None = None) -> Path:
    """A spec of ``q.sql`` on the DuckDB ``database``, staged and published under ``tmp_path``, with
    a small model, the ``gates`` given (YAML) and the ML-utility ``target``, if any."""
    spec = tmp_path / "spec.yaml"
    aimed = f", target: {target}" if target else ""
    spec.write_text(
        f"query: q.sql\nsource: {{url: 'duckdb:///{database}'}}\nstaging: {{url: '{tmp_path / 'staging'}'}}\n"
        f"destination: {{url: '{tmp_path / 'published'}'}}\n"
        f"synthesis: {{engine: {{max_epochs: 2, hidden_size: 16}}{aimed}}}\ngates: {gates}\n"
    )
    return spec


def test_a_misspelt_target_stops_the_run_before_training(tmp_path: Path) -> None:
    """The report refused a target naming no column only at evaluate, after the model was trained."""
    spec = small_spec(tmp_path, sessions_database(tmp_path), gates="{min_quality: null}", target="acton")
    outcome = CliRunner().invoke(app, ["run", str(spec), "--run-id", "r"])
    assert outcome.exit_code == 2, outcome.output
    assert "target 'acton' is not a column of the real data; did you mean ['action']?" in one_line(outcome.output)
    assert not list((tmp_path / "staging").glob("*_model*"))  # stopped before training


def test_run_says_the_no_order_by_warning_once(tmp_path: Path) -> None:
    """Printed bare by Python's last-resort log handler at extract and again below the summary table."""
    database = sessions_database(tmp_path)
    gates = "{min_quality: null, max_dcr_share: null, max_mia_auc: null, max_excess_identical_share: null}"
    outcome = CliRunner().invoke(app, ["run", str(small_spec(tmp_path, database, gates)), "--run-id", "r"])
    assert outcome.exit_code == 0, outcome.output
    output = one_line(outcome.output)
    assert output.count("no ORDER BY") == 1, output
    assert "warning: the query has no ORDER BY of its own and its rows repeat 'user_id'" in output
    assert output.index("no ORDER BY") < output.index("synthesize ...")  # said by the stage that found it


def test_extract_warns_on_stderr_and_keeps_stdout_json(tmp_path: Path) -> None:
    database = sessions_database(tmp_path)
    outcome = CliRunner().invoke(app, ["extract", "--query", str(tmp_path / "q.sql"), "--source",
                                       f"duckdb:///{database}", "--staging", str(tmp_path / "staging"),
                                       "--run-id", "r"])  # fmt: skip
    assert outcome.exit_code == 0, outcome.output
    assert one_line(outcome.stderr).startswith("warning: the query has no ORDER BY")
    assert "no ORDER BY" in json.loads(outcome.stdout)["warnings"][0]


def evaluate_cli(tmp_path: Path, synthetic: pd.DataFrame, *options: str) -> Result:
    """``synthpipe evaluate`` of ``synthetic`` against 400 training and 100 holdout rows."""
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"n": rng.normal(100, 15, 500).round(1), "k": rng.choice(["a", "b", "c"], 500)})
    paths = {}
    for name, frame in {"real": real.iloc[:400], "holdout": real.iloc[400:], "synthetic": synthetic}.items():
        paths[name] = tmp_path / f"{name}.parquet"
        frame.to_parquet(paths[name])
    arguments = [f"--{name}={path}" for name, path in paths.items()]
    return CliRunner().invoke(app, ["evaluate", *arguments, "--out", str(tmp_path / "report"), *options])


def test_evaluate_applies_the_pipelines_default_gates(tmp_path: Path) -> None:
    """Its gate options defaulted to None, which switched the gates off: a synthetic set of quality
    4 and a DCR share of 1 exited 0 (``synthpipe run`` stops it) and report.json listed one gate."""
    garbage = pd.DataFrame({"n": np.full(400, 9_000.0), "k": ["zzz"] * 400})
    outcome = evaluate_cli(tmp_path, garbage)
    assert outcome.exit_code == 3, outcome.output
    assert "gate min_quality requires at least 50" in one_line(outcome.output)
    gates = json.loads((tmp_path / "report" / "report.json").read_text())["gates"]
    assert [g["gate"] for g in gates] == ["min_quality", "max_dcr_share", "max_mia_auc", "max_excess_identical_share"]
    loosened = evaluate_cli(tmp_path, garbage, "--min-quality", "0", "--max-dcr-share", "1", "--max-mia-auc", "1")
    assert loosened.exit_code == 0, loosened.output  # given thresholds still win


def test_demo_help_gives_its_run_id_default_once() -> None:
    """It said both 'default: the current UTC time' and '[default: demo]'; the demo's keys are demo_..."""
    help_text = one_line(CliRunner().invoke(app, ["demo", "--help"]).output.replace("│", " "))  # rich boxes
    assert "run id that scopes every key [default: demo]" in help_text
    assert "current UTC time" not in help_text


def test_run_warns_when_the_privacy_filters_reshaped_the_published_rows(tmp_path: Path) -> None:
    """The outlier filter dropped 1,067 of 4,204 generated users of a PostgreSQL query (q09), nearly all
    of them booked, and 24% of the published users had booked where 41% of the real and generated ones
    had; neither the run nor the report said so. Here the filter, set to drop rows farther from the
    training rows than half the unseen rows come, drops the spread-out kind of row ('b') and keeps
    the kind whose values repeat ('a')."""
    database = tmp_path / "t.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE t AS SELECT CASE WHEN i % 10 < 7 THEN 'a' ELSE 'b' END AS kind, "
                           "CASE WHEN i % 10 < 7 THEN i % 3 ELSE (i * 7919) % 1000 / 7.0 END AS x "
                           "FROM range(600) t(i)")  # fmt: skip
    (tmp_path / "q.sql").write_text("SELECT kind, x FROM t ORDER BY x, kind")
    gates = "{min_quality: null, max_dcr_share: null, max_mia_auc: null, max_excess_identical_share: null}"
    spec = small_spec(tmp_path, database, gates)
    spec.write_text(spec.read_text().replace("synthesis: {", "synthesis: {privacy: {outlier_quantile: 0.5}, "))
    outcome = CliRunner().invoke(app, ["run", str(spec), "--run-id", "r"])
    assert outcome.exit_code == 0, outcome.output
    output = one_line(outcome.output)
    assert "warning: the privacy filters reshaped the published rows: kind: share of 'a' 0." in output, output
    assert "raise outlier_quantile (now 0.5) under synthesis.privacy in the pipeline spec" in output
    report = json.loads((tmp_path / "published" / "r_q_report.json").read_text())
    shift = report["privacy"]["protections"]["privacy_filters"]["shift"]
    assert shift["columns"][0]["column"] == "kind" and "generated" not in shift  # moves only, no counts
    html = (tmp_path / "published" / "r_q_report.html").read_text()
    assert "the rows kept differ from the rows generated in kind: share of" in html
