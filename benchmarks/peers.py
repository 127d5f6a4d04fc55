"""Synthesizer registry: synthpipe and the open peers, each behind the same tiny interface.

Adding a peer = one `Peer(...)` entry in `PEERS`: a `build(seed, quick)` returning an object with
`fit(df)` and `sample(n) -> DataFrame`, plus an optional `skip_reason()`. Builders run inside the
child process (benchmarks.child), so heavy imports (torch, SDV) never touch the parent's memory.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

QUICK_CTGAN_EPOCHS = 30  # quick mode only; the table labels the row with the cap
# Quick mode only, labelled in the table: TabularARGN's default fit takes 3-13 min per dataset on
# this 2-core box (PROTOCOL.md), which alone would break bench-quick's 10-minute budget.
QUICK_ARGN_MINUTES = 2.0


class Fitted(Protocol):
    """What the child needs from any synthesizer."""

    def fit(self, df: pd.DataFrame) -> Any: ...

    def sample(self, n: int) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Peer:
    """One synthesizer entry."""

    name: str
    build: Callable[[int, bool], Fitted]  # (seed, quick) -> unfitted synthesizer
    skip_reason: Callable[[], str | None] = field(default=lambda: None)
    label: Callable[[bool], str] | None = None  # table label; may depend on quick mode
    version: Callable[[], str] = field(default=lambda: "0")  # keys --resume records to the code that made them
    slow: bool = False  # runs after every fast synthesizer has covered all datasets and seeds

    def display(self, quick: bool) -> str:
        """Row label in the table (e.g. says when epochs were capped)."""
        return self.label(quick) if self.label else self.name


# --- synthpipe ---------------------------------------------------------------------------------


def _synthpipe_skip() -> str | None:
    """Until the engine exposes `Synthesizer` its row is skipped, loudly, not failed."""
    try:
        import synthpipe.engine as engine
    except Exception as exc:  # any import failure is a skip with its reason, not a crash
        return f"synthpipe.engine does not import ({type(exc).__name__}: {exc})"
    if not hasattr(engine, "Synthesizer"):
        return "synthpipe.engine has no Synthesizer yet"
    return None


def _synthpipe_version() -> str:
    """A hash of the engine's source: any engine change invalidates synthpipe's resumable records."""
    import synthpipe.engine as engine
    from benchmarks.datasets import package_version

    return package_version(engine)


def _package_version(dist: str) -> Callable[[], str]:
    """A peer's installed package version (or "absent")."""

    def version() -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "absent"

    return version


def _synthpipe(seed: int, quick: bool) -> Fitted:
    from synthpipe.engine import Synthesizer

    return Synthesizer(seed=seed)


# --- mostlyai-engine ---------------------------------------------------------------------------


class _ARGN:
    """TabularARGN with defaults; a private workspace dir so parallel runs never share state."""

    def __init__(self, seed: int, quick: bool) -> None:
        import tempfile

        from mostlyai.engine import TabularARGN

        self._tmp = tempfile.TemporaryDirectory(prefix="argn-")
        cap = {"max_training_time": QUICK_ARGN_MINUTES} if quick else {}
        self.model = TabularARGN(workspace_dir=self._tmp.name, random_state=seed, verbose=0, **cap)

    def fit(self, df: pd.DataFrame) -> Any:
        return self.model.fit(df)

    def sample(self, n: int) -> pd.DataFrame:
        return self.model.sample(n_samples=n)


def _module_skip(module: str) -> Callable[[], str | None]:
    """Skip reason when a peer's package is not installed (outside .venv-bench)."""

    def check() -> str | None:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            return f"{module} not installed (run inside .venv-bench: make bench-venv)"
        return None

    return check


# --- SDV ---------------------------------------------------------------------------------------


class _SDV:
    """SDV single-table synthesizers with metadata from the shared sdtype rule."""

    TABLE = "table"

    def __init__(self, cls_name: str, **kwargs: Any) -> None:
        self.cls_name, self.kwargs = cls_name, kwargs
        self.model: Any = None

    def fit(self, df: pd.DataFrame) -> Any:
        import sdv.single_table as st
        from sdv.metadata import Metadata

        from benchmarks.metadata import sdtypes

        cols = {c: {"sdtype": t} for c, t in sdtypes(df).items()}
        meta = Metadata.load_from_dict({"tables": {self.TABLE: {"columns": cols}}})
        self.model = getattr(st, self.cls_name)(meta, **self.kwargs)
        return self.model.fit({self.TABLE: df})  # SDV 2.0 takes a dict even for one table

    def sample(self, n: int) -> pd.DataFrame:
        out = self.model.sample(num_rows=n)
        return out[self.TABLE] if isinstance(out, dict) else out


def _ctgan(seed: int, quick: bool) -> Fitted:
    return _SDV("CTGANSynthesizer", **({"epochs": QUICK_CTGAN_EPOCHS} if quick else {}))


PEERS: dict[str, Peer] = {
    p.name: p
    for p in [
        Peer("synthpipe", _synthpipe, _synthpipe_skip, version=_synthpipe_version),
        Peer(
            "TabularARGN",
            _ARGN,
            _module_skip("mostlyai.engine"),
            lambda q: f"TabularARGN (fit ≤ {QUICK_ARGN_MINUTES:g} min)" if q else "TabularARGN",
            _package_version("mostlyai-engine"),
        ),
        Peer(
            "GaussianCopula",
            lambda s, q: _SDV("GaussianCopulaSynthesizer"),
            _module_skip("sdv"),
            version=_package_version("sdv"),
        ),
        Peer(
            "TVAE",
            lambda s, q: _SDV("TVAESynthesizer"),
            _module_skip("sdv"),
            version=_package_version("sdv"),
            slow=True,
        ),
        Peer(
            "CTGAN",
            _ctgan,
            _module_skip("sdv"),
            lambda q: f"CTGAN ({QUICK_CTGAN_EPOCHS} epochs)" if q else "CTGAN",
            _package_version("sdv"),
            slow=True,
        ),
    ]
}
