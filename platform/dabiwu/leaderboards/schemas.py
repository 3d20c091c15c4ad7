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
    public_rank: int | None  # None: the team is not on the public board
    change: int | None  # public rank minus private rank (positive: moved up); None without a public rank


class HistoryPoint(BaseModel):
    at: datetime  # when the submission that set this best was made
    best: float


class HistorySeries(BaseModel):
    """One team's best public score over time: a point each time it improved (GET /challenges/{slug}/history)."""

    team_id: int
    team: str
    points: list[HistoryPoint]
    best: float
