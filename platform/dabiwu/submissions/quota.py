"""Daily submission quota per team and challenge, in Asia/Shanghai days."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dabiwu.db.models import QuotaUsage


def used_today(session: Session, *, team_id: int, challenge_id: int, day: str) -> int:
    used = session.scalar(
        select(QuotaUsage.used).where(
            QuotaUsage.team_id == team_id, QuotaUsage.challenge_id == challenge_id, QuotaUsage.day == day
        )
    )
    return used or 0


def reserve(session: Session, *, team_id: int, challenge_id: int, day: str, limit: int) -> bool:
    """Take one submission from today's quota, atomically.  False when none is left."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(
        insert(QuotaUsage)
        .values(team_id=team_id, challenge_id=challenge_id, day=day, used=0)
        .on_conflict_do_nothing(index_elements=["team_id", "challenge_id", "day"])
    )
    result = session.execute(
        update(QuotaUsage)
        .where(
            QuotaUsage.team_id == team_id,
            QuotaUsage.challenge_id == challenge_id,
            QuotaUsage.day == day,
            QuotaUsage.used < limit,
        )
        .values(used=QuotaUsage.used + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def refund(session: Session, *, team_id: int, challenge_id: int, day: str) -> None:
    session.execute(
        update(QuotaUsage)
        .where(
            QuotaUsage.team_id == team_id,
            QuotaUsage.challenge_id == challenge_id,
            QuotaUsage.day == day,
            QuotaUsage.used > 0,
        )
        .values(used=QuotaUsage.used - 1)
        .execution_options(synchronize_session=False)
    )
