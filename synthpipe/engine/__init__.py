"""The synthesizer: the product's own value.

``Synthesizer(seed=0).fit(data)`` learns a table autoregressively over discretised columns;
``sample(n)`` / ``sample_chunks(n)`` generate rows; ``save(url)`` / ``Synthesizer.load(url)``
move a portable, pickle-free artifact through any fsspec store.

Names are imported lazily: a DAG file that checks a run's engine settings against
``synthpipe.engine.config`` at parse time took 4.5 s to import the whole engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synthpipe.engine.config import EngineConfig
    from synthpipe.engine.synthesizer import Synthesizer

_EXPORTS = {"EngineConfig": "synthpipe.engine.config", "Synthesizer": "synthpipe.engine.synthesizer"}

__all__ = ["EngineConfig", "Synthesizer"]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'synthpipe.engine' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
