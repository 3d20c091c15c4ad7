"""Job state in the database: claim with a lease, heartbeat, finish once, requeue the dead.

Every transition is one conditional UPDATE, so two workers (or a worker and the reaper) can
never both win: a worker whose lease was taken away can no longer record a result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import Job, Submission, WorkerHeartbeat


@dataclass(frozen=True)
class Claim:
    job_id: str
    submission_id: str
    attempt: int
    worker_id: str


def claim(session: Session, *, job_id: str, worker_id: str, lease_seconds: int) -> Claim | None:
    job = session.get(Job, job_id)
    if job is None or job.status != "queued":
        return None
    now = utcnow()
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued", Job.attempt == job.attempt)
        .values(
            status="running",
            worker_id=worker_id,
            attempt=job.attempt + 1,
            started_at=now,
            heartbeat_at=now,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
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
    result = session.execute(
        update(Job)
        .where(Job.id == claim.job_id, Job.status == "running", Job.attempt == claim.attempt,
               Job.worker_id == claim.worker_id)
        .values(heartbeat_at=now, lease_expires_at=now + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def still_owned(session: Session, *, claim: Claim) -> bool:
    """Inside the recording transaction: mark the job done only if this attempt still holds it."""
    result = session.execute(
        update(Job)
        .where(Job.id == claim.job_id, Job.status == "running", Job.attempt == claim.attempt,
               Job.worker_id == claim.worker_id)
        .values(status="done", finished_at=utcnow(), lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_for_retry(session: Session, *, claim: Claim, error: str) -> bool:
    result = session.execute(
        update(Job)
        .where(Job.id == claim.job_id, Job.status == "running", Job.attempt == claim.attempt,
               Job.worker_id == claim.worker_id)
        .values(status="queued", worker_id=None, lease_expires_at=None, error=error[:2000], created_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        session.execute(
            update(Submission).where(Submission.id == claim.submission_id).values(status="queued")
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return result.rowcount == 1


def expired_jobs(session: Session, *, now: datetime | None = None) -> list[Job]:
    return list(
        session.scalars(select(Job).where(Job.status == "running", Job.lease_expires_at < (now or utcnow())))
    )


LIVE_WORKER_SECONDS = 30  # a worker that has not beaten for this long is counted as gone


def live_worker_count(session: Session, *, now: datetime | None = None) -> int:
    """Scoring workers of any kind (local or Celery) that sent a heartbeat recently."""
    since = (now or utcnow()) - timedelta(seconds=LIVE_WORKER_SECONDS)
    return session.scalar(select(func.count()).select_from(WorkerHeartbeat).where(WorkerHeartbeat.heartbeat_at >= since)) or 0


def beat(session: Session, *, worker_id: str, kind: str, current_job_id: str | None, finished_one: bool = False) -> None:
    row = session.get(WorkerHeartbeat, worker_id)
    if row is None:
        row = WorkerHeartbeat(id=worker_id, kind=kind, jobs_done=0)
        session.add(row)
    row.heartbeat_at = utcnow()
    row.current_job_id = current_job_id
    if finished_one:
        row.jobs_done += 1
    session.commit()
