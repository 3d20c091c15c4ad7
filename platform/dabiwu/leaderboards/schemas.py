from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BoardRow(BaseModel):
    rank: int
    team: str
    team_id: int
    submission_id: str
    score: float
    secondary: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    tied_with_leader: bool = False
    submissions: int = 0
    last_submission_at: datetime | None = None


class ShakeUpRow(BaseModel):
    team: str
    team_id: int
    private_rank: int
    public_rank: int | None = None
    change: int | None = None
