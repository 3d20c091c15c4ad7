"""Upload a real MLflow model, score it in the real sandbox, and check the numbers against sklearn."""

from __future__ import annotations

import io

import numpy as np
import pyarrow.parquet as pq
from sklearn.metrics import average_precision_score, roc_auc_score

from tests.pipeline import SLUG, upload, work_one


def test_a_stock_sklearn_model_is_scored_and_its_ap_equals_sklearn(client, settings, role_headers, loaded, baseline_archive):
    from dabiwu.storage_access import store_for

    team = role_headers["team"]
    accepted = upload(client, team, baseline_archive)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert body["status"] == "queued" and body["submissions_left_today"] == 4
    queued = client.get(f"/api/v1/submissions/{body['id']}", headers=team).json()
    assert queued["queue_position"] == 1 and queued["eta_seconds"] is None  # no live worker: no honest ETA
    _worker_heartbeat(settings, "celery:some-host:1")  # one live worker, of any kind
    queued = client.get(f"/api/v1/submissions/{body['id']}", headers=team).json()
    assert queued["queue_position"] == 1 and queued["eta_seconds"] > 0

    assert work_one(settings) == "scored"
    scored = client.get(f"/api/v1/submissions/{body['id']}", headers=team).json()
    assert scored["status"] == "scored", scored
    assert scored["private_score"] is None  # teams do not see private scores before finalize
    judge_view = client.get(f"/api/v1/submissions/{body['id']}", headers=role_headers["judge"]).json()

    store = store_for(settings)
    from dabiwu.db.models import Score, DatasetVersion
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        score = session.query(Score).one()
        dataset = session.get(DatasetVersion, loaded["dataset_id"])
        predictions = pq.read_table(io.BytesIO(store.read_bytes(score.predictions_key))).to_pandas()
        labels = pq.read_table(io.BytesIO(store.read_bytes(dataset.test_labels_key))).to_pandas()
        assert score.sandbox_kind in ("bwrap", "unshare") and score.model_sha256 == scored["sha256"]
        assert score.sandbox_prestarted is False  # work_one never pre-starts one
        assert score.dataset_sha256 == dataset.test_features_sha256 and score.scorer_version
    public = labels["is_public"].to_numpy()
    y, s = labels["label"].to_numpy(), predictions["score"].to_numpy()
    assert abs(scored["public_score"] - average_precision_score(y[public], s[public])) < 1e-9
    assert abs(judge_view["private_score"] - average_precision_score(y[~public], s[~public])) < 1e-9
    assert abs(scored["metrics"]["roc_auc"] - roc_auc_score(y[public], s[public])) < 1e-9
    # teams see the districts with enough public rows; the rest are named as withheld (docs/security.md)
    shown, withheld = set(scored["metrics"]["per_district"]), set(scored["metrics"]["per_district_withheld"])
    assert shown | withheld == set(labels["group"][public]) and not shown & withheld
    assert set(judge_view["metrics"]["per_district"]) == set(labels["group"][public])
    low, high = scored["metrics"]["ci"]["average_precision"]
    assert low <= scored["public_score"] <= high
    assert len(scored["metrics"]["pr_curve"]["recall"]) > 10

    board = client.get(f"/api/v1/challenges/{SLUG}/leaderboard", headers=role_headers["district"]).json()
    assert board[0]["submission_id"] == body["id"] and board[0]["score"] == scored["public_score"]

    # Server-sent events: the stream reports the terminal status and ends.
    with client.stream("GET", f"/api/v1/submissions/{body['id']}/events", headers=team) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        text = "".join(events.iter_text())
    assert "event: status" in text and '"status": "scored"' in text

    # A rescore from the stored predictions makes a new version with the same numbers; nothing turns N/A.
    rescored = client.post(f"/api/v1/challenges/{SLUG}/rescore", headers=role_headers["admin"])
    assert rescored.status_code == 200 and rescored.json()["outcomes"] == {"rescored": 1}
    again = client.get(f"/api/v1/submissions/{body['id']}", headers=team).json()
    assert again["score_version"] == 2 and again["public_score"] == scored["public_score"]


def test_refused_upload_costs_no_quota_and_leaves_no_blob(client, settings, role_headers, loaded, tmp_path):
    from dabiwu.storage_access import store_for

    junk = tmp_path / "model.zip"
    junk.write_bytes(b"this is not an archive at all" * 10)
    refused = upload(client, role_headers["team"], junk)
    assert refused.status_code in (415, 422) and refused.json()["detail"]
    quota = client.get(f"/api/v1/challenges/{SLUG}/quota", headers=role_headers["team"]).json()
    assert quota["used"] == 0 and quota["left"] == quota["limit"]
    assert store_for(settings).list("submissions/") == [] and store_for(settings).list("model-blobs/") == []


def test_quota_holds_under_concurrent_uploads(client, settings, role_headers, loaded, baseline_archive):
    """20 parallel uploads with 5 left today: exactly 5 accepted."""
    from concurrent.futures import ThreadPoolExecutor

    from dabiwu.storage_access import store_for

    team = role_headers["team"]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: upload(client, team, baseline_archive).status_code, range(20)))
    assert sorted(statuses).count(202) == 5 and statuses.count(429) == 15
    # 20 identical uploads at once: the validated tree is stored once, and the 5 accepted rows all name it.
    from sqlalchemy import select

    from dabiwu.db.models import ModelBlob, ModelTreeFile, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.model_store.trees import blob_key

    with session_scope(settings.resolved_database_url) as session:
        trees = set(session.scalars(select(Submission.tree_sha256)))
        files = session.scalars(select(ModelTreeFile.blob_sha256)).all()
        assert len(trees) == 1 and None not in trees
        assert set(session.scalars(select(ModelBlob.sha256))) == set(files)
    assert sorted(store_for(settings).list("model-blobs/")) == sorted({blob_key(sha) for sha in files})
    assert store_for(settings).list("submissions/") == []  # the archive itself is not kept
    listed = client.get(f"/api/v1/submissions?challenge={SLUG}", headers=team)
    assert listed.headers["X-Total-Count"] == "5"
    assert client.get(f"/api/v1/submissions?challenge={SLUG}", headers=role_headers["team_b"]).json() == []


def test_judges_find_a_teams_submissions_by_part_of_its_name(client, role_headers, loaded, baseline_archive):
    for team in ("team", "team_b"):
        assert upload(client, role_headers[team], baseline_archive).status_code == 202
    judge = role_headers["judge"]

    def teams(**params):
        answer = client.get("/api/v1/submissions", params={"challenge": SLUG, **params}, headers=judge)
        assert answer.status_code == 200, answer.text
        return [row["team"]["name"] if isinstance(row["team"], dict) else row["team"] for row in answer.json()]

    assert sorted(teams()) == ["Team A", "Team B"]
    assert teams(team="m a") == ["Team A"] and teams(team="TEAM B") == ["Team B"]  # any case, any part
    assert teams(team="%") == [] and teams(team="_") == []  # taken literally, not as LIKE wildcards
    assert client.get("/api/v1/submissions", params={"team": "x" * 129}, headers=judge).status_code == 422


def _worker_heartbeat(settings, worker_id: str) -> None:
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.executors.heartbeats import beat

    with get_sessionmaker(settings.resolved_database_url)() as session:
        beat(session, worker_id=worker_id, kind=worker_id.split(":")[0], current_job_id=None)
