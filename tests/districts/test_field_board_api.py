"""GET /registry/{slug}/field-board: listed versions ranked, per-district intervals, precision by month."""

from __future__ import annotations

from tests.districts.conftest import SLUG


def test_the_field_board_ranks_versions_with_district_intervals_and_a_monthly_series(client, leads_world):
    zy, xz = leads_world.headers["zy1"], leads_world.headers["xz1"]
    rows = lambda version, confirmed, rejected, pending: (  # noqa: E731
        [{"lead_id": f"v{version}-c{i}", "version": version, "outcome": "confirmed"} for i in range(confirmed)]
        + [{"lead_id": f"v{version}-r{i}", "version": version, "outcome": "rejected"} for i in range(rejected)]
        + [{"lead_id": f"v{version}-p{i}", "version": version, "outcome": "pending"} for i in range(pending)])
    # version 1: old, all decided, 30%; version 2: young, 3 of 10 decided cases are real, 90 pending
    assert client.post(f"/api/v1/registry/{SLUG}/outcomes", headers=zy, json=rows(1, 30, 70, 0)).status_code == 200
    assert client.post(f"/api/v1/registry/{SLUG}/outcomes", headers=xz, json=rows(2, 3, 7, 90)).status_code == 200

    answer = client.get(f"/api/v1/registry/{SLUG}/field-board", headers=leads_world.headers["judge"])
    assert answer.status_code == 200, answer.text
    board = answer.json()
    assert board["supervision_point"]["zh"] == "醉驾撤案监督"
    by_version = {v["version"]: v for v in board["versions"]}
    assert by_version[2]["naive_conversion"] == 0.03 and by_version[1]["naive_conversion"] == 0.3
    assert abs(by_version[2]["conversion"] - by_version[1]["conversion"]) < 1e-9
    assert set(by_version[1]["by_district"]) == {"zaoyang"} and set(by_version[2]["by_district"]) == {"xiangzhou"}
    low, high = by_version[2]["by_district"]["xiangzhou"]["interval"]
    assert 0 < low < 0.3 < high < 1
    assert by_version[1]["contest"]["interval"][0] < 0.4 < by_version[1]["contest"]["interval"][1]
    (month,) = by_version[1]["by_month"]
    assert (month["confirmed"], month["rejected"], month["cumulative_precision"]) == (30, 70, 0.3)
    assert client.get(f"/api/v1/registry/{SLUG}/field-board", headers=leads_world.headers["zy1"]).status_code == 200
    missing = client.get("/api/v1/registry/no-such/field-board", headers=zy)
    assert missing.status_code == 404 and missing.json()["code"] == "challenge_not_found"
