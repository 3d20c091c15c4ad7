"""The registry's history: alias moves, promotions, delistings and gate results with lineage, kept in the
platform's database (MLflow keeps no alias history), answered after a restart, and the 15-March question."""

from __future__ import annotations

from datetime import datetime, timezone

from registry_world import SLUG

MARCH_10 = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)  # 10:00 in Beijing
MARCH_20 = datetime(2026, 3, 20, 2, 0, tzinfo=timezone.utc)
MARCH_25 = datetime(2026, 3, 25, 2, 0, tzinfo=timezone.utc)


def _promote_at(world, submission_id: str, when: datetime, username: str = "judge1"):
    """The registry's own promotion, run at a chosen moment (the clock is the only thing given)."""
    from sqlalchemy import select

    from dabiwu.db.models import User
    from dabiwu.db.session import session_scope
    from models_registry.mlflow_adapter import backend_for
    from models_registry.promotion import promote

    with session_scope(world.settings.resolved_database_url) as session:
        actor = session.scalar(select(User).where(User.username == username))
        result = promote(session, store=world.store, backend=backend_for(world.settings), submission_id=submission_id,
                         actor=actor, reason=None, override=False, scratch_root=world.settings.home_dir / "tmp",
                         now=when)
        return result.listing.version, result.champion_version


def _delist_at(world, version: int, when: datetime, reason: str):
    from sqlalchemy import select

    from dabiwu.db.models import User
    from dabiwu.db.session import session_scope
    from models_registry.mlflow_adapter import backend_for
    from models_registry.promotion import delist

    with session_scope(world.settings.resolved_database_url) as session:
        actor = session.scalar(select(User).where(User.username == "judge1"))
        return delist(session, backend=backend_for(world.settings), slug=SLUG, version=version, actor=actor,
                      reason=reason, now=when)[1]


def test_history_survives_a_restart_and_answers_which_model_was_champion_on_15_march(registry_settings, world):
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app
    from tests.error_shape import watch

    world.finalize()
    world.headers["judge"]  # the judge exists before the promotions name it
    half = world.submit("Team A", world.finder((0, 2), seed=1))
    better = world.submit("Team B", world.finder(seed=2))
    assert _promote_at(world, half, MARCH_10) == (1, 1)
    assert _promote_at(world, better, MARCH_20) == (2, 2)
    assert _delist_at(world, 2, MARCH_25, reason="field precision fell") == 1

    # A new app on the same database: nothing of the history lives in a process.
    with TestClient(create_app(registry_settings)) as client:
        watch(client)
        district = world.headers["district"]

        on_15 = client.get(f"/api/v1/registry/models/{SLUG}/champion", params={"at": "2026-03-15"}, headers=district)
        assert on_15.status_code == 200, on_15.text
        answer = on_15.json()
        assert answer["version"] == 1 and answer["since"].startswith("2026-03-10T02:00")
        lineage = answer["event"]
        assert lineage["submission_id"] == half and lineage["team"] == "Team A"
        assert lineage["scorer_version"] == "1.0.0" and lineage["dataset_version"] == f"1 (#{world.dataset_id})"
        assert lineage["dataset_sha256"] == "d" * 64 and lineage["runtime"]
        detail = client.get(f"/api/v1/registry/models/{SLUG}/versions/1", headers=district).json()
        assert lineage["model_sha256"] == detail["model_sha256"]

        def champion(at: str):
            return client.get(f"/api/v1/registry/models/{SLUG}/champion", params={"at": at},
                              headers=district).json()["version"]

        assert champion("2026-03-01") is None  # before any listing
        assert champion("2026-03-20T09:59:59+08:00") == 1  # a second before version 2 took over (10:00 Beijing)
        assert champion("2026-03-20T10:00:00+08:00") == 2
        assert champion("2026-03-24") == 2
        assert champion("2026-03-25") == 1  # version 2 delisted that morning: back to version 1

        history = client.get(f"/api/v1/registry/models/{SLUG}/history", headers=district)
        assert history.status_code == 200 and history.headers["X-Total-Count"] == "8"
        kinds = [(e["kind"], e["version"]) for e in history.json()]
        assert kinds == [("alias_moved", 1), ("delisted", 2), ("alias_moved", 2), ("promoted", 2),
                         ("gates_passed", 2), ("alias_moved", 1), ("promoted", 1), ("gates_passed", 1)]
        moves = [e for e in history.json() if e["kind"] == "alias_moved"]
        assert [(m["previous_version"], m["version"], m["detail"]["cause"]) for m in moves] == [
            (2, 1, "delisted"), (1, 2, "promoted"), (None, 1, "promoted")]
        assert moves[0]["reason"] == "field precision fell" and moves[0]["actor"] == "judge1"
        gates = next(e for e in history.json() if e["kind"] == "gates_passed")
        assert gates["detail"]["passed"] is True and {c["name"] for c in gates["detail"]["checks"]} >= {"novelty"}

        page = client.get(f"/api/v1/registry/models/{SLUG}/history", params={"page": 2, "page_size": 3},
                          headers=district)
        assert [e["id"] for e in page.json()] == [e["id"] for e in history.json()[3:6]]
        until_15 = client.get(f"/api/v1/registry/models/{SLUG}/history", params={"at": "2026-03-15"},
                              headers=district)
        assert {e["version"] for e in until_15.json()} == {1} and until_15.headers["X-Total-Count"] == "3"
        only_moves = client.get(f"/api/v1/registry/models/{SLUG}/history", params={"kind": "alias_moved"},
                                headers=district)
        assert [e["kind"] for e in only_moves.json()] == ["alias_moved"] * 3

        bad = client.get(f"/api/v1/registry/models/{SLUG}/champion", params={"at": "15 March"}, headers=district)
        assert bad.status_code == 422 and bad.json()["code"] == "bad_time" and "2026-03-15" in bad.json()["detail_zh"]
        missing = client.get("/api/v1/registry/models/no-such-model/history", headers=district)
        assert missing.status_code == 404
        team = world.team("Team A")
        assert client.get(f"/api/v1/registry/models/{SLUG}/history", headers=team).status_code == 403


def test_a_refused_promotion_leaves_its_gate_result_in_the_history(registry_client, world):
    world.finalize()
    original = world.submit("Team A", world.finder())
    judge = world.headers["judge"]
    assert registry_client.post(f"/api/v1/submissions/{original}/promote", headers=judge, json={}).status_code == 200
    clone = world.submit("Team B", world.finder())
    refused = registry_client.post(f"/api/v1/submissions/{clone}/promote", headers=judge, json={})
    assert refused.status_code == 422

    history = registry_client.get(f"/api/v1/registry/models/{SLUG}/history", headers=judge).json()
    assert history[0]["kind"] == "gates_refused" and history[0]["version"] is None
    assert history[0]["detail"]["submission_id"] == clone and history[0]["detail"]["passed"] is False
    failed = [c["name"] for c in history[0]["detail"]["checks"] if not c["passed"]]
    assert failed == ["novelty"] and history[0]["actor"] == "judge1"
    listed = registry_client.get("/api/v1/registry/models", headers=judge).json()
    assert [v["version"] for v in next(m for m in listed if m["slug"] == SLUG)["listed"]] == [1]
