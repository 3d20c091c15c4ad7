"""kill -9 `dabiwu serve` with two uploads in flight: one still sending its body (slow), one in the
window between storing its blob and committing its row (held there by a database write lock).

Afterwards: no submission row without its blob, no quota charged, no scratch left; the one blob
without a row is removed by the orphan sweep; and the platform takes the next upload as usual.
"""

from __future__ import annotations

import threading

import httpx
import pytest
from sqlalchemy import select

from tests.pipeline import SLUG, upload
from tests.reliability.faults import wait_for, writes_blocked
from tests.reliability.live_server import kill_group, live_server, multipart_head, open_request

pytestmark = pytest.mark.slow

UPLOAD = f"/api/v1/challenges/{SLUG}/submissions"


def test_kill_9_mid_upload_leaves_no_row_without_blob_and_the_sweep_removes_the_orphan(
        client, settings, role_headers, loaded, baseline_archive):
    from dabiwu.db.models import QuotaUsage, Submission
    from dabiwu.db.session import session_scope
    from dabiwu.executors.orphans import sweep_orphans
    from dabiwu.storage_access import store_for

    store, team = store_for(settings), role_headers["team"]
    with live_server(settings) as (base, server):
        slow = open_request(base, UPLOAD, content_length=50 * 1024 * 1024,
                            headers={**team, "Content-Type": "multipart/form-data; boundary=b0undary"})
        slow.sendall(multipart_head("b0undary") + bytes(1024 * 1024))  # 1 of 50 MB, and the rest never comes

        outcome: list[object] = []

        def fast_upload() -> None:
            with baseline_archive.open("rb") as handle:
                try:
                    outcome.append(httpx.post(base + UPLOAD, headers=team, timeout=120,
                                              files={"file": (baseline_archive.name, handle, "application/gzip")}))
                except httpx.HTTPError as exc:
                    outcome.append(exc)

        with writes_blocked(settings.resolved_database_url):
            uploader = threading.Thread(target=fast_upload)
            uploader.start()
            # Stored, and now waiting to reserve quota and commit: the crash window.
            orphan = wait_for(lambda: store.list("submissions/"), timeout=120, what="the blob to be stored")
            kill_group(server)
            uploader.join(timeout=60)
        slow.close()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError), outcome  # it died with the server

    with session_scope(settings.resolved_database_url) as session:
        rows = session.scalars(select(Submission)).all()
        assert all(row.blob_key and store.exists(row.blob_key) for row in rows)  # no row without its blob
        assert rows == []  # neither upload committed
        assert (session.scalar(select(QuotaUsage.used)) or 0) == 0
    scratch = settings.home_dir / "tmp"
    assert not (scratch.exists() and any(scratch.iterdir()))  # the slow one never reached intake

    assert store.list("submissions/") == orphan and len(orphan) == 1
    with session_scope(settings.resolved_database_url) as session:
        assert sweep_orphans(session, store, older_than_s=0) == orphan  # what the reaper does after the grace
    assert store.list("submissions/") == []

    accepted = upload(client, team, baseline_archive)
    assert accepted.status_code == 202, accepted.text
    assert client.get(f"/api/v1/challenges/{SLUG}/quota", headers=team).json()["used"] == 1
