from __future__ import annotations


def board(client, world, split="public", who="judge"):
    answer = client.get(f"/api/v1/challenges/toy/leaderboard?split={split}", headers=world.headers[who])
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_best_per_team_ties_and_no_na(client, world):
    world.scored("A", 0.50, 0.40, secondary=0.70)
    world.scored("A", 0.60, 0.45, secondary=0.70)
    world.scored("B", 0.60, 0.50, secondary=0.80)   # same score as A's best, better secondary
    world.scored("C", 0.60, 0.55, secondary=0.80)   # ties B on both: the earlier submission (B) wins
    world.scored("C", 0.99, 0.99, status="failed")  # never ranked
    world.scored("C", 0.99, 0.99, status="queued")  # never ranked
    rows = board(client, world)
    assert [(r["rank"], r["team"]) for r in rows] == [(1, "B"), (2, "C"), (3, "A")]
    assert all(r["score"] == 0.60 for r in rows)
    assert rows[1]["submissions"] == 3 and rows[0]["tied_with_leader"] is False
    assert rows[1]["tied_with_leader"] is True  # CIs overlap the leader's


def test_latest_score_version_counts(client, world):
    first = world.scored("A", 0.9, 0.9)
    world.scored("B", 0.5, 0.5)
    assert board(client, world)[0]["team"] == "A"
    world.rescore(first, 0.1, 0.1)
    rows = board(client, world)
    assert [r["team"] for r in rows] == ["B", "A"] and rows[1]["score"] == 0.1


def test_private_board_visibility_and_final_selection_default(client, world):
    world.scored("A", 0.90, 0.30)
    world.scored("A", 0.80, 0.70)
    world.scored("A", 0.10, 0.99)                    # not among A's two best public ones: does not count
    world.scored("B", 0.50, 0.60, is_final=True)     # marked final: only this counts for B
    world.scored("B", 0.95, 0.95)
    assert client.get("/api/v1/challenges/toy/leaderboard?split=private", headers=world.headers["A"]).status_code == 403
    rows = board(client, world, split="private")
    assert [(r["team"], r["score"]) for r in rows] == [("A", 0.70), ("B", 0.60)]


def test_reviews_blend_by_weight_and_conflict_of_interest(client, world, make_user):
    world.scored("A", 0.8, 0.8, is_final=True)
    world.scored("B", 0.4, 0.4, is_final=True)
    judge = world.headers["judge"]
    for team, scores in (("A", {"necessity": 0, "accuracy": 0}), ("B", {"necessity": 10, "accuracy": 10})):
        answer = client.post("/api/v1/challenges/toy/reviews", headers=judge,
                             json={"team_id": world.teams[team], "scores": scores, "comment": "ok"})
        assert answer.status_code == 200, answer.text
    final = client.get("/api/v1/challenges/toy/final-ranking", headers=judge).json()
    # A: 0.5*1.0 + 0.5*0 = 0.5; B: 0.5*0.5 + 0.5*1.0 = 0.75
    assert [(r["team"], r["final_score"]) for r in final] == [("B", 0.75), ("A", 0.5)]
    _, conflicted = make_user("judge_in_a", "judge", team="A")
    refused = client.post("/api/v1/challenges/toy/reviews", headers=conflicted,
                          json={"team_id": world.teams["A"], "scores": {"necessity": 5, "accuracy": 5}})
    assert refused.status_code == 403 and "Conflict of interest" in refused.json()["detail"]
    partial = client.post("/api/v1/challenges/toy/reviews", headers=judge,
                          json={"team_id": world.teams["A"], "scores": {"necessity": 5}})
    assert partial.status_code == 422 and "accuracy" in partial.json()["detail"]


