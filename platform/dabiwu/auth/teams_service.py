"""Teams: create, join by code, leave, and merge (Kaggle's rule; both captains agree: auth/merges.py)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.challenges.phases import current_phase
from dabiwu.db.models import Challenge, Submission, Team, User
from dabiwu.errors import DabiwuError


class TeamError(DabiwuError):
    """A team action that cannot go ahead: status, code, and the sentence in English and Chinese."""

    def __init__(self, status: int, code: str, detail: str, detail_zh: str) -> None:
        super().__init__(detail, detail_zh, code=code, status=status)


class UnknownJoinCode(DabiwuError):
    """A wrong code: counted by the join-code throttle (teams_router)."""

    status, code = 404, "unknown_join_code"

    def __init__(self) -> None:
        super().__init__("No team has that join code: ask the captain for the current code.",
                         "没有团队使用这个邀请码：请向队长索取当前的邀请码。")


# With no upcoming or open challenge no challenge.yaml says how big a team may be: this install-wide size applies.
TEAM_SIZE_WITHOUT_CHALLENGES = 5


def team_size_limit(session: Session) -> int:
    """Teams span the contest, so the strictest team_size of the open challenges applies."""
    limits = [
        c.rules.limits.team_size
        for c in session.scalars(select(Challenge))
        if current_phase(c.rules.phases, finalized_at=c.finalized_at) in ("upcoming", "open")
    ]
    return min(limits) if limits else TEAM_SIZE_WITHOUT_CHALLENGES


def create_team(session: Session, *, user: User, name: str) -> Team:
    if user.team_id is not None:
        raise TeamError(409, "already_in_team", "You are already in a team: leave it before creating another.",
                        "您已在一个队伍中：请先退出，再创建新队伍。")
    if session.scalar(select(Team).where(Team.name == name)) is not None:
        raise TeamError(409, "team_name_taken", f"The team name '{name}' is taken: choose another.",
                        f"队伍名称「{name}」已被占用：请换一个。")
    team = Team(name=name, join_code=new_join_code(), captain_id=user.id)
    session.add(team)
    session.flush()
    user.team_id = team.id
    team.captain_id = user.id
    record(session, actor=user, action="team.create", object_type="team", object_id=team.id, detail={"name": name})
    return team


def new_join_code() -> str:
    """192 random bits (32 characters): a code cannot be guessed, only given (issue #14, item 9)."""
    return secrets.token_urlsafe(24)


def join_team(session: Session, *, user: User, code: str) -> Team:
    if user.team_id is not None:
        raise TeamError(409, "already_in_team", "You are already in a team: leave it before joining another.",
                        "您已在一个队伍中：请先退出，再加入其他队伍。")
    team = session.scalar(select(Team).where(Team.join_code == code))
    if team is None:
        raise UnknownJoinCode()
    limit = team_size_limit(session)
    # Check and write in one statement, one join per team at a time (the team row is locked on PostgreSQL; SQLite
    # serialises writers): parallel joins never overfill a team.
    session.execute(select(Team.id).where(Team.id == team.id).with_for_update())
    size = select(func.count()).select_from(User).where(User.team_id == team.id).scalar_subquery()
    joined = session.execute(
        update(User).where(User.id == user.id, User.team_id.is_(None), size < limit).values(team_id=team.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(user)
    if joined != 1:
        if user.team_id is not None:
            raise TeamError(409, "already_in_team", "You are already in a team: leave it before joining another.",
                            "您已在一个队伍中：请先退出再加入其他队伍。")
        raise TeamError(409, "team_full", f"The team is full ({limit} members is the limit).",
                        f"该队伍已满（上限 {limit} 人）。")
    record(session, actor=user, action="team.join", object_type="team", object_id=team.id)
    return team


def leave_team(session: Session, *, user: User) -> None:
    if user.team_id is None:
        raise TeamError(409, "not_in_team", "You are not in a team.", "您不在任何队伍中。")
    team = session.get(Team, user.team_id)
    has_submissions = session.scalar(
        select(func.count()).select_from(Submission).where(Submission.user_id == user.id)
    )
    if has_submissions:
        raise TeamError(409, "has_submissions",
                        "You made submissions for this team, so you cannot leave it (they stay with the team).",
                        "您已为该队伍提交过模型，因此不能退出（这些提交归队伍所有）。")
    user.team_id = None
    if team.captain_id == user.id:
        successor = session.scalar(select(User).where(User.team_id == team.id, User.id != user.id).order_by(User.id))
        team.captain_id = successor.id if successor else None
    session.flush()
    record(session, actor=user, action="team.leave", object_type="team", object_id=team.id)


def merge_teams(session: Session, *, team: Team, other: Team, now: datetime) -> Team:
    """Absorb `other` into `team` (both captains have agreed: auth/merges.py).  Allowed before every open challenge's
    merger deadline, and only where the combined submissions fit what one team could have made: daily limit x days
    since the challenge opened.  The caller holds both teams' rows locked."""
    members = session.scalar(select(func.count()).select_from(User).where(User.team_id.in_([team.id, other.id]))) or 0
    limit = team_size_limit(session)
    if members > limit:
        raise TeamError(409, "team_full", f"Together the teams have {members} members; the limit is {limit}.",
                        f"两队合计 {members} 人，超过上限 {limit} 人。")
    for challenge in session.scalars(select(Challenge)):
        _check_merge_rule(session, challenge=challenge, team_ids=[team.id, other.id], now=now)
        _check_finals(session, challenge=challenge, team_ids=[team.id, other.id])
    session.execute(update(User).where(User.team_id == other.id).values(team_id=team.id)
                    .execution_options(synchronize_session=False))
    session.execute(update(Submission).where(Submission.team_id == other.id).values(team_id=team.id)
                    .execution_options(synchronize_session=False))
    other.join_code = f"merged-{other.id}-{secrets.token_hex(4)}"
    other.name = f"{other.name} (merged into {team.name})"[:128]
    other.captain_id = None
    session.flush()
    return team


def _check_merge_rule(session: Session, *, challenge: Challenge, team_ids: list[int], now: datetime) -> None:
    count = session.scalar(
        select(func.count()).select_from(Submission).where(
            Submission.challenge_id == challenge.id, Submission.team_id.in_(team_ids), Submission.status != "rejected"
        )
    ) or 0
    if count == 0:
        return
    phases = challenge.rules.phases
    if now >= phases.merger_deadline_at:
        raise TeamError(409, "merger_deadline_passed", f"The merger deadline of '{challenge.slug}' has passed.",
                        f"赛题「{challenge.slug}」的合并截止时间已过。")
    days = max(1, (now - phases.open_at).days + 1)
    allowed = challenge.rules.limits.daily_submissions * days
    if count > allowed:
        raise TeamError(
            409, "too_many_submissions_to_merge",
            f"Together the teams made {count} submissions to '{challenge.slug}', more than one team could have made "
            f"({allowed} = daily limit x {days} days), so they cannot merge.",
            f"两队在赛题「{challenge.slug}」共提交 {count} 次，超过一个队伍最多可提交的次数"
            f"（{allowed} = 每日上限 × {days} 天），因此不能合并。",
        )


def _check_finals(session: Session, *, challenge: Challenge, team_ids: list[int]) -> None:
    """The merged team may not hold more final marks than one team may (submissions/finals.py)."""
    allowed = challenge.rules.limits.final_selections
    marked = session.scalar(select(func.count()).select_from(Submission).where(
        Submission.challenge_id == challenge.id, Submission.team_id.in_(team_ids), Submission.is_final.is_(True))) or 0
    if marked > allowed:
        raise TeamError(409, "too_many_finals_to_merge",
                        f"Together the teams marked {marked} final submissions for '{challenge.slug}', more than "
                        f"the {allowed} one team may: unmark some first.",
                        f"两队在赛题「{challenge.slug}」共标记了 {marked} 个最终提交，超过一个队伍允许的 {allowed} 个："
                        "请先取消部分标记。")
