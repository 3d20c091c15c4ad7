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
from dabiwu.scoring.service import SCORER_VERSION, board_columns
from dabiwu.storage import ObjectStore


def rescore_submission(session: Session, *, store: ObjectStore, submission: Submission, actor: User) -> str:
    """Returns what happened: "rescored" (new score version), "requeued" (no score yet), or "skipped"."""
    latest = session.scalar(
        select(Score).where(Score.submission_id == submission.id, Score.is_latest.is_(True))
    )
    if latest is None:
        if submission.status in ("failed",) and submission.error_kind == "platform_error":
            submission.status, submission.error, submission.error_kind = "queued", None, None
            submission.error_zh = None
            session.add(Job(submission_id=submission.id, kind="score", status="queued"))
            session.flush()
            record(session, actor=actor, action="submission.requeue", object_type="submission", object_id=submission.id)
            return "requeued"
        return "skipped"
    dataset = session.get(DatasetVersion, latest.dataset_id)
    predictions = pq.read_table(io.BytesIO(store.read_bytes(latest.predictions_key))).to_pandas()
    labels = pq.read_table(io.BytesIO(store.read_bytes(dataset.test_labels_key))).to_pandas()
    spec = submission.challenge.spec
    metric = spec.get("metric") or {}
    primary = metric.get("primary", "average_precision")
    y, s = labels["label"].to_numpy(), predictions["score"].to_numpy()
    public = labels["is_public"].to_numpy()
    metrics = compute_metrics(y_true=y, scores=s, groups=labels["group"].to_numpy(), is_public=public,
                              k=int(metric.get("k", 100)), primary=primary)
    metrics["public"]["pr_curve"] = pr_curve_points(y[public], s[public])
    metrics["private"]["pr_curve"] = pr_curve_points(y[~public], s[~public])
    metrics.update(scorer_version=SCORER_VERSION, dataset_sha256=latest.dataset_sha256, model_sha256=latest.model_sha256)
    session.execute(
        update(Score).where(Score.submission_id == submission.id).values(is_latest=False)
        .execution_options(synchronize_session=False)
    )
    session.add(Score(
        **board_columns(metrics, primary=primary, secondary=(metric.get("secondary") or ["roc_auc"])[0]),
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
