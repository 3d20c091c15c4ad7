"""sweep_orphans: blobs under submissions/ with no row go once past the grace period; nothing else does.
Both reapers (local and Celery executors) run it on their first pass and then every Nth."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from tests.reliability.faults import wait_for
from tests.s3server import s3_env, s3_server


def _submission_row(session, *, blob_key: str) -> str:
    """A committed submission row naming `blob_key` (its challenge, team and dataset are real rows)."""
    from dabiwu.challenges.phases import shanghai_day
    from dabiwu.db.models import Challenge, Submission, Team

    challenge = session.query(Challenge).one()
    team = session.query(Team).first() or Team(name="T", join_code=uuid.uuid4().hex[:8])
    session.add(team)
    session.flush()
    row = Submission(challenge_id=challenge.id, team_id=team.id, dataset_id=challenge.current_dataset_id,
                     blob_key=blob_key, sha256="0" * 64, quota_day=shanghai_day())
    session.add(row)
    session.flush()
    return row.id


def _age(store, key: str, seconds: float) -> None:
    path = store._path(key)  # the file store keeps the write time as the file's mtime
    old = time.time() - seconds
    os.utime(path, (old, old))


def _layout(settings, store):
    """Kept: a named blob, a young orphan, and blobs outside submissions/.  Swept: one old orphan."""
    from dabiwu.db.session import session_scope

    named, young, old = (f"submissions/mir/{uuid.uuid4().hex}/model.tar.gz" for _ in range(3))
    others = ["predictions/dataset-1/x.parquet", "datasets/mir/1/features.parquet"]
    for key in (named, young, old, *others):
        store.put_bytes(key, b"blob")
    with session_scope(settings.resolved_database_url) as session:
        _submission_row(session, blob_key=named)
    return named, young, old, others


def test_only_old_blobs_without_a_row_are_swept(settings, loaded):
    from dabiwu.db.session import session_scope
    from dabiwu.executors.orphans import sweep_orphans
    from dabiwu.storage_access import store_for

    store = store_for(settings)
    named, young, old, others = _layout(settings, store)
    _age(store, named, 7200)
    _age(store, old, 7200)
    with session_scope(settings.resolved_database_url) as session:
        assert sweep_orphans(session, store, older_than_s=3600) == [old]
    assert store.exists(named) and store.exists(young) and not store.exists(old)
    assert all(store.exists(key) for key in others)
    with session_scope(settings.resolved_database_url) as session:
        assert sweep_orphans(session, store, older_than_s=3600) == []


def test_the_sweep_works_on_s3_by_its_last_modified_time(settings, loaded, monkeypatch):
    from dabiwu.db.session import session_scope
    from dabiwu.executors.orphans import sweep_orphans
    from dabiwu.storage import open_store

    s3_env(monkeypatch)
    with s3_server() as s3:
        store = open_store(f"s3://{s3.bucket}/objects", s3_endpoint_url=s3.endpoint_url)
        named, young, old, others = _layout(settings, store)
        with session_scope(settings.resolved_database_url) as session:
            assert sweep_orphans(session, store, older_than_s=3600) == []  # all just written
            swept = sweep_orphans(session, store, older_than_s=0)
        assert sorted(swept) == sorted([young, old])
        assert store.exists(named) and all(store.exists(key) for key in others)


@pytest.mark.parametrize("kind", ["local", "celery"])
def test_the_reaper_of_each_executor_sweeps(settings, loaded, kind):
    from dabiwu.storage_access import store_for

    settings = settings.model_copy(update={"orphan_grace_seconds": 0, "broker_url": "redis://127.0.0.1:1/0"})
    store = store_for(settings)
    named, young, old, others = _layout(settings, store)
    if kind == "local":
        from dabiwu.executors.local import LocalExecutor

        # Only the supervisor thread (reaper and sweep); no worker processes are needed for this.
        executor = LocalExecutor(settings, workers=1, reap_every=0.2)
        executor._supervisor.start()
    else:
        from dabiwu.executors.celery_executor import CeleryExecutor

        # Nothing is queued, so the broker (an unused port here) is never contacted.
        executor = CeleryExecutor(settings, reap_every=0.2).start()
    try:
        wait_for(lambda: not store.exists(old) and not store.exists(young), timeout=60, what="the sweep")
    finally:
        executor.shutdown()
    assert store.exists(named) and all(store.exists(key) for key in others)
