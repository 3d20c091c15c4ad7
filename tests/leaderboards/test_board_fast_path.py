"""The board's ASGI fast path answers exactly what the route answers from memory, and nothing else."""

from __future__ import annotations

import logging

import pytest

URL = "/api/v1/challenges/toy/leaderboard"
ROUTE_LABEL = "/challenges/{slug}/leaderboard"


class FastPathSpy:
    """Records whether the fast path answered each request it saw; `off = True` sends everything to the route."""

    def __init__(self, real) -> None:
        self.real, self.answers, self.off = real, [], False

    def __call__(self, scope, slug):
        answer = None if self.off else self.real(scope, slug)
        self.answers.append(answer is not None)
        return answer


@pytest.fixture
def fast(app, monkeypatch):
    """Boards and tokens kept in memory (as in production), and a record of what the fast path answered."""
    import dabiwu.leaderboards.fast_path as fast_path

    app.state.settings = app.state.settings.model_copy(update={"board_cache_seconds": 3600.0})
    spy = FastPathSpy(fast_path._from_memory)
    monkeypatch.setattr(fast_path, "_from_memory", spy)
    return spy


def _comparable(answer):
    headers = [(k, v) for k, v in answer.headers.raw if k.lower() != b"x-request-id"]
    return answer.status_code, headers, answer.content


def _same_answers_both_ways(client, world, fast, cases) -> None:
    for params, who in cases:
        first = client.get(URL, params=params, headers=world.headers[who])  # the route: fills the caches
        assert first.status_code == 200, first.text
    fast.answers.clear()
    from_memory = [_comparable(client.get(URL, params=params, headers=world.headers[who])) for params, who in cases]
    assert fast.answers == [True] * len(cases)
    fast.off = True
    from_route = [_comparable(client.get(URL, params=params, headers=world.headers[who])) for params, who in cases]
    fast.off = False
    assert from_memory == from_route
    assert all(dict(h)[b"x-total-count"] == b"3" for _, h, _ in from_memory)


def test_the_fast_path_answers_the_same_bytes_and_headers_as_the_route(client, world, fast):
    for name, score in (("A", 0.9), ("B", 0.8), ("C", 0.7)):
        world.scored(name, score, 1 - score)
    _same_answers_both_ways(client, world, fast, [
        ({}, "A"), ({"page_size": 1}, "A"), ({"page": 2, "page_size": 2}, "B"),
        ({"split": "private", "page_size": 100}, "judge"), ({"split": "public", "page": 1}, "admin"),
    ])


def test_a_finalized_board_from_the_fast_path_is_the_routes_too(client, world, app, monkeypatch):
    import dabiwu.leaderboards.fast_path as fast_path

    for name, score in (("A", 0.9), ("B", 0.8), ("C", 0.7)):
        world.scored(name, score, 1 - score)
    assert client.post("/api/v1/challenges/toy/finalize", headers=world.headers["admin"]).status_code == 200
    app.state.settings = app.state.settings.model_copy(update={"board_cache_seconds": 3600.0})
    spy = FastPathSpy(fast_path._from_memory)
    monkeypatch.setattr(fast_path, "_from_memory", spy)
    # After finalize the private board is everyone's.
    _same_answers_both_ways(client, world, spy, [({"split": "private", "page_size": 2}, "A"), ({}, "B")])


def test_the_fast_path_keeps_the_log_line_request_id_and_metrics_label(client, world, fast, app, caplog):
    world.scored("A", 0.5, 0.5)
    assert client.get(URL, headers=world.headers["A"]).status_code == 200
    counter = app.state.metrics.requests.labels("GET", ROUTE_LABEL, "200")
    before = counter._value.get()
    fast.answers.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dabiwu.http"):
        answer = client.get(URL, headers={**world.headers["A"], "X-Request-ID": "req-fast-1"})
    assert fast.answers == [True] and answer.status_code == 200
    assert answer.headers["X-Request-ID"] == "req-fast-1"
    lines = [r for r in caplog.records if r.name == "dabiwu.http"]
    assert [(r.method, r.path, r.status) for r in lines] == [("GET", URL, 200)]
    assert counter._value.get() == before + 1


