"""The one owner of a scoring job's state, and of the submission state that follows it.

    queued ──claim──▶ running ──finish_scored / finish_model_failure──▶ done
      ▲                  │  └──fail_for_platform (last attempt; worker or reaper)──▶ failed
      └──release_for_retry / reap (lease ran out)──┘

Every move is one conditional UPDATE on (status, attempt, worker) in `_move`, so two workers, or a
worker and the reaper, can never both win: a worker whose lease was taken away can no longer record
a result, and a move the table `MOVES` does not list is refused before it reaches the database.

Scoring computes (scoring/service.py returns a score row or a model failure and writes nothing);
this module records. Executors, the reaper, intake and rescoring all move jobs through here, and
every terminal move ends in `_finished`: the one place to hook "submission scored / failed" events.

A submission's latest score is the one row with `is_latest` (the boards join on it); `record_score_version`
is the only writer of `version` and `is_latest`, so the latest is always the highest version.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dabiwu.notifications.events import submission_finished
from dabiwu.db.base import utcnow
from dabiwu.db.models import Job, Score, Submission
from dabiwu.submissions import quota

log = logging.getLogger(__name__)

# (from, to) job states a move may take; anything else is a bug in the caller.
MOVES = frozenset({
    ("queued", "running"),   # claim
    ("running", "running"),  # renew the lease
    ("running", "done"),     # a score or a model failure recorded
    ("running", "queued"),   # retry after a platform fault, or the reaper after a lost lease
    ("running", "failed"),   # the last attempt failed on the platform's side
})


class IllegalMove(Exception):
    """A job move that MOVES does not allow (a programming error, never user input)."""


@dataclass(frozen=True)
class Claim:
    """One attempt's hold on a running job: only the holder may renew the lease or finish the job."""

    job_id: str
    submission_id: str
    attempt: int
    worker_id: str


def _move(session: Session, *, job_id: str, attempt: int, held_by: str | None, source: str, target: str,
          values: dict) -> bool:
    """Move the job from `source` to `target` if it is still in that attempt (and, when given, held by that
    worker): one conditional UPDATE. False when the job has moved meanwhile."""
    if (source, target) not in MOVES:
        raise IllegalMove(f"job {job_id}: {source} -> {target} is not a job move")
    conditions = [Job.id == job_id, Job.status == source, Job.attempt == attempt]
    if held_by is not None:
        conditions.append(Job.worker_id == held_by)
    result = session.execute(
        update(Job).where(*conditions).values(status=target, **values).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _held(claim: Claim, target: str, **values) -> dict:
    """The arguments of `_move` for a move by the attempt that holds the running job."""
    return dict(job_id=claim.job_id, attempt=claim.attempt, held_by=claim.worker_id, source="running",
                target=target, values=values)


# -- queueing ----------------------------------------------------------------------------------------------


def enqueue(session: Session, *, submission_id: str, kind: str = "score") -> Job:
    """A new queued job for the submission (in the caller's transaction; the caller commits)."""
    job = Job(submission_id=submission_id, kind=kind, status="queued")
    session.add(job)
    session.flush()
    return job


def requeue(session: Session, *, submission: Submission, dataset_id: int | None) -> Job:
    """Queue a submission that failed on the platform's side again (an organiser's rescore), on `dataset_id`."""
    submission.status, submission.dataset_id = "queued", dataset_id
    submission.error = submission.error_zh = submission.error_kind = None
    return enqueue(session, submission_id=submission.id, kind="score")


def rerun(session: Session, *, submission: Submission, dataset_id: int) -> bool:
    """Run a scored or failed submission again on another dataset version. A scored one keeps its score (and
    its status) on the boards until the new one lands; a failed one goes back to the queue.

    One statement: only a submission still in the state read here moves (a parallel rerun moves it once).
    False when it moved meanwhile."""
    previous = submission.dataset_id
    moved = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == submission.status,
               Submission.dataset_id.is_(None) if previous is None else Submission.dataset_id == previous)
        .values(dataset_id=dataset_id, **({"status": "queued", "error": None, "error_kind": None}
                                          if submission.status == "failed" else {}))
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return False
    enqueue(session, submission_id=submission.id, kind="rescore" if submission.status == "scored" else "score")
    return True


