"""Intake: spool the upload while hashing, check it without running model code, then store it.

The archive is extracted once, here. What is kept is the validated tree (plain files, links to files
made copies), stored once by content (dabiwu/model_store/trees.py); scoring and promotion write it back
from there and never unpack the archive again, and the archive itself is not kept.

Order matters for "nothing referenced is ever missing": the tree's rows are touched and committed
first (gc leaves rows touched within its grace period), then its new files are stored, then the quota,
the row naming the tree and its job commit in one short transaction. If that commit fails, or the
process dies before it, nothing names the rows any more and gc removes them (and the files no other
tree lists) once the grace period is over.
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
from dabiwu.challenges.rules import LimitsRule
from dabiwu.db.base import new_id
from dabiwu.db.models import Challenge, Job, Submission, User
from dabiwu.jobs.lifecycle import enqueue
from dabiwu.storage import ObjectStore
from dabiwu.submissions import quota
from dabiwu.model_store import trees
from dabiwu.submissions.archive import safe_extract
from dabiwu.submissions.errors import IntakeError
from dabiwu.submissions.tree_copy import TreeCopyRefused, copy_model_tree
from dabiwu.submissions.validation import bounded_model_info, validate_model_dir

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024


PHASE_ZH = {"upcoming": "尚未开始", "closed": "已截止", "finalized": "已定榜", "open": "进行中"}


@dataclass(frozen=True)
class Accepted:
    submission: Submission
    job: Job
    left_today: int


def check_can_submit(session: Session, *, challenge: Challenge, user: User, day: str) -> None:
    if challenge.status != "published":
        status_zh = {"draft": "草稿", "withdrawn": "已撤回"}.get(challenge.status, challenge.status)
        raise IntakeError("challenge_not_published",
                          f"The challenge is {challenge.status}: submissions are taken only while it is published.",
                          f"赛题状态为{status_zh}：只有已发布的赛题才接受提交。", status=409)
    phase = current_phase(challenge.rules.phases, finalized_at=challenge.finalized_at)
    if phase != "open":
        raise IntakeError("challenge_not_open",
                          f"The challenge is {phase}: submissions are taken only while it is open.",
                          f"赛题{PHASE_ZH.get(phase, phase)}：只有在赛题进行期间才能提交。", status=409)
    if user.team_id is None:
        raise IntakeError("no_team", "You are not in a team: join or create a team before submitting.",
                          "您还不在任何队伍中：请先加入或创建队伍，再提交。", status=403)
    if challenge.current_dataset_id is None:
        raise IntakeError("no_dataset", "This challenge has no test data loaded yet; ask the organiser.",
                          "本赛题尚未载入测试数据，请联系组织方。", status=409)
    limit = challenge.rules.limits.daily_submissions
    if quota.used_today(session, team_id=user.team_id, challenge_id=challenge.id, day=day) >= limit:
        raise quota_exhausted(limit)


def quota_exhausted(limit: int) -> IntakeError:
    return IntakeError(
        "quota_exhausted",
        f"Your team has used all {limit} submissions for today (Asia/Shanghai day). "
        "Try again after midnight Beijing time; failures caused by the platform are refunded.",
        f"您的队伍今天（北京时间）的 {limit} 次提交已用完。请在北京时间零点后再试；因平台故障失败的提交会退还次数。",
        status=429,
    )


def too_large(max_bytes: int) -> IntakeError:
    mb = max_bytes // (1024 * 1024)
    return IntakeError(
        "archive_too_large",
        f"The upload is larger than this challenge's limit of {mb} MB. "
        "Remove training data and caches from the model folder, or use a smaller model.",
        f"上传的文件超过本赛题 {mb} MB 的上限。请从模型文件夹中删除训练数据和缓存，或使用更小的模型。",
        status=413,
    )


def spool(stream: BinaryIO, *, dest: Path, max_bytes: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with dest.open("wb") as out:
        while block := stream.read(CHUNK):
            size += len(block)
            if size > max_bytes:
                raise too_large(max_bytes)
            digest.update(block)
            out.write(block)
    if size == 0:
        raise IntakeError("empty_upload",
                          "The uploaded file is empty: attach a .zip or .tar.gz of your MLflow model folder.",
                          "上传的文件是空的：请附上 MLflow 模型文件夹的 .zip 或 .tar.gz 压缩包。", status=422)
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
    max_model_info_bytes: int = 64 * 1024,
    max_tree_files: int = 5000,
    runtime=None,  # noqa: ANN001 - the challenge's built scoring runtime (dabiwu.runtimes.Runtime)
) -> Accepted:
    day = shanghai_day()
    check_can_submit(session, challenge=challenge, user=user, day=day)
    limits = challenge.rules.limits
    max_bytes = max_model_bytes(limits)
    scratch_root.mkdir(parents=True, exist_ok=True)
    submission_id = new_id()
    with tempfile.TemporaryDirectory(prefix="intake-", dir=scratch_root) as tmp:
        archive = Path(tmp) / "upload.bin"
        sha256, size = spool(stream, dest=archive, max_bytes=max_bytes)
        staged = Path(tmp) / "tree"
        info = _validate(archive=archive, workdir=Path(tmp) / "x", staged=staged, challenge=challenge, limits=limits,
                         runtime=runtime, max_tree_files=max_tree_files)
        info = bounded_model_info(info, max_bytes=max_model_info_bytes)
        tree = trees.tree_of(staged)
        packed = trees.pack(tree, staged, Path(tmp) / "packed")
        trees.touch(session, tree, packed)
        session.commit()  # the claim must be visible to gc before the files are stored or reused
        trees.put_blobs(store, packed)
    try:
        if not quota.reserve(
            session, team_id=user.team_id, challenge_id=challenge.id, day=day, limit=limits.daily_submissions
        ):
            raise quota_exhausted(limits.daily_submissions)
        submission = Submission(
            id=submission_id,
            challenge_id=challenge.id,
            team_id=user.team_id,
            user_id=user.id,
            dataset_id=challenge.current_dataset_id,
            status="queued",
            filename=filename[:256],
            description=description[:512],
            tree_sha256=tree.sha256,
            sha256=sha256,
            size_bytes=size,
            model_info=info,
            quota_day=day,
        )
        trees.link(session, tree)
        session.add(submission)
        session.flush()  # the job's foreign key needs the submission row first
        job = enqueue(session, submission_id=submission_id, kind="score")
        used = quota.used_today(session, team_id=user.team_id, challenge_id=challenge.id, day=day)
        session.commit()
    except BaseException:
        session.rollback()  # the stored files may be another submission's too: gc decides, never intake
        raise
    return Accepted(submission=submission, job=job, left_today=max(0, limits.daily_submissions - used))


def max_model_bytes(limits: LimitsRule) -> int:
    """challenge.yaml's max_model_mb in bytes (whole megabytes, as always: 0.5 means none)."""
    return int(limits.max_model_mb) * 1024 * 1024


