"""Rescoring from stored predictions: new metrics or a new scorer never run a model again."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dabiwu.audit.service import record
from dabiwu.db.models import DatasetVersion, Job, Score, Submission, User
from dabiwu.scoring.curves import pr_curve_points
from dabiwu.scoring.metrics import compute_metrics
from dabiwu.scoring.service import SCORER_VERSION, board_columns, board_secondary
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
    latest = session.scalar(
        select(Score).where(Score.submission_id == submission.id, Score.is_latest.is_(True))
    )
    if latest is None:
        if submission.status in ("failed",) and submission.error_kind == "platform_error":
            submission.status, submission.error, submission.error_kind = "queued", None, None
            # A retry runs on the challenge's data as it is now, not on a dataset version since replaced.
            submission.dataset_id = submission.challenge.current_dataset_id or submission.dataset_id
            submission.error_zh = None
            session.add(Job(submission_id=submission.id, kind="score", status="queued"))
            session.flush()
            record(session, actor=actor, action="submission.requeue", object_type="submission", object_id=submission.id,
                   detail={"dataset_id": submission.dataset_id})
            return "requeued"
        return "skipped"
    dataset = session.get(DatasetVersion, latest.dataset_id)
    predictions = pq.read_table(io.BytesIO(store.read_bytes(latest.predictions_key))).to_pandas()
    labels = pq.read_table(io.BytesIO(store.read_bytes(dataset.test_labels_key))).to_pandas()
    metric = submission.challenge.rules.metric
    primary = metric.primary
    y, s = labels["label"].to_numpy(), predictions["score"].to_numpy()
    public = labels["is_public"].to_numpy()
    metrics = compute_metrics(y_true=y, scores=s, groups=labels["group"].to_numpy(), is_public=public,
                              k=metric.k, primary=primary)
    metrics["public"]["pr_curve"] = pr_curve_points(y[public], s[public])
    metrics["private"]["pr_curve"] = pr_curve_points(y[~public], s[~public])
    metrics.update(scorer_version=SCORER_VERSION, dataset_sha256=latest.dataset_sha256, model_sha256=latest.model_sha256)
    session.execute(
        update(Score).where(Score.submission_id == submission.id).values(is_latest=False)
        .execution_options(synchronize_session=False)
    )
    session.add(Score(
        **board_columns(metrics, primary=primary, secondary=board_secondary(metric)),
        submission_id=submission.id, version=latest.version + 1, is_latest=True, scorer_version=SCORER_VERSION,
        dataset_id=latest.dataset_id, dataset_sha256=latest.dataset_sha256, model_sha256=latest.model_sha256,
        sandbox_kind=latest.sandbox_kind, runtime_s=latest.runtime_s, peak_mem_mb=latest.peak_mem_mb,
        sandbox_prestarted=latest.sandbox_prestarted,
        metrics=metrics, predictions_key=latest.predictions_key,
    ))
    session.flush()
    record(session, actor=actor, action="submission.rescore", object_type="submission", object_id=submission.id,
           detail={"version": latest.version + 1, "scorer_version": SCORER_VERSION})
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
    # One statement: only a submission still in the state read here moves (a parallel rescore moves it once).
    moved = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == submission.status,
               Submission.dataset_id.is_(None) if previous is None else Submission.dataset_id == previous)
        .values(dataset_id=current, **({"status": "queued", "error": None, "error_kind": None}
                                       if submission.status == "failed" else {}))
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        return "skipped"
    session.add(Job(submission_id=submission.id, kind="rescore" if submission.status == "scored" else "score",
                    status="queued"))
    session.flush()
    session.refresh(submission)
    record(session, actor=actor, action="submission.rerun", object_type="submission", object_id=submission.id,
           detail={"from_dataset_id": previous, "dataset_id": current})
    return "rerun"
