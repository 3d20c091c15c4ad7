from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class SubmissionAccepted(BaseModel):
    id: str
    status: str
    submissions_left_today: int


class QuotaOut(BaseModel):
    limit: int
    used: int
    left: int
    day: str


class SubmissionOut(BaseModel):
    id: str
    challenge: str
    team: str
    team_id: int
    status: str
    public_score: float | None = None
    private_score: float | None = None
    metrics: dict | None = None
    error: str | None = None
    error_zh: str | None = None  # the same sentence in Chinese
    error_kind: str | None = None
    log_tail: str | None = None
    filename: str = ""
    description: str = ""
    size_bytes: int = 0
    sha256: str | None = None
    model_info: dict = {}
    is_final: bool = False
    created_at: datetime
    started_at: datetime | None = None
    scored_at: datetime | None = None
    queue_position: int | None = None
    eta_seconds: float | None = None
    score_version: int | None = None
    disqualified_reason: str | None = None  # set by a judge; the submission then leaves the boards
    # The storage retention policy removed the model's files (scores and predictions stay): when, and why, in
    # English and Chinese. Promoting or re-running it then answers 410 model_expired.
    model_expired_at: datetime | None = None
    model_expired_note: str | None = None
    model_expired_note_zh: str | None = None


class FinalSelection(BaseModel):
    is_final: bool
