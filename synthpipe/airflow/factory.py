"""The DAG factory: one DAG per ``.sql`` file in a folder, so a new query needs no Python.

For ``queries/airbnb_user_profiles.sql`` the factory builds DAG ``airbnb_user_profiles``; an
optional ``queries/airbnb_user_profiles.yaml`` beside it overrides the folder-wide defaults
(any :class:`QueryDagSettings` field). Each DAG is

    extract ─▶ train ─▶ generate ×shards (dynamic task mapping) ─▶ evaluate ─▶ publish

A run's config takes ``staging``, ``destination``, ``rows``, ``gates`` and ``engine`` (as the
example DAG's does), defaulting to the YAML's; ``gates`` and ``engine`` apply key by key over it.

Generation fans out over ``shards`` mapped tasks, each loading the model from the staging
store and seeded by its shard number, so any executor (Celery, Kubernetes) can spread them.
Staged features and the published synthetic set are Assets, so downstream DAGs can be
scheduled on them.

Parse-time cost is a folder listing, the small YAML files and the gates' schema (once per process):
no connection, no SQL read.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synthpipe.airflow._compat import DAG, Asset, Param
from synthpipe.airflow.connections import split_conn_id
from synthpipe.airflow.operators import (
    SynthpipeEvaluateOperator,
    SynthpipeExtractOperator,
    SynthpipeGenerateOperator,
    SynthpipeLoadOperator,
    SynthpipeTrainOperator,
)
from synthpipe.errors import ConfigError
from synthpipe.workspace import DatasetName, default_name, key_safe_stem, renamed_notice

START_DATE = datetime(2026, 1, 1)


class QueryDagSettings(BaseModel):
    """Everything one query's DAG needs; YAML beside the SQL file overrides the factory defaults."""

    model_config = ConfigDict(extra="forbid")

    name: DatasetName | None = Field(None, description="data set name in keys; default: workspace.default_name")
    description: str | None = Field(None, description="DAG description shown in the UI")
    schedule: str | None = Field(None, description="cron, preset (@daily) or None for manual runs")
    tags: list[str] = Field(default_factory=lambda: ["synthpipe"], description="DAG tags")
    source_conn_id: str = Field("postgres_default", description="postgres/SQLAlchemy conn")
    staging: str = Field(..., description="staging store URL (default of the `staging` param)")
    staging_conn_id: str | None = Field(None, description="opens the staging store")
    destination: str = Field(..., description="destination store URL (default of `destination`)")
    destination_conn_id: str | None = Field(None, description="opens the destination")
    synthpipe_conn_id: str | None = Field(None, description="synthpipe connection with defaults")
    staged_format: Literal["parquet", "csv"] = Field("parquet", description="staged format")
    published_format: Literal["csv", "parquet"] = Field("csv", description="published data format")
    rows: int | None = Field(None, ge=1, description="synthetic rows (default of `rows`); None: as extracted")
    shards: int = Field(1, ge=1, le=1024, description="generation tasks to fan out over")
    seed: int = Field(0, ge=0, description="generation seed; each shard derives its own from it")
    engine: dict[str, Any] = Field(default_factory=dict, description="engine settings (default of `engine`)")
    gates: dict[str, Any] = Field(default_factory=dict, description="gate thresholds (default of `gates`)")
    retries: int = Field(2, ge=0, description="retries per task (transient errors only)")
    retry_delay_seconds: float = Field(60, ge=0, description="wait between retries")


def dags_from_folder(folder: str | Path, **defaults: Any) -> dict[str, DAG]:
    """One DAG per ``.sql`` file in ``folder``, keyed by DAG id (the file's stem, see ``dag_id_of``).

    Use it in a DAG file: ``globals().update(dags_from_folder(QUERIES, staging=..., ...))``.
    Hidden files are skipped: an editor's ``.#orders.sql`` lock or macOS's ``._orders.sql``
    (binary) would otherwise be taken for the ``orders`` query.
    """
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() == ".sql" and not p.name.startswith("."))
    settings = {sql: load_settings(sql, defaults) for sql in files}
    _one_file_each(settings)
    return {dag_id_of(sql): build_dag(sql, settings[sql]) for sql in files}


