"""Resource limits: each hostile model ends with the right kind of error and leaves the host as it was."""

from __future__ import annotations

import pytest
from sandbox_helpers import job_uid, processes_of_uid, requires_root_bwrap, requires_sandbox

from dabiwu.sandbox import Limits, SandboxError, run

pytestmark = pytest.mark.usefixtures("mode")  # each test in a fresh sandbox and in a forked child (conftest.py)


def _run_expecting_error(model, features_path, tmp_path, limits: Limits) -> SandboxError:
    with pytest.raises(SandboxError) as info:
        run(model_dir=model, features_path=features_path, out_dir=tmp_path / "out", limits=limits)
    assert not (tmp_path / "out" / "predictions.parquet").exists()
    return info.value


@requires_sandbox
def test_fork_bomb_is_bounded_by_the_process_limit(hostile, features_path, tmp_path):
    model = hostile("fork_bomb")
    error = _run_expecting_error(model, features_path, tmp_path, Limits(max_processes=16, wall_seconds=60))
    assert error.kind in ("predict_crash", "timeout")
    # It was the process limit that stopped it (EAGAIN from fork), not the clock.
    assert error.kind == "predict_crash", error.message
    assert "Resource temporarily unavailable" in error.log_tail or "BlockingIOError" in error.log_tail
    assert processes_of_uid(job_uid(tmp_path / "out")) == []  # not one of its processes survived


@requires_sandbox
def test_40_gb_allocation_is_oom(hostile, features_path, tmp_path):
    model = hostile("alloc", bytes=40 * 1024**3)
    error = _run_expecting_error(model, features_path, tmp_path, Limits(memory_mb=2048, wall_seconds=120))
    assert error.kind == "oom", error.message
    assert "2048 MB" in error.message
    assert "2048 MB 的内存上限" in error.message_zh  # the team reads it in Chinese too (submissions.error_zh)
    assert "MemoryError" in error.log_tail


@requires_root_bwrap
def test_memory_limit_covers_all_processes_of_the_job(hostile, features_path, tmp_path):
    # Three processes of 350 MB each: every one under RLIMIT_AS (about 450 MB of it is the Python with
    # mlflow and pandas), the job together over 1024 MB.
    model = hostile("fork_hogs", processes=3, mb_each=350)
    error = _run_expecting_error(model, features_path, tmp_path, Limits(memory_mb=1024, wall_seconds=50))
    assert error.kind == "oom", error.message
    assert "together" in error.message
    assert processes_of_uid(job_uid(tmp_path / "out")) == []


@requires_sandbox
def test_infinite_loop_hits_the_wall_clock(hostile, features_path, tmp_path):
    model = hostile("loop")
    error = _run_expecting_error(model, features_path, tmp_path, Limits(wall_seconds=5))
    assert error.kind == "timeout"
    assert "5 s wall-clock limit" in error.message
    assert processes_of_uid(job_uid(tmp_path / "out")) == []


@requires_sandbox
def test_cpu_limit_stops_a_busy_model(hostile, features_path, tmp_path):
    # Start-up (imports) takes a few CPU seconds; the loop takes the rest. The wall limit is far away.
    model = hostile("loop")
    error = _run_expecting_error(model, features_path, tmp_path, Limits(cpu_seconds=1, wall_seconds=240))
    assert error.kind == "timeout"
    assert "CPU time" in error.message


@requires_sandbox
def test_a_gigabyte_on_stdout_is_not_kept(hostile, features_path, tmp_path):
    model = hostile("spam_stdout", mb=1024)
    result = run(model_dir=model, features_path=features_path, out_dir=tmp_path / "out", limits=Limits(wall_seconds=240))
    assert result.predictions_path.exists()
    log = tmp_path / "out" / "stdout.log"
    assert log.stat().st_size < 100 * 1024
    assert "bytes not kept" in log.read_text()


@requires_sandbox
def test_predictions_larger_than_the_output_limit(hostile, features_path, tmp_path):
    model = hostile("big_output", bytes_per_row=200_000)  # 20 rows x 200 KB of random hex = 4 MB
    error = _run_expecting_error(model, features_path, tmp_path, Limits(max_output_mb=1, wall_seconds=120))
    assert error.kind == "output_too_large"
    assert "1 MB" in error.message
