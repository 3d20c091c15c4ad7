"""Judging in the browser: a rubric review, a disqualification with a reason, finalize, the shake-up.

The head judge finalizes drunk-driving-withdrawal and disqualifies on han-river-ecology; no other
browser test reads those two challenges, so the medical-insurance boards the others use stay as they were.
"""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SLUG, api_headers, go, wait_board

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

FINALIZED = "drunk-driving-withdrawal"
DISQUALIFIED_IN = "han-river-ecology"
ALICE_TEAM = "襄城检察数据队"


def test_judge_reviews_disqualifies_finalizes_and_sees_the_shake_up(page, demo_server, sign_in, screenshot):
    judge = api_headers(demo_server, "judge")
    api = f"{demo_server}/api/v1"
    # The demo scores one baseline per team and challenge in the background.
    finalists = wait_board(demo_server, judge, FINALIZED, teams=2, split="private")
    assert len(finalists) == 2, finalists
    assert len(wait_board(demo_server, judge, DISQUALIFIED_IN, teams=2)) == 2
    rubric = httpx.get(f"{api}/challenges/{FINALIZED}", headers=judge, timeout=30).json()["rubric"]

    sign_in("judge")
    page.get_by_test_id("menu-judging").click()
    go(page, f"#/judging/{FINALIZED}")
    form = page.get_by_test_id("review-form")
    expect(form).to_be_visible()
    form.get_by_role("combobox").click()
    page.locator(f"[data-testid=review-team-option][data-team='{ALICE_TEAM}']").click()
    # Out of range first: the API's own sentence is shown, in Chinese on a Chinese page, naming the criteria.
    for item in rubric:
        page.get_by_test_id(f"review-score-{item['key']}").fill("11")
    page.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("review-error")).to_contain_text("0 到 10")
    expect(page.get_by_test_id("review-error")).to_contain_text(rubric[0]["zh"])
    for item in rubric:
        page.get_by_test_id(f"review-score-{item['key']}").fill("8")
    page.get_by_test_id("review-comment").fill("线索准确，可推广（浏览器测试）")
    page.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("review-saved")).to_be_visible()
    expect(page.locator(f"[data-testid=review-row][data-team='{ALICE_TEAM}'][data-judge=judge]")).to_have_count(1)
    reviews = httpx.get(f"{api}/challenges/{FINALIZED}/reviews", headers=judge, timeout=30).json()
    assert [r["scores"] for r in reviews] == [{item["key"]: 8.0 for item in rubric}]
    screenshot("review")

    # Disqualify alice's submission on another challenge, with a reason.
    go(page, f"#/judging/{DISQUALIFIED_IN}")
    # The demo keeps scoring new submissions at the top of the list: the judge finds the team by its name.
    page.get_by_test_id("judging-team-filter").fill("没有这个队")
    expect(page.get_by_test_id("judging-submissions-empty")).to_contain_text("没有这个队")
    page.get_by_test_id("judging-team-filter").fill(ALICE_TEAM)
    expect(page.locator(f"[data-testid=judging-submissions][data-team-filter='{ALICE_TEAM}']")).to_be_visible()
    first_row = page.locator(f"[data-testid=judging-submission-row][data-team='{ALICE_TEAM}']").first
    submission_id = first_row.get_attribute("data-id")
    row = page.locator(f"[data-testid=judging-submission-row][data-id='{submission_id}']")  # pinned: the list refreshes
    row.get_by_test_id("disqualify-button").click()
    page.get_by_test_id("disqualify-reason").fill("模型复用了测试数据（浏览器测试）")
    # The two buttons cannot be confused: going back does not read "取消" next to "取消资格".
    keep, confirm = page.get_by_test_id("disqualify-keep").inner_text(), page.get_by_test_id("disqualify-confirm").inner_text()
    assert "取消" not in keep and keep != confirm, (keep, confirm)
    page.get_by_test_id("disqualify-confirm").click()
    expect(row.get_by_test_id("disqualified-chip")).to_be_visible()
    audit = httpx.get(f"{api}/audit", params={"action": "submission.disqualify"},
                      headers=api_headers(demo_server, "admin"), timeout=30).json()
    assert audit[0]["object_id"] == submission_id and audit[0]["detail"]["reason"].startswith("模型复用了测试数据")
    # A fresh page load of the submission shows the judge's reason: it comes back from the API.
    go(page, f"#/submissions/{submission_id}/show")
    expect(page.get_by_test_id("submission-disqualified")).to_contain_text("模型复用了测试数据", timeout=30_000)
    go(page, f"#/judging/{DISQUALIFIED_IN}")
    board = httpx.get(f"{api}/challenges/{DISQUALIFIED_IN}/leaderboard", headers=judge, timeout=30).json()
    assert submission_id not in {r["submission_id"] for r in board}
    screenshot("disqualified")

    # Finalize behind a confirmation; the final ranking is then shown frozen.
    go(page, f"#/judging/{FINALIZED}")
    expect(page.get_by_test_id("final-ranking")).to_have_attribute("data-frozen", "false")
    page.get_by_test_id("finalize-button").click()
    page.get_by_test_id("finalize-confirm").click()
    expect(page.get_by_test_id("finalize-result")).to_be_visible()
    expect(page.get_by_test_id("final-ranking")).to_have_attribute("data-frozen", "true")
    expect(page.get_by_test_id("finalize-button")).to_have_count(0)
    final = httpx.get(f"{api}/challenges/{FINALIZED}/final-ranking", headers=judge, timeout=30).json()
    for entry in final:
        expect(page.locator(f"[data-testid=final-row][data-team='{entry['team']}']")).to_have_attribute("data-rank", str(entry["rank"]))
    assert httpx.get(f"{api}/challenges/{FINALIZED}", headers=judge, timeout=30).json()["phase"] == "finalized"
    screenshot("finalized")
    # A finalized challenge shows no countdown: a settled sentence instead.
    go(page, f"#/challenges/{FINALIZED}/show")
    expect(page.get_by_test_id("phase-countdown")).to_have_attribute("data-finalized", "true")
    expect(page.get_by_test_id("phase-countdown")).to_contain_text("终评")

    # The shake-up: each team's move from its public to its private rank, as the API computes it.
    page.get_by_test_id("menu-leaderboard").click()
    go(page, f"#/leaderboard/{FINALIZED}")
    page.get_by_test_id("tab-shakeup").click()
    expect(page.get_by_test_id("shake-up")).to_be_visible()
    shake = httpx.get(f"{api}/challenges/{FINALIZED}/shake-up", headers=judge, timeout=30).json()
    assert len(shake) == 2
    expect(page.get_by_test_id("shake-row")).to_have_count(len(shake))
    for entry in shake:
        row = page.locator(f"[data-testid=shake-row][data-team='{entry['team']}']")
        expect(row).to_have_attribute("data-private-rank", str(entry["private_rank"]))
        expect(row).to_have_attribute("data-public-rank", str(entry["public_rank"]))
        expect(row).to_have_attribute("data-change", str(entry["change"]))
        assert entry["change"] == entry["public_rank"] - entry["private_rank"]
        # After finalize the rubric moves teams too: private rank -> final rank, beside the shake-up.
        final_rank = next(f["rank"] for f in final if f["team"] == entry["team"])
        expect(row).to_have_attribute("data-final-rank", str(final_rank))
    moved = sum(1 for e in shake if e["change"])
    expect(page.get_by_test_id("shake-up-summary")).to_have_attribute("data-moved", str(moved))
    screenshot("shake-up")

    page.get_by_test_id("tab-history").click()
    expect(page.get_by_test_id("history-chart")).to_have_attribute("data-series", "2")
    # One step line per team (a flat line has no height, so count it rather than ask if it is "visible").
    expect(page.get_by_test_id("history-chart").locator("path.recharts-line-curve")).to_have_count(2)


