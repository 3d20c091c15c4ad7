"""The docker-compose topology on one machine, without Docker.

PostgreSQL (the machine's, a fresh database), Redis (a dedicated db number) and an S3-protocol
server on loopback stand in for the postgres, redis and minio services; `dabiwu serve --no-demo`
(api), `dabiwu worker` x2 (worker) and one-shot `dabiwu challenges load` / `dabiwu users create`
run as real processes, each with its own DABIWU_HOME and only DABIWU_* / AWS_* settings, as
containers would.  Four teams submit twenty models over HTTP; one worker is killed with SIGKILL
while it holds a running job and a replacement starts (compose's restart policy).  Every submission
must be scored exactly once, with its archive and predictions in the bucket and its rows in
PostgreSQL, and nothing of the platform's state on any process's local disk.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.deploy.fleet import REPO, Fleet, free_port, wait_for, wait_ready
from tests.pipeline import BUNDLE, SLUG
from tests.s3server import DUMMY_AWS_ENV, s3_server
from tests.system_parts import check

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13  # a db number no other test uses
TEAMS, PER_TEAM = 4, 5  # the challenge's daily quota is 5 per team: 4 teams make the 20
BUCKET, PREFIX = "dabiwu-deploy", "objects"
TERMINAL = ("scored", "failed", "rejected")

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.timeout(600)]


def _pg_problem() -> str | None:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to reach it is a reason to skip, and the reason is shown
        return f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}"


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"{exc.__class__.__name__}: {exc}"


@pytest.fixture
def services() -> None:
    check("postgres", _pg_problem())
    check("redis", _redis_problem())


@pytest.fixture
def databases(services):
    """A fresh platform database and a fresh registry database; both dropped afterwards."""
    name = f"dabiwu_deploy_{uuid.uuid4().hex[:8]}"
    names = {"platform": name, "mlflow": f"{name}_mlflow"}
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for db in names.values():
            conn.execute(text(f'CREATE DATABASE "{db}"'))
    try:
        yield {role: make_url(PG_ADMIN_URL).set(database=db).render_as_string(hide_password=False)
               for role, db in names.items()}
    finally:
        with admin.connect() as conn:
            for db in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def broker(services):
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.flushdb()
    yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    client.flushdb()
    client.close()


@pytest.fixture
def s3(services):
    with s3_server(bucket=BUCKET, in_process=False) as server:  # a separate process: several clients share it
        yield server


def _process_env(*, databases: dict, broker: str, s3) -> dict[str, str]:
    # Only what a container would be given: no DABIWU_*, AWS_* or MLFLOW_* of the test runner's own.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DABIWU_", "AWS_", "MLFLOW_"))}
    return {
        **base,
        **DUMMY_AWS_ENV,
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DABIWU_MODE": "production",
        "DABIWU_SECRET_KEY": secrets.token_urlsafe(48),
        "DABIWU_DATABASE_URL": databases["platform"],
        "DABIWU_MLFLOW_DATABASE_URL": databases["mlflow"],
        "DABIWU_STORAGE_URL": f"s3://{s3.bucket}/{PREFIX}",
        "DABIWU_S3_ENDPOINT_URL": s3.endpoint_url,
        "DABIWU_EXECUTOR": "celery",
        "DABIWU_BROKER_URL": broker,
        # Short, so the killed worker's job comes back within seconds; not so short that a live worker on a
        # busy 2-core machine misses its renewals and has its job taken away (harmless, but scored twice).
        "DABIWU_JOB_LEASE_SECONDS": "8",
        "DABIWU_LOG_JSON": "false",
        "DABIWU_RUNTIMES_DIR": os.environ["DABIWU_RUNTIMES_DIR"],  # the suite's one build of the runtime
    }


def _sign_in(http: httpx.Client, username: str, password: str) -> dict[str, str]:
    answer = http.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _jobs(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(
            "SELECT id, submission_id, status, attempt, worker_id FROM jobs"))]


def _pid(worker_id: str | None) -> int | None:
    return int(worker_id.rsplit(":", 1)[1]) if worker_id else None


def test_twenty_submissions_on_celery_workers_are_scored_once_despite_a_kill_9(
    tmp_path, databases, broker, s3, baseline_archive
):
    fleet = Fleet(root=tmp_path / "fleet", env=_process_env(databases=databases, broker=broker, s3=s3))
    engine = create_engine(databases["platform"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # hex: a password starting with "-" would read as an option on the command line
    passwords = {f"team{i}": secrets.token_hex(8) for i in range(1, TEAMS + 1)}
    admin_password = secrets.token_hex(8)
    started = time.monotonic()

    def mark(phase: str) -> None:  # shown with -s, and in the report of a failure
        print(f"[{time.monotonic() - started:6.1f} s] {phase}", flush=True)

    try:
        # One-shot jobs first (compose: `docker compose run --rm api dabiwu ...`); the first one migrates.
        fleet.run("load", "challenges", "load", str(BUNDLE))
        mark("challenge loaded")
        workers = {name: fleet.start(name, "worker") for name in ("worker-1", "worker-2")}
        api = fleet.start("api", "serve", "--no-demo", "--host", "127.0.0.1", "--port", str(port))
        # Meanwhile the first team account and the operator's admin account, from the command line.
        fleet.run_all({
            "team1": ["users", "create", "--username", "team1", "--password", passwords["team1"], "--role", "team",
                      "--team", "Team team1"],
            "admin": ["users", "create", "--username", "ops", "--password", admin_password, "--role", "admin"],
        })
        mark("users created")
        wait_ready(base, api, timeout=180, explain=fleet.tails)
        mark("api ready")

        with httpx.Client(base_url=base, timeout=60) as http:
            tokens = {"ops": _sign_in(http, "ops", admin_password)}
            # The registry runs on its own PostgreSQL database; MLflow migrates it on first use, which takes a
            # while, so ask now and look at the answer at the end.
            registry: dict[str, str] = {}

            def ask_registry() -> None:
                try:
                    answer = httpx.get(f"{base}/mlflow/api/2.0/mlflow/registered-models/search",
                                       headers=tokens["ops"], timeout=240)
                    registry["answer"] = f"{answer.status_code} {answer.text[:300]}"
                except httpx.HTTPError as exc:
                    registry["answer"] = f"{exc.__class__.__name__}: {exc}"

            asking = threading.Thread(target=ask_registry)
            asking.start()
            for name in list(passwords)[1:]:  # the other teams through the admin API
                answer = http.post("/api/v1/users", headers=tokens["ops"], json={
                    "username": name, "password": passwords[name], "role": "team", "team": f"Team {name}"})
                assert answer.status_code == 201, answer.text
            tokens.update({name: _sign_in(http, name, pw) for name, pw in passwords.items()})

            submitted: dict[str, str] = {}  # submission id -> team user
            for _ in range(PER_TEAM):
                for team in passwords:
                    with baseline_archive.open("rb") as handle:
                        answer = http.post(f"/api/v1/challenges/{SLUG}/submissions", headers=tokens[team],
                                           files={"file": (baseline_archive.name, handle, "application/gzip")})
                    assert answer.status_code == 202, answer.text
                    submitted[answer.json()["id"]] = team
            assert len(submitted) == TEAMS * PER_TEAM
            mark("20 submitted")

            # kill -9 a worker while it holds a running job; its lease runs out and the api's reaper requeues it.
            pids = {process.pid: name for name, process in workers.items()}

            def a_running_job_on_our_worker_mid_batch():
                jobs = _jobs(engine)
                if sum(job["status"] == "done" for job in jobs) < 2:
                    return None
                return next((job for job in jobs if job["status"] == "running" and _pid(job["worker_id"]) in pids), None)

            victim = wait_for(a_running_job_on_our_worker_mid_batch, timeout=240, what="a job running on a worker",
                              explain=fleet.tails)
            killed_pid = _pid(victim["worker_id"])
            fleet.kill9(pids[killed_pid])
            fleet.start("worker-3", "worker")  # what `restart: unless-stopped` does in compose
            mark(f"killed {pids[killed_pid]} (pid {killed_pid}) running job {victim['id']}")

            def all_terminal() -> bool:
                with engine.connect() as conn:
                    return conn.scalar(text("SELECT count(*) FROM submissions WHERE status IN ('scored','failed','rejected')")) == len(submitted)

            def progress() -> str:
                with engine.connect() as conn:
                    rows = conn.execute(text("SELECT status, count(*) FROM jobs GROUP BY status")).all()
                return f"jobs by status: {dict(rows)}\n{fleet.tails()}"

            wait_for(all_terminal, timeout=300, every=1.0, what="all 20 submissions to finish", explain=progress)
            mark("all finished")

            # Over HTTP, as each team sees its own submissions.
            for submission_id, team in submitted.items():
                answer = http.get(f"/api/v1/submissions/{submission_id}", headers=tokens[team])
                assert answer.status_code == 200, answer.text
                body = answer.json()
                assert body["status"] == "scored", body
                assert body["public_score"] is not None and body["score_version"] == 1
            # The worker container's health check: the sandbox works and this host's workers beat.
            check = fleet.python("healthcheck", REPO / "docker" / "worker_healthcheck.py")
            assert check.returncode == 0 and "healthy" in check.stdout, (check.stdout, check.stderr)
            asking.join(timeout=240)
            assert registry.get("answer", "no answer").startswith("200 "), registry
            queue = http.get("/api/v1/admin/queue", headers=tokens["ops"]).json()
            assert queue["queued"] == 0 and queue["running"] == 0 and queue["done"] == len(submitted), queue

        # In PostgreSQL: one submission row and exactly one score each, every job done once.
        with engine.connect() as conn:
            statuses = dict(conn.execute(text("SELECT id, status FROM submissions")).all())
            scores = conn.execute(text("SELECT submission_id, predictions_key FROM scores")).all()
            cost = conn.execute(text("SELECT avg(runtime_s), max(runtime_s), max(peak_mem_mb) FROM scores")).one()
        mark(f"sandboxed scoring: mean {cost[0]:.1f} s, max {cost[1]:.1f} s, peak RSS {cost[2]:.0f} MB")
        assert statuses == {sid: "scored" for sid in submitted}
        assert Counter(row[0] for row in scores) == Counter(list(submitted))
        jobs = {job["id"]: job for job in _jobs(engine)}
        assert {job["status"] for job in jobs.values()} == {"done"}
        rescued = jobs[victim["id"]]
        assert rescued["attempt"] >= 2 and _pid(rescued["worker_id"]) != killed_pid, rescued

        # In the bucket: every model file each submission's kept tree names (stored once by content, so twenty
        # uploads of one model share them) and every predictions file (listed with boto3, not through dabiwu).
        keys = set()
        for page in s3.client().get_paginator("list_objects_v2").paginate(Bucket=s3.bucket, Prefix=f"{PREFIX}/"):
            keys.update(obj["Key"] for obj in page.get("Contents", []))
        with engine.connect() as conn:
            named = conn.execute(text(
                "SELECT s.id, f.blob_sha256 FROM submissions s JOIN model_tree_files f ON f.tree_sha256 = s.tree_sha256"
            )).all()
        assert {row[0] for row in named} == set(submitted)
        for submission_id, blob in named:
            assert f"{PREFIX}/model-blobs/sha256/{blob[:2]}/{blob}" in keys, (submission_id, blob, sorted(keys)[:20])
        for submission_id, predictions_key in scores:
            assert predictions_key.endswith(f"/{submission_id}.parquet")
            assert f"{PREFIX}/{predictions_key}" in keys

        # And nowhere else: no process fell back to the local defaults (SQLite, objects/, registry files).
        for home in (p for p in fleet.root.iterdir() if p.is_dir()):
            local_state = [name for name in ("dabiwu.db", "objects", "mlflow") if (home / name).exists()]
            assert not local_state, f"{home.name} kept platform state on its own disk: {local_state}"

        # The registry's own tables are in the second database, not in the platform's.
        mlflow_engine = create_engine(databases["mlflow"])
        try:
            assert {"registered_models", "model_versions"} <= set(inspect(mlflow_engine).get_table_names())
        finally:
            mlflow_engine.dispose()
        assert "registered_models" not in set(inspect(engine).get_table_names())
    finally:
        fleet.stop_all()
        engine.dispose()
