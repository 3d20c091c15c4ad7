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
    train = bundle.generate(3000, int(bundle.spec["data"]["train_seed"]))
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
    from dabiwu.executors.jobs import claim_next
    from dabiwu.executors.worker_loop import run_one
    from dabiwu.storage_access import store_for

    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    with sessionmaker() as session:
        claim = claim_next(session, worker_id="test-worker", lease_seconds=settings.job_lease_seconds)
    if claim is None:
        return None
    return run_one(settings=settings, sessionmaker=sessionmaker, store=store_for(settings), claim=claim)
