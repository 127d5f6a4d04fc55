"""Object stores through fsspec: local folders, ``memory://``, ``s3://`` and anything fsspec knows.

Why a class of our own: every write must be atomic (a reader never sees a half-written
object, a retried task never leaves a partial one behind) and every store failure must
become a typed error that names the store without leaking its credentials.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import functools
import hashlib
import inspect
import os
import posixpath
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import IO, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import fsspec
from fsspec.core import url_to_fs
from fsspec.registry import known_implementations

from synthpipe.errors import (
    ConfigError,
    MissingDependency,
    StoreAuthError,
    StoreError,
    StoreNotWritable,
    StoreUnreachable,
)
from synthpipe.redaction import MIN_SECRET_LENGTH, scrub

T = TypeVar("T")

_EXTRAS = {"s3": ("s3fs", "s3"), "s3a": ("s3fs", "s3")}
"""Protocols synthpipe has a pip extra for: (package, extra)."""
_PACKAGES = {"gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs", "abfss": "adlfs", "adl": "adlfs",
             "sftp": "paramiko", "smb": "smbprotocol", "oci": "ocifs", "oss": "ossfs", "webdav": "webdav4"}  # fmt: skip
"""Protocols whose fsspec package is installed on its own: the pip package that brings it."""
_BUCKET_PROTOCOLS = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})
"""Object stores whose URL is ``scheme://bucket/prefix`` and whose keys are taken literally."""
_S3_BASE_OPTIONS = frozenset({"use_listings_cache", "listings_expiry_time", "max_paths", "skip_instance_cache"})
"""Options s3fs hands on to fsspec (the rest of its ``**kwargs`` go to aiobotocore's session)."""
_SECRET_OPTION = re.compile(r"key|secret|password|token|credential", re.IGNORECASE)
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
STALE_TEMP_SECONDS = 3600
"""A temp object of another machine's attempt is taken for abandoned once unmodified this long."""
_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
"""This machine, as the temp objects of its attempts name it (hashed: a key shows no host name)."""


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
        self.url = _without_trailing_slash(url)
        self._storage_options = dict(storage_options or {})
        _check_url(self.url)
        _check_options(_protocol(self.url), self._storage_options)
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
        if not key:
            return self.url
        return f"{self.url}{'' if self.url.endswith('/') else '/'}{key}"

    def secrets(self) -> list[str]:
        """The secret values among the storage options, to scrub from any message about this store."""
        return _secret_values(self._storage_options)

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

    @contextlib.contextmanager
    def reader(self, key: str) -> Iterator[IO[bytes]]:
        """``key`` open for reading, its failures StoreErrors mid-stream too; a missing key stays a
        FileNotFoundError (the stages tell the user which earlier output to pass)."""
        action = f"read {key}"
        try:
            raw = self.fs.open(self.path(key), "rb")
        except Exception as exc:
            error = translate_store_error(exc, action=action, store=self)
            if isinstance(exc, FileNotFoundError) and not isinstance(error, StoreNotWritable):
                raise
            raise error from exc
        with raw:
            yield _TranslatedHandle(raw, self, action)  # type: ignore[misc]

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

        Two live attempts may write one key at once (Airflow runs a zombie task and its retry
        side by side): each writes its own temp object, named after its machine and process, and
        each commit replaces ``key`` whole, so the later commit wins; a retried stage writes the
        same content, so either way ``key`` ends up as one attempt wrote it.
        """
        temp = self.path(f"{TEMP_PREFIX}{_HOST}.{os.getpid()}-{uuid.uuid4().hex}-{posixpath.basename(key)}")
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

        Keys are run-scoped, so such temps can only come from another attempt of the same run, but
        that attempt may still be running. Why only abandoned ones: every temp was swept, so a
        second attempt started while the first was mid-write removed the first's temp object, and
        the first failed with "failed to commit ...: No such file or directory".
        """
        temps = re.compile(
            rf"^{re.escape(TEMP_PREFIX)}(?:(?P<host>[0-9a-f]{{8}})\.(?P<pid>\d+)-)?[0-9a-f]{{32}}-"
            rf"{re.escape(posixpath.basename(target))}$"
        )
        with contextlib.suppress(Exception):
            for entry in self.fs.ls(posixpath.dirname(target), detail=True):
                found = temps.match(posixpath.basename(str(entry["name"]).rstrip("/")))
                if found and _abandoned(found, entry):
                    self.fs.rm(str(entry["name"]))

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
    """A handle whose own failures (disk full, connection lost, refused credentials) are StoreErrors.

    Only the handle's calls are translated: an error raised by the caller's code between
    writes or reads (say, the source dropping its connection) passes through untouched.
    """

    def __init__(self, raw: IO[bytes], store: Store, action: str) -> None:
        self._raw, self._store, self._action = raw, store, action

    def write(self, data: Any) -> int:
        return self._translated(lambda: self._raw.write(data))

    def flush(self) -> None:
        self._translated(self._raw.flush)

    def read(self, size: int = -1) -> bytes:
        return self._translated(lambda: self._raw.read(size))

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._translated(lambda: self._raw.seek(offset, whence))

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


