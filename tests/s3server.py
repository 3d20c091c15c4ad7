"""A real S3-protocol server for tests: moto's ThreadedMotoServer on 127.0.0.1, port chosen by the OS.

    from tests.s3server import s3_env, s3_server
    with s3_server(bucket="dabiwu-test") as s3:
        store = open_store(f"s3://{s3.bucket}/objects", s3_endpoint_url=s3.endpoint_url)

By default the server runs in a thread of the test process. With `in_process=False` it runs the
same ThreadedMotoServer in a child process: use that when the test measures this process (memory
with tracemalloc, open files), since moto keeps objects in memory, or when several processes share it.

Clients need AWS_* credentials set to anything (moto does not check them): `s3_env(monkeypatch)`
sets dummy ones and hides the machine's own AWS configuration.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": "/dev/null",
    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
}

_CHILD = r"""
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # serve until the parent closes our stdin (or dies)
server.stop()
"""


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    bucket: str

    def client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=DUMMY_AWS_ENV["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        )


def s3_env(monkeypatch) -> None:
    """Dummy AWS credentials for the test's duration, and no profile from the host."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    for name, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(name, value)


@contextlib.contextmanager
def s3_server(*, bucket: str = "dabiwu-test", in_process: bool = True) -> Iterator[S3Server]:
    """Start moto's S3 on loopback, create `bucket`, and stop the server on exit."""
    if in_process:
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            s3 = S3Server(endpoint_url=f"http://127.0.0.1:{server.get_host_and_port()[1]}", bucket=bucket)
            s3.client().create_bucket(Bucket=bucket)
            yield s3
        finally:
            server.stop()
        return

    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True
    )
    try:
        port = int(child.stdout.readline())  # type: ignore[union-attr]
        s3 = S3Server(endpoint_url=f"http://127.0.0.1:{port}", bucket=bucket)
        s3.client().create_bucket(Bucket=bucket)
        yield s3
    finally:
        child.stdin.close()  # type: ignore[union-attr]
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
