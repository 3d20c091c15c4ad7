"""Issue #20: an admin manages outgoing webhooks in the browser, in Chinese on a 390 px phone and in English on a
1366 px laptop: creates one pointing at a real receiver on loopback (the server's allow-list refusal shows first),
sees its secret once and copies it, sends a test delivery that the receiver refuses twice (a real `failed` delivery
in the log, with its HTTP status, attempts and error) and sends it again from the log, pauses it, rotates its secret
and deletes it. The receiver checks every body's HMAC signature with the secret the UI showed.

The demo server retries a refused delivery once, a second later (conftest.DEMO_SETTINGS)."""

from __future__ import annotations

import json
import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from dabiwu.notifications.signing import verify
from tests.browser.helpers import api_headers, go
from tests.browser.test_ui_history_notify import _fits, _open
from tests.notifications.receiver import Receiver

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CJK = re.compile(r"[\u4e00-\u9fff]")
DELIVERY_MS = 60_000  # the dispatcher polls every 2 s; the log refreshes every 3 s while something is in flight


def _signed_by(request: dict, secret: str) -> bool:
    headers = request["headers"]
    return verify(secret=secret, delivery_id=headers["X-Dabiwu-Delivery-Id"],
                  timestamp=int(headers["X-Dabiwu-Timestamp"]), body=request["body"],
                  signature=headers["X-Dabiwu-Signature"])


