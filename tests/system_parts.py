"""Tests that need a part of the machine (a browser, bubblewrap, root, a service) say so with `needs(...)`.

A missing part FAILS the test with the reason and the fix: `make test` never skips silently.  To run the suite
without a part on purpose, name it in DABIWU_TEST_SKIP (comma-separated, e.g. `DABIWU_TEST_SKIP=browser,compose`):
its tests are then skipped, and the summary at the end lists each part skipped and why.

Parts: browser, sandbox, root, redis, rabbitmq, postgres, compose, npm.
"""

from __future__ import annotations

import os

import pytest

PARTS = ("browser", "sandbox", "root", "redis", "rabbitmq", "postgres", "compose", "npm")
FIX = {
    "browser": "install Debian's chromium and fonts-noto-cjk (scripts/system-deps test)",
    "sandbox": "install bubblewrap (scripts/system-deps run)",
    "root": "run the suite as root (CI does)",
    "redis": "start Redis on 127.0.0.1:6379 (scripts/system-deps test starts it)",
    "rabbitmq": "start RabbitMQ on 127.0.0.1:5672 (scripts/system-deps test starts it)",
    "postgres": "start PostgreSQL on 127.0.0.1:5432 (scripts/system-deps test starts it)",
    "compose": "install Docker with its Compose plugin and a running engine",
    "npm": "install Node.js 20 and npm",
}


def opted_out() -> set[str]:
    # Tests may read the environment; the platform's own code reads it only through Settings.
    return {p.strip() for p in os.environ.get("DABIWU_TEST_SKIP", "").split(",") if p.strip()}


def needs(part: str, problem: str | None):
    """A mark: the test runs when `problem` is None, else fails with it (or is skipped, if the part is opted out)."""
    assert part in PARTS, part
    return pytest.mark.needs_system_part(part, problem)


def check(part: str, problem: str | None) -> None:
    """The same, from inside a test or fixture."""
    if problem is None:
        return
    if part in opted_out():
        pytest.skip(f"[DABIWU_TEST_SKIP={part}] {problem}")
    pytest.fail(f"this test needs {part}: {problem}. Fix: {FIX[part]}; or skip these tests on purpose with "
                f"DABIWU_TEST_SKIP={part}.", pytrace=False)


def apply_marks(item: pytest.Item) -> None:
    for mark in item.iter_markers("needs_system_part"):
        check(*mark.args)


def summary_lines(skipped_reports) -> list[str]:
    by_part: dict[str, list[str]] = {}
    for report in skipped_reports:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if "[DABIWU_TEST_SKIP=" in reason:
            part = reason.split("[DABIWU_TEST_SKIP=", 1)[1].split("]", 1)[0]
            by_part.setdefault(part, []).append(reason.split("] ", 1)[-1])
    return [f"skipped on purpose (DABIWU_TEST_SKIP): {part}: {len(reasons)} tests; why: {reasons[0]}"
            for part, reasons in sorted(by_part.items())]
