"""Tokens beyond tests/api/test_auth.py, which already covers: hashed at rest
(test_tokens_are_hashed_at_rest_and_revocation_is_immediate), expiry (test_expired_token_is_refused),
the same 401 for a wrong user or password, and 429 after N failed sign-ins for one username
(test_sign_in_is_throttled_after_repeated_failures).

Here: password spraying across usernames from one address, revocation and deactivation reaching the
registry guard too, the digest being keyed by the secret, and tokens accepted only in the header.
"""

from __future__ import annotations

import hashlib


def test_password_spraying_across_usernames_is_throttled_per_address(client, settings, make_user):
    make_user("victim", "judge", password="the-right-one")
    statuses = [
        client.post("/api/v1/auth/token", data={"username": f"user{i}", "password": "Spring2026!"}).status_code
        for i in range(settings.login_attempts_per_minute + 1)
    ]
    assert statuses[:-1] == [401] * settings.login_attempts_per_minute and statuses[-1] == 429
    # Even the right password of a user never tried before waits now: the address is throttled.
    blocked = client.post("/api/v1/auth/token", data={"username": "victim", "password": "the-right-one"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Wait" in blocked.json()["detail"]


def test_revoked_and_deactivated_tokens_stop_at_once_everywhere(client, settings, make_user):
    from dabiwu.db.models import User
    from dabiwu.db.session import session_scope

    _, district = make_user("xiangzhou1", "district", district="xiangzhou")
    created = client.post("/api/v1/auth/api-tokens", json={"name": "mlflow client"}, headers=district).json()
    token = {"Authorization": f"Bearer {created['token']}"}
    registry = "/mlflow/api/2.0/mlflow/registered-models/search"
    local = {"host": "127.0.0.1"}  # the registry guard answers only allowed hosts (not "testserver")
    assert client.get("/api/v1/registry/models", headers=token).status_code == 200
    assert client.delete(f"/api/v1/auth/api-tokens/{created['id']}", headers=district).status_code == 204
    assert client.get("/api/v1/registry/models", headers=token).status_code == 401
    guard = client.get(registry, headers={**token, **local})
    assert guard.status_code == 401 and guard.json()["error_code"] == "UNAUTHENTICATED"

    user_id, judge = make_user("leaving-judge", "judge")
    assert client.get("/api/v1/auth/me", headers=judge).status_code == 200
    with session_scope(settings.resolved_database_url) as session:
        session.get(User, user_id).is_active = False
    assert client.get("/api/v1/auth/me", headers=judge).status_code == 401
    assert client.get(registry, headers={**judge, **local}).status_code == 401
    signed_in = client.post("/api/v1/auth/token", data={"username": "leaving-judge", "password": "correct-horse-battery"})
    assert signed_in.status_code == 401


def test_digest_is_keyed_and_tokens_travel_only_in_the_header(client, settings, make_user):
    from sqlalchemy import select

    from dabiwu.db.models import ApiToken
    from dabiwu.db.session import session_scope

    make_user("hana", "team", team="H", password="hana-password")
    issued = client.post("/api/v1/auth/token", data={"username": "hana", "password": "hana-password"}).json()
    token = issued["access_token"]
    assert len(token) >= 40 and issued["expires_at"]
    with session_scope(settings.resolved_database_url) as session:
        stored = set(session.scalars(select(ApiToken.token_hash)))
    # An HMAC under DABIWU_SECRET_KEY: a stolen database alone cannot be checked against guesses.
    assert hashlib.sha256(token.encode()).hexdigest() not in stored
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(f"/api/v1/auth/me?access_token={token}").status_code == 401
    assert client.get(f"/api/v1/auth/me?token={token}").status_code == 401
    client.cookies.set("access_token", token)
    try:
        assert client.get("/api/v1/auth/me").status_code == 401
    finally:
        client.cookies.clear()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Basic {token}"}).status_code == 401
