"""Every Airflow import synthpipe uses, in one place.

Why: Airflow moves names between releases (``airflow.models`` → ``airflow.sdk`` in 3.0,
``DagBag`` → ``airflow.dag_processing.dagbag`` in 3.3). When it moves them again, this is
the only module to touch. Targets Airflow 3.x and its Task SDK.
"""

from __future__ import annotations

from airflow.sdk import DAG, Asset, BaseHook, BaseOperator, Connection, Context, ObjectStoragePath, Param
from airflow.sdk.exceptions import AirflowFailException, AirflowNotFoundException

__all__ = [
    "DAG",
    "AirflowFailException",
    "AirflowNotFoundException",
    "Asset",
    "BaseHook",
    "BaseOperator",
    "Connection",
    "Context",
    "ObjectStoragePath",
    "Param",
]
