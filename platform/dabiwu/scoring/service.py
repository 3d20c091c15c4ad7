"""The body of a scoring job, run by a worker (trusted code; the model runs only in the sandbox)."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from dabiwu.db.models import DatasetVersion, Score, Submission
from dabiwu.executors.jobs import Claim
from dabiwu.sandbox import Limits, SandboxError, run as run_in_sandbox
from dabiwu.scoring.curves import pr_curve_points
from dabiwu.scoring.metrics import compute_metrics
from dabiwu.scoring.output import BadOutput, normalise_predictions
from dabiwu.scoring.outcome import record_model_failure, record_score
from dabiwu.settings import Settings
from dabiwu.storage import ObjectStore
from dabiwu.submissions.archive import safe_extract

log = logging.getLogger(__name__)

SCORER_VERSION = "1.1.0"


class PlatformFault(Exception):
    """Something on our side failed; the job is retried and the team is not charged."""


@dataclass(frozen=True)
class JobContext:
    submission_id: str
    challenge_slug: str
    spec: dict
    blob_key: str
    model_sha256: str
    dataset_id: int
    features_key: str
    labels_key: str
    dataset_sha256: str


def load_context(session, *, submission_id: str) -> JobContext:
    submission = session.get(Submission, submission_id)
    dataset = session.get(DatasetVersion, submission.dataset_id)
    return JobContext(
        submission_id=submission.id,
        challenge_slug=submission.challenge.slug,
        spec=submission.challenge.spec,
        blob_key=submission.blob_key,
        model_sha256=submission.sha256,
        dataset_id=dataset.id,
        features_key=dataset.test_features_key,
        labels_key=dataset.test_labels_key,
        dataset_sha256=dataset.test_features_sha256,
    )


def limits_for(spec: dict, settings: Settings) -> Limits:
    limits = spec.get("limits") or {}
    time_limit = int(limits.get("time_limit_s", 300))
    return Limits(memory_mb=int(limits.get("memory_mb", 4096)), cpu_seconds=time_limit, wall_seconds=time_limit)


def run_claimed_job(*, settings: Settings, sessionmaker, store: ObjectStore, claim: Claim) -> str:
    """Score one claimed job.  Returns the outcome: scored | failed | lost (another attempt owns it)."""
    with sessionmaker() as session:
        context = load_context(session, submission_id=claim.submission_id)
    workdir = settings.home_dir / "work" / f"{claim.job_id}-{claim.attempt}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        model_dir, features_path = _fetch_inputs(store=store, context=context, workdir=workdir)
        started = time.perf_counter()
        try:
            result = run_in_sandbox(
                model_dir=model_dir,
                features_path=features_path,
                out_dir=workdir / "out",
                limits=limits_for(context.spec, settings),
                kind=None if settings.sandbox == "auto" else settings.sandbox,
                runtime=_runtime(context.spec, settings),
            )
            scores = normalise_predictions(pq.read_table(result.predictions_path), n_rows=_rows(features_path))
        except SandboxError as exc:
            if exc.kind == "unavailable":
                raise PlatformFault(exc.message) from exc
            with sessionmaker() as session:
                return "failed" if record_model_failure(
                    session, claim=claim, kind=exc.kind, message=exc.message, log_tail=exc.log_tail
                ) else "lost"
        except BadOutput as exc:
            with sessionmaker() as session:
                return "failed" if record_model_failure(
                    session, claim=claim, kind="bad_output", message=str(exc), log_tail=result.log_tail
                ) else "lost"
        score = _score(store=store, context=context, scores=scores, workdir=workdir, features_path=features_path)
        score.job_id = claim.job_id
        score.sandbox_kind = result.kind
        score.sandbox_prestarted = result.prestarted
        score.runtime_s = round(time.perf_counter() - started, 3)
        score.peak_mem_mb = round(result.peak_mem_mb, 1)
        with sessionmaker() as session:
            return "scored" if record_score(session, claim=claim, score=score) else "lost"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _runtime(spec: dict, settings: Settings):  # noqa: ANN202
    """The challenge's scoring runtime, built; not built here is the platform's fault (retried)."""
    from dabiwu.runtimes import RuntimeError_, built_runtime

    try:
        return built_runtime(spec.get("runtime"), settings)
    except RuntimeError_ as exc:
        raise PlatformFault(exc.detail) from exc


def _rows(features_path: Path) -> int:
    return pq.ParquetFile(features_path).metadata.num_rows


def _fetch_inputs(*, store: ObjectStore, context: JobContext, workdir: Path) -> tuple[Path, Path]:
    archive = workdir / "model.archive"
    store.get_to_path(context.blob_key, archive)
    model_dir = safe_extract(archive_path=archive, dest=workdir / "model")
    archive.unlink()
    features_path = workdir / "features.parquet"
    store.get_to_path(context.features_key, features_path)
    return model_dir, features_path


def _score(*, store: ObjectStore, context: JobContext, scores: np.ndarray, workdir: Path, features_path: Path) -> Score:
    labels_path = workdir / "labels.parquet"
    store.get_to_path(context.labels_key, labels_path)
    labels = pq.read_table(labels_path).to_pandas()
    labels_path.unlink()
    metric = context.spec.get("metric") or {}
    primary = metric.get("primary", "average_precision")
    metrics = compute_metrics(
        y_true=labels["label"].to_numpy(),
        scores=scores,
        groups=labels["group"].to_numpy(),
        is_public=labels["is_public"].to_numpy(),
        k=int(metric.get("k", 100)),
        primary=primary,
    )
    public = labels["is_public"].to_numpy()
    metrics["public"]["pr_curve"] = pr_curve_points(labels["label"].to_numpy()[public], scores[public])
    metrics["private"]["pr_curve"] = pr_curve_points(labels["label"].to_numpy()[~public], scores[~public])
    metrics.update(scorer_version=SCORER_VERSION, dataset_sha256=context.dataset_sha256, model_sha256=context.model_sha256)
    predictions_key = _store_predictions(
        store=store, context=context, ids=labels[context.spec["id_column"]].to_numpy(), scores=scores, workdir=workdir
    )
    return Score(
        **board_columns(metrics, primary=primary, secondary=(metric.get("secondary") or ["roc_auc"])[0]),
        submission_id=context.submission_id,
        scorer_version=SCORER_VERSION,
        dataset_id=context.dataset_id,
        dataset_sha256=context.dataset_sha256,
        model_sha256=context.model_sha256,
        metrics=metrics,
        predictions_key=predictions_key,
    )


def board_columns(metrics: dict, *, primary: str, secondary: str) -> dict:
    """The values leaderboards sort and show, lifted out of the metrics document."""
    columns = {}
    for split in ("public", "private"):
        part = metrics[split]
        ci = (part.get("ci") or {}).get(primary) or [None, None]
        columns[f"{split}_score"] = float(part[primary])
        columns[f"{split}_secondary"] = part.get(secondary)
        columns[f"{split}_ci_low"], columns[f"{split}_ci_high"] = ci[0], ci[1]
    return columns


def _store_predictions(*, store: ObjectStore, context: JobContext, ids, scores: np.ndarray, workdir: Path) -> str:
    """Kept so that new metrics, rescoring and registry gates never run the model again."""
    import pyarrow as pa

    path = workdir / "predictions.parquet"
    pq.write_table(pa.table({"id": ids, "score": scores}), path)
    key = f"predictions/dataset-{context.dataset_id}/{context.submission_id}.parquet"
    store.put_file(key, path)
    return key
