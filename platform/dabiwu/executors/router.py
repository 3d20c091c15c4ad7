"""The queue and worker dashboard for admins."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import func, select

from dabiwu.db.base import utcnow
from dabiwu.db.models import Job, WorkerHeartbeat
from dabiwu.deps import AdminUser, SessionDep

router = APIRouter(prefix="/admin", tags=["admin"])


class WorkerOut(BaseModel):
    worker_id: str
    kind: str
    heartbeat_at: str
    current_job_id: str | None
    jobs_done: int
    alive: bool


class ProblemOut(BaseModel):
    code: str
    detail: str
    detail_zh: str


class ScoringOut(BaseModel):
    """Whether a submission can be scored now, and why not (the same answer as /readyz)."""

    can_score: bool
    sandbox: str | None
    sandbox_mode: str | None = None  # fork | prestarted | fresh (DABIWU_SANDBOX_MODE, or its fallback)
    live_workers: int
    problems: list[ProblemOut]


class QueueOut(BaseModel):
    queued: int
    running: int
    stuck: int
    done: int
    failed: int
    workers: list[WorkerOut]
    scoring: ScoringOut


@router.get("/queue", response_model=QueueOut)
def queue_dashboard(_: AdminUser, session: SessionDep, request: Request) -> QueueOut:
    from dabiwu.readiness import scoring_readiness

    now = utcnow()
    counts = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    stuck = session.scalar(
        select(func.count()).select_from(Job).where(Job.status == "running", Job.lease_expires_at < now)
    ) or 0
    workers = []
    for row in session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.heartbeat_at.desc()).limit(100)):
        beat = row.heartbeat_at if row.heartbeat_at.tzinfo else row.heartbeat_at.replace(tzinfo=now.tzinfo)
        workers.append(WorkerOut(
            worker_id=row.id, kind=row.kind, heartbeat_at=beat.isoformat(), current_job_id=row.current_job_id,
            jobs_done=row.jobs_done, alive=now - beat < timedelta(seconds=30),
        ))
    return QueueOut(
        queued=counts.get("queued", 0), running=counts.get("running", 0), stuck=stuck,
        done=counts.get("done", 0), failed=counts.get("failed", 0), workers=workers,
        scoring=ScoringOut(**scoring_readiness(request.app.state.settings, session,
                                               request.app.state.sandbox_check).as_dict()),
    )
