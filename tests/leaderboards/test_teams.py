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


def test_merge_rule_counts_combined_submissions(settings, world, make_user):
    from sqlalchemy import select

    from dabiwu.auth.merges import accept_merge, propose_merge
    from dabiwu.db.models import Team, User
    from dabiwu.db.session import session_scope
    from dabiwu.errors import DabiwuError

    def merge(absorbing: str, absorbed: str, now: datetime) -> None:
        """Propose as the absorbing captain, accept as the other (auth/merges.py), at `now`."""
        with session_scope(settings.resolved_database_url) as session:
            proposer = session.scalar(select(User).where(User.username == f"user_{absorbing.lower()}"))
            code = session.get(Team, world.teams[absorbed]).join_code
            request_id = propose_merge(session, captain=proposer, other_code=code).id
        with session_scope(settings.resolved_database_url) as session:
            acceptor = session.scalar(select(User).where(User.username == f"user_{absorbed.lower()}"))
            accept_merge(session, captain=acceptor, request_id=request_id, now=now)

    for _ in range(4):
        world.scored("A", 0.1, 0.1)
        world.scored("B", 0.1, 0.1)
    opened_day_one = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)  # day 1: 5 allowed, 8 made
    try:
        merge("A", "B", opened_day_one)
        raise AssertionError("merge should be refused")
    except DabiwuError as exc:
        assert "8 submissions" in exc.detail and exc.code == "merge_refused"
    later = datetime(2026, 1, 3, 12, tzinfo=timezone.utc)  # day 3: 15 allowed
    merge("A", "B", later)
    with session_scope(settings.resolved_database_url) as session:
        assert session.scalar(select(User.team_id).where(User.username == "user_b")) == world.teams["A"]
    past_deadline = datetime(2098, 6, 1, tzinfo=timezone.utc)
    world.scored("C", 0.1, 0.1)
    try:
        merge("A", "C", past_deadline)
        raise AssertionError("merge after the deadline should be refused")
    except DabiwuError as exc:
        assert "deadline" in exc.detail
