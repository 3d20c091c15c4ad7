"""The first screen, the error paths and the menus, in Chinese and English, at 390 px and 1366 px.

- Signed out, the login form paints after a handful of timers and navigations (a render loop once made ~22,600
  timers and ~1,000 redirects to #/login first: a blank page for ~10 s). Counted, not timed.
- Every error the UI can reach shows a sentence in the user's language: in Chinese mode no message is ASCII-only.
- Each role's menu shows only what the API lets it use.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORDS, SLUG, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

WIDTHS = {"phone": (390, 844), "laptop": (1366, 768)}
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")

# Counts setTimeout/setInterval calls and history navigations from the very first script on.
COUNTERS = """
window.__counts = {timers: 0, navigations: 0};
const _st = window.setTimeout, _si = window.setInterval;
window.setTimeout = function (...a) { window.__counts.timers++; return _st.apply(this, a); };
window.setInterval = function (...a) { window.__counts.timers++; return _si.apply(this, a); };
const _ps = history.pushState, _rs = history.replaceState;
history.pushState = function (...a) { window.__counts.navigations++; return _ps.apply(this, a); };
history.replaceState = function (...a) { window.__counts.navigations++; return _rs.apply(this, a); };
"""


def _context(browser, locale: str, width: str):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(90_000)
    expect.set_options(timeout=90_000)
    # react-admin keeps the chosen language in localStorage; set it before the app reads it.
    context.add_init_script(f"if (!localStorage.getItem('RaStore.locale')) localStorage.setItem('RaStore.locale', '\"{locale}\"');")
    return context


def _sign_in(page, base: str, username: str) -> None:
    if page.url.startswith(base):
        page.evaluate("localStorage.removeItem('dabiwu.token'); localStorage.removeItem('dabiwu.me')")
    page.goto(f"{base}/#/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("button[type=submit]")
    expect(page.get_by_test_id("app-title")).to_be_visible()


def _check_language(text: str, locale: str, where: str) -> None:
    text = text.strip()
    assert text, f"{where}: no message shown"
    if locale == "zh":
        assert CJK.search(text), f"{where}: an English-only sentence on a Chinese page: {text!r}"
    else:
        assert not CJK.search(text), f"{where}: Chinese on an English page: {text!r}"


def _toast(page) -> str:
    toast = page.locator(".MuiSnackbarContent-message").last
    expect(toast).to_be_visible()
    text = toast.inner_text()
    page.keyboard.press("Escape")
    return text


@pytest.mark.parametrize(("locale", "width"), [("zh", "phone"), ("en", "laptop")])
def test_login_form_paints_after_a_handful_of_timers(browser, demo_server, locale, width):
    context = _context(browser, locale, width)
    try:
        context.add_init_script(COUNTERS)
        page = context.new_page()
        page.goto(f"{demo_server}/")
        expect(page.locator("#username")).to_be_visible()
        expect(page.locator("button[type=submit]")).to_have_text("登录" if locale == "zh" else "Sign in")
        counts = page.evaluate("window.__counts")
        # Measured after the fix: 8 timers and 2 navigations (the loop made thousands of each).
        assert counts["timers"] <= 30, counts
        assert counts["navigations"] <= 5, counts
        assert page.url.endswith("#/login")
        # Signed out, an old deep link also lands on the form without a loop.
        page.goto(f"{demo_server}/#/leaderboard/{SLUG}")
        expect(page.locator("#username")).to_be_visible()
        assert page.evaluate("window.__counts")["timers"] <= 30
    finally:
        context.close()


@pytest.mark.parametrize(("locale", "width"), [("zh", "phone"), ("zh", "laptop"), ("en", "laptop")])
def test_error_paths_speak_the_users_language(browser, demo_server, tmp_path, locale, width):
    context = _context(browser, locale, width)
    try:
        page = context.new_page()
        # A wrong password.
        page.goto(f"{demo_server}/#/login")
        page.fill("#username", "alice")
        page.fill("#password", "not-the-password")
        page.click("button[type=submit]")
        _check_language(_toast(page), locale, "bad login")

        # A team: the registry is not in its menu, and an old link to it says why in a sentence.
        _sign_in(page, demo_server, "alice")
        go(page, "#/registry")
        _check_language(page.get_by_test_id("role-refused").inner_text(), locale, "team on the registry")

        # An upload the API refuses (not a model archive).
        go(page, f"#/submit/{SLUG}")
        junk = tmp_path / f"notes-{locale}-{width}.txt"
        junk.write_text("not a model")
        page.get_by_test_id("submission-file").set_input_files(junk)
        page.get_by_test_id("submission-upload").click()
        _check_language(page.get_by_test_id("upload-error").inner_text(), locale, "upload refusal")

        # The network goes away: a translated generic sentence, not the browser's words.
        page.route("**/api/v1/submissions**", lambda route: route.abort())
        go(page, "#/submissions")
        _check_language(_toast(page), locale, "network error")
        page.unroute("**/api/v1/submissions**")

        # The server fails with a body that is not JSON: again a sentence in the user's language.
        page.route("**/api/v1/submissions**", lambda route: route.fulfill(status=500, body="Internal Server Error"))
        go(page, "#/challenges")
        go(page, "#/submissions")
        _check_language(_toast(page), locale, "server error")
        page.unroute("**/api/v1/submissions**")

        # An admin: a taken username, and one the form lets through but the API's validation refuses (65 characters:
        # the form checks only the short side). The code is read off the real response, so the sentence checked is
        # the server's answer (a 422 with its field list), not a form hint.
        _sign_in(page, demo_server, "admin")
        for username, code in (("alice", "username_taken"), ("u" * 65, "invalid_request")):
            go(page, "#/users/create")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "a-long-password-1")
            page.fill("input[name=team]", f"队-{uuid.uuid4().hex[:6]}")
            with page.expect_response(lambda r: r.url.endswith("/api/v1/users") and r.request.method == "POST") as sent:
                page.locator("button[type=submit]").click()
            assert (sent.value.status, sent.value.json()["code"]) == (422, code), (username, sent.value.text())
            _check_language(_toast(page), locale, f"create user {username[:8]!r}")
    finally:
        context.close()


# Each role's menu, as the roles test names it (one list for both files).
from tests.browser.test_ui_roles import MENUS  # noqa: E402


@pytest.mark.parametrize(("locale", "width"), [("zh", "laptop"), ("en", "phone")])
def test_each_role_sees_only_the_menus_it_may_use(browser, demo_server, locale, width):
    context = _context(browser, locale, width)
    try:
        page = context.new_page()
        for username, menus in MENUS.items():
            _sign_in(page, demo_server, username)
            if width == "phone":  # the menu is a drawer behind the app bar's button (open or closed as last left)
                button = page.locator("header button").first
                expect(button).to_have_attribute("aria-label", re.compile("."))
                if not page.get_by_test_id("menu-challenges").is_visible():
                    button.click()
            expect(page.get_by_test_id("menu-challenges")).to_be_visible()
            shown = {item.get_attribute("data-testid") for item in page.locator("[data-testid^='menu-']").all()}
            assert shown == menus, username
            for item in page.locator("[data-testid^='menu-']").all():
                _check_language(item.text_content() or "", locale, f"{username} menu")
    finally:
        context.close()
