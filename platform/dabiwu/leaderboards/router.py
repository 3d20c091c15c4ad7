from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, status

from dabiwu.challenges.router import challenge_or_404
from dabiwu.deps import CurrentUser, SessionDep
from dabiwu.leaderboards.schemas import BoardRow, ShakeUpRow
from dabiwu.leaderboards.service import compute_board, shake_up
from dabiwu.submissions.service import private_visible

router = APIRouter(prefix="/challenges/{slug}", tags=["leaderboards"])


@router.get("/leaderboard", response_model=list[BoardRow])
def read_leaderboard(
    slug: str, user: CurrentUser, session: SessionDep, split: Literal["public", "private"] = "public"
) -> list[dict]:
    challenge = challenge_or_404(session, slug)
    if split == "private" and not private_visible(user, challenge):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "The private leaderboard is shown to judges during the contest and to everyone after it is finalized.",
        )
    return compute_board(session, challenge=challenge, split=split)


@router.get("/shake-up", response_model=list[ShakeUpRow])
def read_shake_up(slug: str, user: CurrentUser, session: SessionDep) -> list[dict]:
    challenge = challenge_or_404(session, slug)
    if not private_visible(user, challenge):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The shake-up is shown after the contest is finalized.")
    public = compute_board(session, challenge=challenge, split="public")
    private = compute_board(session, challenge=challenge, split="private")
    return shake_up(public, private)
