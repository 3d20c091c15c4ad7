"""Object storage: blobs by key, each with its sha256, on a local folder or S3 (MinIO).

    store = open_store(get_settings().resolved_storage_url, s3_endpoint_url=get_settings().s3_endpoint_url)
    info = store.put_stream("submissions/42/model.zip", upload.file, max_bytes=200 * 1024**2)
"""

from __future__ import annotations

from urllib.parse import urlsplit
from urllib.request import url2pathname

from dabiwu.storage.base import BlobInfo, ObjectStore, validate_key
from dabiwu.storage.errors import ObjectNotFound, ObjectTooLarge, StoreUnavailable

__all__ = [
    "BlobInfo",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectTooLarge",
    "StoreUnavailable",
    "open_store",
    "validate_key",
]


def open_store(url: str, *, s3_endpoint_url: str | None = None) -> ObjectStore:
    """The store for a DABIWU_STORAGE_URL: "file:///abs/path" or "s3://bucket/prefix"."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        from pathlib import Path

        from dabiwu.storage.file_store import FileObjectStore

        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"Storage URL {url!r} names a remote host; use file:///absolute/path.")
        path = Path(url2pathname(parts.path))
        if not path.is_absolute() or parts.path in ("", "/"):
            raise ValueError(f"Storage URL {url!r} needs an absolute folder, e.g. file:///var/lib/dabiwu/objects.")
        return FileObjectStore(path)
    if parts.scheme == "s3":
        from dabiwu.storage.s3_store import S3ObjectStore

        return S3ObjectStore(bucket=parts.netloc, prefix=parts.path, endpoint_url=s3_endpoint_url)
    raise ValueError(f"Unsupported storage URL {url!r}; use file:///absolute/path or s3://bucket/prefix.")
