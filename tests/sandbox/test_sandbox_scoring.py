"""Benign models score: the predictions Parquet is exactly what predict returned, chunk by chunk."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sandbox_helpers import BWRAP_OK, SANDBOX_KIND, requires_sandbox

from tests.system_parts import needs

from dabiwu.sandbox import Limits, SandboxError, run


@requires_sandbox
def test_sklearn_predict_proba_scores_every_row_in_chunks(sklearn_model, features_path, tmp_path):
    limits = Limits(wall_seconds=120, chunk_rows=7)  # 20 rows: chunks of 7, 7, 6
    result = run(model_dir=sklearn_model, features_path=features_path, out_dir=tmp_path / "out", limits=limits)

    assert result.kind == SANDBOX_KIND
    assert result.predictions_path == tmp_path / "out" / "predictions.parquet"
    predictions = pq.read_table(result.predictions_path).to_pandas()
    assert list(predictions.columns) == ["0", "1"]
    assert len(predictions) == 20
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0)
    # The same numbers as the model gives in-process (here, in the trusted test only).
    import mlflow.pyfunc

    expected = mlflow.pyfunc.load_model(str(sklearn_model)).predict(pd.read_parquet(features_path))
    np.testing.assert_allclose(predictions.to_numpy(), expected)
    assert result.peak_mem_mb > 50  # the kernel's measure of a Python that imported mlflow
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["child_reported"]["rows"] == 20
    assert stats["kind"] == SANDBOX_KIND


def test_none_mode_runs_without_isolation_when_asked_and_strings_stay_strings(hostile, features_path, tmp_path, caplog):
    model = hostile("big_output", bytes_per_row=8)  # a Series of 8-character strings
    result = run(model_dir=model, features_path=features_path, out_dir=tmp_path / "out",
                 limits=Limits(wall_seconds=120), kind="none")
    assert result.kind == "none"
    predictions = pq.read_table(result.predictions_path).to_pandas()
    assert list(predictions.columns) == ["score"]
    assert predictions["score"].map(len).eq(8).all()
    assert "SANDBOX DISABLED" in caplog.text


def test_unknown_preference_is_refused_with_an_operator_message():
    from dabiwu.sandbox import detect_sandbox

    with pytest.raises(SandboxError) as info:
        detect_sandbox("docker")
    assert info.value.kind == "unavailable"
    assert "DABIWU_SANDBOX" in info.value.message


@needs("root", None if os.geteuid() == 0 else "needs root to stand in for an unprivileged worker")
@needs("sandbox", None if BWRAP_OK else "bubblewrap is not usable here")
def test_the_unprivileged_worker_branch_builds_a_working_sandbox(monkeypatch, hostile, features_path, tmp_path):
    """Workers in containers run as a plain user (uid 10001): bwrap then makes a user namespace itself
    and no uid is handed out. Here root stands in for that user (same command line, same child);
    what differs is only the host uid the namespace maps to."""
    from dabiwu.sandbox import detect, launch, runner

    for module in (launch, runner, detect):
        monkeypatch.setattr(module, "running_as_root", lambda: False)
    detect.probe.cache_clear()
    try:
        result = run(model_dir=hostile("plain"), features_path=features_path, out_dir=tmp_path / "out",
                     limits=Limits(wall_seconds=120), kind="bwrap")
    finally:
        detect.probe.cache_clear()
    assert result.kind == "bwrap"
    assert pq.read_table(result.predictions_path).num_rows == 20
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["uid"] is None
