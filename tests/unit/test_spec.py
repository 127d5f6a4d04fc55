from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from synthpipe.errors import ConfigError, SourceUnreachable
from synthpipe.extract import extract
from synthpipe.sources import translate_source_error
from synthpipe.spec import PipelineSpec
from tests.servers import free_port

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


@pytest.mark.parametrize("store", ["staging", "destination"])
def test_an_empty_store_url_is_a_config_error(store: str) -> None:
    """``destination: {url: ""}`` was accepted and the synthetic data published into the current folder."""
    with pytest.raises(ConfigError, match=rf"{store}\.url: is empty; give a folder or bucket URL"):
        PipelineSpec.from_dict({"query": "q.sql", "source": {"url": "duckdb:///x"}, store: {"url": "  "}})


def test_a_sql_file_name_with_a_space_gives_a_valid_default_name(tmp_path: Path) -> None:
    """'daily report.sql' was refused as invalid name='daily report' though nobody had set a name."""
    spec = PipelineSpec.from_dict({"query": str(tmp_path / "daily report.sql"), "source": {"url": "duckdb:///x"}})
    assert spec.dataset_name == "daily_report"
    assert PipelineSpec.from_dict({"query": "q.sql", "name": "mine", "source": {"url": "x"}}).dataset_name == "mine"


def test_a_name_whose_keys_would_be_another_data_sets_is_refused_at_load() -> None:
    """``name: orders_train``: its staged rows were ``orders``' train split of the same run id."""
    with pytest.raises(
        ConfigError, match=r"invalid pipeline spec: name: invalid name='orders_train'.*e\.g\. 'orders-train'"
    ):
        PipelineSpec.from_dict({"query": "q.sql", "name": "orders_train", "source": {"url": "duckdb:///x"}})


def test_a_sql_file_whose_stem_ends_in_a_key_suffix_runs_under_a_name_it_warns_about(
    caplog: pytest.LogCaptureFixture,
) -> None:
    spec = PipelineSpec.from_dict({"query": "model_train.sql", "source": {"url": "duckdb:///x"}})
    assert spec.dataset_name == "model-train"
    assert caplog.messages == [
        "data set name 'model-train' (from model_train.sql): 'model_train' would share keys with data set "
        "'model', which ends them in '_train'; set name: to choose another"
    ]
    caplog.clear()
    assert PipelineSpec.from_dict({"query": "model_train.sql", "name": "m", "source": {"url": "x"}}).dataset_name == "m"
    assert caplog.messages == []


def test_example_spec_is_valid() -> None:
    spec = PipelineSpec.from_yaml(Path(__file__).parents[2] / "examples" / "airbnb" / "pipeline.yaml")
    assert spec.query.name == "session_rollups__by_user.sql" and spec.query.is_file()


def test_a_password_with_an_at_sign_is_taken_whole_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Substituted raw, 'abc@TopSecretTail' cut the URL at its '@': the driver dialled the host
    'TopSecretTail@127.0.0.1' and the error message showed it."""
    (tmp_path / "spec.yaml").write_text(SPEC.replace("127.0.0.1", f"127.0.0.1:{free_port()}"))
    (tmp_path / "q.sql").write_text("SELECT 1 AS one")
    monkeypatch.setenv("TEST_SPEC_PASSWORD", "abc@TopSecretTail")
    spec = PipelineSpec.from_yaml(tmp_path / "spec.yaml")
    url = make_url(spec.source.url)
    assert (url.username, url.password, url.host) == ("app", "abc@TopSecretTail", "127.0.0.1")
    with pytest.raises(SourceUnreachable) as caught:
        extract(query=spec.query, source=spec.source.url, staging=str(tmp_path / "s"), name="f", run_id="r")
    assert "127.0.0.1" in str(caught.value) and "TopSecret" not in str(caught.value)


def test_every_substituted_password_is_scrubbed_from_source_errors_by_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A driver may echo the password whole or percent-encoded, whatever a URL parser made of it."""
    (tmp_path / "spec.yaml").write_text(SPEC)
    monkeypatch.setenv("TEST_SPEC_PASSWORD", "p@ss/w rd:substituted")
    PipelineSpec.from_yaml(tmp_path / "spec.yaml")
    for echoed in ("p@ss/w rd:substituted", quote("p@ss/w rd:substituted", safe="")):
        message = str(translate_source_error(RuntimeError(f'could not translate host name "{echoed}"')))
        assert "substituted" not in message and "***" in message


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        ({"url": "foo://bucket/out"}, "destination: cannot open store 'foo://bucket/out': fsspec knows no 'foo://'"),
        ({"url": "s3://"}, "destination: store URL 's3://' names no bucket"),
        ({"url": "s3://b/p", "storage_options": {"endpiont_url": "http://h"}}, "did you mean 'endpoint_url'?"),
    ],
)
def test_a_bad_store_fails_when_the_spec_is_loaded(destination: dict[str, object], message: str) -> None:
    """The destination store was first opened by the load stage, after the query ran and the model trained."""
    with pytest.raises(ConfigError, match="invalid pipeline spec") as caught:
        PipelineSpec.from_dict({"query": "q.sql", "source": {"url": "duckdb:///x"}, "destination": destination})
    assert message in str(caught.value)


def test_a_store_secret_read_from_the_environment_is_scrubbed_from_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a password inside a URL was remembered; ``secret: ${S3_SECRET}`` was not, so a message
    that echoed it (a library's error text, a log line) went out as it was."""
    from synthpipe.redaction import scrub

    monkeypatch.setenv("TEST_SPEC_S3_SECRET", "spec-store-secret/+=71c3")
    (tmp_path / "spec.yaml").write_text(
        "query: q.sql\nsource: {url: 'duckdb:///x'}\n"
        "destination: {url: 's3://b/p', storage_options: {key: k, secret: '${TEST_SPEC_S3_SECRET}'}}\n"
    )
    spec = PipelineSpec.from_yaml(tmp_path / "spec.yaml")
    assert spec.destination.storage_options["secret"] == "spec-store-secret/+=71c3"
    assert scrub("Invalid endpoint: spec-store-secret/+=71c3") == "Invalid endpoint: ***"
