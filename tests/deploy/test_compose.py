"""docker-compose.yml, the Dockerfile and their helpers: checked without Docker, and by Docker Compose itself
where its plugin is installed (`docker compose version` succeeds)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from tests.system_parts import needs

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
DOCKER = REPO / "docker"
REQUIRED = (
    "DABIWU_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD",
    "DABIWU_S3_ACCESS_KEY", "DABIWU_S3_SECRET_KEY",
)
DUMMY_ENV = {name: f"dummy-{name.lower().replace('_', '-')}" for name in REQUIRED}
SERVICES = {"api", "worker", "postgres", "redis", "minio", "createbucket"}
# What bubblewrap calls to build a sandbox: a profile that refuses any of these breaks scoring.
BWRAP_SYSCALLS = {"clone", "clone3", "unshare", "mount", "umount2", "pivot_root", "setns", "chroot", "prctl"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


# -- structure, always -------------------------------------------------------------------------------


def test_every_service_of_the_topology_is_there(compose):
    assert SERVICES <= set(compose["services"])
    assert {"postgres-data", "redis-data", "minio-data"} <= set(compose["volumes"])
    mounts = {name: [str(v).split(":")[0] for v in compose["services"][name].get("volumes", [])]
              for name in ("postgres", "redis", "minio")}
    assert mounts["postgres"][0] == "postgres-data" and mounts["redis"] == ["redis-data"]
    assert mounts["minio"] == ["minio-data"]
    for name in ("postgres", "redis", "minio", "api", "worker"):
        assert "healthcheck" in compose["services"][name], f"{name} has no health check"


def test_api_serves_with_the_celery_executor_after_the_bucket_exists(compose):
    api = compose["services"]["api"]
    assert api["command"][:3] == ["dabiwu", "serve", "--no-demo"]
    assert api["command"][api["command"].index("--host") + 1] == "0.0.0.0"
    env = _environment(api)
    assert env["DABIWU_EXECUTOR"] == "celery" and env["DABIWU_MODE"] == "production"
    assert env["DABIWU_STORAGE_URL"].startswith("s3://") and env["DABIWU_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert api["depends_on"]["createbucket"]["condition"] == "service_completed_successfully"
    assert api["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(api["healthcheck"]["test"])
    # Published on loopback by default: TLS belongs to a reverse proxy in front.
    assert api["ports"][0].startswith("${DABIWU_PUBLISH_ADDRESS:-127.0.0.1}:")


def test_registry_stores_are_a_second_postgres_database_and_minio(compose):
    env = _environment(compose["services"]["api"])
    assert re.fullmatch(r"postgresql\+psycopg://dabiwu:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432/dabiwu_mlflow",
                        env["DABIWU_MLFLOW_DATABASE_URL"])
    assert env["DABIWU_DATABASE_URL"].endswith("@postgres:5432/dabiwu")
    init = (DOCKER / "postgres-init" / "10-mlflow-database.sh").read_text()
    assert "CREATE DATABASE dabiwu_mlflow" in init
    assert "./docker/postgres-init:/docker-entrypoint-initdb.d:ro" in compose["services"]["postgres"]["volumes"]


def test_worker_runs_celery_with_what_bubblewrap_needs_and_scales(compose):
    worker = compose["services"]["worker"]
    assert worker["command"] == ["dabiwu", "worker"]
    assert _environment(worker)["DABIWU_EXECUTOR"] == "celery"
    options = worker["security_opt"]
    seccomp = [o.split("=", 1)[1] for o in options if o.startswith("seccomp=")]
    assert seccomp and (REPO / seccomp[0]).is_file(), options
    assert "apparmor=unconfined" in options  # docker-default's AppArmor profile denies mount
    assert "systempaths=unconfined" in options  # a masked /proc makes a new /proc "too revealing"
    # User namespaces need no capability: nothing is added, everything dropped, never privileged.
    assert worker["cap_drop"] == ["ALL"] and not worker.get("cap_add") and not worker.get("privileged")
    # --scale worker=N: no fixed container name, no host port.
    assert "container_name" not in worker and "ports" not in worker
    assert worker["deploy"]["resources"]["limits"]["pids"] > 0
    assert worker["init"] is True


def test_seccomp_profile_allows_namespaces_and_still_refuses_the_dangerous_calls():
    profile = json.loads((DOCKER / "seccomp-sandbox.json").read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ALLOW"
    refused = set()
    for rule in profile["syscalls"]:
        assert rule["action"] == "SCMP_ACT_ERRNO", rule
        assert not rule.get("args"), "a refusal must not depend on arguments"
        refused.update(rule["names"])
    assert not refused & BWRAP_SYSCALLS, refused & BWRAP_SYSCALLS
    assert {"kexec_load", "init_module", "finit_module", "bpf", "ptrace", "keyctl", "open_by_handle_at",
            "io_uring_setup", "userfaultfd"} <= refused


def test_every_secret_is_required_and_none_has_a_default():
    text = COMPOSE.read_text()
    for name in REQUIRED:
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses, f"{name} is never used"
        for modifier in uses:
            assert modifier.startswith(":?") and f"set {name} in .env" in modifier, (name, modifier)
    # No literal credential in any service's environment: each comes from a variable.
    for service in yaml.safe_load(text)["services"].values():
        for key, value in _environment(service).items():
            if re.search(r"PASSWORD|SECRET|ROOT_USER|ACCESS_KEY", key):
                assert str(value).startswith("${"), f"{key} has a literal value in docker-compose.yml"


def test_env_example_names_every_setting_and_ships_no_secret():
    example = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", COMPOSE.read_text()))
    optional_images = {"POSTGRES_IMAGE", "REDIS_IMAGE", "MINIO_IMAGE", "MC_IMAGE", "MINIO_CONSOLE_PORT"}
    assert used - optional_images <= set(example), used - optional_images - set(example)
    for name in ("DABIWU_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "MINIO_ROOT_PASSWORD",
                 "DABIWU_S3_SECRET_KEY"):
        assert example[name] == "", f".env.example must leave {name} empty"


def test_dockerfile_is_multi_stage_non_root_with_bubblewrap():
    text = (REPO / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\w+))?", text, flags=re.MULTILINE | re.IGNORECASE)
    assert len(stages) >= 2, stages
    assert "python:3.11" in re.search(r"ARG PYTHON_IMAGE=(\S+)", text).group(1)
    runtime = text[text.rindex("\nFROM "):]
    assert "bubblewrap" in runtime and "COPY --from=build /opt/venv /opt/venv" in runtime
    user = re.findall(r"^USER\s+(\S+)", runtime, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0"), user
    assert "COPY frontend_dist" in text and "docker/worker_healthcheck.py" in text
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and ".git" in ignored and ".venv" in ignored


def test_helper_scripts_are_valid_shell():
    for script in (DOCKER / "minio" / "createbucket.sh", DOCKER / "postgres-init" / "10-mlflow-database.sh"):
        done = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True)
        assert done.returncode == 0, (script, done.stderr)
        assert os.access(script, os.X_OK), f"{script} must be executable"


# -- Docker Compose itself, where installed ----------------------------------------------------------


def _compose_missing() -> str | None:
    if shutil.which("docker") is None:
        return "docker is not installed"
    try:
        done = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"`docker compose version` did not run: {exc}"
    if done.returncode != 0:
        return f"the Docker Compose plugin is not installed (`docker compose version`: {(done.stderr or done.stdout).strip().splitlines()[0][:120]})"
    return None


_WHY_NO_COMPOSE = _compose_missing()
needs_compose = needs("compose", None if _WHY_NO_COMPOSE is None else
                      f"{_WHY_NO_COMPOSE}; the structural checks above still ran")


def _compose_config(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    env_file = tmp_path / "compose.env"
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    # Only the env file speaks: nothing from the runner's environment, nor a real .env in the repository.
    clean = {k: v for k, v in os.environ.items() if k not in REQUIRED and not k.startswith(("DABIWU_", "COMPOSE_"))}
    return subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "--env-file", str(env_file), "config", "--format", "json"],
        capture_output=True, text=True, timeout=60, env=clean, cwd=tmp_path,
    )


@needs_compose
def test_docker_compose_accepts_the_file(tmp_path):
    done = _compose_config(tmp_path, DUMMY_ENV)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert SERVICES <= set(config["services"])
    env = config["services"]["worker"]["environment"]
    assert env["DABIWU_SECRET_KEY"] == DUMMY_ENV["DABIWU_SECRET_KEY"]
    assert env["DABIWU_BROKER_URL"] == f"redis://:{DUMMY_ENV['REDIS_PASSWORD']}@redis:6379/0"
    assert env["AWS_ACCESS_KEY_ID"] == DUMMY_ENV["DABIWU_S3_ACCESS_KEY"]


@needs_compose
@pytest.mark.parametrize("missing", REQUIRED)
def test_docker_compose_refuses_to_start_without_a_secret(tmp_path, missing):
    done = _compose_config(tmp_path, {k: v for k, v in DUMMY_ENV.items() if k != missing})
    assert done.returncode != 0
    assert f"set {missing} in .env" in done.stderr, done.stderr
