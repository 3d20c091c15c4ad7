from __future__ import annotations

import asyncio
import csv
import io
import logging
from typing import Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from dabiwu.auth.service import Principal
from dabiwu.challenges.lifecycle import visible_to
from dabiwu.challenges.router import challenge_or_404
from dabiwu.deps import CurrentPrincipal, CurrentUser, SessionDep
from dabiwu.errors import DabiwuError
from dabiwu.timefmt import beijing_iso
from dabiwu.leaderboards.cache import database_key
from dabiwu.leaderboards.schemas import BoardRow, HistorySeries, ShakeUpRow
from dabiwu.leaderboards.service import (
    best_score_history, board_page, current_board, page_from_memory, remember_challenge, shake_up,
)
from dabiwu.submissions.service import private_visible

router = APIRouter(prefix="/challenges/{slug}", tags=["leaderboards"])
log = logging.getLogger(__name__)


BOARD_PAGE_SIZE = 100
BOARD_MAX_PAGE_SIZE = 2000


@router.get("/leaderboard", response_model=list[BoardRow])
async def read_leaderboard(
    request: Request, slug: str, principal: CurrentPrincipal,
    split: Literal["public", "private"] = "public",
    page: int = Query(1, description="1-based page number"),
    page_size: int | None = Query(None, description=f"rows per page (at most {BOARD_MAX_PAGE_SIZE}; the web UI and "
                                                     f"the CLI ask for {BOARD_PAGE_SIZE}); without it, the whole board"),
) -> Response:
    """The board, or one page of it with page_size (ranks are global); `X-Total-Count` is the number of ranked teams.

    The hot path (a known token, a challenge and a board page in memory) is answered on the event loop;
    when the board is due for a check, one check runs in the background meanwhile. Anything else goes to a
    worker thread with a session.
    """
    if page < 1:
        raise DabiwuError(f"page must be 1 or more (it is 1-based); got {page}.",
                          f"页码 page 必须大于等于 1（从 1 开始计数），收到的是 {page}。", code="bad_page", status=422)
    if page_size is None and page != 1:
        raise DabiwuError(f"page {page} needs a page_size, e.g. ?page={page}&page_size={BOARD_PAGE_SIZE}; "
                          "without page_size the answer is the whole board.",
                          f"第 {page} 页需要同时给出每页条数 page_size，例如 ?page={page}&page_size={BOARD_PAGE_SIZE}；"
                          "不给 page_size 时返回整个榜单。", code="bad_page", status=422)
    if page_size is not None and not 1 <= page_size <= BOARD_MAX_PAGE_SIZE:
        raise DabiwuError(f"page_size must be between 1 and {BOARD_MAX_PAGE_SIZE}; got {page_size}. "
                          "Page through a larger board, or download leaderboard.csv for all of it.",
                          f"每页条数 page_size 必须在 1 到 {BOARD_MAX_PAGE_SIZE} 之间，收到的是 {page_size}。"
                          "请分页查看较大的榜单，或下载 leaderboard.csv 获取全部内容。", code="bad_page_size", status=422)
    settings = request.app.state.settings
    db_url = database_key(request.app.state.sessionmaker.kw["bind"])
    hit = page_from_memory(db_url, slug=slug, split=split, page=page, page_size=page_size,
                           max_age_s=settings.board_cache_seconds)
    if hit is not None:
        view, answer, stale = hit
        _check_private(principal, view, split)
        if stale:
            check_in_background(request.app, db_url, slug, split, page, page_size)
    else:
        answer = await run_in_threadpool(_read_board, request, slug, principal, split, page, page_size)
    body, total = answer
    return Response(body, media_type="application/json", headers={"X-Total-Count": str(total)})


