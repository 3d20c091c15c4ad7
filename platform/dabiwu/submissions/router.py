from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from dabiwu.auth.tokens import token_digest
from dabiwu.challenges.phases import shanghai_day
from dabiwu.challenges.router import challenge_or_404
from dabiwu.db.models import Challenge, Submission, Team
from dabiwu.executors.base import JobSpec
from dabiwu.executors.heartbeats import live_worker_count
from dabiwu.deps import SessionDep, StreamReader, SubmissionReader, TeamUser, bearer_token
from dabiwu.pagination import PageDep, paginate
from dabiwu.submissions import quota
from dabiwu.submissions.events import SlotStreamingResponse, event_stream, stream_state
from dabiwu.submissions.finals import set_final
from dabiwu.submissions.intake import accept, max_model_bytes, too_large
from dabiwu.submissions.schemas import FinalSelection, QuotaOut, SubmissionAccepted, SubmissionOut
from dabiwu.scoring.disclosure import Disclosure
from dabiwu.submissions.service import get_readable, readable_submissions, submission_not_found, to_out

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
    challenge = challenge_or_404(session, slug, user)  # a draft or withdrawn challenge is a 404 to teams
    declared = int(request.headers.get("content-length") or 0)
    max_bytes = max_model_bytes(challenge.rules.limits)
    if declared > max_bytes + 64 * 1024:
        raise too_large(max_bytes)
    settings = request.app.state.settings
    from dabiwu.runtimes import built_runtime

    runtime = built_runtime(challenge.rules.runtime, settings)  # checked against what will score it
    accepted = accept(
        session,
        store=request.app.state.store,
        challenge=challenge,
        user=user,
        stream=file.file,
        filename=file.filename or "model",
        description=description,
        scratch_root=settings.home_dir / "tmp",
        max_model_info_bytes=settings.model_info_max_kb * 1024,
        max_tree_files=settings.model_tree_max_files,
        runtime=runtime,
    )
    # Enqueue only after the commit, so a worker never sees a job whose row is not there yet.
    executor = request.app.state.executor
    if executor is not None:
        executor.submit(JobSpec(job_id=accepted.job.id, submission_id=accepted.submission.id))
    return SubmissionAccepted(
        id=accepted.submission.id, status=accepted.submission.status, submissions_left_today=accepted.left_today
    )


@router.get("/challenges/{slug}/quota", response_model=QuotaOut)
def read_quota(slug: str, user: TeamUser, session: SessionDep) -> QuotaOut:
    challenge = challenge_or_404(session, slug, user)
    limit = challenge.rules.limits.daily_submissions
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
    disclosure = Disclosure.of(request.app.state.settings)
    # brief: a list never carries a row's whole model_info (MLmodel-derived; see validation.model_info_brief)
    return [to_out(session, submission=s, user=user, workers=workers, brief=True, disclosure=disclosure) for s in rows]


def _readable_or_404(session, user, submission_id: str) -> Submission:
    submission = get_readable(session, user=user, submission_id=submission_id)
    if submission is None:
        raise submission_not_found(submission_id)
    return submission


@router.get("/submissions/{submission_id}", response_model=SubmissionOut)
def read_submission(submission_id: str, request: Request, user: SubmissionReader, session: SessionDep) -> SubmissionOut:
    submission = _readable_or_404(session, user, submission_id)
    return to_out(session, submission=submission, user=user, workers=_workers(session),
                  disclosure=Disclosure.of(request.app.state.settings))


@router.post("/submissions/{submission_id}/final", response_model=SubmissionOut)
def select_final(
    submission_id: str, body: FinalSelection, request: Request, user: TeamUser, session: SessionDep
) -> SubmissionOut:
    submission = _readable_or_404(session, user, submission_id)
    set_final(session, submission=submission, is_final=body.is_final)
    session.commit()
    return to_out(session, submission=submission, user=user, workers=_workers(session),
                  disclosure=Disclosure.of(request.app.state.settings))


@router.get("/submissions/{submission_id}/events", response_class=StreamingResponse)
async def submission_events(
    submission_id: str, request: Request, reader: StreamReader, token: Annotated[str | None, Depends(bearer_token)]
) -> StreamingResponse:
    """Server-sent events: one `data:` line per status change; the stream ends at a terminal status.

    Holds no database session or thread while open (submissions/events.py); at most DABIWU_SSE_MAX_STREAMS_PER_TOKEN
    per token and DABIWU_SSE_MAX_STREAMS_TOTAL per server process are open at once (429 beyond)."""
    state = request.app.state
    slot = token_digest(token or "", secret_key=state.settings.secret_key)
    state.event_slots.acquire(slot)
    try:
        first = await run_in_threadpool(_first_state, request, reader, submission_id)
    except BaseException:
        state.event_slots.release(slot)
        raise
    if first is None:
        state.event_slots.release(slot)
        raise submission_not_found(submission_id)
    return SlotStreamingResponse(event_stream(state.event_watcher, submission_id, first),
                                 release=lambda: state.event_slots.release(slot),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


def _first_state(request: Request, reader, submission_id: str) -> dict | None:
    with request.app.state.sessionmaker() as session:
        submission = get_readable(session, user=reader, submission_id=submission_id)
        if submission is None:
            return None
        return stream_state(session, submission, workers=_workers(session))
