"""The shared registry as the platform sees it: who listed which version and why, who pulled it,
and what districts found when they checked its leads.  MLflow holds the model files and versions;
these tables hold the people, the reasons and the field results."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dabiwu.db.base import Base, utcnow

OUTCOMES = ("confirmed", "rejected", "pending")


class RegistryListing(Base):
    """One promoted model version.  `listed` is False once delisted; the row stays for lineage."""

    __tablename__ = "registry_listings"
    __table_args__ = (UniqueConstraint("registered_model", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("scores.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    registered_model: Mapped[str] = mapped_column(String(128))
    version: Mapped[int]
    run_id: Mapped[str] = mapped_column(String(64))
    # sha256 of the model folder's manifest (models_registry.pulls.folder_sha256), what pulls verify.
    model_sha256: Mapped[str] = mapped_column(String(64))
    public_score: Mapped[float]
    private_score: Mapped[float]
    listed: Mapped[bool] = mapped_column(default=True, index=True)
    override: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    gate_report: Mapped[dict] = mapped_column(default=dict)
    model_card: Mapped[str] = mapped_column(Text, default="")
    promoted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    promoted_at: Mapped[datetime] = mapped_column(default=utcnow)
    delisted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delisted_at: Mapped[datetime | None]
    delist_reason: Mapped[str | None] = mapped_column(Text)

    challenge = relationship("Challenge")
    team = relationship("Team")


class ModelPull(Base):
    """A download of a listed version's files (through /mlflow or reported by a client)."""

    __tablename__ = "model_pulls"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("registry_listings.id", ondelete="SET NULL"), index=True)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registered_model: Mapped[str] = mapped_column(String(128))
    version: Mapped[int]
    via: Mapped[str] = mapped_column(String(16))  # mlflow | client
    pulled_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LeadOutcome(Base):
    """What a district found when it verified one lead of one listed version (upserted)."""

    __tablename__ = "lead_outcomes"
    __table_args__ = (UniqueConstraint("district_id", "listing_id", "lead_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("registry_listings.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    lead_id: Mapped[str] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))  # confirmed (成案) | rejected | pending
    note: Mapped[str] = mapped_column(Text, default="")
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
