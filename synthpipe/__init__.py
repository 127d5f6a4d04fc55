"""synthpipe: put a synthetic copy in front of any SQL query.

    from synthpipe import extract, synthesize, load, run_pipeline, Synthesizer, evaluate

One keyword-only function per stage (``extract`` → ``train``/``generate``/``evaluate``
(chained by ``synthesize``) → ``load``), the engine (``Synthesizer``), the report
(``evaluate``) and ``run_pipeline`` for a YAML spec. Names are imported lazily so that
``import synthpipe`` stays cheap and never pulls optional extras.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "GateFailed": "synthpipe.errors",
    "Gates": "synthpipe.report",
    "PipelineSpec": "synthpipe.spec",
    "Report": "synthpipe.report",
    "StageError": "synthpipe.errors",
    "Store": "synthpipe.stores",
    "SynthpipeError": "synthpipe.errors",
    "Synthesizer": "synthpipe.engine",
    "evaluate": "synthpipe.report",
    "extract": "synthpipe.extract",
    "generate": "synthpipe.synthesize",
    "load": "synthpipe.load",
    "run_pipeline": "synthpipe.pipeline",
    "synthesize": "synthpipe.synthesize",
    "train": "synthpipe.synthesize",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'synthpipe' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
