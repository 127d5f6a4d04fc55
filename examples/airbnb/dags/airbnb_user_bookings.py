"""airbnb_user_bookings: a synthetic copy of the per-user booking features, on S3.

    extract_features ─▶ generate_synthetic_features ─▶ upload_synthetic_features

1. ``extract_features`` runs ``session_rollups__by_user.sql`` on the app database (the
   ``postgres_default`` connection) and stages ``<run_id>_booking_features.csv``;
2. ``generate_synthetic_features`` trains the engine, generates as many rows, filters them
   for privacy and writes the quality/privacy report; a failed gate fails this task and
   nothing is uploaded;
3. ``upload_synthetic_features`` publishes ``<run_id>_booking_features_synthetic.csv`` with
   the report beside it.

Both stores are opened with the ``aws_default`` connection (any S3-compatible endpoint).
Trigger with a config to pick other buckets, a row count, engine settings or stricter gates::

    {"staging": "s3://my-bucket/staging", "destination": "s3://my-bucket/synthetic",
     "rows": 5000, "engine": {"max_epochs": 50}, "gates": {"min_quality": 70}}

Parsing this file opens no connection and reads no data.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG, Asset

from synthpipe.airflow.factory import trigger_params
from synthpipe.airflow.operators import (
    SynthpipeExtractOperator,
    SynthpipeLoadOperator,
    SynthpipeSynthesizeOperator,
)

QUERY = Path(__file__).resolve().parent.parent / "session_rollups__by_user.sql"
STAGING = os.environ.get("SYNTHPIPE_STAGING_URL", "s3://synthpipe/staging")
DESTINATION = os.environ.get("SYNTHPIPE_DESTINATION_URL", "s3://synthpipe/synthetic")
NAME = "booking_features"
STORE_CONN_ID = "aws_default"

with DAG(
    "airbnb_user_bookings",
    description="Synthetic copy of the Airbnb-style per-user booking features",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["synthpipe", "example"],
    params=trigger_params(staging=STAGING, destination=DESTINATION),  # refuses rows: 0 and unknown gates
    render_template_as_native_obj=True,  # params.rows/gates/engine arrive as int / dict
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    doc_md=__doc__,
):
    extract_features = SynthpipeExtractOperator(
        task_id="extract_features",
        query=str(QUERY),
        source_conn_id="postgres_default",
        staging="{{ params.staging }}",
        staging_conn_id=STORE_CONN_ID,
        name=NAME,
        fmt="csv",
        outlets=[Asset(name=f"synthpipe.{NAME}", uri=f"{STAGING}/{NAME}")],
    )
    generate_synthetic_features = SynthpipeSynthesizeOperator(
        task_id="generate_synthetic_features",
        features_uri=extract_features.output["uri"],
        rows="{{ params.rows }}",
        gates="{{ params.gates }}",
        engine="{{ params.engine }}",
        staging="{{ params.staging }}",
        staging_conn_id=STORE_CONN_ID,
        name=NAME,
    )
    upload_synthetic_features = SynthpipeLoadOperator(
        task_id="upload_synthetic_features",
        synthetic_uris=generate_synthetic_features.output["synthetic_uris"],
        report_uris=generate_synthetic_features.output["report_uris"],
        staging="{{ params.staging }}",
        staging_conn_id=STORE_CONN_ID,
        destination="{{ params.destination }}",
        destination_conn_id=STORE_CONN_ID,
        name=NAME,
        fmt="csv",
        outlets=[Asset(name=f"synthpipe.{NAME}_synthetic", uri=f"{DESTINATION}/{NAME}_synthetic")],
    )
