"""Single-threaded BLAS for the engine's small matrices.

Why: these matmuls are small (a few hundred columns); on a busy 2-core box OpenBLAS
thread hand-offs made training 5-10x and sampling 20x slower than one thread.
``threadpoolctl`` ships with scikit-learn (a core dependency); without it we simply run
with the default thread count.
"""

from __future__ import annotations

import contextlib
from typing import Any


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS uses one thread (a no-op when threadpoolctl is missing)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")
