"""Airflow connections → what the core takes: a SQLAlchemy URL for sources, a Store for stores.

Only task code calls these (never DAG-parse code): each one reads a connection, which may
reach a secrets backend. Returned URLs carry passwords; callers must pass them to the core
without logging them (the core redacts them in every message it builds).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from synthpipe.airflow._compat import BaseHook, ObjectStoragePath
from synthpipe.errors import ConfigError
from synthpipe.stores import Store, redact_url

StoreTarget = str | ObjectStoragePath | Store
"""A store as DAG authors write it: a URL (``s3://bucket/prefix``, ``s3://aws_conn@bucket/prefix``),
an :class:`ObjectStoragePath`, or a ready :class:`~synthpipe.stores.Store`."""

AWS_CONN_TYPES = ("aws", "s3")


def source_url(conn_id: str) -> str:
    """The SQLAlchemy URL of connection ``conn_id`` (``postgres``, or any SQLAlchemy-capable hook).

    Uses the provider hook's own ``sqlalchemy_url`` when it has one, so driver choice, IAM
    tokens and ``sqlalchemy_query`` extras behave exactly as in the provider.
    """
    connection = BaseHook.get_connection(conn_id)
    hook = connection.get_hook()
    url = getattr(hook, "sqlalchemy_url", None)
    if url is not None:
        return str(url.render_as_string(hide_password=False))
    try:
        return str(hook.get_uri())
    except AttributeError:
        raise ConfigError(
            f"connection {conn_id!r} (type {connection.conn_type!r}) is not a database connection; "
            "use a postgres connection or any type whose hook has a SQLAlchemy URL",
            conn_id=conn_id,
        ) from None


def resolve_store(target: StoreTarget, *, conn_id: str | None = None) -> Store:
    """A :class:`Store` for ``target``, authenticated through ``conn_id`` when given.

    The connection comes from, in order: ``conn_id``, an :class:`ObjectStoragePath`'s own
    ``conn_id``, or the user part of the URL (``s3://aws_default@bucket/prefix``, Airflow's
    ObjectStoragePath convention). Without one, fsspec's usual credential chain applies.
    """
    if isinstance(target, Store):
        return target
    url, url_conn_id = split_conn_id(target)
    conn_id = conn_id or url_conn_id
    options = storage_options(conn_id) if conn_id else None
    return Store(url, storage_options=options)


def split_conn_id(target: str | ObjectStoragePath) -> tuple[str, str | None]:
    """``(url without connection id, connection id or None)``."""
    if isinstance(target, ObjectStoragePath):
        url = f"{target.protocol}://{target.path}" if target.protocol else str(target.path)
        return url, target.conn_id
    parts = urlsplit(str(target))
    user, at, host = parts.netloc.rpartition("@")
    if not at or ":" in user:  # user:password@ is a credential, not a connection id
        return str(target), None
    return parts._replace(netloc=host).geturl(), user or None


def storage_options(conn_id: str) -> dict[str, Any]:
    """fsspec storage options from an Airflow connection.

    ``aws`` connections give s3fs options (key, secret, session token, endpoint URL, region),
    taken from the Amazon provider's own hook so every way it authenticates works. Any other
    connection type passes its extra JSON through as storage options.
    """
    connection = BaseHook.get_connection(conn_id)
    if connection.conn_type in AWS_CONN_TYPES:
        return _aws_storage_options(conn_id)
    return dict(connection.extra_dejson)


def _aws_storage_options(conn_id: str) -> dict[str, Any]:
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    hook = S3Hook(aws_conn_id=conn_id)
    credentials = hook.get_credentials()  # also masks the secret in task logs
    options: dict[str, Any] = {"key": credentials.access_key, "secret": credentials.secret_key}
    if credentials.token:
        options["token"] = credentials.token
    endpoint = hook.conn_config.get_service_endpoint_url("s3")
    if endpoint:
        options["endpoint_url"] = endpoint
    if hook.conn_config.region_name:
        options["client_kwargs"] = {"region_name": hook.conn_config.region_name}
    return options


def describe_store(target: StoreTarget) -> str:
    """``target`` as a log-safe string."""
    return repr(target) if isinstance(target, Store) else redact_url(str(target))