def claim(session: Session, *, job_id: str, worker_id: str, lease_seconds: int) -> Claim | None:
    job = session.get(Job, job_id)
    if job is None or job.status != "queued":
        session.rollback()
        return None
    now = utcnow()
    won = _move(session, job_id=job_id, attempt=job.attempt, held_by=None, source="queued", target="running",
                values=dict(worker_id=worker_id, attempt=job.attempt + 1, started_at=now, heartbeat_at=now,
                            lease_expires_at=now + timedelta(seconds=lease_seconds)))
    if not won:
        session.rollback()
        return None
    session.execute(
        update(Submission)
        .where(Submission.id == job.submission_id, Submission.status == "queued")
        .values(status="running", started_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return Claim(job_id=job_id, submission_id=job.submission_id, attempt=job.attempt + 1, worker_id=worker_id)


def claim_next(session: Session, *, worker_id: str, lease_seconds: int) -> Claim | None:
    """The oldest queued job, if any worker has not taken it first."""
    candidates = session.scalars(
        select(Job.id).where(Job.status == "queued").order_by(Job.created_at).limit(5)
    ).all()
    session.rollback()
    for job_id in candidates:
        won = claim(session, job_id=job_id, worker_id=worker_id, lease_seconds=lease_seconds)
        if won is not None:
            return won
    return None


def renew_lease(session: Session, *, claim: Claim, lease_seconds: int) -> bool:
    now = utcnow()
    renewed = _move(session, **_held(claim, "running", heartbeat_at=now,
                                     lease_expires_at=now + timedelta(seconds=lease_seconds)))
    session.commit()
    return renewed


# -- terminal moves ------------------------------------------------------------------------------------------


def finish_scored(session: Session, *, claim: Claim, score: Score) -> bool:
    """Record the score and mark the submission scored, only if this attempt still holds the job."""
    if not _move(session, **_held(claim, "done", finished_at=utcnow(), lease_expires_at=None)):
        session.rollback()
        return False
    score.job_id = claim.job_id
    record_score_version(session, submission_id=claim.submission_id, score=score)
    submission = session.get(Submission, claim.submission_id)
    submission.status = "scored"
    submission.scored_at = utcnow()
    submission.error = submission.error_zh = submission.error_kind = None
    _finished(session, submission=submission, job_id=claim.job_id, outcome="scored")
    session.commit()
    return True


def finish_model_failure(session: Session, *, claim: Claim, kind: str, message: str, log_tail: str,
                         message_zh: str | None = None) -> bool:
    """The model's fault (crash, timeout, memory, bad output): terminal, and it counts against quota.

    The texts may hold what the model wrote: NUL (which PostgreSQL refuses in text) is escaped, so a
    model cannot turn its own failure into a database error, i.e. a platform fault and a free re-run."""
    if not _move(session, **_held(claim, "done", finished_at=utcnow(), lease_expires_at=None)):
        session.rollback()
        return False
    submission = session.get(Submission, claim.submission_id)
    if submission.status != "scored":  # a rescore failure never hides an earlier score
        submission.status = "failed"
    submission.error_kind = kind
    submission.error = _storable(message)
    submission.error_zh = _storable(message_zh) if message_zh else None
    submission.log_tail = _storable(log_tail[-20000:]) if log_tail else None
    _finished(session, submission=submission, job_id=claim.job_id, outcome="failed")
    session.commit()
    return True


def _storable(text: str) -> str:
    return text.replace("\x00", "\\x00")


def release_for_retry(session: Session, *, claim: Claim, error: str) -> bool:
    """A platform fault on an attempt that may be retried: back to the queue, the submission with it."""
    released = _move(session, **_held(claim, "queued", worker_id=None, lease_expires_at=None, error=error[:2000],
                                      created_at=utcnow()))
    if released:
        session.execute(
            update(Submission).where(Submission.id == claim.submission_id, Submission.status == "running")
            .values(status="queued").execution_options(synchronize_session=False)
        )
    session.commit()
    return released


def retry_or_fail(session: Session, *, claim: Claim, error: str, max_attempts: int) -> str:
    """After a platform fault: "retry" while attempts are left, else "failed" (refunded); "lost" when the
    job is no longer this attempt's."""
    if claim.attempt < max_attempts:
        return "retry" if release_for_retry(session, claim=claim, error=error) else "lost"
    failed = fail_for_platform(session, job_id=claim.job_id, attempt=claim.attempt, worker_id=claim.worker_id,
                               message="Scoring failed on the platform's side.", message_zh="评分在平台一侧失败。")
    return "failed" if failed else "lost"


def fail_for_platform(session: Session, *, job_id: str, attempt: int, message: str, message_zh: str | None = None,
                      worker_id: str | None = None) -> bool:
    """After the last attempt of a platform fault: fail, refund the quota, and say it was not the team's fault.

    Commits. False (and nothing written) when the job is no longer running in that attempt."""
    if not _move(session, job_id=job_id, attempt=attempt, held_by=worker_id, source="running", target="failed",
                 values=dict(finished_at=utcnow(), lease_expires_at=None, error=message[:2000])):
        session.rollback()
        return False
    submission = session.get(Submission, session.get(Job, job_id).submission_id)
    if submission.status != "scored":  # a rescore that could not run leaves the earlier score in place
        submission.status = "failed"
        submission.error_kind = "platform_error"
        submission.error = (
            f"{message} This was a fault of the platform, not of your model: the submission was refunded "
            "and you may submit it again. If it repeats, tell the organisers."
        )
        submission.error_zh = (
            f"{message_zh or '评分时平台出现故障。'}这是平台的问题，不是您的模型的问题：本次提交已退还次数，"
            "您可以重新提交。如果反复出现，请告知组织方。"
        )
        if submission.counts_against_quota:
            submission.counts_against_quota = False
            quota.refund(session, team_id=submission.team_id, challenge_id=submission.challenge_id,
                         day=submission.quota_day)
    _finished(session, submission=submission, job_id=job_id, outcome="failed")
    session.commit()
    return True


def _finished(session: Session, *, submission: Submission, job_id: str, outcome: str) -> None:
    """Every terminal move passes here, inside its transaction, before the commit: the place for
    "submission scored / failed" events.  The team is told when the submission itself ends so (a rescore that
    fails leaves an earlier score standing, and says nothing)."""
    log.info("submission %s: job %s %s (submission now %s)", submission.id, job_id, outcome, submission.status)
    if submission.status == outcome:
        submission_finished(session, submission)


# -- the reaper ---------------------------------------------------------------------------------------------


def expired_jobs(session: Session, *, now: datetime | None = None) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.status == "running", Job.lease_expires_at < (now or utcnow())))
    )


