from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from dabiwu.schema_types import FreeForm


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_name: str
    action: str
    object_type: str
    object_id: str
    detail: FreeForm = Field(description="what the action recorded; its keys depend on the action (free-form: each "
                                         "caller of audit.service.record writes its own)")
    request_id: str | None = None
