"""The judge's registry job in the browser: promote with the gate results shown first, then delist.

Runs after test_ui_registry.py (file order), and leaves the registry as it found it: the version it lists is
delisted again.
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import PASSWORDS, SLUG, api_headers, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _registry(base: str, headers: dict) -> list[dict]:
    return httpx.get(f"{base}/api/v1/registry/models", headers=headers, timeout=30).json()


def _champion(base: str, headers: dict) -> dict:
    model = next(m for m in _registry(base, headers) if m["slug"] == SLUG)
    return next(v for v in model["listed"] if v["version"] == model["champion_version"])


def _failing_candidate(base: str, headers: dict) -> str | None:
    """A scored, unlisted submission whose gates fail (the demo's weaker baseline), if there is one."""
    listed = {v["submission_id"] for m in _registry(base, headers) for v in m["listed"]}
    rows = httpx.get(f"{base}/api/v1/submissions", params={"challenge": SLUG, "status": "scored", "page_size": 100},
                     headers=headers, timeout=30).json()
    for row in rows:
        if row["id"] in listed or row.get("disqualified_reason"):
            continue
        gates = httpx.get(f"{base}/api/v1/submissions/{row['id']}/promotion-gates", headers=headers, timeout=60).json()
        if gates.get("passed") is False:
            return row["id"]
    return None


@pytest.mark.parametrize(("locale", "width"), [("zh", 390), ("en", 1366)])
def test_judge_sees_the_gates_before_promoting_and_delists(browser, demo_server, scored_submission, locale, width):
    judge = api_headers(demo_server, "judge")
    context = browser.new_context(viewport={"width": width, "height": 844 if width == 390 else 768}, timezone_id="Asia/Shanghai")
    context.set_default_timeout(90_000)
    expect.set_options(timeout=90_000)
    context.add_init_script(f"localStorage.setItem('RaStore.locale', '\"{locale}\"');")
    try:
        page = context.new_page()
        page.goto(f"{demo_server}/#/login")
        page.fill("#username", "judge")
        page.fill("#password", PASSWORDS["judge"])
        page.click("button[type=submit]")
        expect(page.get_by_test_id("app-title")).to_be_visible()

        # A model that fails a gate: the gates are shown with their sentences, and it cannot be listed.
        failing = _failing_candidate(demo_server, judge)
        if failing is not None:
            go(page, f"#/submissions/{failing}/show")
            page.get_by_test_id("promote-button").click()
            gates = page.get_by_test_id("promote-gate")
            expect(gates.first).to_be_visible()
            for text in gates.all_inner_texts():
                assert CJK.search(text) if locale == "zh" else text.isascii() or "district" in text, text
            expect(page.locator("[data-testid=promote-gate][data-passed=false]").first).to_be_visible()
            expect(page.get_by_test_id("promote-failed")).to_be_visible()
            expect(page.get_by_test_id("promote-confirm")).to_be_disabled()
            page.get_by_test_id("promote-cancel").click()
            expect(page.get_by_test_id("promote-dialog")).to_have_count(0)

        # Delist the champion from its model card: a confirmation that needs a reason.
        champion = _champion(demo_server, judge)
        go(page, f"#/registry/{SLUG}/{champion['version']}")
        expect(page.get_by_test_id("model-card-title")).not_to_contain_text(SLUG)
        page.get_by_test_id("delist-button").click()
        expect(page.get_by_test_id("delist-confirm")).to_be_disabled()
        assert page.get_by_test_id("delist-cancel").inner_text() != page.get_by_test_id("delist-confirm").inner_text()
        page.get_by_test_id("delist-reason").fill("浏览器测试：下架" if locale == "zh" else "browser test: delisted")
        page.get_by_test_id("delist-confirm").click()
        expect(page.get_by_test_id("delist-button")).to_have_count(0)
        assert not any(v["submission_id"] == champion["submission_id"] for m in _registry(demo_server, judge) for v in m["listed"])

        # And list the same submission again (the registry is left with a champion): gates first, then confirm.
        go(page, f"#/submissions/{champion['submission_id']}/show")
        page.get_by_test_id("promote-button").click()
        expect(page.get_by_test_id("promote-gates")).to_have_attribute("data-passed", "true")
        confirm = page.get_by_test_id("promote-confirm")
        if page.get_by_test_id("promote-override").count():
            expect(confirm).to_be_disabled()  # listing before the final ranking is an explicit choice with a reason
            page.get_by_test_id("promote-override").check()
        page.get_by_test_id("promote-reason").fill("浏览器测试：重新上架" if locale == "zh" else "browser test: listed again")
        confirm.click()
        expect(page.get_by_test_id("promote-dialog")).to_have_count(0)
        assert _champion(demo_server, judge)["submission_id"] == champion["submission_id"]
    finally:
        context.close()
