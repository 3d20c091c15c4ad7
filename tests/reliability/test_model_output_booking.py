"""A model whose output upsets the trusted side is the team's error, never a platform fault (issue #14, item 8).

A platform fault is retried (3 attempts) and refunded: booking a model's own bad output as one gave
free re-runs (an int64 beyond 2**53 failed a checked cast in the worker; a Parquet body that does not
decode; a NUL in the log, which PostgreSQL refuses). Each output kind here comes from a real model in
the real sandbox, through the API and a worker: it ends at once (no retry), as scored or as a
terminal `failed` with a sentence in English and Chinese, and it is charged to the team's quota.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))  # hostile_models
from tests.e2e.model_builders import tar_model  # noqa: E402
from tests.pipeline import make_user_headers, pipeline_env, upload, work_one  # noqa: E402

pytestmark = pytest.mark.slow

# output kind -> (outcome, error_kind, rule shown to the team)
KINDS = {
    "int64_overflow": ("scored", None, None),
    "uint64_overflow": ("scored", None, None),
    "corrupt_parquet": ("failed", "bad_output", "unreadable_output"),
    "nul_log": ("failed", "predict_crash", None),
    "nan": ("failed", "bad_output", "not_finite"),
    "inf": ("failed", "bad_output", "not_finite"),
    "object": ("failed", "predict_crash", None),
    "wrong_length": ("failed", "bad_output", "wrong_length"),
    "strings": ("failed", "bad_output", "not_numeric"),
    "nested": ("failed", "bad_output", "not_numeric"),
}


@pytest.fixture(scope="module")
def env(db_template, tmp_path_factory):
    """One database, one loaded challenge and one app for all kinds (a team per kind: daily quotas).
    smoke_rows=0: one sandbox run per kind (the smoke run has its own tests in tests/security)."""
    yield from pipeline_env(db_template, tmp_path_factory.mktemp("booking") / "home", smoke_rows=0)


@pytest.fixture(scope="module")
def database_url(env):
    """The module's database (the PostgreSQL pass selects the tests that use a fixture of this name)."""
    return env[0].database_url

@pytest.mark.parametrize("kind", list(KINDS))
def test_the_models_output_is_booked_to_the_team(kind, env, database_url, tmp_path):
    import hostile_models
    from sandbox_helpers import SANDBOX_KIND

    from dabiwu.db.models import Job, Submission
    from dabiwu.db.session import session_scope

    if SANDBOX_KIND is None:
        pytest.skip("no sandbox works here")
    settings, client = env
    headers = make_user_headers(settings, f"team-{kind}")
    outcome, error_kind, rule = KINDS[kind]
    model = hostile_models.save(tmp_path / "model", "output", kind=kind)
    accepted = upload(client, headers, tar_model(model, tmp_path / "model.tar.gz"))
    assert accepted.status_code == 202, accepted.text

    assert work_one(settings) == outcome  # at once: not "retry"
    assert work_one(settings) is None  # and nothing was queued again
    result = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=headers).json()
    assert result["status"] == outcome and result["error_kind"] == error_kind, result
    if outcome == "failed":
        assert result["error"] and result["error_zh"], result
        assert "platform" not in result["error"].split(".")[0].lower()
        if rule:
            assert f"rule: {rule}" in result["error"], result["error"]
    with session_scope(settings.resolved_database_url) as session:
        submission = session.get(Submission, accepted.json()["id"])
        assert submission.counts_against_quota  # charged: only a platform fault refunds
        job = session.query(Job).filter(Job.submission_id == submission.id).one()
        assert job.attempt == 1 and job.status == "done", job.status
