from __future__ import annotations

import pickle
import subprocess
import sys

import synthpipe
from synthpipe.errors import GateFailed, MissingDependency, QueryError, StageError


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert synthpipe.__all__ == sorted(synthpipe.__all__)
    for name in synthpipe.__all__:
        assert getattr(synthpipe, name) is not None


def test_importing_synthpipe_pulls_no_optional_extras() -> None:
    code = ("import sys, synthpipe, synthpipe.pipeline, synthpipe.cli; "
            "print(sorted(m for m in ('airflow', 'boto3', 's3fs', 'psycopg') if m in sys.modules))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_errors_pickle_with_their_context() -> None:
    for error in (QueryError("bad sql", path="q.sql"), StageError("extract failed", stage="extract"),
                  GateFailed("failed", failures=[{"gate": "min_quality"}]),
                  MissingDependency(package="s3fs", extra="s3", purpose="s3://"),
                  MissingDependency(package="gcsfs", extra=None, purpose="gs://")):  # fmt: skip
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error) and copy.context == error.context
    assert 'pip install "synthpipe[s3]"' in str(MissingDependency(package="s3fs", extra="s3", purpose="x"))
