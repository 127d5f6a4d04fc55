"""Database faults against a real PostgreSQL: unreachable, wrong password, connection dropped while
streaming. Each is a typed error with no password in it, nothing is staged, and a rerun of the
same run id completes with the keys a clean run writes."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import synthpipe.extract
from synthpipe.errors import SourceAuthError, SourceUnreachable, StageError
from synthpipe.extract import extract
from tests.robustness.conftest import all_files, pipeline_spec, run, visible_keys, write_query
from tests.servers import PostgresServer, free_port

pytestmark = pytest.mark.integration

SQL = "SELECT i AS id, (i % 7) AS v, 'label-' || (i % 5) AS label FROM generate_series(1, 200) AS g(i)"
RUN_KEYS = {
    "staging": {"r1_features.parquet", "r1_features.schema.json", "r1_features_train.parquet",
                "r1_features_holdout.parquet", "r1_features_model/model.json", "r1_features_model/weights.npz",
                "r1_features_synthetic.part-00000-of-00001.parquet",
                "r1_features_synthetic.part-00000-of-00001.filters.json",
                "r1_features_report.json", "r1_features_report.html"},
    "destination": {"r1_features_synthetic.parquet", "r1_features_report.json", "r1_features_report.html"},
}  # fmt: skip


def with_password(server: PostgresServer, password: str, port: int | None = None) -> str:
    return f"postgresql://{server.user}:{password}@{server.host}:{port or server.port}/{server.database}"


def assert_rerun_converges(query: Path, source: str, root: Path) -> None:
    run(pipeline_spec(query, source, root))
    assert {area: visible_keys(root / area) for area in RUN_KEYS} == RUN_KEYS
    assert all_files(root / "staging") == RUN_KEYS["staging"]  # no temp objects left behind either


def test_unreachable_source_is_transient_and_stages_nothing(pg_server: PostgresServer, tmp_path: Path) -> None:
    query = write_query(tmp_path / "sql", SQL)
    down = with_password(pg_server, pg_server.password, port=free_port())
    with pytest.raises(StageError) as caught:
        run(pipeline_spec(query, down, tmp_path))
    assert caught.value.stage == "extract" and caught.value.transient
    assert isinstance(caught.value.__cause__, SourceUnreachable)
    assert pg_server.password not in str(caught.value)
    assert not all_files(tmp_path / "staging") and not all_files(tmp_path / "destination")
    assert_rerun_converges(query, pg_server.url, tmp_path)


def test_wrong_password_is_an_auth_error_that_never_shows_either_password(
    pg_server: PostgresServer, tmp_path: Path
) -> None:
    query = write_query(tmp_path / "sql", SQL)
    wrong = "not-the-password-5c2b9a"
    with pytest.raises(StageError) as caught:
        run(pipeline_spec(query, with_password(pg_server, wrong), tmp_path))
    assert isinstance(caught.value.__cause__, SourceAuthError) and not caught.value.transient
    assert "check the user and password" in str(caught.value)
    for text in (str(caught.value), repr(caught.value), str(caught.value.__cause__), repr(caught.value.context)):
        assert wrong not in text and pg_server.password not in text
    assert not all_files(tmp_path / "staging")
    assert_rerun_converges(query, pg_server.url, tmp_path)


DROP_SQL = (
    "SELECT i AS id, (i % 7) AS v, 'label-' || (i % 5) AS label "
    "FROM generate_series(1, 400) AS g(i), LATERAL (SELECT pg_sleep(CASE WHEN i = 250 THEN 5 ELSE 0 END)) AS s"
)
"""Streams 400 rows; at row 250 the server sleeps, by when earlier batches are written (mid-stream).

5 s leaves a loaded machine time to see the sleep (the killer polls every 50 ms and ends it at
once); the undisturbed rerun at the end waits it out."""


def terminate_when_sleeping(url: str, stop: threading.Event, ready: threading.Event) -> None:
    """From a second connection: kill the backend streaming DROP_SQL once it sits in pg_sleep.

    Matched by application name: while streaming, the backend's query text is the cursor's FETCH.
    ``ready`` is set once connected, so the extract never starts before the killer can watch.
    Autocommit: PostgreSQL caches pg_stat_activity for the length of a transaction, so one long
    transaction would poll the same stale snapshot and never see the streaming backend."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        ready.set()
        while not stop.is_set():
            killed = connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'robustness-drop' AND wait_event = 'PgSleep'"
            ).fetchall()
            if killed:
                break
            time.sleep(0.05)
    engine.dispose()


def test_connection_dropped_mid_stream_is_transient_and_stages_nothing(
    pg_server: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = write_query(tmp_path / "sql", DROP_SQL)
    written = count_written_batches(monkeypatch)
    stop, ready = threading.Event(), threading.Event()
    killer = threading.Thread(target=terminate_when_sleeping, args=(pg_server.url, stop, ready), daemon=True)
    killer.start()
    assert ready.wait(timeout=60), "the killer connection did not open"
    try:
        with pytest.raises(SourceUnreachable) as caught:
            extract(query=query, source=f"{pg_server.url}?application_name=robustness-drop",
                    staging=str(tmp_path / "staging"), name="features", run_id="r1", batch_rows=50)  # fmt: skip
    finally:
        stop.set()
        killer.join(timeout=10)
    assert written[0] >= 3, "the connection should drop after some batches were already written"
    assert caught.value.transient and pg_server.password not in str(caught.value)
    assert not all_files(tmp_path / "staging")
    monkeypatch.undo()
    assert_rerun_converges(query, pg_server.url, tmp_path)


def count_written_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    real_open_writer = synthpipe.extract.open_writer
    count = [0]

    def open_writer(handle: Any, schema: Any, fmt: str) -> Any:
        writer = real_open_writer(handle, schema, fmt)
        real_write = writer.write

        def write(batch: Any) -> None:
            count[0] += 1
            real_write(batch)

        writer.write = write
        return writer

    monkeypatch.setattr(synthpipe.extract, "open_writer", open_writer)
    return count
