"""`dabiwu storage report`: bytes by challenge, team and kind.

Kinds: `model_files` (the validated trees submissions name; a tree shared by several submissions is counted
for each, so these are logical bytes), `archives` (pre-0007 uploads kept whole), `predictions` (kept for
ever: boards and rescoring read them). `stored_model_bytes` is what the distinct files really take in the store
(compressed); the difference from the logical total is what storing identical files once, compressed, saves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dabiwu.db.models import Challenge, ModelBlob, ModelTree, Score, Submission, Team
from dabiwu.storage import ObjectNotFound, ObjectStore

KINDS = ("model_files", "archives", "predictions")
KIND_ZH = {"model_files": "模型文件", "archives": "原始压缩包（旧）", "predictions": "预测结果"}


@dataclass
class Report:
    rows: list[dict] = field(default_factory=list)  # {challenge, team, kind, bytes, submissions}
    stored_model_bytes: int = 0
    distinct_files: int = 0
    expired_submissions: int = 0

    def to_dict(self) -> dict:
        logical = sum(r["bytes"] for r in self.rows if r["kind"] == "model_files")
        return {"rows": self.rows, "stored_model_bytes": self.stored_model_bytes, "distinct_files": self.distinct_files,
                "logical_model_bytes": logical, "saved_by_dedup_bytes": max(0, logical - self.stored_model_bytes),
                "expired_submissions": self.expired_submissions}


def build(session: Session, *, store: ObjectStore, with_predictions: bool = True) -> Report:
    totals: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = session.execute(
        select(Challenge.slug, Team.name, Submission.tree_sha256, Submission.blob_key, Submission.size_bytes,
               Submission.model_expired_at, ModelTree.bytes)
        .join(Challenge, Challenge.id == Submission.challenge_id).join(Team, Team.id == Submission.team_id)
        .outerjoin(ModelTree, ModelTree.sha256 == Submission.tree_sha256)
    ).all()
    report = Report()
    for r in rows:
        if r.model_expired_at is not None:
            report.expired_submissions += 1
            continue
        if r.tree_sha256 and r.bytes is not None:
            _add(totals, (r.slug, r.name, "model_files"), r.bytes)
        if r.blob_key:
            _add(totals, (r.slug, r.name, "archives"), r.size_bytes or 0)
    if with_predictions:
        keys = session.execute(
            select(Challenge.slug, Team.name, Score.predictions_key).join(Submission, Submission.id == Score.submission_id)
            .join(Challenge, Challenge.id == Submission.challenge_id).join(Team, Team.id == Submission.team_id)
            .distinct()
        ).all()
        for slug, team, key in keys:
            try:
                _add(totals, (slug, team, "predictions"), store.size(key))
            except ObjectNotFound:
                continue
    report.rows = [{"challenge": c, "team": t, "kind": k, "bytes": v[0], "objects": v[1]}
                   for (c, t, k), v in sorted(totals.items())]
    report.stored_model_bytes = int(session.scalar(select(func.coalesce(func.sum(ModelBlob.stored_size), 0))) or 0)
    report.distinct_files = int(session.scalar(select(func.count()).select_from(ModelBlob)) or 0)
    return report


def _add(totals, key, size: int) -> None:  # noqa: ANN001
    totals[key][0] += int(size)
    totals[key][1] += 1


def human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TB"
