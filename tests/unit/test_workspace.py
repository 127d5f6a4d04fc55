"""The workspace's keys: one run's data sets never share one, and file names give valid names."""

from __future__ import annotations

import re

import pytest

from synthpipe.errors import ConfigError
from synthpipe.workspace import Workspace, default_name

RUN = "scheduled__2026-01-01T00:00:00+00:00"


def keys(name: str) -> set[str]:
    """Every key a run of ``name`` reads or writes (staging and destination taken as one store)."""
    ws = Workspace("memory://keys", name=name, run_id=RUN)
    shards = [(0, 1), (1, 3), (7, 12), (3, 100_000)]
    return {
        *(ws.features_key(fmt) for fmt in ("parquet", "csv")),
        *(ws.synthetic_key(fmt) for fmt in ("parquet", "csv")),
        *(ws.report_key(ext) for ext in ("json", "html")),
        *(ws.shard_key(shard, count) for shard, count in shards),
        *(ws.filters_key(shard, count) for shard, count in shards),
        ws.schema_key(), ws.train_key(), ws.holdout_key(), ws.model_key(),
    }  # fmt: skip


def accepted(name: str) -> bool:
    try:
        Workspace("memory://keys", name=name, run_id=RUN)
    except ConfigError:
        return False
    return True


@pytest.mark.parametrize("name", ["orders", "booking_features", "a.b", "x-1"])
def test_no_longer_name_of_the_same_run_shares_a_key(name: str) -> None:
    """``orders_train``'s features were ``<run>_orders_train.parquet``, ``orders``' train split: two
    DAGs' scheduled runs (one run id) overwrote each other's staged rows. Every name a key of
    ``name`` starts with (``orders_train``, ``orders_synthetic.part-00000-of-00001``...) is either
    refused or has keys of its own."""
    prefix = f"{RUN}_{name}"
    refused = 0
    for key in keys(name):
        for end in range(len(prefix) + 1, len(key) + 1):
            longer = key[len(RUN) + 1 : end]
            if not accepted(longer):
                refused += 1
                continue
            assert key not in keys(longer), (name, longer, key)
    assert refused  # the loop did meet the names that would collide


@pytest.mark.parametrize("suffix", ["_train", "_holdout", "_synthetic", "_synthetic.part-00000-of-00001"])
def test_a_name_ending_in_a_key_suffix_is_refused_with_the_fix(suffix: str) -> None:
    with pytest.raises(
        ConfigError, match=rf"invalid name='orders{re.escape(suffix)}'.*is a key of data set 'orders' too"
    ):
        Workspace("memory://keys", name=f"orders{suffix}", run_id=RUN)


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("model_train", "model-train"),
        ("orders_synthetic.part-00000-of-00001", "orders-synthetic.part-00000-of-00001"),
        ("daily_report", "daily_report"),  # ``daily``'s reports are .json and .html: no key of its own
        ("user_model", "user_model"),
        ("q.schema", "q.schema"),
        ("train", "train"),
        ("training_train_set", "training_train_set"),
    ],
)
def test_a_file_stem_ending_in_a_key_suffix_gives_a_name_that_is_accepted(stem: str, name: str) -> None:
    """A new query needs only its SQL file: ``model_train.sql`` runs as ``model-train``."""
    assert default_name(f"queries/{stem}.sql") == name
    assert accepted(name)


@pytest.mark.parametrize(
    ("file", "name"),
    [("Über.sql", "Uber"), ("Ça va.sql", "Ca_va"), ("ﬁnances.sql", "finances"), ("Straße.sql", "Stra_e")],
)
def test_accents_are_dropped_not_the_letters_they_sit_on(file: str, name: str) -> None:
    """``Über.sql`` gave data set name and DAG id ``ber``."""
    assert default_name(file) == name
