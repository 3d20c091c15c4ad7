"""Build a runtime's virtual environment from its lock file, once per machine and lock.

The build runs under an exclusive lock file beside the target, so two processes that need the same
runtime (CI's two parallel test passes, several workers) build it once: the second waits and then
finds it built. The folder is only a runtime once its manifest is written, last; a build that died
half-way is removed and redone.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from dabiwu.errors import DabiwuError
from dabiwu.runtimes.registry import MANIFEST, Runtime, get_runtime

Progress = Callable[[str], None]

_PROBE = (
    "import json, sys, sysconfig, platform; print(json.dumps({'base_prefix': sys.base_prefix, "
    "'site_packages': sysconfig.get_paths()['purelib'], 'python_version': platform.python_version()}))"
)


def base_python() -> Path:
    """The Python installation the platform's own venv was made from (the runtime uses the same one)."""
    for name in (f"python{sys.version_info[0]}.{sys.version_info[1]}", "python3", "python"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return candidate
    return Path(getattr(sys, "_base_executable", sys.executable))


def ensure_built(name: str | None, settings, *, progress: Progress | None = None,  # noqa: ANN001
                 python: Path | None = None) -> Runtime:
    """The runtime, built now if no build of its lock exists yet on this machine."""
    runtime = get_runtime(name, settings)
    if runtime.built:
        return runtime
    say = progress or (lambda _line: None)
    runtime.path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = runtime.path.parent / f".{runtime.path.name}.lock"
    with open(lock_path, "a+") as handle:
        if not _try_lock(handle):
            say(f"runtime {runtime.name}: another process is building it; waiting")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            if runtime.built:
                return runtime
            _build(runtime, python=python or base_python(), say=say)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return runtime


def _try_lock(handle) -> bool:  # noqa: ANN001
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _build(runtime: Runtime, *, python: Path, say: Progress) -> None:
    started = time.monotonic()
    shutil.rmtree(runtime.path, ignore_errors=True)
    say(f"runtime {runtime.name}: building from {runtime.lock_path} into {runtime.path} (first time only; "
        "downloads about 300 MB and takes a few minutes)")
    try:
        _run([str(python), "-m", "venv", str(runtime.path)], say=say, what="create the virtual environment")
        env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "MLFLOW_DISABLE_TELEMETRY": "true"}
        _run([str(runtime.python), "-m", "pip", "install", "--no-deps", "--progress-bar", "off",
              "-r", str(runtime.lock_path)], say=say, what="install the locked packages", env=env)
        _run([str(runtime.python), "-m", "pip", "check"], say=say, what="check the installed packages", env=env)
        probe = subprocess.run([str(runtime.python), "-I", "-c", _PROBE], capture_output=True, text=True,  # noqa: S603
                               check=True)
        facts = json.loads(probe.stdout.strip().splitlines()[-1])
        # The sandbox's uid is "other" to these files: everything must be readable (and folders enterable).
        _open_up(runtime.path)
        seconds = round(time.monotonic() - started, 1)
        manifest = {"name": runtime.name, "lock_sha256": runtime.lock_sha256, "build_seconds": seconds,
                    "size_bytes": _size(runtime.path), "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    **facts}
        tmp = runtime.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.replace(tmp, runtime.manifest_path)
    except BaseException:
        shutil.rmtree(runtime.path, ignore_errors=True)
        raise
    say(f"runtime {runtime.name}: built in {seconds:.0f} s, {manifest['size_bytes'] / 1e6:.0f} MB on disk")


def _run(argv: list[str], *, say: Progress, what: str, env: dict | None = None) -> None:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)  # noqa: S603
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        if not line or line.startswith("WARNING: Location"):
            continue
        tail = (tail + [line])[-20:]
        if line.startswith(("Collecting", "Installing", "Successfully", "ERROR", "No broken")):
            say(f"  {line}")
    if proc.wait() != 0:
        raise DabiwuError(
            f"Building the runtime failed: could not {what} (exit {proc.returncode}). Last output: " + " | ".join(tail),
            f"构建评分运行环境失败:无法{what}(退出码 {proc.returncode})。最后的输出:" + " | ".join(tail),
            code="runtime_build_failed", status=500,
        )


def _open_up(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o555)
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)
    os.chmod(root, os.stat(root).st_mode | 0o555)


def _size(root: Path) -> int:
    total = 0
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                total += os.lstat(path).st_size
    return total
