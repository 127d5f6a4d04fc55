"""``SynthpipeHook``: the ``synthpipe`` connection type, mapped onto the core's config objects.

A ``synthpipe`` connection holds what a team sets once for every synthetic-data DAG: where
artifacts live (the artifact store URL and the connection that opens it), the default engine
settings and the default gates. The hook only reads the connection and builds
:class:`~synthpipe.engine.config.EngineConfig` / :class:`~synthpipe.report.gates.Gates`; every
task argument given explicitly wins over these defaults.

Connection fields (the form is declared in ``get_provider_info()['connection-types']``):

- ``host``: the artifact store URL (``s3://bucket/prefix``, ``/local/dir``, ``memory://x``);
- extra ``store_conn_id``: the connection that authenticates that store (e.g. an ``aws`` one);
- extra ``engine``: engine settings, a JSON object (``{"max_epochs": 50}``);
- extra ``gates``: gate thresholds, a JSON object (``{"min_quality": 60}``; ``null`` turns one off).

As an environment variable::

    AIRFLOW_CONN_SYNTHPIPE_DEFAULT='{"conn_type": "synthpipe", "host": "s3://synthpipe/staging",
        "extra": {"store_conn_id": "aws_default", "gates": {"min_quality": 60}}}'
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from synthpipe.airflow._compat import BaseHook, Connection
from synthpipe.airflow.connections import get_connection, resolve_store
from synthpipe.errors import ConfigError, SynthpipeError

if TYPE_CHECKING:  # the report package pulls pandas: keep DAG parsing light
    from synthpipe.report.gates import Gates
    from synthpipe.stores import Store


@dataclass(frozen=True)
class SynthpipeSettings:
    """What a ``synthpipe`` connection configures (defaults for every synthpipe task)."""

    store_url: str | None = None
    """Artifact store URL: staging area for features, models and reports."""
    store_conn_id: str | None = None
    """Connection that authenticates ``store_url`` (``aws`` or any fsspec-options connection)."""
    engine: dict[str, Any] = field(default_factory=dict)
    """Validated engine settings (``EngineConfig`` fields), as the core's ``engine=`` takes them."""
    gates: dict[str, Any] = field(default_factory=dict)
    """Validated gate thresholds (``Gates`` fields) given on the connection; unset ones keep
    the core's defaults, ``None`` turns a gate off."""


class SynthpipeHook(BaseHook):
    """Reads a ``synthpipe`` connection into :class:`SynthpipeSettings`.

    Args:
        synthpipe_conn_id: the connection to read (default ``synthpipe_default``).
    """

    conn_name_attr = "synthpipe_conn_id"
    default_conn_name = "synthpipe_default"
    conn_type = "synthpipe"
    hook_name = "synthpipe"

    def __init__(self, synthpipe_conn_id: str = default_conn_name) -> None:
        super().__init__()
        self.synthpipe_conn_id = synthpipe_conn_id

    def get_conn(self) -> SynthpipeSettings:
        """The connection's settings, validated (raises ``ConfigError`` naming the bad field)."""
        return settings_from_connection(get_connection(self.synthpipe_conn_id))

    def get_store(self) -> Store:
        """The artifact store the connection names, authenticated through ``store_conn_id``."""
        settings = self.get_conn()
        if not settings.store_url:
            raise ConfigError(
                f"connection {self.synthpipe_conn_id!r} names no artifact store; set its Host to a "
                "store URL such as s3://bucket/prefix",
                conn_id=self.synthpipe_conn_id,
            )
        return resolve_store(settings.store_url, conn_id=settings.store_conn_id)

    def test_connection(self) -> tuple[bool, str]:
        """Validate the settings and prove the artifact store takes writes (a probe object)."""
        try:
            store = self.get_store()
            store.check_writable()
        except SynthpipeError as exc:
            return False, str(exc)
        except Exception as exc:  # the UI shows the reason instead of a stack trace
            return False, f"{type(exc).__name__}: {exc}"
        return True, f"artifact store {store!r} is writable; engine and gate settings are valid"


def settings_from_connection(connection: Connection) -> SynthpipeSettings:
    """Map a ``synthpipe`` Connection onto :class:`SynthpipeSettings` (pure: no I/O).

    Why the type is checked: ``synthpipe_conn_id="postgres_default"`` was read as synthpipe
    settings without a word, its database host taken for the artifact store URL."""
    if connection.conn_type != SynthpipeHook.conn_type:
        raise ConfigError(
            f"connection {connection.conn_id!r} is of type {connection.conn_type!r}, but synthpipe_conn_id takes a "
            f"connection of type {SynthpipeHook.conn_type!r} (artifact store, engine and gate defaults); name one "
            "of that type, or pass a database connection as source_conn_id and a store's as staging_conn_id",
            conn_id=connection.conn_id,
            conn_type=connection.conn_type,
        )
    extra = connection.extra_dejson
    engine = _json_object(extra.get("engine"), what="engine", conn_id=connection.conn_id)
    gates = _json_object(extra.get("gates"), what="gates", conn_id=connection.conn_id)
    store_conn_id = extra.get("store_conn_id") or None
    if store_conn_id is not None and not isinstance(store_conn_id, str):
        raise ConfigError(
            f"connection {connection.conn_id!r}: extra 'store_conn_id' must be a connection id such as "
            f'"aws_default", not {store_conn_id!r}',
            conn_id=connection.conn_id,
        )
    return SynthpipeSettings(
        store_url=connection.host or None,
        store_conn_id=store_conn_id,
        engine=engine_settings(engine),
        gates=make_gates(gates).model_dump(exclude_unset=True),
    )


def engine_settings(settings: dict[str, Any] | None) -> dict[str, Any]:
    """``settings`` validated against ``EngineConfig``; only the keys given are kept.

    ``seed`` stays in the dict when given; the tasks hand it to the core's own ``seed=``. It is
    validated with the rest: ``int("abc")`` here raised a bare ValueError, which Airflow retried.
    """
    from synthpipe.engine.config import make_config

    settings = dict(settings or {})
    seed = settings.pop("seed", None)
    config = make_config(0 if seed is None else seed, settings)
    checked = config.model_dump(exclude_unset=True, exclude={"seed"})
    return checked if seed is None else {**checked, "seed": config.seed}


def make_gates(gates: Gates | dict[str, Any] | None) -> Gates:
    """A validated :class:`Gates` (``ConfigError`` with the allowed fields when invalid)."""
    from synthpipe.report.gates import Gates

    if isinstance(gates, Gates):
        return gates
    try:
        return Gates(**(gates or {}))
    except (TypeError, ValueError) as exc:
        valid = ", ".join(sorted(Gates.model_fields))
        raise ConfigError(f"invalid gates {gates!r} ({exc}); valid gates: {valid}") from None


def _json_object(value: Any, *, what: str, conn_id: str | None) -> dict[str, Any]:
    """Extras typed in the UI arrive as JSON text; env-var connections give objects."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            message = f"connection {conn_id!r}: extra {what!r} is not JSON ({exc})"
            raise ConfigError(message) from None
    if not isinstance(value, dict):
        raise ConfigError(f"connection {conn_id!r}: extra {what!r} must be a JSON object")
    return value
