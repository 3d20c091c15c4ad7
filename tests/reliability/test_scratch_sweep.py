"""sweep_scratch: the job folder a killed worker left behind goes once its attempt no longer runs; the folder
of a running attempt, a folder too young to judge, and anything that is not a job folder stay."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from sqlalchemy import update

from tests.pipeline import upload


def _aged_folder(root, name: str, seconds: float):
    folder = root / name
    (folder / "out").mkdir(parents=True)
    (folder / "labels.parquet").write_bytes(b"labels")
    old = time.time() - seconds
    os.utime(folder, (old, old))
    return folder


def test_only_folders_of_attempts_that_no_longer_run_are_removed(client, settings, role_headers, loaded,
                                                                 baseline_archive):
    from dabiwu.db.base import utcnow
    from dabiwu.db.models import Job
    from dabiwu.db.session import session_scope
    from dabiwu.jobs.lifecycle import claim_next
    from dabiwu.executors.scratch import sweep_scratch

    for _ in range(2):
        assert upload(client, role_headers["team"], baseline_archive).status_code == 202
    with session_scope(settings.resolved_database_url) as session:
        running = claim_next(session, worker_id="alive", lease_seconds=600)
        dead = claim_next(session, worker_id="killed", lease_seconds=600)
        session.execute(update(Job).where(Job.id == dead.job_id)
                        .values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    root = settings.home_dir / "work"
    kept_running = _aged_folder(root, f"{running.job_id}-{running.attempt}", 3600)
    removed_dead = _aged_folder(root, f"{dead.job_id}-{dead.attempt}", 3600)
    kept_young = _aged_folder(root, f"{dead.job_id}-{dead.attempt + 1}", 10)
    stray = root / "README.txt"
    stray.write_text("not a job folder")

    with session_scope(settings.resolved_database_url) as session:
        assert sweep_scratch(session, root) == [removed_dead]
    assert not removed_dead.exists()
    assert kept_running.is_dir() and kept_young.is_dir() and stray.is_file()
    with session_scope(settings.resolved_database_url) as session:  # the young one goes once past the grace
        assert sweep_scratch(session, root, grace_s=0) == [kept_young]
    assert kept_running.is_dir()
