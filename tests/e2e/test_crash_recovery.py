"""kill -9 a worker mid-job: the job is requeued by the reaper and scored exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.pipeline import upload
from tests.e2e.model_builders import save_sleepy_model, tar_model
from tests.system_parts import needs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sleepy_archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sleepy")
    return tar_model(save_sleepy_model(root, seconds=6), root / "sleepy.tar.gz")


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def job_state(settings):
    from dabiwu.db.models import Job, Score
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        job = session.scalars(select(Job)).one()
        scores = session.scalar(select(func.count()).select_from(Score))
        return {"status": job.status, "attempt": job.attempt, "worker_id": job.worker_id, "scores": scores}


def test_local_executor_requeues_a_killed_worker_job(settings, client, role_headers, loaded, sleepy_archive):
    from dabiwu.executors.local import LocalExecutor

    settings = settings.model_copy(update={"job_lease_seconds": 5})
    accepted = upload(client, role_headers["team"], sleepy_archive)
    assert accepted.status_code == 202, accepted.text
    executor = LocalExecutor(settings, workers=1, reap_every=1.0).start()
    try:
        running = wait_for(lambda: (s := job_state(settings))["status"] == "running" and s, timeout=60, what="running")
        pid = int(running["worker_id"].rsplit(":", 1)[1])
        time.sleep(1.0)  # inside the model's predict now
        os.kill(pid, signal.SIGKILL)
        done = wait_for(lambda: (s := job_state(settings))["status"] == "done" and s, timeout=120, what="rescored")
    finally:
        executor.shutdown()
    assert done["attempt"] >= 2 and done["scores"] == 1  # exactly one score, whatever the retries
    final = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=role_headers["team"]).json()
    assert final["status"] == "scored" and final["score_version"] == 1


def _redis_ok() -> bool:
    import redis

    try:
        return redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except Exception:
        return False


def _pass_name() -> str:
    # .ci/run runs the SQLite and the PostgreSQL passes side by side: each gets a broker namespace of its own, so a
    # worker of one pass never takes the other's tasks.
    return "pg" if os.environ.get("DABIWU_TEST_DATABASE_URL") else "sqlite"


def _redis_broker() -> str:
    import redis

    redis_db = 12 if _pass_name() == "pg" else 11
    redis.Redis(host="127.0.0.1", port=6379, db=redis_db).flushdb()
    return f"redis://127.0.0.1:6379/{redis_db}"


def _rabbitmq_problem() -> str | None:
    import socket

    if not shutil.which("rabbitmqctl"):
        return "rabbitmqctl is not installed (.ci/run installs rabbitmq-server)"
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
    except OSError as error:
        return f"no RabbitMQ on 127.0.0.1:5672 ({error}; .ci/run starts it)"
    return None


def _rabbitmq_broker() -> str:
    """A fresh virtual host of this pass's own, for the machine's guest user (rabbitmqctl needs root)."""
    vhost = f"dabiwu-test-{_pass_name()}"
    subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], capture_output=True, timeout=60)
    for command in (["add_vhost", vhost], ["set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"]):
        done = subprocess.run(["rabbitmqctl", "-q", *command], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"rabbitmqctl {' '.join(command)}: {done.stderr}"
    return f"amqp://guest:guest@127.0.0.1:5672/{vhost}"


@pytest.mark.parametrize("broker", [
    pytest.param("redis", marks=needs("redis", None if _redis_ok() else "no Redis on 127.0.0.1:6379")),
    pytest.param("rabbitmq", marks=needs("rabbitmq", _rabbitmq_problem())),
])
def test_celery_workers_requeue_a_killed_worker_job(settings, role_headers, loaded, sleepy_archive, broker, tmp_path):
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app

    broker_url = _redis_broker() if broker == "redis" else _rabbitmq_broker()
    settings = settings.model_copy(update={"executor": "celery", "broker_url": broker_url, "job_lease_seconds": 5})
    env = {
        **os.environ,
        "DABIWU_HOME": str(settings.home_dir), "DABIWU_DATABASE_URL": settings.resolved_database_url,
        "DABIWU_STORAGE_URL": settings.resolved_storage_url, "DABIWU_EXECUTOR": "celery",
        "DABIWU_BROKER_URL": settings.broker_url, "DABIWU_JOB_LEASE_SECONDS": "5", "DABIWU_LOG_JSON": "false",
    }
    dabiwu = str(Path(sys.executable).with_name("dabiwu"))
    logs = [tmp_path / f"worker-{index}.log" for index in range(2)]
    workers = [subprocess.Popen([dabiwu, "worker"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
               for log in logs]
    try:
        with TestClient(create_app(settings, start_workers=True)) as client:
            accepted = upload(client, role_headers["team"], sleepy_archive)
            assert accepted.status_code == 202, accepted.text
            running = wait_for(lambda: (s := job_state(settings))["status"] == "running" and s, timeout=90, what="running")
            pid = int(running["worker_id"].rsplit(":", 1)[1])
            assert pid in [w.pid for w in workers]
            time.sleep(1.0)
            os.kill(pid, signal.SIGKILL)
            done = wait_for(lambda: (s := job_state(settings))["status"] == "done" and s, timeout=120, what="rescored")
            assert done["attempt"] >= 2 and done["scores"] == 1  # exactly one score, whatever the retries
            assert int(done["worker_id"].rsplit(":", 1)[1]) != pid
            final = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=role_headers["team"]).json()
            assert final["status"] == "scored"
    except AssertionError:
        for log in logs:  # what the workers said, in the test report
            print(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))
        raise
    finally:
        for worker in workers:
            worker.kill()
            worker.wait(timeout=10)


def test_an_idle_local_worker_is_woken_by_a_submission(settings, client, role_headers, loaded, baseline_archive):
    """The upload wakes an idle local worker: with no poll at all (poll_seconds=None) the job can only be claimed
    because the executor's submit() woke the worker."""
    from dabiwu.db.models import WorkerHeartbeat
    from dabiwu.db.session import session_scope
    from dabiwu.executors.local import LocalExecutor

    executor = LocalExecutor(settings, workers=1, poll_seconds=None).start()
    client.app.state.executor = executor  # the upload route hands its job to this executor
    try:
        def worker_idle():  # its first look found nothing and it now waits for a wake-up
            with session_scope(settings.resolved_database_url) as session:
                return session.scalar(select(func.count()).select_from(WorkerHeartbeat)) > 0
        wait_for(worker_idle, timeout=120, what="the worker's first heartbeat")
        time.sleep(0.5)
        accepted = upload(client, role_headers["team"], baseline_archive)
        assert accepted.status_code == 202, accepted.text
        done = wait_for(lambda: (s := job_state(settings))["status"] == "done" and s, timeout=120, what="scored")
    finally:
        client.app.state.executor = None
        executor.shutdown()
    assert done["attempt"] == 1 and done["scores"] == 1
