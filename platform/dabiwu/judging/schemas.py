from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


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


class FinalizeOut(BaseModel):
    challenge: str
    finalized_at: datetime
    content_hash: str
    rows: list[dict]
    final_ranking: list[dict]
    hashes: dict[str, str]
