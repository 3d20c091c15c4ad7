"""Administration of users, teams and districts."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dabiwu.audit.service import record
from dabiwu.auth.schemas import DistrictCreate, DistrictOut, TeamOut, UserCreate, UserOut
from dabiwu.auth.service import create_user
from dabiwu.db.models import District, Team, User
from dabiwu.deps import AdminUser, CurrentUser, SessionDep, role_refused
from dabiwu.errors import DabiwuError
from dabiwu.pagination import PageDep, paginate

router = APIRouter(tags=["accounts"])


@router.get("/users", response_model=list[UserOut])
def list_users(_: AdminUser, session: SessionDep, page: PageDep, response: Response) -> list[User]:
    return paginate(session, select(User).order_by(User.id), page, response)


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserCreate, admin: AdminUser, session: SessionDep) -> User:
    user = create_user(session, **body.model_dump())
    record(session, actor=admin, action="user.create", object_type="user", object_id=user.id,
           detail={"username": user.username, "role": user.role, "is_head_judge": user.is_head_judge})
    session.commit()
    return user


@router.get("/teams", response_model=list[TeamOut])
def list_teams(user: CurrentUser, session: SessionDep, page: PageDep, response: Response) -> list[TeamOut]:
    query = select(Team).options(selectinload(Team.members)).order_by(Team.id)
    if user.role == "team":
        # A team member sees only their own team; everyone else with access sees all.
        query = query.where(Team.id == user.team_id)
    elif user.role == "district":
        raise role_refused("admin", "judge", "team")
    teams = paginate(session, query, page, response)
    return [TeamOut(id=t.id, name=t.name, captain_id=t.captain_id, members=[m.username for m in t.members]) for t in teams]


@router.get("/districts", response_model=list[DistrictOut])
def list_districts(_: CurrentUser, session: SessionDep, page: PageDep, response: Response) -> list[District]:
    return paginate(session, select(District).order_by(District.id), page, response)


@router.post("/districts", response_model=DistrictOut, status_code=201)
def add_district(body: DistrictCreate, admin: AdminUser, session: SessionDep) -> District:
    if session.scalar(select(District).where(District.code == body.code)) is not None:
        raise DabiwuError(f"District code '{body.code}' exists: choose another code.",
                          f"区县代码「{body.code}」已存在：请换一个代码。", code="district_code_taken", status=409)
    district = District(**body.model_dump())
    session.add(district)
    session.flush()
    record(session, actor=admin, action="district.create", object_type="district", object_id=district.id,
           detail=body.model_dump())
    session.commit()
    return district
