"""A staged file that is gone when a later stage reads it (a cleanup of the staging store between two
tasks, a run id mistyped) is a MissingInput naming the file and the stage that writes it; before,
each stage raised a bare FileNotFoundError, which Airflow retried to the same end."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synthpipe.errors import MissingInput
from synthpipe.load import load
from synthpipe.stores import Store
from synthpipe.synthesize import evaluate, generate, train
from tests.servers import S3Server

RUN = "manual__2026-12-01T10:00:00+00:00"


def staged_features(staging: Path, rows: int = 200) -> str:
    rng = np.random.default_rng(3)
    staging.mkdir(parents=True, exist_ok=True)
    uri = staging / f"{RUN}_orders.parquet"
    pq.write_table(pa.table({"age": rng.integers(18, 60, rows), "spend": rng.gamma(2.0, 30.0, rows)}), uri)
    return str(uri)


def test_train_on_features_cleaned_up_since_extract_names_them_and_extract(tmp_path: Path) -> None:
    features = staged_features(tmp_path / "staging")
    Path(features).unlink()  # the staging store's cleanup ran between extract and train

    with pytest.raises(MissingInput) as caught:
        train(features_uri=features, staging=str(tmp_path / "staging"), name="orders", run_id=RUN,
              engine={"max_epochs": 1, "hidden_size": 16})  # fmt: skip

    assert (caught.value.uri, caught.value.stage, caught.value.written_by) == (features, "train", "extract")
    assert caught.value.transient is False  # a retry reads the same missing file
    assert f"the staged file {features!r} that train reads is not there" in str(caught.value)
    assert "run extract again for this run (in Airflow: clear the task that runs extract" in str(caught.value)


def test_generate_evaluate_and_load_name_the_stage_that_writes_what_is_gone(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    common = {"staging": str(staging), "name": "orders", "run_id": RUN}
    trained = train(features_uri=staged_features(staging), engine={"max_epochs": 1, "hidden_size": 16}, **common)
    shard = generate(model_uri=trained.model_uri, rows=50, **common)
    Path(shard.uri).unlink()
    with pytest.raises(MissingInput, match=r"that evaluate reads is not there; generate writes it") as caught:
        evaluate(synthetic_uris=[shard.uri], train_uri=trained.train_uri, holdout_uri=trained.holdout_uri, **common)
    assert caught.value.uri == shard.uri
    with pytest.raises(MissingInput, match=r"that load reads is not there; generate writes it"):
        load(synthetic_uris=[shard.uri], destination=str(tmp_path / "published"), name="orders", run_id=RUN)

    Path(trained.holdout_uri).unlink()  # generate's privacy filters read the holdout beside the model
    with pytest.raises(MissingInput, match=r"that generate reads is not there; train writes it"):
        generate(model_uri=trained.model_uri, rows=50, **common)


def test_generate_and_evaluate_on_a_model_cleaned_up_since_train_name_it_and_train(tmp_path: Path) -> None:
    """Before: the engine's ArtifactError, "no readable model artifact at ... (FileNotFoundError ...);
    check the path or save a model there first", which named neither train nor rerunning it."""
    import shutil

    staging = tmp_path / "staging"
    common = {"staging": str(staging), "name": "orders", "run_id": RUN}
    trained = train(features_uri=staged_features(staging), engine={"max_epochs": 1, "hidden_size": 16}, **common)
    shard = generate(model_uri=trained.model_uri, rows=50, **common)
    shutil.rmtree(trained.model_uri)

    with pytest.raises(MissingInput) as caught:
        generate(model_uri=trained.model_uri, rows=50, **common)
    assert (caught.value.uri, caught.value.stage, caught.value.written_by) == (trained.model_uri, "generate", "train")
    assert "run train again for this run (in Airflow: clear the task that runs train" in str(caught.value)
    with pytest.raises(MissingInput, match=r"that evaluate reads is not there; train writes it"):
        evaluate(synthetic_uris=[shard.uri], train_uri=trained.train_uri, holdout_uri=trained.holdout_uri,
                 model_uri=trained.model_uri, gates={}, **common)  # fmt: skip


def test_a_model_that_is_there_but_unreadable_stays_an_artifact_error(tmp_path: Path) -> None:
    """Only a model that is not there asks for train again: a tampered one keeps the engine's error."""
    from synthpipe.errors import ArtifactError

    staging = tmp_path / "staging"
    common = {"staging": str(staging), "name": "orders", "run_id": RUN}
    trained = train(features_uri=staged_features(staging), engine={"max_epochs": 1, "hidden_size": 16}, **common)
    (Path(trained.model_uri) / "model.json").write_text("{")
    with pytest.raises(ArtifactError, match="is not a synthpipe model"):
        generate(model_uri=trained.model_uri, rows=50, **common)


def test_a_file_no_stage_of_the_run_writes_asks_for_the_uri_a_stage_returned(tmp_path: Path) -> None:
    with pytest.raises(MissingInput, match=r"pass the URI the earlier stage returned") as caught:
        load(synthetic_uris=[str(tmp_path / "typo.parquet")], destination=str(tmp_path / "out"), name="orders",
             run_id=RUN)  # fmt: skip
    assert caught.value.written_by is None
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing published


@pytest.mark.integration
def test_a_key_gone_from_an_s3_bucket_is_named_by_its_url(s3_server: S3Server, s3_bucket: str) -> None:
    """s3fs names a missing key 'bucket/key'; the error names the URL the stage was given."""
    staging = f"s3://{s3_bucket}/staging"
    features = f"{staging}/{RUN}_orders.parquet"
    store = Store(staging, storage_options=s3_server.storage_options)

    with pytest.raises(MissingInput, match="run extract again") as caught:
        train(features_uri=features, staging=store, name="orders", run_id=RUN)

    assert caught.value.uri == features
