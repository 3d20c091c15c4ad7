from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from dabiwu.challenges.phases import shanghai_day
from dabiwu.challenges.router import challenge_or_404
from dabiwu.db.models import Challenge, Submission, Team
from dabiwu.db.models.submissions import TERMINAL_STATUSES
from dabiwu.executors.base import JobSpec
from dabiwu.executors.jobs import live_worker_count
from dabiwu.deps import SessionDep, SubmissionReader, TeamUser
from dabiwu.pagination import PageDep, paginate
from dabiwu.submissions import quota
from dabiwu.submissions.intake import IntakeRefused, accept, limits_of
from dabiwu.submissions.schemas import FinalSelection, QuotaOut, SubmissionAccepted, SubmissionOut
from dabiwu.submissions.service import get_readable, readable_submissions, to_out

router = APIRouter(tags=["submissions"])


def _workers(session) -> int:
    """Workers that can take the job now: local or Celery, whichever sent a heartbeat lately."""
    return live_worker_count(session)


@router.post("/challenges/{slug}/submissions", status_code=202, response_model=SubmissionAccepted)
def upload_submission(
    slug: str,
    request: Request,
    user: TeamUser,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="a .zip or .tar.gz of an MLflow model folder")],
    description: Annotated[str, Form(max_length=512)] = "",
) -> SubmissionAccepted:
    challenge = challenge_or_404(session, slug)
    declared = int(request.headers.get("content-length") or 0)
    max_bytes = int(limits_of(challenge)["max_model_mb"]) * 1024 * 1024
    if declared > max_bytes + 64 * 1024:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"The upload is larger than this challenge's limit of {max_bytes // (1024 * 1024)} MB.",
        )
    settings = request.app.state.settings
    try:
        accepted = accept(
            session,
            store=request.app.state.store,
            challenge=challenge,
            user=user,
            stream=file.file,
            filename=file.filename or "model",
            description=description,
            scratch_root=settings.home_dir / "tmp",
        )
    except IntakeRefused as refusal:
        raise HTTPException(refusal.status, refusal.message, headers={"X-Error-Code": refusal.code}) from refusal
    # Enqueue only after the commit, so a worker never sees a job whose row is not there yet.
    executor = request.app.state.executor
    if executor is not None:
        executor.submit(JobSpec(job_id=accepted.job.id, submission_id=accepted.submission.id))
    return SubmissionAccepted(
        id=accepted.submission.id, status=accepted.submission.status, submissions_left_today=accepted.left_today
    )


@router.get("/challenges/{slug}/quota", response_model=QuotaOut)
def read_quota(slug: str, user: TeamUser, session: SessionDep) -> QuotaOut:
    challenge = challenge_or_404(session, slug)
    limit = int(limits_of(challenge)["daily_submissions"])
    day = shanghai_day()
    used = quota.used_today(session, team_id=user.team_id or 0, challenge_id=challenge.id, day=day)
    return QuotaOut(limit=limit, used=used, left=max(0, limit - used), day=day)


@router.get("/submissions", response_model=list[SubmissionOut])
def list_submissions(
    request: Request,
    user: SubmissionReader,
    session: SessionDep,
    page: PageDep,
    response: Response,
    challenge: str | None = None,
    status_filter: Annotated[str | None, Query(alias="status")] = None,
    team: Annotated[str | None, Query(max_length=128, description="Part of a team's name, any case.")] = None,
    id_prefix: Annotated[str | None, Query(min_length=8, max_length=32, pattern="^[0-9a-f]+$",
                                           description="The first characters of an id (the UI shows 8).")] = None,
) -> list[SubmissionOut]:
    query = readable_submissions(user).order_by(Submission.created_at.desc())
    if id_prefix:
        # Scoped like every list: a prefix finds only the caller's own (or, for staff, any) submissions.
        query = query.where(Submission.id.startswith(id_prefix, autoescape=True))
    if challenge:
        query = query.join(Challenge, Challenge.id == Submission.challenge_id).where(Challenge.slug == challenge)
    if status_filter:
        query = query.where(Submission.status == status_filter)
    if team:
        query = query.where(Submission.team_id.in_(select(Team.id).where(Team.name.icontains(team, autoescape=True))))
    rows = paginate(session, query, page, response)
    workers = _workers(session)
    return [to_out(session, submission=s, user=user, workers=workers) for s in rows]


def _readable_or_404(session, user, submission_id: str) -> Submission:
    submission = get_readable(session, user=user, submission_id=submission_id)
    if submission is None:
        # The same answer whether it does not exist or is another team's: ids reveal nothing.
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No submission '{submission_id}' that you can see.")
    return submission


@router.get("/submissions/{submission_id}", response_model=SubmissionOut)
def read_submission(submission_id: str, request: Request, user: SubmissionReader, session: SessionDep) -> SubmissionOut:
    submission = _readable_or_404(session, user, submission_id)
    return to_out(session, submission=submission, user=user, workers=_workers(session))


@router.post("/submissions/{submission_id}/final", response_model=SubmissionOut)
def select_final(
    submission_id: str, body: FinalSelection, request: Request, user: TeamUser, session: SessionDep
) -> SubmissionOut:
    submission = _readable_or_404(session, user, submission_id)
    if body.is_final and not submission.is_final:
        if submission.status != "scored":
            raise HTTPException(status.HTTP_409_CONFLICT, "Only a scored submission can be marked final.")
        allowed = int(limits_of(submission.challenge).get("final_selections", 2))
        marked = session.scalar(
            select(func.count()).select_from(Submission).where(
                Submission.team_id == submission.team_id,
                Submission.challenge_id == submission.challenge_id,
                Submission.is_final.is_(True),
            )
        ) or 0
        if marked >= allowed:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"Your team has already marked {allowed} final submissions: unmark one first.",
            )
    submission.is_final = body.is_final
    session.commit()
    return to_out(session, submission=submission, user=user, workers=_workers(session))


@router.get("/submissions/{submission_id}/events", response_class=StreamingResponse)
async def submission_events(submission_id: str, request: Request, user: SubmissionReader) -> StreamingResponse:
    """Server-sent events: one `data:` line per status change; the stream ends at a terminal status."""

    def snapshot() -> dict | None:
        with request.app.state.sessionmaker() as session:
            submission = get_readable(session, user=user, submission_id=submission_id)
            if submission is None:
                return None
            out = to_out(session, submission=submission, user=user, workers=_workers(session))
            return json.loads(out.model_dump_json(include={"id", "status", "error", "error_kind", "public_score", "queue_position", "eta_seconds"}))

    first = await run_in_threadpool(snapshot)
    if first is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No submission '{submission_id}' that you can see.")

    async def stream():
        last = None
        state = first
        while True:
            if state != last:
                yield f"event: status\ndata: {json.dumps(state, ensure_ascii=False)}\n\n"
                last = state
            if state["status"] in TERMINAL_STATUSES or await request.is_disconnected():
                return
            await asyncio.sleep(1.0)
            state = await run_in_threadpool(snapshot) or state

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
