"""The platform's in-process handle on the MLflow registry.

Only the platform writes to the registry, and it writes here, in-process: the tracking and model
registry stores over the registry's own database, and the artifact repository of the proxied
destination (a folder, or s3://bucket/prefix/mlflow).  The /mlflow HTTP server refuses every write,
so no writer credential exists that could leak.  The server mounted at /mlflow is pointed at these
same store objects (registry_mount.py), so what the platform writes is what districts read.

Nothing here loads a model: a promoted model's files are copied as plain files.

Artifact layout of a promotion run (artifact URIs use MLflow's proxied scheme, so the stock client
downloads them through /mlflow):
    mlflow-artifacts:/<experiment_id>/<run_id>/artifacts/model/...        the team's model folder
    mlflow-artifacts:/<experiment_id>/<run_id>/artifacts/model_card.md    the generated card
    mlflow-artifacts:/<experiment_id>/<run_id>/artifacts/gate_report.json the gate figures
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ARTIFACT_ROOT = "mlflow-artifacts:/"
CHAMPION = "champion"


@dataclass(frozen=True)
class LoggedFolder:
    run_id: str
    source: str  # the model folder's artifact URI, the model version's source


class RegistryBackend:
    """Stores are created on first use: creating a fresh MLflow database runs its migrations (~2 s)."""

    def __init__(self, *, database_url: str, artifact_destination: str, s3_endpoint_url: str | None = None) -> None:
        self.database_url = database_url
        self.artifact_destination = artifact_destination
        self.s3_endpoint_url = s3_endpoint_url
        self._lock = threading.Lock()
        self._tracking = None
        self._registry = None
        self._artifacts = None

    # -- stores ----------------------------------------------------------------------------

    def _open(self) -> None:
        with self._lock:
            if self._tracking is not None:
                return
            if self.s3_endpoint_url:
                # MLflow's S3 repository reads its endpoint from the environment only.
                os.environ["MLFLOW_S3_ENDPOINT_URL"] = self.s3_endpoint_url
            if self.database_url.startswith("sqlite:///"):
                Path(self.database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            if "://" not in self.artifact_destination:
                Path(self.artifact_destination).mkdir(parents=True, exist_ok=True)
            from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
            from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore as RegistryStore
            from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore as TrackingStore

            tracking = TrackingStore(self.database_url, ARTIFACT_ROOT)
            self._registry = RegistryStore(self.database_url)
            self._artifacts = get_artifact_repository(self.artifact_destination)
            self._tracking = tracking

    @property
    def tracking_store(self):
        self._open()
        return self._tracking

    @property
    def registry_store(self):
        self._open()
        return self._registry

    @property
    def artifact_repo(self):
        """The repository of the proxied destination's root (what the server's artifact routes use)."""
        self._open()
        return self._artifacts

    # -- writes (platform only) -----------------------------------------------------------

    def log_folder_run(
        self, *, experiment: str, run_name: str, model_dir: Path, files: dict[str, str], tags: dict[str, str]
    ) -> LoggedFolder:
        """A finished run holding `model_dir` as artifacts/model and `files` (name -> text) beside it."""
        from mlflow.entities import RunStatus, RunTag

        store = self.tracking_store
        found = store.get_experiment_by_name(experiment)
        experiment_id = found.experiment_id if found is not None else store.create_experiment(experiment)
        now = int(time.time() * 1000)
        run = store.create_run(
            experiment_id=experiment_id,
            user_id="dabiwu",
            start_time=now,
            tags=[RunTag(key, str(value)) for key, value in tags.items()],
            run_name=run_name,
        )
        root = _destination_path(run.info.artifact_uri)
        self.artifact_repo.log_artifacts(str(model_dir), artifact_path=f"{root}/model")
        for name, text in files.items():
            self._log_text(text, f"{root}/{name}")
        store.update_run_info(run.info.run_id, RunStatus.FINISHED, int(time.time() * 1000), None)
        return LoggedFolder(run_id=run.info.run_id, source=f"{run.info.artifact_uri}/model")

    def _log_text(self, text: str, destination_path: str) -> None:
        import tempfile

        directory, _, name = destination_path.rpartition("/")
        with tempfile.TemporaryDirectory(prefix="dabiwu-mlflow-") as tmp:
            path = Path(tmp) / name
            path.write_text(text, encoding="utf-8")
            self.artifact_repo.log_artifact(str(path), artifact_path=directory)

    def ensure_registered_model(self, *, name: str, description: str) -> None:
        from mlflow.exceptions import MlflowException

        store = self.registry_store
        try:
            store.get_registered_model(name)
        except MlflowException:
            store.create_registered_model(name, description=description)

    def create_version(self, *, name: str, source: str, run_id: str, tags: dict[str, str], description: str) -> int:
        from mlflow.entities.model_registry import ModelVersionTag

        version = self.registry_store.create_model_version(
            name,
            source=source,
            run_id=run_id,
            tags=[ModelVersionTag(key, str(value)) for key, value in tags.items()],
            description=description,
        )
        return int(version.version)

    def set_version_tag(self, *, name: str, version: int, key: str, value: str) -> None:
        from mlflow.entities.model_registry import ModelVersionTag

        self.registry_store.set_model_version_tag(name, str(version), ModelVersionTag(key, value))

    def point_alias(self, *, name: str, alias: str, version: int | None) -> None:
        """Point `alias` at `version`, or remove it (None)."""
        if version is None:
            if self.alias_version(name=name, alias=alias) is not None:
                self.registry_store.delete_registered_model_alias(name, alias)
            return
        self.registry_store.set_registered_model_alias(name, alias, str(version))

    # -- reads ----------------------------------------------------------------------------

    def alias_version(self, *, name: str, alias: str) -> int | None:
        from mlflow.exceptions import MlflowException

        try:
            return int(self.registry_store.get_model_version_by_alias(name, alias).version)
        except MlflowException:
            return None

    def version_tags(self, *, name: str, version: int) -> dict[str, str]:
        return dict(self.registry_store.get_model_version(name, str(version)).tags)


def _destination_path(artifact_uri: str) -> str:
    """mlflow-artifacts:/1/abc/artifacts -> 1/abc/artifacts (relative to the proxied destination)."""
    parsed = urlparse(artifact_uri)
    if parsed.scheme != "mlflow-artifacts":
        raise ValueError(f"Expected a proxied artifact URI (mlflow-artifacts:/...), got {artifact_uri!r}.")
    return parsed.path.strip("/")


_BACKENDS: dict[tuple[str, str], RegistryBackend] = {}
_BACKENDS_LOCK = threading.Lock()


def backend_for(settings) -> RegistryBackend:
    """One backend per registry database and destination in this process (stores are not cheap)."""
    key = (settings.resolved_mlflow_database_url, settings.mlflow_artifact_destination)
    with _BACKENDS_LOCK:
        backend = _BACKENDS.get(key)
        if backend is None:
            backend = RegistryBackend(
                database_url=key[0], artifact_destination=key[1], s3_endpoint_url=settings.s3_endpoint_url
            )
            _BACKENDS[key] = backend
        return backend
