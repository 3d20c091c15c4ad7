"""The retention policy end to end: real uploads scored in the real sandbox, finalize, gc; boards and rescoring
unchanged, and an expired model says why it is gone (410 model_expired, a note in English and Chinese)."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.pipeline import SLUG, upload, work_one

FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)


def board(client, headers, split):
    rows = client.get(f"/api/v1/challenges/{SLUG}/leaderboard?split={split}", headers=headers).json()
    return [(r["rank"], r["team"], r["submission_id"], r["score"]) for r in rows]


def test_gc_then_rescore_leaves_boards_unchanged_and_expired_models_say_why(client, settings, role_headers, loaded,
                                                                            baseline_archive, tmp_path):
    from sqlalchemy import select

    from dabiwu.db.models import AuditEvent, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.errors import DabiwuError
    from dabiwu.model_store import gc
    from dabiwu.scoring.rescore import rescore_submission
    from dabiwu.storage_access import store_for

    team, admin = role_headers["team"], role_headers["admin"]
    first = upload(client, team, baseline_archive).json()["id"]
    second = upload(client, team, baseline_archive).json()["id"]
    assert work_one(settings) == "scored" and work_one(settings) == "scored"
    assert client.post(f"/api/v1/challenges/{SLUG}/finalize", headers=admin).status_code == 200
    before = {split: board(client, admin, split) for split in ("public", "private")}
    assert before["public"]

    store = store_for(settings)
    with session_scope(settings.resolved_database_url) as session:
        dry = gc.run(session, store=store, settings=settings, apply=False)
        assert dry.expired == 0  # the expiry date (close + 30 days) has not come
        result = gc.run(session, store=store, settings=settings, apply=True, now=FUTURE)
        # Same scores: the first is the team's best (earlier wins a tie); the second expires, but its files
        # are the first's too (one tree), so nothing is deleted.
        assert (result.expired, result.trees, result.blobs) == (1, 0, 0)
        assert session.get(Submission, first).model_expired_at is None
        assert session.get(Submission, second).model_expired_at is not None
        assert {"storage.expire", "storage.gc", "storage.gc_dry_run"} <= set(session.scalars(select(AuditEvent.action)))

    shown = client.get(f"/api/v1/submissions/{second}", headers=team).json()
    assert shown["model_expired_at"] and "retention policy" in shown["model_expired_note"]
    assert "保留策略" in shown["model_expired_note_zh"] and shown["status"] == "scored"
    assert client.get(f"/api/v1/submissions/{first}", headers=team).json()["model_expired_at"] is None

    rescored = client.post(f"/api/v1/challenges/{SLUG}/rescore?dataset=current", headers=admin)
    assert rescored.status_code == 200, rescored.text
    again = client.post(f"/api/v1/challenges/{SLUG}/rescore", headers=admin).json()
    assert again["outcomes"] == {"rescored": 2}
    assert {split: board(client, admin, split) for split in ("public", "private")} == before

    from models_registry.promotion import promote

    with session_scope(settings.resolved_database_url) as session:
        from dabiwu.db.models import User

        judge = session.scalar(select(User).where(User.role == "admin"))
        try:
            promote(session, store=store, backend=None, submission_id=second, actor=judge, reason=None,
                    override=False, scratch_root=tmp_path)
        except DabiwuError as exc:
            assert (exc.code, exc.status) == ("model_expired", 410)
            assert "upload it anew" in exc.detail and "重新上传" in exc.detail_zh
        else:
            raise AssertionError("promoting an expired model must be refused")
        outcome = rescore_submission(session, store=store, submission=session.get(Submission, second), actor=None,
                                     to_current_dataset=True)
        assert outcome == "rescored"  # never "rerun": there is no model to run, its predictions are rescored
