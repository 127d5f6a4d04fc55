"""The synthesizer: the product's own value.

``Synthesizer(seed=0).fit(data)`` learns a table autoregressively over discretised columns;
``sample(n)`` / ``sample_chunks(n)`` generate rows; ``save(url)`` / ``Synthesizer.load(url)``
move a portable, pickle-free artifact through any fsspec store.
"""

from synthpipe.engine.config import EngineConfig
from synthpipe.engine.synthesizer import Synthesizer

__all__ = ["EngineConfig", "Synthesizer"]
