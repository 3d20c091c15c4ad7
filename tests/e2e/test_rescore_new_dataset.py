"""After an organiser reloads a fixed bundle version, an admin reruns existing submissions on the new dataset
version (a plain rescore recomputes on the dataset the score was made on)."""

from __future__ import annotations

import shutil

import yaml
from sqlalchemy import select

from tests.pipeline import BUNDLE, SLUG, upload, work_one


def test_rescore_onto_the_current_dataset_runs_the_model_again_there(client, settings, role_headers, loaded,
                                                                      baseline_archive, tmp_path):
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.models import DatasetVersion, Job, Score, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    admin = role_headers["admin"]
    accepted = upload(client, role_headers["team"], baseline_archive)
    assert accepted.status_code == 202, accepted.text
    submission_id = accepted.json()["id"]
    assert work_one(settings) == "scored"

    fixed = tmp_path / BUNDLE.name
    shutil.copytree(BUNDLE, fixed, ignore=shutil.ignore_patterns("__pycache__"))
    spec = yaml.safe_load((fixed / "challenge.yaml").read_text(encoding="utf-8"))
    spec["version"] = "1.0.1"
    (fixed / "challenge.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with session_scope(settings.resolved_database_url) as session:
        new_dataset = load_challenge(session, store=store_for(settings), path=fixed).dataset.id
    assert new_dataset != loaded["dataset_id"]

    same = client.post(f"/api/v1/challenges/{SLUG}/rescore", headers=admin)
    assert same.json()["outcomes"] == {"rescored": 1}
    with session_scope(settings.resolved_database_url) as session:
        latest = session.scalar(select(Score).where(Score.submission_id == submission_id, Score.is_latest.is_(True)))
        assert latest.dataset_id == loaded["dataset_id"]  # recomputed where it was made

    rerun = client.post(f"/api/v1/challenges/{SLUG}/rescore", params={"dataset": "current"}, headers=admin)
    assert rerun.status_code == 200 and rerun.json()["outcomes"] == {"rerun": 1}, rerun.text
    shown = client.get(f"/api/v1/submissions/{submission_id}", headers=role_headers["team"]).json()
    assert shown["status"] == "scored"  # the earlier score stays shown until the new one lands
    assert work_one(settings) == "scored"
    with session_scope(settings.resolved_database_url) as session:
        latest = session.scalar(select(Score).where(Score.submission_id == submission_id, Score.is_latest.is_(True)))
        dataset = session.get(DatasetVersion, new_dataset)
        assert latest.dataset_id == new_dataset and latest.dataset_sha256 == dataset.test_features_sha256
        assert latest.version == 3
        assert session.get(Submission, submission_id).dataset_id == new_dataset
        assert session.scalar(select(Job).where(Job.kind == "rescore")).status == "done"
    again = client.post(f"/api/v1/challenges/{SLUG}/rescore", params={"dataset": "current"}, headers=admin)
    assert again.json()["outcomes"] == {"rescored": 1}  # already on the current dataset: from its predictions
    events = client.get("/api/v1/audit", params={"page_size": 100}, headers=admin).json()
    assert [e["detail"] for e in events if e["action"] == "submission.rerun"] == [
        {"from_dataset_id": loaded["dataset_id"], "dataset_id": new_dataset}]
