"""Emit an event (notifications + pending webhook deliveries), list and mark a user's notifications.

`emit` only inserts rows in the caller's transaction: if the caller rolls back, nobody is told of
something that did not happen, and nothing is sent before the commit."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import Notification, Webhook, WebhookDelivery
from dabiwu.db.models.notifications import EVENT_TYPES


def emit(
    session: Session, *, event: str, title: str, title_zh: str, payload: dict, recipients: Iterable[int],
    link: str | None = None, at: datetime | None = None,
) -> int:
    """Tell `recipients` (user ids) in the app and queue a delivery for every webhook that subscribed to `event`.
    Returns the number of notifications written."""
    if event not in EVENT_TYPES:  # a programming error, not a user's: the names are part of the contract
        raise ValueError(f"unknown event type {event!r}; add it to EVENT_TYPES first")
    now = at or utcnow()
    users = sorted(set(recipients))
    session.add_all(Notification(user_id=user_id, event=event, title=title, title_zh=title_zh, link=link,
                                 payload=payload, created_at=now) for user_id in users)
    body = delivery_body(event=event, at=now, title=title, title_zh=title_zh, data=payload)
    for webhook in session.scalars(select(Webhook).where(Webhook.active.is_(True))):
        if event in (webhook.events or []):
            session.add(WebhookDelivery(webhook_id=webhook.id, event=event, payload=body, next_attempt_at=now,
                                        created_at=now))
    session.flush()
    return len(users)


def delivery_body(*, event: str, at: datetime, title: str, title_zh: str, data: dict) -> dict:
    """What a webhook receives (the dispatcher adds the delivery's `id`): one shape for every event and `ping`."""
    return {"event": event, "created_at": at.isoformat(), "title": title, "title_zh": title_zh, "data": data}


def my_notifications(user_id: int, *, unread_only: bool = False) -> Select:
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id)


def owns(session: Session, *, user_id: int, notification_id: str) -> bool:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id)) == 1


def unread_count(session: Session, *, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_read(session: Session, *, user_id: int, notification_id: str | None = None) -> int:
    """Mark one (or all) of the user's unread notifications read, in one conditional UPDATE: of two
    requests at once, only one changes a given row. Returns how many rows this call changed."""
    query = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount
