"""Pre-started sandboxes: the import cost (mlflow, pandas, sklearn: about 3 s) paid while idle.

prewarm() starts one sandbox that imports and then waits for a job; run() takes it if the kind,
the output limit and the scoring runtime match, and starts the next one as it finishes. Each pre-started sandbox is a whole,
fresh sandbox (own namespaces, own uid, own empty model folder) used for exactly one job, so warming
changes when a sandbox starts, never what it can see.

In fork mode (DABIWU_SANDBOX_MODE=fork) this module keeps a fork-server (zygote.py) per key instead, which serves
every job of that key from one pre-imported parent; see DESIGN.md, "The fork-server".

Cost: one idle process per (kind, output limit) in each worker that called prewarm(), about
250-300 MB RSS, killed with the worker (bwrap --die-with-parent) or by shutdown().
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from dabiwu.sandbox.limits import Limits
from dabiwu.sandbox.runner import PreparedSandbox, prepare, resolve_kind, resolve_runtime, state_folder

if TYPE_CHECKING:
    from dabiwu.settings import Settings

log = logging.getLogger(__name__)

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
# Fork-servers one process keeps at most (one per runtime and output limit in use, ~200-300 MB each).
MAX_ZYGOTES = 4
_fork_wanted: dict[Key, tuple[str, ...]] = {}  # keys served by a fork-server, with its preloads
_zygotes: dict[Key, tuple[int, object]] = {}  # key -> (owner pid, zygote.Zygote)


def prewarm(limits: Limits | None = None, *, kind: str | None = None, runtime=None,  # noqa: ANN001
            preload: tuple[str, ...] | None = None, settings: Settings | None = None, mode: str | None = None) -> str:
    """Keep one pre-started sandbox of `runtime` (None: the default) ready for runs with these limits'
    output size and these settings' state folder (pass the worker's own); returns the kind. Once a process
    prewarms, every other runtime it runs a job with is kept pre-started too (one idle sandbox per runtime in use).

    `mode` (default: the settings' DABIWU_SANDBOX_MODE, else "fork"): "fork" starts a fork-server (zygote.py) that
    serves every job of this key from a pre-imported parent; where the machine cannot run one (see
    `effective_mode`), a pre-started sandbox is kept instead and a warning is logged."""
    kind = resolve_kind(kind, settings)
    state = state_folder(settings)
    built = resolve_runtime(runtime, settings)
    key = (kind, (limits or Limits()).max_output_mb, state, str(built.path))
    wanted_preload = tuple(preload) if preload is not None else built.preload()
    asked = mode or (settings.sandbox_mode if settings is not None else "fork")
    if effective_mode(asked, kind) == "fork":
        with _lock:
            _fork_wanted[key] = wanted_preload
        _start_zygote(key, runtime=built)
        return kind
    with _lock:
        _wanted[key] = wanted_preload
    replenish(kind=key[0], max_output_mb=key[1], runtime=built, state=state)
    return kind


def effective_mode(asked: str, kind: str) -> str:
    """The mode that really runs: "fork" falls back to "prestarted" where the kernel or the setup refuses what a
    fork-server needs (logged; /readyz says so too)."""
    if asked != "fork":
        return asked
    from dabiwu.sandbox.zygote import fork_support

    if kind != "bwrap":
        log.warning("DABIWU_SANDBOX_MODE=fork needs bubblewrap (the sandbox here is %s): using pre-started sandboxes",
                    kind)
        return "prestarted"
    works, why = fork_support()
    if not works:
        log.warning("DABIWU_SANDBOX_MODE=fork is not possible here (%s): using pre-started sandboxes", why)
        return "prestarted"
    return "fork"


def _start_zygote(key: Key, *, runtime) -> None:  # noqa: ANN001
    from dabiwu.sandbox.zygote import start_zygote

    with _lock:
        if key in _zygotes or key not in _fork_wanted:
            return
        preload = _fork_wanted[key]
    zygote = start_zygote(max_output_mb=key[1], runtime=runtime, preload=preload, state=key[2])
    with _lock:
        spare = zygote if key in _zygotes else None
        if spare is None:
            _zygotes[key] = (os.getpid(), zygote)
    if spare is not None:
        spare.discard()


def zygote_for(*, kind: str, max_output_mb: int, runtime, state: Path | None = None):  # noqa: ANN001, ANN201
    """This process's fork-server for the key, restarted if it died; None when none was asked for."""
    key = (kind, max_output_mb, state, str(runtime.path))
    with _lock:
        if (key not in _fork_wanted and len(_fork_wanted) < MAX_ZYGOTES
                and any(k[0] == key[0] and k[2] == key[2] for k in _fork_wanted)):
            # a forking process forks for every runtime and output limit it meets too (a challenge of its own)
            _fork_wanted[key] = runtime.preload()
        entry = _zygotes.get(key)
        wanted = key in _fork_wanted
    if entry is not None and entry[0] != os.getpid():
        return None  # inherited through a fork of this process: the zygote is the parent's
    if entry is not None and entry[1].alive():
        return entry[1]
    if not wanted:
        return None
    if entry is not None:
        zygote_gone(entry[1])
    _start_zygote(key, runtime=runtime)
    with _lock:
        entry = _zygotes.get(key)
    return entry[1] if entry is not None else None


def zygote_gone(zygote) -> None:  # noqa: ANN001
    """Forget (and kill) a zygote that died or could not take a job; the next job starts a new one."""
    with _lock:
        for key, (owner, known) in list(_zygotes.items()):
            if known is zygote:
                del _zygotes[key]
    zygote.discard()


def wait_zygote_ready(timeout_s: float) -> bool:
    """Block until every fork-server of this process has finished importing (benchmarks, tests)."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with _lock:
            zygotes = [z for owner, z in _zygotes.values() if owner == os.getpid()]
        if zygotes and all(z.is_ready() for z in zygotes):
            return True
        time.sleep(0.05)
    return False


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
    """Stop warming and kill the idle sandboxes and fork-servers of this process."""
    with _lock:
        _wanted.clear()
        _fork_wanted.clear()
        entries = list(_idle.values()) + list(_zygotes.values())
        _idle.clear()
        _zygotes.clear()
    for owner, sandbox in entries:
        if owner == os.getpid():
            sandbox.discard()


atexit.register(shutdown)
