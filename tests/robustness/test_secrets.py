"""Passwords and keys never leak: not into logs, console output, error messages (with their whole
cause chain, as Airflow would log them), stage results (what XCom carries), the staged and published
objects, the report or the model artifact. Everything captured is grepped for each secret."""

from __future__ import annotations

import io
import logging
import pickle
import traceback
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import s3fs
from typer.testing import CliRunner

from synthpipe.cli import app
from synthpipe.errors import StageError
from synthpipe.pipeline import PipelineResult
from tests.robustness.conftest import pipeline_spec, run, write_query
from tests.robustness.private_s3 import quick_options
from tests.servers import PostgresServer, S3Server, free_port

pytestmark = pytest.mark.integration

SQL = "SELECT i AS id, (i % 7) AS v, 'label-' || (i % 5) AS label FROM generate_series(1, 150) AS g(i)"
WRONG = "wrong-secret-value-3e8d0c"


def object_texts(options: dict[str, Any], prefix: str) -> dict[str, str]:
    """Every object under ``prefix`` as text; Parquet is decoded (its pages are compressed)."""
    fs = s3fs.S3FileSystem(**options)
    fs.invalidate_cache()
    texts = {}
    for path in fs.find(prefix):
        data = fs.cat_file(path)
        if path.endswith(".parquet"):
            table = pq.read_table(io.BytesIO(data))
            texts[path] = f"{table.schema} {table.schema.metadata} {table.to_pylist()}"
        else:
            texts[path] = data.decode("utf-8", errors="replace")
    return texts


def error_texts(error: BaseException) -> dict[str, str]:
    """An error as a person, a log handler and Airflow (pickled across processes) would see it."""
    return {
        "str": str(error),
        "repr": repr(error),
        "traceback": "".join(traceback.format_exception(error)),
        "unpickled": repr(pickle.loads(pickle.dumps(error))),
        "context": repr(getattr(error, "context", {})),
    }


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="synthpipe")
    caplog.set_level(logging.INFO)  # third-party DEBUG logs (botocore) are out of our hands; see README
    return caplog


@pytest.fixture(scope="module")
def query(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_query(tmp_path_factory.mktemp("sql"), SQL)


def s3_spec(
    query: Path, source: str, bucket: str, staging_options: dict[str, Any], dest_options: dict[str, Any]
) -> Any:
    return pipeline_spec(
        query,
        source,
        Path("unused"),
        staging={"url": f"s3://{bucket}/staging", "storage_options": staging_options},
        destination={"url": f"s3://{bucket}/published", "format": "csv", "storage_options": dest_options},
    )


def test_a_whole_run_leaks_no_password_or_key(
    pg_server: PostgresServer,
    s3_server: S3Server,
    s3_bucket: str,
    query: Path,
    everything_logged: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    secret_free: Any,
) -> None:
    options = s3_server.storage_options
    result: PipelineResult = run(s3_spec(query, pg_server.url, s3_bucket, options, options))
    out = capsys.readouterr()
    texts = {"logs": everything_logged.text, "stdout": out.out, "stderr": out.err,
             "results (XCom)": result.model_dump_json(), **object_texts(options, s3_bucket)}  # fmt: skip
    assert any("model.json" in where for where in texts) and any("report.html" in where for where in texts)
    secret_free(texts, [pg_server.password, s3_server.secret, s3_server.key])


def failures(pg: PostgresServer, s3: S3Server, bucket: str) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """name -> (source URL, staging options, destination options); each fails one way."""
    good = quick_options(s3)
    base = f"postgresql://{pg.user}:{{password}}@{pg.host}:{{port}}/{pg.database}"
    return {
        "wrong database password": (base.format(password=WRONG, port=pg.port), good, good),
        "database unreachable": (base.format(password=pg.password, port=free_port()), good, good),
        "staging refuses the secret": (pg.url, quick_options(s3, secret=WRONG), good),
        "destination refuses the secret": (pg.url, good, quick_options(s3, secret=WRONG)),
        "destination unreachable": (
            pg.url,
            good,
            quick_options(S3Server(f"http://127.0.0.1:{free_port()}", s3.key, s3.secret)),
        ),
    }


@pytest.mark.parametrize("failure", ["wrong database password", "database unreachable", "staging refuses the secret",
                                     "destination refuses the secret", "destination unreachable"])  # fmt: skip
def test_failed_runs_leak_no_password_or_key(
    failure: str,
    pg_server: PostgresServer,
    s3_server: S3Server,
    s3_bucket: str,
    query: Path,
    everything_logged: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    secret_free: Any,
) -> None:
    source, staging, destination = failures(pg_server, s3_server, s3_bucket)[failure]
    with pytest.raises(StageError) as caught:
        run(s3_spec(query, source, s3_bucket, staging, destination))
    out = capsys.readouterr()
    texts = {"logs": everything_logged.text, "stdout": out.out, "stderr": out.err, **error_texts(caught.value)}
    secret_free(texts, [WRONG, pg_server.password, s3_server.secret])


def test_cli_failure_shows_one_line_without_the_password(
    pg_server: PostgresServer, query: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret_free: Any
) -> None:
    monkeypatch.setenv("ROBUST_PG_PASSWORD", WRONG)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"query: {query}\nname: features\n"
        f"source: {{url: 'postgresql://{pg_server.user}:${{ROBUST_PG_PASSWORD}}@{pg_server.host}:{pg_server.port}/"
        f"{pg_server.database}'}}\nstaging: {{url: '{tmp_path / 'staging'}'}}\n"
    )
    outcome = CliRunner().invoke(app, ["run", str(spec), "--run-id", "r1"])
    assert outcome.exit_code == 2
    assert "check the user and password" in outcome.output and "Traceback" not in outcome.output
    secret_free({"cli output": outcome.output}, [WRONG, pg_server.password])
