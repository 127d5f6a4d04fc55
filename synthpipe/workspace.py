"""The run-scoped workspace: the one place that knows every key a run reads or writes.

Keys are ``<run_id>_<name><tag>.<ext>`` so that a rerun of the same run id lands on the same keys
(retries converge) and other runs and data sets write other keys. A name may not end in a tag that
goes before ``.parquet`` (``_train``, ``_holdout``, ``_synthetic``), or ``orders_train``'s features
would be ``orders``' train split: with that rule no two names of one run id share a key.

Run ids and names are joined by ``_``, which both may hold, so run ``a_b`` of name ``c`` and run
``a`` of name ``b_c`` would still share keys. That takes a run id that is another one plus ``_<x>``
and a name that starts with ``<x>_``: Airflow's ``manual__<time>_<random>`` is ``manual__<time>``
plus a random tail no name starts with, and ``new_run_id`` gives ``<time>Z``. So the layout users
and docs rely on (``<run_id>_<name>_synthetic.csv``) is kept rather than made unambiguous.
"""

from __future__ import annotations

import functools
import logging
import posixpath
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from synthpipe.errors import ConfigError, MissingInput
from synthpipe.stores import Store

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:+\-]*$")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9._:+\-]+")
# What a key adds to ``<run_id>_<name>`` before ``.parquet`` or ``.csv``, an ending which a features
# key has too: a name that ends in one has its features at another, shorter name's key. (``_model``,
# ``_report`` and ``.schema`` end their keys otherwise: ``daily_report.parquet`` is no key of ``daily``.)
_TAG = re.compile(r"_(train|holdout|synthetic(\.part-\d+-of-\d+)?)$")


def check_key_part(value: str, *, what: str) -> str:
    """Run ids and names become parts of object keys: no slashes, spaces or leading dots."""
    if not _SAFE.match(value):
        raise ConfigError(
            f"invalid {what}={value!r}; use letters, digits and . _ : + - (no slashes or spaces)",
            value=value,
        )
    return value


def check_name(name: str) -> str:
    """A data set name that is key-safe and does not end in a key's tag.

    Why: in one run (two Airflow DAGs share ``scheduled__<date>``) ``orders_train``'s features
    were ``<run>_orders_train.parquet``, ``orders``' train split: each overwrote the other's staged
    rows and ``orders_train``'s model was trained on ``orders``."""
    check_key_part(name, what="name")
    tag = _TAG.search(name)
    if tag is not None:
        raise ConfigError(
            f"invalid name={name!r}: <run_id>_{name}.parquet, its staged rows, is a key of data set "
            f"{name[: tag.start()]!r} too; choose a name that does not end in _train, _holdout or _synthetic, "
            f"e.g. {_untagged(name)!r}",
            value=name,
        )
    return name


def _as_pydantic_error(name: str) -> str:
    try:
        return check_name(name)
    except ConfigError as exc:
        raise PydanticCustomError("invalid_name", "{reason}", {"reason": str(exc)}) from None


DatasetName = Annotated[str, AfterValidator(_as_pydantic_error)]
"""A spec or DAG setting's ``name``: checked when the file is loaded, not when a stage first uses it."""


def key_safe_stem(query: str | Path) -> str:
    """A SQL file's stem with accents dropped and each run of characters a key cannot hold made ``_``
    (``daily report.sql`` -> ``daily_report``, ``Über.sql`` -> ``Uber``).

    Why: the bare stem was refused as ``invalid name='daily report'`` although nobody had named it,
    and ``Über.sql`` lost its first letter (``ber``)."""
    decomposed = unicodedata.normalize("NFKD", Path(query).stem)
    unaccented = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _UNSAFE_RUN.sub("_", unaccented).lstrip("._:+-") or "query"


def default_name(query: str | Path) -> str:
    """The data set name a SQL file gives when none is set: its :func:`key_safe_stem`, with the
    ``_`` of a tag it ends in made ``-`` (``model_train.sql`` -> ``model-train``), so that
    a new query still needs nothing but its SQL file; :func:`renamed_notice` says so."""
    return _untagged(key_safe_stem(query))


def renamed_notice(query: str | Path) -> str | None:
    """What a run says when :func:`default_name` is not the file's stem as a key holds it."""
    stem = key_safe_stem(query)
    tag = _TAG.search(stem)
    if tag is None:
        return None
    return (
        f"data set name {_untagged(stem)!r} (from {Path(query).name}): {stem!r} would share keys with data set "
        f"{stem[: tag.start()]!r}, which ends them in {tag.group()!r}; set name: to choose another"
    )


