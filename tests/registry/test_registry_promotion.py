"""Promotion into the MLflow registry: the copy, the tags, the card, champion, gates, capacity, delisting."""

from __future__ import annotations

import tarfile
from pathlib import Path

from registry_world import SLUG


def promote(client, world, submission_id: str, **body):
    return client.post(f"/api/v1/submissions/{submission_id}/promote", headers=world.headers["judge"],
                       json={"reason": None, "override": False, **body})


def test_promotion_copies_the_files_tags_the_version_and_points_champion(registry_client, world, tmp_path):
    from models_registry.mlflow_adapter import backend_for
    from models_registry.pulls import folder_sha256

    submission = world.submit("Team A", world.finder())
    early = promote(registry_client, world, submission)
    assert early.status_code == 409 and early.json()["error_code"] == "NOT_FINALIZED", early.text
    assert early.json()["code"] == "not_finalized"  # lower case like every code; error_code is the old spelling
    no_reason = promote(registry_client, world, submission, override=True)
    assert no_reason.status_code == 422 and no_reason.json()["error_code"] == "REASON_REQUIRED"

    answer = promote(registry_client, world, submission, override=True, reason="区院急需，提前上架")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["registered_model"], body["version"], body["alias"]) == (SLUG, 1, "champion")

    backend = backend_for(world.settings)
    version = backend.registry_store.get_model_version(SLUG, "1")
    tags = version.tags
    assert tags["team"] == "Team A" and tags["contest"] == SLUG and tags["approved_by"] == "judge1"
    assert tags["reason"] == "区院急需，提前上架" and tags["scorer_version"] == "1.0.0"
    assert tags["private_ci"].startswith("[") and tags["worst_district"] in {"zaoyang", "xiangzhou", "fancheng", "yicheng"}
    assert "## 中文" in version.description and "## English" in version.description
    assert "| zaoyang |" in version.description  # the per-district table
    from dabiwu.settings import get_settings

    runtime = get_settings().default_runtime  # the challenge names none: the install's default scored it
    assert tags["runtime"] == runtime and f"scoring runtime `{runtime}`" in version.description
    detail = registry_client.get(f"/api/v1/registry/models/{SLUG}/versions/1", headers=world.headers["judge"]).json()
    assert detail["runtime"] == runtime
    assert backend.alias_version(name=SLUG, alias="champion") == 1

    # The registered files are the team's files, byte for byte (nothing was loaded or re-saved).
    unpacked = tmp_path / "unpacked"
    with tarfile.open(world.archive) as tar:
        tar.extractall(unpacked, filter="data")
    assert tags["model_sha256"] == folder_sha256(unpacked) == body["model_sha256"]
    stored = Path(world.settings.mlflow_artifact_destination) / version.source.removeprefix("mlflow-artifacts:/")
    assert folder_sha256(stored) == tags["model_sha256"]
    card = stored.parent / "model_card.md"
    assert card.read_text(encoding="utf-8") == version.description

    audit = registry_client.get("/api/v1/audit", headers=world.headers["admin"]).json()
    actions = [event["action"] for event in (audit["items"] if isinstance(audit, dict) else audit)]
    assert "registry.promote" in actions


def test_a_clone_of_the_champion_is_refused_as_homogeneous(registry_client, world):
    world.finalize()
    original = world.submit("Team A", world.finder())
    assert promote(registry_client, world, original).status_code == 200
    clone = world.submit("Team B", world.finder())  # the same predictions

    refused = promote(registry_client, world, clone)
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error_code"] == "GATE_FAILED"
    assert "Jaccard 1.00" in body["detail"] and f"{SLUG} v1" in body["detail"]
    assert "incremental recall 0.0000" in body["detail"] and "0.0200" in body["detail"]
    assert "重合度" in body["detail_zh"]
    assert body["gates"]["overlaps"] == [{"listed": f"{SLUG} v1", "jaccard": 1.0}]
    listed = registry_client.get("/api/v1/registry/models", headers=world.headers["district"]).json()
    model = next(m for m in listed if m["slug"] == SLUG)
    assert [v["version"] for v in model["listed"]] == [1]


def test_a_model_weak_in_one_district_is_refused(registry_client, world):
    world.finalize()
    world.set_spec(promotion={"min_primary": 0.3, "min_worst_district": 0.3, "min_novelty": 0.02, "max_listed": 5})
    weak_in_yicheng = world.submit("Team C", world.finder(skip_district="yicheng"))

    refused = promote(registry_client, world, weak_in_yicheng)
    assert refused.status_code == 422, refused.text
    failed = [check for check in refused.json()["gates"]["checks"] if not check["passed"]]
    assert [check["name"] for check in failed] == ["worst_district"]
    assert "yicheng" in refused.json()["detail"] and failed[0]["value"] < 0.3


def test_a_sixth_listing_is_refused_until_one_is_delisted(registry_client, world):
    world.finalize()
    # Six models, each finding its own sixth of the leads: all novel, all good enough.
    ids = [world.submit(f"Team {i}", world.finder((i, 6), seed=i)) for i in range(6)]
    for expected_version, submission in enumerate(ids[:5], start=1):
        answer = promote(registry_client, world, submission)
        assert answer.status_code == 200, answer.text
        assert answer.json()["version"] == expected_version

    sixth = promote(registry_client, world, ids[5])
    assert sixth.status_code == 409, sixth.text
    assert sixth.json()["error_code"] == "REGISTRY_FULL" and "delist one first" in sixth.json()["detail"]
    assert sixth.json()["code"] == "registry_full" and sixth.json()["gates"]

    listed = registry_client.get("/api/v1/registry/models", headers=world.headers["judge"]).json()
    model = next(m for m in listed if m["slug"] == SLUG)
    champion = model["champion_version"]
    assert champion == max(model["listed"], key=lambda v: v["private_score"])["version"]

    delisted = registry_client.post(f"/api/v1/registry/{SLUG}/versions/{champion}/delist",
                                    headers=world.headers["admin"], json={"reason": "replaced"})
    assert delisted.status_code == 200, delisted.text
    assert delisted.json()["champion_version"] not in (None, champion)

    from models_registry.mlflow_adapter import backend_for

    backend = backend_for(world.settings)
    assert backend.alias_version(name=SLUG, alias="champion") == delisted.json()["champion_version"]
    assert backend.version_tags(name=SLUG, version=champion)["listed"] == "false"
    assert promote(registry_client, world, ids[5]).status_code == 200
    again = registry_client.post(f"/api/v1/registry/{SLUG}/versions/{champion}/delist", headers=world.headers["admin"])
    assert again.status_code == 409
