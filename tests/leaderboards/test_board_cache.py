"""The board's hot path trusts a recently checked token and board from memory; both are bounded."""

from __future__ import annotations

URL = "/api/v1/challenges/toy/leaderboard"


def test_a_revoked_token_is_refused_at_once_by_the_process_that_revoked_it(client, world, settings):
    assert settings.token_cache_seconds > 0  # the default: tokens are cached
    world.scored("A", 0.5, 0.5)
    created = client.post("/api/v1/auth/api-tokens", json={"name": "laptop"}, headers=world.headers["A"])
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get(URL, headers=headers).status_code == 200  # now in the token cache
    revoked = client.delete(f"/api/v1/auth/api-tokens/{created.json()['id']}", headers=world.headers["A"])
    assert revoked.status_code == 204
    refused = client.get(URL, headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]


def test_a_token_revoked_elsewhere_is_trusted_only_within_the_cache_window(world, settings):
    """Another process revoking a token (here: the database directly) is seen once the entry is older
    than DABIWU_TOKEN_CACHE_SECONDS; with a window of 0 at once."""
    from sqlalchemy import update

    from dabiwu.auth.service import cached_principal, load_principal
    from dabiwu.db.base import utcnow
    from dabiwu.db.models import ApiToken

    token = world.headers["B"]["Authorization"].removeprefix("Bearer ")
    key = settings.secret_key
    with world.session() as session:
        principal = load_principal(session, token=token, secret_key=key)
    assert principal is not None and principal.role == "team" and principal.team_id == world.teams["B"]
    assert cached_principal(token=token, secret_key=key, max_age_s=3600)[1] == principal
    with world.session() as session:
        session.execute(update(ApiToken).values(revoked_at=utcnow()))
    assert cached_principal(token=token, secret_key=key, max_age_s=3600)[1] == principal  # within the window
    assert cached_principal(token=token, secret_key=key, max_age_s=0)[1] is None  # the window is over: ask the db
    with world.session() as session:
        assert load_principal(session, token=token, secret_key=key) is None


def test_private_board_refusal_and_missing_challenge_on_the_cached_path(client, world, app):
    world.scored("A", 0.5, 0.5)
    app.state.settings = app.state.settings.model_copy(update={"board_cache_seconds": 3600.0})
    for _ in range(2):  # the second round is answered from the caches
        assert client.get(URL, headers=world.headers["A"]).json()[0]["team"] == "A"
        refused = client.get(URL, params={"split": "private"}, headers=world.headers["A"])
        assert refused.status_code == 403 and "private leaderboard" in refused.json()["detail"]
        assert client.get(URL, params={"split": "private"}, headers=world.headers["judge"]).status_code == 200
        missing = client.get("/api/v1/challenges/nope/leaderboard", headers=world.headers["A"])
        assert missing.status_code == 404 and "No challenge 'nope'" in missing.json()["detail"]
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers={"Authorization": "Bearer dbw_not-a-token"}).status_code == 401


def test_a_board_due_for_a_check_is_answered_at_once_and_checked_in_the_background(client, world, app):
    """Stale-while-revalidate: the first request after the window gets the board it had, without waiting; one
    check runs meanwhile, and the new score shows as soon as it is done."""
    import time

    world.scored("A", 0.5, 0.5)
    window = 0.5
    app.state.settings = app.state.settings.model_copy(update={"board_cache_seconds": window})
    headers = world.headers["judge"]
    assert [r["team"] for r in client.get(URL, headers=headers).json()] == ["A"]
    assert [r["team"] for r in client.get(URL, headers=headers).json()] == ["A"]  # in memory now
    world.scored("B", 0.9, 0.9)
    time.sleep(window * 1.5)
    assert [r["team"] for r in client.get(URL, headers=headers).json()] == ["A"]  # due: answered from memory
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        teams = [r["team"] for r in client.get(URL, headers=headers).json()]
        if teams == ["B", "A"]:
            break
        time.sleep(0.05)
    assert teams == ["B", "A"]


def test_requests_that_find_the_token_due_for_a_check_share_one_check(world, app, monkeypatch):
    import asyncio
    import threading

    import httpx

    import dabiwu.deps as deps

    world.scored("A", 0.5, 0.5)
    checks = []
    real_load = deps._load_principal

    def counted(request, token):  # a spy: the real check runs, and is counted
        checks.append(token)
        return real_load(request, token)

    monkeypatch.setattr(deps, "_load_principal", counted)
    app.state.settings = app.state.settings.model_copy(update={"token_cache_seconds": 3600.0})

    async def twenty_at_once() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            answers = await asyncio.gather(*(http.get(URL, headers=world.headers["B"]) for _ in range(20)))
        return [a.status_code for a in answers]

    answers = []  # on a thread of its own: another test (Playwright's sync API) may hold this thread's event loop
    runner = threading.Thread(target=lambda: answers.append(asyncio.run(twenty_at_once())))
    runner.start()
    runner.join(timeout=120)
    assert answers == [[200] * 20]
    assert len(checks) == 1
