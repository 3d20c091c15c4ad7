"""Pre-started sandboxes: one job each, and a job sees only its own model's files."""

from __future__ import annotations

import json
import os

import pyarrow.parquet as pq
from sandbox_helpers import requires_sandbox

from dabiwu.sandbox import Limits, prewarm, run, shutdown_warm


@requires_sandbox
def test_prestarted_sandboxes_serve_one_job_each_and_show_only_that_model(hostile, features_path, tmp_path):
    team_a = hostile("list_model").rename(tmp_path / "team-a-model")
    (team_a / "team-a-secret.txt").write_text("a")
    team_b = hostile("list_model")
    (team_b / "team-b-secret.txt").write_text("b")
    os.chmod(team_b / "team-b-secret.txt", 0o600)  # not readable by the sandbox uid: copied and opened up

    limits = Limits(wall_seconds=120)
    try:
        prewarm(limits, preload=())  # no sklearn to import: these models are plain PythonModels
        seen = {}
        for name, model in (("a", team_a), ("b", team_b)):
            out = tmp_path / f"out-{name}"
            result = run(model_dir=model, features_path=features_path, out_dir=out, limits=limits)
            seen[name] = pq.read_table(result.predictions_path).column("score")[0].as_py()
            assert json.loads((out / "stats.json").read_text())["prestarted"] is True
    finally:
        shutdown_warm()

    assert "team-a-secret.txt" in seen["a"] and "team-b-secret.txt" not in seen["a"]
    assert "team-b-secret.txt" in seen["b"] and "team-a-secret.txt" not in seen["b"]
    assert "MLmodel" in seen["a"] and "MLmodel" in seen["b"]
