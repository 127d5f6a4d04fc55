"""Object stores through fsspec: local folders, ``memory://``, ``s3://`` and anything fsspec knows.

Why a class of our own: every write must be atomic (a reader never sees a half-written
object, a retried task never leaves a partial one behind) and every store failure must
become a typed error that names the store without leaking its credentials.
"""

from __future__ import annotations

import contextlib
import errno
import posixpath
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import fsspec
from fsspec.core import url_to_fs

from synthpipe.errors import (
    MissingDependency,
    StoreAuthError,
    StoreError,
    StoreNotWritable,
    StoreUnreachable,
)
from synthpipe.redaction import scrub

T = TypeVar("T")

_PROTOCOL_PACKAGES = {"s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3"), "gs": ("gcsfs", "gcs")}
# whole words only: a bare "403" also turns up inside temp-key UUIDs and port numbers
_AUTH_MARKERS = re.compile(r"\b(InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|Forbidden|403)\b")
_UNREACHABLE_MARKERS = (
    "Could not connect",
    "Connection refused",
    "ConnectTimeout",
    "EndpointConnectionError",
    "Name or service not known",
    "Cannot connect to host",
)
TEMP_PREFIX = ".tmp-"


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (safe for logs, errors and reports)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


class Store:
    """A folder on some fsspec filesystem that synthpipe reads and writes keys in.

    Args:
        url: ``/local/dir``, ``file:///dir``, ``memory://name``, ``s3://bucket/prefix`` ...
        storage_options: passed to fsspec (e.g. ``{"endpoint_url": ..., "key": ..., "secret": ...}``
            for an S3-compatible server). Never logged.
    """

    def __init__(self, url: str, *, storage_options: dict[str, Any] | None = None) -> None:
        self.url = url.rstrip("/") or url
        self._storage_options = dict(storage_options or {})
        self.fs, self.root = _open_filesystem(self.url, self._storage_options)

    def __repr__(self) -> str:
        return f"Store({redact_url(self.url)!r})"

    @property
    def storage_options(self) -> dict[str, Any]:
        """The options this store was opened with (contains secrets: never log them)."""
        return dict(self._storage_options)

    def path(self, key: str) -> str:
        """The filesystem path of ``key`` (no protocol)."""
        return posixpath.join(self.root, key) if key else self.root

    def uri(self, key: str) -> str:
        """The full URL of ``key``, as a user would type it."""
        return f"{self.url}/{key}" if key else self.url

    def exists(self, key: str) -> bool:
        return self._call(f"check {key}", lambda: self.fs.exists(self.path(key)))

    def list(self, prefix: str = "") -> list[str]:
        """Keys directly under the store's root that start with ``prefix`` (temp objects excluded)."""

        def names() -> list[str]:
            if not self.fs.exists(self.root):
                return []
            entries = self.fs.ls(self.root, detail=False)
            return sorted(posixpath.basename(str(e).rstrip("/")) for e in entries)

        return [k for k in self._call("list", names) if k.startswith(prefix) and not k.startswith(TEMP_PREFIX)]

    def read_bytes(self, key: str) -> bytes:
        return self._call(f"read {key}", lambda: self.fs.cat_file(self.path(key)))

    def open(self, key: str, mode: str = "rb") -> IO[Any]:
        """Open ``key`` for reading (writes go through :meth:`atomic_writer`)."""
        return self._call(f"open {key}", lambda: self.fs.open(self.path(key), mode))

    def write_bytes(self, key: str, data: bytes) -> str:
        """Write ``data`` to ``key`` atomically; returns the key's URL."""
        with self.atomic_writer(key) as handle:
            handle.write(data)
        return self.uri(key)

    @contextlib.contextmanager
    def atomic_writer(self, key: str) -> Iterator[IO[bytes]]:
        """A binary handle whose content appears at ``key`` only if the block succeeds.

        The data goes to a sibling temp object first, then is moved onto ``key``; on any
        failure the temp object is removed and ``key`` keeps its previous content (or
        stays absent), so a retried run converges on the same keys.
        """
        temp = self.path(f"{TEMP_PREFIX}{uuid.uuid4().hex}-{posixpath.basename(key)}")
        target = self.path(key)
        self._call(f"prepare {key}", lambda: self._ensure_parent(target))
        self._sweep_stale_temps(target)
        try:
            raw = self._call(f"write {key}", lambda: self.fs.open(temp, "wb"))
            handle = _TranslatedHandle(raw, self, f"write {key}")
            try:
                yield handle  # type: ignore[misc]
            except BaseException:
                _abandon(raw)
                raise
            handle.close()  # remote stores upload on close: its failures are store errors too
            self._call(f"commit {key}", lambda: self._commit(temp, target))
        except BaseException:
            with contextlib.suppress(Exception):
                if self.fs.exists(temp):
                    self.fs.rm(temp)
            raise

    def delete(self, key: str) -> None:
        """Remove ``key`` (a file or a folder of files) if it exists."""

        def remove() -> None:
            if self.fs.exists(self.path(key)):
                self.fs.rm(self.path(key), recursive=True)

        self._call(f"delete {key}", remove)

    def check_writable(self) -> None:
        """Fail early, with a typed error, when the store cannot take writes."""
        self.write_bytes(f"{TEMP_PREFIX}probe", b"ok")
        self.delete(f"{TEMP_PREFIX}probe")

    def _sweep_stale_temps(self, target: str) -> None:
        """Remove temp objects of ``target`` that a killed earlier attempt left behind (best effort).

        Keys are run-scoped, so such temps can only come from an earlier attempt of the same run;
        a still-running duplicate attempt would then fail its commit rather than publish.
        """
        stale = re.compile(rf"^{re.escape(TEMP_PREFIX)}[0-9a-f]{{32}}-{re.escape(posixpath.basename(target))}$")
        with contextlib.suppress(Exception):
            for entry in self.fs.ls(posixpath.dirname(target), detail=False):
                if stale.match(posixpath.basename(str(entry).rstrip("/"))):
                    self.fs.rm(str(entry))

    def _ensure_parent(self, target: str) -> None:
        parent = posixpath.dirname(target)
        if getattr(self.fs, "protocol", None) in ("file", ("file", "local")) or _is_local(self.fs):
            self.fs.makedirs(parent, exist_ok=True)

    def _commit(self, temp: str, target: str) -> None:
        if self.fs.isdir(target):
            self.fs.rm(target, recursive=True)
        self.fs.mv(temp, target)

    def _call(self, action: str, fn: Callable[[], T], *, attempts: int = 3) -> T:
        """Run ``fn``, retrying transient failures, and turn any failure into a typed StoreError."""
        for attempt in range(attempts):
            try:
                return fn()
            except Exception as exc:
                error = translate_store_error(exc, action=action, store=self)
                if not error.transient or attempt == attempts - 1:
                    raise error from exc
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")


