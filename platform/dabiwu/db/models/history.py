"""Registry history: every alias move, promotion, delisting and gate result, append-only.

MLflow keeps only where an alias points now; this table keeps where it pointed and why, with the
lineage of the version it named, so "which model was the champion on 15 March, and what made it?"
has an answer that survives restarts and later delistings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dabiwu.db.base import Base, utcnow

# promoted | delisted | alias_moved | gates_passed | gates_refused
REGISTRY_EVENT_KINDS = ("promoted", "delisted", "alias_moved", "gates_passed", "gates_refused")


class RegistryEvent(Base):
    """Append-only: the service layer only ever inserts rows here."""

    __tablename__ = "registry_events"
    __table_args__ = (Index("ix_registry_events_model_at", "registered_model", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_model: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int | None]  # the version the event is about (an alias move: the new target, or None)
    alias: Mapped[str | None] = mapped_column(String(64))
    previous_version: Mapped[int | None]  # an alias move: where it pointed before
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64), default="system")
    reason: Mapped[str | None] = mapped_column(Text)
    # Lineage of `version`, copied at the time (rows elsewhere may change or go).
    submission_id: Mapped[str | None] = mapped_column(String(32))
    team: Mapped[str | None] = mapped_column(String(128))
    dataset_version: Mapped[str | None] = mapped_column(String(128))
    dataset_sha256: Mapped[str | None] = mapped_column(String(64))
    scorer_version: Mapped[str | None] = mapped_column(String(32))
    runtime: Mapped[str | None] = mapped_column(String(64))
    model_sha256: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(default=dict)
