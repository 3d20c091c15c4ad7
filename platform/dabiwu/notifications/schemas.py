from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dabiwu.schema_types import Sparse

EventType = Literal["registry.promoted", "registry.champion_replaced", "registry.delisted", "submission.scored",
                    "submission.failed", "challenge.finalized"]
DeliveryStatus = Literal["pending", "sending", "delivered", "failed"]


class NotificationPayload(Sparse):
    """The facts of an event (notifications/events.py); which fields it has depends on the event."""

    registered_model: str = Field(default=None, description="registry.*")
    version: int | None = Field(default=None, description="registry.*; null when no version is the champion any more")
    previous_version: int | None = Field(default=None, description="registry.champion_replaced")
    team: str = Field(default=None, description="registry.promoted")
    model_sha256: str = Field(default=None, description="registry.promoted")
    reason: str | None = Field(default=None, description="registry.delisted")
    submission_id: str = Field(default=None, description="submission.*")
    challenge: str = Field(default=None, description="submission.*, challenge.finalized: the challenge's slug")
    team_id: int = Field(default=None, description="submission.*")
    status: str = Field(default=None, description="submission.*: scored | failed")
    error_kind: str | None = Field(default=None, description="submission.*")
    finalized_at: str | None = Field(default=None, description="challenge.finalized (ISO 8601)")
    webhook_id: str = Field(default=None, description="ping: the webhook tested")
    name: str = Field(default=None, description="ping: the webhook's name")
    events: list[str] = Field(default=None, description="ping: the events the webhook subscribed to")
    active: bool = Field(default=None, description="ping: whether the webhook is active")


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    event: str
    title: str
    title_zh: str
    link: str | None
    payload: NotificationPayload
    created_at: datetime
    read_at: datetime | None


class UnreadOut(BaseModel):
    unread: int


class MarkedOut(BaseModel):
    changed: int  # how many notifications this request marked read (0 if another request did it first)
    unread: int


class WebhookIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    url: str = Field(min_length=1, max_length=2048)
    events: list[EventType] = Field(min_length=1, max_length=16)
    active: bool = True


class WebhookPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=128)
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    events: list[EventType] | None = Field(default=None, min_length=1, max_length=16)
    active: bool | None = None


class LastDelivery(BaseModel):
    """A webhook's newest delivery, as its row in the list shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    event: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    created_at: datetime
    delivered_at: datetime | None


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    url: str
    events: list[EventType]
    active: bool
    secret_prefix: str  # the first characters of the secret, to tell secrets apart; the secret itself is shown once
    created_at: datetime
    last_delivery: LastDelivery | None = None  # None: nothing was ever sent to it


class WebhookCreated(WebhookOut):
    secret: str  # shown once: it is not stored, and cannot be shown again (rotate it to get a new one)


class WebhookBody(BaseModel):
    """What a delivery posts (with its `id` added when it is sent; notifications/service.py::emit)."""

    event: str
    created_at: str  # ISO 8601, as sent
    title: str
    title_zh: str
    data: NotificationPayload


class DeliveryAttempt(BaseModel):
    """One attempt to post a delivery (notifications/dispatcher.py::finish)."""

    attempt: int
    at: datetime
    status_code: int | None  # the receiver's HTTP status; None: no answer (refused, timed out, host not allowed)
    error: str | None  # None: delivered
    ms: float


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    webhook_id: str
    event: str  # one of the event types, or "ping" (POST /admin/webhooks/{id}/ping)
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[DeliveryAttempt]
    payload: WebhookBody
