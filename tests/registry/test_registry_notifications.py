"""Notifications and webhooks for registry events: districts that pulled a model are told when a version is
promoted, the champion is replaced or a version is delisted; an admin's webhook on loopback gets signed
deliveries, retried with back-off after failures, with a delivery log."""

from __future__ import annotations

import json
from datetime import timedelta

from registry_world import SLUG

from tests.notifications.receiver import Receiver


def _promote(client, world, submission_id: str):
    answer = client.post(f"/api/v1/submissions/{submission_id}/promote", headers=world.headers["judge"], json={})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _events(client, headers) -> list[str]:
    answer = client.get("/api/v1/notifications", headers=headers)
    assert answer.status_code == 200, answer.text
    return [n["event"] for n in answer.json()]


def test_districts_that_pulled_a_model_are_told_of_promotion_replacement_and_delisting(registry_client, world):
    world.finalize()
    _promote(registry_client, world, world.submit("Team A", world.finder((0, 2), seed=1)))
    pulled = registry_client.post("/api/v1/registry/pulls", headers=world.headers["district"],
                                  json={"registered_model": SLUG, "version": 1})
    assert pulled.status_code == 201
    assert _events(registry_client, world.headers["district"]) == []  # nothing happened after the pull yet

    _promote(registry_client, world, world.submit("Team B", world.finder(seed=2)))
    district = world.headers["district"]
    assert sorted(_events(registry_client, district)) == ["registry.champion_replaced", "registry.promoted"]
    listed = registry_client.get("/api/v1/notifications", headers=district).json()
    replaced = next(n for n in listed if n["event"] == "registry.champion_replaced")
    assert replaced["payload"] == {"registered_model": SLUG, "previous_version": 1, "version": 2}
    assert "第 1 版换为第 2 版" in replaced["title_zh"] and "version 2 (was version 1)" in replaced["title"]
    assert replaced["link"] == f"/registry/{SLUG}/2" and replaced["read_at"] is None
    # A district that never pulled the model, and a team, hear nothing of it.
    assert _events(registry_client, world.headers["district_b"]) == []
    assert _events(registry_client, world.team("Team A")) == []

    delisted = registry_client.post(f"/api/v1/registry/{SLUG}/versions/2/delist", headers=world.headers["judge"],
                                    json={"reason": "字段口径有误"})
    assert delisted.status_code == 200
    events = _events(registry_client, district)
    assert events.count("registry.delisted") == 1 and events.count("registry.champion_replaced") == 2
    note = next(n for n in registry_client.get("/api/v1/notifications", headers=district).json()
                if n["event"] == "registry.delisted")
    assert "字段口径有误" in note["title_zh"] and "stop using it" in note["title"]

    count = registry_client.get("/api/v1/notifications/unread-count", headers=district).json()
    assert count == {"unread": 4}
    one = registry_client.post(f"/api/v1/notifications/{note['id']}/read", headers=district).json()
    assert one == {"changed": 1, "unread": 3}
    again = registry_client.post(f"/api/v1/notifications/{note['id']}/read", headers=district).json()
    assert again == {"changed": 0, "unread": 3}
    unread = registry_client.get("/api/v1/notifications", params={"unread": True}, headers=district)
    assert unread.headers["X-Total-Count"] == "3" and unread.headers["X-Unread-Count"] == "3"
    # Another user's notification is not theirs to mark: 404, and it stays unread.
    other = registry_client.post(f"/api/v1/notifications/{note['id']}/read", headers=world.headers["district_b"])
    assert other.status_code == 404 and other.json()["code"] == "notification_not_found"
    assert registry_client.post("/api/v1/notifications/read-all", headers=district).json() == {"changed": 3,
                                                                                             "unread": 0}


def test_a_webhook_on_loopback_gets_signed_deliveries_retried_with_backoff(registry_client, world):
    from dabiwu.db.base import utcnow
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.notifications.dispatcher import deliver_due
    from dabiwu.notifications.signing import verify

    settings = world.settings.model_copy(update={"webhook_retry_base_seconds": 60.0})
    admin = world.headers["admin"]
    world.finalize()
    with Receiver(fail_first=2) as receiver:
        created = registry_client.post("/api/v1/admin/webhooks", headers=admin, json={
            "name": "省院通报", "url": receiver.url, "events": ["registry.promoted", "registry.delisted"]})
        assert created.status_code == 201, created.text
        hook = created.json()
        secret = hook["secret"]
        assert secret.startswith("whsec_") and hook["secret_prefix"] == secret[:12]
        listed = registry_client.get("/api/v1/admin/webhooks", headers=admin).json()
        assert "secret" not in listed[0] and listed[0]["id"] == hook["id"]  # shown once, never again

        promoted = _promote(registry_client, world, world.submit("Team A", world.finder()))
        assert receiver.requests == []  # the promotion did not wait for (or call) the receiver

        sessionmaker = get_sessionmaker(settings.resolved_database_url)
        start = utcnow()
        assert deliver_due(sessionmaker, settings, sender="t1", now=start) == {"pending": 1}
        assert deliver_due(sessionmaker, settings, sender="t1", now=start + timedelta(seconds=59)) == {}
        assert deliver_due(sessionmaker, settings, sender="t1", now=start + timedelta(seconds=61)) == {"pending": 1}
        # the second failure waits twice as long: 120 s
        assert deliver_due(sessionmaker, settings, sender="t1", now=start + timedelta(seconds=61 + 119)) == {}
        assert deliver_due(sessionmaker, settings, sender="t1",
                           now=start + timedelta(seconds=61 + 121)) == {"delivered": 1}
        assert deliver_due(sessionmaker, settings, sender="t1", now=start + timedelta(days=1)) == {}

    assert [r["answered"] for r in receiver.requests] == [500, 500, 200]
    ids = {r["headers"]["X-Dabiwu-Delivery-Id"] for r in receiver.requests}
    assert len(ids) == 1  # one delivery, retried
    for request in receiver.requests:
        headers = request["headers"]
        assert headers["X-Dabiwu-Event"] == "registry.promoted" and headers["Content-Type"] == "application/json"
        assert headers["X-Dabiwu-Signature"].startswith("v1,")
        assert verify(secret=secret, delivery_id=headers["X-Dabiwu-Delivery-Id"],
                      timestamp=int(headers["X-Dabiwu-Timestamp"]), body=request["body"],
                      signature=headers["X-Dabiwu-Signature"])
        assert not verify(secret=secret + "x", delivery_id=headers["X-Dabiwu-Delivery-Id"],
                          timestamp=int(headers["X-Dabiwu-Timestamp"]), body=request["body"],
                          signature=headers["X-Dabiwu-Signature"])
    body = json.loads(receiver.requests[-1]["body"])
    assert body["event"] == "registry.promoted" and body["id"] in ids
    assert body["data"]["registered_model"] == SLUG and body["data"]["version"] == promoted["version"]
    assert body["data"]["model_sha256"] == promoted["model_sha256"] and body["title_zh"]

    log = registry_client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries", headers=admin)
    assert log.status_code == 200 and log.headers["X-Total-Count"] == "1"
    delivery = log.json()[0]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3 and delivery["last_status_code"] == 200
    assert [entry["status_code"] for entry in delivery["log"]] == [500, 500, 200]
    assert delivery["log"][0]["error"].startswith("HTTP 500")
    # Judges and districts see neither the webhooks nor their log.
    for role in ("judge", "district"):
        assert registry_client.get("/api/v1/admin/webhooks", headers=world.headers[role]).status_code == 403
