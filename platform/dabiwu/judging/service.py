"""Reviews, disqualification and finalize."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.challenges.rules import RubricItem
from dabiwu.db.base import utcnow
from dabiwu.db.models import BoardSnapshot, Challenge, Review, Submission, User
from dabiwu.errors import DabiwuError
from dabiwu.judging.blend import blend
from dabiwu.notifications.events import challenge_finalized
from dabiwu.leaderboards.service import compute_board, get_snapshot


class JudgingError(DabiwuError):
    """A review, disqualification or finalize that cannot go ahead, in English and Chinese."""

    def __init__(self, status: int, code: str, detail: str, detail_zh: str, **extra) -> None:
        super().__init__(detail, detail_zh, code=code, status=status, extra=extra or None)


def _names(rubric: dict[str, RubricItem], keys: list[str]) -> tuple[str, str]:
    """Rubric criteria as people read them: (English titles, Chinese titles), not their raw keys."""
    def one(key: str, lang: str) -> str:
        item = rubric.get(key)
        title = getattr(item, lang) if item is not None else None
        return f"{title} ({key})" if lang == "en" and title else f"{title}（{key}）" if title else key
    return ", ".join(one(k, "en") for k in keys), "、".join(one(k, "zh") for k in keys)


def save_review(
    session: Session, *, challenge: Challenge, judge: User, team_id: int, scores: dict, comment: str
) -> Review:
    if judge.team_id == team_id:
        raise JudgingError(403, "conflict_of_interest",
                           "Conflict of interest: you belong to this team, so you cannot review it.",
                           "利益冲突：您属于该队伍，不能为其评分。")
    rubric = challenge.rules.rubric_keys()
    unknown = sorted(set(scores) - set(rubric))
    if unknown:
        raise JudgingError(422, "unknown_criteria", f"Unknown rubric criteria {', '.join(unknown)}; use: "
                           f"{', '.join(sorted(rubric))}.",
                           f"评分细则中没有这些项：{'、'.join(unknown)}；可用的项：{_names(rubric, sorted(rubric))[1]}。",
                           criteria=unknown)
    missing = sorted(set(rubric) - set(scores))
    if missing:
        en, zh = _names(rubric, missing)
        raise JudgingError(422, "missing_criteria", f"Score every criterion; missing: {en}.",
                           f"请为每一项评分；缺少：{zh}。", criteria=missing)
    bad = [k for k, v in scores.items() if not (0 <= float(v) <= 10)]
    if bad:
        en, zh = _names(rubric, bad)
        raise JudgingError(422, "score_out_of_range", f"Rubric scores are 0 to 10; out of range: {en}.",
                           f"评分须在 0 到 10 之间；超出范围的项：{zh}。", criteria=bad)
    finalists = {row["team_id"] for row in compute_board(session, challenge=challenge, split="private")}
    if team_id not in finalists:
        raise JudgingError(404, "not_a_finalist",
                           "This team has no scored final submission in this challenge, so it is not a finalist.",
                           "该队伍在本赛题中没有已评分的最终提交，因此不在决赛名单中。")
    review = session.scalar(
        select(Review).where(Review.challenge_id == challenge.id, Review.team_id == team_id, Review.judge_id == judge.id)
    )
    if review is None:
        review = Review(challenge_id=challenge.id, team_id=team_id, judge_id=judge.id, scores={})
        session.add(review)
    review.scores = {k: float(v) for k, v in scores.items()}
    review.comment = comment
    session.flush()
    record(session, actor=judge, action="review.save", object_type="team", object_id=team_id,
           detail={"challenge": challenge.slug, "scores": review.scores})
    return review


def reviews_by_team(session: Session, *, challenge: Challenge) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for review in session.scalars(select(Review).where(Review.challenge_id == challenge.id)):
        grouped[review.team_id].append(review.scores)
    return grouped


def final_ranking(session: Session, *, challenge: Challenge) -> list[dict]:
    snapshot = get_snapshot(session, challenge=challenge, split="final")
    if snapshot is not None:
        return snapshot.rows
    private = compute_board(session, challenge=challenge, split="private")
    return blend(private, reviews_by_team(session, challenge=challenge),
                 rubric=challenge.rules.rubric, ranking=challenge.rules.ranking)


def disqualify(session: Session, *, submission: Submission, judge: User, reason: str) -> None:
    if judge.team_id == submission.team_id:
        raise JudgingError(403, "conflict_of_interest",
                           "Conflict of interest: you belong to this team, so you cannot disqualify it.",
                           "利益冲突：您属于该队伍，不能取消其资格。")
    submission.disqualified_reason = reason
    record(session, actor=judge, action="submission.disqualify", object_type="submission",
           object_id=submission.id, detail={"reason": reason, "team_id": submission.team_id})
    session.flush()


def content_hash(rows: list[dict]) -> str:
    canonical = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def finalize(session: Session, *, challenge: Challenge, actor: User) -> dict[str, BoardSnapshot]:
    if challenge.finalized_at is not None:
        raise JudgingError(409, "already_finalized", "This challenge is already finalized; its boards are frozen.",
                           "本赛题已定榜，榜单已冻结。")
    boards = {
        "public": compute_board(session, challenge=challenge, split="public"),
        "private": compute_board(session, challenge=challenge, split="private"),
    }
    boards["final"] = final_ranking(session, challenge=challenge)
    snapshots = {}
    for split, rows in boards.items():
        rows = json.loads(json.dumps(rows, default=str))
        snapshot = BoardSnapshot(challenge_id=challenge.id, split=split, rows=rows,
                                 content_hash=content_hash(rows), created_by=actor.id)
        session.add(snapshot)
        snapshots[split] = snapshot
    challenge.finalized_at = utcnow()
    session.flush()
    record(session, actor=actor, action="challenge.finalize", object_type="challenge", object_id=challenge.slug,
           detail={split: s.content_hash for split, s in snapshots.items()})
    challenge_finalized(session, challenge)
    return snapshots
