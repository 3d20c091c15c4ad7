"""A district sees the shared registry and how to pull a model with the stock mlflow client."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCORING_SECONDS, api_headers, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def test_district_sees_the_registry_and_the_mlflow_snippet(page, demo_server, sign_in, screenshot):
    sign_in("zaoyang")
    page.get_by_test_id("menu-registry").click()
    # The demo may or may not have promoted a model yet: either the list or its empty state.
    expect(page.locator("[data-testid=registry-list], [data-testid=registry-empty]")).to_be_visible()
    screenshot("registry")

    page.get_by_test_id("menu-district-use").click()
    snippet = page.get_by_test_id("mlflow-snippet")
    expect(snippet).to_contain_text(f"MLFLOW_TRACKING_URI={demo_server}/mlflow")
    expect(snippet).to_contain_text("models:/")
    expect(snippet).to_contain_text("@champion")
    expect(page.get_by_test_id("cli-snippet")).to_contain_text("dabiwu pull")

    # A fresh API token is shown once and goes straight into the snippet.
    page.get_by_test_id("create-api-token").click()
    token = page.get_by_test_id("api-token")
    expect(token).to_be_visible()
    expect(snippet).to_contain_text(f"MLFLOW_TRACKING_TOKEN={token.inner_text().strip()}")


def _listed_model(base: str, headers: dict) -> dict:
    """The demo lists its best model once its baselines are scored; wait for it."""
    deadline = time.monotonic() + SCORING_SECONDS
    while True:
        models = httpx.get(f"{base}/api/v1/registry/models", headers=headers, timeout=30).json()
        listed = [m for m in models if m["listed"]]
        if listed or time.monotonic() > deadline:
            assert listed, "the demo listed no model in the registry"
            return listed[0]
        time.sleep(3)


def test_district_uploads_outcomes_and_reads_the_model_card(page, demo_server, sign_in, screenshot, tmp_path):
    district = api_headers(demo_server, "zaoyang")
    model = _listed_model(demo_server, district)
    slug, version = model["slug"], model["champion_version"] or model["listed"][0]["version"]
    run = uuid.uuid4().hex[:6]
    good = tmp_path / "outcomes.csv"
    good.write_text(f"线索编号,模型版本,结果,备注\nL-{run}-1,{version},成案,已立案\nL-{run}-2,{version},confirmed,\n"
                    f"L-{run}-3,{version},rejected,不成立\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"lead_id,version,outcome\nL-{run}-9,{version},maybe\n", encoding="utf-8")

    sign_in("zaoyang")
    page.get_by_test_id("menu-district-use").click()
    go(page, "#/district-use")
    expect(page.get_by_test_id("district-challenge-select")).to_have_value(slug)
    # A bad row: the API's own (Chinese) sentence, naming the row and the column.
    page.get_by_test_id("outcomes-file").set_input_files(bad)
    page.get_by_test_id("outcomes-upload").click()
    error = page.get_by_test_id("outcomes-error")
    expect(error).to_contain_text("第 2 行")
    expect(error).to_have_attribute("data-column", "outcome")
    page.get_by_test_id("outcomes-file").set_input_files(good)
    page.get_by_test_id("outcomes-upload").click()
    for key, value in (("received", 3), ("inserted", 3), ("updated", 0), ("unchanged", 0)):
        expect(page.get_by_test_id(f"outcomes-{key}")).to_have_attribute("data-value", str(value))
    screenshot("outcomes")

    # The registry lists the model; its card shows adoption and field precision as the API does.
    page.get_by_test_id("menu-registry").click()
    row = page.locator(f"[data-testid=registry-row][data-name='{slug}']")
    row.locator(f"[data-testid=model-card-link][data-version='{version}']").click()
    card = page.get_by_test_id("model-card")
    expect(card).to_have_attribute("data-version", str(version))
    detail = httpx.get(f"{demo_server}/api/v1/registry/models/{slug}/versions/{version}", headers=district, timeout=30).json()
    assert detail["adoption"]["leads_reported"] >= 3 and detail["adoption"]["cases_made"] >= 2
    expect(page.get_by_test_id("adoption-pulls")).to_have_attribute("data-value", str(detail["adoption"]["pulls"]))
    expect(page.get_by_test_id("leads-reported")).to_have_attribute("data-value", str(detail["adoption"]["leads_reported"]))
    expect(page.get_by_test_id("field-precision")).to_have_attribute("data-value", str(detail["field_precision"]))
    expect(page.locator("[data-testid=field-row][data-district=zaoyang]")).to_have_count(1)
    expect(page.get_by_test_id("model-card-text")).not_to_be_empty()
    # The runtime it was scored with, which `leads run` uses too (issue #16).
    assert detail["runtime"], detail
    expect(page.get_by_test_id("model-runtime")).to_contain_text(detail["runtime"])
    screenshot("model-card")
