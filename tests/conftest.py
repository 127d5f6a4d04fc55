"""Shared fixtures: real PostgreSQL and S3 servers started once per test session."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import hypothesis  # noqa: F401  (see below)
import pytest

# hypothesis is imported (and assertion-rewritten by pytest) here, at start-up, on purpose: when
# its plugin first imports it at the end of the session, background threads left by fsspec/Airflow
# can race CPython 3.11's AST validator ("AST constructor recursion depth mismatch").
from tests.servers import PostgresServer, S3Server, postgres_server, seaweedfs_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on 127.0.0.1 (a throwaway cluster unless SYNTHPIPE_TEST_PG_URL is set)."""
    given = os.environ.get("SYNTHPIPE_TEST_PG_URL")
    if given:
        from sqlalchemy.engine import make_url

        url = make_url(given)
        yield PostgresServer(url.host or "127.0.0.1", url.port or 5432, url.username or "",
                             url.password or "", url.database or "")  # fmt: skip
        return
    # Not under pytest's base temp: another pytest run started as root meanwhile sets its parent
    # back to 0700, and the cluster, run as the postgres user, loses its files mid-session.
    with (
        tempfile.TemporaryDirectory(prefix="synthpipe-pg-") as workdir,
        postgres_server(Path(workdir) / "cluster") as server,
    ):
        yield server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server (SeaweedFS) on 127.0.0.1 that enforces credentials."""
    with seaweedfs_server(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """A fresh, empty bucket on the S3 server; returns its name."""
    import s3fs

    name = f"test-{uuid.uuid4().hex[:12]}"
    s3fs.S3FileSystem(**s3_server.storage_options).mkdir(name)
    return name


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
