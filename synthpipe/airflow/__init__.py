"""synthpipe's Airflow provider: the only package that imports Airflow.

- :class:`~synthpipe.airflow.hooks.SynthpipeHook`: the ``synthpipe`` connection type;
- operators, one per pipeline stage (:mod:`synthpipe.airflow.operators`), and the same stages
  as plain functions for TaskFlow ``@task`` bodies (:mod:`synthpipe.airflow.tasks`);
- :func:`~synthpipe.airflow.factory.dags_from_folder`: one DAG per ``.sql`` file.

Importing this package is cheap (Airflow's providers manager imports it to call
:func:`get_provider_info`); the public names load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SynthpipeEvaluateOperator": "synthpipe.airflow.operators",
    "SynthpipeExtractOperator": "synthpipe.airflow.operators",
    "SynthpipeGenerateOperator": "synthpipe.airflow.operators",
    "SynthpipeHook": "synthpipe.airflow.hooks",
    "SynthpipeLoadOperator": "synthpipe.airflow.operators",
    "SynthpipeSynthesizeOperator": "synthpipe.airflow.operators",
    "SynthpipeTrainOperator": "synthpipe.airflow.operators",
    "build_dag": "synthpipe.airflow.factory",
    "dags_from_folder": "synthpipe.airflow.factory",
}

__all__ = sorted([*_EXPORTS, "get_provider_info"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads through the ``apache_airflow_provider`` entry point.

    The ``synthpipe`` connection form is declared here (``conn-fields``, ``ui-field-behaviour``),
    as Airflow 3.2+ prefers, so the UI needs no hook import to draw it.
    """
    return {
        "package-name": "synthpipe",
        "name": "synthpipe",
        "description": "Synthetic copies of SQL query results: extract, synthesize, check, load.",
        "integrations": [{"integration-name": "synthpipe", "tags": ["software"]}],
        "hooks": [{"integration-name": "synthpipe", "python-modules": ["synthpipe.airflow.hooks"]}],
        "operators": [{"integration-name": "synthpipe", "python-modules": ["synthpipe.airflow.operators"]}],
        "connection-types": [_CONNECTION_TYPE],
    }


_CONNECTION_TYPE: dict[str, Any] = {
    "connection-type": "synthpipe",
    "hook-class-name": "synthpipe.airflow.hooks.SynthpipeHook",
    "hook-name": "synthpipe",
    "conn-fields": {
        "store_conn_id": {
            "label": "Store connection id",
            "description": "Connection that opens the artifact store (e.g. an aws one).",
            "schema": {"type": ["string", "null"]},
        },
        "engine": {
            "label": "Engine settings (JSON)",
            "description": 'Default engine settings, e.g. {"max_epochs": 50, "seed": 7}.',
            "schema": {"type": ["string", "null"]},
        },
        "gates": {
            "label": "Gates (JSON)",
            "description": 'Default gates, e.g. {"min_quality": 60}; null turns a gate off.',
            "schema": {"type": ["string", "null"]},
        },
    },
    "ui-field-behaviour": {
        "hidden-fields": ["schema", "port", "login", "password"],
        "relabeling": {"host": "Artifact store URL"},
        "placeholders": {"host": "s3://bucket/synthpipe"},
    },
}