class _TranslatedHandle:
    """A write handle whose own failures (disk full, connection lost, refused credentials) are StoreErrors.

    Only the handle's calls are translated: an error raised by the caller's code between
    writes (say, the source dropping its connection) passes through untouched.
    """

    def __init__(self, raw: IO[bytes], store: Store, action: str) -> None:
        self._raw, self._store, self._action = raw, store, action

    def write(self, data: Any) -> int:
        return self._translated(lambda: self._raw.write(data))

    def flush(self) -> None:
        self._translated(self._raw.flush)

    def close(self) -> None:
        if not self._raw.closed:
            self._translated(self._raw.close)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def _translated(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except Exception as exc:
            raise translate_store_error(exc, action=self._action, store=self._store) from exc


def _abandon(raw: IO[bytes]) -> None:
    """Drop a half-written temp object without uploading it (fsspec buffered files can discard)."""
    discard = getattr(raw, "discard", None)
    with contextlib.suppress(Exception):
        if callable(discard):
            discard()
    with contextlib.suppress(Exception):
        raw.close()


def _is_local(fs: fsspec.AbstractFileSystem) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)
    return "file" in protocol or "local" in protocol


def _open_filesystem(url: str, options: dict[str, Any]) -> tuple[fsspec.AbstractFileSystem, str]:
    protocol = urlsplit(url).scheme if "://" in url else "file"
    try:
        fs, root = url_to_fs(url, **options)
    except ImportError as exc:
        package, extra = _PROTOCOL_PACKAGES.get(protocol, (protocol, protocol))
        raise MissingDependency(package=package, extra=extra, purpose=f"the '{protocol}://' store") from exc
    except ValueError as exc:
        raise StoreError(
            f"cannot open store {redact_url(url)!r}: {exc}; use a local folder, memory:// or s3://bucket/prefix",
            url=redact_url(url),
        ) from exc
    return fs, str(root).rstrip("/") or str(root)


def translate_store_error(exc: BaseException, *, action: str, store: Store) -> StoreError:
    """Map an fsspec/botocore/OS failure onto synthpipe's store errors, with an actionable message."""
    if isinstance(exc, StoreError):
        return exc
    where = redact_url(store.url)
    text = scrub(f"{type(exc).__name__}: {exc}")
    # s3fs re-raises botocore's ClientError as a bare PermissionError: the error code is on the cause
    causes = f"{text} {type(exc.__cause__).__name__}: {exc.__cause__}" if exc.__cause__ else text
    if _AUTH_MARKERS.search(causes) and not isinstance(exc, FileNotFoundError):
        return StoreAuthError(
            f"store {where} refused the credentials while trying to {action}; "
            "check the access key and secret (or the Airflow connection)",
            url=where,
        )
    if any(marker in text for marker in _UNREACHABLE_MARKERS) or isinstance(exc, ConnectionError):
        return StoreUnreachable(
            f"store {where} is unreachable while trying to {action}; check the endpoint URL and "
            "that the server is running",
            url=where,
        )
    if isinstance(exc, FileNotFoundError) and ("NoSuchBucket" in text or "bucket" in text.lower()):
        return StoreNotWritable(
            f"store {where}: the bucket does not exist (while trying to {action}); create it first",
            url=where,
        )
    if isinstance(exc, PermissionError | IsADirectoryError | NotADirectoryError) or (
        isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.ENOSPC, errno.EDQUOT)
    ):
        return StoreNotWritable(
            f"store {where} is not writable while trying to {action} ({type(exc).__name__}: "
            f"{exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}); "
            "pick a folder or bucket you can write to, or free some space",
            url=where,
        )
    return StoreError(f"store {where} failed to {action}: {text}", url=where)