def test_a_team_sees_no_judge_controls(page, demo_server, sign_in):
    sign_in("alice")
    expect(page.get_by_test_id("menu-judging")).to_have_count(0)
    go(page, f"#/judging/{SLUG}")
    expect(page.get_by_test_id("judging-forbidden")).to_be_visible()
    for test_id in ("review-form", "disqualify-button", "finalize-button", "judging-panels"):
        expect(page.get_by_test_id(test_id)).to_have_count(0)
    # A running contest shows a team no shake-up; the history is for everyone.
    go(page, f"#/leaderboard/{SLUG}")
    expect(page.get_by_test_id("public-board")).to_be_visible()
    # The board pages by X-Total-Count (the whole board fits on the first page here).
    board = httpx.get(f"{demo_server}/api/v1/challenges/{SLUG}/leaderboard", headers=api_headers(demo_server, "alice"), timeout=30)
    expect(page.get_by_test_id("board-pagination")).to_have_attribute("data-total", str(len(board.json())))
    expect(page.get_by_test_id("tab-shakeup")).to_have_count(0)
    page.get_by_test_id("tab-history").click()
    expect(page.locator("[data-testid=history-chart], [data-testid=history-empty]")).to_be_visible()


def test_a_judge_from_a_team_gets_the_conflict_of_interest_refusal(page, demo_server, scored_submission):
    """A judge who belongs to a team may not review it: the form shows the API's own sentence."""
    admin = api_headers(demo_server, "admin")
    bob_team = "樊城监督模型组"
    created = httpx.post(f"{demo_server}/api/v1/users", headers=admin, timeout=30,
                         json={"username": "judge-fancheng", "password": "dabiwu-judge-coi", "role": "judge", "team": bob_team})
    assert created.status_code == 201, created.text
    assert bob_team in {r["team"] for r in wait_board(demo_server, admin, SLUG, teams=2, split="private")}

    page.goto(f"{demo_server}/#/login")
    page.fill("#username", "judge-fancheng")
    page.fill("#password", "dabiwu-judge-coi")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("menu-judging")).to_be_visible()
    go(page, f"#/judging/{SLUG}")
    page.get_by_test_id("review-form").get_by_role("combobox").click()
    page.locator(f"[data-testid=review-team-option][data-team='{bob_team}']").click()
    page.get_by_test_id("review-score-necessity").fill("9")
    page.get_by_test_id("review-submit").click()
    expect(page.get_by_test_id("review-error")).to_contain_text("利益冲突")  # the API's sentence, in Chinese
    expect(page.get_by_test_id("review-saved")).to_have_count(0)
    # An ordinary judge (not the head judge) gets a note instead of the finalize button.
    expect(page.get_by_test_id("finalize-not-allowed")).to_be_visible()
    expect(page.get_by_test_id("finalize-button")).to_have_count(0)
