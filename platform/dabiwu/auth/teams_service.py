"""Teams: create, join by code, leave, and merge (Kaggle's rule)."""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.challenges.phases import current_phase, parse_instant
from dabiwu.db.models import Challenge, Submission, Team, User
from dabiwu.errors import DabiwuError


class TeamError(DabiwuError):
    """A team action that cannot go ahead: status, code, and the sentence in English and Chinese."""

    def __init__(self, status: int, code: str, detail: str, detail_zh: str) -> None:
        super().__init__(detail, detail_zh, code=code, status=status)


def team_size_limit(session: Session) -> int:
    """Teams span the contest, so the strictest team_size of the open challenges applies."""
    limits = [
        int((c.spec.get("limits") or {}).get("team_size", 5))
        for c in session.scalars(select(Challenge))
        if current_phase(c.spec, finalized_at=c.finalized_at) in ("upcoming", "open")
    ]
    return min(limits) if limits else 5


def create_team(session: Session, *, user: User, name: str) -> Team:
    if user.team_id is not None:
        raise TeamError(409, "already_in_team", "You are already in a team: leave it before creating another.",
                        "您已在一个队伍中：请先退出，再创建新队伍。")
    if session.scalar(select(Team).where(Team.name == name)) is not None:
        raise TeamError(409, "team_name_taken", f"The team name '{name}' is taken: choose another.",
                        f"队伍名称「{name}」已被占用：请换一个。")
    team = Team(name=name, join_code=secrets.token_hex(4), captain_id=user.id)
    session.add(team)
    session.flush()
    user.team_id = team.id
    team.captain_id = user.id
    record(session, actor=user, action="team.create", object_type="team", object_id=team.id, detail={"name": name})
    return team


def join_team(session: Session, *, user: User, code: str) -> Team:
    if user.team_id is not None:
        raise TeamError(409, "already_in_team", "You are already in a team: leave it before joining another.",
                        "您已在一个队伍中：请先退出，再加入其他队伍。")
    team = session.scalar(select(Team).where(Team.join_code == code))
    if team is None:
        raise TeamError(404, "unknown_join_code", "No team has that join code: ask the captain for the current code.",
                        "没有队伍使用这个邀请码：请向队长索取当前的邀请码。")
    size = session.scalar(select(func.count()).select_from(User).where(User.team_id == team.id)) or 0
    limit = team_size_limit(session)
    if size >= limit:
        raise TeamError(409, "team_full", f"The team is full ({limit} members is the limit).",
                        f"该队伍已满（上限 {limit} 人）。")
    user.team_id = team.id
    session.flush()
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


def merge_teams(session: Session, *, captain: User, other_code: str, now: datetime | None = None) -> Team:
    """Absorb another team.  Allowed before every open challenge's merger deadline, and only where the
    combined submissions fit what one team could have made: daily limit x days since the challenge opened."""
    now = now or datetime.now(timezone.utc)
    team = session.get(Team, captain.team_id) if captain.team_id else None
    if team is None or team.captain_id != captain.id:
        raise TeamError(403, "captain_only", "Only a team captain can merge teams.", "只有队长可以合并队伍。")
    other = session.scalar(select(Team).where(Team.join_code == other_code))
    if other is None or other.id == team.id:
        raise TeamError(404, "unknown_join_code", "No other team has that join code.", "没有其他队伍使用这个邀请码。")
    members = session.scalar(select(func.count()).select_from(User).where(User.team_id.in_([team.id, other.id]))) or 0
    limit = team_size_limit(session)
    if members > limit:
        raise TeamError(409, "team_full", f"Together the teams have {members} members; the limit is {limit}.",
                        f"两队合计 {members} 人，超过上限 {limit} 人。")
    for challenge in session.scalars(select(Challenge)):
        _check_merge_rule(session, challenge=challenge, team_ids=[team.id, other.id], now=now)
    for user in session.scalars(select(User).where(User.team_id == other.id)):
        user.team_id = team.id
    for submission in session.scalars(select(Submission).where(Submission.team_id == other.id)):
        submission.team_id = team.id
    session.flush()
    record(session, actor=captain, action="team.merge", object_type="team", object_id=team.id,
           detail={"absorbed": other.name})
    other.join_code = f"merged-{other.id}-{secrets.token_hex(4)}"
    other.name = f"{other.name} (merged into {team.name})"
    return team


def _check_merge_rule(session: Session, *, challenge: Challenge, team_ids: list[int], now: datetime) -> None:
    count = session.scalar(
        select(func.count()).select_from(Submission).where(
            Submission.challenge_id == challenge.id, Submission.team_id.in_(team_ids), Submission.status != "rejected"
        )
    ) or 0
    if count == 0:
        return
    phases = challenge.spec.get("phases") or {}
    deadline = phases.get("merger_deadline")
    if deadline and now >= parse_instant(deadline):
        raise TeamError(409, "merger_deadline_passed", f"The merger deadline of '{challenge.slug}' has passed.",
                        f"赛题「{challenge.slug}」的合并截止时间已过。")
    opened = parse_instant(phases["open"]) if phases.get("open") else now
    days = max(1, (now - opened).days + 1)
    allowed = int((challenge.spec.get("limits") or {}).get("daily_submissions", 5)) * days
    if count > allowed:
        raise TeamError(
            409, "too_many_submissions_to_merge",
            f"Together the teams made {count} submissions to '{challenge.slug}', more than one team could have made "
            f"({allowed} = daily limit x {days} days), so they cannot merge.",
            f"两队在赛题「{challenge.slug}」共提交 {count} 次，超过一个队伍最多可提交的次数"
            f"（{allowed} = 每日上限 × {days} 天），因此不能合并。",
        )
