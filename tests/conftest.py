"""Shared fixtures.  The same suite runs on SQLite (default) and PostgreSQL (DABIWU_TEST_DATABASE_URL).

Each test gets a fresh, migrated database: SQLite copies a migrated template file; PostgreSQL
clones a migrated template database (CREATE DATABASE ... TEMPLATE), which takes ~0.1 s.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]

# Built scoring runtimes live outside the per-test temp folders, keyed by their lock's hash, so the
# suite builds each at most once per machine (CI's two parallel passes share it; `make test` passes
# the same folder). Every Settings of the suite, and every process it starts, reads this.
os.environ.setdefault("DABIWU_RUNTIMES_DIR", str(Path.home() / ".cache" / "dabiwu" / "runtimes"))

# Whole-pipeline fixtures (a loaded bundle, a real baseline model) shared by e2e and security tests.
pytest_plugins = ["tests.pipeline"]
PG_URL = os.environ.get("DABIWU_TEST_DATABASE_URL")


def _pg_admin_engine(url: str):
    return create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def pytest_sessionstart(session):
    """Build the default scoring runtime before any test, once per machine (a no-op once built; see
    DABIWU_RUNTIMES_DIR). Here rather than in a fixture: a first build takes minutes, longer than the per-test
    timeout, which covers fixture setup. `make test` and `.ci/run` build it even earlier (`make runtime`)."""
    from dabiwu.runtimes.build import ensure_built
    from dabiwu.settings import Settings

    ensure_built(None, Settings(), progress=lambda line: print(line, flush=True))
    # Thousands of in-process sign-ins: argon2id at its lowest cost here (0.4 s -> 2 ms each). Servers the suite
    # starts as subprocesses hash at the default cost (tests/api/test_auth.py checks that default).
    from dabiwu.auth.passwords import set_hashing_cost

    set_hashing_cost(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def scoring_runtime():
    """The default scoring runtime, built by pytest_sessionstart."""
    from dabiwu.runtimes import built_runtime
    from dabiwu.settings import Settings

    return built_runtime(None, Settings())


@pytest.fixture(scope="session")
def db_template(tmp_path_factory):
    from dabiwu.bootstrap import seed_districts
    from dabiwu.db.migrate import upgrade
    from dabiwu.db.session import session_scope

    if PG_URL:
        name = f"dabiwu_tpl_{uuid.uuid4().hex[:8]}"
        admin = _pg_admin_engine(PG_URL)
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        with session_scope(url) as session:
            seed_districts(session)
        from dabiwu.db.session import get_engine

        get_engine(url).dispose()
        yield ("postgresql", name)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("dbtpl") / "template.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        with session_scope(url) as session:
            seed_districts(session)
        from dabiwu.db.session import get_engine

        get_engine(url).dispose()
        yield ("sqlite", path)


@pytest.fixture
def database_url(db_template, tmp_path):
    kind, template = db_template
    if kind == "sqlite":
        target = tmp_path / "dabiwu.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
        return
    name = f"dabiwu_t_{uuid.uuid4().hex[:10]}"
    admin = _pg_admin_engine(PG_URL)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    from dabiwu.db.session import get_engine

    get_engine(url).dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def settings(tmp_path, database_url):
    from dabiwu.settings import Settings

    home = tmp_path / "home"
    home.mkdir()
    return Settings(
        home=home,
        database_url=database_url,
        storage_url=(home / "objects").as_uri(),
        mode="dev",
        log_json=False,
        local_workers=1,
        board_cache_seconds=0.0,  # tests read boards right after changing scores
    )


@pytest.fixture
def app(settings):
    from dabiwu.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    from tests.error_shape import watch

    with TestClient(app) as test_client:
        watch(test_client)  # every 4xx/5xx answer a test sees must have the one error shape
        yield test_client


@pytest.fixture
def make_user(settings):
    """Create a user and return (user_id, bearer headers)."""
    from dabiwu.auth.service import create_user, issue_token
    from dabiwu.db.session import session_scope

    def factory(username: str, role: str, *, team: str | None = None, district: str | None = None,
                password: str = "correct-horse-battery"):
        with session_scope(settings.resolved_database_url) as session:
            user = create_user(session, username=username, password=password, role=role, team=team, district=district)
            token, _ = issue_token(session, user=user, kind="api", name="test", secret_key=settings.secret_key, lifetime=None)
            return user.id, {"Authorization": f"Bearer {token}"}

    return factory


@pytest.fixture
def role_headers(make_user):
    """One signed-in user per role (plus a second team), as bearer headers."""
    return {
        "admin": make_user("admin1", "admin")[1],
        "judge": make_user("judge1", "judge")[1],
        "team": make_user("alice", "team", team="Team A")[1],
        "team_b": make_user("bob", "team", team="Team B")[1],
        "district": make_user("zaoyang1", "district", district="zaoyang")[1],
    }


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, run only the tests that touch the database; the rest ran on SQLite."""
    if not PG_URL:
        return
    selected, deselected = [], []
    for item in items:
        (selected if "database_url" in getattr(item, "fixturenames", ()) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def pytest_runtest_setup(item):
    """A test marked `needs(part, problem)` fails with the problem, or is skipped when the part is opted out."""
    from tests.system_parts import apply_marks

    apply_marks(item)


def pytest_terminal_summary(terminalreporter):
    from tests.system_parts import summary_lines

    for line in summary_lines(terminalreporter.stats.get("skipped", [])):
        terminalreporter.write_line(line, yellow=True)
