"""Fixtures for the sandbox tests: small features and model builders."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"


@pytest.fixture(scope="session")
def features_path(tmp_path_factory) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.random((20, 3)), columns=["f0", "f1", "f2"])
    path = tmp_path_factory.mktemp("features") / "features.parquet"
    frame.to_parquet(path)
    return path


@pytest.fixture(scope="session")
def sklearn_model(tmp_path_factory, features_path) -> Path:
    import mlflow.sklearn
    from sklearn.linear_model import LogisticRegression

    frame = pd.read_parquet(features_path)
    labels = (frame["f0"] > 0.5).astype(int)
    path = tmp_path_factory.mktemp("models") / "sklearn"
    mlflow.sklearn.save_model(LogisticRegression().fit(frame, labels), str(path), pyfunc_predict_fn="predict_proba")
    return path


@pytest.fixture
def hostile(tmp_path):
    """hostile("action", **params) -> the saved model folder."""
    import hostile_models

    def build(action: str, **params) -> Path:  # noqa: ANN003
        return hostile_models.save(tmp_path / f"model-{action}", action, **params)

    return build




@pytest.fixture(params=["fresh", "fork"])
def mode(request):
    """Each hostile-model test runs in a fresh sandbox and in a child forked from a fork-server."""
    from sandbox_helpers import sandbox_mode

    with sandbox_mode(request.param) as chosen:
        yield chosen
