"""Shared helpers for the robustness catalogue: small data, short training, one place for the settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from synthpipe.pipeline import PipelineResult, run_pipeline
from synthpipe.spec import PipelineSpec

FAST_ENGINE: dict[str, Any] = {"max_epochs": 2, "hidden_size": 16}
"""Deterministic and short: a fixed epoch count (a time budget would make reruns differ)."""
NO_GATES: dict[str, Any] = {
    "min_quality": None,
    "max_dcr_share": None,
    "max_mia_auc": None,
    "max_excess_identical_share": None,
}
"""Robustness tests check types and faults, not quality: two epochs on odd data would fail the gates."""


def write_query(folder: Path, sql: str, name: str = "q.sql") -> Path:
    """A SQL file the operator controls, as the pipeline expects it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(sql, encoding="utf-8")
    return path


def pipeline_spec(query: Path, source: str, root: Path, **overrides: Any) -> PipelineSpec:
    """A spec with local staging/destination under ``root`` and the fast engine; ``overrides`` replace keys."""
    raw: dict[str, Any] = {
        "query": str(query),
        "name": "features",
        "source": {"url": source},
        "staging": {"url": str(root / "staging")},
        "destination": {"url": str(root / "destination"), "format": "parquet"},
        "synthesis": {"seed": 3, "engine": FAST_ENGINE},
        "gates": NO_GATES,
    }
    raw.update(overrides)
    return PipelineSpec.from_dict(raw)


def run(spec: PipelineSpec, run_id: str = "r1") -> PipelineResult:
    return run_pipeline(spec, run_id=run_id)


def visible_keys(folder: Path) -> set[str]:
    """Every file a reader could see under ``folder`` (temp objects are named ``.tmp-*`` and hidden)."""
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and ".tmp-" not in str(p)}


def all_files(folder: Path) -> set[str]:
    if not folder.exists():
        return set()
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def field_type(table: pa.Table, name: str) -> pa.DataType:
    return table.schema.field(name).type


@pytest.fixture(scope="module")
def empty_duckdb(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty DuckDB file, for queries that make their own rows (``FROM range(400)``)."""
    path = tmp_path_factory.mktemp("duckdb") / "src.duckdb"
    duckdb.connect(str(path)).close()
    return f"duckdb:///{path}"


@pytest.fixture
def secret_free() -> Any:
    """Assert that none of ``secrets`` occurs in any of the captured texts."""

    def check(texts: dict[str, str], secrets: list[str]) -> None:
        for secret in secrets:
            leaks = [where for where, text in texts.items() if secret in text]
            assert not leaks, f"secret {secret[:3]}... leaked into {leaks}"

    return check