def _check_private(principal: Principal, challenge, split: str) -> None:
    if not visible_to(principal, challenge):  # a draft or withdrawn challenge: as if it did not exist
        raise DabiwuError(f"No challenge '{challenge.slug}'. GET /api/v1/challenges lists them.",
                          f"没有赛题「{challenge.slug}」。GET /api/v1/challenges 列出所有赛题。", code="challenge_not_found",
                          status=404)
    if split == "private" and not private_visible(principal, challenge):
        raise DabiwuError(
            "The private leaderboard is shown to judges during the contest and to everyone after it is finalized.",
            "私榜在比赛期间仅对评委可见，定榜后对所有人公开。", code="not_visible_yet", status=403,
        )


# Boards being checked in the background, so that one check runs at a time (event loop only: no lock).
_checking: set[tuple] = set()


def check_in_background(app, db_url, slug: str, split: str, page: int, page_size: int | None) -> None:
    """Have a board that is due for its check checked (and rebuilt if it changed) by one worker thread,
    while requests keep getting the board they had.  Called on the event loop (this route and the fast path)."""
    key = (db_url, slug, split)
    if key in _checking:
        return
    _checking.add(key)
    check = asyncio.get_running_loop().run_in_executor(None, _refresh_board, app, slug, split, page, page_size)

    def finished(done: asyncio.Future) -> None:
        _checking.discard(key)
        if not done.cancelled() and done.exception() is not None:  # the next stale request tries again
            log.error("checking the %s board of %s failed: %r", split, slug, done.exception())

    check.add_done_callback(finished)


def _refresh_board(app, slug: str, split: str, page: int, page_size: int | None) -> None:
    """Read the challenge again and check the board's version (rebuilding it if it changed)."""
    with app.state.sessionmaker() as session:
        challenge = challenge_or_404(session, slug)
        remember_challenge(session, challenge=challenge)
        board_page(session, challenge=challenge, split=split, page=page, page_size=page_size,
                   max_age_s=app.state.settings.board_cache_seconds)


def _read_board(request: Request, slug: str, principal: Principal, split: str, page: int,
                page_size: int | None) -> tuple[bytes, int]:
    with request.app.state.sessionmaker() as session:
        challenge = challenge_or_404(session, slug)
        remember_challenge(session, challenge=challenge)
        _check_private(principal, challenge, split)
        return board_page(session, challenge=challenge, split=split, page=page, page_size=page_size,
                          max_age_s=request.app.state.settings.board_cache_seconds)


@router.get("/shake-up", response_model=list[ShakeUpRow])
def read_shake_up(slug: str, user: CurrentUser, session: SessionDep) -> list[dict]:
    challenge = challenge_or_404(session, slug, user)
    if not private_visible(user, challenge):
        raise DabiwuError("The shake-up is shown after the contest is finalized.", "公私榜名次变化在定榜后公开。",
                          code="not_visible_yet", status=403)
    public = current_board(session, challenge=challenge, split="public")
    private = current_board(session, challenge=challenge, split="private")
    return shake_up(public, private)


@router.get("/history", response_model=list[HistorySeries])
def read_history(slug: str, user: CurrentUser, session: SessionDep) -> list[dict]:
    return best_score_history(session, challenge=challenge_or_404(session, slug, user))


@router.get("/leaderboard.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def export_leaderboard(
    slug: str, user: CurrentUser, session: SessionDep, split: Literal["public", "private"] = "public"
) -> Response:
    challenge = challenge_or_404(session, slug, user)
    if split == "private" and not private_visible(user, challenge):
        raise DabiwuError("The private board is exported by judges, or by anyone after finalize.",
                          "私榜只能由评委导出，定榜后所有人都可导出。", code="not_visible_yet", status=403)
    rows = current_board(session, challenge=challenge, split=split)
    out = io.StringIO()
    columns = ["rank", "team", "submission_id", "score", "ci_low", "ci_high", "tied_with_leader", "submissions", "last_submission_at"]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    # Times in Beijing time with their offset, like the web UI (the JSON API keeps UTC).
    writer.writerows({**row, "last_submission_at": beijing_iso(row.get("last_submission_at"))} for row in rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-{split}-leaderboard.csv"'})
