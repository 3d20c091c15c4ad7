from __future__ import annotations

from pydantic import BaseModel, Field


class RescoreOut(BaseModel):
    id: str
    outcome: str = Field(description="rescored | rerun | requeued | skipped (see scoring/rescore.py)")


class RescoreChallengeOut(BaseModel):
    challenge: str
    outcomes: dict[str, int] = Field(description="outcome -> how many submissions had it")
