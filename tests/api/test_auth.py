from __future__ import annotations


def test_sign_in_gives_a_token_that_reads_challenges(client, make_user):
    make_user("carol", "team", team="Team C", password="s3cret-pass")
    assert client.get("/api/v1/challenges").status_code == 401
    answer = client.post("/api/v1/auth/token", data={"username": "carol", "password": "s3cret-pass"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["access_token"].startswith("dbw_")
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    assert client.get("/api/v1/challenges", headers=headers).status_code == 200
    me = client.get("/api/v1/auth/me", headers=headers).json()
    assert me["username"] == "carol" and me["role"] == "team" and me["team"]["name"] == "Team C"


def test_wrong_password_and_unknown_user_get_the_same_401(client, make_user):
    make_user("dave", "judge", password="right-password")
    wrong_password = client.post("/api/v1/auth/token", data={"username": "dave", "password": "wrong-password"})
    unknown_user = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "right-password"})
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.json()["detail"] == unknown_user.json()["detail"]
    assert "dave" not in wrong_password.text


def test_tokens_are_hashed_at_rest_and_revocation_is_immediate(client, settings, make_user):
    from sqlalchemy import select

    from dabiwu.db.models import ApiToken
    from dabiwu.db.session import session_scope

    _, headers = make_user("erin", "admin")
    created = client.post("/api/v1/auth/api-tokens", json={"name": "ci script"}, headers=headers)
    assert created.status_code == 201
    token = created.json()["token"]
    token_headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=token_headers).status_code == 200
    with session_scope(settings.resolved_database_url) as session:
        stored = [row.token_hash for row in session.scalars(select(ApiToken))]
    assert token not in stored and all(len(h) == 64 for h in stored)
    assert client.delete(f"/api/v1/auth/api-tokens/{created.json()['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=token_headers).status_code == 401


def test_expired_token_is_refused(client, settings, make_user):
    from datetime import timedelta

    from dabiwu.auth.service import issue_token
    from dabiwu.db.models import User
    from dabiwu.db.session import session_scope

    user_id, _ = make_user("frank", "judge")
    with session_scope(settings.resolved_database_url) as session:
        token, _ = issue_token(session, user=session.get(User, user_id), kind="api", name="short",
                               secret_key=settings.secret_key, lifetime=timedelta(seconds=-1))
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_sign_in_is_throttled_after_repeated_failures(client, settings, make_user):
    make_user("gina", "team", team="G")
    statuses = [
        client.post("/api/v1/auth/token", data={"username": "gina", "password": f"bad-{i}"}).status_code
        for i in range(settings.login_attempts_per_minute + 2)
    ]
    assert statuses[: settings.login_attempts_per_minute] == [401] * settings.login_attempts_per_minute
    assert statuses[-1] == 429
    throttled = client.post("/api/v1/auth/token", data={"username": "gina", "password": "correct-horse-battery"})
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers


def test_a_server_hashes_passwords_at_argon2ids_default_cost():
    """The suite lowers the cost in its own process (tests/conftest.py); a fresh process (a server) keeps the
    default, and a hash made at one cost verifies in a process at the other (the cost is written in the hash)."""
    import subprocess
    import sys

    from dabiwu.auth.passwords import verify_password

    code = "from dabiwu.auth.passwords import hash_password; print(hash_password('Spring2026!'))"
    made = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    stored = made.stdout.strip()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    assert verify_password(stored, "Spring2026!") and not verify_password(stored, "spring2026!")
