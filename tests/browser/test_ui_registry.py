"""A district sees the shared registry and how to pull a model with the stock mlflow client."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
