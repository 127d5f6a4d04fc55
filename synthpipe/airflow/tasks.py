"""One function per pipeline stage, callable from any Airflow task (TaskFlow or operator).

Each resolves Airflow connections into what the core takes (a SQLAlchemy URL, a
:class:`~synthpipe.stores.Store`), calls the core stage of the same name, and returns the
stage's result as a small JSON-able dict (URIs and metrics only: that is what goes to XCom).
No logic lives here. Use them inside your own ``@task`` functions::

    @task
    def extract_features() -> dict:
        return tasks.extract(query="sql/users.sql", source_conn_id="postgres_default",
                             staging="s3://bucket/staging", staging_conn_id="aws_default",
                             name="users", run_id=get_current_context()["run_id"])

The core modules are imported inside the functions so that DAG files importing this module
parse fast and never load the engine.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from synthpipe.airflow._compat import AirflowFailException
from synthpipe.airflow.connections import StoreTarget, resolve_store, source_url
from synthpipe.airflow.hooks import SynthpipeHook, SynthpipeSettings, engine_settings, make_gates
from synthpipe.errors import ConfigError, SynthpipeError

if TYPE_CHECKING:  # these pull pandas/the engine: DAG files must parse fast
    from synthpipe.report.gates import Gates
    from synthpipe.stores import Store
    from synthpipe.synthesize import SettingPlaces

P = ParamSpec("P")
R = TypeVar("R")


def fail_fast(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn terminal synthpipe errors into ``AirflowFailException`` so Airflow does not retry them.

    A failed gate, bad SQL or a wrong password will fail again on every retry; transient
    errors (an unreachable store or database) propagate unchanged, so the task's retries apply.
    The message is the core's own (it names the gate, value and threshold, or the fix).
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except SynthpipeError as exc:
            if exc.transient:
                raise
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from exc

    return wrapper


@fail_fast
def extract(
    *,
    query: str | Path,
    name: str,
    run_id: str,
    staging: StoreTarget | None = None,
    staging_conn_id: str | None = None,
    source: str | None = None,
    source_conn_id: str | None = None,
    fmt: str = "parquet",
    synthpipe_conn_id: str | None = None,
) -> dict[str, Any]:
    """Run SQL file ``query`` on the source and stage its rows (:func:`synthpipe.extract.extract`).

    The source is ``source_conn_id`` (a ``postgres`` or other SQLAlchemy-capable connection)
    or a literal SQLAlchemy URL in ``source``.
    """
    from synthpipe.extract import extract as core_extract

    result = core_extract(
        query=Path(query),
        source=_source(source, source_conn_id),
        staging=_store(staging, staging_conn_id, synthpipe_conn_id),
        name=name,
        run_id=run_id,
        fmt=fmt,  # type: ignore[arg-type]  # the core validates the choice
    )
    return result.model_dump(mode="json")


@fail_fast
def train(
    *,
    features_uri: str,
    name: str,
    run_id: str,
    staging: StoreTarget | None = None,
    staging_conn_id: str | None = None,
    engine: dict[str, Any] | None = None,
    holdout_fraction: float = 0.2,
    synthpipe_conn_id: str | None = None,
) -> dict[str, Any]:
    """Train a model on the staged features; the model artifact is written to the staging store."""
    from synthpipe.synthesize import train as core_train

    settings, seed = _engine(engine, synthpipe_conn_id)
    result = core_train(
        features_uri=features_uri,
        staging=_store(staging, staging_conn_id, synthpipe_conn_id),
        name=name,
        run_id=run_id,
        engine=settings,
        seed=seed,
        holdout_fraction=holdout_fraction,
    )
    return result.model_dump(mode="json")


@fail_fast
def generate(
    *,
    model_uri: str,
    rows: int,
    name: str,
    run_id: str,
    shard: int = 0,
    shards: int = 1,
    seed: int = 0,
    staging: StoreTarget | None = None,
    staging_conn_id: str | None = None,
    synthpipe_conn_id: str | None = None,
) -> dict[str, Any]:
    """Generate shard ``shard`` of ``shards`` (seeded per shard) from the model in the store."""
    from synthpipe.synthesize import generate as core_generate

    result = core_generate(
        model_uri=model_uri,
        staging=_store(staging, staging_conn_id, synthpipe_conn_id),
        name=name,
        run_id=run_id,
        rows=int(rows),
        shard=int(shard),
        shards=int(shards),
        seed=int(seed),
        settings_at=in_airflow(),
    )
    return result.model_dump(mode="json")


@fail_fast
def evaluate(
    *,
    synthetic_uris: Sequence[str],
    train_uri: str,
    holdout_uri: str,
    name: str,
    run_id: str,
    staging: StoreTarget | None = None,
    staging_conn_id: str | None = None,
    gates: Gates | dict[str, Any] | None = None,
    synthpipe_conn_id: str | None = None,
) -> dict[str, Any]:
    """Write the quality/privacy report and check the gates (a failed gate fails the task)."""
    from synthpipe.synthesize import evaluate as core_evaluate

    result = core_evaluate(
        synthetic_uris=list(synthetic_uris),
        train_uri=train_uri,
        holdout_uri=holdout_uri,
        staging=_store(staging, staging_conn_id, synthpipe_conn_id),
        name=name,
        run_id=run_id,
        gates=_gates(gates, synthpipe_conn_id),
        settings_at=in_airflow(),
    )
    reports = [result.report_json_uri, result.report_html_uri]
    return {**result.model_dump(mode="json"), "report_uris": reports}


@fail_fast
def synthesize(
    *,
    features_uri: str,
    name: str,
    run_id: str,
    rows: int | None = None,
    staging: StoreTarget | None = None,
    staging_conn_id: str | None = None,
    engine: dict[str, Any] | None = None,
    gates: Gates | dict[str, Any] | None = None,
    synthpipe_conn_id: str | None = None,
) -> dict[str, Any]:
    """Train, generate, filter and evaluate in one task (:func:`synthpipe.synthesize.synthesize`).

    The result carries ``report_uris`` (JSON and HTML) for the load step to publish.
    """
    from synthpipe.synthesize import synthesize as core_synthesize

    settings, seed = _engine(engine, synthpipe_conn_id)
    result = core_synthesize(
        features_uri=features_uri,
        staging=_store(staging, staging_conn_id, synthpipe_conn_id),
        name=name,
        run_id=run_id,
        rows=optional_int(rows),
        engine=settings,
        seed=seed,
        gates=_gates(gates, synthpipe_conn_id),
        settings_at=in_airflow(),
    )
    reports = [result.evaluation.report_json_uri, result.evaluation.report_html_uri]
    return {**result.model_dump(mode="json"), "report_uris": reports}


@fail_fast
def load(
    *,
    synthetic_uris: Sequence[str],
    destination: StoreTarget,
    name: str,
    run_id: str,
    destination_conn_id: str | None = None,
    fmt: str = "csv",
    report_uris: Sequence[str] = (),
    staging: StoreTarget | None = None,
    staging_conn_id: str | None = None,
    synthpipe_conn_id: str | None = None,
) -> dict[str, Any]:
    """Publish the synthetic rows (and the report beside them) to the destination, atomically.

    ``staging``/``staging_conn_id`` (or the synthpipe connection) authenticate reading the
    staged shards and reports, which may live on another store than the destination.
    """
    from synthpipe.load import load as core_load

    staged = _store(staging, staging_conn_id, synthpipe_conn_id) if staging or synthpipe_conn_id else None
    result = core_load(
        synthetic_uris=list(synthetic_uris),
        destination=resolve_store(destination, conn_id=destination_conn_id),
        name=name,
        run_id=run_id,
        fmt=fmt,  # type: ignore[arg-type]  # the core validates the choice
        report_uris=list(report_uris),
        staging_options=staged.storage_options if staged else None,
    )
    return result.model_dump(mode="json")


def in_airflow() -> SettingPlaces:
    """Where an Airflow user loosens a failed gate or trains less: a new run's config, which every
    synthpipe DAG takes (the example DAG's params, and the factory's over the YAML beside the SQL
    file); for every run, the default of the DAG's ``gates`` param (a DAG file of its own, as the
    example's, sets it in ``trigger_params``), that YAML or the synthpipe connection. The pipeline
    spec, which the core's advice names, has no part in a DAG, and the tasks take no privacy
    settings: a shard whose every row was filtered can only widen the query.

    Why one thing first: the advice said the run config works "where the DAG has a gates param",
    which factory DAGs had not; they take it now (``factory.run_params``), so it works everywhere.
    Why the params' defaults: the example DAG takes no YAML and no synthpipe connection, so for every
    run the advice named two places its user has neither of."""
    from synthpipe.synthesize import SettingPlaces

    return SettingPlaces(
        gates=(
            "trigger a new run whose config sets {gates} to a looser value, or null to switch it off: {example} "
            "(every synthpipe DAG takes gates in its run config, gate by gate over its defaults); to change it "
            "for every run, set it in the default of the DAG's gates param (trigger_params(gates=...) in a DAG "
            "file such as the example DAG's), under gates: in the YAML beside a factory DAG's SQL file, or in the "
            "synthpipe connection's gates extra"
        ),
        engine=(
            '{"engine": {"max_epochs": 3}} in a new run\'s config (for every run: the default of the DAG\'s engine '
            "param, engine: {max_epochs: 3} in a factory DAG's YAML, or the synthpipe connection's engine extra)"
        ),
        privacy=" (the Airflow tasks run every privacy filter: none is switched off there)",
        loosen=(
            "run the pipeline from a spec that sets synthesis.privacy.{setting} (now {value}; {direction} it): "
            "the Airflow tasks run the privacy filters as they are"
        ),
    )


def optional_int(value: int | str | None) -> int | None:
    """A templated count: ``"{{ params.rows }}"`` renders to ``"None"`` unless the DAG renders natively."""
    return None if value in (None, "", "None") else int(value)  # type: ignore[arg-type]


def connection_settings(synthpipe_conn_id: str | None) -> SynthpipeSettings:
    """The ``synthpipe`` connection's defaults, or the core's own when no connection is named."""
    return SynthpipeHook(synthpipe_conn_id).get_conn() if synthpipe_conn_id else SynthpipeSettings()


def _source(source: str | None, source_conn_id: str | None) -> str:
    if bool(source) == bool(source_conn_id):
        raise ConfigError("give exactly one of source (a SQLAlchemy URL) or source_conn_id")
    return source or source_url(str(source_conn_id))


def _store(target: StoreTarget | None, conn_id: str | None, synthpipe_conn_id: str | None) -> Store:
    if target:
        return resolve_store(target, conn_id=conn_id)
    if synthpipe_conn_id:
        return SynthpipeHook(synthpipe_conn_id).get_store()
    raise ConfigError("no staging store: pass staging (a URL) or a synthpipe_conn_id whose Host names one")


def _engine(engine: dict[str, Any] | None, synthpipe_conn_id: str | None) -> tuple[dict[str, Any], int]:
    """Connection defaults overridden key by key by the task's own settings; and the seed."""
    merged = engine_settings({**connection_settings(synthpipe_conn_id).engine, **(engine or {})})
    return merged, int(merged.pop("seed", 0))


def _gates(gates: Gates | dict[str, Any] | None, synthpipe_conn_id: str | None) -> Gates:
    """Connection gates, overridden gate by gate by the task's own ``gates``."""
    if gates is not None and not isinstance(gates, dict):
        return gates
    return make_gates({**connection_settings(synthpipe_conn_id).gates, **(gates or {})})
