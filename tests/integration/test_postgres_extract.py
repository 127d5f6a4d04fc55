"""Extract from a real PostgreSQL server (a throwaway cluster the test session starts)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from synthpipe.demo import QUERY_FILE, write_demo_database
from synthpipe.errors import SourceAuthError, SourceUnreachable
from synthpipe.extract import extract
from synthpipe.writers import read_table
from tests.servers import PostgresServer, free_port
from tests.unit.test_extract import table_checksum

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def pg_demo(pg_server: PostgresServer) -> str:
    write_demo_database(pg_server.url, users=1500, seed=11)
    return pg_server.url


def test_postgres_extract_equals_the_same_query_on_duckdb(pg_demo: str, tmp_path: Path) -> None:
    duck_url = f"duckdb:///{tmp_path / 'same.duckdb'}"
    write_demo_database(duck_url, users=1500, seed=11)
    from_pg = extract(query=QUERY_FILE, source=pg_demo, staging=str(tmp_path), name="pg", run_id="r", batch_rows=256)
    expected = duckdb.connect(str(tmp_path / "same.duckdb"), read_only=True).sql(QUERY_FILE.read_text())
    staged = read_table(from_pg.uri)
    expected_table = expected.to_arrow_table()
    assert from_pg.rows == expected_table.num_rows == staged.num_rows
    assert staged.column_names == expected_table.column_names
    assert staged.schema.field("date_account_created").type == expected_table.schema.field("date_account_created").type
    assert table_checksum(staged) == table_checksum(expected_table)


def test_wrong_password_is_an_auth_error_without_the_password(pg_server: PostgresServer, tmp_path: Path) -> None:
    wrong = "wrong-password-123456"
    url = f"postgresql://{pg_server.user}:{wrong}@{pg_server.host}:{pg_server.port}/{pg_server.database}"
    with pytest.raises(SourceAuthError) as caught:
        extract(query=QUERY_FILE, source=url, staging=str(tmp_path), name="f", run_id="r")
    assert wrong not in str(caught.value) and wrong not in repr(caught.value.context)
    assert not list(tmp_path.iterdir())


def test_unreachable_server_is_a_transient_error(tmp_path: Path) -> None:
    url = f"postgresql://u:some-password-1@127.0.0.1:{free_port()}/db"
    with pytest.raises(SourceUnreachable) as caught:
        extract(query=QUERY_FILE, source=url, staging=str(tmp_path), name="f", run_id="r")
    assert caught.value.transient
    assert "some-password-1" not in str(caught.value)
