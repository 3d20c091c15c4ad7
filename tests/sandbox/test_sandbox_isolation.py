"""A hostile model tries everything at once (one sandbox run, many assertions): read the state
folder, reach the network, read the worker's secrets from the environment, write outside its
scratch space, trace, make namespaces, and leave a daemon behind."""

from __future__ import annotations

import os
import socket
import sys
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sandbox_helpers import MODES, job_uid, process_cmdlines_containing, processes_of_uid, requires_bwrap, sandbox_mode

from dabiwu.sandbox import Limits, run

SECRET = f"SECRET-{uuid.uuid4().hex}"
ENV_SECRET = f"ENVSECRET-{uuid.uuid4().hex}"
MARKER = f"dabiwu-daemon-{uuid.uuid4().hex}"
REPO_ROOT = Path(__file__).resolve().parents[2]  # wherever this checkout lives (/work/main here, /check/... in CI)


@pytest.fixture(scope="module", params=MODES)
def attempt(request, tmp_path_factory, features_path):
    """Run the probe model once under bwrap, in a fresh sandbox and in a child forked from a fork-server;
    return (answers per attempt, logs, the host paths)."""
    import hostile_models

    base = tmp_path_factory.mktemp("isolation")
    state = base / "state"  # what DABIWU_HOME holds: database, labels, object store
    (state / "objects").mkdir(parents=True)
    (state / "labels.parquet").write_text(SECRET)
    (state / "dabiwu.db").write_text(SECRET)
    (state / "objects" / "team-b-model.pkl").write_text(SECRET)
    world_readable = base / "world"
    world_readable.mkdir()
    (world_readable / "open.txt").write_text(SECRET)
    os.chmod(base, 0o755)
    host_write_dir = base / "host-write"
    host_write_dir.mkdir(mode=0o777)
    os.chmod(host_write_dir, 0o777)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    model = hostile_models.save(
        base / "model", "probe",
        secret_paths=[str(state / "labels.parquet"), str(state / "dabiwu.db"), str(state / "objects" / "team-b-model.pkl"),
                      str(world_readable / "open.txt"), "/root/.bashrc", str(REPO_ROOT / "pyproject.toml"), "/etc/shadow",
                      "/var/log/dpkg.log"],
        host_write_dir=str(host_write_dir), ports=[5432, 6379, port], daemon_marker=MARKER,
    )
    saved = {k: os.environ.get(k) for k in ("DABIWU_SECRET_KEY", "AWS_SECRET_ACCESS_KEY")}
    os.environ["DABIWU_SECRET_KEY"] = ENV_SECRET
    os.environ["AWS_SECRET_ACCESS_KEY"] = ENV_SECRET
    try:
        with sandbox_mode(request.param):
            result = run(model_dir=model, features_path=features_path, out_dir=base / "out",
                         limits=Limits(wall_seconds=120))
        assert result.mode == request.param
    finally:
        listener.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    answers = pq.read_table(result.predictions_path).to_pandas().iloc[0].to_dict()
    logs = (base / "out" / "stdout.log").read_text() + (base / "out" / "stderr.log").read_text() + result.log_tail
    return {"answers": answers, "logs": logs, "model": model, "host_write_dir": host_write_dir, "result": result,
            "uid": job_uid(base / "out")}


@requires_bwrap
def test_state_folder_other_teams_and_host_files_are_invisible(attempt, scoring_runtime):
    answers = attempt["answers"]
    for key, value in answers.items():
        if key.startswith("read_"):
            assert value.startswith("DENIED:"), (key, value)
    for i in range(4):  # the folders holding the state and the world-readable file are not even listable
        assert answers[f"list_{i}"].startswith("DENIED:"), answers[f"list_{i}"]
    # /root shows only the paths to the Python installation and the scoring runtime (when they lie there)
    shown = sorted({Path(p).resolve().parts[2] for p in (scoring_runtime.path, scoring_runtime.base_prefix)
                    if Path(p).resolve().parts[1] == "root"})
    assert answers["list_4"] == f"OK:{shown}"
    everything = repr(answers) + attempt["logs"]
    assert SECRET not in everything
    listings = " ".join(v for k, v in answers.items() if k.startswith("list_"))
    assert "labels.parquet" not in listings and "dabiwu.db" not in listings


