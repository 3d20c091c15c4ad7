from __future__ import annotations

from datetime import datetime, timezone


def test_create_join_leave_and_size_limit(client, world, make_user):
    _, carol = make_user("carol_t", "team", team="Solo")
    client.post("/api/v1/teams/leave", headers=carol)
    created = client.post("/api/v1/teams", json={"name": "New Team"}, headers=carol)
    assert created.status_code == 201
    code = created.json()["join_code"]
    joined = []
    for name in ("m1", "m2", "m3"):
        _, headers = make_user(name, "team", team=f"tmp-{name}")
        assert client.post("/api/v1/teams/leave", headers=headers).status_code == 204
        joined.append(client.post("/api/v1/teams/join", json={"code": code}, headers=headers).status_code)
    assert joined == [200, 200, 409]  # toy challenge: team_size 3
    bad = client.post("/api/v1/teams/join", json={"code": "nope1234"}, headers=world.headers["A"])
    assert bad.status_code == 409  # already in a team


def test_merge_rule_counts_combined_submissions(settings, world):
    from dabiwu.auth.teams_service import TeamError, merge_teams
    from dabiwu.db.models import Team, User
    from dabiwu.db.session import session_scope
    from sqlalchemy import select

    for _ in range(4):
        world.scored("A", 0.1, 0.1)
        world.scored("B", 0.1, 0.1)
    opened_day_one = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)  # day 1: 5 allowed, 8 made
    with session_scope(settings.resolved_database_url) as session:
        captain = session.scalar(select(User).where(User.username == "user_a"))
        code_b = session.get(Team, world.teams["B"]).join_code
        try:
            merge_teams(session, captain=captain, other_code=code_b, now=opened_day_one)
            raise AssertionError("merge should be refused")
        except TeamError as exc:
            assert "8 submissions" in exc.message
    later = datetime(2026, 1, 3, 12, tzinfo=timezone.utc)  # day 3: 15 allowed
    with session_scope(settings.resolved_database_url) as session:
        captain = session.scalar(select(User).where(User.username == "user_a"))
        merged = merge_teams(session, captain=captain, other_code=code_b, now=later)
        assert merged.id == world.teams["A"]
    past_deadline = datetime(2098, 6, 1, tzinfo=timezone.utc)
    with session_scope(settings.resolved_database_url) as session:
        captain = session.scalar(select(User).where(User.username == "user_a"))
        code_c = session.get(Team, world.teams["C"]).join_code
        world.scored("C", 0.1, 0.1)
        try:
            merge_teams(session, captain=captain, other_code=code_c, now=past_deadline)
            raise AssertionError("merge after the deadline should be refused")
        except TeamError as exc:
            assert "deadline" in exc.message
