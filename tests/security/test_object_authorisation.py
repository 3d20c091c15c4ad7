"""Object-level authorisation with real objects: roles are checked per route (tests/api/test_role_matrix.py),
and here each object is checked against who owns it.

Team A must not read, list, stream, mark final, or download anything of team B's, and must get the
same 404 for B's submission as for one that does not exist.  Roles cannot cross their lines even on
real ids.  Submission ids are unguessable.
"""

from __future__ import annotations

import re
import uuid

from tests.pipeline import SLUG, upload

HEX32 = re.compile(r"^[0-9a-f]{32}$")
LOG_SECRET = f"team-b-log-{uuid.uuid4().hex}"


def _team_b_failed_submission(client, settings, headers, archive) -> str:
    """A submission of team B that failed with a log and an error: what A must never see."""
    from dabiwu.db.models import Submission
    from dabiwu.db.session import session_scope

    accepted = upload(client, headers, archive)
    assert accepted.status_code == 202, accepted.text
    submission_id = accepted.json()["id"]
    with session_scope(settings.resolved_database_url) as session:
        row = session.get(Submission, submission_id)
        row.status, row.error_kind = "failed", "predict_crash"
        row.error, row.log_tail = f"predict raised {LOG_SECRET}", f"Traceback ...\n{LOG_SECRET}\n"
    return submission_id


def _anonymised(detail: str, submission_id: str) -> str:
    return detail.replace(submission_id, "<id>")


def test_team_a_cannot_read_list_stream_mark_or_download_team_b_objects(client, settings, role_headers, loaded,
                                                                       baseline_archive):
    a, b = role_headers["team"], role_headers["team_b"]
    mine = upload(client, a, baseline_archive).json()["id"]
    theirs = _team_b_failed_submission(client, settings, b, baseline_archive)
    assert HEX32.match(mine) and HEX32.match(theirs)
    assert client.get(f"/api/v1/submissions/{theirs}", headers=b).json()["log_tail"].strip().endswith(LOG_SECRET)

    nobody = uuid.uuid4().hex
    for suffix in ("", "/events"):
        answer = client.get(f"/api/v1/submissions/{theirs}{suffix}", headers=a)
        missing = client.get(f"/api/v1/submissions/{nobody}{suffix}", headers=a)
        assert answer.status_code == missing.status_code == 404, answer.text
        # Nothing tells "another team's" from "does not exist".
        assert _anonymised(answer.json()["detail"], theirs) == _anonymised(missing.json()["detail"], nobody)

    marked = client.post(f"/api/v1/submissions/{theirs}/final", json={"is_final": True}, headers=a)
    assert marked.status_code == 404, marked.text
    assert client.get(f"/api/v1/submissions/{theirs}", headers=b).json()["is_final"] is False

    texts = []
    for query in ("", "?status=failed", f"?challenge={SLUG}", "?page=1&page_size=100"):
        listed = client.get(f"/api/v1/submissions{query}", headers=a)
        assert listed.status_code == 200, listed.text
        assert {s["id"] for s in listed.json()} <= {mine}
        texts.append(listed.text)
    texts += [client.get(f"/api/v1/challenges/{SLUG}/{p}", headers=a).text for p in ("leaderboard", "history", "quota")]
    assert not any(LOG_SECRET in text for text in texts)

    # Models are downloaded only from the shared registry, which is closed to teams.
    for path in ("/mlflow/api/2.0/mlflow/registered-models/search", "/mlflow/api/2.0/mlflow-artifacts/artifacts/x"):
        refused = client.get(path, headers={**a, "host": "127.0.0.1"})  # an allowed host: the role is what is refused
        assert refused.status_code == 403 and refused.json()["error_code"] == "PERMISSION_DENIED", refused.text
        assert "team account cannot read" in refused.json()["message"]

    # Another user's API token can be neither listed nor revoked.
    token_b = client.post("/api/v1/auth/api-tokens", json={"name": "b's script"}, headers=b).json()
    assert token_b["id"] not in {t["id"] for t in client.get("/api/v1/auth/api-tokens", headers=a).json()}
    assert client.delete(f"/api/v1/auth/api-tokens/{token_b['id']}", headers=a).status_code == 404
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token_b['token']}"}).status_code == 200


def test_roles_cannot_cross_their_lines_on_real_objects(client, role_headers, loaded, baseline_archive):
    team, judge, district = role_headers["team"], role_headers["judge"], role_headers["district"]
    submission_id = upload(client, team, baseline_archive).json()["id"]
    attempts = {
        "district promotes": (client.post(f"/api/v1/submissions/{submission_id}/promote", json={}, headers=district), 403),
        "team promotes": (client.post(f"/api/v1/submissions/{submission_id}/promote", json={}, headers=team), 403),
        "judge submits": (upload(client, judge, baseline_archive), 403),
        "admin submits": (upload(client, role_headers["admin"], baseline_archive), 403),
        "district submits": (upload(client, district, baseline_archive), 403),
        "district reads a submission": (client.get(f"/api/v1/submissions/{submission_id}", headers=district), 403),
        "team disqualifies": (client.post(f"/api/v1/submissions/{submission_id}/disqualify",
                                          json={"reason": "rival"}, headers=team), 403),
        "team rescores": (client.post(f"/api/v1/submissions/{submission_id}/rescore", headers=team), 403),
        "judge (not head) finalizes": (client.post(f"/api/v1/challenges/{SLUG}/finalize", headers=judge), 403),
        "team finalizes": (client.post(f"/api/v1/challenges/{SLUG}/finalize", headers=team), 403),
        "team reads private board": (client.get(f"/api/v1/challenges/{SLUG}/leaderboard?split=private",
                                                headers=team), 403),
        "district downloads the train set": (client.get(f"/api/v1/challenges/{SLUG}/data/train", headers=district),
                                               403),
    }
    wrong = {name: (got.status_code, got.text[:200]) for name, (got, want) in attempts.items() if got.status_code != want}
    assert not wrong, wrong
    for name, (got, _) in attempts.items():
        assert got.json()["detail"], name
    state = client.get(f"/api/v1/submissions/{submission_id}", headers=team).json()
    assert state["status"] == "queued" and state["is_final"] is False  # nothing above changed it
    assert client.get(f"/api/v1/challenges/{SLUG}/quota", headers=team).json()["used"] == 1


def test_submission_ids_are_random_not_sequential():
    from dabiwu.db.base import new_id
    from dabiwu.db.models import Job, Submission

    assert Submission.__table__.c.id.default.arg.__name__ == Job.__table__.c.id.default.arg.__name__ == "new_id"
    ids = [new_id() for _ in range(5000)]
    assert all(HEX32.match(i) for i in ids) and len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 for i in ids)  # 122 random bits from the OS CSPRNG
    # Neighbours share no structure: not a counter, not a timestamp prefix.
    gaps = [abs(int(x, 16) - int(y, 16)) for x, y in zip(ids, ids[1:])]
    assert min(gaps) > 2**64
    assert len({i[:6] for i in ids}) > 4900
