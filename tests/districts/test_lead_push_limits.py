"""`POST /api/v1/leads/push` is bounded before it is read: more rows than MAX_PUSH_ROWS get a 422 saying so in both
languages (and nothing is stored), a body over DABIWU_MAX_REQUEST_MB a 413 before the endpoint sees it, declared
or streamed. Never a 5xx."""

from __future__ import annotations

import json

from dabiwu.districts.schemas import MAX_PUSH_ROWS
from tests.districts.conftest import SLUG
from tests.error_shape import CJK

# The longest row the schema accepts: a 128-character id and a 120-character merge key.
LONGEST_ROW = {"id": "C" * 128, "score": 0.123456789, "rank": 99999, "key": "键" * 120}


def _body(rows: int) -> bytes:
    return json.dumps({"challenge": SLUG, "version": 1, "run_label": "r" * 64, "rows": [LONGEST_ROW] * rows},
                      ensure_ascii=False).encode()


def test_a_push_over_the_row_cap_is_refused_with_the_cap_in_both_languages(client, leads_world, settings):
    zy = {**leads_world.headers["zy1"], "Content-Type": "application/json"}
    body = _body(MAX_PUSH_ROWS + 1)
    # The longest rows at one over the cap still fit the byte cap: the row cap is what answers, with a sentence.
    assert len(body) < settings.max_request_mb * 1024 * 1024
    answer = client.post("/api/v1/leads/push", content=body, headers=zy)
    assert answer.status_code == 422, answer.text[:500]
    refusal = answer.json()
    assert refusal["code"] == "invalid_request"
    assert "rows" in refusal["detail"] and f"at most {MAX_PUSH_ROWS}" in refusal["detail"]
    assert f"线索行（rows）最多只能有 {MAX_PUSH_ROWS} 项" in refusal["detail_zh"] and CJK.search(refusal["detail_zh"])
    assert client.get("/api/v1/leads", headers=zy).json() == []  # nothing of it was stored


def test_a_push_over_the_byte_cap_is_refused_before_it_is_read(client, leads_world, settings):
    zy = {**leads_world.headers["zy1"], "Content-Type": "application/json"}
    cap = settings.max_request_mb * 1024 * 1024
    body = _body(cap // len(json.dumps(LONGEST_ROW, ensure_ascii=False).encode()) + 1)
    assert len(body) > cap
    declared = client.post("/api/v1/leads/push", content=body, headers=zy)
    streamed = client.post("/api/v1/leads/push", content=iter([body[:cap // 2], body[cap // 2:]]), headers=zy)
    for answer, when in ((declared, "refused before it was read"), (streamed, "cut off")):
        assert answer.status_code == 413, answer.text[:500]
        refusal = answer.json()
        assert refusal["code"] == "body_too_large" and when in refusal["detail"]
        assert f"{settings.max_request_mb} MB" in refusal["detail_zh"]
    assert client.get("/api/v1/leads", headers=zy).json() == []
