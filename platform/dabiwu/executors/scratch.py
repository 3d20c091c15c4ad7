"""Remove the scratch folders of job attempts that no longer run.

A worker scores each attempt in `DABIWU_HOME/work/<job id>-<attempt>` (the model archive, the features, the
labels, the sandbox's output) and removes it in a `finally`. A worker killed mid-job (kill -9, OOM killer,
power loss) never reaches that `finally`, so its folder stays. The reaper requeues the job; this sweep, run by
the local supervisor and by each Celery worker, removes the folder once its attempt is no longer running.

A folder is kept while its attempt holds a live lease, and while it is younger than `grace_s`: a worker
claims the job (commit) before it creates the folder, so a folder newer than the sweep's read of the leases
may belong to a claim the sweep did not see.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.db.base import utcnow
from dabiwu.db.models import Job

log = logging.getLogger(__name__)

GRACE_SECONDS = 300.0


def sweep_scratch(session: Session, work_root: Path, *, grace_s: float = GRACE_SECONDS) -> list[Path]:
    """Delete `work_root/<job id>-<attempt>` folders whose attempt is not running under a live lease."""
    if not work_root.is_dir():
        return []
    now = utcnow()
    live = {(job_id, attempt) for job_id, attempt in session.execute(
        select(Job.id, Job.attempt).where(Job.status == "running", Job.lease_expires_at >= now))}
    session.rollback()
    removed = []
    for entry in work_root.iterdir():
        job_id, _, attempt = entry.name.rpartition("-")
        if not (entry.is_dir() and job_id and attempt.isdigit()) or (job_id, int(attempt)) in live:
            continue
        try:
            age = time.time() - entry.stat().st_mtime
        except FileNotFoundError:
            continue  # its worker finished and removed it meanwhile
        if age < grace_s:
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
        log.warning("removed the scratch folder %s of an attempt that no longer runs (its worker died)", entry.name)
    return removed
