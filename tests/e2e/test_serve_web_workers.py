"""`dabiwu serve --web-workers 2`: two HTTP processes on one port, the scoring workers started once."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.e2e.test_serve import free_port, stop, wait_healthy

DABIWU = str(Path(sys.executable).with_name("dabiwu"))


def spawned_children(pid: int) -> list[int]:
    """Processes started with multiprocessing's spawn under pid, at any depth."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (int(c) for c in (task / "children").read_text().split()):
            try:
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(child)
                found += spawned_children(child)
            except FileNotFoundError:  # exited meanwhile
                pass
    return found


def test_two_http_processes_share_the_port_and_the_scoring_worker_is_started_once(tmp_path):
    home, port = tmp_path / "home", free_port()
    env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "DABIWU_LOCAL_WORKERS": "1",
           "DABIWU_SANDBOX_PREWARM": "false", "DABIWU_MLFLOW_ENABLED": "false", "DABIWU_LOG_JSON": "false",
           "MLFLOW_DISABLE_TELEMETRY": "true"}
    for key in ("DABIWU_DATABASE_URL", "DABIWU_STORAGE_URL", "DABIWU_TEST_DATABASE_URL"):
        env.pop(key, None)
    created = subprocess.run([DABIWU, "users", "create", "--username", "dora", "--password", "dora-password",
                              "--role", "judge"], env=env, capture_output=True, text=True, timeout=300)
    assert created.returncode == 0, created.stdout + created.stderr
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen([DABIWU, "serve", "--web-workers", "2"], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)
        deadline = time.monotonic() + 120
        while len(spawned_children(server.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # let anything else that would start (a second scoring worker) show up
        assert len(spawned_children(server.pid)) == 3  # two HTTP processes and one scoring worker, not two
        with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as http:
            for _ in range(6):  # new connections: both processes answer, each with its own caches
                token = http.post("/auth/token", data={"username": "dora", "password": "dora-password"})
                assert token.status_code == 200, token.text
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                missing = http.get("/challenges/none/leaderboard", headers=headers)
                assert missing.status_code == 404 and "No challenge 'none'" in missing.json()["detail"]
    finally:
        stop(server)
    assert server.returncode is not None