def warn_if_renamed(query: str | Path) -> None:
    """Log :func:`renamed_notice`, if any, where a run picks its default name (once per run)."""
    notice = renamed_notice(query)
    if notice:
        log.warning(notice)


def _untagged(name: str) -> str:
    tag = _TAG.search(name)
    return name if tag is None else f"{name[: tag.start()]}-{tag.group()[1:]}"


def as_store(store: Store | str, storage_options: dict[str, Any] | None = None) -> Store:
    return store if isinstance(store, Store) else Store(store, storage_options=storage_options)


class RunKeys:
    """Keys of one run of one data set, on whichever store holds them."""

    def __init__(self, *, name: str, run_id: str) -> None:
        self.name = check_name(name)
        self.run_id = check_key_part(run_id, what="run_id")

    @property
    def prefix(self) -> str:
        return f"{self.run_id}_{self.name}"

    def features_key(self, fmt: str) -> str:
        return f"{self.prefix}.{fmt}"

    def schema_key(self) -> str:
        return f"{self.prefix}.schema.json"

    def train_key(self) -> str:
        return f"{self.prefix}_train.parquet"

    def holdout_key(self) -> str:
        return f"{self.prefix}_holdout.parquet"

    def model_key(self) -> str:
        return f"{self.prefix}_model"

    def shard_key(self, shard: int, shards: int) -> str:
        return f"{self.prefix}_synthetic.part-{shard:05d}-of-{shards:05d}.parquet"

    def filters_key(self, shard: int, shards: int) -> str:
        """The privacy filters' summary for one shard, read back by evaluate for the report."""
        return self.shard_key(shard, shards).removesuffix(".parquet") + ".filters.json"

    def synthetic_key(self, fmt: str) -> str:
        return f"{self.prefix}_synthetic.{fmt}"

    def report_key(self, ext: str) -> str:
        return f"{self.prefix}_report.{ext}"

    def written_by(self, key: str) -> str | None:
        """The stage that writes ``key`` in this run; None for a key that is not one of the run's."""
        if key in (self.features_key("parquet"), self.features_key("csv"), self.schema_key()):
            return "extract"
        if key in (self.train_key(), self.holdout_key(), self.model_key()):
            return "train"
        if key.startswith(f"{self.prefix}_synthetic.part-"):
            return "generate"
        return "evaluate" if key in (self.report_key("html"), self.report_key("json")) else None

    def missing_input(self, missing: FileNotFoundError, *, stage: str) -> MissingInput:
        """The typed error for a staged file ``stage`` reads that is not there, naming the stage to rerun."""
        uri = str(missing.filename if missing.filename is not None else missing)
        writer = self.written_by(posixpath.basename(uri.rstrip("/")))
        if writer is None:
            fix = "pass the URI the earlier stage returned, or run that stage again if its output was removed since"
        else:
            fix = (
                f"{writer} writes it for run {self.run_id}; run {writer} again for this run (in Airflow: clear the "
                f"task that runs {writer}, with its downstream tasks). The staging store may have been cleaned up "
                f"between {writer} and {stage}"
            )
        message = f"the staged file {uri!r} that {stage} reads is not there; {fix}"
        return MissingInput(message, uri=uri, stage=stage, written_by=writer)


class Workspace(RunKeys):
    """Keys of one run of one data set on one store."""

    def __init__(self, store: Store | str, *, name: str, run_id: str) -> None:
        super().__init__(name=name, run_id=run_id)
        self.store = as_store(store)

    def uri(self, key: str) -> str:
        return self.store.uri(key)


def reads_staged_files(stage: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a keyword-only stage (with ``name`` and ``run_id``) raise :class:`MissingInput` when a
    staged file it reads is not there, naming the file and the stage that writes it.

    Why: an Airflow ``train`` task whose staged features had been cleaned up after extract wrote
    them failed with a bare ``FileNotFoundError``, which Airflow retried, twice, to the same end;
    it named neither the stage that writes the file nor that rerunning it is the fix."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except FileNotFoundError as exc:
                keys = RunKeys(name=str(kwargs["name"]), run_id=str(kwargs["run_id"]))
                raise keys.missing_input(exc, stage=stage) from exc

        return wrapper

    return decorate
