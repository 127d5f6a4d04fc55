"""The provider surface: discovery, the synthpipe connection, connection → core mapping, errors."""

from __future__ import annotations

import json

import pytest

from synthpipe.errors import ConfigError, GateFailed, StoreUnreachable
from tests.servers import PostgresServer, S3Server

pytestmark = [pytest.mark.airflow, pytest.mark.integration]


def _synthpipe_conn(**extra: object) -> str:
    return json.dumps({"conn_type": "synthpipe", "host": "memory://synthpipe-test", "extra": extra})


def test_public_names_are_sorted_and_importable() -> None:
    import synthpipe.airflow as provider

    assert provider.__all__ == sorted(provider.__all__)
    for name in provider.__all__:
        assert getattr(provider, name) is not None


def test_providers_manager_finds_the_hook_and_its_form(airflow_db: None) -> None:
    from airflow.providers_manager import ProvidersManager
    from airflow.sdk.providers_manager_runtime import ProvidersManagerTaskRuntime

    manager = ProvidersManager()
    assert "synthpipe" in manager.providers
    hook = ProvidersManagerTaskRuntime().hooks["synthpipe"]
    assert hook is not None
    assert hook.hook_class_name == "synthpipe.airflow.hooks.SynthpipeHook"
    assert hook.connection_id_attribute_name == "synthpipe_conn_id"
    assert "extra__synthpipe__gates" in manager.connection_form_widgets
    assert manager.field_behaviours["synthpipe"]["relabeling"] == {"host": "Artifact store URL"}


def test_hook_builds_core_config_from_the_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    from synthpipe.airflow.hooks import SynthpipeHook

    engine, gates = {"max_epochs": 5, "seed": 3}, {"min_quality": 70, "max_mia_auc": None}
    monkeypatch.setenv("AIRFLOW_CONN_SYNTHPIPE_DEFAULT", _synthpipe_conn(engine=json.dumps(engine), gates=gates))

    settings = SynthpipeHook().get_conn()

    assert settings.store_url == "memory://synthpipe-test"
    assert settings.engine == {"max_epochs": 5, "seed": 3}
    assert settings.gates == {"min_quality": 70, "max_mia_auc": None}
    assert SynthpipeHook().test_connection()[0] is True


def test_hook_refuses_a_connection_of_another_type_naming_both_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """A postgres connection given as synthpipe_conn_id was read as synthpipe settings without a word
    (its database host taken for the artifact store URL)."""
    from synthpipe.airflow.hooks import SynthpipeHook

    database = {"conn_type": "postgres", "host": "db.internal", "login": "app", "password": "pw", "schema": "app"}
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps(database))
    expected = (
        "connection 'warehouse' is of type 'postgres', but synthpipe_conn_id takes a connection of type 'synthpipe'"
    )
    with pytest.raises(ConfigError, match=expected) as raised:
        SynthpipeHook("warehouse").get_conn()
    assert raised.value.context == {"conn_id": "warehouse", "conn_type": "postgres"}
    ok, message = SynthpipeHook("warehouse").test_connection()
    assert not ok and message.startswith(expected)


def test_hook_rejects_unknown_engine_settings_with_the_valid_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    from synthpipe.airflow.hooks import SynthpipeHook

    monkeypatch.setenv("AIRFLOW_CONN_SYNTHPIPE_BAD", _synthpipe_conn(engine={"epochs": 5}))
    with pytest.raises(ConfigError, match=r"valid settings: .*max_epochs"):
        SynthpipeHook("synthpipe_bad").get_conn()


def test_hook_test_connection_reports_refused_credentials(
    s3_server: S3Server, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthpipe.airflow.hooks import SynthpipeHook

    wrong = {"conn_type": "aws", "login": s3_server.key, "password": "not-the-secret",
             "extra": {"endpoint_url": s3_server.endpoint_url}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_AWS_WRONG", json.dumps(wrong))
    monkeypatch.setenv(
        "AIRFLOW_CONN_SYNTHPIPE_S3",
        json.dumps(
            {"conn_type": "synthpipe", "host": f"s3://{s3_bucket}/artifacts", "extra": {"store_conn_id": "aws_wrong"}}
        ),
    )
    ok, message = SynthpipeHook("synthpipe_s3").test_connection()
    assert not ok
    assert "signature" in message.lower() or "credentials" in message
    assert "not-the-secret" not in message


def test_postgres_connection_becomes_a_sqlalchemy_url(
    pg_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from synthpipe.airflow.connections import source_url

    monkeypatch.setenv("AIRFLOW_CONN_PG_SOURCE", pg_server.url)
    url = source_url("pg_source")
    assert url.startswith("postgresql")
    assert f"{pg_server.user}:{pg_server.password}@{pg_server.host}:{pg_server.port}/{pg_server.database}" in url


def test_aws_connection_becomes_store_options(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from synthpipe.airflow.connections import resolve_store, split_conn_id

    aws = {"conn_type": "aws", "login": s3_server.key, "password": s3_server.secret,
           "extra": {"endpoint_url": s3_server.endpoint_url, "region_name": "us-east-1"}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_AWS_STORE", json.dumps(aws))

    store = resolve_store("s3://aws_store@bucket/prefix")

    assert store.url == "s3://bucket/prefix"
    assert store.storage_options["key"] == s3_server.key
    assert store.storage_options["endpoint_url"] == s3_server.endpoint_url
    assert split_conn_id("postgresql://user:secret@host/db") == ("postgresql://user:secret@host/db", None)


def test_object_storage_path_brings_its_connection(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import ObjectStoragePath

    from synthpipe.airflow.connections import resolve_store

    aws = {"conn_type": "aws", "login": s3_server.key, "password": s3_server.secret,
           "extra": {"endpoint_url": s3_server.endpoint_url}}  # fmt: skip
    monkeypatch.setenv("AIRFLOW_CONN_AWS_PATH", json.dumps(aws))

    store = resolve_store(ObjectStoragePath("s3://aws_path@bucket/prefix"))

    assert store.url == "s3://bucket/prefix"
    assert store.storage_options["secret"] == s3_server.secret


def test_templated_row_counts() -> None:
    from synthpipe.airflow.tasks import optional_int

    assert [optional_int(v) for v in (None, "", "None", "12", 7)] == [None, None, None, 12, 7]


def test_terminal_errors_fail_fast_and_transient_ones_retry() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    from synthpipe.airflow.tasks import fail_fast

    @fail_fast
    def gate() -> None:
        raise GateFailed("quality score is 40; gate min_quality requires at least 50")

    @fail_fast
    def flaky() -> None:
        raise StoreUnreachable("store is unreachable")

    with pytest.raises(AirflowFailException, match="GateFailed: quality score is 40"):
        gate()
    with pytest.raises(StoreUnreachable):
        flaky()
