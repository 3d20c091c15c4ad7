"""`dabiwu serve` in its own process group, on the test's database and object store, plus raw-socket
HTTP helpers for what httpx will not send (a lying Content-Length, a body that stalls halfway).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(settings, port: int, **extra: str) -> dict[str, str]:
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DABIWU_HOME": str(settings.home_dir),
           "DABIWU_DATABASE_URL": settings.resolved_database_url, "DABIWU_STORAGE_URL": settings.resolved_storage_url,
           "DABIWU_PORT": str(port), "DABIWU_LOCAL_WORKERS": "1", "DABIWU_LOG_JSON": "false",
           "DABIWU_MLFLOW_ENABLED": "false", "DABIWU_SECRET_KEY": settings.secret_key}
    if settings.s3_endpoint_url:
        env["DABIWU_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    env.pop("DABIWU_TEST_DATABASE_URL", None)
    env.update(extra)
    return env


@contextmanager
def live_server(settings, *, workers: bool = False, **env: str):
    """Yield (base_url, process); the whole process group is killed on exit."""
    port = free_port()
    log_path = settings.home_dir.parent / f"serve-{port}.log"
    args = [str(Path(sys.executable).with_name("dabiwu")), "serve", "--workers" if workers else "--no-workers"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(args, env=server_env(settings, port, **env), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, log_path)
        yield base, process
    finally:
        kill_group(process)


def wait_healthy(base: str, process: subprocess.Popen, log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited during start-up:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"the server did not become healthy:\n{log_path.read_text()[-3000:]}")


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


# -- raw HTTP ---------------------------------------------------------------------------------


def multipart_head(boundary: str, filename: str = "model.tar.gz") -> bytes:
    return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode()


def multipart_tail(boundary: str) -> bytes:
    return f"\r\n--{boundary}--\r\n".encode()


def open_request(base: str, path: str, *, headers: dict[str, str], content_length: int) -> socket.socket:
    """Connect and send the request line and headers only; the caller sends (or withholds) the body."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=120)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", f"Content-Length: {content_length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes, bool]:
    """(status, headers, body, closed): reads until the server closes or the body is complete."""
    data = b""
    closed = False
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            closed = True
            break
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            headers = _headers(head)
            if len(body) >= int(headers.get("content-length", "-1")) >= 0:
                # Complete; see whether the server also closes (a refusal must).
                sock.settimeout(10)
                try:
                    closed = sock.recv(1) == b""
                except (TimeoutError, ConnectionResetError):
                    closed = False
                break
    head, _, body = data.partition(b"\r\n\r\n")
    headers = _headers(head)
    return int(head.split(b" ", 2)[1]), headers, body, closed


def _headers(head: bytes) -> dict[str, str]:
    lines = head.decode("latin-1").split("\r\n")[1:]
    return {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
