"""`make screenshots`: full-page PNGs of every screen, per role, at 390 px and 1366 px, in Chinese and English.

Starts a `dabiwu serve --demo` on a free port in a temporary home (or uses DABIWU_BROWSER_BASE), signs in as
each demo role and saves one PNG per route into screenshots/ (not committed), so anyone can look at the whole UI
in a minute. Usage: python -m tests.browser.screenshots [--out DIR] [--locales zh,en]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, PASSWORDS, STARTUP_SECONDS
from tests.browser.test_ui_widths import BUSY, ROUTES, SIZES
from tests.e2e.test_serve import free_port, start_server, stop


def _wait_healthy(base: str, process) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("`dabiwu serve --demo` exited during start-up")
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit("`dabiwu serve --demo` did not become healthy")


def shoot(base: str, out: Path, locales: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    count = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for locale in locales:
            for width, height in SIZES.items():
                for username, routes in ROUTES.items():
                    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id="Asia/Shanghai")
                    context.set_default_timeout(90_000)
                    context.add_init_script(f"localStorage.setItem('RaStore.locale', '\"{locale}\"');")
                    page = context.new_page()
                    page.goto(f"{base}/#/login")
                    page.wait_for_selector("#username")
                    page.screenshot(path=out / f"{locale}-{width}-login.png", full_page=True)
                    page.fill("#username", username)
                    page.fill("#password", PASSWORDS[username])
                    page.click("button[type=submit]")
                    page.wait_for_selector("[data-testid=app-title]")
                    for route in routes:
                        page.evaluate("route => { window.location.hash = route; }", route)
                        page.wait_for_timeout(300)
                        page.locator(BUSY).first.wait_for(state="detached")
                        page.wait_for_timeout(700)  # let charts finish drawing (a picture, not a test)
                        name = re.sub(r"[^\w-]+", "_", route.strip("#/"))
                        page.screenshot(path=out / f"{locale}-{width}-{username}-{name}.png", full_page=True)
                        count += 1
                    context.close()
        browser.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="screenshots", type=Path)
    parser.add_argument("--locales", default="zh,en")
    args = parser.parse_args()
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    base = os.environ.get("DABIWU_BROWSER_BASE")
    process = None
    if not base:
        home = Path(tempfile.mkdtemp(prefix="dabiwu-shots-")) / "home"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = start_server(home, port)
        print(f"starting the demo server on {base} (log: {home.parent}/serve-{port}.log)")
        _wait_healthy(base, process)
    try:
        count = shoot(base.rstrip("/"), args.out, args.locales.split(","))
        print(f"{count} screenshots in {args.out}/")
    finally:
        if process is not None:
            stop(process)


if __name__ == "__main__":
    main()
