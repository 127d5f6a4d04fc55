"""The ``synthpipe`` command line: one command per stage, plus ``run`` and ``demo``.

Commands only parse options, build the core's config objects and call the same stage
functions the Python API and the Airflow tasks call; errors become one red line and a
non-zero exit code, never a traceback full of internals (or secrets).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from synthpipe.errors import GateFailed, SynthpipeError
from synthpipe.redaction import scrub

app = typer.Typer(help="Put a synthetic copy in front of any SQL query.", no_args_is_help=True, add_completion=False)
# Not a terminal (CI logs, `| tee`): rich would wrap at 80 columns and split the output paths of the
# summary table across lines; COLUMNS, when set, still wins.
console = Console(width=None if sys.stdout.isatty() or "COLUMNS" in os.environ else 140)
notices = Console(stderr=True, width=None if sys.stderr.isatty() or "COLUMNS" in os.environ else 140)
F = TypeVar("F", bound=Callable[..., Any])

RunId = Annotated[str | None, typer.Option(help="run id that scopes every key; default: the current UTC time")]
Staging = Annotated[str, typer.Option(help="staging folder or bucket URL")]
Name = Annotated[str, typer.Option(help="data set name used in keys")]
KeyRunId = Annotated[str, typer.Option(help="run id used in keys")]
Seed = Annotated[int, typer.Option(help="the same seed gives the same output")]


def friendly_errors(command: F) -> F:
    """Show synthpipe's typed errors as one actionable line and exit non-zero.

    The message is scrubbed of the passwords the spec substituted (a last line of defence) and
    escaped: rich read it as markup, so a SQL error quoting ``'[/x]'`` crashed with a
    MarkupError and ``pip install "synthpipe[oracle]"`` was printed as ``"synthpipe"``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _show_logged_warnings()
        try:
            return command(*args, **kwargs)
        except SynthpipeError as exc:
            gate = failed_gate(exc)
            if gate is not None:
                console.print(f"[bold red]gate failed:[/] {escape(scrub(str(gate)))}")
                raise typer.Exit(3) from None
            console.print(f"[bold red]error:[/] {escape(scrub(str(exc)))}")
            raise typer.Exit(2 if not exc.transient else 75) from None

    return wrapper  # type: ignore[return-value]


class _WarningLine(logging.Handler):
    """A warning synthpipe logs (a query without ORDER BY whose rows repeat a key) as one
    ``warning:`` line on stderr, when it happens.

    Why: with no handler, Python printed the bare message at extract, and ``run``'s summary printed
    it again below the table; now it is said once, at the stage that found it (also when a later
    stage fails, where no summary follows), and stdout keeps only the result (extract's JSON)."""

    def emit(self, record: logging.LogRecord) -> None:
        notices.print(f"[yellow]warning:[/] {escape(scrub(record.getMessage()))}", soft_wrap=True, highlight=False)


def _show_logged_warnings() -> None:
    logger = logging.getLogger("synthpipe")
    if not any(isinstance(handler, _WarningLine) for handler in logger.handlers):
        logger.addHandler(_WarningLine(logging.WARNING))


def failed_gate(error: SynthpipeError) -> GateFailed | None:
    """The failed gate behind ``error``, itself or the cause of a stage's error.

    Why the cause: run_pipeline re-raises a failed gate as the synthesize stage's StageError, so
    ``synthpipe run`` exited 2 like any error where ``evaluate`` exits 3, as the README says."""
    cause = error if isinstance(error, GateFailed) else error.__cause__
    return cause if isinstance(cause, GateFailed) else None


