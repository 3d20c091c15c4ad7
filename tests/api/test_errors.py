from __future__ import annotations

import io
import zipfile

import pytest

from tests.error_shape import CJK, shape_problems
from tests.pipeline import SLUG


def test_unknown_api_route_is_a_json_404(client):
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == "no_such_endpoint" and "No such endpoint" in body["detail"]
    assert "没有这个接口" in body["detail_zh"]


def test_malformed_json_names_the_field_path(client, role_headers):
    answer = client.post(
        "/api/v1/users", json={"username": "x y z", "password": "short", "role": "team"}, headers=role_headers["admin"]
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "invalid_request"
    locations = {tuple(e["loc"]) for e in body["errors"]}
    assert ("body", "username") in locations and ("body", "password") in locations
    assert all(e["msg"] and e["type"] for e in body["errors"])
    # One sentence in each language that names the fields in plain words, not pydantic's list.
    assert "password must have at least 8 characters" in body["detail"]
    assert "username contains characters that are not allowed" in body["detail"]
    assert "密码（password）至少需要 8 个字符" in body["detail_zh"]
    assert "用户名（username）含有不允许的字符" in body["detail_zh"]
    assert "should have at least" not in body["detail_zh"]
    assert body["message"] == body["detail"]  # the sentence's old name
    broken = client.post(
        "/api/v1/users", content=b'{"username": ', headers={**role_headers["admin"], "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["errors"][0]["loc"][0] == "body"
    assert "不是有效的 JSON" in broken.json()["detail_zh"]


@pytest.mark.parametrize(("params", "en", "zh"), [
    ({"page": "two"}, "page must be a whole number", "页码（page）必须是整数"),
    ({"page_size": 501}, "page_size must be at most 500", "每页条数（page_size）不能大于 500"),
    ({"page": 0}, "page must be at least 1", "页码（page）不能小于 1"),
])
def test_query_errors_are_translated(client, role_headers, params, en, zh):
    answer = client.get("/api/v1/users", params=params, headers=role_headers["admin"])
    assert answer.status_code == 422
    assert en in answer.json()["detail"] and zh in answer.json()["detail_zh"], answer.json()


def test_enum_and_missing_fields_are_translated(client, role_headers):
    answer = client.get(f"/api/v1/challenges/{SLUG}/data/train", params={"format": "xml"},
                        headers=role_headers["team"])
    assert answer.status_code in (404, 422)
    missing = client.post("/api/v1/auth/token", data={})
    assert missing.status_code == 422
    assert "username is required" in missing.json()["detail"]
    assert "用户名（username）必须填写" in missing.json()["detail_zh"]
    assert "密码（password）必须填写" in missing.json()["detail_zh"]


def test_bad_input_never_gives_5xx(client, role_headers):
    admin = role_headers["admin"]
    attempts = [
        client.post("/api/v1/auth/token", data={}),
        client.post("/api/v1/users", json={"username": "ok_name", "password": "long-enough", "role": "team"}, headers=admin),
        client.post("/api/v1/users", json={"username": "ok_name2", "password": "long-enough", "role": "district",
                                           "district": "atlantis"}, headers=admin),
        client.post("/api/v1/districts", json={"code": "zaoyang", "name_zh": "x", "name_en": "x"}, headers=admin),
        client.get("/api/v1/submissions/not-a-real-id", headers=admin),
        client.get("/api/v1/challenges/none", headers=admin),
        client.get("/api/v1/users?page=0", headers=admin),
    ]
    for answer in attempts:
        assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
        assert answer.json()["detail"]


def test_health_metrics_and_spa_fallback(client, make_user):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    admin = make_user("metrics_admin", "admin")[1]
    assert "dabiwu_http_requests_total" in client.get("/metrics", headers=admin).text  # admin only (#14, item 16)
    page = client.get("/challenges/some/deep/link")
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert client.get("/api/v1/openapi.json").json()["info"]["title"].startswith("dabiwu")
    assert client.get("/api/docs").status_code == 200
    assert client.get("/healthz").headers.get("x-request-id")
def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_every_router_error_path_has_code_detail_and_chinese(settings, make_user, loaded):
    """Walk the error answers of every router (and the generic ones) and check the one shape on each.

    The `client` fixture checks every error answer of every API test the same way (tests/error_shape.py);
    this walk makes sure each router's refusals are reached at least once, in one place."""
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app

    small = settings.model_copy(update={"max_request_mb": 1, "login_attempts_per_minute": 2})
    admin = make_user("admin1", "admin")[1]
    judge = make_user("judge1", "judge")[1]
    alice = make_user("alice", "team", team="Team A")[1]
    bob = make_user("bob", "team", team="Team B")[1]
    carol = make_user("carol", "team", team="Team B")[1]  # Team B's captain is bob
    district = make_user("zaoyang1", "district", district="zaoyang")[1]
    challenge = f"/api/v1/challenges/{SLUG}"
    seen: dict[str, set[int]] = {}
    with TestClient(create_app(small)) as client:
        def expect(answer, status: int, code: str) -> None:
            assert answer.status_code == status, (code, answer.status_code, answer.text)
            assert not shape_problems(answer), shape_problems(answer)
            body = answer.json()
            assert body["code"] == code, (code, body)
            assert CJK.search(body["detail_zh"]) and body["detail"].strip()
            seen.setdefault(code, set()).add(status)

        # generic: routing, methods, the UI's reserved paths, body size
        expect(client.get("/api/v1/nope"), 404, "no_such_endpoint")
        expect(client.get("/api/nope"), 404, "no_such_endpoint")
        expect(client.delete("/api/v1/challenges", headers=admin), 405, "method_not_allowed")
        expect(client.post("/api/v1/auth/api-tokens", content=b"x" * (1024 * 1024 + 10),
                           headers={**admin, "content-type": "application/json"}), 413, "body_too_large")
        # auth and tokens
        expect(client.get("/api/v1/auth/me"), 401, "not_signed_in")
        expect(client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"}), 401, "bad_token")
        expect(client.post("/api/v1/auth/token", data={"username": "alice", "password": "wrong-one"}), 401,
               "bad_credentials")
        client.post("/api/v1/auth/token", data={"username": "alice", "password": "wrong-two"})
        expect(client.post("/api/v1/auth/token", data={"username": "alice", "password": "x"}), 429, "too_many_sign_ins")
        expect(client.delete("/api/v1/auth/api-tokens/99999", headers=alice), 404, "token_not_found")
        expect(client.post("/api/v1/auth/api-tokens", json={"name": ""}, headers=alice), 422, "invalid_request")
        # accounts
        expect(client.post("/api/v1/users", json={"username": "x1", "password": "long-enough", "role": "team"},
                           headers=alice), 403, "role_not_allowed")
        user = {"username": "new_one", "password": "long-enough"}
        expect(client.post("/api/v1/users", json={**user, "role": "team"}, headers=admin), 422, "team_required")
        expect(client.post("/api/v1/users", json={**user, "role": "district"}, headers=admin), 422, "district_required")
        expect(client.post("/api/v1/users", json={**user, "role": "district", "district": "atlantis"}, headers=admin),
               422, "unknown_district")
        expect(client.post("/api/v1/users", json={**user, "role": "team", "team": "T", "is_head_judge": True},
                           headers=admin), 422, "head_judge_not_judge")
        expect(client.post("/api/v1/users", json={**user, "username": "alice", "role": "judge"}, headers=admin), 422,
               "username_taken")
        expect(client.get("/api/v1/teams", headers=district), 403, "role_not_allowed")
        expect(client.post("/api/v1/districts", json={"code": "zaoyang", "name_zh": "枣阳", "name_en": "Zaoyang"},
                           headers=admin), 409, "district_code_taken")
        # teams
        expect(client.post("/api/v1/teams", json={"name": "Another"}, headers=alice), 409, "already_in_team")
        expect(client.post("/api/v1/teams/join", json={"code": "abcdef"}, headers=alice), 409, "already_in_team")
        expect(client.post("/api/v1/teams/merge", json={"code": "abcdef"}, headers=carol), 403, "captain_only")
        expect(client.post("/api/v1/teams/merge", json={"code": "abcdef"}, headers=bob), 404, "unknown_join_code")
        assert client.post("/api/v1/teams/leave", headers=alice).status_code == 204
        expect(client.post("/api/v1/teams/leave", headers=alice), 409, "not_in_team")
        expect(client.post("/api/v1/teams/join", json={"code": "abcdef"}, headers=alice), 404, "unknown_join_code")
        # challenges and bundles
        expect(client.get("/api/v1/challenges/nope", headers=bob), 404, "challenge_not_found")
        expect(client.post("/api/v1/admin/bundles/nope/load", headers=admin), 404, "bundle_not_found")
        # submissions
        expect(client.post(f"{challenge}/submissions", files={"file": ("m.zip", b"", "application/zip")},
                           headers=alice), 403, "no_team")
        upload = client.post(f"{challenge}/submissions", files={"file": ("m.zip", b"", "application/zip")},
                             headers=bob)
        if upload.json()["code"] == "challenge_not_open":  # the bundle's phases depend on today's date
            expect(upload, 409, "challenge_not_open")
        else:
            expect(upload, 422, "empty_upload")
            expect(client.post(f"{challenge}/submissions", files={"file": ("m.zip", b"not a zip", "application/zip")},
                               headers=bob), 422, "not_an_archive")
            no_model = _zip({"model/readme.txt": b"hello"})
            answer = client.post(f"{challenge}/submissions", files={"file": ("m.zip", no_model, "application/zip")},
                                 headers=bob)
            expect(answer, 422, "missing_mlmodel")
            assert answer.headers["x-error-code"] == "missing_mlmodel"
        expect(client.get("/api/v1/submissions/nope", headers=bob), 404, "submission_not_found")
        expect(client.post("/api/v1/submissions/nope/final", json={"is_final": True}, headers=bob), 404,
               "submission_not_found")
        expect(client.get("/api/v1/submissions/nope/events", headers=bob), 404, "submission_not_found")
        expect(client.get("/api/v1/submissions", params={"page_size": 0}, headers=bob), 422, "invalid_request")
        # leaderboards
        expect(client.get(f"{challenge}/leaderboard", params={"page": 0}, headers=bob), 422, "bad_page")
        expect(client.get(f"{challenge}/leaderboard", params={"page": 2}, headers=bob), 422, "bad_page")
        expect(client.get(f"{challenge}/leaderboard", params={"page_size": 0}, headers=bob), 422, "bad_page_size")
        expect(client.get(f"{challenge}/leaderboard", params={"split": "private"}, headers=bob), 403, "not_visible_yet")
        expect(client.get(f"{challenge}/shake-up", headers=bob), 403, "not_visible_yet")
        expect(client.get(f"{challenge}/leaderboard.csv", params={"split": "private"}, headers=bob), 403,
               "not_visible_yet")
        # judging
        team_b = client.get("/api/v1/teams", headers=bob).json()[0]["id"]
        scores = {"necessity": 5, "feasibility": 5, "lead_accuracy": 5, "transferability": 5}
        expect(client.post(f"{challenge}/reviews", json={"team_id": team_b, "scores": {"novelty": 3}}, headers=judge),
               422, "unknown_criteria")
        answer = client.post(f"{challenge}/reviews", json={"team_id": team_b, "scores": {"necessity": 3}}, headers=judge)
        expect(answer, 422, "missing_criteria")
        assert "技术可行性" in answer.json()["detail_zh"]  # the criterion's title, not only its key
        answer = client.post(f"{challenge}/reviews", json={"team_id": team_b, "scores": {**scores, "necessity": 11}},
                             headers=judge)
        expect(answer, 422, "score_out_of_range")
        assert "建模必要性" in answer.json()["detail_zh"] and answer.json()["criteria"] == ["necessity"]
        expect(client.post(f"{challenge}/reviews", json={"team_id": team_b, "scores": scores}, headers=judge), 404,
               "not_a_finalist")
        expect(client.get(f"{challenge}/final-ranking", headers=bob), 403, "not_visible_yet")
        expect(client.post("/api/v1/submissions/nope/disqualify", json={"reason": "leaked labels"}, headers=judge),
               404, "submission_not_found")
        expect(client.post(f"{challenge}/finalize", headers=judge), 403, "finalizer_only")
        # scoring
        expect(client.post("/api/v1/submissions/nope/rescore", headers=admin), 404, "submission_not_found")
        # registry
        expect(client.get("/api/v1/submissions/nope/promotion-gates", headers=judge), 404, "submission_not_found")
        expect(client.get(f"/api/v1/registry/models/{SLUG}/versions/9", headers=district), 404,
               "registry_version_not_found")
        expect(client.post("/api/v1/registry/pulls", json={"registered_model": SLUG, "version": 9}, headers=district),
               404, "registry_version_not_found")
        answer = client.post(f"/api/v1/registry/{SLUG}/outcomes", json=[{"lead_id": "", "version": 1,
                                                                          "outcome": "confirmed"}], headers=district)
        expect(answer, 422, "bad_outcomes")
        assert "column" in answer.json()
        expect(client.post(f"/api/v1/registry/{SLUG}/outcomes.csv",
                           files={"file": ("o.csv", b"\xff\xfe\x00garbage", "text/csv")}, headers=district),
               422, "bad_outcomes")
        expect(client.get("/api/v1/registry/models", headers=bob), 403, "role_not_allowed")
        # finalize last: a finalized challenge refuses a second finalize
        assert client.post(f"{challenge}/finalize", headers=admin).status_code == 200
        expect(client.post(f"{challenge}/finalize", headers=admin), 409, "already_finalized")
    assert len(seen) >= 35, sorted(seen)


def test_a_failed_submission_carries_its_error_in_chinese_too(client, settings, role_headers, loaded, baseline_archive):
    from sqlalchemy import select

    from dabiwu.db.models import Job, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.jobs.lifecycle import claim, fail_for_platform
    from tests.pipeline import upload

    team = role_headers["team"]
    ids = []
    for _ in range(2):
        accepted = upload(client, team, baseline_archive)
        assert accepted.status_code == 202, accepted.text
        ids.append(accepted.json()["id"])
    with session_scope(settings.resolved_database_url) as session:
        job = session.scalar(select(Job).where(Job.submission_id == ids[0]))
        held = claim(session, job_id=job.id, worker_id="test-worker", lease_seconds=60)
        assert fail_for_platform(session, job_id=held.job_id, attempt=held.attempt,
                                 message="Scoring failed on the platform's side.", message_zh="评分在平台一侧失败。")
        # A failure recorded before error_zh existed (revision 0008) still reads in Chinese.
        old = session.get(Submission, ids[1])
        old.status, old.error_kind, old.error = "failed", "timeout", "The model was stopped after 300 s."
    platform = client.get(f"/api/v1/submissions/{ids[0]}", headers=team).json()
    assert platform["status"] == "failed" and "not of your model" in platform["error"]
    assert platform["error_zh"].startswith("评分在平台一侧失败。这是平台的问题"), platform["error_zh"]
    legacy = client.get(f"/api/v1/submissions/{ids[1]}", headers=team).json()
    assert legacy["error_zh"] == "模型超过了运行时间上限。详情请见英文说明和日志。"


def test_errors_of_code_without_its_own_code_still_have_the_shape(app):
    """A plain HTTPException (code not converted yet, or a library's) and an unexpected exception both answer
    a code for their status and a Chinese sentence."""
    from fastapi import HTTPException
    from fastapi.testclient import TestClient

    def plain():
        raise HTTPException(409, "Something conflicts.")

    def crash():
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/test-plain", plain, methods=["POST"])
    app.add_api_route("/api/v1/test-crash", crash, methods=["POST"])
    with TestClient(app, raise_server_exceptions=False) as client:
        conflict = client.post("/api/v1/test-plain")
        assert not shape_problems(conflict)
        assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
        assert conflict.json()["detail"] == "Something conflicts."
        crashed = client.post("/api/v1/test-crash")
        assert crashed.status_code == 500 and not shape_problems(crashed)
        assert crashed.json()["code"] == "internal_error" and "X-Request-ID" in crashed.json()["detail_zh"]
        assert "a bug" not in crashed.text


def test_no_router_raises_httpexception_or_translates_errors_by_hand():
    """Errors are DabiwuErrors raised where the problem is found; routers neither raise FastAPI's HTTPException
    (no Chinese, no code) nor catch a domain error to re-raise it."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [*root.glob("platform/dabiwu/**/*.py"), *root.glob("models_registry/**/*.py")]
    offenders = []
    for path in files:
        if path.name == "errors.py" and path.parent.name == "dabiwu":
            continue  # the handler that turns a stray HTTPException into the shape
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "HTTPException":
                offenders.append(f"{path.relative_to(root)}:{node.lineno} uses HTTPException")
            if isinstance(node, ast.ExceptHandler) and path.name.endswith("router.py") and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
                if any(name.endswith(("Error", "Refusal", "Refused", "NotFound")) for name in names):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno} catches {sorted(names)}")
    assert not offenders, offenders
