"""One operator per pipeline stage; each ``execute()`` is one call into :mod:`.tasks`.

Every operator pushes its result dict with ``multiple_outputs=True``, so downstream tasks
pick single fields: ``extract.output["uri"]``. Only URIs and small metrics go to XCom.
SQL paths, URLs, names and the run id are templated; the run id defaults to Airflow's own,
so a retried task rewrites exactly the keys its first try wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from synthpipe.airflow import tasks
from synthpipe.airflow._compat import BaseOperator, Context

RUN_ID = "{{ run_id }}"
"""Airflow's run id: stable across retries of one run, unique across runs."""


class _SynthpipeOperator(BaseOperator):
    """Shared wiring: the staging store, the synthpipe connection, one-field-per-key XCom."""

    template_fields: Sequence[str] = ("name", "run_id", "staging", "staging_conn_id")
    ui_color = "#d9f2e6"

    def __init__(
        self,
        *,
        name: str,
        run_id: str = RUN_ID,
        staging: Any = None,
        staging_conn_id: str | None = None,
        synthpipe_conn_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("multiple_outputs", True)
        super().__init__(**kwargs)
        self.name = name
        self.run_id = run_id
        self.staging = staging
        self.staging_conn_id = staging_conn_id
        self.synthpipe_conn_id = synthpipe_conn_id

    def _common(self) -> dict[str, Any]:
        return {
            "name": str(self.name),  # native rendering reads a name such as "2024" as a number
            "run_id": str(self.run_id),  # native rendering may hand back a non-str
            "staging": self.staging,
            "staging_conn_id": self.staging_conn_id,
            "synthpipe_conn_id": self.synthpipe_conn_id,
        }


class SynthpipeExtractOperator(_SynthpipeOperator):
    """Run a SQL file against a database connection and stage the rows.

    Args:
        query: path of the ``.sql`` file (templated as a path; the file itself is not rendered,
            so nothing is ever interpolated into SQL).
        source_conn_id: a ``postgres`` (or any SQLAlchemy-capable) connection.
        source: or a literal SQLAlchemy URL (``duckdb:///f.duckdb``). Not templated: rendered
            fields are stored and shown in the UI, and a URL may carry a password; put
            credentials in a connection instead.
        fmt: staged format, ``parquet`` or ``csv``.
    """

    template_fields: Sequence[str] = (*_SynthpipeOperator.template_fields, "query", "source_conn_id")

    def __init__(
        self,
        *,
        query: str,
        source_conn_id: str | None = None,
        source: str | None = None,
        fmt: str = "parquet",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.query, self.source_conn_id, self.source, self.fmt = query, source_conn_id, source, fmt

    def execute(self, context: Context) -> dict[str, Any]:
        return tasks.extract(
            query=self.query,
            source=self.source,
            source_conn_id=self.source_conn_id,
            fmt=self.fmt,
            **self._common(),
        )


class SynthpipeSynthesizeOperator(_SynthpipeOperator):
    """Train, generate, filter and evaluate in one task; a failed gate fails it (no retries).

    Args:
        features_uri: the staged features (``extract.output["uri"]``).
        rows: synthetic rows to generate (default: as many as the features).
        engine: engine settings over the synthpipe connection's defaults.
        gates: gate thresholds over the synthpipe connection's defaults.
    """

    template_fields: Sequence[str] = (
        *_SynthpipeOperator.template_fields,
        "features_uri",
        "rows",
        "engine",
        "gates",
    )

    def __init__(
        self,
        *,
        features_uri: str,
        rows: int | None = None,
        engine: dict[str, Any] | None = None,
        gates: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.features_uri, self.rows, self.engine, self.gates = features_uri, rows, engine, gates

    def execute(self, context: Context) -> dict[str, Any]:
        return tasks.synthesize(
            features_uri=self.features_uri,
            rows=self.rows,
            engine=self.engine,
            gates=self.gates,
            **self._common(),
        )


class SynthpipeTrainOperator(_SynthpipeOperator):
    """Train a model on the staged features and save the artifact to the staging store."""

    template_fields: Sequence[str] = (*_SynthpipeOperator.template_fields, "features_uri", "engine")

    def __init__(self, *, features_uri: str, engine: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.features_uri, self.engine = features_uri, engine

    def execute(self, context: Context) -> dict[str, Any]:
        return tasks.train(features_uri=self.features_uri, engine=self.engine, **self._common())


class SynthpipeGenerateOperator(_SynthpipeOperator):
    """Generate one shard of synthetic rows; map it over shards to fan out.

    ``SynthpipeGenerateOperator.partial(..., shards=4).expand(shard=range(4))`` gives four
    tasks, each loading the model from the store and seeded by its shard number.
    """

    template_fields: Sequence[str] = (
        *_SynthpipeOperator.template_fields,
        "model_uri",
        "rows",
        "shard",
        "shards",
    )

    def __init__(
        self,
        *,
        model_uri: str,
        rows: int,
        shard: int = 0,
        shards: int = 1,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.model_uri, self.rows, self.shard, self.shards, self.seed = (
            model_uri,
            rows,
            shard,
            shards,
            seed,
        )

    def execute(self, context: Context) -> dict[str, Any]:
        return tasks.generate(
            model_uri=self.model_uri,
            rows=self.rows,
            shard=self.shard,
            shards=self.shards,
            seed=self.seed,
            **self._common(),
        )


class SynthpipeEvaluateOperator(_SynthpipeOperator):
    """Write the quality/privacy report over all shards and check the gates."""

    template_fields: Sequence[str] = (
        *_SynthpipeOperator.template_fields,
        "synthetic_uris",
        "train_uri",
        "holdout_uri",
        "gates",
    )

    def __init__(
        self,
        *,
        synthetic_uris: Sequence[str],
        train_uri: str,
        holdout_uri: str,
        gates: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.synthetic_uris, self.train_uri, self.holdout_uri = (
            synthetic_uris,
            train_uri,
            holdout_uri,
        )
        self.gates = gates

    def execute(self, context: Context) -> dict[str, Any]:
        return tasks.evaluate(
            synthetic_uris=list(self.synthetic_uris),
            train_uri=self.train_uri,
            holdout_uri=self.holdout_uri,
            gates=self.gates,
            **self._common(),
        )


class SynthpipeLoadOperator(_SynthpipeOperator):
    """Publish the synthetic rows, with the report beside them, to the destination store.

    Args:
        synthetic_uris: staged synthetic shard URIs (one or many).
        destination: store URL or ObjectStoragePath; ``destination_conn_id`` authenticates it.
        fmt: published format, ``csv`` or ``parquet``.
        report_uris: report files to publish beside the data.
    """

    template_fields: Sequence[str] = (
        *_SynthpipeOperator.template_fields,
        "synthetic_uris",
        "destination",
        "destination_conn_id",
        "report_uris",
    )

    def __init__(
        self,
        *,
        synthetic_uris: Sequence[str] | str,
        destination: Any,
        destination_conn_id: str | None = None,
        fmt: str = "csv",
        report_uris: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.synthetic_uris, self.report_uris = synthetic_uris, report_uris
        self.destination, self.destination_conn_id, self.fmt = destination, destination_conn_id, fmt

    def execute(self, context: Context) -> dict[str, Any]:
        return tasks.load(
            synthetic_uris=_as_list(self.synthetic_uris),
            report_uris=_as_list(self.report_uris),
            destination=self.destination,
            destination_conn_id=self.destination_conn_id,
            fmt=self.fmt,
            **self._common(),
        )


def _as_list(value: Sequence[str] | str) -> list[str]:
    """One URI or many (a mapped task's XCom arrives as a lazy sequence)."""
    return [value] if isinstance(value, str) else list(value)
