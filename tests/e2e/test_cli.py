"""The team CLI against a real server: login, submit with progress and follow, status, leaderboard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_serve import free_port, stop, wait_healthy
from tests.pipeline import BUNDLE

DABIWU = str(Path(sys.executable).with_name("dabiwu"))


def run_cli(args: list[str], env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([DABIWU, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_team_cli_round_trip(tmp_path, baseline_archive):
    home, port = tmp_path / "home", free_port()
    env = {**os.environ, "DABIWU_HOME": str(home), "DABIWU_PORT": str(port), "DABIWU_LOCAL_WORKERS": "1",
           "HOME": str(tmp_path / "user"), "MLFLOW_DISABLE_TELEMETRY": "true", "DABIWU_LOG_JSON": "false",
           "COLUMNS": "200"}
    for key in ("DABIWU_DATABASE_URL", "DABIWU_STORAGE_URL"):
        env.pop(key, None)
    assert run_cli(["challenges", "load", str(BUNDLE)], env).returncode == 0
    again = run_cli(["challenges", "load", str(BUNDLE)], env)
    assert again.returncode == 0 and "already loaded" in again.stdout
    created = run_cli(["users", "create", "--username", "carol", "--password", "carol-password", "--role", "team",
                       "--team", "CLI Team"], env)
    assert created.returncode == 0, created.stderr
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([DABIWU, "serve", "--no-demo"], env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)
        bad = run_cli(["login", "--url", base, "--username", "carol", "--password", "wrong-password"], env)
        assert bad.returncode != 0 and "Wrong username or password" in bad.stdout
        login = run_cli(["login", "--url", base, "--username", "carol", "--password", "carol-password"], env)
        assert login.returncode == 0, login.stdout + login.stderr
        credentials = Path(env["HOME"]) / ".config" / "dabiwu" / "credentials.json"
        assert credentials.stat().st_mode & 0o777 == 0o600
        submitted = run_cli(["submit", "medical-insurance-recovery", str(baseline_archive)], env)
        assert submitted.returncode == 0, submitted.stdout + submitted.stderr
        assert "status: scored" in submitted.stdout and "public score" in submitted.stdout
        submission_id = next(line for line in submitted.stdout.splitlines() if len(line.strip()) == 32).strip()
        status = run_cli(["status", submission_id], env)
        assert status.returncode == 0 and "scored" in status.stdout
        # The 8 characters the web UI shows are enough; times are Beijing time, like the web UI.
        short = run_cli(["status", submission_id[:8]], env)
        assert short.returncode == 0 and submission_id in short.stdout and "(Beijing time)" in short.stdout, short.stdout
        unknown = run_cli(["status", "ffffffff" if not submission_id.startswith("ffffffff") else "eeeeeeee"], env)
        assert unknown.returncode != 0 and "No submission of yours starts with" in unknown.stdout
        board = run_cli(["leaderboard", "medical-insurance-recovery"], env)
        assert board.returncode == 0 and "CLI Team" in board.stdout and "showing 1 of 1" in board.stdout
        assert "Beijing" in board.stdout
        private = run_cli(["leaderboard", "medical-insurance-recovery", "--private"], env)
        assert private.returncode != 0 and "private leaderboard" in private.stdout
    finally:
        stop(server)