@contextlib.contextmanager
def open_uri(uri: str, storage_options: dict[str, Any] | None = None) -> Iterator[IO[bytes]]:
    """``uri`` (a staged file's URL) open for reading through a :class:`Store` of its folder.

    Why: the stages read staged files with bare ``fsspec.open``; a staging server down at load
    time was "load failed unexpectedly: EndpointConnectionError" (not transient, so no retry),
    refused credentials "PermissionError: Forbidden"; now StoreUnreachable and StoreAuthError."""
    folder, key = posixpath.split(uri)
    folder = folder + "/" if folder.endswith(":/") else folder  # file:///x.csv: the folder is file:///
    with contextlib.ExitStack() as opened:
        try:
            handle = opened.enter_context(Store(folder or ".", storage_options=storage_options).reader(key))
        except FileNotFoundError as exc:  # s3fs names 'bucket/key' only: the stages name the URI as given
            raise FileNotFoundError(errno.ENOENT, "no such staged file", redact_url(uri)) from exc
        yield handle


def _abandoned(temp: re.Match[str], info: dict[str, Any]) -> bool:
    """Whether a temp object's attempt is gone: its process, if of this machine, no longer runs;
    if of another machine (or unnamed), it was last modified more than STALE_TEMP_SECONDS ago (a
    live writer of a local file keeps touching it; an S3 temp appears only when whole)."""
    if temp["host"] == _HOST:
        return not _running(int(temp["pid"]))
    modified: Any = info.get("mtime", info.get("LastModified", info.get("created")))  # local, S3, memory
    seconds = modified.timestamp() if hasattr(modified, "timestamp") else modified
    return isinstance(seconds, int | float) and time.time() - seconds > STALE_TEMP_SECONDS


def _running(pid: int) -> bool:
    if pid <= 0:  # 0 and -1 would signal whole process groups: no attempt has such an id
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it runs
        return True
    return True


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


def _protocol(url: str) -> str:
    return urlsplit(url).scheme if "://" in url else "file"


def _without_trailing_slash(url: str) -> str:
    """``url`` without trailing slashes on its path, never eating into ``scheme://``.

    Why: ``"s3://".rstrip("/")`` is ``s3:``, a local folder: ``s3://``, ``memory://`` and
    ``file:///`` all wrote into ``./s3:``, ``./memory:`` or the current folder."""
    head, separator, rest = url.partition("://")
    if not separator:
        return url.rstrip("/") or url
    return f"{head}://{rest.rstrip('/') or rest[:1]}"


