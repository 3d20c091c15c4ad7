"""Fixtures for whole-pipeline tests: a loaded bundle and a real baseline MLflow model."""

from __future__ import annotations

import importlib.util
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SLUG = "medical-insurance-recovery"
BUNDLE = REPO / "challenges" / SLUG


def _baseline_module():
    spec = importlib.util.spec_from_file_location("mir_baseline", BUNDLE / "baseline.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def baseline_archive(tmp_path_factory) -> Path:
    """The bundle's own baseline, trained on its public train set and saved by stock mlflow (skops)."""
    from dabiwu.challenges.bundle import load_bundle

    bundle = load_bundle(BUNDLE)
    train = bundle.generate(3000, bundle.rules.data.train_seed)
    baseline = _baseline_module()
    root = tmp_path_factory.mktemp("baseline")
    model_dir = baseline.save(baseline.train(train), train, root / "model")
    archive = root / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model_dir, arcname=".")
    return archive


@pytest.fixture
def loaded(settings):
    """The bundle loaded into this test's database and object store."""
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    with session_scope(settings.resolved_database_url) as session:
        result = load_challenge(session, store=store_for(settings), path=BUNDLE)
        return {"slug": result.challenge.slug, "dataset_id": result.dataset.id}


def upload(client, headers, archive: Path, slug: str = SLUG):
    with archive.open("rb") as handle:
        return client.post(f"/api/v1/challenges/{slug}/submissions", headers=headers,
                           files={"file": (archive.name, handle, "application/gzip")})


def work_one(settings) -> str | None:
    """Run one queued job in this process, exactly as a worker would."""
    from dabiwu.db.session import get_sessionmaker
    from dabiwu.jobs.lifecycle import claim_next
    from dabiwu.executors.worker_loop import run_one
    from dabiwu.storage_access import store_for

    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with sessionmaker() as session:
        claim = claim_next(session, worker_id="test-worker", lease_seconds=settings.job_lease_seconds)
    if claim is None:
        return None
    return run_one(settings=settings, sessionmaker=sessionmaker, store=store_for(settings), claim=claim)


def pipeline_env(db_template, home: Path, **overrides):
    """A database cloned from the template, the bundle loaded, and a TestClient, for a whole module
    (loading the bundle once instead of per test): a generator to wrap in a module-scoped fixture.
    Yields (settings, client); `make_team(settings, name)` makes a team user (one per test: daily quotas)."""
    import shutil
    import uuid

    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from dabiwu.app import create_app
    from dabiwu.challenges.service import load_challenge
    from dabiwu.db.session import get_engine, session_scope
    from dabiwu.settings import Settings
    from dabiwu.storage_access import store_for
    from tests.conftest import PG_URL, _pg_admin_engine

    home.mkdir(parents=True, exist_ok=True)
    kind, template = db_template
    name = None
    if kind == "sqlite":
        shutil.copy(template, home / "dabiwu.db")
        url = f"sqlite:///{home / 'dabiwu.db'}"
    else:
        from sqlalchemy.engine import make_url

        name = f"dabiwu_t_{uuid.uuid4().hex[:10]}"
        with _pg_admin_engine(PG_URL).connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    settings = Settings(**{"home": home, "database_url": url, "storage_url": (home / "objects").as_uri(), "mode": "dev",
                           "log_json": False, "local_workers": 1, "sandbox_prewarm": False, "board_cache_seconds": 0.0,
                           **overrides})
    with session_scope(settings.resolved_database_url) as session:
        load_challenge(session, store=store_for(settings), path=BUNDLE)
    try:
        with TestClient(create_app(settings)) as client:
            yield settings, client
    finally:
        get_engine(url).dispose()
        if name is not None:
            with _pg_admin_engine(PG_URL).connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def make_user_headers(settings, username: str, role: str = "team", **where) -> dict[str, str]:
    """A user (a team of its own by default: `team="Team X"`) and its bearer headers."""
    from dabiwu.auth.service import create_user, issue_token
    from dabiwu.db.session import session_scope

    if role == "team":
        where.setdefault("team", f"Team {username}")
    with session_scope(settings.resolved_database_url) as session:
        user = create_user(session, username=username, password="correct-horse-battery", role=role, **where)
        token, _ = issue_token(session, user=user, kind="api", name="test", secret_key=settings.secret_key, lifetime=None)
        return {"Authorization": f"Bearer {token}"}
