"""Team merges need both captains (issue #14, item 9).

Before, a captain holding another team's join code (32 bits, unthrottled) absorbed that team, its members and its
submissions, at once. Now:

1. a captain proposes (POST /teams/merge with the other team's join code): a pending request, audited
   (`team.merge_request`); the join code alone changes nothing;
2. the other team's captain accepts (POST /teams/merge-requests/{id}/accept) or declines; the proposer may cancel
   (.../decline as well). Only then are members and submissions moved, audited as `team.merge` with both captains.

Accepting is check-then-write in one transaction: it locks both teams' rows (PostgreSQL, in id order), then moves the
request pending -> accepted with a conditional UPDATE (only one accept of a request can win; on SQLite this takes the
database's write lock), then checks again that both captains are still captains, the size limit and the merge rule;
any refusal rolls all of it back.
Services flush; the router commits.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.auth.teams_service import TeamError, UnknownJoinCode, merge_teams
from dabiwu.db.base import utcnow
from dabiwu.db.models import Team, TeamMergeRequest, User
from dabiwu.errors import DabiwuError


def _captain_team(session: Session, user: User) -> Team:
    team = session.get(Team, user.team_id) if user.team_id else None
    if team is None or team.captain_id != user.id:
        raise DabiwuError("Only a team captain can propose, accept or decline a merge.",
                          "只有队长才能发起、接受或拒绝团队合并。", code="captain_only", status=403)
    return team


def propose_merge(session: Session, *, captain: User, other_code: str) -> TeamMergeRequest:
    team = _captain_team(session, captain)
    other = session.scalar(select(Team).where(Team.join_code == other_code))
    if other is None or other.id == team.id:
        raise UnknownJoinCode()
    if other.captain_id is None:
        raise DabiwuError("That team has no captain to agree to a merge.", "该团队没有队长，无法同意合并。",
                          code="no_captain", status=409)
    pending = session.scalar(select(TeamMergeRequest).where(
        TeamMergeRequest.absorbing_team_id == team.id, TeamMergeRequest.absorbed_team_id == other.id,
        TeamMergeRequest.status == "pending"))
    if pending is not None:
        return pending
    request = TeamMergeRequest(absorbing_team_id=team.id, absorbed_team_id=other.id, proposed_by=captain.id)
    session.add(request)
    session.flush()
    record(session, actor=captain, action="team.merge_request", object_type="team", object_id=team.id,
           detail={"request": request.id, "absorbing": team.name, "absorbed": other.name})
    return request


def visible_requests(session: Session, *, user: User) -> list[TeamMergeRequest]:
    if user.team_id is None:
        return []
    return list(session.scalars(
        select(TeamMergeRequest)
        .where(or_(TeamMergeRequest.absorbing_team_id == user.team_id, TeamMergeRequest.absorbed_team_id == user.team_id))
        .order_by(TeamMergeRequest.created_at.desc())
    ))


def _request_of(session: Session, *, user: User, request_id: str) -> TeamMergeRequest:
    request = session.get(TeamMergeRequest, request_id)
    if request is None or user.team_id not in (request.absorbing_team_id, request.absorbed_team_id):
        raise DabiwuError(f"No merge request '{request_id}' of your team.", f"你的团队没有合并请求“{request_id}”。",
                          code="merge_request_not_found", status=404)
    return request


def _not_pending(request: TeamMergeRequest) -> DabiwuError:
    return DabiwuError(f"This merge request is already {request.status}.", f"该合并请求已处理（{request.status}）。",
                       code="merge_request_decided", status=409, extra={"status": request.status})


def _decide(session: Session, *, request: TeamMergeRequest, user: User, status: str) -> None:
    """pending -> status, in one conditional statement; refuses if someone decided first."""
    changed = session.execute(
        update(TeamMergeRequest).where(TeamMergeRequest.id == request.id, TeamMergeRequest.status == "pending")
        .values(status=status, decided_by=user.id, decided_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(request)
    if changed != 1:
        raise _not_pending(request)


def accept_merge(session: Session, *, captain: User, request_id: str, now: datetime | None = None) -> Team:
    now = now or datetime.now(timezone.utc)
    request = _request_of(session, user=captain, request_id=request_id)
    if request.absorbed_team_id != captain.team_id:
        raise DabiwuError("Only the captain of the team being merged in can accept; your team proposed this merge.",
                          "只有被合并团队的队长才能接受；这个合并是你的团队发起的。", code="not_your_decision", status=403)
    # Both teams first, in id order, locked and read afresh (PostgreSQL): every accept of a merge touching either team
    # waits here before it writes anything, so two merges never hold each other's rows (no deadlock).
    teams = {t.id: t for t in session.scalars(
        select(Team).where(Team.id.in_([request.absorbing_team_id, request.absorbed_team_id])).order_by(Team.id)
        .with_for_update().execution_options(populate_existing=True))}
    _decide(session, request=request, user=captain, status="accepted")
    if session.get_bind().dialect.name == "sqlite":  # no FOR UPDATE there: read again now that the write lock is held
        for row in teams.values():
            session.refresh(row)
    team, other = teams[request.absorbing_team_id], teams[request.absorbed_team_id]
    session.refresh(captain)
    if other.captain_id != captain.id or captain.team_id != other.id:
        raise DabiwuError("You are no longer this team's captain, so you cannot accept.",
                          "你已不再是该团队的队长，不能接受合并。", code="captain_only", status=403)
    if team.captain_id is None or team.captain_id != request.proposed_by:
        raise DabiwuError("The proposing team's captain has changed since the merge was proposed; ask for a new "
                          "proposal.", "发起合并的团队已更换队长；请对方重新发起合并。", code="merge_request_stale",
                          status=409)
    try:
        merge_teams(session, team=team, other=other, now=now)
    except TeamError as exc:
        raise DabiwuError(exc.message, _MERGE_REFUSED_ZH, code="merge_refused", status=exc.status) from exc
    # Other pending merges of either team no longer make sense.
    session.execute(
        update(TeamMergeRequest).where(
            TeamMergeRequest.status == "pending", TeamMergeRequest.id != request.id,
            or_(TeamMergeRequest.absorbing_team_id.in_([team.id, other.id]),
                TeamMergeRequest.absorbed_team_id.in_([team.id, other.id])))
        .values(status="cancelled", decided_at=utcnow()).execution_options(synchronize_session=False))
    proposer = session.get(User, request.proposed_by) if request.proposed_by else None
    record(session, actor=captain, action="team.merge", object_type="team", object_id=team.id,
           detail={"request": request.id, "absorbed": other.id, "absorbed_name": other.name,
                   "proposed_by": proposer.username if proposer else None, "accepted_by": captain.username})
    return team


_MERGE_REFUSED_ZH = "两支团队不能合并（人数上限、合并截止时间或合计提交次数不符合规则）；详见英文说明。"


def decline_merge(session: Session, *, captain: User, request_id: str) -> TeamMergeRequest:
    """The other captain declines, or the proposer withdraws."""
    request = _request_of(session, user=captain, request_id=request_id)
    _captain_team(session, captain)
    status = "cancelled" if request.absorbing_team_id == captain.team_id else "declined"
    _decide(session, request=request, user=captain, status=status)
    record(session, actor=captain, action="team.merge_cancelled" if status == "cancelled" else "team.merge_declined",
           object_type="team", object_id=captain.team_id,
           detail={"request": request.id})
    return request
