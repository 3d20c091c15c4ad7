"""kill -9 `dabiwu serve` with two uploads in flight: one still sending its body (slow), one validated
and waiting to commit its claim on the model's files (held there by a database write lock; since revision
0007 intake claims the files' rows before it stores any file, see submissions/intake.py).

Afterwards: no submission row, no claim, no stored file, no quota charged; only the killed intake's own
scratch folder is left; gc has nothing to free; and the platform takes the next upload as usual.
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


def test_kill_9_mid_upload_leaves_no_row_no_claim_and_no_stored_file(
        client, settings, role_headers, loaded, baseline_archive):
    from dabiwu.db.models import QuotaUsage, Submission
    from dabiwu.db.session import session_scope
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

        # The claim on the model's file rows is intake's first write (then quota): block it on both databases.
        with writes_blocked(settings.resolved_database_url, tables=("model_blobs", "model_trees", "quota_usage")):
            uploader = threading.Thread(target=fast_upload)
            uploader.start()
            # Validated and copied as plain files, and now waiting to commit its claim: the crash window.
            scratch = settings.home_dir / "tmp"
            wait_for(lambda: list(scratch.glob("intake-*/tree/MLmodel")), timeout=120, what="the validated tree")
            kill_group(server)
            uploader.join(timeout=60)
        slow.close()
    assert len(outcome) == 1 and isinstance(outcome[0], httpx.HTTPError), outcome  # it died with the server

    from dabiwu.db.models import ModelBlob, ModelTree
    from dabiwu.model_store import gc

    with session_scope(settings.resolved_database_url) as session:
        assert session.scalars(select(Submission)).all() == []  # neither upload committed
        assert session.scalars(select(ModelBlob)).all() == [] and session.scalars(select(ModelTree)).all() == []
        assert (session.scalar(select(QuotaUsage.used)) or 0) == 0
        assert gc.run(session, store=store, settings=settings, apply=True).bytes_freed == 0
    assert [p.name for p in scratch.iterdir()] == [p.name for p in scratch.glob("intake-*")]  # the killed one's only
    assert len(list(scratch.iterdir())) == 1  # the slow one never reached intake
    assert store.list("model-blobs/") == [] and store.list("submissions/") == []

    accepted = upload(client, team, baseline_archive)
    assert accepted.status_code == 202, accepted.text
    assert client.get(f"/api/v1/challenges/{SLUG}/quota", headers=team).json()["used"] == 1
