"""The pipeline process SIGKILLed during extract, train (mid-fit and mid-save) and load, then rerun.

A child process runs ``run_pipeline`` and kills itself with SIGKILL at a precise point (a real
SIGKILL: no cleanup code runs). Afterwards no half-written object is visible, nothing reached
the destination early, and a rerun of the same run id writes exactly the keys, and the same
synthetic bytes, as an uninterrupted run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from synthpipe.demo import write_demo_database
from tests.robustness.conftest import all_files, pipeline_spec, run, visible_keys, write_query

CHILD = r"""
import json, os, signal, sys
import synthpipe.extract, synthpipe.load, synthpipe.stores
from synthpipe.pipeline import run_pipeline
from synthpipe.spec import PipelineSpec

spec, point = PipelineSpec.from_dict(json.loads(sys.argv[1])), sys.argv[2]
die = lambda: os.kill(os.getpid(), signal.SIGKILL)

def killing_writer(module):
    real = module.open_writer
    def open_writer(handle, schema, fmt):
        writer = real(handle, schema, fmt)
        inner = writer.write
        def write(batch):
            inner(batch)
            handle.flush()
            die()  # after the first batch reached the temp object, before the commit
        writer.write = write
        return writer
    module.open_writer = open_writer

if point in ("extract", "load"):
    killing_writer(getattr(synthpipe, point))
if point == "save":
    real_write_bytes = synthpipe.stores.Store.write_bytes
    def write_bytes(self, key, data):
        if key == "model.json":
            die()  # weights.npz is saved, model.json (the commit marker) is not
        return real_write_bytes(self, key, data)
    synthpipe.stores.Store.write_bytes = write_bytes
progress = (lambda step, fraction: die() if step == "train" else None) if point == "fit" else None
run_pipeline(spec, run_id="r1", progress=progress)
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("kill-src")
    url = f"duckdb:///{folder / 'demo.duckdb'}"
    write_demo_database(url, users=300, seed=5)
    sql = "SELECT id, gender, age, signup_method, language, date_account_created FROM users"
    return url, write_query(folder, sql)


@pytest.fixture(scope="module")
def clean_run(source: tuple[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("clean")
    result = run(pipeline_spec(source[1], source[0], root))
    return {
        "staging": visible_keys(root / "staging"),
        "destination": visible_keys(root / "destination"),
        "synthetic": Path(result.load.uri).read_bytes(),
    }


def spec_json(source: tuple[str, Path], root: Path) -> str:
    return pipeline_spec(source[1], source[0], root).model_dump_json()


@pytest.mark.parametrize("point", ["extract", "fit", "save", "load"])
def test_sigkill_then_rerun_converges(
    point: str, source: tuple[str, Path], clean_run: dict[str, Any], tmp_path: Path
) -> None:
    child = subprocess.run([sys.executable, "-c", CHILD, spec_json(source, tmp_path), point],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert child.returncode == -9, child.stderr[-2000:]
    staged = visible_keys(tmp_path / "staging")
    assert staged <= clean_run["staging"]
    if point != "load":
        assert staged < clean_run["staging"], "the killed run must not have finished"
    for key in staged:  # whatever is visible is whole
        if key.endswith(".parquet"):
            pq.read_table(tmp_path / "staging" / key)
        if key.endswith(".json"):
            json.loads((tmp_path / "staging" / key).read_text())
    if point == "save":
        assert "r1_features_model/model.json" not in staged
    assert "r1_features_synthetic.parquet" not in visible_keys(tmp_path / "destination")
    if point in ("extract", "load"):  # the half-written temp object is there, hidden from readers
        area = tmp_path / ("staging" if point == "extract" else "destination")
        assert [name for name in all_files(area) if name.startswith(".tmp-")]

    result = run(pipeline_spec(source[1], source[0], tmp_path))
    assert all_files(tmp_path / "staging") == clean_run["staging"]  # the killed attempt's temps are swept
    assert all_files(tmp_path / "destination") == clean_run["destination"]
    assert Path(result.load.uri).read_bytes() == clean_run["synthetic"]
