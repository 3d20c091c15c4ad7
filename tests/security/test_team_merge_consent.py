"""Issue #14, item 9: a join code alone no longer lets a captain take another team over.

A merge is a proposal until the other captain accepts; join codes carry 192 random bits and wrong ones are
throttled per user; every step is audited; parallel accepts and parallel joins stay within the rules (SQLite and
PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.leaderboards.conftest import world  # noqa: F401  (the fixture)


def _team_of(settings, username: str) -> int | None:
    from sqlalchemy import select

    from dabiwu.db.models import User
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        return session.scalar(select(User.team_id).where(User.username == username))


def _code(settings, team_id: int) -> str:
    from dabiwu.db.models import Team
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        return session.get(Team, team_id).join_code


def test_a_merge_waits_for_the_other_captain_and_is_audited(client, settings, world, make_user):  # noqa: F811
    submission_b = world.scored("B", 0.2, 0.2)
    code_b = _code(settings, world.teams["B"])
    assert len(code_b) >= 22  # at least 128 random bits (token_urlsafe(24): 192)
    _, member_b = make_user("b_member", "team", team="B")

    proposed = client.post("/api/v1/teams/merge", json={"code": code_b}, headers=world.headers["A"])
    assert proposed.status_code == 202, proposed.text
    proposal = proposed.json()
    assert proposal["status"] == "pending" and proposal["absorbing_team"] == "A" and proposal["absorbed_team"] == "B"
    # Nothing moved on the code alone.
    assert _team_of(settings, "user_b") == world.teams["B"]
    assert client.get(f"/api/v1/submissions/{submission_b}", headers=world.headers["A"]).status_code == 404

    # The proposer cannot accept its own proposal, a member who is not captain cannot either, a stranger sees nothing.
    url = f"/api/v1/teams/merge-requests/{proposal['id']}/accept"
    mine = client.post(url, headers=world.headers["A"])
    assert mine.status_code == 403 and mine.json()["code"] == "not_your_decision" and mine.json()["detail_zh"]
    assert client.post(url, headers=member_b).json()["code"] == "captain_only"
    assert client.post(url, headers=world.headers["C"]).status_code == 404
    assert [r["id"] for r in client.get("/api/v1/teams/merge-requests", headers=world.headers["B"]).json()] == [
        proposal["id"]]

    accepted = client.post(url, headers=world.headers["B"])
    assert accepted.status_code == 200, accepted.text
    assert _team_of(settings, "user_b") == world.teams["A"] and _team_of(settings, "b_member") == world.teams["A"]
    assert client.get(f"/api/v1/submissions/{submission_b}", headers=world.headers["A"]).status_code == 200
    again = client.post(url, headers=world.headers["B"])
    assert again.status_code in (403, 409)

    audit = client.get("/api/v1/audit", params={"page_size": 100}, headers=world.headers["admin"]).json()
    actions = {event["action"]: event for event in audit}
    assert "team.merge_request" in actions and actions["team.merge_request"]["actor_name"] == "user_a"
    merge = actions["team.merge"]
    assert merge["actor_name"] == "user_b" and merge["detail"]["proposed_by"] == "user_a"


def test_declined_and_withdrawn_merges_change_nothing(client, settings, world):  # noqa: F811
    code_b = _code(settings, world.teams["B"])
    first = client.post("/api/v1/teams/merge", json={"code": code_b}, headers=world.headers["A"]).json()
    declined = client.post(f"/api/v1/teams/merge-requests/{first['id']}/decline", headers=world.headers["B"])
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    late = client.post(f"/api/v1/teams/merge-requests/{first['id']}/accept", headers=world.headers["B"])
    assert late.status_code == 409 and late.json()["code"] == "merge_request_decided"
    second = client.post("/api/v1/teams/merge", json={"code": code_b}, headers=world.headers["A"]).json()
    withdrawn = client.post(f"/api/v1/teams/merge-requests/{second['id']}/decline", headers=world.headers["A"])
    assert withdrawn.json()["status"] == "cancelled"
    assert _team_of(settings, "user_b") == world.teams["B"]


def test_wrong_join_codes_are_throttled(client, settings, world, make_user):  # noqa: F811
    _, loner = make_user("loner", "team", team="Solo")
    client.post("/api/v1/teams/leave", headers=loner)
    attempts = settings.join_code_attempts_per_minute
    guesses = [client.post("/api/v1/teams/join", json={"code": f"guess{i:04d}"}, headers=loner).status_code
               for i in range(attempts + 1)]
    assert guesses == [404] * attempts + [429], guesses
    # Merges draw from the same allowance, and even the right code waits now.
    right = client.post("/api/v1/teams/join", json={"code": _code(settings, world.teams["C"])}, headers=loner)
    assert right.status_code == 429 and right.json()["code"] == "too_many_join_codes" and right.json()["detail_zh"]
    assert int(right.headers["Retry-After"]) > 0


def test_parallel_accepts_and_joins_stay_within_the_rules(client, settings, world, make_user):  # noqa: F811
    # B's captain accepts A's and C's proposals at the same instant: B is absorbed once.
    to_a = client.post("/api/v1/teams/merge", json={"code": _code(settings, world.teams["B"])},
                       headers=world.headers["A"]).json()
    to_c = client.post("/api/v1/teams/merge", json={"code": _code(settings, world.teams["B"])},
                       headers=world.headers["C"]).json()
    barrier = threading.Barrier(4)

    def accept(request_id: str) -> int:
        barrier.wait()
        return client.post(f"/api/v1/teams/merge-requests/{request_id}/accept", headers=world.headers["B"]).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(accept, [to_a["id"], to_c["id"], to_a["id"], to_c["id"]]))
    assert statuses.count(200) == 1 and all(s in (200, 403, 409) for s in statuses), statuses
    assert _team_of(settings, "user_b") in (world.teams["A"], world.teams["C"])

    # Parallel joins never overfill a team (toy challenge: team_size 3; C has 1 member).
    code_c = _code(settings, world.teams["C"])
    joiners = []
    for i in range(6):
        _, headers = make_user(f"joiner{i}", "team", team=f"tmp-{i}")
        client.post("/api/v1/teams/leave", headers=headers)
        joiners.append(headers)
    members_c = 1 if _team_of(settings, "user_c") == world.teams["C"] else 0
    barrier = threading.Barrier(len(joiners))

    def join(headers: dict) -> int:
        barrier.wait()
        return client.post("/api/v1/teams/join", json={"code": code_c}, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=len(joiners)) as pool:
        joined = list(pool.map(join, joiners))
    assert joined.count(200) == 3 - members_c - (1 if _team_of(settings, "user_b") == world.teams["C"] else 0), joined


def test_a_merge_cannot_pool_more_final_marks_than_one_team_may(client, settings, world):  # noqa: F811
    for team in ("A", "A", "B"):
        world.scored(team, 0.3, 0.3, is_final=True)
    proposal = client.post("/api/v1/teams/merge", json={"code": _code(settings, world.teams["B"])},
                           headers=world.headers["A"]).json()
    refused = client.post(f"/api/v1/teams/merge-requests/{proposal['id']}/accept", headers=world.headers["B"])
    assert refused.status_code == 409 and refused.json()["code"] == "merge_refused", refused.text
    assert "3 final submissions" in refused.json()["detail"] and refused.json()["detail_zh"]
    assert _team_of(settings, "user_b") == world.teams["B"]
    listed = client.get("/api/v1/teams/merge-requests", headers=world.headers["B"]).json()
    assert listed[0]["status"] == "pending"  # the refusal rolled the acceptance back
