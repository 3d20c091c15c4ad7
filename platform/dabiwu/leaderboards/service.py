"""Public and private boards, computed from the latest score of each submission, cached per version."""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, defaultdict
from datetime import datetime

from fastapi.encoders import jsonable_encoder
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.db.models import BoardSnapshot, Challenge, Score, Submission, Team
from dabiwu.leaderboards.ranking import Entry, ranked_rows, sort_key

# (database url, challenge id, split) -> (version, rows, monotonic time the version was last checked).
# The database is part of the key: one process may serve several (the test suite does).
_cache: dict[tuple, tuple[tuple, list[dict], float]] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = defaultdict(threading.Lock)


def _board_key(session: Session, *, challenge: Challenge, split: str) -> tuple:
    return (session.get_bind().url, challenge.id, split)


def board_version(session: Session, *, challenge: Challenge) -> tuple:
    """Changes whenever anything a board depends on changes (new score, final marks, disqualification)."""
    max_score, n_subs, n_final, n_dq = session.execute(
        select(
            func.max(Score.id),
            func.count(func.distinct(Submission.id)),
            func.count(func.distinct(Submission.id)).filter(Submission.is_final.is_(True)),
            func.count(func.distinct(Submission.id)).filter(Submission.disqualified_reason.is_not(None)),
        )
        .select_from(Submission)
        .outerjoin(Score, Score.submission_id == Submission.id)
        .where(Submission.challenge_id == challenge.id)
    ).one()
    return (max_score, n_subs, n_final, n_dq, challenge.finalized_at)


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

    With max_age_s > 0 a board checked less than that long ago is served as is (the API passes
    settings.board_cache_seconds, so a busy board costs one version query per interval, not per
    request).  One request per board recomputes; concurrent ones wait for it instead of piling up.
    """
    key = _board_key(session, challenge=challenge, split=split)
    with _cache_lock:
        cached = _cache.get(key)
    if cached and max_age_s > 0 and time.monotonic() - cached[2] < max_age_s:
        return cached[1]
    with _key_locks[key]:
        with _cache_lock:
            cached = _cache.get(key)
        if cached and max_age_s > 0 and time.monotonic() - cached[2] < max_age_s:
            return cached[1]
        version = board_version(session, challenge=challenge)
        if cached and cached[0] == version:
            with _cache_lock:
                _cache[key] = (version, cached[1], time.monotonic())
            return cached[1]
        board = _build_board(session, challenge=challenge, split=split)
        with _cache_lock:
            _cache[key] = (version, board, time.monotonic())
        return board


def _build_board(session: Session, *, challenge: Challenge, split: str) -> list[dict]:
    rows = _scored_rows(session, challenge=challenge)
    if split == "private":
        limit = int((challenge.spec.get("limits") or {}).get("final_selections", 2))
        rows = private_candidates(rows, final_selections=limit)
    counts, last_at = _activity(session, challenge=challenge)
    return ranked_rows([_entry(r, split) for r in rows], counts=counts, last_at=last_at)


# A page of a board as JSON bytes, with the board's row count:
# (database url, challenge id, split, version, page, page_size) -> (body, total).  Bounded (LRU, by entries and bytes);
# a new version of a board drops that board's older pages when its first page is stored.
PAGE_CACHE_MAX_ENTRIES = 256
PAGE_CACHE_MAX_BYTES = 32 * 1024 * 1024
_page_cache: OrderedDict[tuple, tuple[bytes, int]] = OrderedDict()
_page_cache_bytes = 0


def _to_json(rows: list[dict]) -> bytes:
    return json.dumps(jsonable_encoder(rows), ensure_ascii=False, separators=(",", ":")).encode()


def _page_get(key: tuple) -> tuple[bytes, int] | None:
    with _cache_lock:
        hit = _page_cache.get(key)
        if hit is not None:
            _page_cache.move_to_end(key)
        return hit


def _page_put(key: tuple, value: tuple[bytes, int]) -> None:
    global _page_cache_bytes
    board, version = key[:3], key[3]
    with _cache_lock:
        for old in [k for k in _page_cache if k[:3] == board and k[3] != version]:
            _page_cache_bytes -= len(_page_cache.pop(old)[0])
        if key in _page_cache:
            return
        _page_cache[key] = value
        _page_cache_bytes += len(value[0])
        while _page_cache and (len(_page_cache) > PAGE_CACHE_MAX_ENTRIES or _page_cache_bytes > PAGE_CACHE_MAX_BYTES):
            _, evicted = _page_cache.popitem(last=False)
            _page_cache_bytes -= len(evicted[0])


def board_page(
    session: Session, *, challenge: Challenge, split: str, page: int, page_size: int, max_age_s: float = 0.0
) -> tuple[bytes, int]:
    """One page of the board as JSON bytes, and the number of rows of the whole board.

    Ranks stay global (page 2 of 100 starts at rank 101).  Each page is serialised once per board
    version; a finalized board's version is its finalize time (the snapshot never changes after).
    """
    board = _board_key(session, challenge=challenge, split=split)
    version = None
    if challenge.finalized_at is not None:
        version = ("final", challenge.finalized_at)
        hit = _page_get((*board, version, page, page_size))
        if hit is not None:
            return hit
        rows = current_board(session, challenge=challenge, split=split)
    else:
        rows = compute_board(session, challenge=challenge, split=split, max_age_s=max_age_s)
        with _cache_lock:
            entry = _cache.get(board)
        if entry is not None and entry[1] is rows:  # else a newer version landed meanwhile: do not cache this one
            version = entry[0]
            hit = _page_get((*board, version, page, page_size))
            if hit is not None:
                return hit
    start = (page - 1) * page_size
    answer = (_to_json(rows[start:start + page_size]), len(rows))
    if version is not None:
        _page_put((*board, version, page, page_size), answer)
    return answer


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
