"""A submission whose model files the storage retention policy removed says so on its page, in Chinese."""

from __future__ import annotations

import sqlite3
import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import SCORING_SECONDS, api_headers, go

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

# No other browser test promotes on this challenge; the judging test disqualifies alice's submission there, not bob's.
CHALLENGE = "han-river-ecology"


def test_an_expired_model_says_why_it_is_gone(page, demo_server, sign_in):
    from tests.browser.conftest import DEMO_HOMES

    home = DEMO_HOMES.get(demo_server)
    assert home is not None, "needs a demo server this session started (not DABIWU_BROWSER_BASE): it edits its database"
    # bob's baseline on the board (not "two teams": the judging test may have disqualified alice's by now)
    bob = api_headers(demo_server, "bob")
    deadline = time.monotonic() + SCORING_SECONDS
    while True:
        mine = httpx.get(f"{demo_server}/api/v1/submissions", params={"challenge": CHALLENGE}, headers=bob,
                         timeout=30).json()
        scored = [s["id"] for s in mine if s["status"] == "scored"]
        if scored or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert scored, f"the demo never scored bob's baseline on {CHALLENGE}: {mine}"
    submission_id = scored[0]
    # What `dabiwu storage gc --apply` records for a model it expires (the API has no way to expire one).
    with sqlite3.connect(home / "dabiwu.db", timeout=30) as db:
        db.execute("UPDATE submissions SET model_expired_at = '2027-02-08 00:00:00.000000' WHERE id = ?", (submission_id,))
    shown = httpx.get(f"{demo_server}/api/v1/submissions/{submission_id}", headers=bob, timeout=30).json()
    assert shown["model_expired_at"].startswith("2027-02-08") and "保留策略" in shown["model_expired_note_zh"]

    sign_in("bob")
    go(page, f"#/submissions/{submission_id}/show")
    note = page.get_by_test_id("submission-model-expired")
    expect(note).to_contain_text("2027-02-08", timeout=30_000)
    expect(note).to_contain_text("存储保留策略")
    expect(note).to_contain_text("重新上传")
