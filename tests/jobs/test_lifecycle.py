"""jobs/lifecycle.py: the one owner of a scoring job's state. Moves outside its table are refused, a worker
whose lease was taken cannot record anything, parallel claims and a finish racing the reaper have one winner,
and the latest score is always the highest version. On SQLite and on PostgreSQL (DABIWU_TEST_DATABASE_URL)."""

from __future__ import annotations

import ast
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.leaderboards.conftest import world  # noqa: F401  (the fixture)

PLATFORM = Path(__file__).resolve().parents[2] / "platform" / "dabiwu"
PARALLEL = 8


def _queued_job(world) -> tuple[str, str]:  # noqa: F811
    from dabiwu.jobs.lifecycle import enqueue

    submission_id = world.scored("A", 0.0, 0.0, status="queued")
    with world.session() as session:
        return submission_id, enqueue(session, submission_id=submission_id).id


def _a_score(world, public: float = 0.5):  # noqa: F811
    from dabiwu.db.models import Score

    return Score(scorer_version="t", dataset_id=world.dataset_id, dataset_sha256="0" * 64, model_sha256="0" * 64,
                 sandbox_kind="none", runtime_s=1.0, peak_mem_mb=1.0, public_score=public, private_score=public,
                 metrics={"public": {}, "private": {}}, predictions_key="none")


def _state(world, submission_id: str, job_id: str) -> tuple[str, str, int]:  # noqa: F811
    from dabiwu.db.models import Job, Score, Submission

    with world.session() as session:
        scores = session.scalar(select(func.count()).select_from(Score).where(Score.submission_id == submission_id))
        return session.get(Submission, submission_id).status, session.get(Job, job_id).status, scores


def _expire(world, job_id: str) -> None:  # noqa: F811
    """The worker stopped renewing: its lease ran out a minute ago."""
    from dabiwu.db.base import utcnow
    from dabiwu.db.models import Job

    with world.session() as session:
        session.get(Job, job_id).lease_expires_at = utcnow() - timedelta(minutes=1)


def test_moves_outside_the_table_are_refused(world):  # noqa: F811
    from dabiwu.jobs import lifecycle

    submission_id, job_id = _queued_job(world)
    with world.session() as session:
        held = lifecycle.claim(session, job_id=job_id, worker_id="w1", lease_seconds=600)
        assert held is not None and held.attempt == 1
        assert lifecycle.claim(session, job_id=job_id, worker_id="w2", lease_seconds=600) is None  # running already
        assert _state(world, submission_id, job_id) == ("running", "running", 0)
        assert lifecycle.finish_scored(session, claim=held, score=_a_score(world)) is True
        assert _state(world, submission_id, job_id) == ("scored", "done", 1)
        # A finished job cannot be renewed, finished again, released, failed or claimed.
        assert lifecycle.renew_lease(session, claim=held, lease_seconds=600) is False
        assert lifecycle.finish_scored(session, claim=held, score=_a_score(world, 0.9)) is False
        assert lifecycle.finish_model_failure(session, claim=held, kind="crash", message="x", log_tail="") is False
        assert lifecycle.release_for_retry(session, claim=held, error="x") is False
        assert lifecycle.fail_for_platform(session, job_id=job_id, attempt=held.attempt, message="x") is False
        assert lifecycle.claim(session, job_id=job_id, worker_id="w2", lease_seconds=600) is None
        assert lifecycle.reap(session, max_attempts=3) == []
    assert _state(world, submission_id, job_id) == ("scored", "done", 1)
    for source, target in (("done", "running"), ("queued", "done"), ("failed", "queued"), ("done", "queued")):
        with world.session() as session, pytest.raises(lifecycle.IllegalMove):
            lifecycle._move(session, job_id=job_id, attempt=1, held_by=None, source=source, target=target, values={})


def test_a_lost_lease_cannot_overwrite_the_result(world):  # noqa: F811
    from dabiwu.db.models import Job, Score, Submission
    from dabiwu.jobs import lifecycle

    submission_id, job_id = _queued_job(world)
    with world.session() as session:
        first = lifecycle.claim(session, job_id=job_id, worker_id="w1", lease_seconds=600)
    _expire(world, job_id)
    with world.session() as session:
        assert lifecycle.reap(session, max_attempts=3) == [job_id]
    assert _state(world, submission_id, job_id) == ("queued", "queued", 0)
    with world.session() as session:
        second = lifecycle.claim(session, job_id=job_id, worker_id="w2", lease_seconds=600)
        assert second.attempt == 2
        # The first worker comes back from the dead: nothing it records lands.
        assert lifecycle.renew_lease(session, claim=first, lease_seconds=600) is False
        assert lifecycle.finish_scored(session, claim=first, score=_a_score(world, 0.99)) is False
        assert lifecycle.finish_model_failure(session, claim=first, kind="crash", message="late", log_tail="") is False
        assert lifecycle.retry_or_fail(session, claim=first, error="late", max_attempts=1) == "lost"
        assert lifecycle.retry_or_fail(session, claim=first, error="late", max_attempts=3) == "lost"
    assert _state(world, submission_id, job_id) == ("running", "running", 0)
    with world.session() as session:
        assert lifecycle.finish_scored(session, claim=second, score=_a_score(world, 0.25)) is True
        score = session.scalar(select(Score).where(Score.submission_id == submission_id))
        assert (score.public_score, score.job_id, score.version, score.is_latest) == (0.25, job_id, 1, True)
        assert session.get(Submission, submission_id).error is None
        assert session.get(Job, job_id).attempt == 2


