"""The one settings object.  Every DABIWU_* variable is read here and nowhere else."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"

# MLflow phones home unless told not to; no process of ours may do that.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DABIWU_", extra="ignore")

    mode: Literal["dev", "demo", "production"] = "dev"
    home: Path = Path("./var")
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None
    storage_url: str | None = None
    s3_endpoint_url: str | None = None
    executor: Literal["local", "celery"] = "local"
    broker_url: str = "redis://127.0.0.1:6379/0"
    secret_key: str = DEV_SECRET_KEY
    # Worker processes started by `serve` for the local executor: one per two cores by default.
    local_workers: int = Field(default_factory=lambda: max(1, (os.cpu_count() or 2) // 2))
    # bwrap | unshare | none ("none" is for development only and is logged loudly).
    sandbox: Literal["auto", "bwrap", "unshare", "none"] = "auto"
    # Each scoring worker keeps one sandbox started and imported (mlflow, pandas, sklearn) while idle,
    # so a job skips the ~3-6 s of interpreter start and imports. Used for one job only, then replaced:
    # isolation is unchanged. Costs one idle process (~300 MB RSS) per worker.
    sandbox_prewarm: bool = True
    # How a worker gets a sandbox for each job (docs/operator.md): "fork" (the default) keeps one pre-imported
    # fork-server per runtime and forks an isolated child per job (no import CPU per job; needs a root worker and
    # bubblewrap, else it falls back to "prestarted" and /readyz says so); "prestarted" keeps one whole sandbox
    # started ahead of each job; "fresh" starts one per job. DABIWU_SANDBOX_PREWARM=false means "fresh".
    sandbox_mode: Literal["fork", "prestarted", "fresh"] = "fork"
    # What leaves the sandbox towards a team (docs/security.md, "What a team can learn"):
    # a run on the hidden test set that fails shows the team no log and no model-written text; the
    # model is then run on this many rows of the public training data (features only), and that run's
    # error and log are shown when it fails too. 0: no such run, the team gets the generic sentence.
    smoke_rows: int = Field(default=200, ge=0, le=100_000)
    # ... and that run's wall-clock and CPU limit (never above the challenge's own).
    smoke_seconds: int = Field(default=120, ge=1)
    # Per-district metrics shown to a team: only for districts with at least this many rows and
    # positives in the split, rounded to this many decimals; thresholds to this many significant digits.
    district_metrics_min_rows: int = Field(default=200, ge=0)
    district_metrics_min_positives: int = Field(default=10, ge=0)
    district_metrics_decimals: int = Field(default=2, ge=0, le=12)
    reported_threshold_digits: int = Field(default=3, ge=1, le=17)
    # Scoring runtimes (docs/operator.md "Scoring runtimes"): the one a challenge gets when its
    # challenge.yaml names none; where built runtimes live (default DABIWU_HOME/runtimes; point several
    # installs, `make run` and `make test` at one folder to build each runtime once per machine); and
    # where the lock files are (default: the repository's runtimes/ folder).
    default_runtime: str = "standard-2026.12"
    runtimes_dir: Path | None = None
    runtime_locks_dir: Path | None = None
    session_token_hours: int = 12
    login_attempts_per_minute: int = 10
    # A key of the sign-in throttle (an address, or a username at an address) locked again is locked twice as long,
    # up to this; the throttle keeps at most login_throttle_max_entries keys (the least recently failed go first).
    login_lock_max_seconds: float = 3600.0
    login_throttle_max_entries: int = Field(default=10_000, ge=1)
    # Addresses (IPs or CIDRs, comma-separated) of reverse proxies whose X-Forwarded-For is believed. Empty: the
    # header is ignored and the TCP peer is the client, whoever sends it.
    trusted_proxies: str = ""
    # Server-sent event streams (GET /submissions/{id}/events) open at once, per token and per server process;
    # the next one is refused with 429. Every sse_poll_seconds one poller reads all watched submissions at once.
    sse_max_streams_per_token: int = Field(default=4, ge=1)
    sse_max_streams_total: int = Field(default=200, ge=1)
    sse_poll_seconds: float = Field(default=1.0, gt=0)
    # Wrong team join codes (join or merge) a user may try per minute before waiting.
    join_code_attempts_per_minute: int = Field(default=10, ge=1)
    # A board checked this recently is served without asking the database whether it changed.
    board_cache_seconds: float = 2.0
    # Read-mostly endpoints (the board) trust a token checked this recently without asking the
    # database: a token revoked (or a user deactivated or given another role) through another server
    # process is refused by them within this time; in the process that revoked it, at once.
    token_cache_seconds: float = 5.0
    # `dabiwu serve` answers HTTP with this many processes (uvicorn workers); the scoring workers and
    # the reaper are still started once, by the parent process.
    web_workers: int = Field(default=1, ge=1)
    job_lease_seconds: int = 60
    job_max_attempts: int = 3
    # A blob under submissions/ with no row is removed by the reaper once it is this old: a crash
    # between storing an upload and committing its row leaves one (the window itself is < 1 s).
    orphan_grace_seconds: int = 3600
    # Storage lifecycle (docs/operator.md "Storage: retention, report and gc"): a model's files expire this many days
    # after its challenge closes (or is finalized, whichever is later), unless it is kept (final, promoted, its
    # team's best public or best private, or under review); challenge.yaml `retention.expire_after_days` overrides
    # it per challenge (null: never). Predictions and scores are always kept. gc leaves rows an upload touched
    # within storage_gc_grace_seconds (an upload's claim-to-commit window is seconds).
    retention_days_after_close: int = Field(default=30, ge=0)
    storage_gc_grace_seconds: int = Field(default=3600, ge=0)
    # A request body that sends nothing for this long is cut off with a 408 (slow-upload bound);
    # the whole body must arrive within the deadline (200 MB at 1 Mbit/s takes ~27 min).
    body_idle_timeout_s: float = 60.0
    body_deadline_s: float = 3600.0
    # Any request body but a model upload (whose limit is the challenge's max_model_mb).
    max_request_mb: int = 16
    mlflow_allowed_hosts: str = "127.0.0.1,localhost"
    # The shared registry's own database (MLflow manages its schema, so it never shares ours).
    # Default: SQLite at DABIWU_HOME/mlflow/mlflow.db; with PostgreSQL, point it at a second
    # database on the same server, e.g. postgresql+psycopg://user@host/dabiwu_mlflow.
    mlflow_database_url: str | None = None
    # Serve the MLflow server at /mlflow.  Off only for API tests that never touch the registry.
    mlflow_enabled: bool = True
    log_json: bool = True
    # With a log file, the full log goes there and the console shows only the platform's warnings and errors
    # (`serve --demo` uses DABIWU_HOME/logs/dabiwu.log unless this is set).
    log_file: Path | None = None
    # Untrusted bytes (issue #14): what a submission row keeps of its MLmodel (JSON, KB); every copy of a
    # submitted model folder (promotion, pulls) stops past this many files or MB; the predictions Parquet a
    # model writes is refused from its footer past these columns / footer KB, before any data is read.
    model_info_max_kb: int = Field(default=64, ge=4)
    model_tree_max_files: int = Field(default=5000, ge=10)
    model_tree_max_mb: int = Field(default=4096, ge=1)
    predictions_max_columns: int = Field(default=256, ge=2)
    predictions_max_footer_kb: int = Field(default=1024, ge=16)
    # Folders holding challenge bundles (one sub-folder per bundle), separated by ':' like PATH. The admin page
    # lists and loads bundles from these only. Default: the repository's challenges/ folder.
    bundle_paths: str | None = None
    # Outgoing webhooks (dabiwu/notifications): the hosts a webhook URL may name, comma-separated: exact host
    # names, or IP networks (CIDR) for URLs that give an address. Loopback only by default: the machine has no
    # other network, and a webhook must never reach an internal service nobody listed (SSRF).
    webhook_allowed_hosts: str = "localhost,127.0.0.0/8,::1/128"
    webhook_max_attempts: int = Field(default=6, ge=1, le=50)
    webhook_retry_base_seconds: float = Field(default=30.0, ge=0)  # back-off: base * 2**(attempt-1), capped
    webhook_retry_max_seconds: float = Field(default=3600.0, ge=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
    webhook_max_response_kb: int = Field(default=16, ge=1)  # what the delivery log keeps of an answer

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "Settings":
        if self.mode == "production" and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "DABIWU_SECRET_KEY is the development default; set a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) before "
                "running with DABIWU_MODE=production."
            )
        return self

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home_dir / 'dabiwu.db'}"

    @property
    def resolved_storage_url(self) -> str:
        return self.storage_url or (self.home_dir / "objects").as_uri()

    @property
    def bundle_roots(self) -> list[Path]:
        """DABIWU_BUNDLE_PATHS as folders; empty when unset (the caller falls back to the repository's)."""
        if not self.bundle_paths:
            return []
        return [Path(part).expanduser().resolve() for part in self.bundle_paths.split(os.pathsep) if part.strip()]

    @property
    def mlflow_dir(self) -> Path:
        return self.home_dir / "mlflow"

    @property
    def resolved_mlflow_database_url(self) -> str:
        return self.mlflow_database_url or f"sqlite:///{self.mlflow_dir / 'mlflow.db'}"

    @property
    def mlflow_artifact_destination(self) -> str:
        """Where the registry's files live: beside the platform's objects (s3://bucket/prefix/mlflow)."""
        storage = self.resolved_storage_url
        if storage.startswith("s3://"):
            return storage.rstrip("/") + "/mlflow"
        return str(self.mlflow_dir / "artifacts")


@lru_cache
def get_settings() -> Settings:
    return Settings()
