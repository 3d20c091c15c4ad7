"""/mlflow behind platform tokens (in-process), pulls counted as adoption, and lead outcomes."""

from __future__ import annotations

from registry_world import SLUG

ALIAS = f"/mlflow/api/2.0/mlflow/registered-models/alias?name={SLUG}&alias=champion"
DOWNLOAD_URI = f"/mlflow/api/2.0/mlflow/model-versions/get-download-uri?name={SLUG}&version=1"


def listed_version(registry_client, world) -> None:
    world.finalize()
    submission = world.submit("Team A", world.finder())
    answer = registry_client.post(f"/api/v1/submissions/{submission}/promote", headers=world.headers["judge"], json={})
    assert answer.status_code == 200, answer.text


def registry_entry(registry_client, world, headers=None) -> dict:
    models = registry_client.get("/api/v1/registry/models", headers=headers or world.headers["judge"]).json()
    model = next(m for m in models if m["slug"] == SLUG)
    return model["listed"][0]


def test_the_guard_lets_districts_read_refuses_writes_and_counts_downloads(registry_client, world):
    listed_version(registry_client, world)

    anonymous = registry_client.get(ALIAS)
    assert anonymous.status_code == 401 and anonymous.json()["error_code"] == "UNAUTHENTICATED"
    assert "请先登录" in anonymous.json()["detail_zh"]  # MLflow's shape, plus the sentence in Chinese
    forged = registry_client.get(ALIAS, headers={"Authorization": "Bearer dbw_not-a-token"})
    assert forged.status_code == 401
    team = world.team("Team A")
    assert registry_client.get(ALIAS, headers=team).json()["error_code"] == "PERMISSION_DENIED"
    for who in ("judge", "district"):
        write = registry_client.post("/mlflow/api/2.0/mlflow/experiments/create", headers=world.headers[who],
                                     json={"name": "x"})
        assert write.status_code == 403 and "read-only" in write.json()["message"], write.text
    wrong_host = registry_client.get(ALIAS, headers={**world.headers["district"], "Host": "evil.example"})
    assert wrong_host.status_code == 403

    alias = registry_client.get(ALIAS, headers=world.headers["district"])
    assert alias.status_code == 200 and alias.json()["model_version"]["version"] == "1"
    search = registry_client.post("/mlflow/api/2.0/mlflow/experiments/search", headers=world.headers["district"],
                                  json={"max_results": 10})  # a read-only POST
    assert search.status_code == 200 and f"dabiwu/{SLUG}" in [e["name"] for e in search.json()["experiments"]]
    assert registry_entry(registry_client, world)["adoption"]["pulls"] == 0  # an alias lookup is not a download

    download = registry_client.get(DOWNLOAD_URI, headers=world.headers["district"])
    assert download.status_code == 200 and download.json()["artifact_uri"].startswith("mlflow-artifacts:/")
    registry_client.get(DOWNLOAD_URI, headers=world.headers["district_b"])
    adoption = registry_entry(registry_client, world, world.headers["district"])["adoption"]
    assert adoption["pulls"] == 2 and adoption["districts"] == ["xiangzhou", "zaoyang"]


def test_outcomes_change_field_precision_and_flag_drift(registry_client, world):
    listed_version(registry_client, world)
    entry = registry_entry(registry_client, world)
    assert entry["field_precision"] is None and entry["drift"] is None

    district = world.headers["district"]
    rows = [{"lead_id": f"L{i}", "version": 1, "outcome": "confirmed" if i < 6 else "rejected"} for i in range(8)]
    first = registry_client.post(f"/api/v1/registry/{SLUG}/outcomes", headers=district, json=rows)
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 8, "inserted": 8, "updated": 0, "unchanged": 0}
    entry = registry_entry(registry_client, world)
    assert entry["field_precision"] == 6 / 8 and entry["adoption"]["cases_made"] == 6
    assert entry["drift"] is None  # 8 decided leads are too few to say

    # A CSV from Excel (BOM, Chinese headers and words) updates two leads and adds ten rejections.
    lines = ["线索编号,模型版本,结果,备注", "L0,1,不成案,复核后排除", "L1,v1,待核查,"]
    lines += [f"N{i},1,rejected," for i in range(10)]
    csv_bytes = ("\n".join(lines) + "\n").encode("utf-8-sig")
    second = registry_client.post(f"/api/v1/registry/{SLUG}/outcomes.csv", headers=district,
                                  files={"file": ("outcomes.csv", csv_bytes, "text/csv")})
    assert second.status_code == 200, second.text
    assert second.json() == {"received": 12, "inserted": 10, "updated": 2, "unchanged": 0}

    detail = registry_client.get(f"/api/v1/registry/models/{SLUG}/versions/1", headers=district).json()
    field = detail["field"]
    assert (field["confirmed"], field["rejected"], field["pending"]) == (4, 13, 1)
    assert detail["field_precision"] == 4 / 17
    low = field["contest"]["interval"][0]
    assert field["contest"]["method"] == "wilson" and 4 / 17 < low
    assert detail["drift"] is True and field["by_district"]["zaoyang"]["drift"] is True
    assert "## English" in detail["model_card"]


def test_bad_outcome_reports_are_refused_naming_the_problem(registry_client, world):
    listed_version(registry_client, world)
    district = world.headers["district"]

    def upload(text: str):
        return registry_client.post(f"/api/v1/registry/{SLUG}/outcomes.csv", headers=district,
                                    files={"file": ("o.csv", text.encode(), "text/csv")})

    bad_column = upload("lead_id,version,outcom\nL1,1,confirmed\n")
    assert bad_column.status_code == 422 and bad_column.json()["column"] == "outcom"
    assert "'outcom'" in bad_column.json()["detail"]
    missing = upload("lead_id,outcome\nL1,confirmed\n")
    assert missing.status_code == 422 and missing.json()["column"] == "version"
    bad_value = upload("lead_id,version,outcome\nL1,1,maybe\n")
    assert bad_value.status_code == 422 and "row 2" in bad_value.json()["detail"]
    unknown_version = registry_client.post(f"/api/v1/registry/{SLUG}/outcomes", headers=district,
                                           json=[{"lead_id": "L1", "version": 9, "outcome": "confirmed"}])
    assert unknown_version.status_code == 422 and "no registry version 9" in unknown_version.json()["detail"]
    judge = registry_client.post(f"/api/v1/registry/{SLUG}/outcomes", headers=world.headers["judge"], json=[])
    assert judge.status_code == 403
    assert registry_entry(registry_client, world)["adoption"]["leads_reported"] == 0

