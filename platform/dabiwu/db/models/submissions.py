from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dabiwu.db.base import Base, new_id, utcnow

SUBMISSION_STATUSES = ("queued", "running", "scored", "failed", "rejected")
TERMINAL_STATUSES = ("scored", "failed", "rejected")


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    filename: Mapped[str] = mapped_column(String(256), default="")
    # The uploaded archive, for submissions accepted before revision 0007; later ones keep only their
    # validated tree (tree_sha256, see db/models/model_store.py).
    blob_key: Mapped[str | None] = mapped_column(String(512))
    tree_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # Set when the retention policy removed the model's files (predictions and scores stay); see model_store/.
    model_expired_at: Mapped[datetime | None] = mapped_column(index=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(default=0)
    model_info: Mapped[dict] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    error_zh: Mapped[str | None] = mapped_column(Text)  # the same sentence in Chinese (revision 0006)
    error_kind: Mapped[str | None] = mapped_column(String(32))
    log_tail: Mapped[str | None] = mapped_column(Text)
    # Quota bookkeeping: the Asia/Shanghai calendar day and whether this one is charged.
    quota_day: Mapped[str] = mapped_column(String(10), index=True)
    counts_against_quota: Mapped[bool] = mapped_column(default=True)
    is_final: Mapped[bool] = mapped_column(default=False)
    disqualified_reason: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(String(512), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    scored_at: Mapped[datetime | None]

    challenge = relationship("Challenge")
    team = relationship("Team")


class Job(Base):
    """The database is the truth about job state; executors only carry the plain-data job."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="score")  # score | rescore
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempt: Mapped[int] = mapped_column(default=0)
    worker_id: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    heartbeat_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Score(Base):
    """A versioned score; leaderboards read the latest version of each submission."""

    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("submission_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    job_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    scorer_version: Mapped[str] = mapped_column(String(32))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset_versions.id"))
    dataset_sha256: Mapped[str] = mapped_column(String(64))
    model_sha256: Mapped[str] = mapped_column(String(64))
    sandbox_kind: Mapped[str] = mapped_column(String(16))
    runtime_s: Mapped[float]
    peak_mem_mb: Mapped[float]
    # Served by a pre-started sandbox (DABIWU_SANDBOX_PREWARM); None for scores made before this was kept.
    sandbox_prestarted: Mapped[bool | None]
    is_latest: Mapped[bool] = mapped_column(default=True, index=True)
    # The numbers the boards sort and show, copied out of `metrics` so a board is one narrow query.
    public_score: Mapped[float]
    private_score: Mapped[float]
    public_secondary: Mapped[float | None]
    private_secondary: Mapped[float | None]
    public_ci_low: Mapped[float | None]
    public_ci_high: Mapped[float | None]
    private_ci_low: Mapped[float | None]
    private_ci_high: Mapped[float | None]
    metrics: Mapped[dict]
    predictions_key: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuotaUsage(Base):
    """Charged submissions per team, challenge and Asia/Shanghai day.

    Reserved with one conditional UPDATE (`used < limit`), so the quota holds under concurrent
    uploads on SQLite and PostgreSQL alike without holding a lock during the upload.
    """

    __tablename__ = "quota_usage"
    __table_args__ = (UniqueConstraint("team_id", "challenge_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    day: Mapped[str] = mapped_column(String(10))
    used: Mapped[int] = mapped_column(default=0)


class WorkerHeartbeat(Base):
    """One row per scoring worker process, for the queue dashboard and the reaper."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # local | celery
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    current_job_id: Mapped[str | None] = mapped_column(String(32))
    jobs_done: Mapped[int] = mapped_column(default=0)
