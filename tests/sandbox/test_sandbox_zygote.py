"""The fork-server (DABIWU_SANDBOX_MODE=fork): a job cannot reach the zygote it was forked from, and nothing it does
(files, imports, sys.modules, caches, processes) reaches the next job. The other hostile-model tests run in forked
children too (the `mode` fixture in conftest.py and MODES in sandbox_helpers.py)."""

from __future__ import annotations

import json
import os
import signal
import threading
import uuid

import pyarrow.parquet as pq
import pytest
from sandbox_helpers import process_cmdlines_containing, processes_of_uid, requires_fork, sandbox_mode

from dabiwu.sandbox import Limits, run, warm


def _the_zygote():
    with warm._lock:
        zygotes = [z for _owner, z in warm._zygotes.values()]
    assert len(zygotes) == 1, zygotes
    return zygotes[0]


def _answers(result) -> dict[str, str]:
    return pq.read_table(result.predictions_path).to_pandas().iloc[0].to_dict()


@requires_fork
def test_a_job_cannot_reach_the_zygote_or_poison_the_next_job(hostile, features_path, tmp_path):
    marker = f"dabiwu-poison-{uuid.uuid4().hex}"
    limits = Limits(wall_seconds=120)
    with sandbox_mode("fork", limits):
        assert warm.wait_zygote_ready(300)
        zygote = _the_zygote()
        zygote_pid = zygote.pid()
        first = run(model_dir=hostile("poison", zygote_pid=zygote_pid, marker=marker), features_path=features_path,
                    out_dir=tmp_path / "first", limits=limits)
        later = run(model_dir=hostile("inspect", marker=marker), features_path=features_path,
                    out_dir=tmp_path / "later", limits=limits)
        assert first.mode == later.mode == "fork"
        assert _the_zygote() is zygote and zygote.alive() and zygote.pid() == zygote_pid  # it survived, unchanged
        poisoned, seen = _answers(first), _answers(later)
        first_uid = json.loads((tmp_path / "first" / "stats.json").read_text())["uid"]

    # The zygote is out of reach: not in the job's /proc, not its parent, not traceable, not signalled.
    for key in ("zygote_mem", "zygote_environ", "kill_zygote", "ptrace_parent", "ptrace_zygote",
                "write_site_packages", "write_sklearn_init"):
        assert poisoned[key].startswith("DENIED:"), (key, poisoned[key])
    assert poisoned["parent"] == "0"
    assert str(zygote_pid) not in poisoned["pids_seen"].replace(",", " ").split()
    assert poisoned["files"].startswith("OK:") and poisoned["cache_dir"].startswith("OK:")  # its own scratch space

    # The next job starts from the zygote as it was: no module, attribute, environment or cache entry of the first,
    # the real predict_proba, none of its files, no process it left, and a uid of its own.
    assert seen["sklearn_attr"] == "clean" and seen["fake_module"] == "clean"
    assert seen["environ"] == "clean" and seen["linecache"] == "clean"
    assert seen["predict_proba"] != "[0.0, 1.0]", seen["predict_proba"]
    assert seen["site_packages"] == "[]" and seen["sklearn_init"] == "clean"
    assert seen["files"] == "[]" and seen["tmp_listing"] == "[]"
    assert seen["marker_processes"] == "[]"
    assert seen["uid"] != str(first_uid) and seen["uid"] != "0"
    assert process_cmdlines_containing(marker) == []  # on the host too
    assert processes_of_uid(first_uid) == []


@requires_fork
def test_jobs_running_at_once_see_only_their_own_model(hostile, features_path, tmp_path):
    models = {}
    for name in ("a", "b", "c"):
        models[name] = hostile("list_model").rename(tmp_path / f"team-{name}-model")
        (models[name] / f"team-{name}-secret.txt").write_text(name)
    os.chmod(models["b"] / "team-b-secret.txt", 0o600)  # not readable by the job's uid: copied and opened up
    limits = Limits(wall_seconds=120)
    seen: dict[str, str] = {}
    errors: list[BaseException] = []

    def score(name: str) -> None:
        try:
            result = run(model_dir=models[name], features_path=features_path, out_dir=tmp_path / f"out-{name}",
                         limits=limits)
            assert result.mode == "fork"
            seen[name] = pq.read_table(result.predictions_path).column("score")[0].as_py()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with sandbox_mode("fork", limits):
        assert warm.wait_zygote_ready(300)
        threads = [threading.Thread(target=score, args=(name,)) for name in models]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
    assert not errors, errors
    for name in models:
        others = [f"team-{o}-secret.txt" for o in models if o != name]
        assert f"team-{name}-secret.txt" in seen[name] and "MLmodel" in seen[name]
        assert not any(o in seen[name] for o in others), seen[name]


@requires_fork
def test_a_dead_zygote_is_replaced_and_the_job_still_runs(sklearn_model, features_path, tmp_path):
    limits = Limits(wall_seconds=120)
    with sandbox_mode("fork", limits):
        assert warm.wait_zygote_ready(300)
        dead = _the_zygote()
        os.kill(dead.pid(), signal.SIGKILL)  # from outside: the whole zygote sandbox goes
        dead.proc.wait(timeout=30)
        result = run(model_dir=sklearn_model, features_path=features_path, out_dir=tmp_path / "out", limits=limits)
        assert result.mode == "fork"
        replacement = _the_zygote()
        assert replacement is not dead and replacement.alive()
    assert pq.read_table(result.predictions_path).num_rows == 20


@requires_fork
def test_forked_job_accounting_is_the_jobs_own(sklearn_model, features_path, tmp_path):
    limits = Limits(wall_seconds=120)
    with sandbox_mode("fork", limits, preload=None):  # the zygote imports sklearn and skops, as a worker's does
        assert warm.wait_zygote_ready(300)
        run(model_dir=sklearn_model, features_path=features_path, out_dir=tmp_path / "out", limits=limits)
        zygote_cpu = _cpu_seconds(_the_zygote().pid())
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["mode"] == "fork" and stats["uid"] not in (None, 0)
    # The job's CPU is its own (a forked child's counters start at zero), not the imports the zygote did for it.
    assert 0 < stats["cpu_s"] < zygote_cpu, (stats["cpu_s"], zygote_cpu)
    # Its peak RSS is the kernel's for the job's process (wait4 in the keeper); the job-wide limit by uid is tested in
    # test_sandbox_limits.py::test_memory_limit_covers_all_processes_of_the_job, which runs forked too.
    assert stats["peak_mem_mb"] > 0
    assert stats["peak_job_pss_mb"] <= stats["peak_mem_mb"]  # 0 when the job ended before the first sample


def _cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("asked", ["fork"])
def test_fork_mode_falls_back_where_the_sandbox_is_not_bubblewrap(asked):
    assert warm.effective_mode(asked, "unshare") == "prestarted"
    assert warm.effective_mode("fresh", "bwrap") == "fresh"
