"""ObjectStore on a local folder: atomic writes (temp file beside the target, fsync, os.replace).

Each blob's sha256 is kept in a small JSON sidecar beside it (`.dabiwu-meta-<name>.json`). The
sidecar records the inode of the data file it describes, so a crash between the two renames, or two
concurrent puts of one key, can never pair a blob with another blob's hash: a mismatch just means
the hash is recomputed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from dabiwu.storage.base import (
    CHUNK_BYTES,
    RESERVED_PREFIX,
    BlobInfo,
    ObjectStore,
    StreamMeter,
    atomic_copy_to,
    sha256_of_stream,
    validate_key,
    validate_prefix,
)
from dabiwu.storage.errors import ObjectNotFound, StoreUnavailable

TMP_PREFIX = RESERVED_PREFIX + "tmp-"
META_PREFIX = RESERVED_PREFIX + "meta-"

# Errors that say the store itself is unusable (full, read-only, misconfigured), not the request.
_UNAVAILABLE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


class FileObjectStore(ObjectStore):
    def __init__(self, root: Path) -> None:
        if not root.is_absolute():
            raise ValueError(f"The file store root {root} must be an absolute path.")
        self.root = root
        self.url = root.as_uri()

    # -- paths -------------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(f"{META_PREFIX}{path.name}.json")

    @contextlib.contextmanager
    def _os_errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except OSError as e:
            if e.errno in _UNAVAILABLE_ERRNOS:
                raise StoreUnavailable(
                    f"The object store folder {self.root} cannot {action}: {e.strerror}. "
                    "Free disk space or fix the folder's permissions (DABIWU_STORAGE_URL)."
                ) from e
            raise

    # -- writes ------------------------------------------------------------------------------

    def put_stream(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        path = self._path(key)
        with self._os_errors("store objects"):
            fd, tmp_name = self._mkstemp_beside(path)
            try:
                meter = StreamMeter(max_bytes=max_bytes)
                with os.fdopen(fd, "wb") as f:
                    while chunk := stream.read(CHUNK_BYTES):
                        meter.update(chunk)
                        f.write(chunk)
                    f.flush()
                    os.fsync(f.fileno())
                    inode = os.fstat(f.fileno()).st_ino
                # The sidecar goes first and names the inode it describes; see the module docstring.
                self._write_meta(path, sha256=meter.sha256, size=meter.size, inode=inode)
                self._replace(tmp_name, path, key)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp_name)
                raise
            _fsync_dir(path.parent)
        return BlobInfo(key=key, sha256=meter.sha256, size=meter.size)

    def _mkstemp_beside(self, path: Path) -> tuple[int, str]:
        # delete() prunes empty folders, so a folder made a moment ago can vanish; try again.
        for attempt in range(3):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                return tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)
            except FileNotFoundError:
                if attempt == 2:
                    raise
            except (NotADirectoryError, FileExistsError) as e:
                raise ValueError(
                    f"Cannot store under {path.relative_to(self.root).as_posix()!r}: part of that key is already "
                    "an object. In the file store a key cannot be both an object and a prefix of another key."
                ) from e
        raise AssertionError("unreachable")

    def _replace(self, tmp_name: str, path: Path, key: str) -> None:
        try:
            os.replace(tmp_name, path)
        except IsADirectoryError as e:
            raise ValueError(
                f"Cannot store {key!r}: other keys already start with {key + '/'!r}. In the file store a key "
                "cannot be both an object and a prefix of another key."
            ) from e

    def _write_meta(self, path: Path, *, sha256: str, size: int, inode: int) -> None:
        meta = self._meta_path(path)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump({"sha256": sha256, "size": size, "inode": inode}, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp_name, meta)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def delete(self, key: str) -> None:
        path = self._path(key)
        with self._os_errors("delete objects"):
            for p in (path, self._meta_path(path)):
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    os.unlink(p)
            self._prune_empty_dirs(path.parent)

    def _prune_empty_dirs(self, folder: Path) -> None:
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone): stop climbing
                return
            folder = folder.parent

    # -- reads -------------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        with self._os_errors("read objects"):
            try:
                return open(path, "rb")  # noqa: SIM115 - the caller owns the stream
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
                raise ObjectNotFound(f"No object under key {key!r} in {self.url}.") from e

    def get_to_path(self, key: str, path: Path) -> None:
        path = Path(path)
        with self.open(key) as src:
            atomic_copy_to(src, path)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        return self._stat(key).st_size

    def _stat(self, key: str) -> os.stat_result:
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError) as e:
            raise ObjectNotFound(f"No object under key {key!r} in {self.url}.") from e
        if not path.is_file():
            raise ObjectNotFound(f"No object under key {key!r} in {self.url}.")
        return st

    def info(self, key: str) -> BlobInfo:
        st = self._stat(key)
        path = self._path(key)
        try:
            meta = json.loads(self._meta_path(path).read_text())
            if meta["inode"] == st.st_ino and meta["size"] == st.st_size:
                return BlobInfo(key=key, sha256=meta["sha256"], size=st.st_size)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        with self.open(key) as f:
            sha256, size = sha256_of_stream(f)
        return BlobInfo(key=key, sha256=sha256, size=size)

    def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root.joinpath(*folder.split("/")) if folder else self.root
        keys: list[str] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(RESERVED_PREFIX)]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            for name in filenames:
                if name.startswith(RESERVED_PREFIX):
                    continue
                key = name if rel == "." else f"{rel}/{name}"
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        validate_key(key)
        return None

    def ping(self) -> None:
        with self._os_errors("be used"):
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK | os.X_OK):
                raise PermissionError(errno.EACCES, "not writable", str(self.root))


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; some filesystems refuse O_RDONLY fsync on folders.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
