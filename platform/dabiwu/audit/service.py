"""The audit log is append-only: this module only inserts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dabiwu.db.models import AuditEvent, User
from dabiwu.observability import current_request_id


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: str | int,
    detail: dict | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        request_id=current_request_id(),
    )
    session.add(event)
    session.flush()
    return event
