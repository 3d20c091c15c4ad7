"""Issue #20: a district works its lead queue in the browser (Chinese first): a lead goes through every state,
another is moved in bulk and closed without a case, and the model card shows the field board and the field
precision chart beside the contest results."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import api_headers, go
from tests.browser.test_ui_registry import _listed_model

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_a_lead_goes_through_every_state_in_the_work_queue(page, demo_server, sign_in, screenshot):
    district = api_headers(demo_server, "zaoyang")
    model = _listed_model(demo_server, district)
    slug, version = model["slug"], model["champion_version"] or model["listed"][0]["version"]
    run = uuid.uuid4().hex[:6]
    first, second = f"UI-{run}-1", f"UI-{run}-2"
    pushed = httpx.post(f"{demo_server}/api/v1/leads/push", headers=district, timeout=30, json={
        "challenge": slug, "version": version, "run_label": f"browser-{run}",
        "rows": [{"id": first, "score": 0.99, "rank": 1}, {"id": second, "score": 0.98, "rank": 2}]})
    assert pushed.status_code == 200 and pushed.json()["new_leads"] == 2, pushed.text

    sign_in("zaoyang")
    page.get_by_test_id("menu-leads").click()
    expect(page.get_by_test_id("lead-queue")).to_be_visible()
    expect(page.get_by_test_id("menu-leads")).to_contain_text("线索核查")
    page.get_by_test_id("lead-filter-state").select_option("new")
    row = page.locator(f"[data-testid=lead-row][data-entity='{first}']")
    expect(row.get_by_test_id("lead-state")).to_have_text("线索")
    screenshot("queue")

    # The second lead is moved in bulk (select, 转为 核查中, apply).
    page.locator(f"[data-testid=lead-row][data-entity='{second}'] [data-testid=lead-select] input").check()
    page.get_by_test_id("lead-bulk-state").select_option("verifying")
    page.get_by_test_id("lead-bulk-apply").click()
    expect(page.locator(f"[data-testid=lead-row][data-entity='{second}']")).to_have_count(0)  # no longer "new"

    # The first goes 线索 → 核查中 → 立案 → 监督文书 → 整改完毕 on its own page.
    row.get_by_test_id("lead-link").click()
    detail = page.get_by_test_id("lead-detail")
    expect(detail).to_have_attribute("data-state", "new")
    for state, label in (("verifying", "核查中"), ("case_opened", "立案"), ("supervision_document", "监督文书"),
                         ("rectified", "整改完毕")):
        page.locator(f"[data-testid=lead-move][data-to={state}]").click()
        expect(detail).to_have_attribute("data-state", state)
        expect(detail.get_by_test_id("lead-state")).to_have_text(label)
    expect(page.get_by_test_id("lead-closed")).to_be_visible()
    expect(page.get_by_test_id("lead-history")).to_have_attribute("data-count", "4")
    expect(page.get_by_test_id("lead-history-item").last).to_contain_text("监督文书 → 整改完毕")
    screenshot("rectified")

    # The bulk-moved lead closes without a case: the reason is required before the button is enabled.
    go(page, "#/leads")
    page.get_by_test_id("lead-filter-state").select_option("verifying")
    page.locator(f"[data-testid=lead-row][data-entity='{second}'] [data-testid=lead-link]").click()
    expect(detail).to_have_attribute("data-state", "verifying")
    no_case = page.locator("[data-testid=lead-move][data-to=no_case]")
    expect(no_case).to_be_disabled()
    page.get_by_test_id("lead-reason").fill("经核查不符合立案条件")
    no_case.click()
    expect(detail).to_have_attribute("data-state", "no_case")
    expect(detail).to_contain_text("经核查不符合立案条件")

    # The model card shows the field board and field precision over time beside the contest results.
    go(page, f"#/registry/{slug}/{version}")
    board = page.get_by_test_id("field-board")
    expect(board).to_be_visible()
    expect(board.locator(f"[data-testid=field-board-row][data-version='{version}']")).to_be_visible()
    assert CJK.search(board.inner_text())
    expect(page.get_by_test_id("field-chart")).to_be_visible()
    expect(page.get_by_test_id("field-chart-band")).to_have_count(1)
    screenshot("model-card-field")


def test_the_queue_the_lead_page_and_the_field_board_fit_a_phone(page, demo_server, sign_in):
    district = api_headers(demo_server, "zaoyang")
    model = _listed_model(demo_server, district)
    slug, version = model["slug"], model["champion_version"] or model["listed"][0]["version"]
    run = uuid.uuid4().hex[:6]
    httpx.post(f"{demo_server}/api/v1/leads/push", headers=district, timeout=30, json={
        "challenge": slug, "version": version, "run_label": f"phone-{run}",
        "rows": [{"id": f"PHONE-{run}-一个很长的案件编号-{'x' * 40}", "score": 0.5}]}).raise_for_status()
    lead = httpx.get(f"{demo_server}/api/v1/leads", headers=district, params={"sort": "-updated"}, timeout=30).json()[0]
    sign_in("zaoyang")
    page.set_viewport_size({"width": 390, "height": 844})
    for route, ready in (("#/leads", "lead-queue"), (f"#/leads/{lead['id']}", "lead-detail"),
                         (f"#/registry/{slug}/{version}", "field-board")):
        go(page, route)
        expect(page.get_by_test_id(ready)).to_be_visible()
        size = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert size["scroll"] <= size["inner"], f"{route}: page {size['scroll']} px wide in a {size['inner']} px window"


@pytest.mark.parametrize(("locale", "width"), [("zh", 390), ("en", 1366)])
def test_the_model_card_draws_field_precision_over_time_against_the_contest_band(browser, demo_server, locale, width):
    """Issue #17: the model card's chart of field precision over time against the contest's interval, in the user's
    language, on a phone and a laptop (the demo district has decided some of its leads)."""
    from tests.browser.test_ui_history_notify import _fits, _open

    district = api_headers(demo_server, "zaoyang")
    model = _listed_model(demo_server, district)
    slug, version = model["slug"], model["champion_version"] or model["listed"][0]["version"]
    context, page = _open(browser, demo_server, "zaoyang", locale=locale, width=width)
    try:
        go(page, f"#/registry/{slug}/{version}")
        chart = page.get_by_test_id("field-chart")
        expect(chart).to_be_visible()
        expect(page.get_by_test_id("field-chart-band")).to_have_count(1)
        assert int(chart.get_attribute("data-points")) >= 1
        expect(page.get_by_test_id("field-chart-point").first).to_be_attached()
        title = chart.locator("svg").get_attribute("aria-label")
        assert title == ("实地精确率随时间变化" if locale == "zh" else "Field precision over time")
        legend = chart.inner_text()
        assert bool(CJK.search(legend)) == (locale == "zh"), legend
        _fits(page)
    finally:
        context.close()


def test_the_queue_and_a_lead_page_speak_english_on_a_laptop(browser, demo_server):
    """The same queue and lead page in English at 1366 px: labels, states, the bulk bar and the no-case reason in
    English, and no Chinese from the UI (data may be Chinese: the district's display name, other leads' keys)."""
    from tests.browser.test_ui_history_notify import _fits, _open

    district = api_headers(demo_server, "zaoyang")
    model = _listed_model(demo_server, district)
    slug, version = model["slug"], model["champion_version"] or model["listed"][0]["version"]
    entity = f"EN-{uuid.uuid4().hex[:6]}"
    httpx.post(f"{demo_server}/api/v1/leads/push", headers=district, timeout=30, json={
        "challenge": slug, "version": version, "run_label": f"english-{entity}",
        "rows": [{"id": entity, "score": 0.97, "rank": 1}]}).raise_for_status()
    people = httpx.get(f"{demo_server}/api/v1/leads/assignees", headers=district, timeout=30).json()
    me = httpx.get(f"{demo_server}/api/v1/auth/me", headers=district, timeout=30).json()
    data_values = {me["display_name"], *(p["display_name"] for p in people), *(p["username"] for p in people)}

    def ui_text(locator) -> str:
        text = locator.inner_text()
        for value in sorted(data_values, key=len, reverse=True):
            text = text.replace(value, "")
        return text

    context, page = _open(browser, demo_server, "zaoyang", locale="en", width=1366)
    try:
        page.get_by_test_id("menu-leads").click()
        expect(page.get_by_test_id("menu-leads")).to_have_text("Lead review")
        queue = page.get_by_test_id("lead-queue")
        expect(queue).to_be_visible()
        page.get_by_test_id("lead-filter-state").select_option("new")
        row = page.locator(f"[data-testid=lead-row][data-entity='{entity}']")
        expect(row.get_by_test_id("lead-state")).to_have_text("New lead")
        for key in page.get_by_test_id("lead-link").all_inner_texts():  # other leads' keys are data
            data_values.add(key)
        row.get_by_test_id("lead-select").locator("input").check()
        page.get_by_test_id("lead-bulk-state").select_option("no_case")
        expect(page.get_by_test_id("lead-bulk-bar")).to_contain_text("1 selected")
        expect(page.get_by_test_id("lead-bulk-bar")).to_contain_text("Reason for no case")
        card = page.locator(".MuiCard-root").filter(has=queue)
        header = queue.locator("thead").inner_text()
        assert all(word in header for word in ("Entity", "Score", "State", "Assignee")), header
        assert not CJK.search(ui_text(card)), ui_text(card)
        _fits(page)

        # The lead page: moves named in English; closing without a case waits for the reason, then shows it.
        row.get_by_test_id("lead-link").click()
        detail = page.get_by_test_id("lead-detail")
        expect(detail).to_have_attribute("data-state", "new")
        page.locator("[data-testid=lead-move][data-to=verifying]").click()
        expect(detail).to_have_attribute("data-state", "verifying")
        expect(detail.get_by_test_id("lead-state")).to_have_text("Verifying")
        no_case = page.locator("[data-testid=lead-move][data-to=no_case]")
        expect(no_case).to_have_text('Move to "No case"')
        expect(no_case).to_be_disabled()
        expect(detail).to_contain_text("Reason for no case")
        expect(detail).to_contain_text('Required for "No case"')
        page.get_by_test_id("lead-reason").fill("Checked: no grounds for a case")
        no_case.click()
        expect(detail).to_have_attribute("data-state", "no_case")
        expect(detail.get_by_test_id("lead-state")).to_have_text("No case")
        expect(page.get_by_test_id("lead-closed")).to_have_text("This lead is closed.")
        expect(page.get_by_test_id("lead-history-item").last).to_contain_text("Verifying → No case")
        expect(detail).to_contain_text("Reason for no case: Checked: no grounds for a case")
        assert not CJK.search(ui_text(detail)), ui_text(detail)
        _fits(page)
    finally:
        context.close()
