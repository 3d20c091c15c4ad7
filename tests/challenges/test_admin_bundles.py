"""Admin bundle routes: list the bundles the server knows, load one by slug (never by path), audit it."""

from __future__ import annotations

import shutil

import pytest
import yaml

from tests.pipeline import BUNDLE, SLUG

BUNDLES = "/api/v1/admin/bundles"


def test_admin_lists_the_bundled_challenges_unloaded(client, role_headers):
    answer = client.get(BUNDLES, headers=role_headers["admin"])
    assert answer.status_code == 200, answer.text
    rows = {row["slug"]: row for row in answer.json()}
    assert set(rows) == {"medical-insurance-recovery", "han-river-ecology", "drunk-driving-withdrawal"}
    assert answer.headers["X-Total-Count"] == "3"
    medical = rows[SLUG]
    assert medical["folder"] == SLUG and medical["version"] == "1.0.0" and medical["title_zh"]
    assert medical["loaded"] is False and medical["loaded_version"] is None and medical["dataset_versions"] == 0
    assert medical["error"] is None
    paged = client.get(BUNDLES, params={"page": 2, "page_size": 2}, headers=role_headers["admin"])
    assert len(paged.json()) == 1 and paged.headers["X-Total-Count"] == "3"


@pytest.mark.parametrize("role", ["judge", "team", "district", "anon"])
def test_only_an_admin_may_list_or_load_bundles(client, role_headers, role):
    headers = {} if role == "anon" else role_headers[role]
    expected = 401 if role == "anon" else 403
    assert client.get(BUNDLES, headers=headers).status_code == expected
    answer = client.post(f"{BUNDLES}/{SLUG}/load", headers=headers)
    assert answer.status_code == expected
    assert isinstance(answer.json()["detail"], str)


def test_an_unknown_slug_is_a_404_sentence_and_no_path_is_accepted(client, role_headers):
    answer = client.post(f"{BUNDLES}/no-such-challenge/load", headers=role_headers["admin"])
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"].startswith("The server has no challenge bundle 'no-such-challenge'.")
    for slug in ("..", "..%2F..%2Fetc", "%2Ftmp%2Fevil", "challenges"):
        answer = client.post(f"{BUNDLES}/{slug}/load", headers=role_headers["admin"])
        assert answer.status_code in (404, 405), (slug, answer.text)


def test_load_reload_and_a_new_version_through_the_api(client, role_headers, tmp_path, monkeypatch):
    """Against a copy of a bundle, so that its version can be bumped like an organiser would."""
    from dabiwu.challenges import admin_router

    root = tmp_path / "bundles"
    shutil.copytree(BUNDLE, root / SLUG)
    monkeypatch.setattr(admin_router, "bundle_roots", lambda settings=None: [root])
    admin = role_headers["admin"]

    first = client.post(f"{BUNDLES}/{SLUG}/load", headers=admin)
    assert first.status_code == 200, first.text
    assert first.json()["created"] is True and first.json()["version"] == "1.0.0" and first.json()["test_rows"] > 0
    assert client.get(f"/api/v1/challenges/{SLUG}", headers=admin).json()["dataset_version"] == first.json()["dataset_version"]

    again = client.post(f"{BUNDLES}/{SLUG}/load", headers=admin)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["dataset_version"] == first.json()["dataset_version"]

    spec_path = root / SLUG / "challenge.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["version"] = "1.1.0"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    listed = client.get(BUNDLES, headers=admin).json()[0]
    assert listed["version"] == "1.1.0" and listed["loaded_version"] == "1.0.0" and listed["up_to_date"] is False

    bumped = client.post(f"{BUNDLES}/{SLUG}/load", headers=admin)
    assert bumped.status_code == 200 and bumped.json()["created"] is True
    assert bumped.json()["dataset_version"] != first.json()["dataset_version"]
    listed = client.get(BUNDLES, headers=admin).json()[0]
    assert listed["loaded_version"] == "1.1.0" and listed["up_to_date"] is True and listed["dataset_versions"] == 2

    audit = client.get("/api/v1/audit", params={"page_size": 100}, headers=admin).json()
    actions = [(e["action"], e["object_id"]) for e in audit if e["action"].startswith("challenge.")]
    assert actions.count(("challenge.load", SLUG)) == 2 and actions.count(("challenge.reload", SLUG)) == 1


def test_a_broken_bundle_is_listed_with_its_problem_and_refused(client, role_headers, tmp_path, monkeypatch):
    from dabiwu.challenges import admin_router

    root = tmp_path / "bundles"
    shutil.copytree(BUNDLE, root / "broken")
    (root / "broken" / "challenge.yaml").write_text("slug: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(admin_router, "bundle_roots", lambda settings=None: [root])
    row = client.get(BUNDLES, headers=role_headers["admin"]).json()[0]
    assert row["folder"] == "broken" and row["version"] is None and "YAML" in row["error"]
    assert str(tmp_path) not in row["error"]
    # The folder name stands in for its slug; loading it answers the same problem as a 422 sentence.
    answer = client.post(f"{BUNDLES}/broken/load", headers=role_headers["admin"])
    assert answer.status_code == 422 and "YAML" in answer.json()["detail"]
    assert str(tmp_path) not in answer.json()["detail"]
