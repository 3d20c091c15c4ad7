"""LocalExecutor: worker processes started by `dabiwu serve`, with a supervisor and the reaper."""

from __future__ import annotations

import logging
import multiprocessing
import threading

from dabiwu.db.session import get_sessionmaker
from dabiwu.executors.base import Executor, JobSpec
from dabiwu.executors.orphans import SWEEP_EVERY_PASSES, sweep_orphans
from dabiwu.executors.scratch import sweep_scratch
from dabiwu.executors.worker_loop import work_forever
from dabiwu.jobs.lifecycle import reap
from dabiwu.settings import Settings
from dabiwu.storage_access import store_for

log = logging.getLogger(__name__)


class LocalExecutor(Executor):
    kind = "local"

    def __init__(self, settings: Settings, *, workers: int | None = None, reap_every: float = 5.0,
                 poll_seconds: float | None = 0.5) -> None:
        self.settings = settings
        self.size = workers or settings.local_workers
        self.reap_every = reap_every
        self.poll_seconds = poll_seconds  # None: an idle worker waits for a wake-up only
        # spawn, not fork: the server has threads and open connections that a fork would copy.
        self._context = multiprocessing.get_context("spawn")
        # Set by submit(): an idle worker claims a new job at once instead of at its next poll.  Submissions that
        # reach another process (`serve --web-workers N`) are still found by the poll.
        self._wake = self._context.Event()
        self._processes: list[multiprocessing.process.BaseProcess] = []
        self._stop = threading.Event()
        self._supervisor = threading.Thread(target=self._supervise, name="local-executor", daemon=True)

    def start(self) -> "LocalExecutor":
        for _ in range(self.size):
            self._processes.append(self._spawn())
        self._supervisor.start()
        return self

    def _spawn(self):
        process = self._context.Process(
            target=work_forever, args=(self.settings.model_dump(mode="json"), "local"),
            kwargs={"poll_seconds": self.poll_seconds, "wake": self._wake}, daemon=True,
        )
        process.start()
        return process

    def _supervise(self) -> None:
        sessionmaker = get_sessionmaker(self.settings.resolved_database_url)
        store = store_for(self.settings)
        passes = 0
        while not self._stop.wait(self.reap_every):
            for index, process in enumerate(self._processes):
                if not process.is_alive():
                    log.warning("worker pid %s exited (%s); starting a new one", process.pid, process.exitcode)
                    self._processes[index] = self._spawn()
            try:
                with sessionmaker() as session:
                    reap(session, max_attempts=self.settings.job_max_attempts)
                    if passes % SWEEP_EVERY_PASSES == 0:
                        sweep_orphans(session, store, older_than_s=self.settings.orphan_grace_seconds)
                        sweep_scratch(session, self.settings.home_dir / "work")
            except Exception:
                log.exception("reaper pass failed; will retry")
            passes += 1

    def submit(self, job: JobSpec) -> None:
        # The database is the queue, so there is nothing to hand over: wake an idle worker to claim it now.
        self._wake.set()

    def poll(self) -> dict:
        return {"workers": sum(p.is_alive() for p in self._processes), "pids": [p.pid for p in self._processes]}

    def cancel(self, job_id: str) -> None:
        log.info("cancel of %s requested; local jobs run to their time limit", job_id)

    def shutdown(self) -> None:
        self._stop.set()
        for process in self._processes:
            if process.is_alive():
                process.terminate()
        for process in self._processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
