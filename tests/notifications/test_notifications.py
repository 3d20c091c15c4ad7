"""Notifications for submissions and challenges, the webhook dispatcher in the server, URL rules (SSRF), and
check-then-write in one statement (mark read, claim a delivery) under requests at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from tests.notifications.receiver import Receiver
from tests.pipeline import SLUG, upload, work_one

PARALLEL = 8


def _events(client, headers) -> list[str]:
    answer = client.get("/api/v1/notifications", headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(n["event"] for n in answer.json())


def _emit(settings, *, event: str = "challenge.finalized", recipients=(), title: str = "t") -> None:
    from dabiwu.db.session import session_scope
    from dabiwu.notifications.service import emit

    with session_scope(settings.resolved_database_url) as session:
        emit(session, event=event, title=title, title_zh=f"{title}（中文）", payload={"n": 1}, recipients=recipients)


def test_a_team_is_told_when_its_submission_is_scored_or_fails_and_everyone_when_the_challenge_is_finalized(
        client, settings, role_headers, make_user, loaded, baseline_archive):
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.jobs.lifecycle import claim_next, finish_model_failure

    teammate = make_user("alice2", "team", team="Team A")[1]
    scored = upload(client, role_headers["team"], baseline_archive)
    assert scored.status_code == 202, scored.text
    assert work_one(settings) == "scored"  # the real worker path: sandbox, scorer, terminal state
    for headers in (role_headers["team"], teammate):
        assert _events(client, headers) == ["submission.scored"]
    note = client.get("/api/v1/notifications", headers=teammate).json()[0]
    assert note["payload"]["submission_id"] == scored.json()["id"] and note["link"].endswith("/show")
    assert "已完成评分" in note["title_zh"]

    failing = upload(client, role_headers["team"], baseline_archive)
    with get_sessionmaker(settings.resolved_database_url)() as session:
        claim = claim_next(session, worker_id="w", lease_seconds=60)
        assert claim.submission_id == failing.json()["id"]
        assert finish_model_failure(session, claim=claim, kind="crash", message="The model crashed: ValueError.",
                                    message_zh="模型运行出错：ValueError。", log_tail="")
    assert _events(client, teammate) == ["submission.failed", "submission.scored"]
    failed = next(n for n in client.get("/api/v1/notifications", headers=teammate).json()
                  if n["event"] == "submission.failed")
    assert "ValueError" in failed["title"] and "模型运行出错" in failed["title_zh"]
    assert _events(client, role_headers["team_b"]) == []  # another team hears nothing of it

    finalized = client.post(f"/api/v1/challenges/{SLUG}/finalize", headers=role_headers["admin"])
    assert finalized.status_code == 200, finalized.text
    assert "challenge.finalized" in _events(client, teammate)
    assert _events(client, role_headers["judge"]) == ["challenge.finalized"]
    assert _events(client, role_headers["team_b"]) == []  # Team B never submitted to it
    assert _events(client, role_headers["district"]) == []


def test_marking_read_at_once_changes_a_notification_once(client, settings, make_user):
    user_id, headers = make_user("reader", "district", district="zaoyang")
    _emit(settings, recipients=[user_id])
    note = client.get("/api/v1/notifications", headers=headers).json()[0]
    barrier = threading.Barrier(PARALLEL)

    def read(_: int) -> dict:
        barrier.wait()
        answer = client.post(f"/api/v1/notifications/{note['id']}/read", headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(read, range(PARALLEL)))
    assert sorted(a["changed"] for a in answers) == [0] * (PARALLEL - 1) + [1]
    assert all(a["unread"] == 0 for a in answers)


def test_two_senders_never_both_claim_a_delivery(settings, make_user):
    from sqlalchemy import select

    from dabiwu.db.models import Webhook, WebhookDelivery
    from dabiwu.db.session import get_sessionmaker, session_scope
    from dabiwu.notifications.dispatcher import claim

    with session_scope(settings.resolved_database_url) as session:
        session.add(Webhook(id="h" * 32, name="x", url="http://127.0.0.1:9/hook", events=["challenge.finalized"],
                            secret_salt="s", secret_prefix="whsec_"))
    _emit(settings)
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with sessionmaker() as session:
        delivery_id = session.scalar(select(WebhookDelivery.id))
    barrier = threading.Barrier(PARALLEL)

    def take(n: int):
        with sessionmaker() as session:
            barrier.wait()
            return claim(session, delivery_id=delivery_id, sender=f"sender-{n}", lease_seconds=60)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        claims = [c for c in pool.map(take, range(PARALLEL)) if c is not None]
    assert len(claims) == 1 and claims[0].attempt == 1
    with sessionmaker() as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert (row.status, row.attempts, row.claimed_by) == ("sending", 1, claims[0].sender)


def test_webhook_urls_outside_the_allow_list_are_refused(client, role_headers, settings):
    admin = role_headers["admin"]
    for url in ("http://10.0.0.5/hook", "http://169.254.169.254/latest/meta-data", "http://metadata.internal/",
                "ftp://127.0.0.1/x", "http://user:pw@127.0.0.1/x", "http://127.0.0.1:notaport/", "file:///etc/passwd"):
        answer = client.post("/api/v1/admin/webhooks", headers=admin,
                             json={"name": "x", "url": url, "events": ["submission.scored"]})
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["code"] == "webhook_url_refused" and "Webhook" in answer.json()["detail_zh"]
    unknown_event = client.post("/api/v1/admin/webhooks", headers=admin,
                                json={"name": "x", "url": "http://127.0.0.1/x", "events": ["everything"]})
    assert unknown_event.status_code == 422
    made = client.post("/api/v1/admin/webhooks", headers=admin,
                       json={"name": "x", "url": "http://localhost:8/x", "events": ["submission.scored"]})
    assert made.status_code == 201
    moved = client.patch(f"/api/v1/admin/webhooks/{made.json()['id']}", headers=admin, json={"url": "http://10.1.1.1/"})
    assert moved.status_code == 422 and moved.json()["code"] == "webhook_url_refused"
    judge = client.post("/api/v1/admin/webhooks", headers=role_headers["judge"],
                        json={"name": "x", "url": "http://127.0.0.1/x", "events": ["submission.scored"]})
    assert judge.status_code == 403


def test_a_delivery_to_a_host_taken_off_the_allow_list_is_not_sent(client, role_headers, settings):
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.notifications.dispatcher import deliver_due

    with Receiver() as receiver:
        made = client.post("/api/v1/admin/webhooks", headers=role_headers["admin"],
                           json={"name": "x", "url": receiver.url, "events": ["challenge.finalized"]})
        assert made.status_code == 201
        _emit(settings)
        narrowed = settings.model_copy(update={"webhook_allowed_hosts": "hooks.example.org"})
        assert deliver_due(get_sessionmaker(settings.resolved_database_url), narrowed, sender="s") == {"pending": 1}
    assert receiver.requests == []
    log = client.get(f"/api/v1/admin/webhooks/{made.json()['id']}/deliveries", headers=role_headers["admin"]).json()
    assert "DABIWU_WEBHOOK_ALLOWED_HOSTS" in log[0]["log"][0]["error"]


def test_the_server_sends_webhooks_in_the_background_and_rotating_the_secret_changes_the_signature(
        settings, role_headers):
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app
    from dabiwu.notifications.signing import verify

    fast = settings.model_copy(update={"webhook_retry_base_seconds": 0.0, "webhook_poll_seconds": 0.05})
    with Receiver(fail_first=1) as receiver, TestClient(create_app(fast, deliver_webhooks=True)) as client:
        admin = role_headers["admin"]
        made = client.post("/api/v1/admin/webhooks", headers=admin,
                           json={"name": "x", "url": receiver.url, "events": ["challenge.finalized"]}).json()
        rotated = client.post(f"/api/v1/admin/webhooks/{made['id']}/rotate-secret", headers=admin).json()
        assert rotated["secret"] != made["secret"]
        _emit(fast)
        assert receiver.got_success.wait(60), receiver.requests
    last = receiver.requests[-1]
    assert [r["answered"] for r in receiver.requests] == [500, 200]
    args = dict(delivery_id=last["headers"]["X-Dabiwu-Delivery-Id"], timestamp=int(last["headers"]["X-Dabiwu-Timestamp"]),
                body=last["body"], signature=last["headers"]["X-Dabiwu-Signature"])
    assert verify(secret=rotated["secret"], **args) and not verify(secret=made["secret"], **args)


def test_a_ping_is_a_signed_test_delivery_and_a_failed_delivery_is_sent_again_once_however_many_ask(
        client, role_headers, settings):
    """POST /admin/webhooks/{id}/ping queues a `ping` in the log; the list shows each webhook's newest delivery;
    of several retries of one failed delivery at once, one queues it again and the others get a 409."""
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.notifications.dispatcher import deliver_due
    from dabiwu.notifications.signing import verify

    admin = role_headers["admin"]
    once = settings.model_copy(update={"webhook_max_attempts": 1})
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with Receiver(fail_first=1) as receiver:
        made = client.post("/api/v1/admin/webhooks", headers=admin,
                           json={"name": "省院", "url": receiver.url, "events": ["submission.scored"], "active": False})
        assert made.status_code == 201, made.text
        hook = made.json()
        assert client.get("/api/v1/admin/webhooks", headers=admin).json()[0]["last_delivery"] is None

        pinged = client.post(f"/api/v1/admin/webhooks/{hook['id']}/ping", headers=admin)
        assert pinged.status_code == 202, pinged.text
        assert (pinged.json()["event"], pinged.json()["status"], pinged.json()["log"]) == ("ping", "pending", [])
        assert deliver_due(sessionmaker, once, sender="s") == {"failed": 1}  # an inactive webhook can be pinged
        last = client.get(f"/api/v1/admin/webhooks/{hook['id']}", headers=admin).json()["last_delivery"]
        assert (last["id"], last["status"], last["last_status_code"]) == (pinged.json()["id"], "failed", 500)
        failed = client.get(f"/api/v1/admin/webhooks/{hook['id']}/deliveries", headers=admin,
                            params={"status": "failed"}).json()
        assert [d["id"] for d in failed] == [pinged.json()["id"]]
        assert failed[0]["log"][0]["attempt"] == 1 and failed[0]["log"][0]["status_code"] == 500

        url = f"/api/v1/admin/webhooks/{hook['id']}/deliveries/{pinged.json()['id']}/retry"
        barrier = threading.Barrier(PARALLEL)

        def retry(_: int) -> int:
            barrier.wait()
            return client.post(url, headers=admin).status_code

        with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
            assert sorted(pool.map(retry, range(PARALLEL))) == [200] + [409] * (PARALLEL - 1)
        assert deliver_due(sessionmaker, once, sender="s") == {"delivered": 1}
        again = client.post(url, headers=admin)
        assert again.status_code == 409 and again.json()["code"] == "delivery_not_retryable"
        listed = client.get("/api/v1/admin/webhooks", headers=admin).json()[0]["last_delivery"]
        assert (listed["status"], listed["last_status_code"], listed["event"]) == ("delivered", 200, "ping")

    sent = receiver.requests[-1]
    body = json.loads(sent["body"])
    assert sent["headers"]["X-Dabiwu-Event"] == "ping" and body["event"] == "ping"
    assert body["data"] == {"webhook_id": hook["id"], "name": "省院", "events": ["submission.scored"], "active": False}
    assert "测试投递" in body["title_zh"] and "Test delivery" in body["title"]
    assert verify(secret=hook["secret"], delivery_id=body["id"], timestamp=int(sent["headers"]["X-Dabiwu-Timestamp"]),
                  body=sent["body"], signature=sent["headers"]["X-Dabiwu-Signature"])
    missing = client.post(f"/api/v1/admin/webhooks/{'0' * 32}/ping", headers=admin)
    assert missing.status_code == 404 and missing.json()["code"] == "webhook_not_found"
    assert client.post(f"/api/v1/admin/webhooks/{hook['id']}/ping", headers=role_headers["judge"]).status_code == 403
