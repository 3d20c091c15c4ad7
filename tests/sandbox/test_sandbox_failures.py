"""Crashes are told apart (load vs predict vs output) and say what the team should change."""

from __future__ import annotations

import pytest
from sandbox_helpers import requires_sandbox

from dabiwu.sandbox import Limits, SandboxError, detect_sandbox, run
from dabiwu.sandbox.detect import probe

pytestmark = pytest.mark.usefixtures("mode")  # each test in a fresh sandbox and in a forked child (conftest.py)


@requires_sandbox
def test_os_exit_at_load_is_a_load_crash(hostile, features_path, tmp_path):
    with pytest.raises(SandboxError) as info:
        run(model_dir=hostile("exit_at_load"), features_path=features_path, out_dir=tmp_path / "out",
            limits=Limits(wall_seconds=120))
    assert info.value.kind == "load_crash"
    assert "exit code 3" in info.value.message
    assert "load_model" in info.value.message


@requires_sandbox
def test_raising_in_predict_is_a_predict_crash_with_the_traceback(hostile, features_path, tmp_path):
    with pytest.raises(SandboxError) as info:
        run(model_dir=hostile("raise", message="boom-7f3a"), features_path=features_path, out_dir=tmp_path / "out",
            limits=Limits(wall_seconds=120))
    error = info.value
    assert error.kind == "predict_crash"
    assert "ValueError: boom-7f3a" in error.message
    assert "Traceback (most recent call last)" in error.log_tail
    assert "hostile_models.py" in error.log_tail
    assert len(error.log_tail.splitlines()) <= 50


@requires_sandbox
def test_output_that_is_not_a_table_is_a_predict_crash(hostile, features_path, tmp_path):
    with pytest.raises(SandboxError) as info:
        run(model_dir=hostile("bad_output"), features_path=features_path, out_dir=tmp_path / "out",
            limits=Limits(wall_seconds=120))
    assert info.value.kind == "predict_crash"
    assert "cannot be stored as a table" in info.value.message


def test_a_folder_without_mlmodel_is_refused_before_starting_anything(tmp_path, features_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SandboxError) as info:
        run(model_dir=tmp_path / "empty", features_path=features_path, out_dir=tmp_path / "out", limits=Limits(),
            kind="none")
    assert info.value.kind == "load_crash"
    assert "MLmodel" in info.value.message


def test_missing_features_are_the_platforms_problem(sklearn_model, tmp_path):
    with pytest.raises(SandboxError) as info:
        run(model_dir=sklearn_model, features_path=tmp_path / "nope.parquet", out_dir=tmp_path / "out",
            limits=Limits(), kind="none")
    assert info.value.kind == "unavailable"


@requires_sandbox
def test_state_folder_inside_a_shown_folder_is_refused(sklearn_model, features_path, tmp_path, scoring_runtime):
    from dabiwu.settings import Settings

    # The scoring runtime's folder is shown to the model (the platform's own venv no longer is); the caller's
    # settings, not the process's, say which folder is the state folder.
    settings = Settings(home=scoring_runtime.path.resolve() / "var")
    with pytest.raises(SandboxError) as info:
        run(model_dir=sklearn_model, features_path=features_path, out_dir=tmp_path / "out", limits=Limits(),
            kind="bwrap" if probe("bwrap")[0] else "unshare", settings=settings)
    assert info.value.kind == "unavailable"
    assert "DABIWU_HOME" in info.value.message


def test_a_sandbox_that_cannot_run_is_refused_with_what_to_install():
    works, why = probe("unshare")
    if works:
        assert detect_sandbox("unshare") == "unshare"
        return
    with pytest.raises(SandboxError) as info:
        detect_sandbox("unshare")
    assert info.value.kind == "unavailable"
    assert "bubblewrap" in info.value.message and "DABIWU_SANDBOX=none" in info.value.message
    assert why in info.value.message


def test_a_features_path_that_is_a_folder_is_refused(sklearn_model, tmp_path):
    # A directory descriptor handed to the model would be a way out (openat "..").
    with pytest.raises(SandboxError) as info:
        run(model_dir=sklearn_model, features_path=tmp_path, out_dir=tmp_path / "out", limits=Limits(), kind="none")
    assert info.value.kind == "unavailable"
    assert "regular file" in info.value.message
