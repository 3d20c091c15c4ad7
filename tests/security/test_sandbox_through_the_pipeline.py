"""Sandbox escapes attempted by a model submitted through the API and scored by a real worker.

tests/sandbox/ (the sandbox's own suite) covers, one run at a time: reading the state folder, the
database, the object store and other teams' models; /proc/1/environ and the worker's secrets; the
network (5432, 6379, a loopback listener standing for the API) and DNS; ptrace, namespaces, mount;
writes outside scratch, /dev/shm; daemons left behind; fork bombs, memory, CPU, wall clock, output
size.  What it cannot cover is the pipeline around the sandbox; this file adds, with the state folder
laid out as in production (beside the repository, not under /tmp, which the sandbox replaces anyway):

- the hidden labels, with the attacker knowing their exact path: neither the feature frame (no label
  or split column) nor any file the model can open holds them, so the score cannot be stolen;
- filling the scratch disk: it stops at the job's own bounded tmpfs (ENOSPC), the host's disk is
  untouched, and the job ends with an ordinary model failure.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import uuid
from pathlib import Path

import pytest

from tests.e2e.model_builders import tar_model
from tests.pipeline import upload, work_one

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(database_url):
    """DABIWU_HOME where production keeps it (next to the code), so hiding it is the sandbox's doing."""
    from dabiwu.settings import Settings

    home = REPO.parent / f".dabiwu-security-test-{uuid.uuid4().hex[:8]}"
    home.mkdir()
    url = database_url
    if url.startswith("sqlite:///"):
        shutil.copy(url.removeprefix("sqlite:///"), home / "dabiwu.db")
        url = f"sqlite:///{home / 'dabiwu.db'}"
    try:
        yield Settings(home=home, database_url=url, storage_url=(home / "objects").as_uri(), mode="dev",
                       log_json=False, local_workers=1)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _thief_archive(root: Path, **params) -> Path:
    spec = importlib.util.spec_from_file_location("label_thief", Path(__file__).with_name("label_thief.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules["label_thief"] = module  # pickled by reference to the name the sandbox will import
    spec.loader.exec_module(module)
    return tar_model(module.save(root / "model", **params), root / "thief.tar.gz")


def test_a_model_cannot_steal_labels_and_a_full_scratch_disk_stays_its_own_problem(
        client, settings, role_headers, loaded, tmp_path):
    from dabiwu.db.models import Challenge, DatasetVersion
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        label_column = session.query(Challenge).one().rules.label_column
        labels_key = session.get(DatasetVersion, loaded["dataset_id"]).test_labels_key
    labels_path = settings.home_dir / "objects" / labels_key
    assert labels_path.is_file()  # on the host, right there
    archive = _thief_archive(tmp_path / "thief", home=str(settings.home_dir), label_column=label_column,
                             labels_path=str(labels_path))
    accepted = upload(client, role_headers["team"], archive)
    assert accepted.status_code == 202, accepted.text
    assert work_one(settings) == "failed"

    result = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=role_headers["team"]).json()
    assert result["status"] == "failed" and result["error_kind"] == "predict_crash", result
    assert result["error_zh"].startswith("模型的 predict"), result["error_zh"]
    report = result["log_tail"]
    assert "THIEF REPORT" in report, report
    assert "label column visible: False" in report and "split column visible: False" in report
    assert "label files found: []" in report
    reads = [line for line in report.splitlines() if line.startswith(("read ", "list "))]
    assert any(str(labels_path) in line for line in reads), report
    assert all(line.endswith(("DENIED FileNotFoundError", "DENIED PermissionError")) for line in reads), reads
    assert "scratch fill: stopped by No space left on device" in report, report
    assert result["public_score"] is None
    assert not any((settings.home_dir / "work").iterdir())  # the job's scratch went with it
