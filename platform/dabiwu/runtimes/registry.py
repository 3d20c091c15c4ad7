"""Where runtimes' lock files and builds are, and what a built runtime holds (read, never imported)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dabiwu.errors import DabiwuError

LOCK_FILE = "requirements.lock"
PRELOAD_FILE = "preload.txt"
MANIFEST = "dabiwu-runtime.json"  # written last by the build: a folder without it is not a runtime
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# The repository's runtimes/ folder (the project is installed in place, also in the Docker image).
BUNDLED_LOCKS = Path(__file__).resolve().parents[3] / "runtimes"


class RuntimeError_(DabiwuError):  # noqa: N801 - not the builtin RuntimeError
    status = 400
    code = "unknown_runtime"


@dataclass(frozen=True)
class Runtime:
    name: str
    lock_path: Path
    lock_sha256: str
    path: Path  # the built virtual environment (may not exist yet)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def built(self) -> bool:
        return self.manifest_path.is_file() and self.python.exists()

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    @property
    def site_packages(self) -> Path:
        return Path(self.manifest()["site_packages"])

    @property
    def base_prefix(self) -> Path:
        return Path(self.manifest()["base_prefix"])

    @property
    def python_version(self) -> tuple[int, int]:
        major, minor = self.manifest()["python_version"].split(".")[:2]
        return int(major), int(minor)

    def preload(self) -> tuple[str, ...]:
        """Modules a pre-started sandbox of this runtime imports while idle (preload.txt beside the lock)."""
        path = self.lock_path.with_name(PRELOAD_FILE)
        if not path.is_file():
            return ("mlflow.sklearn", "skops.io")
        lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
        return tuple(line for line in lines if line)


def locks_dir(settings) -> Path:  # noqa: ANN001
    return Path(settings.runtime_locks_dir).expanduser().resolve() if settings.runtime_locks_dir else BUNDLED_LOCKS


def runtimes_dir(settings) -> Path:  # noqa: ANN001
    if settings.runtimes_dir:
        return Path(settings.runtimes_dir).expanduser().resolve()
    return settings.home_dir / "runtimes"


def available_runtimes(settings) -> list[str]:  # noqa: ANN001
    root = locks_dir(settings)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / LOCK_FILE).is_file() and NAME_PATTERN.match(p.name))


def get_runtime(name: str | None, settings) -> Runtime:  # noqa: ANN001
    """The runtime called `name` (None: the install's default), built or not."""
    name = name or settings.default_runtime
    lock = locks_dir(settings) / name / LOCK_FILE
    if not NAME_PATTERN.match(name) or not lock.is_file():
        known = ", ".join(available_runtimes(settings)) or "none"
        raise RuntimeError_(
            f"There is no scoring runtime named {name!r} (runtimes on this install: {known}). "
            "Name one of them in challenge.yaml's `runtime:`, or add its lock file under runtimes/.",
            f"没有名为 {name!r} 的评分运行环境(本平台已有:{known})。请在 challenge.yaml 的 runtime: 中填写其中之一,"
            "或在 runtimes/ 下添加它的锁定文件。",
        )
    digest = _sha256(lock)
    return Runtime(name=name, lock_path=lock, lock_sha256=digest, path=runtimes_dir(settings) / f"{name}-{digest[:12]}")


def built_runtime(name: str | None, settings) -> Runtime:  # noqa: ANN001
    runtime = get_runtime(name, settings)
    if not runtime.built:
        raise RuntimeError_(
            f"The scoring runtime {runtime.name} is not built on this machine (expected at {runtime.path}). "
            f"Build it once with `dabiwu runtimes build {runtime.name}`.",
            f"本机尚未构建评分运行环境 {runtime.name}(应位于 {runtime.path})。请先运行 "
            f"`dabiwu runtimes build {runtime.name}` 构建一次。",
            code="runtime_not_built", status=503,
        )
    return runtime


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def installed_distributions(runtime: Runtime) -> dict[str, str]:
    """Canonical name -> version of every distribution in the runtime, read from its site-packages
    metadata (the *.dist-info folders); nothing is imported. `xgboost-cpu` also counts as `xgboost`:
    the same `import xgboost`, without the GPU libraries (MLflow's xgboost flavor writes `xgboost`)."""
    return dict(_installed(str(runtime.site_packages), runtime.lock_sha256))


ALIASES = {"xgboost-cpu": "xgboost"}


@lru_cache(maxsize=8)
def _installed(site_packages: str, _lock_sha256: str) -> tuple[tuple[str, str], ...]:
    from importlib.metadata import distributions

    from packaging.utils import canonicalize_name

    found: dict[str, str] = {}
    for dist in distributions(path=[site_packages]):
        name = dist.metadata.get("Name") if dist.metadata else None
        if name:
            found.setdefault(canonicalize_name(name), dist.version)
    for real, alias in ALIASES.items():
        if real in found:
            found.setdefault(alias, found[real])
    return tuple(sorted(found.items()))
