from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from dabiwu.audit.schemas import AuditEventOut
from dabiwu.db.models import AuditEvent
from dabiwu.deps import AdminUser, SessionDep
from dabiwu.pagination import PageDep, paginate

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditEventOut])
def list_audit_events(
    _: AdminUser, session: SessionDep, page: PageDep, response: Response, action: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return paginate(session, query, page, response)
