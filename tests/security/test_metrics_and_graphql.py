"""Issue #14, item 16: /metrics is for admins only, and MLflow's GraphQL endpoint is routed off (it answered GET with
a 500)."""

from __future__ import annotations


def test_metrics_need_an_admin(client, role_headers):
    assert client.get("/metrics").status_code == 401
    for role in ("judge", "team", "district"):
        assert client.get("/metrics", headers=role_headers[role]).status_code == 403, role
    answer = client.get("/metrics", headers=role_headers["admin"])
    assert answer.status_code == 200 and "dabiwu_http_requests_total" in answer.text


def test_mlflow_graphql_answers_4xx_for_every_role_and_method(client, role_headers):
    local = {"host": "127.0.0.1"}  # the registry guard answers only allowed hosts
    for role in ("district", "judge", "admin", "team"):
        for method, path in (("GET", "/mlflow/graphql"), ("GET", "/mlflow/graphql?query=%7B__typename%7D"),
                             ("GET", "/mlflow/graphql/"), ("POST", "/mlflow/graphql")):
            answer = client.request(method, path, headers={**role_headers[role], **local},
                                    json={"query": "{__typename}"} if method == "POST" else None)
            assert 400 <= answer.status_code < 500, (role, method, path, answer.status_code, answer.text[:200])
            assert answer.json()["error_code"] in ("ENDPOINT_NOT_FOUND", "PERMISSION_DENIED")
    assert client.get("/mlflow/graphql", headers=local).status_code == 401
