"""The retention policy on plain data, and `dabiwu storage report` / `dabiwu storage gc` as an operator runs them."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

from dabiwu.model_store.policy import Candidate, decide, expiry_instant

NOW = datetime(2027, 3, 1, tzinfo=timezone.utc)
T0 = datetime(2026, 12, 1, tzinfo=timezone.utc)


def sub(id_, team, public=None, private=None, status="scored", **kw) -> Candidate:
    return Candidate(id=id_, team_id=team, status=status, is_final=kw.pop("is_final", False), public_score=public,
                     private_score=private, created_at=kw.pop("created_at", T0), **kw)


def test_the_policy_keeps_finals_promoted_bests_and_anything_under_review():
    candidates = [
        sub("best-public", 1, public=0.9, private=0.5),
        sub("best-private", 1, public=0.8, private=0.7),
        sub("plain", 1, public=0.1, private=0.1),
        sub("final", 1, public=0.2, private=0.2, is_final=True),
        sub("promoted", 1, public=0.3, private=0.3, promoted=True),
        sub("queued", 1, status="queued"),
        sub("rerun-waiting", 1, public=0.1, private=0.1, pending_job=True),
        sub("failed", 1, status="failed"),
        sub("gone", 1, public=0.05, private=0.05, expired=True),
        sub("tie-later", 2, public=0.5, private=0.5, created_at=T0 + timedelta(days=1)),
        sub("tie-earlier", 2, public=0.5, private=0.5),
    ]
    plan = decide(candidates, challenge_id=1, slug="c", days=30, expires_at=NOW - timedelta(days=1), finalized=True,
                  now=NOW)
    assert plan.keep == {"best-public": "best_public", "best-private": "best_private", "final": "final",
                         "promoted": "promoted", "queued": "under_review", "rerun-waiting": "under_review",
                         "tie-earlier": "best_private"}
    assert sorted(plan.expire) == ["failed", "plain", "tie-later"] and plan.already_expired == 1

    early = decide(candidates, challenge_id=1, slug="c", days=30, expires_at=NOW + timedelta(days=1), finalized=True,
                   now=NOW)
    assert early.expire == [] and early.not_yet_due == 3
    judging = decide(candidates, challenge_id=1, slug="c", days=30, expires_at=None, finalized=False, now=NOW)
    assert judging.expire == [] and judging.keep["plain"] == "under_review"


def test_expiry_waits_for_finalize_and_for_the_close_date_whichever_is_later():
    close = datetime(2027, 1, 9, 16, tzinfo=timezone.utc)  # 2027-01-10 00:00 Beijing time
    assert expiry_instant(close, finalized_at=None, days=30) is None
    assert expiry_instant(close, finalized_at=T0, days=None) is None
    assert expiry_instant(close, finalized_at=T0, days=30) == datetime(2027, 2, 8, 16, tzinfo=timezone.utc)
    late = datetime(2027, 2, 1, tzinfo=timezone.utc)
    assert expiry_instant(close, finalized_at=late, days=0) == late


def test_storage_report_and_gc_commands_print_english_and_chinese_and_gc_is_a_dry_run_by_default(
        settings, loaded, tmp_path, monkeypatch):
    from sqlalchemy import select, update
    from typer.testing import CliRunner

    from dabiwu.cli import app
    from dabiwu.db.models import AuditEvent, Challenge, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings
    from dabiwu.storage_access import store_for
    from tests.model_store.test_store_once_and_gc import folder, keep_tree

    store = store_for(settings)
    with session_scope(settings.resolved_database_url) as session:
        _, sid = keep_tree(session, store, folder(tmp_path / "m", {"MLmodel": b"m", "w.bin": os.urandom(4096)}))
        spec = dict(session.scalar(select(Challenge.spec)))
        spec["retention"] = {"expire_after_days": 0}  # the per-challenge override
        spec["phases"] = {**spec["phases"], "close": "2026-01-01T00:00:00+08:00"}
        session.execute(update(Challenge).values(spec=spec, finalized_at=datetime.now(timezone.utc)))
    for name, value in {"DABIWU_HOME": str(settings.home_dir), "DABIWU_DATABASE_URL": settings.resolved_database_url,
                        "DABIWU_STORAGE_URL": settings.resolved_storage_url, "DABIWU_STORAGE_GC_GRACE_SECONDS": "0",
                        "DABIWU_RETENTION_DAYS_AFTER_CLOSE": "3650"}.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    monkeypatch.setattr("dabiwu.bootstrap.prepare", lambda s: None)
    runner = CliRunner()
    try:
        report = runner.invoke(app, ["storage", "report"])
        assert report.exit_code == 0, report.output
        assert "model_files: 4.0 KB (1) · 模型文件：4.0 KB（1 个）" in report.output and "去重" in report.output
        as_json = json.loads(runner.invoke(app, ["storage", "report", "--json"]).output)
        stored = sum(store.size(key) for key in store.list("model-blobs/"))  # gzip: random bytes do not shrink
        assert as_json["stored_model_bytes"] == stored and as_json["logical_model_bytes"] == 4097
        assert {(r["kind"], r["team"]) for r in as_json["rows"]} == {("model_files", "Store Team")}

        dry = runner.invoke(app, ["storage", "gc"])
        assert dry.exit_code == 0, dry.output
        assert "would free 4.0 KB: 1 submissions expired" in dry.output and "将释放 4.0 KB" in dry.output
        assert "dry run: nothing was changed" in dry.output and "试运行" in dry.output
        with session_scope(settings.resolved_database_url) as session:
            assert session.get(Submission, sid).model_expired_at is None

        applied = json.loads(runner.invoke(app, ["storage", "gc", "--apply", "--json"]).output)
        assert (applied["expired"], applied["trees"], applied["blobs"], applied["bytes_freed"]) == (1, 1, 2, stored)
        assert applied["challenges"][0]["expire_after_days"] == 0
        with session_scope(settings.resolved_database_url) as session:
            assert session.get(Submission, sid).model_expired_at is not None
            assert {"storage.gc", "storage.gc_dry_run", "storage.expire"} <= set(session.scalars(select(AuditEvent.action)))
        assert store.list("model-blobs/") == []
    finally:
        get_settings.cache_clear()
