"""Public and private boards, computed from the latest score of each submission, kept in memory per version
(leaderboards/cache.py: one object, one invalidation rule)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from datetime import datetime

from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.challenges.rules import ChallengeRules
from dabiwu.db.models import BoardSnapshot, Challenge, Score, Submission, Team
from dabiwu.db.models.submissions import SUBMISSION_STATUSES
from dabiwu.leaderboards.cache import Board, ChallengeView, board_cache, database_key
from dabiwu.leaderboards.ranking import Entry, ranked_rows, sort_key

log = logging.getLogger(__name__)

# Every state but "scored", named: a board changes when a submission enters or leaves one of them.
UNSCORED_STATUSES = tuple(status for status in SUBMISSION_STATUSES if status != "scored")


def _board_key(session: Session, *, challenge: Challenge, split: str) -> tuple:
    return (database_key(session.get_bind()), challenge.id, split)


def _score_marks(session: Session) -> tuple[int, int]:
    """(max id, count) of all scores: two index-only reads, a few ms even with 100k scores."""
    top, count = session.execute(select(func.coalesce(func.max(Score.id), 0), func.count()).select_from(Score)).one()
    return int(top), int(count)


def _new_scores_touch(session: Session, *, challenge_id: int, seen: tuple[int, int], now: tuple[int, int]) -> bool:
    """Whether scores added since `seen` (anywhere) concern this challenge.

    Reads only the new scores (a primary-key range).  If the count moved by anything but those rows
    (a score committed out of id order, or one deleted), it answers yes: a rebuild too many, never a stale board.
    """
    if now == seen:
        return False
    new = session.execute(
        select(Submission.challenge_id).select_from(Score).join(Submission, Submission.id == Score.submission_id)
        .where(Score.id > seen[0])
    ).scalars().all()
    if now[1] - seen[1] != len(new):
        return True
    return challenge_id in new


def _submission_marks(session: Session, *, challenge: Challenge) -> tuple:
    """What a board depends on besides scores: how many submissions (counts and last times are
    shown), which are not scored and in what state, final marks and disqualifications.

    Written so each read uses an index: the count reads only the challenge index; the unscored
    ones are an IN list on the status index (few rows, whatever the challenge), which also sees a
    scored submission sent back to the queue.  Only the final/disqualified read scans the challenge.
    """
    total = session.scalar(select(func.count()).select_from(Submission).where(Submission.challenge_id == challenge.id))
    unscored = session.execute(
        select(Submission.id, Submission.status, Submission.challenge_id)
        .where(Submission.status.in_(UNSCORED_STATUSES))
    ).all()
    flagged = session.execute(
        select(Submission.id, Submission.is_final, Submission.disqualified_reason.is_not(None))
        .where(Submission.challenge_id == challenge.id,
               Submission.is_final.is_(True) | Submission.disqualified_reason.is_not(None))
    ).all()
    return (total, frozenset((r[0], r[1]) for r in unscored if r[2] == challenge.id),
            frozenset(tuple(r) for r in flagged))


def _scored_rows(session: Session, *, challenge: Challenge):
    return session.execute(
        select(
            Submission.id, Submission.team_id, Team.name, Submission.created_at, Submission.is_final,
            Score.public_score, Score.public_secondary, Score.public_ci_low, Score.public_ci_high,
            Score.private_score, Score.private_secondary, Score.private_ci_low, Score.private_ci_high,
        )
        .join(Score, (Score.submission_id == Submission.id) & Score.is_latest.is_(True))
        .join(Team, Team.id == Submission.team_id)
        .where(
            Submission.challenge_id == challenge.id,
            Submission.status == "scored",
            Submission.disqualified_reason.is_(None),
        )
    ).all()


def _activity(session: Session, *, challenge: Challenge) -> tuple[dict[int, int], dict[int, datetime]]:
    rows = session.execute(
        select(Submission.team_id, func.count(), func.max(Submission.created_at))
        .where(Submission.challenge_id == challenge.id, Submission.status != "rejected")
        .group_by(Submission.team_id)
    ).all()
    return {r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}


def _entry(row, split: str) -> Entry:
    offset = 5 if split == "public" else 9
    return Entry(
        team_id=row[1], team=row[2], submission_id=row[0], created_at=row[3],
        score=row[offset], secondary=row[offset + 1], ci_low=row[offset + 2], ci_high=row[offset + 3],
    )


def private_candidates(rows, *, final_selections: int) -> list:
    """Each team's final selections; with none marked, its best public ones count."""
    by_team = defaultdict(list)
    for row in rows:
        by_team[row[1]].append(row)
    chosen = []
    for team_rows in by_team.values():
        finals = [r for r in team_rows if r[4]]
        if not finals:
            finals = sorted(team_rows, key=lambda r: sort_key(_entry(r, "public")))[:final_selections]
        chosen.extend(finals)
    return chosen