def _one_file_each(settings: dict[Path, QueryDagSettings]) -> None:
    """A ConfigError when two SQL files give one DAG id or one data set name.

    Why: ``daily report.sql`` beside ``daily_report.sql`` both gave DAG ``daily_report`` and one of
    them vanished without a word; two files whose YAML set one ``name`` gave two DAGs writing the
    same keys, so their scheduled runs (one run id, ``scheduled__<date>``, for both) overwrote each
    other's staged rows and models."""
    seen: dict[tuple[str, str], Path] = {}
    for sql, setting in settings.items():
        for what, value in (("DAG id", dag_id_of(sql)), ("data set name", setting.name or default_name(sql))):
            other = seen.setdefault((what, value), sql)
            if other != sql:
                raise ConfigError(
                    f"{other.name} and {sql.name} both give {what} {value!r}; rename one of the files "
                    "or set a distinct name: in the YAML beside it",
                    file=str(sql),
                )


def dag_id_of(sql_file: Path) -> str:
    """The DAG id of a SQL file: its stem with each run of characters a DAG id cannot hold made ``_``.

    Why: ``daily report.sql`` raised Airflow's invalid-DAG-id error on import, and its data set name
    (the bare stem) was refused too, though the SQL file is the only thing a new query should need.
    It is the file's name even where the data set name is not (``model_train.sql``: ``model-train``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", key_safe_stem(sql_file))


def load_settings(sql_file: Path, defaults: dict[str, Any]) -> QueryDagSettings:
    """The factory defaults, overridden by ``<stem>.yaml`` (or ``.yml``) beside ``sql_file``."""
    overrides: dict[str, Any] = {}
    for beside in (sql_file.with_suffix(".yaml"), sql_file.with_suffix(".yml")):
        if beside.is_file():
            overrides = yaml.safe_load(beside.read_text(encoding="utf-8")) or {}
            break
    try:
        return QueryDagSettings(**{**defaults, **overrides})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        valid = ", ".join(QueryDagSettings.model_fields)
        message = f"invalid DAG settings for {sql_file.name} ({problems}); valid settings: {valid}"
        raise ConfigError(message, file=str(sql_file)) from None


def build_dag(sql_file: str | Path, settings: QueryDagSettings, *, dag_id: str | None = None) -> DAG:
    """The extract → train → generate ×N → evaluate → publish DAG for one SQL file."""
    sql_file = Path(sql_file)
    name = settings.name or default_name(sql_file)
    with DAG(
        dag_id or dag_id_of(sql_file),
        description=_description(sql_file, settings),
        schedule=settings.schedule,
        start_date=START_DATE,
        catchup=False,
        tags=settings.tags,
        params=run_params(settings),
        user_defined_macros={"query_settings": {"gates": settings.gates, "engine": settings.engine}},
        render_template_as_native_obj=True,  # params.rows/gates/engine arrive as int / dict
        default_args={
            "retries": settings.retries,
            "retry_delay": timedelta(seconds=settings.retry_delay_seconds),
        },
        doc_md=__doc__,
    ) as dag:
        _add_tasks(sql_file, name, settings)
    return dag


def run_params(settings: QueryDagSettings) -> dict[str, Param]:
    """The run config a factory DAG takes: the example DAG's (``staging``, ``destination``, ``rows``,
    ``gates``, ``engine``), defaulting to the YAML's values; ``gates`` and ``engine`` apply key by key
    over the YAML's (see ``_over_yaml``), as they apply over the synthpipe connection's.

    Why: a factory DAG took ``staging`` and ``destination`` only, so a failed gate could not be
    loosened for one run: ``{"gates": {"min_quality": null}}``, which the failed-gate message and the
    example DAG take, was ignored, and the YAML beside the SQL file held it for every run."""
    return trigger_params(
        staging=settings.staging,
        destination=settings.destination,
        rows=settings.rows,
        gates=settings.gates,
        engine=settings.engine,
        over="the YAML's",
    )


def trigger_params(
    *,
    staging: str,
    destination: str,
    rows: int | None = None,
    gates: dict[str, Any] | None = None,
    engine: dict[str, Any] | None = None,
    over: str = "the defaults",
) -> dict[str, Param]:
    """A synthpipe DAG's run config, whose schema refuses at trigger time what a stage would refuse.

    Why: ``{"rows": 0}`` was taken by the trigger form and the run failed at generate, after
    extract and train had run (``invalid rows=0``); ``{"gates": {"min_quality": 150}}`` or a
    misspelt gate failed at evaluate, after training, and ``{"staging": ""}`` staged the data in
    the worker's current folder. Now the trigger is refused, naming the param; the engine's
    settings too (``synthpipe.engine`` imports its settings model alone, 0.4 s)."""
    return {
        "staging": Param(staging, type="string", minLength=1, description="staging store URL"),
        "destination": Param(destination, type="string", minLength=1, description="where analysts read from"),
        "rows": Param(rows, type=["null", "integer"], minimum=1, description="synthetic rows; null: as extracted"),
        "gates": Param(gates or {}, description=f"gate thresholds, gate by gate over {over}", **_gates_schema()),
        "engine": Param(engine or {}, description=f"engine settings, key by key over {over}", **_engine_schema()),
    }


@functools.cache
def _gates_schema() -> dict[str, Any]:
    """The JSON schema of a run's ``gates``: the gates' own names, ranges and ``null`` (off)."""
    from synthpipe.gate_settings import Gates

    schema = Gates.model_json_schema()
    return {"type": "object", "properties": schema["properties"], "additionalProperties": False}


@functools.cache
def _engine_schema() -> dict[str, Any]:
    """The JSON schema of a run's ``engine``: the engine's own settings and ranges (the seed too,
    which the tasks take out of them). Why: ``{"engine": {"max_epoch": 2}}`` or ``{"max_epochs": 0}``
    was accepted at trigger and failed train, after extract had run."""
    from synthpipe.engine.config import EngineConfig

    return {
        "type": "object",
        "properties": EngineConfig.model_json_schema()["properties"],
        "additionalProperties": False,
    }


def _over_yaml(setting: Literal["gates", "engine"]) -> Any:
    """The template of a run's ``gates`` or ``engine`` over the YAML's, key by key, which the DAG
    renders natively into the dict the operator takes: ``{"gates": {"min_quality": null}}``
    switches that gate off and keeps the YAML's other gates (a whole new dict would drop them)."""
    return f"{{{{ dict(query_settings.{setting}, **params.{setting}) }}}}"


