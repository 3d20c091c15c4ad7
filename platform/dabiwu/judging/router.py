from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from dabiwu.challenges.router import challenge_or_404
from dabiwu.db.models import Review, Submission, User
from dabiwu.deps import CurrentUser, FinalizerUser, JudgeUser, SessionDep
from dabiwu.errors import DabiwuError
from dabiwu.judging.schemas import DisqualifyIn, FinalizeOut, FinalRow, ReviewIn, ReviewOut
from dabiwu.judging.service import disqualify, final_ranking, finalize, save_review
from dabiwu.submissions.service import private_visible, submission_not_found

router = APIRouter(tags=["judging"])


@router.post("/challenges/{slug}/reviews", response_model=ReviewOut)
def submit_review(slug: str, body: ReviewIn, judge: JudgeUser, session: SessionDep) -> ReviewOut:
    challenge = challenge_or_404(session, slug)
    review = save_review(session, challenge=challenge, judge=judge, team_id=body.team_id,
                         scores=body.scores, comment=body.comment)
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


@router.get("/challenges/{slug}/final-ranking", response_model=list[FinalRow])
def read_final_ranking(slug: str, user: CurrentUser, session: SessionDep) -> list[dict]:
    challenge = challenge_or_404(session, slug)
    if not private_visible(user, challenge):
        raise DabiwuError("The final ranking is shown to judges, and to everyone after finalize.",
                          "最终排名仅对评委可见，定榜后对所有人公开。", code="not_visible_yet", status=403)
    return final_ranking(session, challenge=challenge)


@router.post("/submissions/{submission_id}/disqualify", status_code=204)
def disqualify_submission(submission_id: str, body: DisqualifyIn, judge: JudgeUser, session: SessionDep) -> None:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise submission_not_found(submission_id)
    disqualify(session, submission=submission, judge=judge, reason=body.reason)
    session.commit()


@router.post("/challenges/{slug}/finalize", response_model=FinalizeOut)
def finalize_challenge(slug: str, judge: FinalizerUser, session: SessionDep) -> FinalizeOut:
    challenge = challenge_or_404(session, slug)
    snapshots = finalize(session, challenge=challenge, actor=judge)
    session.commit()
    return FinalizeOut(
        challenge=slug, finalized_at=challenge.finalized_at, content_hash=snapshots["private"].content_hash,
        rows=snapshots["private"].rows, final_ranking=snapshots["final"].rows,
        hashes={split: s.content_hash for split, s in snapshots.items()},
    )
