"""`dabiwu serve --demo` (what `make run` runs) in a separate process, on the port and home given."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(home: Path, port: int, settings: dict[str, str] | None = None) -> subprocess.Popen:
    """`dabiwu serve --demo` on `port`; `settings`: more DABIWU_* variables for it."""
    env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "DABIWU_LOCAL_WORKERS": "1",
           "MLFLOW_DISABLE_TELEMETRY": "true", **(settings or {})}
    for key in ("DABIWU_DATABASE_URL", "DABIWU_STORAGE_URL", "DABIWU_TEST_DATABASE_URL"):
        env.pop(key, None)
    log = (home.parent / f"serve-{port}.log").open("wb")
    return subprocess.Popen([str(Path(sys.executable).with_name("dabiwu")), "serve", "--demo"],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def wait_healthy(base: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited during start-up"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError("server did not become healthy")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.timeout(1500)
def test_demo_serves_on_the_given_port_and_home_and_a_second_run_keeps_the_data(tmp_path):
    home, port = tmp_path / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(home, port)
    try:
        wait_healthy(base, server)
        assert httpx.get(f"{base}/api/v1/challenges").status_code == 401
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "alice", "password": "dabiwu-team1"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        challenges = httpx.get(f"{base}/api/v1/challenges", headers=headers)
        assert challenges.status_code == 200
        slugs = {c["slug"] for c in challenges.json()}
        versions = {c["slug"]: c["dataset_version"] for c in challenges.json()}
        assert {"medical-insurance-recovery", "han-river-ecology", "drunk-driving-withdrawal"} <= slugs
        page = httpx.get(f"{base}/")
        assert page.status_code == 200 and "<html" in page.text.lower()
        # The demo scores real baselines in the background and lists the best one in the registry.
        district = httpx.post(f"{base}/api/v1/auth/token", data={"username": "zaoyang", "password": "dabiwu-district"})
        district_headers = {"Authorization": f"Bearer {district.json()['access_token']}"}
        deadline = time.monotonic() + 900
        champion = None
        while time.monotonic() < deadline and champion is None:
            models = httpx.get(f"{base}/api/v1/registry/models", headers=district_headers, timeout=30).json()
            champion = next((m["champion_version"] for m in models if m["champion_version"]), None)
            time.sleep(5)
        assert champion is not None, "the demo never promoted a model"
        for slug in slugs:
            board = httpx.get(f"{base}/api/v1/challenges/{slug}/leaderboard", headers=headers).json()
            assert len(board) == 2 and all(row["score"] > 0 for row in board), slug
    finally:
        stop(server)
    assert (home / "dabiwu.db").is_file()
    # A quiet, readable first run: a line per step, no library warnings or JSON logs on the console.
    console = (home.parent / f"serve-{port}.log").read_text(errors="replace")
    for step in ("checking the sandbox", "loading the bundled challenges", "models submitted", "models scored",
                 "champion listed in the registry", "serving at"):
        assert step in console, console
    # (Up to the champion: at SIGTERM, multiprocessing's resource tracker may still warn about semaphores.)
    running = console[:console.index("champion listed in the registry")]
    for noise in ("UserWarning", "WARNING mlflow", "INFO mlflow", "Traceback", '"level": "INFO"'):
        assert noise not in running, console
    assert (home / "logs" / "dabiwu.log").stat().st_size > 0  # the full log went to the file
    server = start_server(home, port)
    try:
        wait_healthy(base, server)
        token = httpx.post(f"{base}/api/v1/auth/token", data={"username": "alice", "password": "dabiwu-team1"}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        again = httpx.get(f"{base}/api/v1/challenges", headers=headers).json()
        assert {c["slug"]: c["dataset_version"] for c in again} == versions  # not regenerated
    finally:
        stop(server)
