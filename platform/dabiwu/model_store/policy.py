"""The retention policy: which submissions' model files a challenge keeps, and which expire.

Kept, always: final selections, every submission ever promoted (listed or delisted: lineage), each team's
best public and best private submission (by the latest score; the boards' numbers), and anything under
review: a submission not yet scored or failed (queued, running, or with a job waiting, a rerun included),
and every submission of a challenge that is not finalized yet (the judges are still reviewing it).
Everything else expires `expire_after_days` after the contest closes (its `close` date or its finalization,
whichever is later). Expiry removes the model's files only: predictions and scores are kept, so boards,
rescoring of metrics and the registry gates never need the model again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.db.models import Challenge, Job, RegistryListing, Score, Submission
from dabiwu.db.models.submissions import TERMINAL_STATUSES
from dabiwu.settings import Settings

KEEP_REASONS = {
    "final": ("final selection", "最终提交"),
    "promoted": ("promoted to the registry", "已上架共享模型库"),
    "best_public": ("its team's best public score", "本队公开榜最佳"),
    "best_private": ("its team's best private score", "本队私有榜最佳"),
    "under_review": ("under review", "审核中"),
}


@dataclass(frozen=True)
class Candidate:
    """One submission as the policy sees it (plain data, so a benchmark can simulate 100k of them)."""

    id: str
    team_id: int
    status: str
    is_final: bool
    public_score: float | None
    private_score: float | None
    created_at: datetime
    expired: bool = False
    pending_job: bool = False
    promoted: bool = False


@dataclass
class Plan:
    challenge_id: int
    slug: str
    expire_after_days: int | None
    expires_at: datetime | None  # None: nothing of this challenge expires (yet, or ever)
    keep: dict[str, str] = field(default_factory=dict)  # submission id -> reason (KEEP_REASONS key)
    expire: list[str] = field(default_factory=list)  # submission ids whose model files go
    already_expired: int = 0
    not_yet_due: int = 0  # not kept, but the expiry date has not come (or the challenge never expires)


def expire_after_days(challenge: Challenge, settings: Settings) -> int | None:
    return challenge.rules.retention.days_or(settings.retention_days_after_close)


def expiry_instant(close_at: datetime, *, finalized_at: datetime | None, days: int | None) -> datetime | None:
    """When the challenge's non-kept model files expire; None while it is not finalized, or with days None."""
    if days is None or finalized_at is None:
        return None
    return max(finalized_at, close_at) + timedelta(days=days)


def decide(candidates: list[Candidate], *, challenge_id: int, slug: str, days: int | None,
           expires_at: datetime | None, finalized: bool, now: datetime) -> Plan:
    """The policy itself, on plain data: what is kept (and why) and what expires now."""
    plan = Plan(challenge_id=challenge_id, slug=slug, expire_after_days=days, expires_at=expires_at)
    best: dict[tuple[int, str], Candidate] = {}
    for c in candidates:
        for split, value in (("best_public", c.public_score), ("best_private", c.private_score)):
            if value is None or c.status != "scored":
                continue
            held = best.get((c.team_id, split))
            held_value = None if held is None else (held.public_score if split == "best_public" else held.private_score)
            if held is None or value > held_value or (value == held_value and c.created_at < held.created_at):
                best[(c.team_id, split)] = c
    best_reason = {}
    for (_, split), c in sorted(best.items(), key=lambda item: item[0][1]):
        best_reason.setdefault(c.id, split)
    for c in candidates:
        if c.expired:
            plan.already_expired += 1
            continue
        reason = ("final" if c.is_final else "promoted" if c.promoted else best_reason.get(c.id)
                  or ("under_review" if (c.status not in TERMINAL_STATUSES or c.pending_job or not finalized) else None))
        if reason is not None:
            plan.keep[c.id] = reason
        elif expires_at is not None and now >= expires_at:
            plan.expire.append(c.id)
        else:
            plan.not_yet_due += 1
    return plan


def candidates_of(session: Session, *, challenge_id: int) -> list[Candidate]:
    promoted = set(session.scalars(select(RegistryListing.submission_id).where(
        RegistryListing.challenge_id == challenge_id)))
    pending = set(session.scalars(
        select(Job.submission_id).join(Submission, Submission.id == Job.submission_id)
        .where(Submission.challenge_id == challenge_id, Job.status.in_(("queued", "running")))))
    rows = session.execute(
        select(Submission.id, Submission.team_id, Submission.status, Submission.is_final, Submission.created_at,
               Submission.model_expired_at, Score.public_score, Score.private_score)
        .outerjoin(Score, (Score.submission_id == Submission.id) & Score.is_latest.is_(True))
        .where(Submission.challenge_id == challenge_id)
    ).all()
    return [Candidate(id=r.id, team_id=r.team_id, status=r.status, is_final=bool(r.is_final),
                      public_score=r.public_score, private_score=r.private_score, created_at=r.created_at,
                      expired=r.model_expired_at is not None, pending_job=r.id in pending, promoted=r.id in promoted)
            for r in rows]


def plan_for(session: Session, *, challenge: Challenge, settings: Settings, now: datetime | None = None) -> Plan:
    now = now or datetime.now(timezone.utc)
    days = expire_after_days(challenge, settings)
    expires_at = expiry_instant(challenge.rules.phases.close_at, finalized_at=challenge.finalized_at, days=days)
    return decide(candidates_of(session, challenge_id=challenge.id), challenge_id=challenge.id, slug=challenge.slug,
                  days=days, expires_at=expires_at, finalized=challenge.finalized_at is not None, now=now)
