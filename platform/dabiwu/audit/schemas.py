from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    detail: dict
    request_id: str | None = None
