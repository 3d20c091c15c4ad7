"""A district's lead review queue: one row per flagged entity, the models/runs that flagged it, and every move.

A lead is one entity of one challenge in one district (merged by the challenge's id column, plus its optional
`lead_merge_key` column): several models or runs flagging it make one lead with several flags.  Its state moves
线索 → 核查中 → 立案 / 不立案 → 监督文书 → 整改完毕 (dabiwu.districts.states), one conditional UPDATE per move.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dabiwu.db.base import Base, new_id, utcnow


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("district_id", "challenge_id", "merge_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    # The challenge's id column value, and the key leads are merged by (entity_id, or entity_id|merge column value).
    entity_id: Mapped[str] = mapped_column(String(128))
    merge_key: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(24), default="new", index=True)
    reason: Mapped[str | None] = mapped_column(Text)  # why no case was opened (不立案), required for that state
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    best_score: Mapped[float]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadFlag(Base):
    """One (model version, run) that flagged a lead, with its score and rank in that run."""

    __tablename__ = "lead_flags"
    __table_args__ = (UniqueConstraint("lead_id", "listing_id", "run_label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("registry_listings.id", ondelete="CASCADE"), index=True)
    run_label: Mapped[str] = mapped_column(String(64))
    score: Mapped[float]
    rank: Mapped[int | None]
    flagged_at: Mapped[datetime] = mapped_column(default=utcnow)


class LeadEvent(Base):
    """Who moved (or assigned) a lead, when, from what to what."""

    __tablename__ = "lead_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # state | assign | flag
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
