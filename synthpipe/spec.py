"""The pipeline spec: one YAML file names the query, the source, the stores, the engine and the gates.

Validated once, here, at the edge (pydantic); the CLI and the Airflow hook only build
these objects. ``${VAR}`` in any string is read from the environment when the spec is
loaded, so passwords live in the environment, never in the file; a value substituted into the
``user:password@`` part of a URL is percent-encoded there, so a password may hold any character.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

from synthpipe.errors import ConfigError, SynthpipeError
from synthpipe.privacy import PrivacyFilters
from synthpipe.redaction import remember_secret
from synthpipe.report import Gates
from synthpipe.stores import Store, is_secret_option
from synthpipe.workspace import DatasetName, default_name, warn_if_renamed
from synthpipe.writers import TableFormat

_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_URL_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?P<authority>[^/?#]*)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceSpec(_Strict):
    url: str = Field(description="SQLAlchemy URL of the source database, e.g. postgresql://user:${PGPASSWORD}@host/db")


class StoreSpec(_Strict):
    url: str = Field(description="folder or bucket URL: ./out, s3://bucket/prefix, memory://name")
    format: TableFormat = Field("parquet", description="file format of the tables written here")
    storage_options: dict[str, Any] = Field(
        default_factory=dict, description="fsspec options, e.g. {endpoint_url: ..., key: ${KEY}, secret: ${SECRET}}"
    )

    @field_validator("url")
    @classmethod
    def _not_empty(cls, url: str) -> str:
        """Why: ``destination: {url: ""}`` was accepted and published into the current folder."""
        if not url.strip():
            raise PydanticCustomError(
                "empty_url", "is empty; give a folder or bucket URL (./out, s3://bucket/prefix) or leave it out"
            )
        return url

    @model_validator(mode="after")
    def _opens(self) -> StoreSpec:
        """Open the store (no network call) so a bad URL or option fails when the spec is loaded.

        Why: ``destination: {url: "gs://b/p"}`` without gcsfs, an unknown scheme or a misspelt
        S3 option was only found by the load stage, after the query had run and the model trained."""
        try:
            self.store()
        except SynthpipeError as exc:
            raise PydanticCustomError("store", "{reason}", {"reason": str(exc)}) from None
        return self

    def store(self) -> Store:
        return Store(self.url, storage_options=self.storage_options)


class SynthesisSpec(_Strict):
    rows: int | None = Field(None, ge=1, description="rows to generate; default: as many as the query returned")
    seed: int = Field(0, description="the same seed gives the same split, model and synthetic rows")
    holdout_fraction: float = Field(0.2, gt=0, lt=1, description="rows kept out of training to check privacy")
    shards: int = Field(1, ge=1, description="generation shards (Airflow fans them out)")
    target: str | None = Field(None, description="column for the ML-utility check; default: picked automatically")
    engine: dict[str, Any] = Field(default_factory=dict, description="keyword settings for synthpipe.Synthesizer")
    privacy: PrivacyFilters = Field(default_factory=PrivacyFilters, description="post-generation privacy filters")


class PipelineSpec(_Strict):
    """Everything one pipeline run needs; swapping ``query`` is enough to front another query."""

    query: Path = Field(description="the .sql file; relative paths resolve from the spec file's folder")
    name: DatasetName | None = Field(
        None,
        description="data set name used in keys; default: the SQL file's stem made key-safe (Über.sql: Uber, "
        "daily report.sql: daily_report, model_train.sql: model-train, see workspace.default_name)",
    )
    source: SourceSpec
    staging: StoreSpec = Field(default_factory=lambda: StoreSpec(url="./synthpipe-output/staging"))
    destination: StoreSpec = Field(default_factory=lambda: StoreSpec(url="./synthpipe-output/synthetic", format="csv"))
    synthesis: SynthesisSpec = Field(default_factory=SynthesisSpec)
    gates: Gates = Field(default_factory=Gates)

    @property
    def dataset_name(self) -> str:
        return self.name or default_name(self.query)

    @model_validator(mode="after")
    def _say_renamed(self) -> PipelineSpec:
        """Warn, once, when the SQL file's stem could not be the name as it is (``model_train.sql``
        gives ``model-train``): the published keys are not the ones its file name suggests."""
        if self.name is None:
            warn_if_renamed(self.query)
        return self

    @classmethod
    def from_yaml(cls, path: str | Path) -> PipelineSpec:
        """Load, expand ``${VAR}`` from the environment, resolve the query path and validate."""
        spec_path = Path(path)
        if not spec_path.is_file():
            raise ConfigError(f"spec file {str(spec_path)!r} not found; pass the path of a pipeline YAML")
        try:
            raw = yaml.safe_load(spec_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"spec file {str(spec_path)!r} is not valid YAML: {exc}") from exc
        spec = cls.from_dict(expand_env(raw))
        if not spec.query.is_absolute():
            spec = spec.model_copy(update={"query": (spec_path.parent / spec.query).resolve()})
        return spec

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PipelineSpec:
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"invalid pipeline spec: {problems}") from None


def expand_env(value: Any, *, secret: bool = False) -> Any:
    """Replace ``${VAR}`` in every string of a parsed YAML tree; a missing variable is an error.

    A value read under a secret-named key (``storage_options: {secret: ${S3_SECRET}}``) is
    scrubbed from every error message from then on, as a URL's password is."""
    if isinstance(value, dict):
        return {key: expand_env(item, secret=secret or is_secret_option(key)) for key, item in value.items()}
    if isinstance(value, list):
        return [expand_env(item, secret=secret) for item in value]
    if isinstance(value, str):
        return _expand_string(value, secret=secret)
    return value


def _expand_string(text: str, *, secret: bool = False) -> str:
    """``text`` with its ``${VAR}`` replaced; in a URL's ``user:password@`` part, percent-encoded.

    Why: ``postgresql://app:${PW}@127.0.0.1:1/app`` with PW ``abc@TopSecretTail``, substituted raw,
    made the URL's host ``TopSecretTail@127.0.0.1``: the wrong host was dialled and the error message
    showed the password's tail. Encoded, SQLAlchemy decodes it back to the whole password."""
    start, end = _userinfo_span(text)
    separator = text.find(":", start, end)

    def substitute(match: re.Match[str]) -> str:
        value = _lookup(match)
        if secret:
            remember_secret(value)
        if not start <= match.start() < end:
            return value
        if separator < 0:  # ${CREDENTIALS}@host: the value is user:password, its first ':' the separator
            remember_secret(value.partition(":")[2])
            return quote(value, safe=":")
        if match.start() > separator:
            remember_secret(value)
        return quote(value, safe="")

    return _ENV_REFERENCE.sub(substitute, text)


def _userinfo_span(template: str) -> tuple[int, int]:
    """Where the ``user:password`` part of a URL template is, found before substitution (a value's own
    ``@`` cannot move it); ``(0, 0)`` when ``template`` is not a URL with one."""
    match = _URL_AUTHORITY.match(template)
    if match is None or "@" not in match.group("authority"):
        return 0, 0
    return match.start("authority"), match.start("authority") + match.group("authority").rfind("@")


def _lookup(match: re.Match[str]) -> str:
    name = match.group(1)
    if name not in os.environ:
        raise ConfigError(f"the spec refers to ${{{name}}} but that environment variable is not set; export it")
    return os.environ[name]
