from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from dabiwu.challenges.router import challenge_or_404
from dabiwu.deps import CurrentUser, SessionDep, SettingsDep
from dabiwu.leaderboards.schemas import BoardRow, ShakeUpRow
from dabiwu.leaderboards.service import best_score_history, board_page, current_board, shake_up
from dabiwu.submissions.service import private_visible

router = APIRouter(prefix="/challenges/{slug}", tags=["leaderboards"])


BOARD_PAGE_SIZE = 100
BOARD_MAX_PAGE_SIZE = 2000


@router.get("/leaderboard", response_model=list[BoardRow])
def read_leaderboard(
    slug: str, user: CurrentUser, session: SessionDep, settings: SettingsDep,
    split: Literal["public", "private"] = "public",
    page: int = Query(1, description="1-based page number"),
    page_size: int = Query(BOARD_PAGE_SIZE, description=f"rows per page (at most {BOARD_MAX_PAGE_SIZE})"),
) -> Response:
    """One page of the board (ranks are global); `X-Total-Count` is the number of ranked teams."""
    if page < 1:
        raise HTTPException(422,
                            f"page must be 1 or more (it is 1-based); got {page}.")
    if not 1 <= page_size <= BOARD_MAX_PAGE_SIZE:
        raise HTTPException(422,
                            f"page_size must be between 1 and {BOARD_MAX_PAGE_SIZE}; got {page_size}. "
                            "Page through a larger board, or download leaderboard.csv for all of it.")
    challenge = challenge_or_404(session, slug)
    if split == "private" and not private_visible(user, challenge):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "The private leaderboard is shown to judges during the contest and to everyone after it is finalized.",
        )
    body, total = board_page(session, challenge=challenge, split=split, page=page, page_size=page_size,
                             max_age_s=settings.board_cache_seconds)
    return Response(body, media_type="application/json", headers={"X-Total-Count": str(total)})


@router.get("/shake-up", response_model=list[ShakeUpRow])
def read_shake_up(slug: str, user: CurrentUser, session: SessionDep) -> list[dict]:
    challenge = challenge_or_404(session, slug)
    if not private_visible(user, challenge):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The shake-up is shown after the contest is finalized.")
    public = current_board(session, challenge=challenge, split="public")
    private = current_board(session, challenge=challenge, split="private")
    return shake_up(public, private)


@router.get("/history")
def read_history(slug: str, _: CurrentUser, session: SessionDep) -> list[dict]:
    return best_score_history(session, challenge=challenge_or_404(session, slug))


@router.get("/leaderboard.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_leaderboard(
    slug: str, user: CurrentUser, session: SessionDep, split: Literal["public", "private"] = "public"
) -> Response:
    challenge = challenge_or_404(session, slug)
    if split == "private" and not private_visible(user, challenge):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "The private board is exported by judges, or by anyone after finalize.")
    rows = current_board(session, challenge=challenge, split=split)
    out = io.StringIO()
    columns = ["rank", "team", "submission_id", "score", "ci_low", "ci_high", "tied_with_leader", "submissions", "last_submission_at"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-{split}-leaderboard.csv"'})
