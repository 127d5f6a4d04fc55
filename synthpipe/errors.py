"""Every error synthpipe raises on purpose.

One root, typed leaves; each message names the problem and the fix. Leaves keep
their inputs as attributes so callers (the CLI, Airflow tasks) can act on them,
and they pickle, so they survive Airflow's process boundaries.

    SynthpipeError
    ├── ConfigError                 bad spec, option or argument
    │   └── MissingDependency       an optional package is not installed
    ├── SourceError                 the database side
    │   ├── SourceUnreachable       (transient)
    │   ├── SourceAuthError
    │   ├── QueryError              bad SQL / missing SQL file
    │   └── EmptyResult
    ├── StoreError                  the object-store side
    │   ├── StoreUnreachable        (transient)
    │   ├── StoreAuthError
    │   ├── StoreNotWritable
    │   └── MissingInput            a staged file a stage reads is not there
    ├── SchemaError                 a column type synthpipe cannot handle
    ├── ModelError                  training, sampling, artifact problems
    │   └── ArtifactError           tampered / incompatible model artifact
    ├── GateFailed                  the report failed a configured gate
    └── StageError                  wraps any of the above at a stage boundary
"""

from __future__ import annotations

from typing import Any


class SynthpipeError(Exception):
    """Root of synthpipe's errors. ``transient`` tells a retry loop whether to try again."""

    transient: bool = False

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.context))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[SynthpipeError], message: str, context: dict[str, Any]) -> SynthpipeError:
    err = cls.__new__(cls)
    SynthpipeError.__init__(err, message, **context)
    err.__dict__.update(context)
    return err


class ConfigError(SynthpipeError):
    """A spec, option or argument is invalid; the message says which and what is allowed."""


class MissingDependency(ConfigError):
    """An optional package is needed; the message carries the exact pip command: synthpipe's extra
    that brings it, or the package itself where synthpipe has no extra for it (``extra=None``: gcsfs
    for ``gs://``; naming an extra that does not exist makes pip install nothing, with a warning)."""

    def __init__(self, *, package: str, extra: str | None, purpose: str) -> None:
        self.package, self.extra, self.purpose = package, extra, purpose
        command = f'pip install "synthpipe[{extra}]"' if extra else f"pip install {package}"
        super().__init__(
            f"{purpose} needs the '{package}' package, which is not installed; install it with: {command}",
            package=package,
            extra=extra,
            purpose=purpose,
        )


class SourceError(SynthpipeError):
    """Something went wrong on the database side."""


class SourceUnreachable(SourceError):
    transient = True


class SourceAuthError(SourceError):
    pass


class QueryError(SourceError):
    """The SQL file is missing or the database rejected the query."""


class EmptyResult(SourceError):
    """The query returned no rows: there is nothing to learn from."""


class StoreError(SynthpipeError):
    """Something went wrong on the object-store side."""


class StoreUnreachable(StoreError):
    transient = True


class StoreAuthError(StoreError):
    pass


class StoreNotWritable(StoreError):
    pass


class MissingInput(StoreError):
    """A staged file a stage reads is not there (cleaned up, or never written for this run id);
    ``uri`` names it and ``written_by`` the stage to rerun (None when the file is not a key of the
    run). Not transient: a retry reads the same missing file."""

    def __init__(self, message: str, *, uri: str, stage: str, written_by: str | None) -> None:
        self.uri, self.stage, self.written_by = uri, stage, written_by
        super().__init__(message, uri=uri, stage=stage, written_by=written_by)


class SchemaError(SynthpipeError):
    """A column has a type synthpipe cannot model; the message names the column and the fix."""


class ModelError(SynthpipeError):
    """Training or sampling failed."""


class ArtifactError(ModelError):
    """A model artifact is missing, tampered with or from an incompatible version."""


class GateFailed(SynthpipeError):
    """The synthetic set failed a quality or privacy gate; nothing was published."""

    def __init__(self, message: str, *, failures: list[dict[str, Any]] | None = None) -> None:
        self.failures = failures or []
        super().__init__(message, failures=self.failures)


class StageError(SynthpipeError):
    """A pipeline stage failed; ``stage`` names it and ``__cause__`` holds the reason."""

    def __init__(self, message: str, *, stage: str, transient: bool = False) -> None:
        self.stage = stage
        self.transient = transient
        super().__init__(message, stage=stage, transient=transient)
