"""Upload bounds over a real socket against `dabiwu serve`: what only a raw client can send.

- a Content-Length beyond the challenge's limit is answered 413 at once, with no body byte sent
  (so it cannot have been read: the server would otherwise wait for the body);
- a body that stalls is cut off with a 408 after DABIWU_BODY_IDLE_TIMEOUT_S (2 s here), and the
  connection closed; it leaves nothing behind and the server takes the next upload normally.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.pipeline import SLUG
from tests.reliability.live_server import live_server, multipart_head, multipart_tail, open_request, read_response

UPLOAD = f"/api/v1/challenges/{SLUG}/submissions"

pytestmark = pytest.mark.slow


def test_a_real_server_refuses_oversize_at_once_and_cuts_off_a_stalled_body(settings, make_user, loaded,
                                                                            baseline_archive):
    from dabiwu.storage_access import store_for

    _, team = make_user("alice", "team", team="Team A")
    multipart = {**team, "Content-Type": "multipart/form-data; boundary=b0undary"}
    with live_server(settings, DABIWU_BODY_IDLE_TIMEOUT_S="2") as (base, _):
        huge = open_request(base, UPLOAD, headers=multipart, content_length=10 * 1024**3)
        status, headers, body, closed = read_response(huge)
        huge.close()
        assert status == 413, body
        assert b"refused before it was read" in body and closed
        refused = json.loads(body)
        assert refused["code"] == "archive_too_large" and "未读取即被拒绝" in refused["detail_zh"]

        head, tail = multipart_head("b0undary"), multipart_tail("b0undary")
        stalled = open_request(base, UPLOAD, headers=multipart, content_length=len(head) + 100_000 + len(tail))
        stalled.sendall(head + bytes(10_000))  # a tenth of the file, then silence
        status, headers, body, closed = read_response(stalled)
        stalled.close()
        assert status == 408, body
        assert b"stopped arriving" in body and closed
        assert json.loads(body)["code"] == "request_timeout" and "服务器已停止等待" in json.loads(body)["detail_zh"]
        assert headers.get("x-request-id")

        with baseline_archive.open("rb") as handle:
            normal = httpx.post(base + UPLOAD, headers=team, timeout=120,
                                files={"file": (baseline_archive.name, handle, "application/gzip")})
        assert normal.status_code == 202, normal.text
    assert store_for(settings).list("model-blobs/") and store_for(settings).list("submissions/") == []
    assert not any((settings.home_dir / "tmp").iterdir())
