"""Property-based fuzzing of every /api/v1 operation, as every role (schemathesis + hypothesis).

For each role and each operation in the OpenAPI document, schemathesis generates requests that fit
the schema (and, half the time, point at the real challenge and a real submission instead of random
ids). Every answer must be below 500 and, where the status code is documented, match the documented
response schema and content type.

Bounded and derandomized so it runs the same on every machine: 12 examples per operation a role may
call, 2 per operation it is refused (those stop at the role check). Excluded:
- `GET /submissions/{id}/events` (server-sent events: the stream stays open until a terminal status);
- nothing else; uploads are fuzzed too (random bytes are refused at intake in milliseconds).
"""

from __future__ import annotations

import pytest

from tests.pipeline import SLUG, upload

ROLES = ("anon", "admin", "judge", "team", "district")
EXCLUDED = {("GET", "/api/v1/submissions/{submission_id}/events")}
EXAMPLES_ALLOWED = 12
EXAMPLES_REFUSED = 2

pytestmark = pytest.mark.slow


@pytest.fixture
def fuzz_world(client, settings, make_user, loaded, baseline_archive):
    """One user per role, the bundle loaded, and one real (queued) submission of the team user."""
    from dabiwu.auth.service import issue_token
    from dabiwu.db.models import User
    from dabiwu.db.session import session_scope

    user_ids = {
        "admin": make_user("fuzz-admin", "admin")[0],
        "judge": make_user("fuzz-judge", "judge")[0],
        "team": make_user("fuzz-team", "team", team="Fuzz Team")[0],
        "district": make_user("fuzz-district", "district", district="zaoyang")[0],
    }

    def headers_for(role: str) -> dict[str, str]:
        # A fresh token per operation: fuzzing DELETE /auth/api-tokens/{id} may revoke the previous one.
        if role == "anon":
            return {}
        with session_scope(settings.resolved_database_url) as session:
            token, _ = issue_token(session, user=session.get(User, user_ids[role]), kind="api", name="fuzz",
                                   secret_key=settings.secret_key, lifetime=None)
        return {"Authorization": f"Bearer {token}"}

    accepted = upload(client, headers_for("team"), baseline_archive)
    assert accepted.status_code == 202, accepted.text
    return {"headers_for": headers_for, "known": {"slug": SLUG, "submission_id": accepted.json()["id"],
                                                  "version": 1, "token_id": 1}}


def _operations(client):
    import schemathesis

    document = client.get("/api/v1/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path if operation.path.startswith("/api/v1") else
               f"/api/v1{operation.path}")
        if key not in EXCLUDED:
            operations.append((key, operation))
    # Token deletion last, so that a revoked token cannot hide the other operations' answers.
    return sorted(operations, key=lambda item: (item[0][0] == "DELETE", item[0]))


def _fuzz_operation(session, operation, *, headers: dict, role: str, known: dict, examples: int) -> list[str]:
    from hypothesis import HealthCheck, Phase, given, settings as hypothesis_settings, strategies as st
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

    failures: list[str] = []

    @hypothesis_settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                         suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(), use_known=st.booleans())
    def run(case, use_known):
        if use_known and case.path_parameters:
            case.path_parameters = {k: known.get(k, v) for k, v in case.path_parameters.items()}
        response = case.call(session=session, headers=headers)
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance,
                                                     content_type_conformance], headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # collected, so one run reports every failing operation
            failures.append(f"{role} {case.method} {case.formatted_path} -> {response.status_code} "
                            f"{response.text[:300]!r}: {str(exc)[:600]}")
            raise

    try:
        run()
    except (Exception, BaseExceptionGroup):  # noqa: BLE001 - recorded in `failures` above
        pass
    return failures[-1:]


def test_every_operation_as_every_role_gives_no_5xx_and_matches_its_schema(app, client, fuzz_world):
    from schemathesis.python import asgi

    headers_for, known = fuzz_world["headers_for"], fuzz_world["known"]
    operations = _operations(client)
    assert len(operations) > 30
    failures: list[str] = []
    with asgi.get_client(app) as session:
        for role in ROLES:
            for (method, path), operation in operations:
                headers = headers_for(role)
                probe = client.request(method, path.replace("{", "").replace("}", ""), headers=headers)
                refused = probe.status_code in (401, 403)
                failures += _fuzz_operation(session, operation, headers=headers, role=role, known=known,
                                            examples=EXAMPLES_REFUSED if refused else EXAMPLES_ALLOWED)
    assert not failures, "\n\n".join(failures)