def test_finalize_freezes_boards_against_later_rescoring(client, world):
    first = world.scored("A", 0.8, 0.8)
    world.scored("B", 0.5, 0.5)
    assert client.get("/api/v1/auth/me", headers=world.headers["judge"]).json()["is_head_judge"] is False
    assert client.post("/api/v1/challenges/toy/finalize", headers=world.headers["judge"]).status_code == 403
    done = client.post("/api/v1/challenges/toy/finalize", headers=world.headers["admin"])
    assert done.status_code == 200, done.text
    frozen = done.json()
    assert len(frozen["content_hash"]) == 64 and frozen["rows"][0]["team"] == "A"
    world.rescore(first, 0.01, 0.01)
    assert board(client, world, split="private", who="A")[0]["team"] == "A"  # everyone sees it now; unchanged
    assert board(client, world)[0]["score"] == 0.8
    assert client.post("/api/v1/challenges/toy/finalize", headers=world.headers["admin"]).status_code == 409
    shake = client.get("/api/v1/challenges/toy/shake-up", headers=world.headers["B"]).json()
    assert {r["team"]: r["change"] for r in shake} == {"A": 0, "B": 0}


def test_disqualified_submissions_leave_the_board_and_the_audit_log_says_why(client, world):
    cheat = world.scored("A", 0.99, 0.99)
    world.scored("B", 0.5, 0.5)
    answer = client.post(f"/api/v1/submissions/{cheat}/disqualify", headers=world.headers["judge"],
                         json={"reason": "used leaked labels"})
    assert answer.status_code == 204
    assert [r["team"] for r in board(client, world)] == ["B"]
    audit = client.get("/api/v1/audit?action=submission.disqualify", headers=world.headers["admin"]).json()
    assert audit[0]["detail"]["reason"] == "used leaked labels"
    # the team sees why its submission left the board, and so does the judge's screen after a reload
    for who in ("A", "judge"):
        seen = client.get(f"/api/v1/submissions/{cheat}", headers=world.headers[who]).json()
        assert seen["disqualified_reason"] == "used leaked labels"


def test_history_and_csv_export(client, world):
    world.scored("A", 0.3, 0.3)
    world.scored("A", 0.2, 0.2)
    world.scored("A", 0.6, 0.6)
    history = client.get("/api/v1/challenges/toy/history", headers=world.headers["B"]).json()
    assert [p["best"] for p in history[0]["points"]] == [0.3, 0.6]
    csv_text = client.get("/api/v1/challenges/toy/leaderboard.csv", headers=world.headers["judge"]).text
    assert csv_text.startswith("\ufeffrank,team") and "A" in csv_text


def test_csv_export_times_are_beijing_time(client, world):
    world.scored("A", 0.3, 0.3)  # created 2026-03-01 00:01 UTC, 08:01 in Beijing
    csv_text = client.get("/api/v1/challenges/toy/leaderboard.csv", headers=world.headers["judge"]).text
    header, row = csv_text.lstrip("\ufeff").splitlines()[:2]
    at = row.split(",")[header.split(",").index("last_submission_at")]
    assert at == "2026-03-01T08:01:00+08:00", at


def test_submissions_found_by_id_prefix_within_the_callers_reach(client, world):
    mine = world.scored("A", 0.3, 0.3)
    theirs = world.scored("B", 0.4, 0.4)
    found = client.get("/api/v1/submissions", params={"id_prefix": mine[:8]}, headers=world.headers["A"]).json()
    assert [s["id"] for s in found] == [mine]
    # Another team's prefix finds nothing (ids reveal nothing); staff find any.
    assert client.get("/api/v1/submissions", params={"id_prefix": theirs[:8]}, headers=world.headers["A"]).json() == []
    staff = client.get("/api/v1/submissions", params={"id_prefix": theirs[:8]}, headers=world.headers["judge"]).json()
    assert [s["id"] for s in staff] == [theirs]
    # Too short or not hex: a 422 saying so, never a scan of everything.
    assert client.get("/api/v1/submissions", params={"id_prefix": "abc"}, headers=world.headers["A"]).status_code == 422
    assert client.get("/api/v1/submissions", params={"id_prefix": "zzzzzzzz"}, headers=world.headers["A"]).status_code == 422
