"""Sends pending webhook deliveries: claimed one at a time, signed, retried with exponential back-off.

Every state change of a delivery is one conditional UPDATE, as with scoring jobs: `claim` moves a due
`pending` delivery (or a `sending` one whose claim lapsed: its sender died) to `sending` for one sender,
so two dispatchers (two web processes) never both send it; `finish` records the answer only while that
claim still holds.  The request that caused an event never waits: it only inserted the pending row.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import Webhook, WebhookDelivery
from dabiwu.errors import DabiwuError
from dabiwu.notifications.signing import sign, webhook_secret
from dabiwu.notifications.urls import check_url
from dabiwu.settings import Settings

log = logging.getLogger("dabiwu.webhooks")

MAX_LOG_ENTRIES = 50


@dataclass(frozen=True)
class Claimed:
    delivery_id: str
    attempt: int
    sender: str


def _due(now: datetime):
    return or_(
        and_(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == "sending", WebhookDelivery.claimed_until < now),
    )


def claim(session: Session, *, delivery_id: str, sender: str, lease_seconds: float, now: datetime | None = None
          ) -> Claimed | None:
    """Take one due delivery for `sender`, or None if it is not due or another sender took it first."""
    now = now or utcnow()
    current = session.scalar(select(WebhookDelivery.attempts).where(WebhookDelivery.id == delivery_id))
    if current is None:
        return None
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.attempts == current, _due(now))
        .values(status="sending", claimed_by=sender, claimed_until=now + timedelta(seconds=lease_seconds),
                attempts=current + 1)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return Claimed(delivery_id, current + 1, sender) if result.rowcount == 1 else None


def due_ids(session: Session, *, now: datetime, limit: int = 20) -> list[str]:
    ids = list(session.scalars(select(WebhookDelivery.id).where(_due(now))
                               .order_by(WebhookDelivery.next_attempt_at).limit(limit)))
    session.rollback()
    return ids


def backoff_seconds(attempt: int, *, base: float, cap: float) -> float:
    """After attempt n failed, wait base * 2**(n-1) seconds (capped) before the next."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


def send_one(session: Session, *, claimed: Claimed, settings: Settings, now: datetime | None = None,
             client: httpx.Client | None = None) -> str:
    """POST the claimed delivery; record the answer. Returns delivered | pending (will retry) | failed | lost."""
    delivery = session.get(WebhookDelivery, claimed.delivery_id)
    webhook = session.get(Webhook, delivery.webhook_id)
    body = json.dumps({"id": delivery.id, **delivery.payload}, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    started = time.perf_counter()
    status_code, error = None, None
    try:
        check_url(webhook.url, allowed_hosts=settings.webhook_allowed_hosts)
        secret = webhook_secret(secret_key=settings.secret_key, webhook_id=webhook.id, salt=webhook.secret_salt)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "dabiwu-webhooks/1",
            "X-Dabiwu-Delivery-Id": delivery.id,
            "X-Dabiwu-Timestamp": str(timestamp),
            "X-Dabiwu-Event": delivery.event,
            "X-Dabiwu-Signature": sign(secret=secret, delivery_id=delivery.id, timestamp=timestamp, body=body),
        }
        own = client is None
        http = client or httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False)
        try:
            answer = http.post(webhook.url, content=body, headers=headers)
            status_code = answer.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}: {answer.text[: settings.webhook_max_response_kb * 1024]}"
        finally:
            if own:
                http.close()
    except DabiwuError as exc:
        error = exc.detail
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
    return finish(session, claimed=claimed, delivery=delivery, status_code=status_code, error=error,
                  ms=round((time.perf_counter() - started) * 1000, 1), settings=settings, now=now)


def finish(session: Session, *, claimed: Claimed, delivery: WebhookDelivery, status_code: int | None,
           error: str | None, ms: float, settings: Settings, now: datetime | None = None) -> str:
    now = now or utcnow()
    entry = {"attempt": claimed.attempt, "at": now.isoformat(), "status_code": status_code, "error": error, "ms": ms}
    history = (list(delivery.log or []) + [entry])[-MAX_LOG_ENTRIES:]
    if error is None:
        values = {"status": "delivered", "delivered_at": now}
    elif claimed.attempt >= settings.webhook_max_attempts:
        values = {"status": "failed"}
    else:
        wait = backoff_seconds(claimed.attempt, base=settings.webhook_retry_base_seconds,
                               cap=settings.webhook_retry_max_seconds)
        values = {"status": "pending", "next_attempt_at": now + timedelta(seconds=wait)}
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == claimed.delivery_id, WebhookDelivery.status == "sending",
               WebhookDelivery.claimed_by == claimed.sender, WebhookDelivery.attempts == claimed.attempt)
        .values(**values, claimed_by=None, claimed_until=None, last_status_code=status_code,
                last_error=error, log=history)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return values["status"] if result.rowcount == 1 else "lost"


def deliver_due(sessionmaker, settings: Settings, *, sender: str, now: datetime | None = None,
                client: httpx.Client | None = None) -> dict[str, int]:
    """One pass: send every delivery due at `now` that this sender wins. Returns counts by outcome."""
    counts: dict[str, int] = {}
    with sessionmaker() as session:
        moment = now or utcnow()
        for delivery_id in due_ids(session, now=moment):
            claimed = claim(session, delivery_id=delivery_id, sender=sender, now=moment,
                            lease_seconds=settings.webhook_timeout_seconds * 3 + 30)
            if claimed is None:
                continue
            outcome = send_one(session, claimed=claimed, settings=settings, now=now, client=client)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


class WebhookDispatcher:
    """A background thread of the server process: one pass every DABIWU_WEBHOOK_POLL_SECONDS."""

    def __init__(self, sessionmaker, settings: Settings) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._stop = threading.Event()
        self._sender = f"web-{uuid.uuid4().hex[:12]}"
        self._thread = threading.Thread(target=self._run, name="dabiwu-webhooks", daemon=True)

    def start(self) -> "WebhookDispatcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._settings.webhook_timeout_seconds + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                deliver_due(self._sessionmaker, self._settings, sender=self._sender)
            except Exception:  # the loop must outlive a database hiccup; the next pass retries
                log.exception("webhook delivery pass failed")
            self._stop.wait(self._settings.webhook_poll_seconds)
