"""The demo: an Airbnb-style app database and the query that rolls sessions up per user."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from synthpipe.demo.airbnb import USERS_DEFAULT, generate
from synthpipe.demo.database import DemoDatabase, write_demo_database

QUERY_FILE = Path(__file__).with_name("session_rollups__by_user.sql")
"""The demo's SQL file (also at ``examples/airbnb/session_rollups__by_user.sql``)."""

__all__ = ["QUERY_FILE", "DemoDatabase", "booking_features", "generate", "write_demo_database"]


def booking_features(*, users: int = USERS_DEFAULT, seed: int = 0) -> pd.DataFrame:
    """The demo query's result for a freshly generated database, computed in memory (DuckDB)."""
    import duckdb

    connection = duckdb.connect()
    try:
        _load_into_duckdb(connection, users=users, seed=seed)
        return connection.sql(QUERY_FILE.read_text()).to_arrow_table().to_pandas()
    finally:
        connection.close()


def _load_into_duckdb(connection: object, *, users: int, seed: int) -> None:
    from synthpipe.demo.database import duckdb_load

    duckdb_load(connection, generate(users=users, seed=seed))