def compute_board(session: Session, *, challenge: Challenge, split: str, max_age_s: float = 0.0) -> list[dict]:
    """The board, recomputed only when its version changes.

    max_age_s == 0: the version is checked on every call (a few cheap reads) and a changed board is
    rebuilt before answering.  max_age_s > 0 (the API passes DABIWU_BOARD_CACHE_SECONDS): a board
    checked less than that long ago is served as is; after that, one request checks (and rebuilds if
    it changed) while the others keep getting the board they had instead of queueing behind it.  So a
    new score shows within max_age_s plus one check and one rebuild.
    """
    key = _board_key(session, challenge=challenge, split=split)
    cached = board_cache.board(key)
    if cached and max_age_s > 0 and time.monotonic() - cached.checked_at < max_age_s:
        return cached.rows
    lock = board_cache.builder(key)
    if cached and max_age_s > 0:
        if not lock.acquire(blocking=False):  # another request is checking or rebuilding this board
            return cached.rows
    else:
        lock.acquire()
    try:
        cached = board_cache.board(key)
        if cached and max_age_s > 0 and time.monotonic() - cached.checked_at < max_age_s:
            return cached.rows
        marks = _score_marks(session)
        if cached is None or _new_scores_touch(session, challenge_id=challenge.id, seen=cached.score_marks, now=marks):
            score_token = marks
        else:
            score_token = cached.version[0]
        version = (score_token, _submission_marks(session, challenge=challenge), challenge.finalized_at)
        if cached and cached.version == version:
            rows = cached.rows
        else:
            rows = _build_board(session, challenge=challenge, split=split)
        board_cache.put_board(key, Board(version=version, rows=rows, checked_at=time.monotonic(), score_marks=marks))
        return rows
    finally:
        lock.release()


def _build_board(session: Session, *, challenge: Challenge, split: str) -> list[dict]:
    rows = _scored_rows(session, challenge=challenge)
    if split == "private":
        rows = private_candidates(rows, final_selections=challenge.rules.limits.final_selections)
    counts, last_at = _activity(session, challenge=challenge)
    return ranked_rows([_entry(r, split) for r in rows], counts=counts, last_at=last_at)


def _to_json(rows: list[dict]) -> bytes:
    return json.dumps(jsonable_encoder(rows), ensure_ascii=False, separators=(",", ":")).encode()


def board_page(
    session: Session, *, challenge: Challenge, split: str, page: int, page_size: int | None,
    max_age_s: float = 0.0
) -> tuple[bytes, int]:
    """One page of the board as JSON bytes (page_size None: the whole board), and the number of rows of the board.

    Ranks stay global (page 2 of 100 starts at rank 101).  Each page is serialised once per board
    version; a finalized board's version is its finalize time (the snapshot never changes after).
    """
    board = _board_key(session, challenge=challenge, split=split)
    version = None
    if challenge.finalized_at is not None:
        version = ("final", challenge.finalized_at)
        hit = board_cache.page(board, version, page, page_size)
        if hit is not None:
            return hit
        rows = current_board(session, challenge=challenge, split=split)
    else:
        rows = compute_board(session, challenge=challenge, split=split, max_age_s=max_age_s)
        entry = board_cache.board(board)
        if entry is not None and entry.rows is rows:  # else a newer version landed meanwhile: do not cache this one
            version = entry.version
            hit = board_cache.page(board, version, page, page_size)
            if hit is not None:
                return hit
    start = 0 if page_size is None else (page - 1) * page_size
    answer = (_to_json(rows[start:None if page_size is None else start + page_size]), len(rows))
    if version is not None:
        board_cache.put_page(board, version, page, page_size, answer)
    return answer


