"""Browser tests of the web UI: Debian's chromium, driven by PyPI playwright, against a real demo server.

One `dabiwu serve --demo` subprocess (free port, temporary DABIWU_HOME, one local worker) serves the
whole session; every test gets a fresh browser context (no shared token or locale) and leaves a PNG
of its last screen in test-artifacts/screenshots/, failed or not.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import httpx
import pytest

from tests.browser.helpers import (CHROMIUM, CHROMIUM_ARGS, HERE, PASSWORDS, SCREENSHOTS, SLUG, STARTUP_SECONDS,
                                   UI_TIMEOUT_MS, api_headers, wait_scored)
from tests.e2e.test_serve import free_port, start_server, stop
from tests.system_parts import needs


def pytest_collection_modifyitems(config, items):
    problem = None if CHROMIUM.exists() else f"Debian's chromium is not at {CHROMIUM}"
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(needs("browser", problem))


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


# The state folder of each demo server this session started, by base URL (a test that must change a row the API cannot).
DEMO_HOMES: dict[str, Path] = {}
# A webhook delivery the receiver refuses is retried once, a second later, then `failed` (test_ui_webhooks.py shows
# a real failed delivery and its retry button; the defaults, 6 attempts from 30 s apart, take a quarter of an hour).
DEMO_SETTINGS = {"DABIWU_WEBHOOK_MAX_ATTEMPTS": "2", "DABIWU_WEBHOOK_RETRY_BASE_SECONDS": "1"}


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory, request) -> str:
    """Base URL of a real `dabiwu serve --demo` with the three bundles and the demo accounts.

    DABIWU_BROWSER_BASE=http://127.0.0.1:PORT reuses a demo server already running (for working on the UI); start it
    with DEMO_SETTINGS in its environment.
    """
    reuse = os.environ.get("DABIWU_BROWSER_BASE")
    if reuse:
        yield reuse.rstrip("/")
        return
    root = tmp_path_factory.mktemp("browser-demo")
    home, port = root / "home", free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_server(home, port, DEMO_SETTINGS)
    DEMO_HOMES[base] = home
    log = root / f"serve-{port}.log"
    try:
        # Train the baseline model while the server loads its bundles: the upload test needs it first
        # thing, and the sooner its job is queued, the fewer of the demo's own baseline jobs it waits behind.
        request.getfixturevalue("baseline_archive")
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"`dabiwu serve --demo` exited during start-up; its log ends with:\n{_log_tail(log)}")
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"`dabiwu serve --demo` was not healthy after {STARTUP_SECONDS} s; its log ends with:\n{_log_tail(log)}")
            time.sleep(0.5)
        yield base
    finally:
        stop(process)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _shot_path(request, suffix: str = "") -> Path:
    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}{suffix}.png"


@pytest.fixture
def page(browser, request):
    """A fresh context (empty localStorage: signed out, default locale) and its page."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(UI_TIMEOUT_MS)
    expect.set_options(timeout=UI_TIMEOUT_MS)
    page = context.new_page()
    yield page
    try:
        page.screenshot(path=_shot_path(request), full_page=True)
    finally:
        context.close()


@pytest.fixture
def screenshot(page, request):
    """Save an extra, named PNG of the current screen (the last screen is saved anyway)."""

    def save(label: str) -> Path:
        path = _shot_path(request, f"-{label}")
        page.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.fixture
def sign_in(page, demo_server):
    """Sign in through the login form as a demo account; returns once the role's menu is shown."""
    from playwright.sync_api import expect

    def sign_in_as(username: str) -> None:
        page.goto(f"{demo_server}/#/login")
        page.fill("#username", username)
        page.fill("#password", PASSWORDS[username])
        page.click("button[type=submit]")
        expect(page.get_by_test_id("menu-challenges")).to_be_visible()

    return sign_in_as


@pytest.fixture(scope="session")
def scored_submission(demo_server, baseline_archive) -> dict:
    """A scored submission on the medical-insurance challenge: alice's from the upload test, else bob's via the API."""
    judge = api_headers(demo_server, "judge")
    board = httpx.get(f"{demo_server}/api/v1/challenges/{SLUG}/leaderboard", params={"split": "public"},
                      headers=judge, timeout=30)
    board.raise_for_status()
    if board.json():
        return board.json()[0]
    bob = api_headers(demo_server, "bob")
    with baseline_archive.open("rb") as handle:
        accepted = httpx.post(f"{demo_server}/api/v1/challenges/{SLUG}/submissions", headers=bob, timeout=120,
                              files={"file": (baseline_archive.name, handle, "application/gzip")})
    assert accepted.status_code == 202, accepted.text
    body = wait_scored(demo_server, bob, accepted.json()["id"])
    assert body["status"] == "scored", body
    return {"team": body["team"], "submission_id": body["id"]}
