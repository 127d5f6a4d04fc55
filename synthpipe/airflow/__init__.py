"""synthpipe's Airflow provider: the only package that imports Airflow."""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    """What Airflow's providers manager reads through the ``apache_airflow_provider`` entry point."""
    return {
        "package-name": "synthpipe",
        "name": "synthpipe",
        "description": "Synthetic copies of SQL query results: extract, synthesize, check, load.",
        "connection-types": [
            {
                "connection-type": "synthpipe",
                "hook-class-name": "synthpipe.airflow.hooks.SynthpipeHook",
                "hook-name": "synthpipe",
            }
        ],
    }
