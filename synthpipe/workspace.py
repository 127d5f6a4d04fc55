"""The run-scoped workspace: the one place that knows every key a run reads or writes.

Keys are ``<run_id>_<name>...`` so that a rerun of the same run id lands on the same keys
(retries converge) and two runs never collide.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from synthpipe.errors import ConfigError
from synthpipe.stores import Store

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+\-]*$")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._:+\-]+")


def check_key_part(value: str, *, what: str) -> str:
    """Run ids and names become parts of object keys: no slashes, spaces or leading dots."""
    if not _SAFE.match(value):
        raise ConfigError(
            f"invalid {what}={value!r}; use letters, digits and . _ : + - (no slashes or spaces)",
            value=value,
        )
    return value


def default_name(query: str | Path) -> str:
    """The data set name a SQL file gives when none is set: its stem, each run of characters a key
    cannot hold made ``_`` (``daily report.sql`` -> ``daily_report``).

    Why: the bare stem was refused as ``invalid name='daily report'`` although nobody had named it."""
    name = _UNSAFE_RUN.sub("_", Path(query).stem).lstrip("._:+-")
    return name or "query"


def as_store(store: Store | str, storage_options: dict[str, Any] | None = None) -> Store:
    return store if isinstance(store, Store) else Store(store, storage_options=storage_options)


class Workspace:
    """Keys of one run of one data set on one store."""

    def __init__(self, store: Store | str, *, name: str, run_id: str) -> None:
        self.store = as_store(store)
        self.name = check_key_part(name, what="name")
        self.run_id = check_key_part(run_id, what="run_id")

    @property
    def prefix(self) -> str:
        return f"{self.run_id}_{self.name}"

    def features_key(self, fmt: str) -> str:
        return f"{self.prefix}.{fmt}"

    def schema_key(self) -> str:
        return f"{self.prefix}.schema.json"

    def train_key(self) -> str:
        return f"{self.prefix}_train.parquet"

    def holdout_key(self) -> str:
        return f"{self.prefix}_holdout.parquet"

    def model_key(self) -> str:
        return f"{self.prefix}_model"

    def shard_key(self, shard: int, shards: int) -> str:
        return f"{self.prefix}_synthetic.part-{shard:05d}-of-{shards:05d}.parquet"

    def filters_key(self, shard: int, shards: int) -> str:
        """The privacy filters' summary for one shard, read back by evaluate for the report."""
        return self.shard_key(shard, shards).removesuffix(".parquet") + ".filters.json"

    def synthetic_key(self, fmt: str) -> str:
        return f"{self.prefix}_synthetic.{fmt}"

    def report_key(self, ext: str) -> str:
        return f"{self.prefix}_report.{ext}"

    def uri(self, key: str) -> str:
        return self.store.uri(key)