def _check_url(url: str) -> None:
    """Refuse store URLs that cannot work or would leak, before anything is read or written.

    Why: ``s3://KEY:SECRET@bucket/p`` put the secret into the error message (botocore took
    ``KEY:SECRET@bucket`` for the bucket name) and into every key's URL in the results;
    ``s3://`` and ``s3:///p`` got "The specified bucket is not valid" at the first write; and
    ``s3://b//p`` or ``s3://b/a/../p`` wrote where the server normalised the key (SeaweedFS, MinIO)
    and then could not read it back under the key it was asked for (or got "Invalid Request");
    and an empty URL (a run config's ``"staging": ""``) wrote into the worker's current folder."""
    if not url.strip():
        raise ConfigError("the store URL is empty; give a folder, file:///dir, memory://name or s3://bucket/prefix")
    if "://" not in url:
        return
    parts = urlsplit(url)
    protocol = parts.scheme.lower()
    # a secret with a '/' ends the netloc early: s3://KEY:wJalr/XUtn@bucket has no '@' in it
    if parts.password is not None or (protocol in _BUCKET_PROTOCOLS and ":" in parts.netloc):
        hidden = f"{parts.scheme}://***@{url.rpartition('@')[2]}"  # the user part is an access key: hidden too
        raise ConfigError(
            f"store URL {hidden!r} holds credentials; put them in storage_options instead "
            "(key: ${S3_KEY}, secret: ${S3_SECRET}), where no URL, log or report shows them",
            url=hidden,
        )
    if protocol not in _BUCKET_PROTOCOLS:
        return
    if not parts.netloc:
        raise ConfigError(
            f"store URL {url!r} names no bucket; write {protocol}://bucket or {protocol}://bucket/prefix", url=url
        )
    segments = parts.path.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments):
        clean = "/".join(segment for segment in segments if segment not in ("", ".", ".."))
        raise ConfigError(
            f"store URL {url!r} has an empty, '.' or '..' part in its prefix; object stores take keys "
            f"literally, so write the prefix out plainly (e.g. {protocol}://{parts.netloc}/{clean})",
            url=url,
        )


def _check_options(protocol: str, options: dict[str, Any]) -> None:
    """Refuse S3 options s3fs would only reject at the first write, after the query ran.

    Why: ``endpoint: ...`` for ``endpoint_url`` failed each stage with "AioSession.__init__() got
    an unexpected keyword argument 'endpoint'", and ``endpoint_url: 127.0.0.1:8333`` with "Invalid
    endpoint" (echoing the value, a secret when two variables were swapped)."""
    if protocol not in ("s3", "s3a"):
        return
    known = _s3_option_names()
    unknown = sorted(name for name in options if known and name not in known)
    if unknown:
        hints = {name: difflib.get_close_matches(name, sorted(known), n=1) for name in unknown}
        said = ", ".join(
            f"{name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") for name, hint in hints.items()
        )
        raise ConfigError(
            f"unknown storage option {said} for an s3:// store; the usual ones are endpoint_url, key, secret, "
            "token, anon, client_kwargs (region_name goes there) and config_kwargs; see s3fs.S3FileSystem",
            options=unknown,
        )
    endpoint = options.get("endpoint_url")
    if endpoint is not None and not _is_http_url(endpoint):
        raise ConfigError(
            "storage option endpoint_url is no http(s) URL; write it as http://host:port or https://host "
            "(credentials go in key and secret)",
            option="endpoint_url",
        )


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and "@" not in value


@functools.cache
def _s3_option_names() -> frozenset[str]:
    """The options s3fs takes (its own and aiobotocore's session's); empty when s3fs is missing."""
    try:
        from aiobotocore.session import AioSession
        from s3fs import S3FileSystem
    except ImportError:  # opening the store names the package to install
        return frozenset()
    return frozenset(_parameters(S3FileSystem.__init__) | _parameters(AioSession.__init__) | _S3_BASE_OPTIONS)


def _parameters(function: Callable[..., Any]) -> set[str]:
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in inspect.signature(function).parameters.values() if p.kind in named} - {"self"}


def is_secret_option(name: object) -> bool:
    """Whether a storage option of this name holds a secret (key, secret, token, password...)."""
    return bool(_SECRET_OPTION.search(str(name)))


