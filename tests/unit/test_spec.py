from __future__ import annotations

from pathlib import Path

import pytest

from synthpipe.errors import ConfigError
from synthpipe.spec import PipelineSpec

SPEC = """
query: q.sql
source:
  url: postgresql://app:${TEST_SPEC_PASSWORD}@127.0.0.1/app
gates:
  min_quality: 70
"""


def test_spec_expands_env_and_resolves_the_query_next_to_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC)
    monkeypatch.setenv("TEST_SPEC_PASSWORD", "from-env-secret")
    spec = PipelineSpec.from_yaml(tmp_path / "spec.yaml")
    assert spec.query == (tmp_path / "q.sql").resolve()
    assert spec.dataset_name == "q"
    assert spec.source.url.endswith(":from-env-secret@127.0.0.1/app")
    assert spec.gates.min_quality == 70
    assert spec.destination.format == "csv"


def test_missing_env_var_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "spec.yaml").write_text(SPEC)
    monkeypatch.delenv("TEST_SPEC_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="TEST_SPEC_PASSWORD"):
        PipelineSpec.from_yaml(tmp_path / "spec.yaml")


def test_unknown_field_and_bad_format_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="sourse"):
        PipelineSpec.from_dict({"query": "q.sql", "sourse": {"url": "x"}})
    with pytest.raises(ConfigError, match=r"destination\.format"):
        PipelineSpec.from_dict({"query": "q.sql", "source": {"url": "duckdb:///x"},
                                "destination": {"url": "out", "format": "xlsx"}})  # fmt: skip


def test_example_spec_is_valid() -> None:
    spec = PipelineSpec.from_yaml(Path(__file__).parents[2] / "examples" / "airbnb" / "pipeline.yaml")
    assert spec.query.name == "session_rollups__by_user.sql" and spec.query.is_file()