def test_everything_off_the_hot_path_falls_through_to_the_route(client, world, fast, make_user):
    world.scored("A", 0.5, 0.5)
    team, judge = world.headers["A"], world.headers["judge"]
    assert client.get(URL, headers=team).status_code == 200  # fills the caches for the public board
    assert client.get(URL, params={"split": "private"}, headers=judge).status_code == 200
    fresh_token = make_user("newcomer", "team", team="C")[1]
    cases = [
        ({}, {}, 401, "Sign in first"),                                                # no token
        ({}, {"Authorization": "Bearer dbw_not-a-token"}, 401, "invalid"),              # unknown token
        ({}, {"Authorization": "Basic abc"}, 401, "Sign in first"),                     # not a bearer token
        ({"split": "private"}, team, 403, "private leaderboard"),                      # not this caller's to see
        ({"page": 0}, team, 422, "page must be 1 or more"),                            # the route's sentences
        ({"page_size": 5000}, team, 422, "page_size must be between 1 and 2000"),
        ({"page": 2}, team, 422, "page 2 needs a page_size"),
        ({"split": "secret"}, team, 422, None),
    ]
    for params, headers, status, words in cases:
        fast.answers.clear()
        answer = client.get(URL, params=params, headers=headers)
        assert answer.status_code == status, (params, answer.text)
        assert fast.answers in ([], [False]), params
        if words:
            assert words in str(answer.json()["detail"]), answer.text
    missing = client.get("/api/v1/challenges/nope/leaderboard", headers=team)
    assert missing.status_code == 404 and "No challenge 'nope'" in missing.json()["detail"]

    for params, headers in (({"page_size": 7}, team),    # a page not in memory yet: the route builds it
                            ({}, fresh_token)):            # a token not checked yet: the route checks it
        fast.answers.clear()
        assert client.get(URL, params=params, headers=headers).status_code == 200
        assert fast.answers == [False]
        fast.answers.clear()
        assert client.get(URL, params=params, headers=headers).status_code == 200
        assert fast.answers == [True]  # now in memory
    fast.answers.clear()
    assert client.get(URL, params=[("page_size", "1"), ("page_size", "2")], headers=team).status_code == 200
    assert client.head(URL, headers=team).status_code in (200, 405)
    assert client.get(URL + "/", headers=team, follow_redirects=False).status_code in (307, 404)
    assert fast.answers == [False]  # the repeated parameter; HEAD and the other path never reach it


@pytest.mark.parametrize(("query", "parsed"), [
    (b"", ("public", 1, None)),
    (b"page_size=100", ("public", 1, 100)),
    (b"split=private&page=3&page_size=20", ("private", 3, 20)),
    (b"page=01&page_size=2000", ("public", 1, 2000)),
    (b"page=2", None), (b"page=0&page_size=1", None), (b"page_size=2001", None), (b"page_size=", None),
    (b"page_size=%31", None), (b"page_size=1&page_size=2", None), (b"split=PUBLIC", None), (b"other=1", None),
    (b"page_size=1&", None), (b"page=-1&page_size=1", None), (b"page=+1&page_size=1", None),
])
def test_only_plain_valid_queries_take_the_fast_path(query, parsed):
    from dabiwu.leaderboards.fast_path import _board_query

    assert _board_query(query) == parsed


def test_a_revoked_token_is_refused_by_the_route_not_served_from_memory(client, world, fast):
    world.scored("A", 0.5, 0.5)
    created = client.post("/api/v1/auth/api-tokens", json={"name": "laptop"}, headers=world.headers["A"])
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    for _ in range(2):
        assert client.get(URL, headers=headers).status_code == 200
    assert fast.answers[-1] is True
    assert client.delete(f"/api/v1/auth/api-tokens/{created.json()['id']}", headers=world.headers["A"]).status_code == 204
    fast.answers.clear()
    refused = client.get(URL, headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert fast.answers == [False]
