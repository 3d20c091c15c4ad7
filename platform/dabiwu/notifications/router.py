"""GET /notifications (the caller's own), mark read; /admin/webhooks (admins): CRUD, secret rotation, a test
delivery (ping), the delivery log and retrying a failed delivery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from dabiwu.deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from dabiwu.errors import DabiwuError
from dabiwu.notifications import service, webhooks
from dabiwu.notifications.schemas import (
    DeliveryOut,
    MarkedOut,
    NotificationOut,
    UnreadOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)
from dabiwu.pagination import PageDep, paginate

router = APIRouter(tags=["notifications"])


@router.get("/notifications", response_model=list[NotificationOut])
def list_notifications(
    user: CurrentUser, session: SessionDep, page: PageDep, response: Response,
    unread: Annotated[bool, Query(description="only unread ones")] = False,
) -> list:
    rows = paginate(session, service.my_notifications(user.id, unread_only=unread), page, response)
    response.headers["X-Unread-Count"] = str(service.unread_count(session, user_id=user.id))
    return rows


@router.get("/notifications/unread-count", response_model=UnreadOut)
def unread_count(user: CurrentUser, session: SessionDep) -> UnreadOut:
    return UnreadOut(unread=service.unread_count(session, user_id=user.id))


@router.post("/notifications/read-all", response_model=MarkedOut)
def mark_all_read(user: CurrentUser, session: SessionDep) -> MarkedOut:
    changed = service.mark_read(session, user_id=user.id)
    session.commit()
    return MarkedOut(changed=changed, unread=service.unread_count(session, user_id=user.id))


@router.post("/notifications/{notification_id}/read", response_model=MarkedOut)
def mark_read(notification_id: str, user: CurrentUser, session: SessionDep) -> MarkedOut:
    changed = service.mark_read(session, user_id=user.id, notification_id=notification_id)
    if not changed and not service.owns(session, user_id=user.id, notification_id=notification_id):
        raise DabiwuError(f"You have no notification {notification_id}.", f"您没有编号为 {notification_id} 的通知。",
                          code="notification_not_found", status=404)
    session.commit()
    return MarkedOut(changed=changed, unread=service.unread_count(session, user_id=user.id))


@router.get("/admin/webhooks", response_model=list[WebhookOut])
def list_webhooks(_: AdminUser, session: SessionDep, page: PageDep, response: Response) -> list[WebhookOut]:
    return webhooks.described(session, paginate(session, webhooks.webhooks_query(), page, response))


@router.post("/admin/webhooks", response_model=WebhookCreated, status_code=201)
def create_webhook(body: WebhookIn, user: AdminUser, session: SessionDep, settings: SettingsDep) -> WebhookCreated:
    webhook, secret = webhooks.create_webhook(session, settings=settings, actor=user, **body.model_dump())
    session.commit()
    return WebhookCreated(**WebhookOut.model_validate(webhook).model_dump(), secret=secret)


@router.get("/admin/webhooks/{webhook_id}", response_model=WebhookOut)
def read_webhook(webhook_id: str, _: AdminUser, session: SessionDep) -> WebhookOut:
    return webhooks.described(session, [webhooks.webhook_or_404(session, webhook_id)])[0]


@router.patch("/admin/webhooks/{webhook_id}", response_model=WebhookOut)
def change_webhook(webhook_id: str, body: WebhookPatch, user: AdminUser, session: SessionDep,
                   settings: SettingsDep) -> WebhookOut:
    webhook = webhooks.change_webhook(session, settings=settings, actor=user,
                                      webhook=webhooks.webhook_or_404(session, webhook_id), changes=body.model_dump())
    session.commit()
    return webhooks.described(session, [webhook])[0]


@router.post("/admin/webhooks/{webhook_id}/rotate-secret", response_model=WebhookCreated)
def rotate_secret(webhook_id: str, user: AdminUser, session: SessionDep, settings: SettingsDep) -> WebhookCreated:
    webhook = webhooks.webhook_or_404(session, webhook_id)
    secret = webhooks.rotate_secret(session, settings=settings, actor=user, webhook=webhook)
    session.commit()
    return WebhookCreated(**webhooks.described(session, [webhook])[0].model_dump(), secret=secret)


@router.post("/admin/webhooks/{webhook_id}/ping", response_model=DeliveryOut, status_code=202)
def ping_webhook(webhook_id: str, _: AdminUser, session: SessionDep) -> DeliveryOut:
    """Queue a signed test delivery (event `ping`); it shows in the delivery log like any other."""
    delivery = webhooks.ping(session, webhook=webhooks.webhook_or_404(session, webhook_id))
    session.commit()
    return DeliveryOut.model_validate(delivery)


@router.delete("/admin/webhooks/{webhook_id}", status_code=204)
def delete_webhook(webhook_id: str, user: AdminUser, session: SessionDep) -> Response:
    webhooks.delete_webhook(session, actor=user, webhook=webhooks.webhook_or_404(session, webhook_id))
    session.commit()
    return Response(status_code=204)


@router.get("/admin/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    webhook_id: str, _: AdminUser, session: SessionDep, page: PageDep, response: Response,
    status: Annotated[str | None, Query(pattern="^(pending|sending|delivered|failed)$")] = None,
) -> list:
    webhooks.webhook_or_404(session, webhook_id)
    return paginate(session, webhooks.deliveries_query(webhook_id, status=status), page, response)


@router.post("/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
def retry_delivery(webhook_id: str, delivery_id: str, _: AdminUser, session: SessionDep):
    webhooks.retry_delivery(session, webhook_id=webhook_id, delivery_id=delivery_id)
    session.commit()
    return webhooks.delivery(session, delivery_id)
