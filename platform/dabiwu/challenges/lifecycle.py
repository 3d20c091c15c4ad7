"""Who sees a challenge: draft (admins and judges) → published (everyone) → withdrawn (hidden from teams).

A withdrawn challenge keeps its submissions, scores and boards for the staff; publishing it again shows it
again.  Each move is one conditional UPDATE (the status it leaves is in the WHERE), so two admins pressing
the same button at once make one move and one audit line.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.db.base import utcnow
from dabiwu.db.models import Challenge, User
from dabiwu.errors import DabiwuError

STAFF_ROLES = ("admin", "judge")
# target status -> the statuses it may be reached from
MOVES = {"published": ("draft", "withdrawn"), "withdrawn": ("draft", "published")}
MAX_REASON = 1000


@dataclass(frozen=True)
class Move:
    slug: str
    status: str
    changed: bool


def visible_to(user, challenge: Challenge) -> bool:
    """Teams and districts see published challenges only; admins and judges see every one."""
    return getattr(user, "role", None) in STAFF_ROLES or challenge.status == "published"


def visible_statement(user):
    """The readable-statement pattern: the challenges this user may list."""
    statement = select(Challenge)
    if getattr(user, "role", None) not in STAFF_ROLES:
        statement = statement.where(Challenge.status == "published")
    return statement


def move(session: Session, *, challenge: Challenge, to: str, actor: User, reason: str = "") -> Move:
    """Publish or withdraw; idempotent (moving to the status it has changes nothing and audits nothing)."""
    reason = reason.strip()
    if to == "withdrawn" and not reason:
        raise DabiwuError(
            "Say why the challenge is withdrawn (a 'reason'): it is kept in the audit log with the withdrawal.",
            "请说明撤回赛题的原因（'reason'）：它会随撤回操作记入审计日志。",
            code="reason_required", status=422)
    if len(reason) > MAX_REASON:
        raise DabiwuError(
            f"The reason is {len(reason)} characters long; keep it under {MAX_REASON}.",
            f"原因有 {len(reason)} 个字符，请控制在 {MAX_REASON} 个以内。", code="reason_too_long", status=422)
    if to == "published" and challenge.current_dataset_id is None:
        raise DabiwuError(
            f"The challenge '{challenge.slug}' has no data loaded, so it cannot be published. Load its bundle first.",
            f"赛题 '{challenge.slug}' 还没有加载数据，不能发布。请先加载挑战包。", code="no_dataset", status=409)
    result = session.execute(
        update(Challenge)
        .where(Challenge.id == challenge.id, Challenge.status.in_(MOVES[to]))
        .values(status=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.refresh(challenge)
    if result.rowcount != 1:
        return Move(slug=challenge.slug, status=challenge.status, changed=False)
    record(session, actor=actor, action="challenge.publish" if to == "published" else "challenge.withdraw",
           object_type="challenge", object_id=challenge.slug,
           detail={"status": to, **({"reason": reason} if reason else {})})
    session.flush()
    return Move(slug=challenge.slug, status=to, changed=True)
