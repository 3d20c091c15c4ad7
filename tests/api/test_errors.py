from __future__ import annotations


def test_unknown_api_route_is_a_json_404(client):
    answer = client.get("/api/v1/no-such-thing")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert "No such endpoint" in answer.json()["detail"]


def test_malformed_json_names_the_field_path(client, role_headers):
    answer = client.post(
        "/api/v1/users", json={"username": "x y z", "password": "short", "role": "team"}, headers=role_headers["admin"]
    )
    assert answer.status_code == 422
    locations = {tuple(e["loc"]) for e in answer.json()["detail"]}
    assert ("body", "username") in locations and ("body", "password") in locations
    broken = client.post(
        "/api/v1/users", content=b'{"username": ', headers={**role_headers["admin"], "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["loc"][0] == "body"


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
