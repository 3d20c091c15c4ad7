"""Intake: spool the upload while hashing, check it without running model code, then store it.

Order matters for "no row without a blob, no blob without a row": the blob is stored first under
the submission's pre-drawn id, then the quota, the row and its job commit in one short transaction.
If that commit fails the blob is deleted; if the process dies in between, the orphan sweep removes
blobs that have no row.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from dabiwu.challenges.phases import current_phase, shanghai_day
from dabiwu.db.base import new_id
from dabiwu.db.models import Challenge, Job, Submission, User
from dabiwu.storage import ObjectStore
from dabiwu.submissions import quota
from dabiwu.submissions.archive import safe_extract
from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.validation import validate_model_dir

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


class IntakeRefused(Exception):
    """A refusal that the router turns into a 4xx: `status`, a stable `code` and a sentence."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Accepted:
    submission: Submission
    job: Job
    left_today: int


def limits_of(challenge: Challenge) -> dict:
    return {"daily_submissions": 5, "max_model_mb": 200, **(challenge.spec.get("limits") or {})}


def check_can_submit(session: Session, *, challenge: Challenge, user: User, day: str) -> None:
    phase = current_phase(challenge.spec, finalized_at=challenge.finalized_at)
    if phase != "open":
        raise IntakeRefused(409, "challenge_not_open", f"The challenge is {phase}: submissions are taken only while it is open.")
    if user.team_id is None:
        raise IntakeRefused(403, "no_team", "You are not in a team: join or create a team before submitting.")
    if challenge.current_dataset_id is None:
        raise IntakeRefused(409, "no_dataset", "This challenge has no test data loaded yet; ask the organiser.")
    limit = int(limits_of(challenge)["daily_submissions"])
    if quota.used_today(session, team_id=user.team_id, challenge_id=challenge.id, day=day) >= limit:
        raise IntakeRefused(429, "quota_exhausted", _quota_message(limit))


def _quota_message(limit: int) -> str:
    return (
        f"Your team has used all {limit} submissions for today (Asia/Shanghai day). "
        "Try again after midnight Beijing time; failures caused by the platform are refunded."
    )


def spool(stream: BinaryIO, *, dest: Path, max_bytes: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with dest.open("wb") as out:
        while block := stream.read(CHUNK):
            size += len(block)
            if size > max_bytes:
                raise IntakeRefused(
                    413,
                    "archive_too_large",
                    f"The upload is larger than this challenge's limit of {max_bytes // (1024 * 1024)} MB. "
                    "Remove training data and caches from the model folder, or use a smaller model.",
                )
            digest.update(block)
            out.write(block)
    if size == 0:
        raise IntakeRefused(422, "empty_upload", "The uploaded file is empty: attach a .zip or .tar.gz of your MLflow model folder.")
    return digest.hexdigest(), size


def accept(
    session: Session,
    *,
    store: ObjectStore,
    challenge: Challenge,
    user: User,
    stream: BinaryIO,
    filename: str,
    description: str,
    scratch_root: Path,
    runtime=None,  # noqa: ANN001 - the challenge's built scoring runtime (dabiwu.runtimes.Runtime)
) -> Accepted:
    day = shanghai_day()
    check_can_submit(session, challenge=challenge, user=user, day=day)
    limits = limits_of(challenge)
    max_bytes = int(limits["max_model_mb"]) * 1024 * 1024
    scratch_root.mkdir(parents=True, exist_ok=True)
    submission_id = new_id()
    with tempfile.TemporaryDirectory(prefix="intake-", dir=scratch_root) as tmp:
        archive = Path(tmp) / "upload.bin"
        sha256, size = spool(stream, dest=archive, max_bytes=max_bytes)
        info = _validate(archive=archive, workdir=Path(tmp) / "x", challenge=challenge, limits=limits,
                         runtime=runtime)
        suffix = "zip" if info.get("archive_format") == "zip" else "tar.gz"
        blob = store.put_file(f"submissions/{challenge.slug}/{submission_id}/model.{suffix}", archive)
    try:
        if not quota.reserve(
            session, team_id=user.team_id, challenge_id=challenge.id, day=day, limit=int(limits["daily_submissions"])
        ):
            raise IntakeRefused(429, "quota_exhausted", _quota_message(int(limits["daily_submissions"])))
        submission = Submission(
            id=submission_id,
            challenge_id=challenge.id,
            team_id=user.team_id,
            user_id=user.id,
            dataset_id=challenge.current_dataset_id,
            status="queued",
            filename=filename[:256],
            description=description[:512],
            blob_key=blob.key,
            sha256=sha256,
            size_bytes=size,
            model_info=info,
            quota_day=day,
        )
        session.add(submission)
        session.flush()  # the job's foreign key needs the submission row first
        job = Job(submission_id=submission_id, kind="score", status="queued")
        session.add(job)
        session.flush()
        used = quota.used_today(session, team_id=user.team_id, challenge_id=challenge.id, day=day)
        session.commit()
    except BaseException:
        session.rollback()
        store.delete(blob.key)
        raise
    return Accepted(submission=submission, job=job, left_today=max(0, int(limits["daily_submissions"]) - used))


def _validate(*, archive: Path, workdir: Path, challenge: Challenge, limits: dict, runtime=None) -> dict:  # noqa: ANN001
    spec = challenge.spec
    try:
        # The model folder may not exceed max_model_mb anyway: a bomb stops there, not at 2 GB on disk.
        model_dir = safe_extract(archive_path=archive, dest=workdir, max_total_bytes=int(limits["max_model_mb"]) * 1024 * 1024)
        info = validate_model_dir(
            model_dir=model_dir,
            columns=spec["columns"],
            id_column=spec["id_column"],
            label_column=spec["label_column"],
            max_model_mb=int(limits["max_model_mb"]),
            runtime=runtime,
        )
    except IntakeError as exc:
        status = 413 if exc.code in ("too_large_expanded", "model_too_large", "too_many_files") else 422
        raise IntakeRefused(status, exc.code, exc.message) from exc
    details = info.to_dict()
    details["archive_format"] = "zip" if _is_zip(archive) else "tar"
    if runtime is not None:
        details["runtime"] = runtime.name
    shutil.rmtree(workdir, ignore_errors=True)
    return details


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"
