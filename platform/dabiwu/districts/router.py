"""The district's lead review queue (districts only: a district sees its own leads) and the field board."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from dabiwu.challenges.router import challenge_or_404
from dabiwu.deps import DistrictUser, RegistryReader, SessionDep
from dabiwu.districts import field_board as board_service
from dabiwu.districts import service
from dabiwu.districts.schemas import (
    AssigneeOut,
    AssignIn,
    BulkIn,
    BulkItem,
    FieldBoardOut,
    LeadDetail,
    LeadOut,
    LeadPushIn,
    LeadPushOut,

    TransitionIn,
)
from dabiwu.pagination import PageDep, paginate

router = APIRouter(tags=["leads"])


@router.post("/leads/push", response_model=LeadPushOut)
def push(body: LeadPushIn, user: DistrictUser, session: SessionDep) -> LeadPushOut:
    challenge = challenge_or_404(session, body.challenge, viewer=user)
    counts = service.push_leads(session, user=user, challenge=challenge, version=body.version,
                                run_label=body.run_label, rows=body.rows)
    session.commit()
    return LeadPushOut(**counts)


@router.get("/leads", response_model=list[LeadOut])
def list_leads(
    user: DistrictUser, session: SessionDep, page: PageDep, response: Response,
    state: Annotated[str | None, Query(max_length=200, description="a state, or several joined by commas")] = None,
    assignee: Annotated[str | None, Query(max_length=20, description="a user id, me or none")] = None,
    challenge: Annotated[str | None, Query(max_length=64)] = None,
    version: Annotated[int | None, Query(ge=1, description="leads flagged by this model version")] = None,
    sort: Literal["-score", "score", "-updated", "updated"] = "-score",
) -> list[dict]:
    if state:
        for name in state.split(","):
            if name not in service.states.STATES:
                raise service.bad_state(name)
    query = service.list_query(session, user=user, state=state, assignee=assignee, challenge=challenge,
                               version=version, sort=sort)
    return service.summaries(session, paginate(session, query, page, response))


@router.get("/leads/assignees", response_model=list[AssigneeOut])
def list_assignees(user: DistrictUser, session: SessionDep) -> list:
    return service.assignees(session, user=user)


@router.post("/leads/bulk", response_model=list[BulkItem])
def bulk_update(body: BulkIn, user: DistrictUser, session: SessionDep) -> list[dict]:
    results = service.bulk(session, user=user, ids=body.ids, state=body.state, reason=body.reason,
                           assignee_id=body.assignee_id, unassign=body.unassign)
    session.commit()
    return results


@router.get("/leads/{lead_id}", response_model=LeadDetail)
def read_lead(lead_id: str, user: DistrictUser, session: SessionDep) -> dict:
    return service.detail(session, user=user, lead_id=lead_id)


@router.post("/leads/{lead_id}/transition", response_model=LeadDetail)
def transition(lead_id: str, body: TransitionIn, user: DistrictUser, session: SessionDep) -> dict:
    service.move(session, user=user, lead_id=lead_id, to_state=body.state, reason=body.reason,
                 expected_state=body.expected_state)
    session.commit()
    return service.detail(session, user=user, lead_id=lead_id)


@router.post("/leads/{lead_id}/assign", response_model=LeadDetail)
def assign(lead_id: str, body: AssignIn, user: DistrictUser, session: SessionDep) -> dict:
    service.assign(session, user=user, lead_id=lead_id, assignee_id=body.assignee_id)
    session.commit()
    return service.detail(session, user=user, lead_id=lead_id)


@router.get("/registry/{slug}/field-board", response_model=FieldBoardOut)
def field_board(slug: str, user: RegistryReader, session: SessionDep) -> FieldBoardOut:
    challenge = challenge_or_404(session, slug, viewer=user)
    return FieldBoardOut.model_validate(board_service.field_board(session, challenge=challenge))



