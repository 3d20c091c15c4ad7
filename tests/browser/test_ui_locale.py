"""Simplified Chinese by default; the locale switch turns the UI into English and back."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SLUG, api_headers

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def _titles(base: str) -> dict[str, str]:
    answer = httpx.get(f"{base}/api/v1/challenges/{SLUG}", headers=api_headers(base, "alice"), timeout=30)
    answer.raise_for_status()
    return {"zh": answer.json()["title_zh"], "en": answer.json()["title_en"]}


def test_ui_is_chinese_by_default_and_switches_to_english(page, demo_server, screenshot):
    titles = _titles(demo_server)
    page.goto(f"{demo_server}/#/login")
    expect(page.get_by_test_id("locale-switch")).to_have_attribute("data-locale", "zh")
    expect(page.get_by_test_id("login-heading")).to_contain_text("大比武")
    expect(page.get_by_test_id("login-heading")).to_contain_text("大数据法律监督模型")
    expect(page.locator("button[type=submit]")).to_have_text("登录")
    screenshot("login-zh")

    page.fill("#username", "alice")
    page.fill("#password", "dabiwu-team1")
    page.click("button[type=submit]")
    title = page.locator(f"[data-testid=challenge-title][data-slug='{SLUG}']")
    expect(title).to_have_text(titles["zh"])
    expect(page.get_by_test_id("menu-challenges")).to_have_text("竞赛")
    expect(page.get_by_test_id("menu-submit")).to_have_text("提交模型")
    # An open challenge's chip (another browser test finalizes one of the three).
    open_phase = page.locator("[data-testid=challenge-phase][data-phase=open]").first
    expect(open_phase).to_have_text("进行中")
    screenshot("challenges-zh")

    page.get_by_test_id("locale-switch").click()
    page.get_by_test_id("locale-en").click()
    expect(page.get_by_test_id("locale-switch")).to_have_attribute("data-locale", "en")
    expect(title).to_have_text(titles["en"])
    expect(page.get_by_test_id("menu-challenges")).to_have_text("Challenges")
    expect(page.get_by_test_id("menu-submit")).not_to_contain_text("提交")
    expect(open_phase).to_have_text("Open")
    screenshot("challenges-en")

    # The choice is remembered across a reload, and the switch goes back to Chinese.
    page.reload()
    expect(page.get_by_test_id("locale-switch")).to_have_attribute("data-locale", "en")
    expect(title).to_have_text(titles["en"])
    page.get_by_test_id("locale-switch").click()
    page.get_by_test_id("locale-zh").click()
    expect(title).to_have_text(titles["zh"])
    expect(page.get_by_test_id("menu-challenges")).to_have_text("竞赛")
