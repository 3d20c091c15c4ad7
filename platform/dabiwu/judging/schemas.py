from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dabiwu.leaderboards.schemas import BoardRow


class ReviewIn(BaseModel):
    team_id: int
    scores: dict[str, float] = Field(description="rubric key -> score from 0 to 10")
    comment: str = Field(default="", max_length=5000)


class ReviewOut(BaseModel):
    id: int
    team_id: int
    judge: str
    scores: dict[str, float]
    comment: str
    updated_at: datetime


class DisqualifyIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class FinalRow(BaseModel):
    """One finalist in the final ranking: the private metric blended with the judges' rubric (judging/blend.py)."""

    rank: int
    team: str
    team_id: int
    submission_id: str
    private_score: float
    private_rank: int
    metric_part: float
    rubric_part: float
    final_score: float
    reviews: int
    unreviewed: bool


class FinalizeOut(BaseModel):
    challenge: str
    finalized_at: datetime
    content_hash: str
    rows: list[BoardRow]  # the frozen private leaderboard
    final_ranking: list[FinalRow]
    hashes: dict[str, str] = Field(description="split (public, private, final) -> content hash of its snapshot")