def test_the_last_attempt_fails_for_the_platform_and_keeps_an_earlier_score(world):  # noqa: F811
    from dabiwu.db.models import Submission
    from dabiwu.jobs import lifecycle

    submission_id, job_id = _queued_job(world)
    with world.session() as session:
        lifecycle.claim(session, job_id=job_id, worker_id="w1", lease_seconds=600)
    _expire(world, job_id)
    with world.session() as session:
        assert lifecycle.reap(session, max_attempts=1) == []
        submission = session.get(Submission, submission_id)
        assert (submission.status, submission.error_kind, submission.counts_against_quota) == (
            "failed", "platform_error", False)
        assert "not of your model" in submission.error and submission.error_zh.startswith("评分进程 1 次失去响应。")
    assert _state(world, submission_id, job_id)[1:] == ("failed", 0)

    scored = world.scored("B", 0.7, 0.7)  # a rescore job of a scored submission that fails on our side
    with world.session() as session:
        rescore_job = lifecycle.enqueue(session, submission_id=scored, kind="rescore").id
        held = lifecycle.claim(session, job_id=rescore_job, worker_id="w1", lease_seconds=600)
        assert lifecycle.retry_or_fail(session, claim=held, error="boom", max_attempts=3) == "retry"
        assert _state(world, scored, rescore_job) == ("scored", "queued", 1)  # the board keeps its score
        held = lifecycle.claim(session, job_id=rescore_job, worker_id="w1", lease_seconds=600)
        assert lifecycle.finish_model_failure(session, claim=held, kind="crash", message="x", log_tail="") is True
    assert _state(world, scored, rescore_job) == ("scored", "done", 1)


def test_parallel_claims_have_one_winner(world):  # noqa: F811
    from dabiwu.jobs import lifecycle

    submission_id, job_id = _queued_job(world)
    barrier = threading.Barrier(PARALLEL)

    def grab(index: int):
        with world.session() as session:
            barrier.wait()
            return lifecycle.claim(session, job_id=job_id, worker_id=f"w{index}", lease_seconds=600)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        won = [c for c in pool.map(grab, range(PARALLEL)) if c is not None]
    assert len(won) == 1 and won[0].attempt == 1
    assert _state(world, submission_id, job_id) == ("running", "running", 0)


@pytest.mark.parametrize("rounds", [6])
def test_a_finish_racing_the_reaper_has_one_winner(world, rounds):  # noqa: F811
    from dabiwu.jobs import lifecycle

    for _ in range(rounds):
        submission_id, job_id = _queued_job(world)
        with world.session() as session:
            held = lifecycle.claim(session, job_id=job_id, worker_id="w1", lease_seconds=600)
        _expire(world, job_id)  # the lease ran out while the result was on its way
        barrier = threading.Barrier(2)

        def finish():
            with world.session() as session:
                barrier.wait()
                return lifecycle.finish_scored(session, claim=held, score=_a_score(world))

        def reap():
            with world.session() as session:
                barrier.wait()
                return lifecycle.reap(session, max_attempts=3)

        with ThreadPoolExecutor(max_workers=2) as pool:
            finished, reaped = pool.submit(finish), pool.submit(reap)
            finished, reaped = finished.result(), reaped.result()
        assert finished != (reaped == [job_id])  # exactly one of them moved the job
        expected = ("scored", "done", 1) if finished else ("queued", "queued", 0)
        assert _state(world, submission_id, job_id) == expected


def test_the_latest_score_is_always_the_highest_version(world):  # noqa: F811
    from dabiwu.db.models import Score
    from dabiwu.jobs import lifecycle

    submission_id, job_id = _queued_job(world)
    with world.session() as session:
        held = lifecycle.claim(session, job_id=job_id, worker_id="w1", lease_seconds=600)
        lifecycle.finish_scored(session, claim=held, score=_a_score(world, 0.1))
    for public in (0.2, 0.3):  # rescored from stored predictions
        with world.session() as session:
            lifecycle.record_score_version(session, submission_id=submission_id, score=_a_score(world, public))
    with world.session() as session:  # and run again on a new dataset version
        rerun_job = lifecycle.enqueue(session, submission_id=submission_id, kind="rescore").id
        held = lifecycle.claim(session, job_id=rerun_job, worker_id="w1", lease_seconds=600)
        lifecycle.finish_scored(session, claim=held, score=_a_score(world, 0.4))
    with world.session() as session:
        rows = session.execute(select(Score.version, Score.is_latest, Score.public_score)
                               .where(Score.submission_id == submission_id).order_by(Score.version)).all()
        assert [tuple(r) for r in rows] == [(1, False, 0.1), (2, False, 0.2), (3, False, 0.3), (4, True, 0.4)]
        assert lifecycle.latest_score(session, submission_id=submission_id).version == 4


def _python_files(*roots: Path):
    for root in roots:
        yield from root.rglob("*.py")


def test_only_the_lifecycle_writes_versions_and_latest_and_nothing_reads_latest_by_version():
    """The two definitions of "latest" cannot disagree: `is_latest` and `version` are written in one place only
    (record_score_version), and no code picks the latest by ordering versions."""
    offenders = []
    for path in _python_files(PLATFORM, PLATFORM.parents[1] / "models_registry"):
        if path.name == "lifecycle.py" and path.parent.name == "jobs" or "migrations" in path.parts:
            continue
        text = path.read_text()
        for needle in ("is_latest=", ".is_latest =", "Score.version.desc()", ".version = "):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_scoring_computes_and_never_calls_back_into_executors():
    """No cycle: executors -> scoring and jobs; scoring -> jobs (rescoring records through it); jobs -> neither."""
    for package, forbidden in (("scoring", ("dabiwu.executors",)), ("jobs", ("dabiwu.executors", "dabiwu.scoring"))):
        for path in (PLATFORM / package).rglob("*.py"):
            bad = {name for name in _imports(path) if name.startswith(forbidden)}
            assert not bad, f"{package}/{path.name} imports {bad}"
