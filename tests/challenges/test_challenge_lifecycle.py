"""Drafts, publishing and withdrawal: who sees a challenge, what is kept, what is audited; bundle folders
from DABIWU_BUNDLE_PATHS."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from tests.challenges.tiny_bundle import SLUG, write_bundle

API = "/api/v1"


def _load(settings, path, *, draft=False):
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    with session_scope(settings.resolved_database_url) as session:
        result = load_challenge(session, store=store_for(settings), path=path, draft=draft)
        return result.dataset.id


def _audit(client, headers, action):
    events = client.get(f"{API}/audit", params={"page_size": 100}, headers=headers).json()
    return [e for e in events if e["action"] == action]


def _slugs(client, headers):
    return {c["slug"]: c["status"] for c in client.get(f"{API}/challenges", headers=headers).json()}


def test_a_draft_is_seen_by_staff_only_until_published(client, settings, role_headers, tmp_path):
    _load(settings, write_bundle(tmp_path), draft=True)
    team, admin = role_headers["team"], role_headers["admin"]
    assert _slugs(client, role_headers["judge"]) == {SLUG: "draft"}
    assert _slugs(client, admin) == {SLUG: "draft"}
    for role in ("team", "district"):
        assert _slugs(client, role_headers[role]) == {}
        assert client.get(f"{API}/challenges/{SLUG}", headers=role_headers[role]).status_code == 404
        assert client.get(f"{API}/challenges/{SLUG}/leaderboard", headers=role_headers[role]).status_code == 404
    assert client.get(f"{API}/challenges/{SLUG}/data/train", headers=team).status_code == 404
    assert client.get(f"{API}/challenges/{SLUG}/starting-kit", headers=team).status_code == 404
    upload = client.post(f"{API}/challenges/{SLUG}/submissions", headers=team, files={"file": ("m.zip", b"PK", "application/zip")})
    assert upload.status_code == 404
    assert client.get(f"{API}/challenges/{SLUG}/data/train", headers=role_headers["judge"]).status_code == 200

    published = client.post(f"{API}/challenges/{SLUG}/publish", headers=admin)
    assert published.status_code == 200 and published.json() == {"slug": SLUG, "status": "published", "changed": True}
    assert _slugs(client, team) == {SLUG: "published"}
    assert client.get(f"{API}/challenges/{SLUG}/data/train", headers=team).status_code == 200
    again = client.post(f"{API}/challenges/{SLUG}/publish", headers=admin)
    assert again.json()["changed"] is False
    assert len(_audit(client, admin, "challenge.publish")) == 1


def test_withdrawal_hides_the_challenge_keeps_submissions_and_is_audited(client, settings, role_headers, tmp_path):
    from dabiwu.db.models import Challenge, Submission, User
    from dabiwu.db.session import session_scope

    _load(settings, write_bundle(tmp_path))
    team, admin = role_headers["team"], role_headers["admin"]
    with session_scope(settings.resolved_database_url) as session:
        challenge = session.scalar(select(Challenge))
        user = session.scalar(select(User).where(User.role == "team", User.team_id.is_not(None)))
        submission = Submission(challenge_id=challenge.id, team_id=user.team_id, user_id=user.id, status="failed",
                                dataset_id=challenge.current_dataset_id, quota_day="2026-12-03", error="x")
        session.add(submission)
        session.flush()
        submission_id = submission.id
    assert _slugs(client, team) == {SLUG: "published"}

    refused = client.post(f"{API}/challenges/{SLUG}/withdraw", headers=admin, json={"reason": "  "})
    assert refused.status_code == 422 and refused.json()["code"] == "reason_required" and refused.json()["detail_zh"]
    withdrawn = client.post(f"{API}/challenges/{SLUG}/withdraw", headers=admin,
                            json={"reason": "The district column was shifted; a fixed version follows."})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert _slugs(client, team) == {}
    assert client.get(f"{API}/challenges/{SLUG}", headers=team).status_code == 404
    assert client.get(f"{API}/challenges/{SLUG}", headers=role_headers["judge"]).json()["status"] == "withdrawn"
    assert client.get(f"{API}/submissions/{submission_id}", headers=admin).status_code == 200  # kept
    [event] = _audit(client, admin, "challenge.withdraw")
    assert event["object_id"] == SLUG and "shifted" in str(event["detail"])
    # Published again: seen again.
    assert client.post(f"{API}/challenges/{SLUG}/publish", headers=admin).json()["changed"] is True
    assert _slugs(client, team) == {SLUG: "published"}


def test_parallel_publishes_make_one_move_and_one_audit_line(settings, tmp_path):
    from dabiwu.challenges.lifecycle import move
    from dabiwu.db.models import AuditEvent, Challenge
    from dabiwu.db.session import get_sessionmaker

    _load(settings, write_bundle(tmp_path), draft=True)
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    barrier, results, errors = threading.Barrier(4), [], []

    def publish():
        try:
            with sessionmaker() as session:
                challenge = session.scalar(select(Challenge))
                barrier.wait()
                results.append(move(session, challenge=challenge, to="published", actor=None).changed)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(results) == [False, False, False, True]
    with sessionmaker() as session:
        assert session.scalar(select(Challenge)).status == "published"
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.publish")).all()
        assert len(events) == 1


def test_bundle_folders_come_from_the_setting_and_a_challenge_loaded_elsewhere_is_not_missing(
    client, settings, role_headers, tmp_path
):
    configured = tmp_path / "configured"
    write_bundle(configured, slug="tiny-configured")
    elsewhere = write_bundle(tmp_path / "elsewhere", slug="tiny-elsewhere")
    _load(settings, elsewhere)
    settings.bundle_paths = str(configured)  # DABIWU_BUNDLE_PATHS
    admin = role_headers["admin"]
    rows = {row["slug"]: row for row in client.get(f"{API}/admin/bundles", headers=admin).json()}
    assert set(rows) == {"tiny-configured", "tiny-elsewhere"}  # not the repository's challenges/
    assert rows["tiny-configured"]["loaded"] is False and rows["tiny-configured"]["bundle_found"] is True
    assert rows["tiny-elsewhere"]["loaded"] is True and rows["tiny-elsewhere"]["bundle_found"] is False
    assert rows["tiny-elsewhere"]["folder"] is None and rows["tiny-elsewhere"]["status"] == "published"
    answer = client.post(f"{API}/admin/bundles/tiny-elsewhere/load", headers=admin)
    assert answer.status_code == 404 and answer.json()["code"] == "bundle_folder_elsewhere"
    assert "DABIWU_BUNDLE_PATHS" in answer.json()["detail"] and answer.json()["detail_zh"]

    loaded = client.post(f"{API}/admin/bundles/tiny-configured/load", params={"draft": "true"}, headers=admin)
    assert loaded.status_code == 200 and loaded.json()["status"] == "draft"
    assert _slugs(client, role_headers["team"]) == {"tiny-elsewhere": "published"}


def test_the_admin_check_is_a_dry_run(client, settings, role_headers, tmp_path):
    from dabiwu.db.models import Challenge
    from dabiwu.db.session import session_scope

    root = tmp_path / "bundles"
    write_bundle(root)
    write_bundle(root, slug="tiny-broken", bug="if n_rows > 100:\n    frame.loc[3, 'is_lead'] = 2")
    settings.bundle_paths = str(root)
    admin = role_headers["admin"]
    sound = client.post(f"{API}/admin/bundles/{SLUG}/check", headers=admin)
    assert sound.status_code == 200, sound.text
    body = sound.json()
    assert body["ok"] is True and body["summary"]["train"]["rows"] == 600 and body["summary"]["districts"]
    assert body["summary"]["baseline"]["metric"] == "average_precision" and body["summary"]["baseline"]["private"] > 0
    broken = client.post(f"{API}/admin/bundles/tiny-broken/check", params={"baseline": "false"}, headers=admin).json()
    assert broken["ok"] is False and "other than 0 and 1" in broken["problems"][0] and broken["problems_zh"]
    assert str(tmp_path) not in str(broken)
    with session_scope(settings.resolved_database_url) as session:
        assert session.scalar(select(Challenge)) is None
    assert not (settings.home_dir / "objects").exists() or not any((settings.home_dir / "objects").rglob("*.parquet"))


@pytest.mark.parametrize("broken", [False, True])
def test_the_cli_check_and_load_dry_run(tmp_path, broken):
    from typer.testing import CliRunner

    from dabiwu.cli import app

    bug = "if n_rows > 100:\n    frame.loc[[5, 77], 'visits'] = np.nan" if broken else ""
    path = write_bundle(tmp_path, bug=bug)
    runner = CliRunner()
    for args in (["challenges", "check", str(path), "--no-baseline"], ["challenges", "load", str(path), "--dry-run"]):
        result = runner.invoke(app, args, env={"DABIWU_HOME": str(tmp_path / "home"), "COLUMNS": "200"})
        assert "Traceback" not in result.output
        if broken:
            assert result.exit_code == 2, result.output
            assert "'visits' has 2 missing value(s)" in result.output and "'visits' 有 2 个缺失值" in result.output
            assert "nothing was loaded" in result.output
        else:
            assert result.exit_code == 0, result.output
            assert "every check passed; nothing was stored" in result.output and "襄城区" in result.output
    assert not (tmp_path / "home").exists()  # a dry run touches no state folder


def test_parallel_reruns_onto_a_new_dataset_queue_one_job(settings, tmp_path):
    """Two admins pressing "rescore on the current dataset" at once: the submission moves once, one job."""
    from dabiwu.db.models import Challenge, Job, Submission, User
    from dabiwu.db.session import get_sessionmaker, session_scope
    from dabiwu.scoring.rescore import rescore_submission
    from dabiwu.storage_access import store_for

    first = _load(settings, write_bundle(tmp_path / "v1"))
    with session_scope(settings.resolved_database_url) as session:
        from dabiwu.auth.service import create_user

        user = create_user(session, username="racer", password="correct-horse-battery", role="team", team="赛跑队")
        challenge = session.scalar(select(Challenge))
        submission = Submission(challenge_id=challenge.id, team_id=user.team_id, user_id=user.id, status="scored",
                                dataset_id=first, quota_day="2026-12-03", blob_key="submissions/x/model.zip")
        session.add(submission)
        session.flush()
        submission_id = submission.id
    second = _load(settings, write_bundle(tmp_path / "v2", version="1.0.1"))
    assert second != first
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    barrier, outcomes, errors = threading.Barrier(3), [], []

    def rerun():
        try:
            with sessionmaker() as session:
                target = session.get(Submission, submission_id)
                admin = session.scalar(select(User).where(User.username == "racer"))
                barrier.wait()
                outcomes.append(rescore_submission(session, store=store_for(settings), submission=target, actor=admin,
                                                   to_current_dataset=True))
                session.commit()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rerun) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sorted(outcomes) == ["rerun", "skipped", "skipped"]
    with sessionmaker() as session:
        assert session.get(Submission, submission_id).dataset_id == second
        jobs = session.scalars(select(Job).where(Job.submission_id == submission_id)).all()
        assert [(job.kind, job.status) for job in jobs] == [("rescore", "queued")]
