"""Scoring workers' heartbeats (the queue dashboard, /readyz and queue estimates count the live ones).

A job's own state and lease are jobs/lifecycle.py's; this is only about the worker processes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import WorkerHeartbeat

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
