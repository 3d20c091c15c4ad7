"""Hostile uploads through the HTTP API: each is refused with its own 4xx and sentence, costs no quota,
leaves no blob and no scratch files, and writes nothing outside the intake folder.

The quota holding under 20 concurrent uploads is tests/e2e/test_scoring_pipeline.py::
test_quota_holds_under_concurrent_uploads; the archive checks themselves are unit-tested in
tests/submissions/test_archive.py.  Size and slowness bounds over a real socket are in
test_upload_limits_live.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.pipeline import SLUG
from tests.security.hostile_archives import HOSTILE

UPLOAD = f"/api/v1/challenges/{SLUG}/submissions"


def _post(client, headers, name: str, data: bytes, **extra):
    return client.post(UPLOAD, headers={**headers, **extra.pop("headers", {})},
                       files={"file": (name, data, "application/octet-stream")}, **extra)


def _leftovers(home: Path) -> list[str]:
    scratch = home / "tmp"
    return sorted(str(p.relative_to(home)) for p in scratch.rglob("*")) if scratch.exists() else []


def test_each_hostile_archive_gets_its_own_refusal_and_costs_nothing(client, settings, role_headers, loaded):
    from dabiwu.storage_access import store_for

    team = role_headers["team"]
    messages = set()
    for build, code, status in HOSTILE:
        name, data = build()
        answer = _post(client, team, name, data)
        where = f"{build.__name__}: {answer.status_code} {answer.text[:300]}"
        assert answer.status_code == status, where
        assert answer.headers.get("x-error-code") == code, where
        detail = answer.json()["detail"]
        assert isinstance(detail, str) and detail.endswith(".") and len(detail) > 40, where
        messages.add(detail)
    assert len(messages) == len(HOSTILE), "every refusal says what was wrong with that archive"

    quota = client.get(f"/api/v1/challenges/{SLUG}/quota", headers=team).json()
    assert quota["used"] == 0 and quota["left"] == quota["limit"]
    assert store_for(settings).list("submissions/") == [] and store_for(settings).list("model-blobs/") == []
    assert client.get("/api/v1/submissions", headers=team).json() == []
    assert _leftovers(settings.home_dir) == []
    assert not Path("/tmp/dabiwu-zip-slip.py").exists()
    assert not any(settings.home_dir.rglob("dabiwu-zip-slip.py"))


def test_oversize_uploads_are_refused_by_content_length_or_cut_off_while_streaming(client, settings, role_headers,
                                                                                   loaded):
    """A declared length over the limit is refused before reading (the real-socket version, with nothing
    sent after the headers, is in test_upload_limits_live.py); without one (chunked), bytes are counted."""
    from sqlalchemy import select

    from dabiwu.db.models import Challenge
    from dabiwu.db.session import session_scope
    from dabiwu.storage_access import store_for

    declared = client.post(UPLOAD, headers={**role_headers["team"], "content-length": str(10 * 1024**3),
                                            "content-type": "multipart/form-data; boundary=x"}, content=b"--x--\r\n")
    assert declared.status_code == 413, declared.text
    assert "limit of 200 MB, so it was refused before it was read" in declared.json()["detail"]
    assert declared.headers.get("connection") == "close"
    # Every other endpoint has a general cap (16 MB): e.g. a district's outcomes CSV.
    csv = client.post(f"/api/v1/registry/{SLUG}/outcomes.csv", content=b"--x--\r\n",
                      headers={**role_headers["district"], "content-length": str(100 * 1024**2),
                               "content-type": "multipart/form-data; boundary=x"})
    assert csv.status_code == 413 and "larger than 16 MB, the limit for this endpoint" in csv.json()["detail"]

    with session_scope(settings.resolved_database_url) as session:  # a 1 MB challenge keeps this test small
        challenge = session.scalar(select(Challenge).where(Challenge.slug == SLUG))
        challenge.spec = {**challenge.spec, "limits": {**challenge.spec["limits"], "max_model_mb": 1}}

    def chunks():
        yield b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.zip\"\r\n\r\n"
        for _ in range(3):
            yield bytes(1024 * 1024)
        yield b"\r\n--x--\r\n"

    answer = client.post(UPLOAD, headers={**role_headers["team"], "content-type": "multipart/form-data; boundary=x"},
                         content=chunks())
    assert answer.status_code == 413, answer.text
    assert "limit of 1 MB, so it was cut off there" in answer.json()["detail"]
    assert store_for(settings).list("submissions/") == [] and store_for(settings).list("model-blobs/") == []
    assert client.get(f"/api/v1/challenges/{SLUG}/quota", headers=role_headers["team"]).json()["used"] == 0
