"""The body of a scoring job, run by a worker (trusted code; the model runs only in the sandbox).

It computes and writes nothing to the database: `run_job` returns a score row or the model's failure,
and the worker records it through jobs/lifecycle.py, which owns the job's state."""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from dabiwu.db.models import DatasetVersion, Score, Submission
from dabiwu.model_store import trees
from dabiwu.sandbox import Limits, SandboxError, run as run_in_sandbox
from dabiwu.scoring.failures import ModelFailure, needs_smoke_run, report
from dabiwu.scoring.output import BadOutput, read_scores
from dabiwu.challenges.rules import ChallengeRules
from dabiwu.scoring.score_row import build_score
from dabiwu.settings import Settings
from dabiwu.storage import ObjectStore
from dabiwu.submissions.archive import safe_extract

log = logging.getLogger(__name__)


class PlatformFault(Exception):
    """Something on our side failed; the job is retried and the team is not charged."""


@dataclass(frozen=True)
class JobContext:
    submission_id: str
    challenge_slug: str
    rules: ChallengeRules  # frozen: plain data like the ids around it
    blob_key: str | None
    model_sha256: str
    dataset_id: int
    features_key: str
    labels_key: str
    dataset_sha256: str
    train_key: str = ""  # the public training data: the smoke set is cut from it
    # The validated tree kept at intake (plain data: path, sha256, size); empty for a pre-0007 archive.
    tree_files: tuple[trees.TreeFile, ...] = ()
    max_tree_files: int = 5000
    max_tree_bytes: int = 4096 * 1024 * 1024


def load_context(session, *, submission_id: str, settings: Settings | None = None) -> JobContext:
    submission = session.get(Submission, submission_id)
    dataset = session.get(DatasetVersion, submission.dataset_id)
    max_files = settings.model_tree_max_files if settings else 5000
    tree_files = trees.files_of(session, submission.tree_sha256, max_files=max_files) if submission.tree_sha256 else ()
    return JobContext(
        submission_id=submission.id,
        challenge_slug=submission.challenge.slug,
        rules=submission.challenge.rules,
        blob_key=submission.blob_key,
        model_sha256=submission.sha256,
        dataset_id=dataset.id,
        features_key=dataset.test_features_key,
        labels_key=dataset.test_labels_key,
        dataset_sha256=dataset.test_features_sha256,
        train_key=dataset.train_key,
        tree_files=tree_files,
        max_tree_files=max_files,
        max_tree_bytes=(settings.model_tree_max_mb if settings else 4096) * 1024 * 1024,
    )


def limits_for(rules: ChallengeRules) -> Limits:
    """The sandbox limits of one of the challenge's runs (challenge.yaml's time_limit_s and memory_mb)."""
    limits = rules.limits
    return Limits(memory_mb=limits.memory_mb, cpu_seconds=limits.time_limit_s, wall_seconds=limits.time_limit_s)


@dataclass(frozen=True)
class ModelFailed:
    """What the team is told when its model failed (the model's fault: terminal, charged)."""

    kind: str
    message: str
    message_zh: str | None
    log_tail: str


def run_job(*, settings: Settings, sessionmaker, store: ObjectStore, submission_id: str,
            workdir_name: str) -> Score | ModelFailed:
    """Run the submission's model on its dataset in the sandbox and score it: an unsaved score row, or
    the model's failure. Raises on a platform fault (PlatformFault, or any other error: retried)."""
    with sessionmaker() as session:
        context = load_context(session, submission_id=submission_id, settings=settings)
    workdir = settings.home_dir / "work" / workdir_name
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        model_dir, features_path = _fetch_inputs(store=store, context=context, workdir=workdir)
        started = time.perf_counter()
        limits = limits_for(context.rules)
        try:
            result = run_in_sandbox(
                model_dir=model_dir,
                features_path=features_path,
                out_dir=workdir / "out",
                limits=limits,
                settings=settings,  # the worker's own: its state folder is the one hidden from the model
                runtime=_runtime(context.rules, settings),
            )
            # Footer checked (rows, columns, type, sizes) before any data is read: the file is the model's.
            scores = read_scores(result.predictions_path, n_rows=_rows(features_path),
                                 max_columns=settings.predictions_max_columns,
                                 max_footer_bytes=settings.predictions_max_footer_kb * 1024)
        except (SandboxError, BadOutput) as exc:
            failure = _as_failure(exc)
            shown = _explain(failure, settings=settings, store=store, context=context, model_dir=model_dir,
                             workdir=workdir, limits=limits)
            return ModelFailed(kind=shown.kind, message=shown.en, message_zh=shown.zh, log_tail=shown.log_tail or "")
        return _score(store=store, context=context, scores=scores, workdir=workdir, sandbox_kind=result.kind,
                      sandbox_prestarted=result.prestarted, runtime_s=round(time.perf_counter() - started, 3),
                      peak_mem_mb=round(result.peak_mem_mb, 1))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _as_failure(exc: SandboxError | BadOutput) -> ModelFailure:
    """The model's failure, or PlatformFault (retried, never charged) when the sandbox itself failed."""
    if isinstance(exc, BadOutput):
        return ModelFailure(kind="bad_output", message=str(exc), message_zh=exc.message_zh, rule=exc.rule)
    if exc.kind == "unavailable":
        raise PlatformFault(exc.message) from exc
    return ModelFailure(kind=exc.kind, message=exc.message, log_tail=exc.log_tail)