@pytest.mark.parametrize(("locale", "width"), [("zh", 390), ("en", 1366)])
def test_an_admin_adds_a_webhook_sees_its_secret_once_and_follows_its_deliveries(browser, demo_server, locale, width):
    zh = locale == "zh"
    admin = api_headers(demo_server, "admin")
    name = f"{'省院大屏' if zh else 'Provincial dashboard'} {uuid.uuid4().hex[:6]}"
    existing = httpx.get(f"{demo_server}/api/v1/admin/webhooks", headers=admin, timeout=30).json()
    with Receiver(fail_first=2) as receiver:
        context, page = _open(browser, demo_server, "admin", locale=locale, width=width)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo_server)
        try:
            if zh:
                go(page, "#/admin/webhooks")
            else:
                page.get_by_test_id("menu-webhooks").click()
                expect(page.get_by_test_id("menu-webhooks")).to_contain_text("Webhooks")
            expect(page.get_by_test_id("webhooks-page")).to_be_visible()
            if not existing:
                expect(page.get_by_test_id("webhooks-empty")).to_contain_text(
                    "还没有 Webhook" if zh else "No webhooks yet")
            page.get_by_test_id("webhook-create").first.click()

            # A host off DABIWU_WEBHOOK_ALLOWED_HOSTS: the server's refusal, in the user's language, in the form.
            form = page.get_by_test_id("webhook-form")
            page.get_by_test_id("webhook-name").fill(name)
            page.get_by_test_id("webhook-url").fill("http://10.0.0.5/hook")
            for kind in ("registry.delisted", "challenge.finalized"):
                page.locator(f"[data-testid=webhook-event][data-event='{kind}']").check()
            page.get_by_test_id("webhook-save").click()
            expect(page.get_by_test_id("webhook-form-error")).to_contain_text(
                "DABIWU_WEBHOOK_ALLOWED_HOSTS" if not zh else "不在 DABIWU_WEBHOOK_ALLOWED_HOSTS")
            if not zh:
                assert not CJK.search(form.inner_text()), form.inner_text()
            page.get_by_test_id("webhook-url").fill(receiver.url)
            page.get_by_test_id("webhook-save").click()

            # The secret, once, with a warning that it will not be shown again; the copy button copies it.
            dialog = page.get_by_test_id("webhook-secret-dialog")
            expect(dialog).to_be_visible()
            expect(page.get_by_test_id("webhook-secret-warning")).to_contain_text(
                "无法再次查看" if zh else "cannot show it again")
            secret = page.get_by_test_id("webhook-secret").inner_text().strip()
            assert re.fullmatch(r"whsec_[0-9a-f]{64}", secret), secret
            page.get_by_test_id("webhook-secret-copy").click()
            assert page.evaluate("navigator.clipboard.readText()") == secret
            assert bool(CJK.search(dialog.inner_text())) == zh, dialog.inner_text()
            _fits(page)
            page.get_by_test_id("webhook-secret-done").click()

            detail = page.get_by_test_id("webhook-detail")
            expect(detail).to_be_visible()
            hook_id = detail.get_attribute("data-id")
            expect(page.get_by_test_id("webhook-secret-prefix")).to_have_text(f"{secret[:12]}…")
            assert secret not in page.content()  # shown once: gone with its dialog
            expect(page.get_by_test_id("deliveries-empty")).to_be_visible()

            # A test delivery: the receiver answers 500 twice, so it ends `failed`; sent again from the log, delivered.
            page.get_by_test_id("webhook-ping").click()
            row = page.get_by_test_id("delivery-row").first
            expect(row).to_have_attribute("data-status", "failed", timeout=DELIVERY_MS)
            expect(row).to_have_attribute("data-code", "500")
            expect(row).to_have_attribute("data-attempts", "2")
            expect(row.get_by_test_id("delivery-status")).to_have_text("失败" if zh else "Failed")
            expect(row.get_by_test_id("delivery-event")).to_have_text("测试投递（ping）" if zh else "Test delivery (ping)")
            expect(row.get_by_test_id("delivery-error")).to_contain_text("HTTP 500")
            row.get_by_test_id("delivery-expand").click()
            expect(page.get_by_test_id("delivery-attempt")).to_have_count(2)
            _fits(page)
            row.get_by_test_id("delivery-retry").click()
            expect(row).to_have_attribute("data-status", "delivered", timeout=DELIVERY_MS)
            expect(row).to_have_attribute("data-code", "200")
            expect(row.get_by_test_id("delivery-status")).to_have_text("已送达" if zh else "Delivered")
            assert [r["answered"] for r in receiver.requests] == [500, 500, 200]
            assert all(_signed_by(r, secret) for r in receiver.requests)
            body = json.loads(receiver.requests[-1]["body"])
            assert body["event"] == "ping" and body["data"]["webhook_id"] == hook_id and body["data"]["name"] == name
            if not zh:
                assert not CJK.search(detail.inner_text()), detail.inner_text()

            # Pause it; rotate the secret (asked first, the new one shown once); the next delivery is signed with it.
            page.get_by_test_id("webhook-active-toggle").click()  # the switch follows the saved state
            expect(detail).to_have_attribute("data-active", "false")
            page.get_by_test_id("webhook-rotate").click()
            expect(page.get_by_test_id("webhook-rotate-confirm")).to_contain_text(
                "旧密钥立即失效" if zh else "old secret stops working")
            page.get_by_test_id("webhook-rotate-confirm-yes").click()
            rotated = page.get_by_test_id("webhook-secret").inner_text().strip()
            assert re.fullmatch(r"whsec_[0-9a-f]{64}", rotated) and rotated != secret
            page.get_by_test_id("webhook-secret-done").click()
            expect(page.get_by_test_id("webhook-secret-prefix")).to_have_text(f"{rotated[:12]}…")
            page.get_by_test_id("webhook-ping").click()
            delivered = page.locator("[data-testid=delivery-row][data-status=delivered]")
            expect(delivered).to_have_count(2, timeout=DELIVERY_MS)
            assert _signed_by(receiver.requests[-1], rotated) and not _signed_by(receiver.requests[-1], secret)

            # The list: its URL, events, paused, and how its last delivery went.
            page.get_by_test_id("webhook-back").click()
            listed = page.locator(f"[data-testid=webhook-row][data-id='{hook_id}']")
            expect(listed.get_by_test_id("webhook-url-text")).to_have_text(receiver.url)
            expect(listed.locator("[data-event]")).to_have_count(2)
            expect(listed.get_by_test_id("webhook-events")).to_contain_text("定榜" if zh else "Challenge finalized")
            expect(listed.get_by_test_id("webhook-active-chip")).to_have_attribute("data-active", "false")
            expect(listed.get_by_test_id("webhook-last")).to_have_attribute("data-status", "delivered")
            expect(listed.get_by_test_id("webhook-last")).to_contain_text("200")
            if not zh:
                assert not CJK.search(page.get_by_test_id("webhooks-page").inner_text().replace(name, ""))
            _fits(page)

            # Delete, after a confirmation: back on the list without it, and the API no longer has it.
            listed.get_by_test_id("webhook-link").click()
            page.get_by_test_id("webhook-delete").click()
            page.get_by_test_id("webhook-delete-confirm-yes").click()
            expect(page.get_by_test_id("webhooks-page")).to_be_visible()
            expect(page.locator(f"[data-testid=webhook-row][data-id='{hook_id}']")).to_have_count(0)
        finally:
            context.close()
    gone = httpx.get(f"{demo_server}/api/v1/admin/webhooks/{hook_id}", headers=admin, timeout=30)
    assert gone.status_code == 404 and gone.json()["code"] == "webhook_not_found"
