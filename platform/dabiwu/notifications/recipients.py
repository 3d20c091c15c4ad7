"""Who is told about what: queries for the user ids an event goes to."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from dabiwu.db.models import Challenge, ModelPull, Submission, User


def who_pulled(session: Session, *, registered_model: str) -> list[int]:
    """Active users of the districts that pulled any version of the model, and anyone else who pulled it."""
    districts = select(ModelPull.district_id).where(ModelPull.registered_model == registered_model,
                                                    ModelPull.district_id.is_not(None))
    pullers = select(ModelPull.user_id).where(ModelPull.registered_model == registered_model,
                                              ModelPull.user_id.is_not(None))
    return list(session.scalars(
        select(User.id).where(User.is_active.is_(True),
                              or_(User.district_id.in_(districts), User.id.in_(pullers))).order_by(User.id)
    ))


def team_members(session: Session, *, team_id: int) -> list[int]:
    return list(session.scalars(
        select(User.id).where(User.team_id == team_id, User.is_active.is_(True)).order_by(User.id)))


def challenge_participants(session: Session, *, challenge: Challenge) -> list[int]:
    """Everyone in a challenge: members of the teams that submitted to it, and the judges."""
    teams = select(Submission.team_id).where(Submission.challenge_id == challenge.id)
    return list(session.scalars(
        select(User.id).where(User.is_active.is_(True),
                              or_(User.team_id.in_(teams), User.role == "judge")).order_by(User.id)
    ))