@contextlib.contextmanager
def progress_bars() -> Iterator[Callable[[str, float], None]]:
    """A rich progress bar per engine step (fit, generate, ...), fed by the core's callback."""
    with Progress(TextColumn("{task.description:>10}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeElapsedColumn(), console=console, transient=True) as bars:  # fmt: skip
        tasks: dict[str, TaskID] = {}

        def report(step: str, fraction: float) -> None:
            if step not in tasks:
                for earlier in tasks.values():  # a new step means the earlier ones are over (e.g. early stopping)
                    bars.update(earlier, completed=1.0)
                tasks[step] = bars.add_task(step, total=1.0)
            bars.update(tasks[step], completed=min(max(fraction, 0.0), 1.0))

        yield report


@app.command("demo-data")
@friendly_errors
def demo_data(
    url: Annotated[str, typer.Option(help="database URL")] = "duckdb:///synthpipe-output/airbnb.duckdb",
    users: Annotated[int, typer.Option(help="number of users (213451 = the public data set's size)")] = 20_000,
    seed: Annotated[int, typer.Option(help="the same seed writes the same rows")] = 0,
) -> None:
    """Write the seeded Airbnb-style demo database (users, sessions) to DuckDB, PostgreSQL or SQLite."""
    from synthpipe.demo import write_demo_database

    with console.status(f"writing {users:,} users and their sessions"):
        written = write_demo_database(url, users=users, seed=seed)
    console.print(f"wrote {written.users:,} users and {written.sessions:,} sessions to {written.url}", markup=False)


@app.command()
@friendly_errors
def demo(
    out: Annotated[Path, typer.Option(help="folder for the database, staging and synthetic output")] = Path(
        "synthpipe-output"
    ),
    users: Annotated[int, typer.Option(help="number of demo users")] = 20_000,
    seed: Annotated[int, typer.Option(help="seed for the data and the engine")] = 0,
    run_id: Annotated[str, typer.Option(help="run id that scopes every key")] = "demo",
) -> None:
    """Build the demo database and run the whole pipeline on embedded defaults (DuckDB + a folder)."""
    from synthpipe.demo import QUERY_FILE, write_demo_database
    from synthpipe.spec import PipelineSpec

    database = f"duckdb:///{(out / 'airbnb.duckdb').resolve()}"
    with console.status(f"building the demo database ({users:,} users)"):
        written = write_demo_database(database, users=users, seed=seed)
    console.print(f"demo database: {written.users:,} users, {written.sessions:,} sessions in {out / 'airbnb.duckdb'}",
                  markup=False)  # fmt: skip
    spec = PipelineSpec.from_dict({
        "query": str(QUERY_FILE), "name": "booking_features", "source": {"url": database},
        "staging": {"url": str((out / "staging").resolve())},
        "destination": {"url": str((out / "synthetic").resolve()), "format": "csv"},
        "synthesis": {"seed": seed},
    })  # fmt: skip
    _run_and_show(spec, run_id)


@app.command()
@friendly_errors
def run(
    spec_file: Annotated[Path, typer.Argument(metavar="SPEC", help="pipeline spec (YAML)")],
    run_id: RunId = None,
) -> None:
    """Run extract → synthesize → load as the spec says; exit 3 when a gate fails."""
    from synthpipe.spec import PipelineSpec

    _run_and_show(PipelineSpec.from_yaml(spec_file), run_id)


def _run_and_show(spec: Any, run_id: str | None) -> None:
    from synthpipe.pipeline import run_pipeline

    with progress_bars() as progress:
        result = run_pipeline(spec, run_id=run_id, progress=progress,
                              on_stage=lambda name: console.print(f"[bold]{name}[/] ..."))  # fmt: skip
    evaluation = result.synthesize.evaluation
    table = Table(title=f"run {result.run_id}: done in {result.seconds:.1f} s", show_header=False)
    table.add_column("what", no_wrap=True)
    table.add_column("where / value", overflow="fold")  # full paths: a person must be able to copy them
    table.add_row("staged features", f"{escape(result.extract.uri)}  ({result.extract.rows:,} rows)")
    table.add_row("model", escape(result.synthesize.model_uri))
    order = f", ORDER BY {', '.join(result.load.order_by)}" if result.load.order_by else ""
    table.add_row("synthetic data", f"{escape(result.load.uri)}  ({result.load.rows:,} rows{escape(order)})")
    for uri in result.load.report_uris:
        table.add_row("report", escape(uri))
    table.add_row("quality", _quality_line(evaluation.quality_score, evaluation.quality_grade))
    table.add_row("privacy", _privacy_line(evaluation))
    console.print(table)
    for warning in filter_warnings(result.synthesize):  # extract's warnings were shown as it found them
        console.print(f"[yellow]warning:[/] {escape(warning)}", soft_wrap=True, highlight=False)
    # The two paths people open next, unwrapped so they can be copied whatever the terminal width.
    console.print(f"synthetic data: {result.load.uri}", soft_wrap=True, highlight=False, markup=False)
    console.print(f"report:         {result.load.report_uris[0] if result.load.report_uris else '-'}",
                  soft_wrap=True, highlight=False, markup=False)  # fmt: skip


HEAVY_FILTERING = 0.5  # share of the generated rows the privacy filters may drop before the CLI says so


def filter_warnings(synthesized: Any) -> list[str]:
    """A warning when the privacy filters dropped most generated rows: the rows kept are then the
    ones the filters could not judge near a training row, which reshapes the columns (a table whose
    every column followed its row number had 84-86% of its rows dropped, and infinities came back
    at 3.5x their real rate)."""
    dropped = int(synthesized.filtered_rows)
    # every row judged: refill rows past the count asked for were neither kept nor dropped
    generated = int(getattr(synthesized, "generated_rows", 0)) or int(synthesized.rows) + dropped
    if not generated or dropped <= HEAVY_FILTERING * generated:
        return []
    return [
        f"the privacy filters dropped {dropped:,} of {generated:,} generated rows ({dropped / generated:.0%}) "
        "as too near a training row or too far from all of them; the rows kept can over-represent what the "
        "filters cannot judge near (nulls, infinities, rare values); see the report's protections"
    ]


def _quality_line(score: float | None, grade: str) -> str:
    return f"{grade} (nothing to compare: every column is a key)" if score is None else f"{score:.1f} / 100 ({grade})"


def _privacy_line(evaluation: Any) -> str:
    parts = [f"grade {evaluation.privacy_grade}"]
    if evaluation.dcr_share is not None:
        parts.append(f"DCR share {evaluation.dcr_share:.3f} (0.5 ideal)")
    if evaluation.identical_share is not None:
        # rows equal on every column but the keys; real data repeats rows too, so say how often it does
        baseline = evaluation.identical_share_holdout
        own = f" (holdout's own {baseline:.2%})" if baseline is not None else ""
        parts.append(f"identical rows {evaluation.identical_share:.2%}{own}")
    if evaluation.mia_auc is not None:
        parts.append(f"membership-inference AUC {evaluation.mia_auc:.3f} (0.5 ideal)")
    return ", ".join(parts)


@app.command("extract")
@friendly_errors
def extract_command(
    query: Annotated[Path, typer.Option(help="the .sql file")],
    source: Annotated[str, typer.Option(help="SQLAlchemy URL of the source database")],
    staging: Staging = "synthpipe-output/staging",
    name: Annotated[str | None, typer.Option(help="data set name; default: the SQL file's stem")] = None,
    run_id: RunId = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
) -> None:
    """Run a SQL file against a source and stage the result."""
    from synthpipe.extract import extract
    from synthpipe.pipeline import new_run_id, stage
    from synthpipe.workspace import default_name, warn_if_renamed

    if name is None:
        warn_if_renamed(query)
    with stage("extract"):
        result = extract(query=query, source=source, staging=staging, name=name or default_name(query),
                         run_id=run_id or new_run_id(), fmt=fmt)  # type: ignore[arg-type]  # fmt: skip
    console.print_json(result.model_dump_json())


@app.command("train")
@friendly_errors
def train_command(
    features: Annotated[str, typer.Option(help="staged features (Parquet or CSV URL)")],
    name: Name,
    run_id: KeyRunId,
    staging: Staging = "synthpipe-output/staging",
    seed: Seed = 0,
    holdout_fraction: float = 0.2,
    max_training_time: Annotated[float | None, typer.Option(help="seconds")] = None,
) -> None:
    """Split off a holdout, train the engine on the rest and save the model artifact."""
    from synthpipe.pipeline import stage
    from synthpipe.synthesize import train

    engine = {"max_training_time": max_training_time} if max_training_time else {}
    with stage("train"), progress_bars() as progress:
        result = train(features_uri=features, staging=staging, name=name, run_id=run_id, engine=engine,
                       holdout_fraction=holdout_fraction, seed=seed, progress=progress)  # fmt: skip
    console.print_json(result.model_dump_json())


@app.command("generate")
@friendly_errors
def generate_command(
    model: Annotated[str, typer.Option(help="model artifact URL (from train)")],
    rows: Annotated[int, typer.Option(help="rows to generate")],
    name: Name,
    run_id: KeyRunId,
    staging: Staging = "synthpipe-output/staging",
    shard: Annotated[int, typer.Option(help="which shard this is, 0-based")] = 0,
    shards: Annotated[int, typer.Option(help="how many shards share the rows")] = 1,
    seed: Seed = 0,
) -> None:
    """Generate one shard of synthetic rows from a saved model, privacy-filtered."""
    from synthpipe.pipeline import stage
    from synthpipe.synthesize import generate

    with stage("generate"), progress_bars() as progress:
        result = generate(model_uri=model, rows=rows, staging=staging, name=name, run_id=run_id,
                          shard=shard, shards=shards, seed=seed, progress=progress)  # fmt: skip
    console.print_json(result.model_dump_json())


def _gate_default(gate: str) -> float:
    """The pipeline's default threshold of ``gate``, shown in ``--help`` and used when it is not given.

    Why: these options defaulted to None, which switched the gate off, so ``synthpipe evaluate`` on a
    set of quality 4 and a DCR share of 1 exited 0 where ``synthpipe run`` stops it, and its report
    listed only the excess-identical gate."""
    from synthpipe.report.gates import Gates

    return float(Gates.model_fields[gate].default)


@app.command("evaluate")
@friendly_errors
def evaluate_command(
    real: Annotated[Path, typer.Option(help="the training rows (Parquet or CSV)")],
    synthetic: Annotated[Path, typer.Option(help="the synthetic rows (Parquet or CSV)")],
    holdout: Annotated[Path, typer.Option(help="real rows the model never saw (Parquet or CSV)")],
    out: Annotated[Path, typer.Option(help="folder for report.json and report.html")],
    target: Annotated[str | None, typer.Option(help="column for the ML-utility check")] = None,
    min_quality: Annotated[float, typer.Option(help="gate: minimum quality score 0-100")] = _gate_default(
        "min_quality"
    ),
    max_dcr_share: Annotated[float, typer.Option(help="gate: maximum DCR share")] = _gate_default("max_dcr_share"),
    max_identical_share: Annotated[float | None, typer.Option(help="gate: maximum identical-row share")] = None,
    max_mia_auc: Annotated[float, typer.Option(help="gate: maximum membership-inference AUC")] = _gate_default(
        "max_mia_auc"
    ),
) -> None:
    """Write the quality & privacy report for any three tables; exit 3 when a gate fails."""
    from synthpipe.pipeline import stage
    from synthpipe.report import Gates, evaluate, with_gates
    from synthpipe.writers import read_table

    gates = Gates(min_quality=min_quality, max_dcr_share=max_dcr_share,
                  max_identical_share=max_identical_share, max_mia_auc=max_mia_auc)  # fmt: skip
    with stage("evaluate"):  # not the gates' verdict below: a failed gate exits 3, not as a stage failure
        frames = [read_table(str(path)).to_pandas() for path in (real, synthetic, holdout)]
        with console.status("evaluating"):
            report = with_gates(evaluate(real=frames[0], synthetic=frames[1], holdout=frames[2], target=target), gates)
        out.mkdir(parents=True, exist_ok=True)
        (out / "report.json").write_text(report.to_json())
        (out / "report.html").write_text(report.to_html())
    console.print(f"quality {_quality_line(report.quality.score, report.quality.grade)}, "
                  f"privacy {report.privacy.grade}; report: {out / 'report.html'}", markup=False)  # fmt: skip
    failures = [gate for gate in report.gates if not gate.passed]
    if failures:
        raise GateFailed("; ".join(f.message for f in failures), failures=[f.model_dump() for f in failures])


@app.command("load")
@friendly_errors
def load_command(
    synthetic: Annotated[list[str], typer.Option(help="staged synthetic shard(s), in order")],
    destination: Annotated[str, typer.Option(help="destination folder or bucket URL")],
    name: Name,
    run_id: KeyRunId,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet")] = "csv",
    report: Annotated[list[str] | None, typer.Option(help="report file(s) to publish beside the data")] = None,
) -> None:
    """Publish synthetic rows (and their report) to the destination, atomically."""
    from synthpipe.load import load
    from synthpipe.pipeline import stage

    with stage("load"):
        result = load(synthetic_uris=synthetic, destination=destination, name=name, run_id=run_id,
                      fmt=fmt, report_uris=report or [])  # type: ignore[arg-type]  # fmt: skip
    console.print(json.dumps(result.model_dump(), indent=2), markup=False)


if __name__ == "__main__":
    app()
