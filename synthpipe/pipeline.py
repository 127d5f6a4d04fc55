"""``run_pipeline``: extract → synthesize → load, chained. No logic of its own beyond the chaining.

Each stage's failure is re-raised once, here, as a ``StageError`` that names the stage,
``from`` the typed cause, so a person sees where it broke and a retry loop sees whether
trying again can help.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from synthpipe.errors import StageError, SynthpipeError
from synthpipe.extract import ExtractResult, extract
from synthpipe.load import LoadResult, load
from synthpipe.spec import PipelineSpec
from synthpipe.synthesize import Progress, SynthesizeResult, synthesize


class PipelineResult(BaseModel):
    run_id: str
    extract: ExtractResult
    synthesize: SynthesizeResult
    load: LoadResult
    seconds: float


def new_run_id() -> str:
    """A sortable, key-safe run id (UTC time to the second)."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    """Re-raise any failure inside as a ``StageError`` naming stage ``name``, ``from`` the cause.

    The per-stage CLI commands use it too: without it a missing input file printed a traceback."""
    try:
        yield
    except SynthpipeError as exc:
        raise StageError(f"{name} failed: {exc}", stage=name, transient=exc.transient) from exc
    except FileNotFoundError as exc:
        missing = exc.filename if exc.filename is not None else str(exc)
        raise StageError(
            f"{name} failed: input file {str(missing)!r} not found; pass the path or URI an earlier stage printed",
            stage=name,
        ) from exc
    except Exception as exc:
        raise StageError(f"{name} failed unexpectedly: {type(exc).__name__}: {exc}", stage=name) from exc


def run_pipeline(
    spec: PipelineSpec,
    *,
    run_id: str | None = None,
    progress: Progress | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Run the three stages of ``spec``; rerunning a run id rewrites the same keys."""
    started = time.perf_counter()
    run_id = run_id or new_run_id()
    staging = spec.staging.store()
    common: dict[str, Any] = {"name": spec.dataset_name, "run_id": run_id}
    announce = on_stage or (lambda _name: None)
    with stage("extract"):
        announce("extract")
        extracted = extract(query=spec.query, source=spec.source.url, staging=staging,
                            fmt=spec.staging.format, **common)  # fmt: skip
    with stage("synthesize"):
        announce("synthesize")
        s = spec.synthesis
        synthesized = synthesize(features_uri=extracted.uri, staging=staging, rows=s.rows, engine=s.engine,
                                 holdout_fraction=s.holdout_fraction, seed=s.seed, privacy=s.privacy,
                                 gates=spec.gates, target=s.target, progress=progress, **common)  # fmt: skip
    with stage("load"):
        announce("load")
        evaluation = synthesized.evaluation
        loaded = load(synthetic_uris=synthesized.synthetic_uris, destination=spec.destination.store(),
                      fmt=spec.destination.format, staging_options=staging.storage_options,
                      report_uris=[evaluation.report_html_uri, evaluation.report_json_uri], **common)  # fmt: skip
    return PipelineResult(run_id=run_id, extract=extracted, synthesize=synthesized, load=loaded,
                          seconds=round(time.perf_counter() - started, 3))  # fmt: skip