def _secret_values(options: Any, *, secret: bool = False) -> list[str]:
    """Values of secret-named options (key, secret, token, password...), nested ones included, and
    passwords inside URL options (``endpoint_url: http://user:pw@host``)."""
    found: list[str] = []
    if isinstance(options, dict):
        for name, value in options.items():
            found += _secret_values(value, secret=secret or is_secret_option(name))
    elif isinstance(options, str):
        if secret:
            found.append(options)
        with contextlib.suppress(ValueError):
            password = urlsplit(options).password if "://" in options else None
            found += [password] if password else []
    return [value for value in found if len(value) >= MIN_SECRET_LENGTH]


def _open_filesystem(url: str, options: dict[str, Any]) -> tuple[fsspec.AbstractFileSystem, str]:
    protocol = _protocol(url)
    try:
        fs, root = url_to_fs(url, **options)
    except ImportError as exc:
        raise _missing_package(protocol) from exc
    except ValueError as exc:
        if "Protocol not known" in str(exc):
            raise _unknown_protocol(url) from exc
        raise _cannot_open(url, exc, options) from None
    except (TypeError, KeyError) as exc:  # s3fs: "Supply secret or password, not both"
        raise _cannot_open(url, exc, options) from None
    except OSError as exc:  # filesystems that connect at once (ftp://) or need more than a package (hdfs://)
        error = _cannot_open(url, exc, options)
        unreachable = isinstance(exc, ConnectionError | TimeoutError)
        raise (StoreUnreachable(str(error), url=redact_url(url)) if unreachable else error) from None
    return fs, str(root).rstrip("/") or str(root)


def _cannot_open(url: str, exc: BaseException, options: dict[str, Any]) -> ConfigError:
    first_line = (str(exc).splitlines() or [""])[0]  # hdfs:// without Java: one line per place it looked
    reason = scrub(f"{type(exc).__name__}: {first_line}", *_secret_values(options))
    return ConfigError(
        f"cannot open store {redact_url(url)!r} ({reason}); check the URL and its storage_options",
        url=redact_url(url),
    )


def _missing_package(protocol: str) -> ConfigError:
    """The exact pip command: synthpipe's extra where it has one, the fsspec package otherwise.

    Why: ``gs://`` said ``pip install "synthpipe[gcs]"`` and ``az://`` ``"synthpipe[az]"``,
    extras synthpipe does not have (pip installs nothing and only warns). Both are a
    MissingDependency, as a missing s3fs is: a caller that offers to install the package finds
    its name in ``package``."""
    purpose = f"the '{protocol}://' store"
    if protocol in _EXTRAS:
        return MissingDependency(package=_EXTRAS[protocol][0], extra=_EXTRAS[protocol][1], purpose=purpose)
    package = _PACKAGES.get(protocol)
    if package is None:
        hint = known_implementations.get(protocol, {}).get("err", "see fsspec's list of implementations")
        return ConfigError(f"{purpose} needs a package that is not installed: {hint}")
    return MissingDependency(package=package, extra=None, purpose=purpose)


def _unknown_protocol(url: str) -> ConfigError:
    protocol = url.partition("://")[0]
    lower = f"; write it in lower case: {protocol.lower()}://" if protocol != protocol.lower() else ""
    return ConfigError(
        f"cannot open store {redact_url(url)!r}: fsspec knows no '{protocol}://' filesystem{lower}; "
        "use a local folder, file://, memory://, s3://bucket/prefix or another fsspec protocol (gs://, az://)",
        url=redact_url(url),
    )


