"""Issue #14 on the registry: the /mlflow allow-list (item 7), delisted versions (item 10) and a stored
archive with a loop of links planted after intake (item 3, promotion)."""

from __future__ import annotations

import io
import os
import re
import tarfile
from pathlib import Path

from registry_world import SLUG

GUARD = "x-dabiwu-guard"
ROLES = ("team", "district", "judge", "admin")


def _headers(world, role: str) -> dict:
    return world.team("Team A") if role == "team" else world.headers[role]


def _concrete(template: str) -> str:
    """A request path for a route template: every path parameter ends in '/search' (the old bypass)."""
    path = re.sub(r"\{\w+:path\}|<path:\w+>", "1/x/search", template)
    return re.sub(r"\{\w+\}|<(?:\w+:)?\w+>", "x", path)


def test_every_mlflow_route_is_refused_unless_allow_listed_for_every_role(registry_client, world):
    from dabiwu.registry_routes import ALLOWED_ROUTES, ARTIFACT_DOWNLOAD, ARTIFACT_LIST, VERSION_DOWNLOAD_URI, \
        VERSION_GET, mlflow_route_table

    guard = registry_client.app.state.mlflow_guard
    table = mlflow_route_table(guard._server())  # the mounted app's own routes, FastAPI and Flask
    assert len(table) > 300 and ("POST", "/api/2.0/mlflow-artifacts/mpu/create/<path:artifact_path>") in table
    assert ALLOWED_ROUTES <= set(table) | {("GET", ARTIFACT_DOWNLOAD)}, "the allow-list names only real routes"
    hidden_from_districts = {VERSION_GET, VERSION_DOWNLOAD_URI, ARTIFACT_DOWNLOAD, ARTIFACT_LIST}
    headers = {role: _headers(world, role) for role in ROLES}
    wrong = []
    for method, template in table:
        path = "/mlflow" + _concrete(template) + "?name=x&version=1&path=1/x"
        allowed = (method, template) in ALLOWED_ROUTES or (method == "GET" and template.replace(
            "<path:artifact_path>", "{artifact_path:path}") == ARTIFACT_DOWNLOAD)
        anonymous = registry_client.request(method, path)
        if anonymous.status_code != 401 or anonymous.headers.get(GUARD) != "refused":
            wrong.append(("anonymous", method, template, anonymous.status_code))
        for role in ROLES:
            answer = registry_client.request(method, path, headers=headers[role], json={} if method != "GET" else None)
            refused = answer.headers.get(GUARD) == "refused"
            if template.rstrip("/").endswith("/graphql"):
                ok = refused and answer.status_code == 404  # routed off for everyone (issue #14, item 16)
            elif not allowed or role == "team":
                ok = refused and answer.status_code == 403
            elif role == "district" and template.replace("<path:artifact_path>", "{artifact_path:path}") in \
                    hidden_from_districts:
                ok = refused and answer.status_code == 404  # nothing is listed under these made-up names
            else:
                ok = not refused
            if not ok:
                wrong.append((role, method, template, answer.status_code))
    assert wrong == [], wrong[:20]


def _listed(registry_client, world, team: str, share: tuple[int, int], seed: int) -> int:
    submission = world.submit(team, world.finder(share, seed=seed))
    answer = registry_client.post(f"/api/v1/submissions/{submission}/promote", headers=world.headers["judge"], json={})
    assert answer.status_code == 200, answer.text
    return answer.json()["version"]


def test_a_district_cannot_write_through_the_multipart_upload_routes(registry_client, world):
    world.finalize()
    _listed(registry_client, world, "Team A", (0, 1), 0)
    from models_registry.mlflow_adapter import backend_for

    version = backend_for(world.settings).registry_store.get_model_version(SLUG, "1")
    folder = version.source.removeprefix("mlflow-artifacts:/").strip("/")
    for route in ("create", "complete", "abort"):
        answer = registry_client.post(f"/mlflow/api/2.0/mlflow-artifacts/mpu/{route}/{folder}/search",
                                      headers=world.headers["district"],
                                      json={"path": "MLmodel", "num_parts": 1})
        assert answer.status_code == 403 and answer.headers.get(GUARD) == "refused", answer.text
    put = registry_client.put(f"/mlflow/api/2.0/mlflow-artifacts/artifacts/{folder}/search", content=b"x",
                              headers=world.headers["district"])
    assert put.status_code == 403, put.text
    listing = registry_client.get(f"/mlflow/api/2.0/mlflow-artifacts/artifacts?path={folder}",
                                  headers=world.headers["district"])
    assert listing.status_code == 200 and "search" not in {f["path"] for f in listing.json().get("files", [])}


