from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import select

from dabiwu.challenges.router import challenge_or_404
from dabiwu.db.models import Review, Submission, User
from dabiwu.deps import CurrentUser, FinalizerUser, JudgeUser, SessionDep
from dabiwu.judging.schemas import DisqualifyIn, FinalizeOut, ReviewIn, ReviewOut
from dabiwu.judging.service import JudgingError, disqualify, final_ranking, finalize, save_review
from dabiwu.submissions.service import private_visible

router = APIRouter(tags=["judging"])


def _raise(exc: JudgingError):
    raise HTTPException(exc.status, exc.message) from exc


@router.post("/challenges/{slug}/reviews", response_model=ReviewOut)
def submit_review(slug: str, body: ReviewIn, judge: JudgeUser, session: SessionDep) -> ReviewOut:
    challenge = challenge_or_404(session, slug)
    try:
        review = save_review(session, challenge=challenge, judge=judge, team_id=body.team_id,
                             scores=body.scores, comment=body.comment)
    except JudgingError as exc:
        _raise(exc)
    session.commit()
    return ReviewOut(id=review.id, team_id=review.team_id, judge=judge.username, scores=review.scores,
                     comment=review.comment, updated_at=review.updated_at)


@router.get("/challenges/{slug}/reviews", response_model=list[ReviewOut])
def list_reviews(slug: str, _: JudgeUser, session: SessionDep) -> list[ReviewOut]:
    challenge = challenge_or_404(session, slug)
    rows = session.execute(
        select(Review, User.username).join(User, User.id == Review.judge_id).where(Review.challenge_id == challenge.id)
    ).all()
    return [ReviewOut(id=r.id, team_id=r.team_id, judge=name, scores=r.scores, comment=r.comment,
                      updated_at=r.updated_at) for r, name in rows]


@router.get("/challenges/{slug}/final-ranking")
def read_final_ranking(slug: str, user: CurrentUser, session: SessionDep) -> list[dict]:
    challenge = challenge_or_404(session, slug)
    if not private_visible(user, challenge):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The final ranking is shown to judges, and to everyone after finalize.")
    return final_ranking(session, challenge=challenge)


@router.post("/submissions/{submission_id}/disqualify", status_code=204)
def disqualify_submission(submission_id: str, body: DisqualifyIn, judge: JudgeUser, session: SessionDep) -> None:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No submission '{submission_id}'.")
    try:
        disqualify(session, submission=submission, judge=judge, reason=body.reason)
    except JudgingError as exc:
        _raise(exc)
    session.commit()


@router.post("/challenges/{slug}/finalize", response_model=FinalizeOut)
def finalize_challenge(slug: str, judge: FinalizerUser, session: SessionDep) -> FinalizeOut:
    challenge = challenge_or_404(session, slug)
    try:
        snapshots = finalize(session, challenge=challenge, actor=judge)
    except JudgingError as exc:
        _raise(exc)
    session.commit()
    return FinalizeOut(
        challenge=slug, finalized_at=challenge.finalized_at, content_hash=snapshots["private"].content_hash,
        rows=snapshots["private"].rows, final_ranking=snapshots["final"].rows,
        hashes={split: s.content_hash for split, s in snapshots.items()},
    )