def reap(session: Session, *, max_attempts: int) -> list[str]:
    """Requeue jobs whose worker died (its lease ran out); fail them for good after the last attempt.
    Returns the ids of the jobs put back in the queue."""
    requeued = []
    for job in expired_jobs(session):
        job_id, attempt, worker_id, submission_id = job.id, job.attempt, job.worker_id, job.submission_id
        if attempt >= max_attempts:
            fail_for_platform(session, job_id=job_id, attempt=attempt,
                              message=f"The scoring worker stopped responding {attempt} times.",
                              message_zh=f"评分进程 {attempt} 次失去响应。")
            continue
        if _move(session, job_id=job_id, attempt=attempt, held_by=None, source="running", target="queued",
                 values=dict(worker_id=None, lease_expires_at=None,
                             error=f"worker {worker_id} lost its lease on attempt {attempt}")):
            session.execute(
                update(Submission).where(Submission.id == submission_id, Submission.status == "running")
                .values(status="queued").execution_options(synchronize_session=False)
            )
            requeued.append(job_id)
            log.warning("requeued job %s (attempt %d; worker %s lost its lease)", job_id, attempt, worker_id)
        session.commit()
    return requeued


# -- scores ------------------------------------------------------------------------------------------------


def record_score_version(session: Session, *, submission_id: str, score: Score) -> Score:
    """Add `score` as the submission's next version and make it the latest (in the caller's transaction).

    The only writer of `Score.version` and `Score.is_latest`: the latest is therefore always the highest version."""
    score.version = (
        session.scalar(select(func.max(Score.version)).where(Score.submission_id == submission_id)) or 0
    ) + 1
    session.execute(
        update(Score).where(Score.submission_id == submission_id, Score.is_latest.is_(True))
        .values(is_latest=False).execution_options(synchronize_session=False)
    )
    score.submission_id = submission_id
    score.is_latest = True
    session.add(score)
    session.flush()
    return score


def latest_score(session: Session, *, submission_id: str) -> Score | None:
    """The submission's latest score: the row the boards show."""
    return session.scalar(select(Score).where(Score.submission_id == submission_id, Score.is_latest.is_(True)))