def remember_challenge(session: Session, *, challenge: Challenge) -> ChallengeView:
    view = ChallengeView(id=challenge.id, slug=challenge.slug, rules=challenge.rules, finalized_at=challenge.finalized_at,
                         status=challenge.status or "published")
    board_cache.put_challenge(database_key(session.get_bind()), view)
    return view


def page_from_memory(
    db_url, *, slug: str, split: str, page: int, page_size: int | None, max_age_s: float
) -> tuple[ChallengeView, tuple[bytes, int], bool] | None:
    """A page answered from memory, without a session: (the challenge as last read, the page, stale).

    Stale means the challenge or the board was last checked max_age_s ago or more: the caller answers
    with it all the same and has the board checked in the background (stale-while-revalidate), so
    that requests never queue behind a check. A new score therefore shows within max_age_s plus one
    check and one rebuild. None when this page of the board's current version is not in memory, and
    always when max_age_s <= 0 (then every request checks).
    """
    if max_age_s <= 0:
        return None
    entry = board_cache.challenge(db_url, slug)
    if entry is None:
        return None
    view, read_at = entry
    now = time.monotonic()
    stale = now - read_at >= max_age_s
    board = (db_url, view.id, split)
    if view.finalized_at is not None:
        answer = board_cache.page(board, ("final", view.finalized_at), page, page_size)
    else:
        cached = board_cache.board(board)
        if cached is None:
            return None
        stale = stale or now - cached.checked_at >= max_age_s
        answer = board_cache.page(board, cached.version, page, page_size)
    return None if answer is None else (view, answer, stale)


def warm_boards(database_url: str) -> threading.Thread:
    """Build the public board of every open challenge in the background, so that the first request
    a server process gets does not pay for it (with several web workers, each process has its own)."""

    def run() -> None:
        from dabiwu.db.session import get_sessionmaker

        try:
            with get_sessionmaker(database_url)() as session:
                for challenge in session.scalars(select(Challenge).where(Challenge.finalized_at.is_(None))):
                    compute_board(session, challenge=challenge, split="public")
        except Exception:  # a warm-up only: the first request builds the board instead
            log.exception("warming the boards failed")

    thread = threading.Thread(target=run, name="warm-boards", daemon=True)
    thread.start()
    return thread


def shake_up(public: list[dict], private: list[dict]) -> list[dict]:
    public_rank = {row["team_id"]: row["rank"] for row in public}
    return [
        {
            "team": row["team"],
            "team_id": row["team_id"],
            "private_rank": row["rank"],
            "public_rank": public_rank.get(row["team_id"]),
            "change": (public_rank[row["team_id"]] - row["rank"]) if row["team_id"] in public_rank else None,
        }
        for row in private
    ]


def get_snapshot(session: Session, *, challenge: Challenge, split: str) -> BoardSnapshot | None:
    return session.scalar(
        select(BoardSnapshot).where(BoardSnapshot.challenge_id == challenge.id, BoardSnapshot.split == split)
    )


def current_board(session: Session, *, challenge: Challenge, split: str, max_age_s: float = 0.0) -> list[dict]:
    """After finalize the frozen snapshot is the board; before, the live computation."""
    if challenge.finalized_at is not None:
        snapshot = get_snapshot(session, challenge=challenge, split=split)
        if snapshot is not None:
            return snapshot.rows
    return compute_board(session, challenge=challenge, split=split, max_age_s=max_age_s)


def best_score_history(session: Session, *, challenge: Challenge) -> list[dict]:
    """Each team's best public score over time (a step line per team for the UI chart)."""
    rows = session.execute(
        select(Submission.team_id, Team.name, Submission.created_at, Score.public_score)
        .join(Score, (Score.submission_id == Submission.id) & Score.is_latest.is_(True))
        .join(Team, Team.id == Submission.team_id)
        .where(Submission.challenge_id == challenge.id, Submission.status == "scored",
               Submission.disqualified_reason.is_(None))
        .order_by(Submission.created_at)
    ).all()
    series: dict[int, dict] = {}
    for team_id, name, at, score in rows:
        line = series.setdefault(team_id, {"team_id": team_id, "team": name, "points": [], "best": None})
        if line["best"] is None or score > line["best"]:
            line["best"] = score
            line["points"].append({"at": at, "best": score})
    return list(series.values())