def _explain(failure: ModelFailure, *, settings: Settings, store: ObjectStore, context: JobContext, model_dir: Path,
             workdir: Path, limits: Limits):
    """What the team is told: never the hidden run's own words (see scoring/failures.py); when the
    model wrote them, the same model's error and log on a smoke set of public training rows instead."""
    rows = settings.smoke_rows
    if not (rows and context.train_key and needs_smoke_run(failure)):
        return report(failure, smoke_rows=rows, smoke=None, smoke_ran=False)
    try:
        smoke_path, rows = _smoke_features(store=store, context=context, workdir=workdir, rows=rows)
        try:  # a fresh sandbox (the model folder is shown read-only, so the first run cannot have changed it)
            seconds = min(settings.smoke_seconds, limits.wall_seconds)
            smoke_limits = replace(limits, wall_seconds=seconds, cpu_seconds=min(seconds, limits.cpu_seconds))
            smoke_result = run_in_sandbox(model_dir=model_dir, features_path=smoke_path, out_dir=workdir / "smoke-out",
                                          limits=smoke_limits, settings=settings,
                                          runtime=_runtime(context.rules, settings))
            read_scores(smoke_result.predictions_path, n_rows=rows)
        except (SandboxError, BadOutput) as exc:
            if isinstance(exc, SandboxError) and exc.kind == "unavailable":
                raise
            return report(failure, smoke_rows=rows, smoke=_as_failure(exc), smoke_ran=True)
    except Exception:  # noqa: BLE001 - the smoke run only adds detail; without it the team gets the generic sentence
        log.warning("job for submission %s: smoke run not possible", context.submission_id, exc_info=True)
        return report(failure, smoke_rows=rows, smoke=None, smoke_ran=False)
    return report(failure, smoke_rows=rows, smoke=None, smoke_ran=True)


def _smoke_features(*, store: ObjectStore, context: JobContext, workdir: Path, rows: int) -> tuple[Path, int]:
    """The first `rows` rows of the public training data, without the label column."""
    import pyarrow as pa

    train_path = workdir / "train.parquet"
    store.get_to_path(context.train_key, train_path)
    label = context.rules.label_column
    parquet = pq.ParquetFile(train_path)
    columns = [name for name in parquet.schema_arrow.names if name != label]
    batch = next(parquet.iter_batches(batch_size=rows, columns=columns), None)
    table = pa.Table.from_batches([batch]) if batch is not None else parquet.schema_arrow.empty_table().select(columns)
    smoke_path = workdir / "smoke-features.parquet"
    pq.write_table(table, smoke_path)
    train_path.unlink()
    return smoke_path, table.num_rows


def _runtime(rules: ChallengeRules, settings: Settings):  # noqa: ANN202
    """The challenge's scoring runtime, built; not built here is the platform's fault (retried)."""
    from dabiwu.runtimes import RuntimeError_, built_runtime

    try:
        return built_runtime(rules.runtime, settings)
    except RuntimeError_ as exc:
        raise PlatformFault(exc.detail) from exc


def board_secondary(metric: MetricRule) -> str:
    """The board's second column: the first secondary metric; challenge.yaml may list none (then ROC AUC)."""
    return (metric.secondary or ("roc_auc",))[0]


def _rows(features_path: Path) -> int:
    return pq.ParquetFile(features_path).metadata.num_rows


def _fetch_inputs(*, store: ObjectStore, context: JobContext, workdir: Path) -> tuple[Path, Path]:
    if context.tree_files:  # validated and kept at intake: written back, bounded and hash-checked, never unpacked
        model_dir = trees.write_tree(store, context.tree_files, workdir / "model", max_files=context.max_tree_files,
                                     max_bytes=context.max_tree_bytes)
    else:  # accepted before revision 0007: the archive itself was kept
        archive = workdir / "model.archive"
        store.get_to_path(context.blob_key, archive)
        model_dir = safe_extract(archive_path=archive, dest=workdir / "model")
        archive.unlink()
    features_path = workdir / "features.parquet"
    store.get_to_path(context.features_key, features_path)
    return model_dir, features_path


def _score(*, store: ObjectStore, context: JobContext, scores: np.ndarray, workdir: Path, **run) -> Score:
    labels_path = workdir / "labels.parquet"
    store.get_to_path(context.labels_key, labels_path)
    labels = pq.read_table(labels_path).to_pandas()
    labels_path.unlink()
    predictions_key = _store_predictions(
        store=store, context=context, ids=labels[context.rules.id_column].to_numpy(), scores=scores, workdir=workdir
    )
    return build_score(metric=context.rules.metric, labels=labels, scores=scores, dataset_id=context.dataset_id,
                       dataset_sha256=context.dataset_sha256, model_sha256=context.model_sha256,
                       predictions_key=predictions_key, **run)


def _store_predictions(*, store: ObjectStore, context: JobContext, ids, scores: np.ndarray, workdir: Path) -> str:
    """Kept so that new metrics, rescoring and registry gates never run the model again."""
    import pyarrow as pa

    path = workdir / "predictions.parquet"
    pq.write_table(pa.table({"id": ids, "score": scores}), path)
    key = f"predictions/dataset-{context.dataset_id}/{context.submission_id}.parquet"
    store.put_file(key, path)
    return key
