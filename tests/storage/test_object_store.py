"""One suite, two backends: the local folder store and S3 (moto's server on loopback)."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import tracemalloc
import urllib.request
from pathlib import Path

import pytest
from tests.s3server import s3_env, s3_server

from dabiwu.storage import ObjectNotFound, ObjectStore, ObjectTooLarge, StoreUnavailable, open_store

MB = 1024 * 1024


class GeneratedStream:
    """`size` pseudo-random bytes produced on demand, never all at once; knows its own sha256."""

    def __init__(self, size: int, seed: int = 7) -> None:
        self._left = size
        self._rng = random.Random(seed)
        expected = hashlib.sha256()
        rng = random.Random(seed)
        left = size
        while left:
            n = min(MB, left)
            expected.update(rng.randbytes(n))
            left -= n
        self.sha256 = expected.hexdigest()

    def read(self, n: int = -1) -> bytes:
        n = self._left if n < 0 else min(n, self._left, MB)
        self._left -= n
        return self._rng.randbytes(n) if n else b""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(MB):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture(scope="module")
def s3():
    # A separate process: moto holds objects in memory, which tracemalloc here must not count.
    with s3_server(bucket="store-tests", in_process=False) as server:
        yield server


@pytest.fixture(params=["file", "s3"])
def store(request, tmp_path, monkeypatch) -> ObjectStore:
    if request.param == "file":
        return open_store((tmp_path / "objects").as_uri())
    s3_env(monkeypatch)
    server = request.getfixturevalue("s3")
    # A fresh prefix per test keeps tests independent on the shared bucket.
    return open_store(f"s3://{server.bucket}/t-{os.urandom(4).hex()}", s3_endpoint_url=server.endpoint_url)


def traced_peak(fn) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streamed_20mb_roundtrip_has_right_sha256_and_bounded_memory(store, tmp_path):
    size = 20 * MB
    stream = GeneratedStream(size)
    store.ping()  # builds the S3 client (service models: ~10 MB, once per process) outside the measure
    infos = []
    put_peak = traced_peak(lambda: infos.append(store.put_stream("big/blob.bin", stream)))
    assert infos[0].sha256 == stream.sha256 and infos[0].size == size
    assert store.size("big/blob.bin") == size
    assert store.info("big/blob.bin").sha256 == stream.sha256

    out = tmp_path / "out" / "blob.bin"
    get_peak = traced_peak(lambda: store.get_to_path("big/blob.bin", out))
    assert sha256_file(out) == stream.sha256
    assert [p.name for p in out.parent.iterdir()] == ["blob.bin"]  # no temp file left beside it

    h = hashlib.sha256()
    with store.open("big/blob.bin") as f:
        while chunk := f.read(256 * 1024):
            h.update(chunk)
    assert h.hexdigest() == stream.sha256

    # Streaming means memory independent of the blob: a quarter of it is a generous bound.
    assert put_peak < size / 4, put_peak
    assert get_peak < size / 4, get_peak


def test_small_roundtrips_and_overwrite(store, tmp_path):
    info = store.put_bytes("a/b/c.txt", "大比武".encode())
    assert info.sha256 == hashlib.sha256("大比武".encode()).hexdigest()
    assert store.read_bytes("a/b/c.txt") == "大比武".encode()
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 1000)
    assert store.put_file("a/b/c.txt", src).size == 1000
    assert store.read_bytes("a/b/c.txt") == b"x" * 1000
    assert store.info("a/b/c.txt").sha256 == hashlib.sha256(b"x" * 1000).hexdigest()
    assert store.put_bytes("empty", b"").size == 0
    assert store.read_bytes("empty") == b""
    assert store.exists("a/b/c.txt") and not store.exists("a/b")


@pytest.mark.parametrize("size", [3 * MB, 12 * MB], ids=["one-part", "multipart"])
def test_max_bytes_refusal_leaves_nothing_and_keeps_the_old_blob(store, size, tmp_path):
    with pytest.raises(ObjectTooLarge):
        store.put_stream("up/new.bin", GeneratedStream(size), max_bytes=size - 1)
    assert not store.exists("up/new.bin")
    store.put_bytes("up/old.bin", b"old")
    with pytest.raises(ObjectTooLarge):
        store.put_stream("up/old.bin", GeneratedStream(size), max_bytes=size // 2)
    assert store.read_bytes("up/old.bin") == b"old"
    assert store.list() == ["up/old.bin"]
    assert store.put_stream("up/fits.bin", GeneratedStream(size), max_bytes=size).size == size
    if store.url.startswith("file:"):
        leftovers = [p.name for p in (tmp_path / "objects").rglob("*") if ".dabiwu-tmp" in p.name]
        assert leftovers == []
    else:
        uploads = store._client.list_multipart_uploads(Bucket=store.bucket).get("Uploads", [])
        assert [u for u in uploads if u["Key"].startswith(store._prefix)] == []


def test_missing_key_raises_object_not_found(store, tmp_path):
    target = tmp_path / "never.bin"
    for call in (
        lambda: store.open("no/such"),
        lambda: store.read_bytes("no/such"),
        lambda: store.size("no/such"),
        lambda: store.info("no/such"),
        lambda: store.get_to_path("no/such", target),
    ):
        with pytest.raises(ObjectNotFound) as err:
            call()
        assert "no/such" in str(err.value)
    assert not target.exists()
    assert not store.exists("no/such")
    assert isinstance(ObjectNotFound("x"), KeyError)


@pytest.mark.parametrize(
    "key", ["", "/abs", "a/../b", "..", "a/./b", "a//b", "back\\slash", "nul\x00byte", "a/", ".dabiwu-meta-x"]
)
def test_bad_keys_are_refused(store, key):
    for call in (
        lambda: store.put_bytes(key, b"x"),
        lambda: store.open(key),
        lambda: store.exists(key),
        lambda: store.delete(key),
    ):
        with pytest.raises(ValueError):
            call()
    assert store.list() == []


def test_list_by_prefix(store):
    for key in ["a/1", "a/2", "ab/3", "b/4", "a/deep/5"]:
        store.put_bytes(key, key.encode())
    assert store.list() == ["a/1", "a/2", "a/deep/5", "ab/3", "b/4"]
    assert store.list("a/") == ["a/1", "a/2", "a/deep/5"]
    assert store.list("a") == ["a/1", "a/2", "a/deep/5", "ab/3"]
    assert store.list("a/d") == ["a/deep/5"]
    assert store.list("zzz") == []
    with pytest.raises(ValueError):
        store.list("../")


def test_delete_is_idempotent(store, tmp_path):
    store.delete("never/there")
    store.put_bytes("d/x/one", b"1")
    store.put_bytes("d/two", b"2")
    store.delete("d/x/one")
    store.delete("d/x/one")
    assert not store.exists("d/x/one")
    assert store.list() == ["d/two"]
    if store.url.startswith("file:"):
        assert not (tmp_path / "objects" / "d" / "x").exists()  # emptied folders are pruned


def test_presign(store):
    store.put_bytes("p/file.txt", b"presigned")
    url = store.presign("p/file.txt", expires_s=60)
    if store.url.startswith("file:"):
        assert url is None
    else:
        with urllib.request.urlopen(url) as answer:  # noqa: S310 - loopback moto
            assert answer.read() == b"presigned"


def test_ping(store):
    store.ping()


def test_file_store_recomputes_a_stale_sidecar(tmp_path):
    store = open_store((tmp_path / "objects").as_uri())
    store.put_bytes("k", b"first")
    # Replace the data behind the store's back, as a crash between the two renames would leave it.
    (tmp_path / "objects" / "k.new").write_bytes(b"second")
    os.replace(tmp_path / "objects" / "k.new", tmp_path / "objects" / "k")
    assert store.info("k").sha256 == hashlib.sha256(b"second").hexdigest()
    assert store.list() == ["k"]


def test_file_store_key_cannot_be_object_and_prefix(tmp_path):
    store = open_store((tmp_path / "objects").as_uri())
    store.put_bytes("a", b"1")
    with pytest.raises(ValueError, match="both an object and a prefix"):
        store.put_bytes("a/b", b"2")
    store.put_bytes("c/d", b"3")
    with pytest.raises(ValueError, match="both an object and a prefix"):
        store.put_bytes("c", b"4")
    assert store.list() == ["a", "c/d"]


def test_s3_records_sha256_metadata_under_the_prefix(s3, monkeypatch):
    s3_env(monkeypatch)
    store = open_store(f"s3://{s3.bucket}/meta-test", s3_endpoint_url=s3.endpoint_url)
    small = store.put_bytes("small", b"abc")
    big = store.put_stream("big", GeneratedStream(9 * MB))
    raw = s3.client()
    assert raw.head_object(Bucket=s3.bucket, Key="meta-test/small")["Metadata"]["sha256"] == small.sha256
    assert raw.head_object(Bucket=s3.bucket, Key="meta-test/big")["Metadata"]["sha256"] == big.sha256


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_s3_unreachable_endpoint_raises_store_unavailable(monkeypatch):
    s3_env(monkeypatch)
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    store = open_store("s3://bucket/prefix", s3_endpoint_url=endpoint)
    for call in (
        lambda: store.put_bytes("k", b"x"),
        lambda: store.put_stream("k", GeneratedStream(9 * MB)),
        lambda: store.open("k"),
        lambda: store.exists("k"),
        lambda: store.list(),
        lambda: store.delete("k"),
        store.ping,
    ):
        with pytest.raises(StoreUnavailable) as err:
            call()
        assert endpoint in str(err.value) and "DABIWU_S3_ENDPOINT_URL" in str(err.value)


def test_s3_missing_bucket_raises_store_unavailable(s3, monkeypatch):
    s3_env(monkeypatch)
    store = open_store("s3://no-such-bucket", s3_endpoint_url=s3.endpoint_url)
    with pytest.raises(StoreUnavailable, match="does not exist"):
        store.put_bytes("k", b"x")
    with pytest.raises(StoreUnavailable, match="does not exist"):
        store.ping()


@pytest.mark.parametrize(
    "url", ["file://relative/path", "file:///", "ftp://host/x", "objects", "s3:///prefix-without-bucket"]
)
def test_open_store_refuses_bad_urls(url):
    with pytest.raises(ValueError):
        open_store(url)


def test_open_store_decodes_file_urls(tmp_path):
    root = tmp_path / "对象 store"
    store = open_store(root.as_uri())
    store.put_bytes("x", b"1")
    assert (root / "x").read_bytes() == b"1"


def test_s3server_helper_runs_in_process_too(monkeypatch):
    s3_env(monkeypatch)
    with s3_server(bucket="in-process") as server:
        store = open_store(f"s3://{server.bucket}", s3_endpoint_url=server.endpoint_url)
        assert store.put_bytes("k", b"v").size == 1
        assert server.client().get_object(Bucket="in-process", Key="k")["Body"].read() == b"v"
