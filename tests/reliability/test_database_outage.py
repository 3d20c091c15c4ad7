"""The database goes away for 10 s while a real worker is scoring: the job is retried, not lost.

PostgreSQL: connections are refused and the open ones terminated, so the worker can neither renew
its lease nor record its result; its lease runs out, the reaper requeues the job once the database
is back, and it is scored on a later attempt.  SQLite: another connection holds an exclusive lock,
which the worker's writes wait out (busy_timeout).  Either way: scored exactly once, and the API
answers 503 with Retry-After (never a 500) for what it cannot do meanwhile.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.e2e.model_builders import save_sleepy_model, tar_model
from tests.pipeline import upload
from tests.reliability.faults import database_down, is_sqlite, wait_for

pytestmark = pytest.mark.slow

OUTAGE_S = 10


@pytest.fixture(scope="session")
def sleepy_archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sleepy-outage")
    return tar_model(save_sleepy_model(root, seconds=3), root / "sleepy.tar.gz")


def _job(settings) -> dict:
    from dabiwu.db.models import Job, Score
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        job = session.scalars(select(Job)).one()
        return {"status": job.status, "attempt": job.attempt,
                "scores": session.scalar(select(func.count()).select_from(Score))}


def test_a_10_s_database_outage_during_scoring_delays_the_job_but_never_loses_it(
        client, settings, role_headers, loaded, sleepy_archive):
    from dabiwu.executors.local import LocalExecutor

    settings = settings.model_copy(update={"job_lease_seconds": 5})
    team = role_headers["team"]
    accepted = upload(client, team, sleepy_archive)
    assert accepted.status_code == 202, accepted.text
    submission = f"/api/v1/submissions/{accepted.json()['id']}"
    executor = LocalExecutor(settings, workers=1, reap_every=1.0).start()
    try:
        wait_for(lambda: _job(settings)["status"] == "running", timeout=120, what="the job to start")
        with database_down(settings.resolved_database_url):
            answers = []
            ends = time.monotonic() + OUTAGE_S
            while time.monotonic() < ends:
                answers.append(client.get(submission, headers=team))
                time.sleep(1)
        if not is_sqlite(settings.resolved_database_url):
            assert {answer.status_code for answer in answers} == {503}
        for answer in answers:  # PostgreSQL: 503 while it is away; SQLite: readers still read
            assert answer.status_code in (200, 503), answer.text
            if answer.status_code == 503:
                assert answer.json()["detail"].startswith("The database is unavailable")
                assert int(answer.headers["Retry-After"]) > 0
        done = wait_for(lambda: (job := _job(settings))["status"] in ("done", "failed") and job, timeout=240,
                        what="the job to finish after the outage")
    finally:
        executor.shutdown()
    assert done == {"status": "done", "attempt": done["attempt"], "scores": 1}, done
    final = client.get(submission, headers=team).json()
    assert final["status"] == "scored" and final["score_version"] == 1
    assert client.get(f"/api/v1/challenges/{loaded['slug']}/quota", headers=team).json()["used"] == 1
