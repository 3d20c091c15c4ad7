"""Requeue jobs whose worker died (its lease ran out); fail them for good after the last attempt."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.orm import Session

from dabiwu.db.models import Job, Submission
from dabiwu.executors.jobs import expired_jobs
from dabiwu.scoring.outcome import fail_for_platform

log = logging.getLogger(__name__)


def reap(session: Session, *, max_attempts: int) -> list[str]:
    """Return the ids of the jobs put back in the queue."""
    requeued = []
    for job in expired_jobs(session):
        if job.attempt >= max_attempts:
            fail_for_platform(
                session,
                submission_id=job.submission_id,
                job_id=job.id,
                attempt=job.attempt,
                message=f"The scoring worker stopped responding {job.attempt} times.",
                message_zh=f"评分进程 {job.attempt} 次失去响应。",
            )
            session.commit()
            continue
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == "running", Job.attempt == job.attempt)
            .values(status="queued", worker_id=None, lease_expires_at=None,
                    error=f"worker {job.worker_id} lost its lease on attempt {job.attempt}")
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            session.execute(
                update(Submission).where(Submission.id == job.submission_id, Submission.status == "running")
                .values(status="queued").execution_options(synchronize_session=False)
            )
            requeued.append(job.id)
            log.warning("requeued job %s (attempt %d; worker %s lost its lease)", job.id, job.attempt, job.worker_id)
        session.commit()
    return requeued
