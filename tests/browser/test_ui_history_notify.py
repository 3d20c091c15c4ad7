"""The notification bell (unread badge, list in the user's language, mark all read) and the model card's history
timeline, in Chinese and English, on a 390 px phone and a 1366 px laptop, against the demo server."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORDS, SCORING_SECONDS, UI_TIMEOUT_MS, api_headers, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CJK = re.compile(r"[\u4e00-\u9fff]")
SIZES = {390: 844, 1366: 768}


def _wait(check, what: str):
    deadline = time.monotonic() + SCORING_SECONDS
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, f"the demo never gave {what}"
            return value
        time.sleep(3)


def _open(browser, base: str, username: str, *, locale: str, width: int):
    context = browser.new_context(viewport={"width": width, "height": SIZES[width]}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(UI_TIMEOUT_MS)
    expect.set_options(timeout=UI_TIMEOUT_MS)
    context.add_init_script(f"localStorage.setItem('RaStore.locale', '\"{locale}\"');")
    page = context.new_page()
    page.goto(f"{base}/#/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    expect(page.get_by_test_id("app-title")).to_be_visible()
    return context, page


def _fits(page) -> None:
    size = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert size["scroll"] <= size["inner"], size


@pytest.mark.parametrize(("locale", "width"), [("zh", 390), ("en", 1366)])
def test_the_bell_shows_a_teams_unread_notifications_in_its_language(browser, demo_server, locale, width):
    alice = api_headers(demo_server, "alice")

    def unread() -> int:
        answer = httpx.get(f"{demo_server}/api/v1/notifications", params={"unread": True}, headers=alice, timeout=30)
        return int(answer.headers["X-Unread-Count"])

    def any_note() -> bool:
        return bool(httpx.get(f"{demo_server}/api/v1/notifications", headers=alice, timeout=30).json())

    def listed() -> set[str]:
        return {note["id"] for note in httpx.get(f"{demo_server}/api/v1/notifications", headers=alice,
                                                  timeout=30).json()}

    _wait(any_note, "alice a notification (her baseline is scored by the demo)")
    context, page = _open(browser, demo_server, "alice", locale=locale, width=width)
    try:
        bell = page.get_by_test_id("notification-bell")
        expect(bell).to_have_attribute("data-unread", re.compile(r"^\d+$"))

        # The demo may still be scoring alice's submissions, so her count can grow while the page loads: the bell
        # (which polls) must come to show what the API says at that moment.  The first run marks them all read:
        # the second sees 0 unread and the same list.
        def bell_agrees() -> bool:
            return bell.get_attribute("data-unread") == str(unread())

        _wait(bell_agrees, "a bell showing the API's unread count")
        count = int(bell.get_attribute("data-unread"))
        bell.click()
        items = page.get_by_test_id("notification-item")
        expect(items.first).to_be_visible()
        title = items.first.locator(".MuiListItemText-primary").inner_text()
        if locale == "zh":
            assert CJK.search(title) and "评分" in title, title
        else:
            assert not CJK.search(title) and re.search(r"scored|failed|finalized", title), title
        _fits(page)
        if count:
            seen = listed()
            page.get_by_test_id("notifications-read-all").click()
            expect(bell).to_have_attribute("data-unread", "0")
            still_unread = {note["id"] for note in httpx.get(
                f"{demo_server}/api/v1/notifications", params={"unread": True}, headers=alice, timeout=30).json()}
            assert not still_unread & seen, "read-all left notifications that were listed before it unread"
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "width"), [("zh", 390), ("en", 1366)])
def test_the_model_card_shows_the_history_timeline(browser, demo_server, locale, width):
    district = api_headers(demo_server, "zaoyang")

    def listed():
        models = httpx.get(f"{demo_server}/api/v1/registry/models", headers=district, timeout=30).json()
        return next((m for m in models if m["listed"]), None)

    model = _wait(listed, "a listed model")
    slug, version = model["slug"], model["champion_version"] or model["listed"][0]["version"]
    history = httpx.get(f"{demo_server}/api/v1/registry/models/{slug}/history", headers=district, timeout=30).json()
    assert {"promoted", "alias_moved", "gates_passed"} <= {e["kind"] for e in history}, history
    context, page = _open(browser, demo_server, "zaoyang", locale=locale, width=width)
    try:
        go(page, f"#/registry/{slug}/{version}")
        timeline = page.get_by_test_id("history-timeline")
        expect(timeline).to_be_visible()
        events = page.get_by_test_id("history-event")
        expect(events).to_have_count(len(history))
        kinds = [events.nth(i).get_attribute("data-kind") for i in range(len(history))]
        assert kinds == [e["kind"] for e in history]  # newest first, as the API answers
        moved = page.locator("[data-testid=history-event][data-kind=alias_moved]").first
        expect(moved).to_contain_text("冠军变更" if locale == "zh" else "Champion changed")
        first_move = next(e for e in history if e["kind"] == "alias_moved")
        expect(moved.get_by_test_id("history-lineage")).to_contain_text(first_move["runtime"])
        _fits(page)
    finally:
        context.close()
