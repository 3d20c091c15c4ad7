from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from dabiwu.challenges.lifecycle import move, visible_statement, visible_to
from dabiwu.challenges.schemas import ChallengeMoveOut, ChallengeOut, WithdrawIn
from dabiwu.challenges.service import get_challenge
from dabiwu.db.models import Challenge
from dabiwu.deps import AdminUser, CurrentUser, DataReader, SessionDep
from dabiwu.errors import DabiwuError
from dabiwu.pagination import PageDep, paginate

router = APIRouter(prefix="/challenges", tags=["challenges"])


def challenge_or_404(session, slug: str, viewer=None) -> Challenge:
    """The challenge, or a 404 sentence; with `viewer`, a draft or withdrawn one is a 404 to teams and districts."""
    challenge = get_challenge(session, slug=slug)
    if challenge is None or (viewer is not None and not visible_to(viewer, challenge)):
        raise DabiwuError(f"No challenge '{slug}'. GET /api/v1/challenges lists them.",
                          f"没有赛题「{slug}」。GET /api/v1/challenges 列出所有赛题。", code="challenge_not_found", status=404)
    return challenge


def _no_data() -> DabiwuError:
    return DabiwuError("This challenge has no data loaded yet; ask the organiser.", "本赛题尚未载入数据，请联系组织方。",
                       code="no_dataset", status=409)


@router.get("", response_model=list[ChallengeOut])
def list_challenges(user: CurrentUser, session: SessionDep, page: PageDep, response: Response) -> list[ChallengeOut]:
    """Teams and districts see published challenges; admins and judges also see drafts and withdrawn ones (`status`)."""
    rows = paginate(session, visible_statement(user).order_by(Challenge.id), page, response)
    return [ChallengeOut.of(c) for c in rows]


@router.get("/{slug}", response_model=ChallengeOut)
def read_challenge(slug: str, user: CurrentUser, session: SessionDep) -> ChallengeOut:
    return ChallengeOut.of(challenge_or_404(session, slug, user))


@router.post("/{slug}/publish", response_model=ChallengeMoveOut)
def publish_challenge(slug: str, admin: AdminUser, session: SessionDep) -> ChallengeMoveOut:
    """Show a draft (or a withdrawn challenge) to everyone; idempotent."""
    result = move(session, challenge=challenge_or_404(session, slug), to="published", actor=admin)
    session.commit()
    return ChallengeMoveOut(slug=result.slug, status=result.status, changed=result.changed)


@router.post("/{slug}/withdraw", response_model=ChallengeMoveOut)
def withdraw_challenge(slug: str, body: WithdrawIn, admin: AdminUser, session: SessionDep) -> ChallengeMoveOut:
    """Hide a challenge from teams and districts; its submissions and scores are kept. Audited with the reason."""
    result = move(session, challenge=challenge_or_404(session, slug), to="withdrawn", actor=admin, reason=body.reason)
    session.commit()
    return ChallengeMoveOut(slug=result.slug, status=result.status, changed=result.changed)


def _stream_blob(request: Request, key: str, *, filename: str, media_type: str) -> StreamingResponse:
    store = request.app.state.store
    handle = store.open(key)

    def chunks():
        try:
            while block := handle.read(1024 * 1024):
                yield block
        finally:
            handle.close()

    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Content-Length": str(store.size(key))}
    return StreamingResponse(chunks(), media_type=media_type, headers=headers)


@router.get("/{slug}/data/train", response_class=StreamingResponse,
            responses={200: {"content": {"application/vnd.apache.parquet": {}, "text/csv": {}}}})
def download_train(
    slug: str, request: Request, user: DataReader, session: SessionDep, format: Literal["parquet", "csv"] = "parquet"
) -> StreamingResponse:
    challenge = challenge_or_404(session, slug, user)
    dataset = challenge.current_dataset
    if dataset is None:
        raise _no_data()
    if format == "csv":
        return _stream_blob(request, dataset.train_csv_key, filename=f"{slug}-train.csv", media_type="text/csv; charset=utf-8")
    return _stream_blob(
        request, dataset.train_key, filename=f"{slug}-train.parquet", media_type="application/vnd.apache.parquet"
    )


@router.get("/{slug}/starting-kit", response_class=StreamingResponse, responses={200: {"content": {"application/zip": {}}}})
def download_starting_kit(slug: str, request: Request, user: DataReader, session: SessionDep) -> StreamingResponse:
    challenge = challenge_or_404(session, slug, user)
    dataset = challenge.current_dataset
    if dataset is None:
        raise _no_data()
    return _stream_blob(request, dataset.starting_kit_key, filename=f"{slug}-starting-kit.zip", media_type="application/zip")
