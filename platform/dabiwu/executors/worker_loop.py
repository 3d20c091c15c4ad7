"""What a worker process does: claim a job, keep its lease alive, score it, repeat."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from dabiwu.db.session import get_sessionmaker
from dabiwu.executors.heartbeats import beat
from dabiwu.jobs.lifecycle import Claim, claim_next, finish_model_failure, finish_scored, renew_lease, retry_or_fail
from dabiwu.scoring.service import ModelFailed, limits_for, run_job
from dabiwu.settings import Settings
from dabiwu.storage_access import store_for

log = logging.getLogger(__name__)


def worker_identity(kind: str) -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"


class LeaseKeeper:
    """Renews the job's lease from a side thread while the job runs; a dead process stops renewing."""

    def __init__(self, *, sessionmaker, claim: Claim, lease_seconds: int) -> None:
        self.sessionmaker, self.claim, self.lease_seconds = sessionmaker, claim, lease_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{claim.job_id}", daemon=True)

    def __enter__(self) -> "LeaseKeeper":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        interval = max(1.0, self.lease_seconds / 3)
        while not self._stop.wait(interval):
            try:
                with self.sessionmaker() as session:
                    if not renew_lease(session, claim=self.claim, lease_seconds=self.lease_seconds):
                        log.warning("job %s: lease lost; the result of this attempt will be discarded", self.claim.job_id)
                        return
            except Exception:  # the database may be briefly away; the next beat tries again
                log.exception("job %s: lease renewal failed", self.claim.job_id)


def run_one(*, settings: Settings, sessionmaker, store, claim: Claim) -> str:
    """Score the claimed job and record how it ended: scored | failed | retry | lost (another attempt or the
    reaper has it now) | left-to-reaper (not even the fault could be recorded)."""
    with LeaseKeeper(sessionmaker=sessionmaker, claim=claim, lease_seconds=settings.job_lease_seconds):
        try:
            result = run_job(settings=settings, sessionmaker=sessionmaker, store=store,
                             submission_id=claim.submission_id, workdir_name=f"{claim.job_id}-{claim.attempt}")
            outcome = _record(sessionmaker, claim=claim, result=result)
        except Exception as exc:
            log.exception("job %s attempt %d: platform fault", claim.job_id, claim.attempt)
            outcome = _platform_fault(settings=settings, sessionmaker=sessionmaker, claim=claim, exc=exc)
    log.info("job %s attempt %d: %s", claim.job_id, claim.attempt, outcome)
    return outcome


def _record(sessionmaker, *, claim: Claim, result) -> str:
    with sessionmaker() as session:
        if isinstance(result, ModelFailed):
            won = finish_model_failure(session, claim=claim, kind=result.kind, message=result.message,
                                       message_zh=result.message_zh, log_tail=result.log_tail)
            return "failed" if won else "lost"
        return "scored" if finish_scored(session, claim=claim, score=result) else "lost"


def _platform_fault(*, settings: Settings, sessionmaker, claim: Claim, exc: Exception) -> str:
    try:
        with sessionmaker() as session:
            return retry_or_fail(session, claim=claim, error=f"{exc.__class__.__name__}: {exc}",
                                 max_attempts=settings.job_max_attempts)
    except Exception:
        # If even the database is away, the lease runs out and the reaper requeues the job.
        log.exception("job %s: could not record the platform fault; leaving it to the reaper", claim.job_id)
        return "left-to-reaper"


def prewarm_sandbox(settings: Settings) -> bool:
    """Start this worker's pre-started sandbox (DABIWU_SANDBOX_PREWARM), so its next job skips the
    interpreter start and imports. A failure here is logged, never fatal: jobs then start fresh
    sandboxes, and if no sandbox works at all, each job says so as a platform error."""
    if not settings.sandbox_prewarm or settings.sandbox_mode == "fresh":
        return False
    from dabiwu.runtimes import built_runtime
    from dabiwu.sandbox import prewarm

    try:
        kind = prewarm(settings=settings, runtime=built_runtime(None, settings))
    except Exception:
        log.exception("could not pre-start a sandbox; jobs will start their own")
        return False
    log.info("pre-started a %s sandbox for the next job", kind)
    return True


def work_forever(settings_data: dict, kind: str = "local", stop: threading.Event | None = None,
                 poll_seconds: float | None = 0.5, wake=None) -> None:
    """Entry point of a local worker process (spawned with plain settings data).  An idle worker looks
    for a queued job every `poll_seconds`, and at once when its executor sets `wake` (a
    multiprocessing Event shared by the executor's workers)."""
    from dabiwu.observability import configure_logging

    settings = Settings(**settings_data)
    configure_logging(json_logs=settings.log_json, log_file=settings.log_file)
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    store = store_for(settings)
    worker_id = worker_identity(kind)
    stop = stop or threading.Event()
    last_beat = 0.0
    log.info("worker %s started", worker_id)
    prewarm_sandbox(settings)
    while not stop.is_set():
        try:
            with sessionmaker() as session:
                claim = claim_next(session, worker_id=worker_id, lease_seconds=settings.job_lease_seconds)
                if claim is not None or time.monotonic() - last_beat > 5:
                    beat(session, worker_id=worker_id, kind=kind, current_job_id=claim.job_id if claim else None)
                    last_beat = time.monotonic()
        except Exception:
            log.exception("worker %s: could not reach the database; retrying", worker_id)
            time.sleep(2)
            continue
        if claim is None:
            if wake is None:
                stop.wait(poll_seconds)
            elif wake.wait(poll_seconds):
                wake.clear()  # this worker looks now; should another job be waiting, the next poll finds it
            continue
        run_one(settings=settings, sessionmaker=sessionmaker, store=store, claim=claim)
        try:
            with sessionmaker() as session:
                beat(session, worker_id=worker_id, kind=kind, current_job_id=None, finished_one=True)
        except Exception:
            log.exception("worker %s: heartbeat failed", worker_id)
    from dabiwu.sandbox import shutdown_warm

    shutdown_warm()  # the idle pre-started sandbox of this worker, if any
