"""A fresh machine without bubblewrap: `make run` stops before serving and says what to run; a server that cannot
score says so in /readyz and on the admin queue page, in English and Chinese."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_serve import free_port

REPO = Path(__file__).resolve().parents[2]
SEARCHED = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


@pytest.fixture
def path_without_bwrap(tmp_path) -> str:
    """A PATH with every program of this machine but bubblewrap (links, so nothing else changes)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for directory in SEARCHED:
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            target = Path(directory) / name
            if name != "bwrap" and not (folder / name).exists() and os.access(target, os.X_OK):
                (folder / name).symlink_to(target)
    assert not (folder / "bwrap").exists()
    return str(folder)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_make_run_stops_before_serving_with_the_command_to_run(path_without_bwrap, tmp_path):
    port = free_port()
    env = {"PATH": path_without_bwrap, "HOME": str(tmp_path), "DABIWU_HOME": str(tmp_path / "var"),
           "DABIWU_PORT": str(port), "DABIWU_SYSTEM_DEPS_INSTALL": "never",
           "DABIWU_SYSTEM_DEPS_LOG": str(tmp_path / "deps.log")}
    done = subprocess.run(["make", "-s", "run"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode != 0, out
    assert "apt-get install -y bubblewrap" in out and "缺少系统软件包" in out, out
    assert not _listening(port)
    assert not (tmp_path / "var" / "dabiwu.db").exists(), "it went on to prepare the state folder"


def test_the_demo_is_not_served_without_a_sandbox(path_without_bwrap, tmp_path):
    """Even when the script is bypassed, `dabiwu serve --demo` refuses to serve a demo that cannot score."""
    port = free_port()
    env = {"PATH": path_without_bwrap, "HOME": str(tmp_path), "DABIWU_HOME": str(tmp_path / "var"),
           "DABIWU_PORT": str(port), "DABIWU_SANDBOX": "bwrap", "MLFLOW_DISABLE_TELEMETRY": "true"}
    done = subprocess.run([str(Path(sys.executable).with_name("dabiwu")), "serve", "--demo"], env=env,
                          capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 3, out
    assert "bubblewrap" in out and "沙箱" in out and "scripts/system-deps run" in out
    assert not _listening(port)


def test_readiness_says_scoring_cannot_run_and_why(app, client, role_headers, settings, path_without_bwrap,
                                                   monkeypatch):
    from dabiwu.readiness import SandboxCheck

    monkeypatch.setenv("PATH", path_without_bwrap)
    monkeypatch.setattr(settings, "sandbox", "bwrap")
    app.state.sandbox_check = SandboxCheck(settings)
    ready = client.get("/readyz")
    assert ready.status_code == 200  # the API itself works: only scoring cannot
    body = ready.json()
    assert body["status"] == "degraded" and body["scoring"]["can_score"] is False
    assert body["scoring"]["sandbox"] is None
    codes = {p["code"]: p for p in body["scoring"]["problems"]}
    assert "bubblewrap" in codes["sandbox_unavailable"]["detail"]
    assert "沙箱" in codes["sandbox_unavailable"]["detail_zh"]
    assert "no_live_workers" in codes  # the test app starts no scoring worker
    queue = client.get("/api/v1/admin/queue", headers=role_headers["admin"]).json()
    assert queue["scoring"] == body["scoring"]


def test_readiness_with_a_sandbox_and_a_live_worker_is_ready(app, client, settings):
    from dabiwu.executors.heartbeats import beat
    from dabiwu.readiness import SandboxCheck

    app.state.sandbox_check = SandboxCheck(settings)
    with app.state.sessionmaker() as session:
        beat(session, worker_id="local:test:1", kind="local", current_job_id=None)
    body = client.get("/readyz").json()
    assert body["status"] == "ready", body
    from dabiwu.sandbox.zygote import fork_support

    forks = body["scoring"]["sandbox"] == "bwrap" and fork_support()[0]
    # Where the fork-server cannot run, workers fall back to pre-started sandboxes: said, but not blocking.
    fallback = [] if forks else ["sandbox_fork_unavailable"]
    assert body["scoring"] == {"can_score": True, "sandbox": body["scoring"]["sandbox"],
                               "sandbox_mode": "fork" if forks else "prestarted", "live_workers": 1,
                               "problems": body["scoring"]["problems"]}
    assert [p["code"] for p in body["scoring"]["problems"]] == fallback
    assert body["scoring"]["sandbox"] in ("bwrap", "unshare")
