"""Each demo role signs in through the login form and gets the menu of its role, no more."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dabiwu.demo import DEMO_ACCOUNTS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

EVERYONE = {"menu-challenges", "menu-leaderboard"}
REGISTRY = {"menu-registry", "menu-district-use"}  # the API refuses teams the registry
MENUS = {
    "admin": EVERYONE | REGISTRY | {"menu-submissions", "menu-judging", "menu-users", "menu-teams", "menu-districts", "menu-audit",
                         "menu-bundles", "menu-queue", "menu-webhooks"},
    "judge": EVERYONE | REGISTRY | {"menu-submissions", "menu-judging"},
    "alice": EVERYONE | {"menu-submissions", "menu-submit"},
    "zaoyang": EVERYONE | REGISTRY | {"menu-leads"},  # the lead review queue is the district's own
}
DISPLAY_NAMES = {a["username"]: a["display_name"] for a in DEMO_ACCOUNTS}


@pytest.mark.parametrize("username", list(MENUS))
def test_each_role_signs_in_and_sees_its_menu(page, sign_in, username):
    sign_in(username)
    # Signed in, the app lands on the challenge list and names the user in the app bar.
    expect(page.get_by_test_id("challenge-title")).to_have_count(3)
    expect(page.get_by_text(DISPLAY_NAMES[username], exact=True)).to_be_visible()
    shown = {item.get_attribute("data-testid") for item in page.locator("[data-testid^='menu-']").all()}
    assert shown == MENUS[username]
    for test_id in MENUS[username]:
        expect(page.get_by_test_id(test_id)).to_be_visible()
