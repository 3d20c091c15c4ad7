from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

State = Literal["new", "verifying", "case_opened", "no_case", "supervision_document", "rectified"]
MAX_PUSH_ROWS = 5000
MAX_BULK_IDS = 500


class LeadRowIn(BaseModel):
    """One row of `dabiwu leads run`'s ranked list."""

    id: str = Field(min_length=1, max_length=128)
    score: float = Field(allow_inf_nan=False)  # a NaN would be stored, then break every JSON answer listing it
    rank: int | None = Field(default=None, ge=1)
    key: str | None = Field(default=None, max_length=120)  # the challenge's lead_merge_key column value


class LeadPushIn(BaseModel):
    challenge: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)
    run_label: str = Field(default="", max_length=64)
    rows: list[LeadRowIn] = Field(max_length=MAX_PUSH_ROWS)


class LeadPushOut(BaseModel):
    received: int
    new_leads: int
    merged: int  # rows that joined a lead already in the queue (another model, version or run)
    already_pushed: int


class LeadOut(BaseModel):
    id: str
    challenge: str
    entity_id: str
    merge_key: str
    state: State
    reason: str | None
    assignee_id: int | None
    assignee: str | None
    best_score: float
    flags: int
    versions: list[int]
    created_at: datetime
    state_changed_at: datetime


class FlagOut(BaseModel):
    registered_model: str
    version: int
    run_label: str
    score: float
    rank: int | None
    flagged_at: datetime


class EventOut(BaseModel):
    kind: str
    from_state: str | None
    to_state: str | None
    actor: str | None
    assignee: str | None
    note: str
    at: datetime


class LeadDetail(LeadOut):
    flag_list: list[FlagOut]
    history: list[EventOut]
    next_states: list[State]


class TransitionIn(BaseModel):
    state: State
    reason: str | None = Field(default=None, max_length=2000)
    # The state the caller saw; when given, the move happens only from it (so a stale screen cannot skip a step).
    expected_state: State | None = None


class AssignIn(BaseModel):
    assignee_id: int | None


class BulkIn(BaseModel):
    ids: list[str] = Field(min_length=1, max_length=MAX_BULK_IDS)
    state: State | None = None
    reason: str | None = Field(default=None, max_length=2000)
    assignee_id: int | None = None
    unassign: bool = False


class BulkItem(BaseModel):
    id: str
    ok: bool
    code: str | None = None
    detail: str | None = None
    detail_zh: str | None = None


class AssigneeOut(BaseModel):
    id: int
    username: str
    display_name: str
