"""With S3 storage, the registry's files live beside the platform's objects (s3://bucket/prefix/mlflow)
and districts still download them through /mlflow (proxied: they need no AWS credentials)."""

from __future__ import annotations

import shutil

from registry_world import SLUG, World


def test_promotion_writes_to_s3_and_downloads_are_proxied(tmp_path, database_url, make_user, model_archive,
                                                          mlflow_db_template, monkeypatch):
    from fastapi.testclient import TestClient

    from dabiwu.app import create_app
    from dabiwu.settings import Settings
    from tests.s3server import s3_env, s3_server

    s3_env(monkeypatch)
    with s3_server(bucket="registry-s3") as s3:
        # set here so that it is unset again after the test (the registry backend sets it too)
        monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", s3.endpoint_url)
        home = tmp_path / "s3home"
        settings = Settings(home=home, database_url=database_url, storage_url=f"s3://{s3.bucket}/objects",
                            s3_endpoint_url=s3.endpoint_url, mode="dev", log_json=False,
                            mlflow_allowed_hosts="testserver")
        assert settings.mlflow_artifact_destination == "s3://registry-s3/objects/mlflow"
        settings.mlflow_dir.mkdir(parents=True)
        shutil.copy(mlflow_db_template, settings.mlflow_dir / "mlflow.db")
        world = World(settings, make_user, model_archive)
        world.finalize()
        submission = world.submit("Team S3", world.finder())
        with TestClient(create_app(settings)) as client:
            promoted = client.post(f"/api/v1/submissions/{submission}/promote", headers=world.headers["judge"], json={})
            assert promoted.status_code == 200, promoted.text

            keys = [item["Key"] for item in s3.client().list_objects_v2(Bucket=s3.bucket, Prefix="objects/mlflow/")["Contents"]]
            assert any(key.endswith("/artifacts/model/MLmodel") for key in keys)
            assert any(key.endswith("/artifacts/model_card.md") for key in keys)

            district = world.headers["district"]
            located = client.get(f"/mlflow/api/2.0/mlflow/model-versions/get-download-uri?name={SLUG}&version=1",
                                 headers=district)
            assert located.status_code == 200, located.text
            path = located.json()["artifact_uri"].removeprefix("mlflow-artifacts:/")
            mlmodel = client.get(f"/mlflow/api/2.0/mlflow-artifacts/artifacts/{path}/MLmodel", headers=district)
            assert mlmodel.status_code == 200 and b"flavors:" in mlmodel.content
            anonymous = client.get(f"/mlflow/api/2.0/mlflow-artifacts/artifacts/{path}/MLmodel")
            assert anonymous.status_code == 401
