"""Admins see on every page when submitted models cannot be scored, and why, in their language (issue #21).

The "cannot score" case is a real server that has no scoring worker (`serve --demo --no-workers`): its readiness
answer says so, and the banner shows that answer. The demo server of the other browser tests scores, and shows none.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORDS, STARTUP_SECONDS, api_headers, go
from tests.e2e.test_serve import free_port, stop

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory) -> str:
    """A demo without scoring workers: uploads would wait in the queue for ever."""
    root = tmp_path_factory.mktemp("no-workers")
    port = free_port()
    env = {**os.environ, "DABIWU_HOME": str(root / "home"), "DABIWU_PORT": str(port), "MLFLOW_DISABLE_TELEMETRY": "true"}
    for key in ("DABIWU_DATABASE_URL", "DABIWU_STORAGE_URL", "DABIWU_TEST_DATABASE_URL"):
        env.pop(key, None)
    log = (root / "serve.log").open("wb")
    process = subprocess.Popen([str(Path(sys.executable).with_name("dabiwu")), "serve", "--demo", "--no-workers"],
                               env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_SECONDS
    try:
        while True:
            assert process.poll() is None, (root / "serve.log").read_text(errors="replace")[-3000:]
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server without workers did not start"
            time.sleep(0.5)
        yield base
    finally:
        stop(process)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/#/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    expect(page.get_by_test_id("menu-challenges")).to_be_visible()


def test_admins_see_why_scoring_cannot_run(page, idle_server, screenshot):
    ready = httpx.get(f"{idle_server}/readyz", timeout=30).json()
    assert ready["status"] == "degraded" and ready["scoring"]["can_score"] is False, ready
    _sign_in(page, idle_server, "admin")
    banner = page.get_by_test_id("scoring-banner")
    expect(banner).to_be_visible()
    expect(page.get_by_test_id("scoring-problem-no_live_workers")).to_contain_text("评分进程")  # Chinese first
    go(page, "#/admin/queue")  # on every page, the queue page included
    expect(banner).to_be_visible()
    screenshot("scoring-banner-zh")
    page.evaluate("() => { localStorage.setItem('RaStore.locale', JSON.stringify('en')); }")
    page.reload()
    expect(page.get_by_test_id("scoring-problem-no_live_workers")).to_contain_text("No scoring worker")


def test_teams_see_no_banner_and_a_scoring_server_shows_none(page, idle_server, demo_server):
    _sign_in(page, idle_server, "alice")
    expect(page.get_by_test_id("menu-challenges")).to_be_visible()
    expect(page.get_by_test_id("scoring-banner")).to_have_count(0)
    # The other tests' demo scores: once its worker has beaten, its admins see no banner.
    deadline = time.monotonic() + 120
    while httpx.get(f"{demo_server}/readyz", timeout=30).json()["status"] != "ready":
        assert time.monotonic() < deadline, httpx.get(f"{demo_server}/readyz", timeout=30).text
        time.sleep(2)
    assert httpx.get(f"{demo_server}/api/v1/admin/queue", headers=api_headers(demo_server, "admin"),
                     timeout=30).json()["scoring"]["can_score"] is True
    page.context.clear_cookies()
    page.evaluate("() => localStorage.clear()")
    _sign_in(page, demo_server, "admin")
    expect(page.get_by_test_id("menu-queue")).to_be_visible()
    expect(page.get_by_test_id("scoring-banner")).to_have_count(0)
