"""Issue #14, item 6: server-sent event streams are bounded per token and per process, and an open stream holds no
database connection while idle, so other requests are still answered. A real uvicorn server (in a thread) on the
test's app: the test client would buffer an endless stream."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack, contextmanager

import httpx

from tests.leaderboards.conftest import world  # noqa: F401  (the fixture)
from tests.reliability.live_server import free_port


@contextmanager
def serving(app):
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False,
                                          proxy_headers=False, loop="asyncio"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _open(stack: ExitStack, http: httpx.Client, url: str, headers: dict) -> tuple[httpx.Response, str]:
    """Open a stream and read its first event (the current state)."""
    response = stack.enter_context(http.stream("GET", url, headers=headers))
    if response.status_code != 200:
        response.read()
        return response, ""
    lines = response.iter_lines()
    first = ""
    for line in lines:
        if line.startswith("data:"):
            first = line
            break
    response.lines = lines  # keep reading where we stopped
    return response, first


def test_event_streams_are_bounded_and_cost_no_connection_while_idle(settings, world):  # noqa: F811
    from dabiwu.app import create_app
    from dabiwu.db.models import Submission
    from dabiwu.db.session import get_engine, session_scope

    app = create_app(settings.model_copy(update={"sse_max_streams_per_token": 3, "sse_max_streams_total": 5,
                                                 "sse_poll_seconds": 0.2}))
    queued = world.scored("A", 0.0, 0.0, status="queued")
    other = world.scored("B", 0.3, 0.3)
    url = f"/api/v1/submissions/{queued}/events"
    pool = get_engine(settings.resolved_database_url).pool
    with serving(app) as base, httpx.Client(base_url=base, timeout=60) as http, ExitStack() as stack:
        extra = [{"Authorization": "Bearer " + http.post("/api/v1/auth/api-tokens", json={"name": f"t{i}"},
                                                         headers=world.headers["A"]).json()["token"]}
                 for i in range(2)]
        streams = [_open(stack, http, url, world.headers["A"]) for _ in range(3)]
        assert all(r.status_code == 200 and '"status": "queued"' in first for r, first in streams)
        # One more with the same token: refused at once, with a sentence in both languages.
        refused = http.get(url, headers=world.headers["A"])
        assert refused.status_code == 429, refused.text
        body = refused.json()
        assert body["code"] == "too_many_streams" and body["scope"] == "token" and body["detail"] and body["detail_zh"]
        # Other tokens may open streams up to the server's total, then they are refused too.
        streams += [_open(stack, http, url, extra[0]) for _ in range(2)]
        assert all(r.status_code == 200 for r, _ in streams)
        server_full = http.get(url, headers=extra[1])
        assert server_full.status_code == 429 and server_full.json()["scope"] == "server"
        # Five idle streams hold no database connection, and everyone else is still answered.
        assert pool.checkedout() == 0
        assert http.get(f"/api/v1/submissions/{other}", headers=world.headers["B"]).status_code == 200
        assert http.get("/api/v1/challenges/toy/leaderboard", headers=world.headers["C"]).status_code == 200
        polls = app.state.event_watcher.polls
        # A change reaches every stream (one poll for all of them), and each stream then ends.
        with session_scope(settings.resolved_database_url) as session:
            row = session.get(Submission, queued)
            row.status, row.error, row.error_kind = "failed", "the model raised", "model"
        for response, _ in streams:
            rest = [line for line in response.lines if line.startswith("data:")]
            assert len(rest) == 1 and '"status": "failed"' in rest[0]
        assert app.state.event_watcher.polls > polls
        for _ in range(300):  # the slots come back as the responses finish
            if len(app.state.event_slots) == 0:
                break
            time.sleep(0.1)
        assert len(app.state.event_slots) == 0
        again = http.get(url, headers=world.headers["A"])  # terminal now: one event, then the stream ends
        assert again.status_code == 200 and '"status": "failed"' in again.text
