"""In-app notifications (one row per recipient) and outgoing webhooks with their delivery log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dabiwu.db.base import Base, new_id, utcnow

# The events a notification or a webhook delivery can be about (CONTRACT-style names: keep them).
EVENT_TYPES = (
    "registry.promoted",
    "registry.champion_replaced",
    "registry.delisted",
    "submission.scored",
    "submission.failed",
    "challenge.finalized",
)


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    title_zh: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(256))
    payload: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]


class Webhook(Base):
    """An admin's outgoing webhook.  The signing secret is not stored: it is derived from the server's
    secret key and `secret_salt` (see dabiwu/notifications/signing.py) and shown once, at creation."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=True)
    secret_salt: Mapped[str] = mapped_column(String(64))
    secret_prefix: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one webhook: pending -> sending (claimed) -> delivered | pending (retry) | failed."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    webhook_id: Mapped[str] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"), index=True)
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None]
    log: Mapped[list] = mapped_column(default=list)  # one entry per attempt: at, status_code, error, ms
