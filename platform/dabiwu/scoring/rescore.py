"""Rescoring from stored predictions: new metrics or a new scorer never run a model again."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.db.models import DatasetVersion, Submission, User
from dabiwu.jobs.lifecycle import latest_score, record_score_version, requeue, rerun
from dabiwu.scoring.score_row import SCORER_VERSION, build_score
from dabiwu.storage import ObjectStore


def rescore_submission(session: Session, *, store: ObjectStore, submission: Submission, actor: User | None,
                       to_current_dataset: bool = False) -> str:
    """Returns what happened: "rescored" (new score version), "requeued" (no score yet), "rerun" (queued again
    on the challenge's current dataset version), or "skipped".

    Without `to_current_dataset` a score is recomputed from the stored predictions on the dataset version
    it was made on.  With it (after an organiser reloaded a fixed bundle), every submission that ran on an
    older dataset version, or failed, runs again in the sandbox on the current one; an earlier score stays
    on the boards until the new one lands, and the team is not charged."""
    if to_current_dataset:
        rerun = _rerun_on_current(session, submission=submission, actor=actor)
        if rerun is not None:
            return rerun
    latest = latest_score(session, submission_id=submission.id)
    if latest is None:
        if submission.status in ("failed",) and submission.error_kind == "platform_error":
            # A retry runs on the challenge's data as it is now, not on a dataset version since replaced.
            requeue(session, submission=submission,
                    dataset_id=submission.challenge.current_dataset_id or submission.dataset_id)
            record(session, actor=actor, action="submission.requeue", object_type="submission", object_id=submission.id,
                   detail={"dataset_id": submission.dataset_id})
            return "requeued"
        return "skipped"
    dataset = session.get(DatasetVersion, latest.dataset_id)
    predictions = pq.read_table(io.BytesIO(store.read_bytes(latest.predictions_key))).to_pandas()
    labels = pq.read_table(io.BytesIO(store.read_bytes(dataset.test_labels_key))).to_pandas()
    score = record_score_version(session, submission_id=submission.id, score=build_score(
        metric=submission.challenge.rules.metric, labels=labels, scores=predictions["score"].to_numpy(),
        dataset_id=latest.dataset_id, dataset_sha256=latest.dataset_sha256, model_sha256=latest.model_sha256,
        predictions_key=latest.predictions_key, sandbox_kind=latest.sandbox_kind, runtime_s=latest.runtime_s,
        peak_mem_mb=latest.peak_mem_mb, sandbox_prestarted=latest.sandbox_prestarted,
    ))
    record(session, actor=actor, action="submission.rescore", object_type="submission", object_id=submission.id,
           detail={"version": score.version, "scorer_version": SCORER_VERSION})
    return "rescored"


def _rerun_on_current(session: Session, *, submission: Submission, actor: User | None) -> str | None:
    """Queue a sandbox run on the current dataset version; None when there is nothing to run again."""
    current = submission.challenge.current_dataset_id
    has_model = (submission.blob_key or submission.tree_sha256) and submission.model_expired_at is None
    if current is None or submission.status in ("queued", "running", "rejected") or not has_model:
        return None  # nothing to run (an expired model's kept predictions are still rescored above)
    if submission.status == "scored" and submission.dataset_id == current:
        return None
    previous = submission.dataset_id
    if not rerun(session, submission=submission, dataset_id=current):
        return "skipped"
    session.refresh(submission)
    record(session, actor=actor, action="submission.rerun", object_type="submission", object_id=submission.id,
           detail={"from_dataset_id": previous, "dataset_id": current})
    return "rerun"
