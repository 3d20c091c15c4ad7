"""Rows written without a gate report or with a partial metrics document still answer, typed (no 500).

The listings here are made directly (conftest.py): `gate_report` keeps the column's default `{}`, and the score's
metrics hold only the private split's precision@k and k, as a row from before (or outside) the scorer would.
"""

from __future__ import annotations

from tests.districts.conftest import SLUG


def test_a_listing_without_a_gate_report_reads_as_one_with_no_checks(client, leads_world):
    judge = leads_world.headers["judge"]
    answer = client.get(f"/api/v1/registry/models/{SLUG}/versions/1", headers=judge)
    assert answer.status_code == 200, answer.text
    version = answer.json()
    assert version["gate_report"] == {"passed": True, "checks": [], "overlaps": [], "novelty": None}
    assert version["worst_district"] is None and version["primary_metric"] == "average_precision"
    models = client.get("/api/v1/registry/models", headers=judge)
    assert models.status_code == 200, models.text
    (model,) = [m for m in models.json() if m["slug"] == SLUG]
    assert [v["version"] for v in model["listed"]] == [1, 2] and model["listed"][0]["worst_district"] is None


def test_a_partial_metrics_document_is_sent_as_stored(client, leads_world):
    from dabiwu.db.models import RegistryListing

    with leads_world.session() as session:
        submission_id = session.get(RegistryListing, leads_world.listings[1]).submission_id
    answer = client.get(f"/api/v1/submissions/{submission_id}", headers=leads_world.headers["judge"])
    assert answer.status_code == 200, answer.text
    metrics = answer.json()["metrics"]
    assert metrics["private"] == {"precision_at_k": 0.4, "k": 50}
    assert set(metrics) == {"private", "scoring"}  # nothing of the public split was stored, so nothing is sent
    assert metrics["scoring"] == {"sandbox_kind": "none", "runtime_s": 1.0, "peak_mem_mb": 1.0,
                                  "sandbox_prestarted": None}
    assert answer.json()["model_info"] == {}
