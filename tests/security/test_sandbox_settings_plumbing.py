"""The sandbox hides the state folder of the Settings its worker was given (issue #14, item 13).

It used to build its own global Settings (from the environment) to learn which folder to hide and to
check that no folder it shows holds it; a worker started with another home (a second install, a
test, a service with its own environment) then protected the wrong folder. Here a worker gets a
home inside a folder the sandbox must show (the venv): the run must be refused before any model
code runs (a platform fault, retried and never charged), and the model must never see that folder.
"""

from __future__ import annotations

import shutil
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))  # hostile_models
from tests.e2e.model_builders import tar_model  # noqa: E402
from tests.pipeline import upload, work_one  # noqa: E402

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(database_url, scoring_runtime):
    """A non-default home, inside the scoring runtime's folder, which every sandbox shows read-only."""
    from dabiwu.settings import Settings, get_settings

    home = scoring_runtime.path.resolve() / f"dabiwu-test-home-{uuid.uuid4().hex[:8]}"
    assert get_settings().home_dir != home  # the process's global settings know nothing of it
    home.mkdir()
    url = database_url
    if url.startswith("sqlite:///"):
        shutil.copy(url.removeprefix("sqlite:///"), home / "dabiwu.db")
        url = f"sqlite:///{home / 'dabiwu.db'}"
    try:
        yield Settings(home=home, database_url=url, storage_url=(home / "objects").as_uri(), mode="dev",
                       log_json=False, local_workers=1, sandbox="bwrap", sandbox_prewarm=False)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_a_worker_hides_the_state_folder_of_its_own_settings(client, settings, role_headers, loaded, tmp_path):
    import hostile_models
    from sandbox_helpers import BWRAP_OK

    from dabiwu.db.models import Job
    from dabiwu.db.session import session_scope

    if not BWRAP_OK:
        pytest.skip("bubblewrap is not usable here")
    secret = settings.home_dir / "secret.txt"
    secret.write_text("SECRET-STATE")
    model = hostile_models.save(tmp_path / "model", "probe", secret_paths=[str(secret)], host_write_dir=str(tmp_path),
                                ports=[], daemon_marker=f"dabiwu-daemon-{uuid.uuid4().hex}")
    accepted = upload(client, role_headers["team"], tar_model(model, tmp_path / "model.tar.gz"))
    assert accepted.status_code == 202, accepted.text

    # The model never runs: the worker's state folder lies inside a folder the sandbox shows.
    assert work_one(settings) == "retry"
    with session_scope(settings.resolved_database_url) as session:
        job = session.query(Job).one()
        assert str(settings.home_dir) in job.error and "DABIWU_HOME" in job.error, job.error
    result = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=role_headers["team"]).json()
    assert result["status"] == "queued" and result["error"] is None, result
