"""A staged CSV and the schema JSON beside it are one extract's, or train says they are not.

Before: extract wrote the CSV and then the schema, so a re-extract killed between the two left the
new CSV beside the old schema, and train failed on the pair with a bare KeyError or ArrowInvalid
(retried by Airflow, naming neither file nor the fix).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from synthpipe.errors import MissingInput, SchemaError
from synthpipe.synthesize import train

RUN = "r1"
FIRST_SQL = "SELECT range AS id, range % 7 AS visits FROM range(200)"
SECOND_SQL = "SELECT range AS id, 'plan-' || (range % 5) AS plan, range % 3 AS tier FROM range(200)"
ENGINE = {"max_epochs": 1, "hidden_size": 16}

KILLED_REEXTRACT = r"""
import os, signal, sys
from synthpipe.extract import extract
from synthpipe.stores import Store

staging, first, second = sys.argv[1:4]
extract(query=first, source="duckdb:///:memory:", staging=staging, name="users", run_id="r1", fmt="csv")
real = Store.write_bytes
def write_bytes(self, key, data):
    if key.endswith(".schema.json"):
        os.kill(os.getpid(), signal.SIGKILL)  # the re-extract dies as it writes its schema
    return real(self, key, data)
Store.write_bytes = write_bytes
extract(query=second, source="duckdb:///:memory:", staging=staging, name="users", run_id="r1", fmt="csv")
"""


def test_a_re_extract_killed_at_its_schema_leaves_no_features_for_train_to_misread(tmp_path: Path) -> None:
    """Before: the new CSV was committed before the schema write, and stayed beside the old schema."""
    (tmp_path / "first.sql").write_text(FIRST_SQL)
    (tmp_path / "second.sql").write_text(SECOND_SQL)
    staging = tmp_path / "staging"
    child = subprocess.run([sys.executable, "-c", KILLED_REEXTRACT, str(staging), str(tmp_path / "first.sql"),
                            str(tmp_path / "second.sql")], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert child.returncode == -9, child.stderr[-2000:]

    with pytest.raises(MissingInput) as caught:
        train(features_uri=str(staging / f"{RUN}_users.csv"), staging=str(staging), name="users", run_id=RUN,
              engine=ENGINE)  # fmt: skip
    assert (caught.value.stage, caught.value.written_by) == ("train", "extract")


def stage_pair(staging: Path, columns: list[tuple[str, str]]) -> str:
    """A features CSV of id/plan/spend beside a schema JSON of ``columns`` (name, Arrow type)."""
    rng = np.random.default_rng(0)
    staging.mkdir(parents=True)
    features = pd.DataFrame(
        {"id": range(300), "plan": rng.choice(["basic", "rare-plan-7f3"], 300), "spend": rng.gamma(2, 3, 300)}
    )
    features.to_csv(staging / f"{RUN}_users.csv", index=False)
    described = [{"name": name, "type": kind, "nullable": True} for name, kind in columns]
    (staging / f"{RUN}_users.schema.json").write_text(json.dumps({"rows": 300, "columns": described}))
    return str(staging / f"{RUN}_users.csv")


@pytest.mark.parametrize(
    ("columns", "how"),
    [
        (
            [("id", "int64"), ("visits", "int64")],
            "the CSV alone has ['plan', 'spend']; the schema alone has ['visits']",
        ),
        (
            [("id", "int64"), ("plan", "int64"), ("spend", "double")],
            "column 'plan' holds values its schema's type, int64",
        ),
    ],
    ids=["other-columns", "other-types"],
)
def test_train_on_a_csv_its_schema_does_not_describe_names_both_and_extract(
    tmp_path: Path, columns: list[tuple[str, str]], how: str
) -> None:
    """Before: KeyError 'Field "visits" does not exist in schema', and ArrowInvalid 'In CSV column #1:
    CSV conversion error to int64: invalid value ...', which quoted a real value."""
    staging = tmp_path / "staging"
    features = stage_pair(staging, columns)

    with pytest.raises(SchemaError) as caught:
        train(features_uri=features, staging=str(staging), name="users", run_id=RUN, engine=ENGINE)

    said = str(caught.value)
    schema = str(staging / f"{RUN}_users.schema.json")
    assert f"the staged features {features!r} and the schema beside them, {schema!r}, are not of one extract" in said
    assert how in said and "run extract again for this run" in said
    assert "rare-plan-7f3" not in said and "basic" not in said  # no real value in the task's log
    assert caught.value.transient is False


def test_train_reads_the_schema_beside_a_features_csv_of_another_run_and_store(tmp_path: Path) -> None:
    """Train looked the schema JSON up by its own run and name: given the features CSV of run r1 in
    another folder, it ran as r2 without a schema and learned zip code '00042' as int64 42."""
    from synthpipe.extract import extract

    query = tmp_path / "zips.sql"
    query.write_text("SELECT lpad((range % 90)::VARCHAR, 5, '0') AS zip, range AS n FROM range(300)")
    staged = extract(query=query, source="duckdb:///:memory:", staging=str(tmp_path / "elsewhere"), name="zips",
                     run_id=RUN, fmt="csv")  # fmt: skip
    trained = train(features_uri=staged.uri, staging=str(tmp_path / "staging"), name="zips", run_id="r2", engine=ENGINE)
    zips = pd.read_parquet(trained.train_uri)["zip"]
    assert pd.api.types.is_string_dtype(zips) and zips.str.fullmatch(r"\d{5}").all()
