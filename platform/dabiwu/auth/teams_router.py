from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from dabiwu.auth.merges import accept_merge, decline_merge, propose_merge, visible_requests
from dabiwu.auth.teams_service import UnknownJoinCode, create_team, join_team, leave_team
from dabiwu.db.models import Team
from dabiwu.deps import SessionDep, TeamUser
from dabiwu.errors import DabiwuError

router = APIRouter(prefix="/teams", tags=["teams"])


class TeamCreate(BaseModel):
    name: str = Field(min_length=2, max_length=128)


class JoinCode(BaseModel):
    code: str = Field(min_length=4, max_length=64)


class MergeRequestOut(BaseModel):
    id: str
    absorbing_team: str  # proposed the merge; keeps its name, gains the other's members and submissions
    absorbed_team: str  # its captain accepts or declines
    status: str  # pending | accepted | declined | cancelled
    created_at: datetime
    decided_at: datetime | None = None


class MyTeam(BaseModel):
    id: int
    name: str
    join_code: str
    captain_id: int | None


def _mine(team) -> MyTeam:
    return MyTeam(id=team.id, name=team.name, join_code=team.join_code, captain_id=team.captain_id)


@router.post("", response_model=MyTeam, status_code=201)
def create(body: TeamCreate, user: TeamUser, session: SessionDep) -> MyTeam:
    team = create_team(session, user=user, name=body.name)
    session.commit()
    return _mine(team)


@router.post("/join", response_model=MyTeam)
def join(body: JoinCode, request: Request, user: TeamUser, session: SessionDep) -> MyTeam:
    team = _with_code(request, user, lambda: join_team(session, user=user, code=body.code))
    session.commit()
    return _mine(team)


def _with_code(request: Request, user, action):
    """Wrong join codes are throttled per user (DABIWU_JOIN_CODE_ATTEMPTS_PER_MINUTE), so codes cannot be guessed."""
    throttle = request.app.state.join_code_throttle
    key = f"user:{user.id}"
    wait = throttle.retry_after(key)
    if wait:
        raise DabiwuError(f"Too many wrong join codes. Wait {wait} s and ask the captain for the current code.",
                          f"错误的邀请码次数过多。请等待 {wait} 秒，并向队长索取当前的邀请码。",
                          code="too_many_join_codes", status=429, headers={"Retry-After": str(wait)},
                          extra={"retry_after": wait})
    try:
        return action()
    except UnknownJoinCode:
        throttle.fail(key)
        raise


@router.post("/leave", status_code=204)
def leave(user: TeamUser, session: SessionDep) -> None:
    leave_team(session, user=user)
    session.commit()


@router.post("/merge", response_model=MergeRequestOut, status_code=202)
def merge(body: JoinCode, request: Request, user: TeamUser, session: SessionDep) -> MergeRequestOut:
    """Propose that your team absorbs the team with this join code; its captain must accept (merge-requests)."""
    proposal = _with_code(request, user, lambda: propose_merge(session, captain=user, other_code=body.code))
    session.commit()
    return _request_out(session, proposal)


@router.get("/merge-requests", response_model=list[MergeRequestOut])
def merge_requests(user: TeamUser, session: SessionDep) -> list[MergeRequestOut]:
    return [_request_out(session, r) for r in visible_requests(session, user=user)]


@router.post("/merge-requests/{request_id}/accept", response_model=MyTeam)
def accept(request_id: str, user: TeamUser, session: SessionDep) -> MyTeam:
    team = accept_merge(session, captain=user, request_id=request_id)
    session.commit()
    return _mine(team)


@router.post("/merge-requests/{request_id}/decline", response_model=MergeRequestOut)
def decline(request_id: str, user: TeamUser, session: SessionDep) -> MergeRequestOut:
    declined = decline_merge(session, captain=user, request_id=request_id)
    session.commit()
    return _request_out(session, declined)


def _request_out(session, merge_request) -> MergeRequestOut:
    names = dict(session.execute(select(Team.id, Team.name).where(
        Team.id.in_([merge_request.absorbing_team_id, merge_request.absorbed_team_id]))).all())
    return MergeRequestOut(id=merge_request.id, absorbing_team=names.get(merge_request.absorbing_team_id, ""),
                           absorbed_team=names.get(merge_request.absorbed_team_id, ""), status=merge_request.status,
                           created_at=merge_request.created_at, decided_at=merge_request.decided_at)
