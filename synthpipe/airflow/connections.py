"""Airflow connections → what the core takes: a SQLAlchemy URL for sources, a Store for stores.

Only task code calls these (never DAG-parse code): each one reads a connection, which may
reach a secrets backend. Returned URLs carry passwords; callers must pass them to the core
without logging them (the core redacts them in every message it builds).
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from synthpipe.airflow._compat import AirflowNotFoundException, BaseHook, Connection, ObjectStoragePath
from synthpipe.errors import ConfigError
from synthpipe.redaction import scrub
from synthpipe.stores import Store, redact_url

StoreTarget = str | ObjectStoragePath | Store
"""A store as DAG authors write it: a URL (``s3://bucket/prefix``, ``s3://aws_conn@bucket/prefix``),
an :class:`ObjectStoragePath`, or a ready :class:`~synthpipe.stores.Store`."""

AWS_CONN_TYPES = ("aws", "s3")


def get_connection(conn_id: str) -> Connection:
    """Airflow connection ``conn_id``, or a ConfigError that says where it can be defined.

    Why: a missing connection raised Airflow's untyped "The conn_id `x` isn't defined", which the
    task's retries then repeated; and an ``AIRFLOW_CONN_X`` Airflow cannot read (a port that is no
    number) gives that same message, though the variable is plainly set."""
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    unreadable = ConfigError(
        f"connection {conn_id!r}: Airflow cannot read environment variable {variable} as written; write it "
        "as a URI with every reserved character of the login and password percent-encoded (@ as %40, "
        "/ as %2F, # as %23, ? as %3F, % as %25) or as JSON (with an integer port)",
        conn_id=conn_id,
    )
    try:
        connection = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        if os.environ.get(variable):
            raise unreadable from None
        raise ConfigError(
            f"connection {conn_id!r} is not defined; add it in the UI (Admin > Connections), with "
            f"`airflow connections add`, as environment variable {variable} or in the secrets backend",
            conn_id=conn_id,
        ) from None
    if _password_cut_short(os.environ.get(variable, "")):
        raise unreadable
    return connection


def _password_cut_short(uri: str) -> bool:
    """Whether a connection URI holds an ``@`` past its host: a password with an unencoded ``/``,
    ``#`` or ``?`` ended the host part early.

    Why: ``postgresql://app:p@ss/w#rd@db:5432/app`` was read as host ``ss``, and the driver's
    "could not translate host name "ss"" put a piece of the password in the task log (scrubbing
    knows only the piece Airflow took for the password), then was retried as a network fault."""
    if uri.lstrip().startswith("{"):
        return False
    parts = urlsplit(uri)
    return "@" in parts.path or "@" in parts.fragment


def source_url(conn_id: str) -> str:
    """The SQLAlchemy URL of connection ``conn_id`` (``postgres``, or any SQLAlchemy-capable hook).

    Uses the provider hook's own ``sqlalchemy_url`` when it has one, so driver choice, IAM
    tokens and ``sqlalchemy_query`` extras behave exactly as in the provider. Why each failure
    becomes a ConfigError naming the connection: a list as the extra read as "not a database
    connection", a ``sqlalchemy_query`` given as text raised a bare TypeError, and a ``generic``
    or ``duckdb`` connection (no hook installed) "'NoneType' object has no attribute 'rsplit'" or
    "Unknown hook type", each retried as if it could pass next time.
    """
    connection = get_connection(conn_id)
    try:
        hook = connection.get_hook()
    except Exception as exc:
        fix = f"install the Airflow provider of type {connection.conn_type!r}, or pass source= a SQLAlchemy URL"
        raise _connection_error(connection, "has no hook Airflow can load", exc, fix) from None
    if not hasattr(type(hook), "sqlalchemy_url") and not hasattr(hook, "get_uri"):
        raise ConfigError(
            f"connection {conn_id!r} (type {connection.conn_type!r}) is not a database connection; "
            "use a postgres connection or any type whose hook has a SQLAlchemy URL",
            conn_id=conn_id,
        )
    try:
        if hasattr(type(hook), "sqlalchemy_url"):
            return str(hook.sqlalchemy_url.render_as_string(hide_password=False))
        return str(hook.get_uri())
    except Exception as exc:
        fix = "make its extra a JSON object whose values have the types the provider documents"
        raise _connection_error(connection, "gives no database URL", exc, fix) from None


def _connection_error(connection: Connection, problem: str, exc: Exception, fix: str) -> ConfigError:
    """A ConfigError naming the connection, the hook's reason (password scrubbed) and ``fix``."""
    reason = scrub(f"{type(exc).__name__}: {exc}", connection.password or "")
    return ConfigError(
        f"connection {connection.conn_id!r} (type {connection.conn_type!r}) {problem} ({reason}); {fix}",
        conn_id=connection.conn_id,
    )


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
    connection = get_connection(conn_id)
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
