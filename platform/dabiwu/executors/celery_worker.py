"""`dabiwu worker`: a Celery worker that scores jobs."""

from __future__ import annotations

import logging
import os
import threading

from dabiwu.db.session import get_sessionmaker
from dabiwu.executors.celery_app import TASK_NAME, make_celery, send_job
from dabiwu.executors.heartbeats import beat
from dabiwu.executors.orphans import SWEEP_EVERY_PASSES
from dabiwu.executors.scratch import sweep_scratch
from dabiwu.executors.worker_loop import prewarm_sandbox, run_one, worker_identity
from dabiwu.jobs.lifecycle import claim
from dabiwu.settings import Settings
from dabiwu.storage_access import store_for

log = logging.getLogger(__name__)


def build_worker_app(settings: Settings):
    app = make_celery(settings)
    sessionmaker = get_sessionmaker(settings.resolved_database_url)
    store = store_for(settings)
    worker_id = worker_identity("celery")

    @app.task(name=TASK_NAME, acks_late=True, reject_on_worker_lost=True)
    def score(job_id: str) -> str:
        with sessionmaker() as session:
            won = claim(session, job_id=job_id, worker_id=worker_id, lease_seconds=settings.job_lease_seconds)
            if won is None:
                return "not-claimed"  # done already, or another worker has it
            beat(session, worker_id=worker_id, kind="celery", current_job_id=job_id)
        outcome = run_one(settings=settings, sessionmaker=sessionmaker, store=store, claim=won)
        if outcome == "retry":
            send_job(app, job_id)
        with sessionmaker() as session:
            beat(session, worker_id=worker_id, kind="celery", current_job_id=None, finished_one=True)
        return outcome

    def heartbeat_forever() -> None:
        beats = 0
        while True:
            try:
                with sessionmaker() as session:
                    from dabiwu.db.models import WorkerHeartbeat

                    row = session.get(WorkerHeartbeat, worker_id)
                    beat(session, worker_id=worker_id, kind="celery", current_job_id=row.current_job_id if row else None)
                    if beats % SWEEP_EVERY_PASSES == 0:  # about once a minute: folders of this host's dead workers
                        sweep_scratch(session, settings.home_dir / "work")
            except Exception:
                log.exception("worker heartbeat failed")
            beats += 1
            threading.Event().wait(5)

    threading.Thread(target=heartbeat_forever, name="worker-heartbeat", daemon=True).start()
    return app


def run_worker(settings: Settings, *, concurrency: int = 1) -> None:
    from dabiwu.observability import configure_logging

    configure_logging(json_logs=settings.log_json, log_file=settings.log_file)
    app = build_worker_app(settings)
    prewarm_sandbox(settings)  # the solo/threads pool runs tasks in this process, so they find it
    # The solo pool runs jobs in this process: kill -9 takes the job with it, and the lease
    # running out is how the reaper learns of it.  Scale with more worker processes.
    pool = "solo" if concurrency == 1 else "threads"
    # A node name of its own: Celery's default (celery@host) is the same for every worker on a host, and on
    # RabbitMQ the second worker then dies on the first one's exclusive remote-control queue (RESOURCE_LOCKED).
    node = f"--hostname=dabiwu-{os.getpid()}@%h"
    app.worker_main(["worker", f"--pool={pool}", f"--concurrency={concurrency}", node, "--loglevel=INFO",
                     "--without-gossip", "--without-mingle"])
