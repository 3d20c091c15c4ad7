from __future__ import annotations


def test_districts_are_seeded_and_admin_can_add_one(client, role_headers):
    names = {d["name_zh"] for d in client.get("/api/v1/districts?page_size=100", headers=role_headers["district"]).json()}
    assert {"襄城区", "樊城区", "襄州区", "枣阳市", "宜城市", "老河口市", "南漳县", "谷城县", "保康县",
            "高新区", "东津新区", "鱼梁洲"} <= names
    added = client.post("/api/v1/districts", json={"code": "suizhou", "name_zh": "随州市", "name_en": "Suizhou"},
                        headers=role_headers["admin"])
    assert added.status_code == 201
    again = client.post("/api/v1/districts", json={"code": "suizhou", "name_zh": "随州市", "name_en": "Suizhou"},
                        headers=role_headers["admin"])
    assert again.status_code == 409 and "suizhou" in again.json()["detail"]


def test_a_team_member_sees_only_their_own_team(client, role_headers):
    mine = client.get("/api/v1/teams", headers=role_headers["team"]).json()
    assert [t["name"] for t in mine] == ["Team A"]
    everyone = client.get("/api/v1/teams", headers=role_headers["judge"])
    assert {t["name"] for t in everyone.json()} == {"Team A", "Team B"}
    assert everyone.headers["X-Total-Count"] == "2"


def test_admin_creates_users_and_the_audit_log_records_it(client, role_headers):
    answer = client.post("/api/v1/users", json={"username": "new_judge", "password": "long-enough-pw", "role": "judge"},
                         headers=role_headers["admin"])
    assert answer.status_code == 201
    events = client.get("/api/v1/audit", headers=role_headers["admin"]).json()
    assert any(e["action"] == "user.create" and e["detail"]["username"] == "new_judge" for e in events)
    unknown = client.post("/api/v1/users", json={"username": "d2", "password": "long-enough-pw", "role": "district",
                                                  "district": "atlantis"}, headers=role_headers["admin"])
    assert unknown.status_code == 422 and "atlantis" in unknown.json()["detail"]


def test_pagination_headers(client, role_headers):
    first = client.get("/api/v1/districts?page=1&page_size=5", headers=role_headers["admin"])
    second = client.get("/api/v1/districts?page=3&page_size=5", headers=role_headers["admin"])
    assert len(first.json()) == 5 and int(first.headers["X-Total-Count"]) == 12
    assert len(second.json()) == 2


def test_a_head_judge_is_made_by_the_admin_and_may_finalize(client, role_headers):
    made = client.post("/api/v1/users", json={"username": "chair", "password": "long-enough-pw", "role": "judge",
                                              "is_head_judge": True}, headers=role_headers["admin"])
    assert made.status_code == 201 and made.json()["is_head_judge"] is True
    wrong = client.post("/api/v1/users", json={"username": "t9", "password": "long-enough-pw", "role": "team",
                                               "team": "T9", "is_head_judge": True}, headers=role_headers["admin"])
    assert wrong.status_code == 422 and "Only a judge can be head judge" in wrong.json()["detail"]
    token = client.post("/api/v1/auth/token", data={"username": "chair", "password": "long-enough-pw"}).json()
    chair = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=chair).json()["is_head_judge"] is True
    # the head judge passes the finalize permission (the unknown challenge is then a plain 404)
    assert client.post("/api/v1/challenges/nope/finalize", headers=chair).status_code == 404
    assert client.post("/api/v1/challenges/nope/finalize", headers=role_headers["judge"]).status_code == 403
