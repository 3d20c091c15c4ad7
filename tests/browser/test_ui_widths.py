"""Every screen fits a 390 px phone and a 1366x768 laptop with no horizontal scroll of the page.

Wide tables and code blocks scroll inside their own box; the page itself never gets wider than the window
(`document.documentElement.scrollWidth <= innerWidth`). One context per role, width and language; routes are
followed inside the loaded app (no reloads).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORDS, SLUG, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

ROUTES = {
    "alice": ["#/challenges", f"#/challenges/{SLUG}/show", f"#/leaderboard/{SLUG}", "#/submissions", f"#/submit/{SLUG}"],
    "judge": [f"#/judging/{SLUG}", "#/registry", "#/district-use", "#/submissions"],
    "admin": ["#/users", "#/users/create", "#/teams", "#/districts", "#/audit", "#/admin/bundles", "#/admin/queue",
              "#/admin/webhooks"],
    "zaoyang": ["#/registry", "#/district-use", f"#/leaderboard/{SLUG}", "#/leads"],
}
SIZES = {390: 844, 1366: 768}
BUSY = ".MuiCircularProgress-root, [data-testid=loading], [data-testid=app-loading]"


def _overflow(page) -> dict:
    return page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")


def _readable(page, route: str, locale: str) -> None:
    """Where people read, no raw keys: audit entries are sentences, lists name challenges by title."""
    cjk = re.compile(r"[\u4e00-\u9fff]")
    if route == "#/audit":
        sentences = page.get_by_test_id("audit-sentence")
        expect(sentences.first).to_be_visible()
        for text in sentences.all_inner_texts():
            assert not re.search(r"\b[a-z]+\.[a-z_]+\b", text) and "{" not in text, text
            if locale == "zh":
                assert cjk.search(text), text
    if route == "#/submissions":
        cells = page.get_by_test_id("submission-row-challenge")
        expect(cells.first).to_be_visible()
        for text in cells.all_inner_texts():
            assert not re.fullmatch(r"[a-z0-9-]+", text.strip()), f"a challenge code instead of its title: {text!r}"
    if route == "#/registry":
        expect(page.get_by_test_id("registry-row").first).to_be_visible()
        assert page.get_by_test_id("registry-drift").count() == page.get_by_test_id("registry-row").count()


@pytest.mark.parametrize(("locale", "width"), [("zh", 390), ("en", 390), ("zh", 1366), ("en", 1366)])
def test_every_route_fits_the_window(browser, demo_server, scored_submission, locale, width):
    problems = []
    routes_of = {**ROUTES, "judge": ROUTES["judge"] + [f"#/submissions/{scored_submission['submission_id']}/show"]}
    for username, routes in routes_of.items():
        context = browser.new_context(viewport={"width": width, "height": SIZES[width]}, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(90_000)
        expect.set_options(timeout=90_000)
        context.add_init_script(f"localStorage.setItem('RaStore.locale', '\"{locale}\"');")
        try:
            page = context.new_page()
            page.goto(f"{demo_server}/#/login")
            expect(page.locator("#username")).to_be_visible()
            size = _overflow(page)
            if size["scroll"] > size["inner"]:
                problems.append(f"login: page {size['scroll']} px wide in a {size['inner']} px window")
            page.fill("#username", username)
            page.fill("#password", PASSWORDS[username])
            page.click("button[type=submit]")
            expect(page.get_by_test_id("app-title")).to_be_visible()
            for route in routes:
                go(page, route)
                expect(page.locator(BUSY)).to_have_count(0)
                if route.startswith("#/challenges/"):
                    # The README is real Markdown (react-markdown + GFM): its tables are tables, each in its own
                    # scrolling box, and no pipe-table source is left as text.
                    tables = page.get_by_test_id("markdown-table")
                    expect(tables.first).to_be_visible()
                    assert tables.first.evaluate("e => getComputedStyle(e).overflowX") == "auto"
                    assert "|---" not in page.get_by_test_id("markdown").inner_text()
                    # The challenge names the scoring runtime its models run in (issue #16).
                    expect(page.get_by_test_id("challenge-runtime")).to_contain_text("standard-")
                if route == "#/challenges":
                    # Metric names as people read them (平均精度（前300条）), not `average_precision @300`.
                    metric = page.get_by_test_id("challenge-metric").first
                    expect(metric).to_be_visible()
                    assert "_" not in metric.inner_text() and "@" not in metric.inner_text(), metric.inner_text()
                if route.startswith("#/submissions/"):
                    # The scoring run and the bootstrap as a labelled panel, not a JSON dump.
                    expect(page.get_by_test_id("scoring-details")).to_be_visible()
                    text = page.get_by_test_id("submission-detail").inner_text()
                    for raw in ("{'", '{"', "scorer_version", "sandbox_kind", "average_precision"):
                        assert raw not in text, f"{raw!r} shown on the submission page"
                    # The precision-recall axes: quarter ticks with their own digits (0.25, not "0.3").
                    ticks = page.get_by_test_id("pr-curve").locator(".recharts-cartesian-axis-tick-value")
                    expect(ticks).to_have_count(10)  # both axes
                    assert ticks.all_text_contents() == ["0", "0.25", "0.5", "0.75", "1"] * 2, ticks.all_text_contents()
                _readable(page, route, locale)
                size = _overflow(page)
                if size["scroll"] > size["inner"]:
                    problems.append(f"{username} {route}: page {size['scroll']} px wide in a {size['inner']} px window")
        finally:
            context.close()
    assert not problems, "\n".join(problems)
