"""Admin's webhooks: create (the secret is shown once), change, rotate the secret, delete, read the log."""

from __future__ import annotations

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.db.base import new_id, utcnow
from dabiwu.db.models import User, Webhook, WebhookDelivery
from dabiwu.errors import DabiwuError
from dabiwu.notifications.schemas import LastDelivery, WebhookOut
from dabiwu.notifications.service import delivery_body
from dabiwu.notifications.signing import new_salt, webhook_secret
from dabiwu.notifications.urls import check_url
from dabiwu.settings import Settings


def webhook_or_404(session: Session, webhook_id: str) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise DabiwuError(f"No webhook {webhook_id}: see GET /api/v1/admin/webhooks.",
                          f"没有编号为 {webhook_id} 的 Webhook：请查看 GET /api/v1/admin/webhooks。",
                          code="webhook_not_found", status=404)
    return webhook


def _new_secret(webhook: Webhook, settings: Settings) -> str:
    webhook.secret_salt = new_salt()
    secret = webhook_secret(secret_key=settings.secret_key, webhook_id=webhook.id, salt=webhook.secret_salt)
    webhook.secret_prefix = secret[:12]
    return secret


def create_webhook(session: Session, *, settings: Settings, actor: User, name: str, url: str, events: list[str],
                   active: bool) -> tuple[Webhook, str]:
    check_url(url, allowed_hosts=settings.webhook_allowed_hosts)
    webhook = Webhook(id=new_id(), name=name, url=url, events=sorted(set(events)), active=active, created_by=actor.id)
    secret = _new_secret(webhook, settings)  # the id is part of what the secret is derived from
    session.add(webhook)
    session.flush()
    record(session, actor=actor, action="webhook.create", object_type="webhook", object_id=webhook.id,
           detail={"url": url, "events": webhook.events})
    return webhook, secret


def change_webhook(session: Session, *, settings: Settings, actor: User, webhook: Webhook, changes: dict) -> Webhook:
    if changes.get("url") is not None:
        check_url(changes["url"], allowed_hosts=settings.webhook_allowed_hosts)
    for key in ("name", "url", "active"):
        if changes.get(key) is not None:
            setattr(webhook, key, changes[key])
    if changes.get("events") is not None:
        webhook.events = sorted(set(changes["events"]))
    session.flush()
    record(session, actor=actor, action="webhook.change", object_type="webhook", object_id=webhook.id,
           detail={key: value for key, value in changes.items() if value is not None})
    return webhook


def rotate_secret(session: Session, *, settings: Settings, actor: User, webhook: Webhook) -> str:
    secret = _new_secret(webhook, settings)
    session.flush()
    record(session, actor=actor, action="webhook.rotate_secret", object_type="webhook", object_id=webhook.id)
    return secret


def delete_webhook(session: Session, *, actor: User, webhook: Webhook) -> None:
    record(session, actor=actor, action="webhook.delete", object_type="webhook", object_id=webhook.id,
           detail={"url": webhook.url})
    session.delete(webhook)
    session.flush()


def webhooks_query() -> Select:
    return select(Webhook).order_by(Webhook.created_at, Webhook.id)


def described(session: Session, webhooks: list[Webhook]) -> list[WebhookOut]:
    """The webhooks as the API shows them, each with its newest delivery (one query for all of them)."""
    ids = [webhook.id for webhook in webhooks]
    newest = (
        select(WebhookDelivery.id, func.row_number().over(
            partition_by=WebhookDelivery.webhook_id,
            order_by=(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())).label("n"))
        .where(WebhookDelivery.webhook_id.in_(ids))
        .subquery()
    )
    last = {row.webhook_id: row for row in session.scalars(
        select(WebhookDelivery).join(newest, newest.c.id == WebhookDelivery.id).where(newest.c.n == 1))} if ids else {}
    return [WebhookOut.model_validate(webhook).model_copy(update={
        "last_delivery": LastDelivery.model_validate(last[webhook.id]) if webhook.id in last else None})
        for webhook in webhooks]


def ping(session: Session, *, webhook: Webhook) -> WebhookDelivery:
    """Queue a signed test delivery (event `ping`) to this webhook, whatever it subscribed to and even if it is not
    active: the receiver's check of URL, signature and answer before real events flow (as GitHub's ping)."""
    now = utcnow()
    body = delivery_body(
        event="ping", at=now,
        title=f"Test delivery to the webhook '{webhook.name}': if the signature checks out, the receiver is ready.",
        title_zh=f"这是发往 Webhook「{webhook.name}」的测试投递：签名校验通过即表示接收端已就绪。",
        data={"webhook_id": webhook.id, "name": webhook.name, "events": list(webhook.events or []),
              "active": webhook.active})
    delivery = WebhookDelivery(webhook_id=webhook.id, event="ping", payload=body, next_attempt_at=now, created_at=now)
    session.add(delivery)
    session.flush()
    return delivery


def delivery(session: Session, delivery_id: str) -> WebhookDelivery | None:
    return session.get(WebhookDelivery, delivery_id)


def deliveries_query(webhook_id: str, *, status: str | None = None) -> Select:
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)


def retry_delivery(session: Session, *, webhook_id: str, delivery_id: str) -> bool:
    """Send a failed delivery again (one more attempt, now); one conditional UPDATE."""
    result = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.webhook_id == webhook_id,
               WebhookDelivery.status == "failed")
        .values(status="pending", next_attempt_at=utcnow(), attempts=0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise DabiwuError("Only a failed delivery of this webhook can be sent again.",
                          "只有该 Webhook 发送失败的记录才能重新发送。", code="delivery_not_retryable", status=409)
    return True
