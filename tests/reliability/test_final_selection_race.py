"""Issue #14, item 1: parallel POST /submissions/{id}/final never marks more than `final_selections`, and finals are
frozen once the challenge closes or is finalized. Runs on SQLite and on PostgreSQL (DABIWU_TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.leaderboards.conftest import world  # noqa: F401  (the fixture)

PARALLEL = 8


def _finals(settings, team_id: int) -> int:
    from sqlalchemy import func, select

    from dabiwu.db.models import Submission
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        return session.scalar(select(func.count()).select_from(Submission)
                              .where(Submission.team_id == team_id, Submission.is_final.is_(True)))


def test_parallel_final_marks_never_exceed_final_selections(client, settings, world):  # noqa: F811
    ids = [world.scored("A", 0.1 + i / 100, 0.1) for i in range(PARALLEL)]
    barrier = threading.Barrier(PARALLEL)

    def mark(submission_id: str) -> int:
        barrier.wait()
        return client.post(f"/api/v1/submissions/{submission_id}/final", json={"is_final": True},
                           headers=world.headers["A"]).status_code

    for _ in range(2):  # twice: once from none marked, once after unmarking all
        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            statuses = list(pool.map(mark, ids))
        assert sorted(statuses) == [200, 200] + [409] * (PARALLEL - 2), statuses
        assert _finals(settings, world.teams["A"]) == 2
        for submission_id in ids:
            client.post(f"/api/v1/submissions/{submission_id}/final", json={"is_final": False}, headers=world.headers["A"])
        assert _finals(settings, world.teams["A"]) == 0

    refused = client.post(f"/api/v1/submissions/{ids[0]}/final", json={"is_final": True}, headers=world.headers["A"])
    assert refused.status_code == 200
    client.post(f"/api/v1/submissions/{ids[1]}/final", json={"is_final": True}, headers=world.headers["A"])
    full = client.post(f"/api/v1/submissions/{ids[2]}/final", json={"is_final": True}, headers=world.headers["A"])
    assert full.status_code == 409 and full.json()["code"] == "final_selections_full" and full.json()["detail_zh"]


def test_finals_are_frozen_once_the_challenge_is_closed_or_finalized(client, settings, world):  # noqa: F811
    from dabiwu.db.base import utcnow
    from dabiwu.db.models import Challenge
    from dabiwu.db.session import session_scope

    marked = world.scored("A", 0.5, 0.5, is_final=True)
    other = world.scored("A", 0.4, 0.4)
    with session_scope(settings.resolved_database_url) as session:
        challenge = session.get(Challenge, world.challenge_id)
        challenge.spec = {**challenge.spec, "phases": {**challenge.spec["phases"], "close": "2026-02-01T00:00:00+08:00"}}
    for submission_id, value in ((marked, False), (other, True)):
        answer = client.post(f"/api/v1/submissions/{submission_id}/final", json={"is_final": value},
                             headers=world.headers["A"])
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "finals_frozen" and answer.json()["detail_zh"]
    with session_scope(settings.resolved_database_url) as session:
        challenge = session.get(Challenge, world.challenge_id)
        challenge.spec = {**challenge.spec, "phases": {**challenge.spec["phases"], "close": "2099-01-01T00:00:00+08:00"}}
        challenge.finalized_at = utcnow()
    answer = client.post(f"/api/v1/submissions/{marked}/final", json={"is_final": False}, headers=world.headers["A"])
    assert answer.status_code == 409 and answer.json()["code"] == "finals_frozen"
    assert _finals(settings, world.teams["A"]) == 1
