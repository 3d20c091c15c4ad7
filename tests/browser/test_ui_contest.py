"""The contest as a team and a judge see it: upload a real MLflow model, watch it scored, read the boards.

The upload test comes first in this file on purpose: its scored submission is what the board tests
then show (the `scored_submission` fixture only submits one itself when the upload test did not run).
"""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCORING_SECONDS, SLUG, api_headers, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]


def test_team_uploads_a_model_and_watches_it_get_scored(page, demo_server, sign_in, baseline_archive, screenshot):
    sign_in("alice")
    go(page, f"#/submit/{SLUG}")
    quota = page.get_by_test_id("quota-left")
    expect(quota).to_have_attribute("data-left", re.compile(r"^[1-9]\d*$"))
    left = int(quota.get_attribute("data-left"))  # the demo may already have used some of today's quota

    page.get_by_test_id("submission-file").set_input_files(baseline_archive)
    expect(page.get_by_test_id("submission-file-chosen")).to_contain_text(baseline_archive.name)
    page.get_by_test_id("submission-description").fill("基线模型（浏览器测试）")
    page.get_by_test_id("submission-upload").click()

    # The progress bar stays on screen after the upload, at 100 %.
    expect(page.get_by_test_id("upload-progress")).to_be_visible()
    expect(page.get_by_test_id("upload-progress")).to_have_attribute("data-progress", "100")
    success = page.get_by_test_id("upload-success")
    expect(success).to_be_visible()
    submission_id = success.get_attribute("data-submission-id")
    assert submission_id
    expect(page.get_by_test_id("upload-error")).to_have_count(0)
    expect(quota).to_have_attribute("data-left", str(left - 1))
    screenshot("accepted")

    # The status chip follows the job live (SSE or polling) until the scorer is done.
    expect(page.get_by_test_id("upload-status")).to_have_attribute("data-status", "scored", timeout=SCORING_SECONDS * 1000)
    backend = httpx.get(f"{demo_server}/api/v1/submissions/{submission_id}", headers=api_headers(demo_server, "alice"), timeout=30)
    assert backend.json()["status"] == "scored"
    assert backend.json()["team"] == "襄城检察数据队"
    screenshot("scored")

    # Its detail page shows the metrics; my submissions lists it as scored.
    page.get_by_test_id("upload-submission-link").click()
    expect(page.get_by_test_id("submission-status")).to_have_attribute("data-status", "scored")
    expect(page.get_by_test_id("metrics-table")).to_be_visible()
    screenshot("detail")
    page.get_by_test_id("menu-submissions").click()
    row = page.get_by_test_id("submission-list").locator("tr", has_text=submission_id[:8])
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("submission-row-status")).to_have_attribute("data-status", "scored")


def test_judge_sees_the_private_board(page, sign_in, scored_submission):
    sign_in("judge")
    page.get_by_test_id("menu-leaderboard").click()
    go(page, f"#/leaderboard/{SLUG}")
    expect(page.get_by_test_id("public-board")).to_be_visible()
    page.get_by_test_id("tab-private").click()
    board = page.get_by_test_id("private-board")
    expect(board).to_be_visible()
    expect(board.locator(f"[data-testid=board-row][data-team='{scored_submission['team']}']")).to_have_count(1)
    expect(board.locator("[data-testid=board-row][data-rank='1']")).to_have_count(1)
    expect(page.get_by_test_id("private-note")).to_have_count(0)


def test_team_does_not_see_the_private_board(page, sign_in, scored_submission):
    sign_in("alice")
    page.get_by_test_id("menu-leaderboard").click()
    go(page, f"#/leaderboard/{SLUG}")
    expect(page.get_by_test_id("public-board")).to_be_visible()
    expect(page.get_by_test_id("board-row").first).to_be_visible()
    page.get_by_test_id("tab-private").click()
    expect(page.get_by_test_id("private-note")).to_be_visible()
    expect(page.get_by_test_id("private-board")).to_have_count(0)
    expect(page.get_by_test_id("board-row")).to_have_count(0)