def test_a_delisted_version_is_not_served_to_districts_but_staff_still_read_it(registry_client, world, tmp_path):
    world.finalize()
    first = _listed(registry_client, world, "Team A", (0, 2), 0)
    second = _listed(registry_client, world, "Team B", (1, 2), 1)
    from models_registry.mlflow_adapter import backend_for

    backend = backend_for(world.settings)
    folder = backend.registry_store.get_model_version(SLUG, str(first)).source.removeprefix("mlflow-artifacts:/")
    by_number = f"/mlflow/api/2.0/mlflow/model-versions/get-download-uri?name={SLUG}&version={first}"
    record = f"/mlflow/api/2.0/mlflow/model-versions/get?name={SLUG}&version={first}"
    files = f"/mlflow/api/2.0/mlflow-artifacts/artifacts/{folder.strip('/')}/MLmodel"
    listing = f"/mlflow/api/2.0/mlflow-artifacts/artifacts?path={folder.strip('/')}"
    district = world.headers["district"]
    for path in (by_number, record, files, listing):
        assert registry_client.get(path, headers=district).status_code == 200, path  # listed: served

    delisted = registry_client.post(f"/api/v1/registry/{SLUG}/versions/{first}/delist", headers=world.headers["admin"],
                                    json={"reason": "a flaw was found"})
    assert delisted.status_code == 200, delisted.text
    for path in (by_number, record, files, listing):
        refused = registry_client.get(path, headers=district)
        assert refused.status_code == 404 and refused.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST", path
        assert "delisted" in refused.json()["message"] and refused.headers.get(GUARD) == "refused"
        for staff in ("judge", "admin"):
            assert registry_client.get(path, headers=world.headers[staff]).status_code == 200, (staff, path)
    # Nor by a number MLflow would still read as that version, nor by climbing out of a listed run's folder.
    spaced = f"/mlflow/api/2.0/mlflow/model-versions/get-download-uri?name={SLUG}&version=%20{first}"
    listed_folder = backend.registry_store.get_model_version(SLUG, str(second)).source.removeprefix(
        "mlflow-artifacts:/").strip("/")
    climbing = (f"/mlflow/api/2.0/mlflow-artifacts/artifacts/{listed_folder}/%2E%2E/%2E%2E/%2E%2E/%2E%2E/"
                f"{folder.strip('/')}/MLmodel")
    for path in (spaced, climbing):
        refused = registry_client.get(path, headers=district)
        assert refused.status_code == 404 and refused.headers.get(GUARD) == "refused", (path, refused.text)
    # The other listed version, and the champion alias (now on it), still serve districts.
    other = f"/mlflow/api/2.0/mlflow/model-versions/get-download-uri?name={SLUG}&version={second}"
    assert registry_client.get(other, headers=district).status_code == 200
    alias = registry_client.get(f"/mlflow/api/2.0/mlflow/registered-models/alias?name={SLUG}&alias=champion",
                                headers=district)
    assert alias.status_code == 200 and alias.json()["model_version"]["version"] == str(second)


def test_promotion_of_a_stored_archive_with_a_planted_loop_fails_at_once(registry_client, world, tmp_path):
    """The archive in the store is replaced after intake by one whose links loop (`x -> y`, `y -> x`), as a
    copy accepted before the upload check existed would be: promotion refuses it with a clear error."""
    from sqlalchemy import select

    from dabiwu.db.models import Submission
    from dabiwu.db.session import session_scope

    world.finalize()
    submission_id = world.submit("Team A", world.finder())
    unpacked = tmp_path / "model"
    with tarfile.open(world.archive, "r:gz") as tar:
        tar.extractall(unpacked, filter="data")
    os.symlink("y", unpacked / "x")
    os.symlink("x", unpacked / "y")
    planted = io.BytesIO()
    with tarfile.open(fileobj=planted, mode="w:gz") as tar:
        tar.add(unpacked, arcname=".")
    with session_scope(world.settings.resolved_database_url) as session:
        key = session.scalar(select(Submission.blob_key).where(Submission.id == submission_id))
    world.store.put_bytes(key, planted.getvalue())

    answer = registry_client.post(f"/api/v1/submissions/{submission_id}/promote", headers=world.headers["judge"],
                                  json={})
    assert answer.status_code == 409, answer.text
    body = answer.json()
    assert body["error_code"] == "ARCHIVE_UNREADABLE" and "loop" in body["detail"] and "循环" in body["detail_zh"]
    assert not list(Path(world.settings.home_dir / "tmp").glob("promote-*"))  # scratch cleaned up
    models = registry_client.get("/api/v1/registry/models", headers=world.headers["judge"]).json()
    assert next(m for m in models if m["slug"] == SLUG)["listed"] == []
