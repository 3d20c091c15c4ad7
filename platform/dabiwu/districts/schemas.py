from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from dabiwu.challenges.rules import Bilingual
from dabiwu.scoring.schemas import ContestPrecision

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
    kind: str  # state | assign
    from_state: State | None
    to_state: State | None
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


class Estimate(BaseModel):
    """A version's (or one district's) lead->case conversion, corrected for leads not yet resolved
    (districts/field_board.py::corrected: a beta-binomial with an empirical-Bayes prior)."""

    confirmed: int
    rejected: int
    pending: int
    decided: int
    naive_conversion: float | None  # cases / leads flagged (None without leads)
    decided_conversion: float | None  # cases / decided leads (None before any is decided)
    conversion: float  # the posterior mean: what versions are ranked by
    interval: tuple[float, float]  # [low, high], the posterior's 95% interval
    resolved_share: float | None


class DistrictEstimate(Estimate):
    name_zh: str
    name_en: str


class MonthPoint(BaseModel):
    """Field precision of one month's decided outcomes (Beijing time), and cumulative up to it."""

    month: str  # YYYY-MM
    confirmed: int
    rejected: int
    precision: float
    cumulative_precision: float


class FieldBoardVersion(Estimate):
    rank: int
    registered_model: str
    version: int
    team: str
    promoted_at: datetime
    private_score: float
    contest: ContestPrecision
    by_district: dict[str, DistrictEstimate]  # district code -> its estimate
    by_month: list[MonthPoint]


class FieldBoardOut(BaseModel):
    """GET /registry/{slug}/field-board: the listed versions ranked by field conversion."""

    slug: str
    supervision_point: Bilingual
    prior_mean: float
    prior_leads: float
    level: float
    method: str
    versions: list[FieldBoardVersion]
