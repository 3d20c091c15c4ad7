"""Issue #20 item 3: leads as records in a district's queue, merged per entity, moved through their states with
one conditional UPDATE each, scoped to the district, and counted once in field precision.  Runs on SQLite and on
PostgreSQL (DABIWU_TEST_DATABASE_URL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from tests.districts.conftest import SLUG, push

ROWS = [{"id": f"C{i:03d}", "score": 0.9 - i / 100, "rank": i + 1} for i in range(5)]


def _leads(client, headers, **params):
    answer = client.get("/api/v1/leads", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return answer


def _field(settings, version_listing: int) -> dict[str, int]:
    from sqlalchemy import func, select

    from dabiwu.db.models import LeadOutcome
    from dabiwu.db.session import session_scope

    with session_scope(settings.resolved_database_url) as session:
        return dict(session.execute(select(LeadOutcome.outcome, func.count()).where(
            LeadOutcome.listing_id == version_listing).group_by(LeadOutcome.outcome)).tuples().all())


def test_the_same_entity_from_two_versions_and_runs_is_one_lead_remembering_each_flag(client, leads_world):
    zy = leads_world.headers["zy1"]
    first = push(client, zy, version=1, rows=ROWS)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 5, "new_leads": 5, "merged": 0, "already_pushed": 0}
    again = push(client, zy, version=1, rows=ROWS)
    assert again.json() == {"received": 5, "new_leads": 0, "merged": 0, "already_pushed": 5}
    other = push(client, zy, version=2, rows=[{"id": "C001", "score": 0.999, "rank": 1},
                                               {"id": "C900", "score": 0.2, "rank": 2}], run_label="run-2")
    assert other.json() == {"received": 2, "new_leads": 1, "merged": 1, "already_pushed": 0}

    listed = _leads(client, zy)
    assert listed.headers["X-Total-Count"] == "6"
    leads = listed.json()
    assert [lead["entity_id"] for lead in leads][:2] == ["C001", "C000"]  # sorted by best score
    c001 = leads[0]
    assert c001["versions"] == [1, 2] and c001["flags"] == 2 and c001["best_score"] == 0.999
    detail = client.get(f"/api/v1/leads/{c001['id']}", headers=zy).json()
    assert {(f["version"], f["run_label"]) for f in detail["flag_list"]} == {(1, "run-1"), (2, "run-2")}
    assert detail["next_states"] == ["verifying"]
    # A new lead counts as pending for every version that flagged it.
    assert _field(leads_world.settings, leads_world.listings[1]) == {"pending": 5}


def test_a_lead_goes_through_every_state_and_each_move_is_recorded(client, leads_world):
    zy = leads_world.headers["zy1"]
    push(client, zy, version=1, rows=ROWS[:2])
    case, no_case = sorted(_leads(client, zy).json(), key=lambda lead: lead["entity_id"])
    for state in ("verifying", "case_opened", "supervision_document", "rectified"):
        answer = client.post(f"/api/v1/leads/{case['id']}/transition", headers=zy, json={"state": state})
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == state
    history = client.get(f"/api/v1/leads/{case['id']}", headers=zy).json()["history"]
    assert [(e["from_state"], e["to_state"], e["actor"]) for e in history] == [
        ("new", "verifying", "zy1"), ("verifying", "case_opened", "zy1"),
        ("case_opened", "supervision_document", "zy1"), ("supervision_document", "rectified", "zy1")]

    client.post(f"/api/v1/leads/{no_case['id']}/transition", headers=zy, json={"state": "verifying"})
    reasonless = client.post(f"/api/v1/leads/{no_case['id']}/transition", headers=zy, json={"state": "no_case"})
    assert reasonless.status_code == 422 and reasonless.json()["code"] == "reason_required"
    closed = client.post(f"/api/v1/leads/{no_case['id']}/transition", headers=zy,
                         json={"state": "no_case", "reason": "当事人已补缴，情节轻微"})
    assert closed.status_code == 200 and closed.json()["reason"] == "当事人已补缴，情节轻微"
    # Field precision reads the same table as the upload: one case, one no-case.
    assert _field(leads_world.settings, leads_world.listings[1]) == {"confirmed": 1, "rejected": 1}


def test_illegal_moves_and_unknown_states_are_refused_in_both_languages(client, leads_world):
    zy = leads_world.headers["zy1"]
    push(client, zy, version=1, rows=ROWS[:1])
    lead = _leads(client, zy).json()[0]
    skip = client.post(f"/api/v1/leads/{lead['id']}/transition", headers=zy, json={"state": "case_opened"})
    assert skip.status_code == 409
    assert skip.json()["code"] == "illegal_lead_transition" and "线索" in skip.json()["detail_zh"]
    assert skip.json()["next_states"] == ["verifying"]
    unknown = client.post(f"/api/v1/leads/{lead['id']}/transition", headers=zy, json={"state": "closed"})
    assert unknown.status_code == 422
    stale = client.post(f"/api/v1/leads/{lead['id']}/transition", headers=zy,
                        json={"state": "case_opened", "expected_state": "verifying"})
    assert stale.status_code == 409 and stale.json()["code"] == "lead_changed"
    for bad in ("NaN", "Infinity"):  # stored, they would break every JSON answer that lists them
        body = '{"challenge": "%s", "version": 1, "rows": [{"id": "X", "score": %s}]}' % (SLUG, bad)
        answer = client.post("/api/v1/leads/push", content=body.encode(),
                             headers={**zy, "Content-Type": "application/json"})
        assert answer.status_code == 422, answer.text
    bad_filter = client.get("/api/v1/leads", headers=zy, params={"state": "open"})
    assert bad_filter.status_code == 422 and bad_filter.json()["code"] == "bad_filter"


def test_a_district_never_sees_or_moves_another_districts_leads(client, leads_world):
    push(client, leads_world.headers["zy1"], version=1, rows=ROWS[:3])
    push(client, leads_world.headers["xz1"], version=1, rows=ROWS[:1])  # the same entity in another district
    assert _leads(client, leads_world.headers["zy1"]).headers["X-Total-Count"] == "3"
    theirs = _leads(client, leads_world.headers["xz1"]).json()
    assert len(theirs) == 1
    mine = _leads(client, leads_world.headers["zy1"]).json()[0]
    for path, body in ((f"/api/v1/leads/{mine['id']}/transition", {"state": "verifying"}),
                       (f"/api/v1/leads/{mine['id']}/assign", {"assignee_id": leads_world.users["xz1"]})):
        refused = client.post(path, headers=leads_world.headers["xz1"], json=body)
        assert refused.status_code == 404 and refused.json()["code"] == "lead_not_found"
    assert client.get(f"/api/v1/leads/{mine['id']}", headers=leads_world.headers["xz1"]).status_code == 404
    judge = client.get("/api/v1/leads", headers=leads_world.headers["judge"])
    assert judge.status_code == 403


def test_assignment_only_to_a_prosecutor_of_the_same_district_and_filters(client, leads_world):
    zy = leads_world.headers["zy1"]
    push(client, zy, version=1, rows=ROWS[:3])
    leads = _leads(client, zy).json()
    outsider = client.post(f"/api/v1/leads/{leads[0]['id']}/assign", headers=zy,
                           json={"assignee_id": leads_world.users["xz1"]})
    assert outsider.status_code == 422 and outsider.json()["code"] == "assignee_not_in_district"
    assert [a["username"] for a in client.get("/api/v1/leads/assignees", headers=zy).json()] == ["zy1", "zy2"]
    ok = client.post(f"/api/v1/leads/{leads[0]['id']}/assign", headers=zy,
                     json={"assignee_id": leads_world.users["zy2"]})
    assert ok.status_code == 200 and ok.json()["assignee"] == "zy2"
    assert [lead["id"] for lead in _leads(client, leads_world.headers["zy2"], assignee="me").json()] == [leads[0]["id"]]
    assert _leads(client, zy, assignee="none").headers["X-Total-Count"] == "2"
    page = _leads(client, zy, sort="score", page=1, page_size=2).json()
    assert [lead["best_score"] for lead in page] == sorted(lead["best_score"] for lead in leads)[:2]
    assert _leads(client, zy, version=2).headers["X-Total-Count"] == "0"
    assert _leads(client, zy, challenge=SLUG, state="new").headers["X-Total-Count"] == "3"


def test_bulk_update_moves_each_lead_on_its_own(client, leads_world):
    zy = leads_world.headers["zy1"]
    push(client, zy, version=1, rows=ROWS[:3])
    ids = [lead["id"] for lead in _leads(client, zy).json()]
    client.post(f"/api/v1/leads/{ids[0]}/transition", headers=zy, json={"state": "verifying"})
    answer = client.post("/api/v1/leads/bulk", headers=zy,
                         json={"ids": ids + ["0" * 32], "state": "verifying", "assignee_id": leads_world.users["zy2"]})
    assert answer.status_code == 200, answer.text
    results = {item["id"]: item for item in answer.json()}
    assert results[ids[0]]["ok"] is False and results[ids[0]]["code"] == "illegal_lead_transition"
    assert results[ids[0]]["detail_zh"]
    assert results[ids[1]]["ok"] and results[ids[2]]["ok"]
    assert results["0" * 32]["code"] == "lead_not_found"
    states = {lead["id"]: (lead["state"], lead["assignee"]) for lead in _leads(client, zy).json()}
    # the refused lead's assignment was undone with its move (one savepoint per lead)
    assert states == {ids[0]: ("verifying", None), ids[1]: ("verifying", "zy2"), ids[2]: ("verifying", "zy2")}
    nothing = client.post("/api/v1/leads/bulk", headers=zy, json={"ids": ids})
    assert nothing.status_code == 422 and nothing.json()["code"] == "bulk_nothing_to_do"


def test_two_reviewers_moving_one_lead_at_once_one_wins(client, leads_world):
    push(client, leads_world.headers["zy1"], version=1, rows=ROWS[:1])
    lead = _leads(client, leads_world.headers["zy1"]).json()[0]
    client.post(f"/api/v1/leads/{lead['id']}/transition", headers=leads_world.headers["zy1"],
                json={"state": "verifying"})
    parallel = 6
    barrier = threading.Barrier(parallel)
    targets = ["case_opened", "no_case"] * (parallel // 2)

    def decide(i: int):
        barrier.wait()
        headers = leads_world.headers["zy1" if i % 2 else "zy2"]
        return client.post(f"/api/v1/leads/{lead['id']}/transition", headers=headers,
                           json={"state": targets[i], "reason": "不符合立案条件"})

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        answers = list(pool.map(decide, range(parallel)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] + [409] * (parallel - 1), [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 409} <= {"lead_changed", "illegal_lead_transition"}
    detail = client.get(f"/api/v1/leads/{lead['id']}", headers=leads_world.headers["zy1"]).json()
    assert [e["to_state"] for e in detail["history"]] == ["verifying", detail["state"]]
    outcome = {"case_opened": "confirmed", "no_case": "rejected"}[detail["state"]]
    assert _field(leads_world.settings, leads_world.listings[1]) == {outcome: 1}


def test_the_csv_upload_and_the_queue_count_once(client, leads_world):
    zy = leads_world.headers["zy1"]
    uploaded = client.post(f"/api/v1/registry/{SLUG}/outcomes", headers=zy,
                           json=[{"lead_id": "C000", "version": 1, "outcome": "confirmed"}])
    assert uploaded.status_code == 200, uploaded.text
    push(client, zy, version=1, rows=ROWS[:2])
    # the uploaded outcome is kept (a push does not overwrite it); the other lead is pending
    assert _field(leads_world.settings, leads_world.listings[1]) == {"confirmed": 1, "pending": 1}
    c000 = next(lead for lead in _leads(client, zy).json() if lead["entity_id"] == "C000")
    client.post(f"/api/v1/leads/{c000['id']}/transition", headers=zy, json={"state": "verifying"})
    client.post(f"/api/v1/leads/{c000['id']}/transition", headers=zy, json={"state": "case_opened"})
    assert _field(leads_world.settings, leads_world.listings[1]) == {"confirmed": 1, "pending": 1}
    board = client.get(f"/api/v1/registry/{SLUG}/field-board", headers=zy).json()
    v1 = next(v for v in board["versions"] if v["version"] == 1)
    assert (v1["confirmed"], v1["rejected"], v1["pending"]) == (1, 0, 1)


def test_a_merge_key_keeps_the_same_id_in_two_courts_apart(client, leads_world):
    from dabiwu.db.models import Challenge

    with leads_world.session() as session:
        challenge = session.get(Challenge, leads_world.challenge_id)
        challenge.spec = {**challenge.spec, "lead_merge_key": "court"}
    zy = leads_world.headers["zy1"]
    missing = push(client, zy, version=1, rows=[{"id": "C1", "score": 0.5}])
    assert missing.status_code == 422 and missing.json()["code"] == "lead_key_missing"
    answer = push(client, zy, version=1, rows=[{"id": "C1", "score": 0.5, "key": "枣阳法院"},
                                               {"id": "C1", "score": 0.4, "key": "襄州法院"}])
    assert answer.json()["new_leads"] == 2
    assert sorted(lead["merge_key"] for lead in _leads(client, zy).json()) == ["C1|枣阳法院", "C1|襄州法院"]


def test_pushes_of_the_same_entities_at_once_make_one_lead_each(client, leads_world):
    parallel = 4
    barrier = threading.Barrier(parallel)

    def send(i: int):
        barrier.wait()
        return push(client, leads_world.headers["zy1" if i % 2 else "zy2"], version=1, rows=ROWS, run_label=f"r{i}")

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        answers = list(pool.map(send, range(parallel)))
    assert [a.status_code for a in answers] == [200] * parallel, [a.text for a in answers]
    assert sum(a.json()["new_leads"] for a in answers) == len(ROWS)
    leads = _leads(client, leads_world.headers["zy1"]).json()
    assert len(leads) == len(ROWS) and {lead["flags"] for lead in leads} == {parallel}
    assert _field(leads_world.settings, leads_world.listings[1]) == {"pending": len(ROWS)}
