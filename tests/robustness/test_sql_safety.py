"""SQL comes only from files the operator controls, and runs exactly as written.

- No code path builds SQL from values (f-strings, concatenation, ``%``/``.format``) except the
  demo data writer's fixed table names, which the test pins so a new one is noticed.
- The SQL text reaches the database verbatim: placeholder-looking text, ``${VAR}`` and braces are
  not expanded or bound (on DuckDB and on PostgreSQL, whose driver treats ``%`` specially).
- Run ids and data set names are refused before any connection when they could smuggle anything.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import synthpipe
from synthpipe.errors import ConfigError
from synthpipe.extract import extract
from synthpipe.writers import read_table
from tests.robustness.conftest import write_query
from tests.servers import free_port

PACKAGE = Path(synthpipe.__file__).parent
SQL_CALLS = {"execute", "executemany", "exec_driver_sql", "sql", "text", "query"}
ALLOWED = {"demo/database.py": 2}
"""The demo writer inserts into its own constant table names (users, sessions) with '?' markers."""


def built_sql_calls(tree: ast.AST) -> list[int]:
    """Lines of SQL-running calls whose first argument is assembled from pieces."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        first = node.args[0]
        assembled = isinstance(first, ast.JoinedStr | ast.BinOp) or (
            isinstance(first, ast.Call) and isinstance(first.func, ast.Attribute) and first.func.attr == "format"
        )
        if name in SQL_CALLS and assembled:
            lines.append(node.lineno)
    return lines


def scan_package() -> dict[str, int]:
    """File -> number of SQL-running calls with an assembled first argument."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = built_sql_calls(ast.parse(path.read_text(encoding="utf-8")))
        if lines:
            found[str(path.relative_to(PACKAGE))] = len(lines)
    return found


def test_no_sql_is_assembled_from_values_in_the_package() -> None:
    # in a fresh interpreter: after any RecursionError earlier in a long test process, CPython 3.11's
    # ast.parse can fail with "AST constructor recursion depth mismatch" (an interpreter bug)
    code = "import json, tests.robustness.test_sql_safety as m; print(json.dumps(m.scan_package()))"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                           cwd=Path(__file__).resolve().parents[2], check=True)  # fmt: skip
    assert json.loads(child.stdout.strip().splitlines()[-1]) == ALLOWED


VERBATIM = {
    "pyformat": "%(user)s",
    "format": "100%s",
    "percent": "50% off",
    "named": ":name",
    "qmark": "?",
    "env": "${PGPASSWORD}",
    "braces": "{run_id}",
    "quote": "it's",
    "comment": "-- not a comment",
}


def verbatim_sql(rows_sql: str) -> str:
    literals = ", ".join(f"'{value.replace(chr(39), chr(39) * 2)}' AS {key}" for key, value in VERBATIM.items())
    return f"SELECT {literals}, id FROM {rows_sql}"


@pytest.mark.parametrize("source_kind", ["duckdb", pytest.param("postgresql", marks=pytest.mark.integration)], ids=str)
def test_the_sql_file_runs_verbatim(source_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if source_kind == "duckdb":
        source, rows = "duckdb:///:memory:", "range(3) AS t(id)"
    else:
        source, rows = request.getfixturevalue("pg_server").url, "generate_series(1, 3) AS t(id)"
    query = write_query(tmp_path, verbatim_sql(rows))
    staged = read_table(extract(query=query, source=source, staging=str(tmp_path / "s"), name="f", run_id="r").uri)
    first = staged.slice(0, 1).to_pylist()[0]
    assert {key: first[key] for key in VERBATIM} == VERBATIM


@pytest.mark.parametrize(
    ("what", "value"),
    [("run_id", "x'; DROP TABLE users; --"), ("run_id", "../../etc"), ("name", "a b"), ("name", ".hidden"),
     ("name", "users; DELETE"), ("run_id", "")],
)  # fmt: skip
def test_hostile_run_ids_and_names_are_refused_before_connecting(what: str, value: str, tmp_path: Path) -> None:
    query = write_query(tmp_path, "SELECT 1 AS one")
    unreachable = f"postgresql://u:pw-123456@127.0.0.1:{free_port()}/db"  # a connection attempt would say so
    arguments = {"name": "features", "run_id": "r1", what: value}
    with pytest.raises(ConfigError) as caught:
        extract(query=query, source=unreachable, staging=str(tmp_path / "s"), **arguments)
    assert what in str(caught.value)
    assert not (tmp_path / "s").exists()
