"""Scoring runtimes: pinned Python environments, separate from the platform's own, that models run in.

A runtime is a named lock file, ``runtimes/NAME/requirements.lock`` in the repository (a new version
is a new NAME: a runtime never changes under a challenge). ``dabiwu runtimes build NAME`` turns it into
a virtual environment at ``RUNTIMES_DIR/NAME-<first 12 hex of the lock's sha256>``, where RUNTIMES_DIR
is the ``DABIWU_RUNTIMES_DIR`` setting (default ``DABIWU_HOME/runtimes``). Keyed by the lock's hash, one
build serves every process on the machine that points at the same folder (``make run``, ``make test``,
CI's two parallel passes), and a changed lock never reuses a stale build.

The sandbox runs the runtime's interpreter, shown read-only; the upload checks read the runtime's
installed versions from its site-packages metadata (nothing of it is imported here).
"""

from dabiwu.runtimes.registry import (
    Runtime,
    RuntimeError_,
    available_runtimes,
    built_runtime,
    get_runtime,
    installed_distributions,
)

__all__ = ["Runtime", "RuntimeError_", "available_runtimes", "built_runtime", "get_runtime", "installed_distributions"]
