"""Walk every route in the OpenAPI document as every role.

Each route names the roles that may call it.  Everyone else must get 401 (signed out) or 403
(wrong role); allowed roles must get past authorisation (never 401/403) and never a 5xx.
A route missing from this matrix fails the test, so every new endpoint declares who may call it.
"""

from __future__ import annotations

import re

import pytest

ALL = {"admin", "judge", "team", "district"}
STAFF = {"admin", "judge"}
PUBLIC = {"anon"} | ALL

ROLE_MATRIX: dict[tuple[str, str], set[str]] = {
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("GET", "/api/v1/auth/me"): ALL,
    ("GET", "/api/v1/auth/api-tokens"): ALL,
    ("POST", "/api/v1/auth/api-tokens"): ALL,
    ("DELETE", "/api/v1/auth/api-tokens/{token_id}"): ALL,
    ("GET", "/api/v1/users"): {"admin"},
    ("POST", "/api/v1/users"): {"admin"},
    ("GET", "/api/v1/teams"): STAFF | {"team"},
    ("GET", "/api/v1/districts"): ALL,
    ("POST", "/api/v1/districts"): {"admin"},
    ("GET", "/api/v1/audit"): {"admin"},
    ("GET", "/api/v1/challenges"): ALL,
    ("GET", "/api/v1/challenges/{slug}"): ALL,
    ("GET", "/api/v1/challenges/{slug}/data/train"): STAFF | {"team"},
    ("GET", "/api/v1/challenges/{slug}/starting-kit"): STAFF | {"team"},
    ("POST", "/api/v1/challenges/{slug}/submissions"): {"team"},
    ("GET", "/api/v1/challenges/{slug}/quota"): {"team"},
    ("GET", "/api/v1/submissions"): STAFF | {"team"},
    ("GET", "/api/v1/submissions/{submission_id}"): STAFF | {"team"},
    ("GET", "/api/v1/submissions/{submission_id}/events"): STAFF | {"team"},
    ("POST", "/api/v1/submissions/{submission_id}/final"): {"team"},
    ("GET", "/api/v1/challenges/{slug}/leaderboard"): ALL,
    ("GET", "/api/v1/challenges/{slug}/shake-up"): ALL,
    ("GET", "/api/v1/admin/queue"): {"admin"},
    ("GET", "/api/v1/challenges/{slug}/history"): ALL,
    ("GET", "/api/v1/challenges/{slug}/leaderboard.csv"): ALL,
    ("POST", "/api/v1/challenges/{slug}/reviews"): STAFF,
    ("GET", "/api/v1/challenges/{slug}/reviews"): STAFF,
    ("GET", "/api/v1/challenges/{slug}/final-ranking"): ALL,
    ("POST", "/api/v1/submissions/{submission_id}/disqualify"): STAFF,
    ("POST", "/api/v1/challenges/{slug}/finalize"): {"admin"},  # and a judge flagged head judge
    ("POST", "/api/v1/teams"): {"team"},
    ("POST", "/api/v1/teams/join"): {"team"},
    ("POST", "/api/v1/teams/leave"): {"team"},
    ("POST", "/api/v1/teams/merge"): {"team"},
    ("GET", "/api/v1/teams/merge-requests"): {"team"},
    ("POST", "/api/v1/teams/merge-requests/{request_id}/accept"): {"team"},
    ("POST", "/api/v1/teams/merge-requests/{request_id}/decline"): {"team"},
    ("POST", "/api/v1/submissions/{submission_id}/rescore"): {"admin"},
    ("POST", "/api/v1/challenges/{slug}/rescore"): {"admin"},
    ("POST", "/api/v1/submissions/{submission_id}/promote"): STAFF,
    ("GET", "/api/v1/submissions/{submission_id}/promotion-gates"): STAFF,
    ("POST", "/api/v1/registry/{slug}/versions/{version}/delist"): STAFF,
    ("GET", "/api/v1/registry/models"): STAFF | {"district"},
    ("GET", "/api/v1/registry/models/{slug}/versions/{version}"): STAFF | {"district"},
    ("POST", "/api/v1/registry/pulls"): STAFF | {"district"},
    ("POST", "/api/v1/registry/{slug}/outcomes"): {"district"},
    ("POST", "/api/v1/registry/{slug}/outcomes.csv"): {"district"},
    ("GET", "/api/v1/registry/{slug}/field-board"): STAFF | {"district"},
    ("POST", "/api/v1/leads/push"): {"district"},
    ("GET", "/api/v1/leads"): {"district"},
    ("GET", "/api/v1/leads/assignees"): {"district"},
    ("POST", "/api/v1/leads/bulk"): {"district"},
    ("GET", "/api/v1/leads/{lead_id}"): {"district"},
    ("POST", "/api/v1/leads/{lead_id}/transition"): {"district"},
    ("POST", "/api/v1/leads/{lead_id}/assign"): {"district"},
    ("GET", "/api/v1/admin/bundles"): {"admin"},
    ("POST", "/api/v1/admin/bundles/{slug}/load"): {"admin"},
    ("POST", "/api/v1/admin/bundles/{slug}/check"): {"admin"},
    ("POST", "/api/v1/challenges/{slug}/publish"): {"admin"},
    ("POST", "/api/v1/challenges/{slug}/withdraw"): {"admin"},
    ("GET", "/api/v1/registry/models/{slug}/history"): STAFF | {"district"},
    ("GET", "/api/v1/registry/models/{slug}/champion"): STAFF | {"district"},
    ("GET", "/api/v1/notifications"): ALL,
    ("GET", "/api/v1/notifications/unread-count"): ALL,
    ("POST", "/api/v1/notifications/read-all"): ALL,
    ("POST", "/api/v1/notifications/{notification_id}/read"): ALL,
    ("GET", "/api/v1/admin/webhooks"): {"admin"},
    ("POST", "/api/v1/admin/webhooks"): {"admin"},
    ("GET", "/api/v1/admin/webhooks/{webhook_id}"): {"admin"},
    ("PATCH", "/api/v1/admin/webhooks/{webhook_id}"): {"admin"},
    ("DELETE", "/api/v1/admin/webhooks/{webhook_id}"): {"admin"},
    ("POST", "/api/v1/admin/webhooks/{webhook_id}/rotate-secret"): {"admin"},
    ("POST", "/api/v1/admin/webhooks/{webhook_id}/ping"): {"admin"},
    ("GET", "/api/v1/admin/webhooks/{webhook_id}/deliveries"): {"admin"},
    ("POST", "/api/v1/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/retry"): {"admin"},
}

PATH_VALUES = {"slug": "medical-insurance-recovery", "submission_id": "0" * 32, "token_id": "999999", "version": "1",
               "request_id": "0" * 32, "lead_id": "0" * 32,
               "notification_id": "0" * 32, "webhook_id": "0" * 32, "delivery_id": "0" * 32}


def openapi_routes(client) -> list[tuple[str, str]]:
    document = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_every_route_is_in_the_matrix(client):
    missing = [route for route in openapi_routes(client) if route not in ROLE_MATRIX]
    assert not missing, f"add these routes to ROLE_MATRIX with the roles allowed to call them: {missing}"


@pytest.mark.parametrize("role", sorted(PUBLIC))
def test_roles_get_exactly_what_the_matrix_allows(client, role_headers, role):
    headers = {} if role == "anon" else role_headers[role]
    for method, path in openapi_routes(client):
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        answer = client.request(method, url, headers=headers)
        allowed = ROLE_MATRIX[(method, path)]
        where = f"{role} {method} {path} -> {answer.status_code} {answer.text[:200]}"
        assert answer.status_code < 500, where
        if role in allowed:
            assert answer.status_code not in (401, 403), where
        elif role == "anon":
            assert answer.status_code == 401, where
        else:
            assert answer.status_code == 403, where
