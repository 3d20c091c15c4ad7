"""The ObjectStore interface (after MLflow's ArtifactRepository): blobs by key, each with its sha256."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from dabiwu.storage.errors import ObjectTooLarge

# 1 MiB: large enough that per-chunk overhead vanishes, small enough that memory stays flat.
CHUNK_BYTES = 1024 * 1024

# Names the file store uses for its own temp files and sidecars; keys may not use them.
RESERVED_PREFIX = ".dabiwu-"

# S3's own key limit; the part limit leaves room for the file store's sidecar names under NAME_MAX.
MAX_KEY_BYTES = 1024
MAX_PART_BYTES = 200


@dataclass(frozen=True)
class BlobInfo:
    key: str
    sha256: str
    size: int


def validate_key(key: str) -> str:
    """Refuse keys that could escape a folder or mean different things on different backends."""
    if not isinstance(key, str) or not key:
        raise ValueError("An object key must be a non-empty string.")
    if "\x00" in key:
        raise ValueError(f"Object key {key!r} contains a NUL byte; use plain path-like keys.")
    if "\\" in key:
        raise ValueError(f"Object key {key!r} contains a backslash; separate parts with '/'.")
    if key.startswith("/"):
        raise ValueError(f"Object key {key!r} starts with '/'; keys are relative, e.g. 'submissions/1/model.zip'.")
    parts = key.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"Object key {key!r} has an empty, '.' or '..' part; use plain names separated by single '/'.")
    if len(key.encode()) > MAX_KEY_BYTES or any(len(p.encode()) > MAX_PART_BYTES for p in parts):
        raise ValueError(
            f"Object key {key[:80]!r}... is too long: keep it under {MAX_KEY_BYTES} bytes and each part "
            f"under {MAX_PART_BYTES} bytes."
        )
    if any(p.startswith(RESERVED_PREFIX) for p in parts):
        raise ValueError(f"Object key {key!r} uses the reserved prefix {RESERVED_PREFIX!r}; choose another name.")
    return key


def validate_prefix(prefix: str) -> str:
    """A list() prefix is a string prefix of keys (S3 semantics), so it may end mid-name or in '/'."""
    if prefix == "":
        return prefix
    if "\x00" in prefix or "\\" in prefix or prefix.startswith("/"):
        raise ValueError(f"List prefix {prefix!r} is not a valid key prefix; use e.g. 'submissions/1/'.")
    if any(p in (".", "..") for p in prefix.split("/")):
        raise ValueError(f"List prefix {prefix!r} has a '.' or '..' part; use plain names separated by '/'.")
    return prefix


class StreamMeter:
    """Hashes and counts the chunks of one upload, and enforces its byte limit as they pass."""

    def __init__(self, *, max_bytes: int | None = None) -> None:
        self._max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._max_bytes is not None and self.size > self._max_bytes:
            raise ObjectTooLarge(
                f"The upload is larger than the limit of {self._max_bytes} bytes; "
                "send a smaller file or ask an administrator to raise the limit."
            )
        self._hash.update(chunk)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def sha256_of_stream(stream: BinaryIO) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_BYTES):
        h.update(chunk)
        size += len(chunk)
    return h.hexdigest(), size


def atomic_copy_to(src: BinaryIO, path: Path) -> None:
    """Copy a stream to `path` so that readers never see a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(src, f, CHUNK_BYTES)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


class ObjectStore(ABC):
    """Blobs by key. Writes are atomic: a reader sees the old blob, the new one, or none."""

    url: str

    @abstractmethod
    def put_stream(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        """Store what `stream` yields, in chunks; past max_bytes raise ObjectTooLarge and keep nothing."""

    def put_file(self, key: str, path: Path) -> BlobInfo:
        with open(path, "rb") as f:
            return self.put_stream(key, f)

    def put_bytes(self, key: str, data: bytes) -> BlobInfo:
        return self.put_stream(key, io.BytesIO(data))

    @abstractmethod
    def get_to_path(self, key: str, path: Path) -> None:
        """Write the blob to `path` atomically (a temp file beside it, then rename)."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the blob; the caller closes it."""

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as f:
            return f.read()

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def info(self, key: str) -> BlobInfo:
        """Key, sha256 and size of a stored blob (the sha256 recorded at put time when available)."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """Sorted keys starting with `prefix` (a string prefix, as in S3)."""

    @abstractmethod
    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        """A time-limited download URL, or None when the backend has none (file://)."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the backend answers (for readiness checks)."""
