"""Fixtures for the registry tests (the world they build is in registry_world.py)."""

from __future__ import annotations

import os
import shutil
import tarfile
from pathlib import Path

import pytest

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

from registry_world import FEATURES, World, lead_frame  # noqa: E402


@pytest.fixture(scope="session")
def mlflow_db_template(tmp_path_factory) -> Path:
    """A migrated MLflow database, copied into each test's home (migrating one costs seconds)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    path = tmp_path_factory.mktemp("mlflowtpl") / "mlflow.db"
    store = SqlAlchemyStore(f"sqlite:///{path}", "mlflow-artifacts:/")
    store.engine.dispose()
    return path


@pytest.fixture(scope="session")
def model_archive(tmp_path_factory) -> Path:
    """A real sklearn model saved by stock mlflow (skops), packed as a team would upload it."""
    from importlib.metadata import version

    import mlflow.sklearn
    from mlflow.models import infer_signature
    from sklearn.linear_model import LogisticRegression

    frame = lead_frame(400, seed=1)
    X = frame[list(FEATURES)]
    model = LogisticRegression().fit(X, frame["is_lead"])
    root = tmp_path_factory.mktemp("model")
    model_dir = root / "model"
    pins = [f"{name}=={version(name)}" for name in ("numpy", "pandas", "scikit-learn", "scipy", "skops")]
    mlflow.sklearn.save_model(model, str(model_dir), signature=infer_signature(X, model.predict_proba(X)),
                              pyfunc_predict_fn="predict_proba", pip_requirements=pins)
    archive = root / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(model_dir, arcname=".")
    return archive


@pytest.fixture
def registry_settings(settings, mlflow_db_template):
    settings.mlflow_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(mlflow_db_template, settings.mlflow_dir / "mlflow.db")
    return settings.model_copy(update={"mlflow_allowed_hosts": "testserver,127.0.0.1,localhost"})


@pytest.fixture
def registry_client(registry_settings):
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app

    from tests.error_shape import watch

    with TestClient(create_app(registry_settings)) as client:
        watch(client)  # every 4xx/5xx answer outside /mlflow must have the one error shape
        yield client


@pytest.fixture
def world(registry_settings, make_user, model_archive):
    """The challenge, one account per role, and `submit(team, scores)` for scored submissions."""
    return World(registry_settings, make_user, model_archive)