_ROWS = "{{ params.rows if params.rows is not none else ti.xcom_pull(task_ids='extract', key='rows') }}"
"""The run's ``rows`` (the param's schema refuses 0, which generate would), or (null) as many as
extract staged."""


def _description(sql_file: Path, settings: QueryDagSettings) -> str:
    """The DAG's description, telling when the data set name is not the file's (``model_train.sql``
    publishes ``<run_id>_model-train_synthetic.csv``): the UI is where a DAG's user looks."""
    description = settings.description or f"Synthetic copy of {sql_file.name}"
    notice = None if settings.name else renamed_notice(sql_file)
    return f"{description}; {notice}" if notice else description


def _add_tasks(sql_file: Path, name: str, settings: QueryDagSettings) -> None:
    common: dict[str, Any] = {
        "name": name,
        "staging": "{{ params.staging }}",
        "staging_conn_id": settings.staging_conn_id,
        "synthpipe_conn_id": settings.synthpipe_conn_id,
    }
    extract = SynthpipeExtractOperator(
        task_id="extract",
        query=str(sql_file),
        source_conn_id=settings.source_conn_id,
        fmt=settings.staged_format,
        outlets=[asset(settings.staging, name, "staged")],
        **common,
    )
    train = SynthpipeTrainOperator(
        task_id="train", features_uri=_pull(extract, "uri"), engine=_over_yaml("engine"), **common
    )
    generate = SynthpipeGenerateOperator.partial(
        task_id="generate",
        map_index_template="shard {{ task.shard }}",
        model_uri=_pull(train, "model_uri"),
        rows=_ROWS,
        shards=settings.shards,
        seed=settings.seed,
        **common,
    ).expand(shard=list(range(settings.shards)))
    evaluate = SynthpipeEvaluateOperator(
        task_id="evaluate",
        synthetic_uris=_pull(generate, "uri"),
        train_uri=_pull(train, "train_uri"),
        holdout_uri=_pull(train, "holdout_uri"),
        gates=_over_yaml("gates"),
        **common,
    )
    SynthpipeLoadOperator(
        task_id="publish",
        synthetic_uris=_pull(generate, "uri"),
        report_uris=_pull(evaluate, "report_uris"),
        destination="{{ params.destination }}",
        destination_conn_id=settings.destination_conn_id,
        fmt=settings.published_format,
        outlets=[asset(settings.destination, name, "synthetic")],
        **common,
    )


def _pull(task: Any, key: str) -> Any:
    """One field of a task's result (its operators push each field as an XCom of its own)."""
    return task.output[key]


def asset(store_url: str, name: str, kind: Literal["staged", "synthetic"]) -> Asset:
    """The Asset for a data set's staged features or published synthetic copy.

    Its URI is the store URL (without any connection id) and the data set name; runs write
    run-scoped keys below it (``<run_id>_<name>...``).
    """
    url, _ = split_conn_id(store_url)
    suffix = "_synthetic" if kind == "synthetic" else ""
    uri = f"{url.rstrip('/')}/{name}{suffix}"
    return Asset(name=f"synthpipe.{name}{suffix}", uri=uri, group="synthpipe")