@requires_bwrap
def test_only_the_interpreter_and_the_job_are_visible(attempt, scoring_runtime):
    root = eval(attempt["answers"]["root_listing"])  # noqa: S307 - our own repr of a list of names
    assert "var" not in root and "home" not in root and "opt" not in root
    # the top folders of the Python installation and the scoring runtime (/root/.pyenv and /root/.cache here) are
    # bound read-only so the interpreter runs; everything else of the host, the platform's own venv included, is absent
    interpreter_tops = {Path(p).resolve().parts[1] for p in (scoring_runtime.path, scoring_runtime.base_prefix)}
    assert set(root) <= {"bin", "dev", "etc", "lib", "lib64", "lib32", "libx32", "proc", "sandbox", "sbin",
                         "tmp", "usr"} | interpreter_tops, (root, interpreter_tops)


@requires_bwrap
def test_no_network_at_all(attempt):
    answers = attempt["answers"]
    connects = {k: v for k, v in answers.items() if k.startswith("connect_")}
    assert len(connects) == 3
    for key, value in connects.items():
        assert value.startswith("DENIED:"), (key, value)
    assert answers["dns"].startswith("DENIED:")


@requires_bwrap
def test_worker_secrets_are_not_in_the_environment(attempt):
    answers = attempt["answers"]
    for key in ("proc1_environ", "self_environ"):
        assert ENV_SECRET not in answers[key]
        assert "DABIWU_" not in answers[key] and "AWS_" not in answers[key]
    assert "HOME" in answers["self_environ"] and "MLFLOW_DISABLE_TELEMETRY" in answers["self_environ"]


@requires_bwrap
def test_writes_outside_scratch_fail_and_the_host_is_untouched(attempt):
    answers = attempt["answers"]
    assert answers["write_model_dir"].startswith("DENIED:")
    assert answers["write_usr"].startswith("DENIED:")
    assert answers["write_host_dir"].startswith("DENIED:")
    # Its own /tmp and /dev/shm are private tmpfs: the writes succeed there and vanish with the job.
    assert answers["write_tmp"].startswith("OK:")
    assert answers["write_dev_shm"].startswith("OK:")
    assert not (attempt["model"] / "code" / "pwned.txt").exists()
    assert not Path("/usr/pwned.txt").exists()
    assert list(attempt["host_write_dir"].iterdir()) == []
    assert not Path(f"/tmp/{MARKER}.txt").exists()
    assert not Path(f"/dev/shm/{MARKER}.txt").exists()


@requires_bwrap
def test_no_privileges_no_tracing_no_namespaces(attempt):
    answers = attempt["answers"]
    assert answers["uid"] != "0"
    status = dict(line.split(":", 1) for line in answers["status"].splitlines() if ":" in line)
    assert int(status["CapEff"].strip(), 16) == 0
    assert int(status["CapPrm"].strip(), 16) == 0
    assert status["NoNewPrivs"].strip() == "1"
    assert status["Seccomp"].strip() == "2"  # filter mode
    assert answers["thread_seccomp"] == "['2']"  # on every thread of the process
    for key in ("ptrace", "unshare_user", "unshare_mount", "mount"):
        assert answers[key].startswith("DENIED:"), (key, answers[key])
    # Only stdin/stdout/stderr, the two result pipes and listdir's own descriptor.
    assert len(eval(answers["fds"])) <= 6  # noqa: S307


@requires_bwrap
def test_a_daemon_left_behind_dies_with_the_job(attempt):
    assert attempt["answers"]["daemon"] == "started"
    assert process_cmdlines_containing(MARKER) == []
    assert attempt["uid"] is None or processes_of_uid(attempt["uid"]) == []