def translate_store_error(exc: BaseException, *, action: str, store: Store) -> StoreError:
    """Map an fsspec/botocore/OS failure onto synthpipe's store errors, with an actionable message.

    The store's own secrets are scrubbed from the text: botocore echoes option values
    (``Invalid endpoint: <value>``, ``Custom endpoint `http://user:pw@host` was not a valid URI``)."""
    if isinstance(exc, StoreError):
        return exc
    where = redact_url(store.url)
    text = scrub(f"{type(exc).__name__}: {exc}", *store.secrets())
    # s3fs re-raises botocore's ClientError as a bare PermissionError: the error code is on the cause
    causes = f"{text} {type(exc.__cause__).__name__}: {exc.__cause__}" if exc.__cause__ else text
    for match in (_auth_error, _unreachable_error, _bucket_error, _unwritable_error):
        error = match(exc, text, causes, where, action, store)
        if error is not None:
            return error
    return StoreError(f"store {where} failed to {action}: {text}", url=where)


def _auth_error(exc: BaseException, text: str, causes: str, where: str, action: str, store: Store) -> StoreError | None:
    if not _AUTH_MARKERS.search(causes) or isinstance(exc, FileNotFoundError):
        return None
    return StoreAuthError(
        f"store {where} refused the credentials while trying to {action}; "
        "check the access key and secret (or the Airflow connection)",
        url=where,
    )


def _unreachable_error(
    exc: BaseException, text: str, causes: str, where: str, action: str, store: Store
) -> StoreError | None:
    if not (any(marker in text for marker in _UNREACHABLE_MARKERS) or isinstance(exc, ConnectionError)):
        return None
    return StoreUnreachable(
        f"store {where} is unreachable while trying to {action}; check the endpoint URL and that the server is running",
        url=where,
    )


def _bucket_error(
    exc: BaseException, text: str, causes: str, where: str, action: str, store: Store
) -> StoreError | None:
    """A missing or misnamed bucket, named, with the fix.

    Why: ``s3://My_Bucket/p`` failed with "OSError: [Errno 22] The specified bucket is not valid",
    and an ``endpoint_url`` with a path (``http://host:8333/s3``), which the server reads as the
    bucket, with "the bucket does not exist" although the user's bucket did."""
    bucket, hint = store.root.split("/")[0], _endpoint_path_hint(store)
    if "InvalidBucketName" in causes or "bucket is not valid" in causes or "Invalid bucket name" in causes:
        return StoreNotWritable(
            f"store {where}: the bucket name {bucket!r} is not valid (while trying to {action}); S3 bucket names are "
            f"3-63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit{hint}",
            url=where,
        )
    if not isinstance(exc, FileNotFoundError) or not ("NoSuchBucket" in text or "bucket" in text.lower()):
        return None
    return StoreNotWritable(
        f"store {where}: the bucket does not exist ({bucket!r}, while trying to {action}); create it first{hint}",
        url=where,
    )


def _endpoint_path_hint(store: Store) -> str:
    endpoint = urlsplit(str(store.storage_options.get("endpoint_url") or ""))
    path = endpoint.path.strip("/")
    if not path:
        return ""
    return (
        f"; or, if the server reads '{path.split('/')[0]}' as the bucket, drop the path from endpoint_url "
        f"(write {endpoint.scheme}://{endpoint.netloc})"
    )


def _unwritable_error(
    exc: BaseException, text: str, causes: str, where: str, action: str, store: Store
) -> StoreError | None:
    if isinstance(exc, FileExistsError | NotADirectoryError) and _is_local(store.fs):
        # Why: a store URL naming a file failed with "FileExistsError: [Errno 17] File exists"
        return StoreNotWritable(
            f"store {where} is not writable: it is a file or lies inside one (while trying to {action}); "
            "give the path of a folder (it is created when missing)",
            url=where,
        )
    if isinstance(exc, NotImplementedError):  # fsspec's http:// filesystem, for one, only reads
        return StoreNotWritable(
            f"store {where} cannot take writes ({type(store.fs).__name__} is read-only); use a folder or bucket",
            url=where,
        )
    if isinstance(exc, PermissionError | IsADirectoryError) or (
        isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.ENOSPC, errno.EDQUOT)
    ):
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        return StoreNotWritable(
            f"store {where} is not writable while trying to {action} ({type(exc).__name__}: {reason}); "
            "pick a folder or bucket you can write to, or free some space",
            url=where,
        )
    return None
