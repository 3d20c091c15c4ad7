from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, HTTPException, Response, status

from dabiwu.challenges.router import challenge_or_404
from dabiwu.deps import CurrentUser, SessionDep, SettingsDep
from dabiwu.leaderboards.schemas import BoardRow, ShakeUpRow
from dabiwu.leaderboards.service import best_score_history, board_json, current_board, shake_up
from dabiwu.submissions.service import private_visible

router = APIRouter(prefix="/challenges/{slug}", tags=["leaderboards"])


@router.get("/leaderboard", response_model=list[BoardRow])
def read_leaderboard(
    slug: str, user: CurrentUser, session: SessionDep, settings: SettingsDep,
    split: Literal["public", "private"] = "public",
) -> Response:
    challenge = challenge_or_404(session, slug)
    if split == "private" and not private_visible(user, challenge):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "The private leaderboard is shown to judges during the contest and to everyone after it is finalized.",
        )
    body = board_json(session, challenge=challenge, split=split, max_age_s=settings.board_cache_seconds)
    return Response(body, media_type="application/json")


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
