"""ObjectStore on S3 or an S3-protocol server (MinIO, moto).

Uploads stream: each part is spooled (in memory up to 1 MiB, then to a temp file) while it is hashed,
so memory stays flat whatever the blob size. A blob that fits in one part goes up in one PUT with its
sha256 as object metadata. A larger one goes up as a multipart upload, which S3 makes visible only at
completion (so a refused or failed upload leaves nothing); as metadata must be set when an object is
created and the hash is known only at the end, the sha256 is then attached by a server-side
copy-in-place.

Credentials come from the standard AWS_* environment (boto3 reads it); the endpoint is an argument.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError as BotoConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from dabiwu.storage.base import (
    CHUNK_BYTES,
    BlobInfo,
    ObjectStore,
    StreamMeter,
    atomic_copy_to,
    sha256_of_stream,
    validate_key,
    validate_prefix,
)
from dabiwu.storage.errors import ObjectNotFound, StoreUnavailable

# S3 parts must be at least 5 MiB (except the last); 8 MiB parts allow 80 GB objects in 10,000 parts.
PART_BYTES = 8 * 1024 * 1024
# S3 refuses a single CopyObject above 5 GiB; such blobs keep their hash only in the platform's DB.
MAX_COPY_BYTES = 5 * 1024**3
SHA256_META = "sha256"

_NOT_FOUND_CODES = {"NoSuchKey", "404", "NotFound"}
_DENIED_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403", "InvalidToken", "ExpiredToken"}


class S3ObjectStore(ObjectStore):
    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        if not bucket:
            raise ValueError("An s3:// storage URL needs a bucket, e.g. s3://dabiwu/objects.")
        prefix = prefix.strip("/")
        if prefix:
            validate_key(prefix)
        self.bucket = bucket
        self._prefix = f"{prefix}/" if prefix else ""
        self.endpoint_url = endpoint_url
        self.url = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"

    # -- client and error mapping ------------------------------------------------------------

    @property
    def _client(self) -> Any:
        return _client_for(self.endpoint_url)

    def _where(self) -> str:
        return f"{self.url} (endpoint {self.endpoint_url or 'AWS default'})"

    @contextlib.contextmanager
    def _errors(self, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except ClientError as e:
            err = e.response.get("Error", {})
            code = str(err.get("Code", ""))
            status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            if key is not None and (code in _NOT_FOUND_CODES or status == 404) and code != "NoSuchBucket":
                raise ObjectNotFound(f"No object under key {key!r} in {self.url}.") from e
            # HeadBucket answers a bare 404 (no body, so no code) for a missing bucket.
            if code == "NoSuchBucket" or (key is None and status == 404):
                raise StoreUnavailable(
                    f"The bucket {self.bucket!r} does not exist at {self._where()}; create it or fix "
                    "DABIWU_STORAGE_URL."
                ) from e
            if code in _DENIED_CODES or status in (401, 403):
                raise StoreUnavailable(
                    f"The S3 server at {self._where()} refused our credentials ({code}); check "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the bucket policy."
                ) from e
            if status >= 500 or code in ("SlowDown", "ServiceUnavailable", "InternalError"):
                raise StoreUnavailable(f"The S3 server at {self._where()} is failing ({code}); try again later.") from e
            raise
        except (NoCredentialsError, PartialCredentialsError) as e:
            raise StoreUnavailable(
                f"No usable AWS credentials for {self._where()}; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
            ) from e
        except (BotoConnectionError, HTTPClientError) as e:
            raise StoreUnavailable(
                f"Cannot reach the S3 endpoint for {self._where()}: {e}. Check DABIWU_S3_ENDPOINT_URL and that "
                "the server is running."
            ) from e

    def _s3_key(self, key: str) -> str:
        return self._prefix + validate_key(key)

    # -- writes ------------------------------------------------------------------------------

    def put_stream(self, key: str, stream: BinaryIO, *, max_bytes: int | None = None) -> BlobInfo:
        s3_key = self._s3_key(key)
        meter = StreamMeter(max_bytes=max_bytes)
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        with self._errors():
            try:
                while True:
                    with _spool_part(stream, meter) as (body, n):
                        if upload_id is None and n < PART_BYTES:
                            self._client.put_object(
                                Bucket=self.bucket,
                                Key=s3_key,
                                Body=body,
                                ContentLength=n,
                                ContentType="application/octet-stream",
                                Metadata={SHA256_META: meter.sha256},
                            )
                            return BlobInfo(key=key, sha256=meter.sha256, size=meter.size)
                        if upload_id is None:
                            upload_id = self._client.create_multipart_upload(
                                Bucket=self.bucket, Key=s3_key, ContentType="application/octet-stream"
                            )["UploadId"]
                        elif n == 0:
                            break
                        part_number = len(parts) + 1
                        answer = self._client.upload_part(
                            Bucket=self.bucket,
                            Key=s3_key,
                            UploadId=upload_id,
                            PartNumber=part_number,
                            Body=body,
                            ContentLength=n,
                        )
                        parts.append({"PartNumber": part_number, "ETag": answer["ETag"]})
                    if n < PART_BYTES:
                        break
                self._client.complete_multipart_upload(
                    Bucket=self.bucket, Key=s3_key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
            except BaseException:
                if upload_id is not None:
                    with contextlib.suppress(Exception):
                        self._client.abort_multipart_upload(Bucket=self.bucket, Key=s3_key, UploadId=upload_id)
                raise
            if meter.size <= MAX_COPY_BYTES:
                self._client.copy_object(
                    Bucket=self.bucket,
                    Key=s3_key,
                    CopySource={"Bucket": self.bucket, "Key": s3_key},
                    ContentType="application/octet-stream",
                    Metadata={SHA256_META: meter.sha256},
                    MetadataDirective="REPLACE",
                )
        return BlobInfo(key=key, sha256=meter.sha256, size=meter.size)

    def delete(self, key: str) -> None:
        with self._errors():
            self._client.delete_object(Bucket=self.bucket, Key=self._s3_key(key))

    # -- reads -------------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        with self._errors(key):
            answer = self._client.get_object(Bucket=self.bucket, Key=self._s3_key(key))
        return io.BufferedReader(_BodyReader(answer["Body"], self), buffer_size=CHUNK_BYTES)  # type: ignore[return-value]

    def get_to_path(self, key: str, path: Path) -> None:
        with self.open(key) as src:
            atomic_copy_to(src, Path(path))

    def _head(self, key: str) -> dict[str, Any]:
        with self._errors(key):
            return self._client.head_object(Bucket=self.bucket, Key=self._s3_key(key))

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except ObjectNotFound:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def info(self, key: str) -> BlobInfo:
        head = self._head(key)
        sha256 = head.get("Metadata", {}).get(SHA256_META)
        if sha256:
            return BlobInfo(key=key, sha256=sha256, size=int(head["ContentLength"]))
        with self.open(key) as f:
            sha256, size = sha256_of_stream(f)
        return BlobInfo(key=key, sha256=sha256, size=size)

    def list(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        keys: list[str] = []
        with self._errors():
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._prefix + prefix):
                keys.extend(obj["Key"][len(self._prefix) :] for obj in page.get("Contents", []))
        return sorted(keys)

    def presign(self, key: str, expires_s: int = 3600) -> str | None:
        with self._errors():
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": self._s3_key(key)}, ExpiresIn=expires_s
            )

    def ping(self) -> None:
        with self._errors():
            self._client.head_bucket(Bucket=self.bucket)


_clients: dict[tuple[int, str | None], Any] = {}
_clients_lock = threading.Lock()


def _client_for(endpoint_url: str | None) -> Any:
    """One client per endpoint and process: building one loads ~10 MB of service models (about 0.3 s).

    boto3 clients are thread-safe but not fork-safe, so a forked worker builds its own.
    """
    key = (os.getpid(), endpoint_url)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            config = Config(
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                # MinIO and most S3-protocol servers expect path-style URLs.
                s3={"addressing_style": "path"} if endpoint_url else {},
                signature_version="s3v4",
            )
            session = boto3.session.Session()
            client = session.client(
                "s3", endpoint_url=endpoint_url, region_name=session.region_name or "us-east-1", config=config
            )
            _clients[key] = client
        return client


@contextlib.contextmanager
def _spool_part(stream: BinaryIO, meter: StreamMeter) -> Iterator[tuple[BinaryIO, int]]:
    """Read up to one part from `stream` into a spool (RAM to 1 MiB, then disk), hashing as it goes."""
    with tempfile.SpooledTemporaryFile(max_size=CHUNK_BYTES) as spool:
        n = 0
        while n < PART_BYTES:
            chunk = stream.read(min(CHUNK_BYTES, PART_BYTES - n))
            if not chunk:
                break
            meter.update(chunk)
            spool.write(chunk)
            n += len(chunk)
        spool.seek(0)
        yield spool, n  # type: ignore[misc]


class _BodyReader(io.RawIOBase):
    """botocore's StreamingBody as a RawIOBase, so callers get a normal BufferedReader."""

    def __init__(self, body: Any, store: S3ObjectStore) -> None:
        self._body = body
        self._store = store

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        try:
            data = self._body.read(len(view))
        except (BotoCoreError, OSError) as e:
            raise StoreUnavailable(f"Lost the connection to {self._store._where()} while reading: {e}.") from e
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._body.close()
        super().close()
