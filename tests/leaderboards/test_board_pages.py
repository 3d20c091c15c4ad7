"""The board is paginated like every list: a JSON array, X-Total-Count, page/page_size; ranks stay global."""

from __future__ import annotations

URL = "/api/v1/challenges/toy/leaderboard"


def add_teams(world, names):
    from dabiwu.db.models import Team

    with world.session() as session:
        for name in names:
            team = Team(name=name, join_code=f"jc-{name}")
            session.add(team)
            session.flush()
            world.teams[name] = team.id


def get_page(client, world, **params):
    answer = client.get(URL, params=params, headers=world.headers["judge"])
    assert answer.status_code == 200, answer.text
    return answer.json(), int(answer.headers["X-Total-Count"])


def test_pages_keep_global_ranks_and_the_total(client, world):
    add_teams(world, [f"T{i:03d}" for i in range(102)])
    for i, name in enumerate(world.teams):
        world.scored(name, 0.001 * (i + 1), 0.5)  # the last team added scores best
    n_teams = len(world.teams)  # A, B, C and the 102 above

    first, total = get_page(client, world, page_size=100)  # what the web UI and the CLI ask for
    assert total == n_teams and len(first) == 100
    assert [r["rank"] for r in first] == list(range(1, 101))
    second, total = get_page(client, world, page=2, page_size=100)
    assert total == n_teams and [r["rank"] for r in second] == list(range(101, n_teams + 1))
    assert {r["team"] for r in first}.isdisjoint(r["team"] for r in second)
    assert get_page(client, world, page=3, page_size=100) == ([], n_teams)  # past the end: empty, same total

    whole, total = get_page(client, world)  # no page_size: the whole board, as CONTRACT.md promises
    assert total == n_teams and len(whole) == n_teams
    assert get_page(client, world, page_size=2000)[0] == whole
    small = [row for page in (1, 2, 3, 4, 5, 6) for row in get_page(client, world, page=page, page_size=20)[0]]
    assert small == whole == first + second
    assert whole[0]["team"] == "T101" and [r["score"] for r in whole] == sorted((r["score"] for r in whole), reverse=True)

    csv_text = client.get(f"{URL}.csv", headers=world.headers["judge"]).text
    assert len(csv_text.strip().splitlines()) == n_teams + 1  # the export stays the whole board


def test_bad_page_parameters_are_refused_with_a_sentence(client, world):
    world.scored("A", 0.5, 0.5)
    for params, words in (({"page": 0}, "page must be 1 or more"), ({"page": -3}, "page must be 1 or more"),
                          ({"page_size": 0}, "page_size must be between 1 and 2000"),
                          ({"page_size": 2001}, "page_size must be between 1 and 2000"),
                          ({"page": 2}, "page 2 needs a page_size")):
        answer = client.get(URL, params=params, headers=world.headers["A"])
        assert answer.status_code == 422, (params, answer.text)
        assert words in answer.json()["detail"]
    not_a_number = client.get(URL, params={"page": "two"}, headers=world.headers["A"])
    assert not_a_number.status_code == 422 and "page" in not_a_number.json()["message"]


def test_a_new_score_replaces_the_cached_pages(client, world):
    world.scored("A", 0.5, 0.5)
    world.scored("B", 0.4, 0.4)
    before, total = get_page(client, world, page_size=1)
    assert get_page(client, world, page_size=1) == (before, total)  # served from the page cache
    assert (before[0]["team"], total) == ("A", 2)
    world.scored("C", 0.9, 0.9)
    after, total = get_page(client, world, page_size=1)
    assert (after[0]["team"], total) == ("C", 3)
    second, _ = get_page(client, world, page=2, page_size=1)
    assert (second[0]["team"], second[0]["rank"]) == ("A", 2)


def test_the_cache_window_serves_the_checked_board_and_a_new_check_sees_the_score(world):
    """Within DABIWU_BOARD_CACHE_SECONDS the board is not re-checked; the next check sees the new score."""
    import json

    from dabiwu.db.models import Challenge
    from dabiwu.leaderboards.service import board_page

    world.scored("A", 0.5, 0.5)

    def top(max_age_s):
        with world.session() as session:
            challenge = session.get(Challenge, world.challenge_id)
            body, total = board_page(session, challenge=challenge, split="public", page=1, page_size=100,
                                     max_age_s=max_age_s)
        return [r["team"] for r in json.loads(body)], total

    assert top(0) == (["A"], 1)
    world.scored("B", 0.9, 0.9)
    assert top(3600) == (["A"], 1)  # checked less than an hour ago: served as checked
    assert top(0) == (["B", "A"], 2)  # a check (at most every max_age_s) sees the new score


def test_a_finalized_board_is_paginated_too(client, world):
    for name, score in (("A", 0.9), ("B", 0.8), ("C", 0.7)):
        world.scored(name, score, score)
    assert client.post("/api/v1/challenges/toy/finalize", headers=world.headers["admin"]).status_code == 200
    for split in ("public", "private"):
        answer = client.get(URL, params={"split": split, "page": 2, "page_size": 2}, headers=world.headers["B"])
        assert answer.status_code == 200, answer.text
        assert answer.headers["X-Total-Count"] == "3"
        assert [(r["rank"], r["team"]) for r in answer.json()] == [(3, "C")]


def test_a_swapped_final_mark_and_a_requeued_submission_change_the_board(client, world):
    """Changes that keep every count the same still give the board a new version."""
    from sqlalchemy import update

    from dabiwu.db.models import Submission

    high = world.scored("A", 0.9, 0.2, is_final=True)
    low = world.scored("A", 0.1, 0.8)
    world.scored("B", 0.5, 0.5)
    private = {r["team"]: r["score"] for r in get_page(client, world, split="private")[0]}
    assert private["A"] == 0.2
    unmark = client.post(f"/api/v1/submissions/{high}/final", json={"is_final": False}, headers=world.headers["A"])
    mark = client.post(f"/api/v1/submissions/{low}/final", json={"is_final": True}, headers=world.headers["A"])
    assert unmark.status_code == 200 and mark.status_code == 200, unmark.text + mark.text
    private = {r["team"]: r["score"] for r in get_page(client, world, split="private")[0]}
    assert private["A"] == 0.8  # still one final mark, but another one
    with world.session() as session:  # e.g. a rescore handed back to the queue: off the board until scored
        session.execute(update(Submission).where(Submission.id.in_([high, low])).values(status="queued"))
    assert [r["team"] for r in get_page(client, world)[0]] == ["B"]
