"""One synthetic-copy DAG per SQL file in ``queries/`` (the DAG id is the file's stem).

To put a synthetic copy in front of a new query, drop ``my_query.sql`` (and optionally
``my_query.yaml`` with any ``QueryDagSettings`` field: shards, rows, gates, schedule ...)
into ``queries/``; no Python changes. Each DAG fans generation out over ``shards`` mapped
tasks and marks its staged and synthetic data as Assets.

Parsing this file lists ``queries/`` and reads the small YAML files; it opens no connection.
"""

from __future__ import annotations

import os
from pathlib import Path

from synthpipe.airflow.factory import dags_from_folder

QUERIES = Path(__file__).resolve().parent / "queries"

globals().update(
    dags_from_folder(
        QUERIES,
        source_conn_id="postgres_default",
        staging=os.environ.get("SYNTHPIPE_STAGING_URL", "s3://synthpipe/staging"),
        staging_conn_id="aws_default",
        destination=os.environ.get("SYNTHPIPE_DESTINATION_URL", "s3://synthpipe/synthetic"),
        destination_conn_id="aws_default",
        tags=["synthpipe", "example", "factory"],
    )
)
