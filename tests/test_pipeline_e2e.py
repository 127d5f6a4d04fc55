"""The demo pipeline end to end: extract → synthesize → load, on embedded sources and on real S3."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from synthpipe.cli import app
from synthpipe.demo import QUERY_FILE, write_demo_database
from synthpipe.engine import Synthesizer
from synthpipe.errors import GateFailed, StageError, StoreNotWritable
from synthpipe.pipeline import PipelineResult, run_pipeline
from synthpipe.spec import PipelineSpec
from synthpipe.writers import read_table
from tests.servers import S3Server

USERS = 1500
FAST_ENGINE: dict[str, Any] = {}


def demo_spec(source: str, root: Path, **overrides: Any) -> PipelineSpec:
    raw: dict[str, Any] = {
        "query": str(QUERY_FILE),
        "name": "booking_features",
        "source": {"url": source},
        "staging": {"url": str(root / "staging")},
        "destination": {"url": str(root / "synthetic"), "format": "csv"},
        "synthesis": {"seed": 1, "engine": FAST_ENGINE},
        "gates": {"min_quality": 40, "max_dcr_share": 0.7, "max_mia_auc": 0.7},
    }
    raw.update(overrides)
    return PipelineSpec.from_dict(raw)


@pytest.fixture(scope="module")
def duckdb_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('src') / 'demo.duckdb'}"
    write_demo_database(url, users=USERS, seed=2)
    return url


@pytest.fixture(scope="module")
def duckdb_run(duckdb_source: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[PipelineResult, Path]:
    root = tmp_path_factory.mktemp("run")
    return run_pipeline(demo_spec(duckdb_source, root), run_id="run-1"), root


def assert_published(result: PipelineResult, root: Path) -> None:
    synthetic_file = root / "synthetic" / "run-1_booking_features_synthetic.csv"
    assert result.load.uri == str(synthetic_file)
    synthetic = pacsv.read_csv(synthetic_file)
    staged = read_table(result.extract.uri)
    assert synthetic.column_names == staged.column_names
    assert synthetic.num_rows == staged.num_rows == result.extract.rows
    for report in ("run-1_booking_features_report.html", "run-1_booking_features_report.json"):
        assert (root / "synthetic" / report).stat().st_size > 0
    assert not [p.name for p in (root / "synthetic").iterdir() if p.name.startswith(".tmp-")]


def test_demo_pipeline_on_duckdb_publishes_synthetic_rows_and_report(duckdb_run: tuple[PipelineResult, Path]) -> None:
    result, root = duckdb_run
    assert_published(result, root)
    assert (root / "staging" / "run-1_booking_features.parquet").exists()
    assert 0 <= result.synthesize.evaluation.quality_score <= 100


def test_synthetic_rows_keep_the_logical_relations(duckdb_run: tuple[PipelineResult, Path]) -> None:
    result, _root = duckdb_run
    rows = read_table(result.load.uri).to_pandas()
    kept = rows.dropna(subset=["min_session_time_seconds", "avg_session_time_seconds", "max_session_time_seconds"])
    in_order = (kept.min_session_time_seconds <= kept.avg_session_time_seconds) & (
        kept.avg_session_time_seconds <= kept.max_session_time_seconds
    )
    assert in_order.mean() >= 0.99
    assert (rows.number_of_unique_actions <= rows.number_of_actions_taken).mean() >= 0.99


def test_rerun_of_a_run_id_rewrites_the_same_keys_with_the_same_bytes(
    duckdb_run: tuple[PipelineResult, Path], duckdb_source: str
) -> None:
    first, root = duckdb_run
    before = {p.name: p.read_bytes() for p in (root / "synthetic").iterdir() if p.suffix == ".csv"}
    again = run_pipeline(demo_spec(duckdb_source, root), run_id="run-1")
    after = {p.name: p.read_bytes() for p in (root / "synthetic").iterdir() if p.suffix == ".csv"}
    assert again.load.uri == first.load.uri
    assert after == before


def test_demo_pipeline_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    write_demo_database(url, users=USERS, seed=2)
    result = run_pipeline(demo_spec(url, tmp_path), run_id="run-1")
    assert_published(result, tmp_path)
    # SQLite hands dates over as text; they are learned as dates and written back as dates
    # (a CSV column that reads as date32), not as a few kept days and the rare token.
    synthetic = pacsv.read_csv(result.load.uri)
    assert synthetic.schema.field("date_account_created").type == pa.date32()
    assert pc.count_distinct(synthetic["date_account_created"]).as_py() > 100


def test_unwritable_destination_fails_in_load_and_publishes_nothing(duckdb_source: str, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    spec = demo_spec(duckdb_source, tmp_path, destination={"url": str(blocker / "out"), "format": "csv"})
    with pytest.raises(StageError) as caught:
        run_pipeline(spec, run_id="run-1")
    assert caught.value.stage == "load"
    assert isinstance(caught.value.__cause__, StoreNotWritable)


def test_failing_gate_stops_before_load(duckdb_source: str, tmp_path: Path) -> None:
    spec = demo_spec(duckdb_source, tmp_path, gates={"min_quality": 100})
    with pytest.raises(StageError) as caught:
        run_pipeline(spec, run_id="run-1")
    assert caught.value.stage == "synthesize"
    assert isinstance(caught.value.__cause__, GateFailed)
    assert "min_quality" in str(caught.value)
    assert "set min_quality under gates: in the pipeline spec" in str(caught.value)  # how to publish anyway
    assert "max_epochs" not in str(caught.value)  # training less is no remedy for quality
    assert not (tmp_path / "synthetic").exists() or not list((tmp_path / "synthetic").iterdir())
    assert (tmp_path / "staging" / "run-1_booking_features_report.html").exists()
    written = json.loads((tmp_path / "staging" / "run-1_booking_features_report.json").read_text())
    assert {g["gate"]: g["passed"] for g in written["gates"]}["min_quality"] is False


def test_cli_demo_prints_where_everything_is(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(app, ["demo", "--users", "800", "--out", str(tmp_path), "--run-id", "cli"])
    assert outcome.exit_code == 0, outcome.output
    for label in ("staged features", "synthetic data", "report", "quality", "privacy"):
        assert label in outcome.output
    assert (tmp_path / "synthetic" / "cli_booking_features_synthetic.csv").exists()
    # the share of rows found in train comes with the real rows' own share, its baseline
    assert re.search(r"identical rows \d+\.\d\d% \(holdout's own \d+\.\d\d%\)", " ".join(outcome.output.split()))


@pytest.mark.integration
def test_pipeline_with_staging_and_destination_on_s3(duckdb_source: str, s3_server: S3Server, s3_bucket: str) -> None:
    options = s3_server.storage_options
    spec = demo_spec(
        duckdb_source,
        Path("unused"),
        staging={"url": f"s3://{s3_bucket}/staging", "format": "csv", "storage_options": options},
        destination={"url": f"s3://{s3_bucket}/synthetic", "format": "csv", "storage_options": options},
    )
    result = run_pipeline(spec, run_id="run-1")
    assert result.extract.uri == f"s3://{s3_bucket}/staging/run-1_booking_features.csv"
    assert result.load.uri == f"s3://{s3_bucket}/synthetic/run-1_booking_features_synthetic.csv"
    synthetic = read_table(result.load.uri, storage_options=options)
    assert synthetic.num_rows == result.extract.rows
    import s3fs

    keys = s3fs.S3FileSystem(**options).ls(f"{s3_bucket}/synthetic")
    assert sorted(k.rsplit("/", 1)[1] for k in keys) == [
        "run-1_booking_features_report.html",
        "run-1_booking_features_report.json",
        "run-1_booking_features_synthetic.csv",
    ]


def test_a_per_user_actions_query_comes_back_as_users(duckdb_source: str, tmp_path: Path) -> None:
    """The second example query (examples/airbnb/actions__per_user.sql): rows of users, each
    user's actions numbered 1, 2, ...; the model numbers its users' actions 1, 2, ... (the privacy
    filters then drop single rows: gaps, never a repeat) and the report judges privacy per user."""
    query = Path(__file__).parents[1] / "examples" / "airbnb" / "actions__per_user.sql"
    result = run_pipeline(demo_spec(duckdb_source, tmp_path, query=str(query), name="user_actions"), run_id="run-1")
    assert not result.extract.warnings
    report = json.loads(Path(result.load.report_uris[-1]).read_text())
    entities = report["privacy"]["protections"]["engine"]["entities"]
    assert entities["key"] == "user_id" and entities["sequence_columns"] == {"action_number": 1}
    assert set(entities["shared_columns"]) == {"gender", "age"}
    assert 0.3 < report["privacy"]["dcr_share_entities"] < 0.7
    published = pacsv.read_csv(result.load.uri).to_pandas()
    assert not published.duplicated(["user_id", "action_number"]).any()  # the privacy filters may leave gaps
    sampled = Synthesizer.load(result.synthesize.model_uri).sample(5000).to_pandas()  # fitted on Arrow
    numbers = sampled.groupby("user_id")["action_number"]
    assert (
        (numbers.min() == 1).all()
        and (numbers.max() == numbers.size()).all()
        and (numbers.nunique() == numbers.size()).all()
    )


def test_a_group_by_query_comes_back_one_row_per_combination(duckdb_source: str, tmp_path: Path) -> None:
    """The third example query (examples/airbnb/sessions__by_action.sql): sessions rolled up per
    action type, detail and device. Each combination is one row of the synthetic copy too (rare
    values merged as _RARE_ stand for several and may repeat), and the privacy filters judged the
    rows without the labels."""
    query = Path(__file__).parents[1] / "examples" / "airbnb" / "sessions__by_action.sql"
    result = run_pipeline(demo_spec(duckdb_source, tmp_path, query=str(query), name="by_action"), run_id="run-1")
    labels = ["action_type", "action_detail", "device_type"]
    report = json.loads(Path(result.load.report_uris[-1]).read_text())
    protections = report["privacy"]["protections"]
    assert f"{' x '.join(labels)}: one row per combination at most" in protections["engine"]["constraints"]
    assert protections["privacy_filters"]["left_out_of_distances"] == labels
    published = pacsv.read_csv(result.load.uri).to_pandas()
    exact = published[~published[labels].isin(["_RARE_"]).any(axis=1)]
    assert len(published) == result.extract.rows and not exact[labels].astype(str).duplicated().any()


def test_rows_returned_in_another_order_give_the_same_synthetic_rows_and_report(
    duckdb_source: str, tmp_path: Path
) -> None:
    """The same seed gives the same synthetic rows however the database orders the query's rows
    (here shuffled on each run): the split, the training sample and the order the engine learns
    in, the privacy filters' reference rows and the report's samples are set by the rows' values."""
    query = tmp_path / "shuffled.sql"
    query.write_text(QUERY_FILE.read_text().replace("ORDER BY u.id", "ORDER BY random()"))
    runs = [run_pipeline(demo_spec(duckdb_source, tmp_path / run, query=str(query)), run_id=run) for run in ("a", "b")]
    staged = [read_table(run.extract.uri).to_pandas() for run in runs]
    assert not staged[0].equals(staged[1]) and staged[0].sort_values("user_id").reset_index(drop=True).equals(
        staged[1].sort_values("user_id").reset_index(drop=True)
    )
    published = [Path(run.load.uri).read_bytes() for run in runs]
    assert published[0] == published[1]
    reports = [json.loads(Path(run.load.report_uris[-1]).read_text()) for run in runs]
    assert without_timings(reports[0]) == without_timings(reports[1])


def without_timings(report: Any) -> Any:
    """The report without its clock readings (when it was made, how long steps took)."""
    if isinstance(report, dict):
        return {k: without_timings(v) for k, v in report.items() if k not in {"created_at", "seconds", "fit_seconds"}}
    return [without_timings(v) for v in report] if isinstance(report, list) else report
