"""Pre-started sandboxes: the import cost (mlflow, pandas, sklearn: about 3 s) paid while idle.

prewarm() starts one sandbox that imports and then waits for a job; run() takes it if the kind,
the output limit and the scoring runtime match, and starts the next one as it finishes. Each pre-started sandbox is a whole,
fresh sandbox (own namespaces, own uid, own empty model folder) used for exactly one job, so warming
changes when a sandbox starts, never what it can see: nothing is shared between jobs, unlike a
fork-server (see DESIGN.md for why this was chosen over one).

Cost: one idle process per (kind, output limit) in each worker that called prewarm(), about
250-300 MB RSS, killed with the worker (bwrap --die-with-parent) or by shutdown().
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from dabiwu.sandbox.limits import Limits
from dabiwu.sandbox.runner import PreparedSandbox, prepare, resolve_kind, resolve_runtime, state_folder

if TYPE_CHECKING:
    from dabiwu.settings import Settings

# Imported by the idle sandbox on top of mlflow.pyfunc, pandas and pyarrow when the runtime has no
# preload.txt: most submissions are sklearn models saved by mlflow.sklearn (skops by default, whose
# import pulls in all of sklearn). A runtime's preload.txt (beside its lock) lists its own.
DEFAULT_PRELOAD = ("mlflow.sklearn", "skops.io")

Key = tuple[str, int, "Path | None", str]  # (sandbox kind, output limit in MB, state folder, runtime folder)

_lock = threading.Lock()
# A key is (kind, output limit, state folder hidden from the model, runtime folder): a sandbox started to hide one
# state folder, or to run one runtime, is never handed to a run that must hide another or run another.
_wanted: dict[Key, tuple[str, ...]] = {}
_idle: dict[Key, tuple[int, PreparedSandbox]] = {}  # key -> (owner pid, sandbox)


def prewarm(limits: Limits | None = None, *, kind: str | None = None, runtime=None,  # noqa: ANN001
            preload: tuple[str, ...] | None = None, settings: Settings | None = None) -> str:
    """Keep one pre-started sandbox of `runtime` (None: the default) ready for runs with these limits'
    output size and these settings' state folder (pass the worker's own); returns the kind. Once a process
    prewarms, every other runtime it runs a job with is kept pre-started too (one idle sandbox per runtime in use)."""
    kind = resolve_kind(kind, settings)
    state = state_folder(settings)
    built = resolve_runtime(runtime, settings)
    key = (kind, (limits or Limits()).max_output_mb, state, str(built.path))
    with _lock:
        _wanted[key] = tuple(preload) if preload is not None else built.preload()
    replenish(kind=key[0], max_output_mb=key[1], runtime=built, state=state)
    return kind


def take(*, kind: str, max_output_mb: int, runtime, state: Path | None = None) -> PreparedSandbox | None:  # noqa: ANN001
    with _lock:
        entry = _idle.pop((kind, max_output_mb, state, str(runtime.path)), None)
    if entry is None:
        return None
    owner, sandbox = entry
    if owner != os.getpid():  # inherited through a fork: the sandbox belongs to the parent process
        return None
    if not sandbox.alive():
        sandbox.discard()
        return None
    return sandbox


def wait_ready(*, kind: str, max_output_mb: int, timeout_s: float, runtime=None,  # noqa: ANN001
               state: Path | None = None) -> bool:
    """Block until the idle sandbox for this key has finished importing (benchmarks, health checks)."""
    import time

    key = (kind, max_output_mb, state, str(resolve_runtime(runtime).path))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with _lock:
            entry = _idle.get(key)
        if entry is not None and entry[1].is_ready():
            return True
        time.sleep(0.05)
    return False


def replenish(*, kind: str, max_output_mb: int, runtime, state: Path | None = None) -> None:  # noqa: ANN001
    key = (kind, max_output_mb, state, str(runtime.path))
    with _lock:
        if key not in _wanted and any(k[:3] == key[:3] for k in _wanted):
            _wanted[key] = runtime.preload()  # a runtime first used by a prewarming process: keep it warm too
        if key not in _wanted or key in _idle:
            return
        preload = _wanted[key]
    sandbox = prepare(kind=kind, max_output_mb=max_output_mb, model_dir=None, runtime=runtime, preload=preload,
                      state=state)
    with _lock:
        spare = sandbox if key in _idle else None
        if spare is None:
            _idle[key] = (os.getpid(), sandbox)
    if spare is not None:
        spare.discard()


def shutdown() -> None:
    """Stop warming and kill the idle sandboxes of this process."""
    with _lock:
        _wanted.clear()
        entries = list(_idle.values())
        _idle.clear()
    for owner, sandbox in entries:
        if owner == os.getpid():
            sandbox.discard()


atexit.register(shutdown)
