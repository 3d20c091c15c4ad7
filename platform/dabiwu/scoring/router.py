"""Admin rescoring of one submission or a whole challenge."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from fastapi import APIRouter, Request
from sqlalchemy import select

from dabiwu.challenges.router import challenge_or_404
from dabiwu.db.models import Submission
from dabiwu.deps import AdminUser, SessionDep
from dabiwu.scoring.rescore import rescore_submission
from dabiwu.scoring.schemas import RescoreChallengeOut, RescoreOut
from dabiwu.submissions.service import submission_not_found

router = APIRouter(tags=["scoring"])


@router.post("/submissions/{submission_id}/rescore", response_model=RescoreOut)
def rescore_one(submission_id: str, request: Request, admin: AdminUser, session: SessionDep,
                dataset: Literal["same", "current"] = "same") -> RescoreOut:
    """dataset=same: recompute from stored predictions; dataset=current: run the model again on the
    challenge's current dataset version (after a fixed bundle was reloaded)."""
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise submission_not_found(submission_id)
    outcome = rescore_submission(session, store=request.app.state.store, submission=submission, actor=admin,
                                 to_current_dataset=dataset == "current")
    session.commit()
    return RescoreOut(id=submission_id, outcome=outcome)


@router.post("/challenges/{slug}/rescore", response_model=RescoreChallengeOut)
def rescore_challenge(slug: str, request: Request, admin: AdminUser, session: SessionDep,
                      dataset: Literal["same", "current"] = "same") -> RescoreChallengeOut:
    """Every submission of the challenge; see POST /submissions/{id}/rescore for `dataset`."""
    challenge = challenge_or_404(session, slug)
    outcomes: Counter[str] = Counter()
    ids = session.scalars(select(Submission.id).where(Submission.challenge_id == challenge.id)).all()
    for submission_id in ids:
        submission = session.get(Submission, submission_id)
        outcomes[rescore_submission(session, store=request.app.state.store, submission=submission, actor=admin,
                                    to_current_dataset=dataset == "current")] += 1
        session.commit()
    return RescoreChallengeOut(challenge=slug, outcomes=dict(outcomes))
