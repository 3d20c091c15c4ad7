"""An administrator reloads a challenge bundle and rescores, from the UI."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SLUG, api_headers, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def test_admin_reloads_a_bundle_and_rescores(page, demo_server, sign_in, scored_submission, screenshot):
    admin = api_headers(demo_server, "admin")
    api = f"{demo_server}/api/v1"
    before = httpx.get(f"{api}/submissions/{scored_submission['submission_id']}", headers=admin, timeout=30).json()

    sign_in("admin")
    page.get_by_test_id("menu-bundles").click()
    expect(page.get_by_test_id("bundle-row")).to_have_count(3)
    row = page.locator(f"[data-testid=bundle-row][data-slug='{SLUG}']")
    expect(row).to_have_attribute("data-loaded", "true")
    expect(row).to_have_attribute("data-up-to-date", "true")
    # The demo loaded this version already: a reload is a no-op, and says so.
    row.get_by_test_id("bundle-load").click()
    result = page.get_by_test_id("bundle-load-result")
    expect(result).to_have_attribute("data-created", "false")
    expect(result).to_contain_text(SLUG)
    audit = httpx.get(f"{api}/audit", params={"page_size": 50}, headers=admin, timeout=30).json()
    assert any(e["action"] == "challenge.reload" and e["object_id"] == SLUG and e["actor_name"] == "admin" for e in audit), audit[:5]

    # Rescore the whole challenge from stored predictions.
    row.get_by_test_id("rescore-challenge").click()
    # "全部重评" asks first; going back changes nothing, confirming rescores.
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(SLUG)
    dialog.locator(".ra-confirm").click()
    rescored = page.get_by_test_id("rescore-result")
    expect(rescored).to_have_attribute("data-slug", SLUG)
    total = httpx.get(f"{api}/submissions", params={"challenge": SLUG, "page_size": 1}, headers=admin, timeout=30)
    expect(rescored).to_have_attribute("data-total", total.headers["X-Total-Count"])
    screenshot("bundles")

    # And one submission from its detail page: a new score version each time.
    go(page, f"#/submissions/{scored_submission['submission_id']}/show")
    page.get_by_test_id("rescore-submission").click()
    expect(page.get_by_test_id("rescore-submission")).to_have_attribute("data-outcome", "rescored")
    after = httpx.get(f"{api}/submissions/{scored_submission['submission_id']}", headers=admin, timeout=30).json()
    assert after["score_version"] == before["score_version"] + 2
    assert after["public_score"] == pytest.approx(before["public_score"])