def _validate(*, archive: Path, workdir: Path, staged: Path, challenge: Challenge, limits: LimitsRule,  # noqa: ANN001
              runtime=None, max_tree_files: int = 5000) -> dict:
    rules = challenge.rules
    # The model folder may not exceed max_model_mb anyway: a bomb stops there, not at 2 GB on disk.
    # An IntakeError raised here answers the upload itself (413 for the size codes, else 422).
    model_dir = safe_extract(archive_path=archive, dest=workdir, max_total_bytes=max_model_bytes(limits))
    info = validate_model_dir(
        model_dir=model_dir,
        columns=[c.model_dump() for c in rules.columns],
        id_column=rules.id_column,
        label_column=rules.label_column,
        max_model_mb=int(limits.max_model_mb),
        runtime=runtime,
    )
    details = info.to_dict()
    details["archive_format"] = "zip" if _is_zip(archive) else "tar"
    if runtime is not None:
        details["runtime"] = runtime.name
    # What is kept: plain files only (a link to a file becomes that file), bounded again as they are copied.
    try:
        copy_model_tree(model_dir, staged, max_files=max_tree_files, max_bytes=max_model_bytes(limits))
    except TreeCopyRefused as exc:
        raise IntakeError(exc.code, exc.detail, exc.detail_zh, status=422) from exc
    shutil.rmtree(workdir, ignore_errors=True)
    return details


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"PK\x03\x04"
