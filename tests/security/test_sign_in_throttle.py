"""Issue #14, items 2 and 15: the sign-in throttle's memory is bounded, and it cannot be dodged or turned on a user.

- A username longer than any user's is refused by the form's schema (422) and leaves no trace in the throttle; asking
  while locked out stores nothing; the table never holds more than DABIWU_LOGIN_THROTTLE_MAX_ENTRIES keys.
- X-Forwarded-For is believed only from DABIWU_TRUSTED_PROXIES (default: nobody), on a real `dabiwu serve`.
- Failures lock (user, address) and the address, with a lock that doubles each time; a wrong-password flood from one
  address does not lock the real user out from another address.
"""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

TOKEN = "/api/v1/auth/token"


def _app(settings, **overrides):
    from dabiwu.app import create_app

    return create_app(settings.model_copy(update=overrides))


def test_oversized_usernames_are_refused_before_any_state_and_the_table_stays_bounded(settings, make_user):
    app = _app(settings, login_throttle_max_entries=40, trusted_proxies="testclient")
    throttle = app.state.login_throttle
    with TestClient(app) as client:
        huge = client.post(TOKEN, data={"username": "u" * 1_000_000, "password": "whatever-it-is"})
        assert huge.status_code == 422, huge.text[:300]
        assert len(throttle) == 0
        # One address fails until it is locked, then keeps asking about new usernames: nothing more is stored.
        me = {"X-Forwarded-For": "198.51.100.7"}
        statuses = [client.post(TOKEN, data={"username": f"guess{i}", "password": "Spring2026!"}, headers=me).status_code
                    for i in range(settings.login_attempts_per_minute + 30)]
        assert statuses.count(401) == settings.login_attempts_per_minute and statuses[-1] == 429
        assert len(throttle) == settings.login_attempts_per_minute + 1  # the address + one key per failed username
        # Many addresses, each failing once: the table keeps the most recent 40 keys.
        for i in range(120):
            answer = client.post(TOKEN, data={"username": f"name{i}", "password": "Spring2026!"},
                                 headers={"X-Forwarded-For": f"203.0.113.{i}"})
            assert answer.status_code == 401
        assert len(throttle) == 40


def test_a_lock_backs_off_and_is_forgotten_after_it_has_been_quiet():
    from dabiwu.auth.ratelimit import LoginThrottle

    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, window_seconds=60, max_lock_seconds=600, clock=lambda: now[0])
    locks = []
    for _ in range(5):
        for _ in range(3):
            throttle.fail("k")
        locks.append(throttle.retry_after("k"))
        now[0] += locks[-1]  # wait it out exactly
        assert throttle.retry_after("k") is None
    assert locks == [61, 121, 241, 481, 601]  # doubles, capped at max_lock_seconds
    now[0] += 601  # quiet for longer than the longest lock: expired, and the back-off starts again
    throttle.fail("other")
    assert len(throttle) == 1
    for _ in range(3):
        throttle.fail("k")
    assert throttle.retry_after("k") == 61


@pytest.mark.slow
def test_forwarded_for_is_ignored_by_default_and_a_flood_does_not_lock_the_user_out_elsewhere(settings, make_user):
    from tests.reliability.live_server import live_server

    make_user("chair", "judge", password="the-right-one")
    attempts = settings.login_attempts_per_minute

    def sign_in(base, username, password, *, source="127.0.0.1", forwarded=None):
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30) as http:
            return http.post(base + TOKEN, data={"username": username, "password": password}, headers=headers)

    with live_server(settings) as (base, _):
        # A forged header per request does not make one address many: the (loopback) peer is throttled.
        statuses = [sign_in(base, f"spray{i}", "Spring2026!", forwarded=f"192.0.2.{i}").status_code
                    for i in range(attempts + 1)]
        assert statuses == [401] * attempts + [429], statuses
        locked = sign_in(base, "chair", "the-right-one", forwarded="192.0.2.200")
        assert locked.status_code == 429 and locked.json()["code"] == "too_many_sign_ins"
        assert locked.json()["detail_zh"] and int(locked.headers["Retry-After"]) > 0
        # A wrong-password flood against the head judge from one address ...
        flood = [sign_in(base, "chair", f"guess-{i}", source="127.0.0.3").status_code for i in range(attempts + 2)]
        assert flood[-1] == 429
        # ... does not lock the head judge out from another address.
        real = sign_in(base, "chair", "the-right-one", source="127.0.0.2")
        assert real.status_code == 200, real.text


def test_forwarded_for_is_believed_from_a_configured_proxy_only(settings, make_user):
    app = _app(settings, trusted_proxies="10.0.0.0/8")
    attempts = settings.login_attempts_per_minute
    proxy = TestClient(app, client=("10.1.2.3", 40000))
    stranger = TestClient(app, client=("198.51.100.9", 40000))
    for i in range(attempts):
        assert proxy.post(TOKEN, data={"username": f"x{i}", "password": "wrong-pass"},
                          headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 401
    # The proxy said 192.0.2.1 each time: that client is locked, another client behind the same proxy is not.
    assert proxy.post(TOKEN, data={"username": "y", "password": "wrong-pass"},
                      headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
    assert proxy.post(TOKEN, data={"username": "y", "password": "wrong-pass"},
                      headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 401
    # Someone who is not a trusted proxy cannot claim to be 192.0.2.2 to dodge their own lock.
    for i in range(attempts):
        stranger.post(TOKEN, data={"username": f"z{i}", "password": "wrong-pass"},
                      headers={"X-Forwarded-For": f"192.0.2.{50 + i}"})
    assert stranger.post(TOKEN, data={"username": "z", "password": "wrong-pass"},
                         headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429
