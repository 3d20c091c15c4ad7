from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from dabiwu.auth.teams_service import create_team, join_team, leave_team, merge_teams
from dabiwu.deps import SessionDep, TeamUser

router = APIRouter(prefix="/teams", tags=["teams"])


class TeamCreate(BaseModel):
    name: str = Field(min_length=2, max_length=128)


class JoinCode(BaseModel):
    code: str = Field(min_length=4, max_length=64)


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
def join(body: JoinCode, user: TeamUser, session: SessionDep) -> MyTeam:
    team = join_team(session, user=user, code=body.code)
    session.commit()
    return _mine(team)


@router.post("/leave", status_code=204)
def leave(user: TeamUser, session: SessionDep) -> None:
    leave_team(session, user=user)
    session.commit()


@router.post("/merge", response_model=MyTeam)
def merge(body: JoinCode, user: TeamUser, session: SessionDep) -> MyTeam:
    team = merge_teams(session, captain=user, other_code=body.code)
    session.commit()
    return _mine(team)
