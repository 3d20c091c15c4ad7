"""CeleryExecutor: the server sends job ids to the broker; `dabiwu worker` processes run them.

The database stays the truth: a worker claims a job with a conditional update, so a duplicate or
late message is harmless.  The server's reaper requeues jobs whose worker died and sends them again.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import select

from dabiwu.db.models import Job
from dabiwu.db.session import get_sessionmaker
from dabiwu.executors.base import Executor, JobSpec
from dabiwu.executors.celery_app import make_celery, send_job
from dabiwu.executors.orphans import SWEEP_EVERY_PASSES, sweep_orphans
from dabiwu.jobs.lifecycle import reap
from dabiwu.settings import Settings
from dabiwu.storage_access import store_for

log = logging.getLogger(__name__)


class CeleryExecutor(Executor):
    kind = "celery"

    def __init__(self, settings: Settings, *, reap_every: float = 5.0) -> None:
        self.settings = settings
        self.app = make_celery(settings)
        self.sessionmaker = get_sessionmaker(settings.resolved_database_url)
        self.reap_every = reap_every
        self._sent: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="celery-reaper", daemon=True)

    def start(self) -> "CeleryExecutor":
        self._thread.start()
        return self

    def submit(self, job: JobSpec) -> None:
        send_job(self.app, job.job_id)
        self._sent.add(job.job_id)

    def notify(self) -> None:
        self._send_queued()

    def _send_queued(self) -> None:
        with self.sessionmaker() as session:
            queued = session.scalars(select(Job.id).where(Job.status == "queued")).all()
        for job_id in queued:
            if job_id not in self._sent:
                send_job(self.app, job_id)
                self._sent.add(job_id)

    def _supervise(self) -> None:
        # On start, resume whatever is queued (a restarted server picks up where it stopped).
        try:
            self._send_queued()
        except Exception:
            log.exception("could not send queued jobs to the broker; will retry")
        store = store_for(self.settings)
        passes = 0
        while not self._stop.wait(self.reap_every):
            try:
                with self.sessionmaker() as session:
                    for job_id in reap(session, max_attempts=self.settings.job_max_attempts):
                        send_job(self.app, job_id)
                    if passes % SWEEP_EVERY_PASSES == 0:
                        sweep_orphans(session, store, older_than_s=self.settings.orphan_grace_seconds)
                self._send_queued()
            except Exception:
                log.exception("reaper pass failed; will retry")
            passes += 1

    def poll(self) -> dict:
        return {"broker": self.settings.broker_url.split("@")[-1]}

    def cancel(self, job_id: str) -> None:
        log.info("cancel of %s requested; Celery jobs run to their time limit", job_id)

    def shutdown(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
