"""What the sandbox tests need besides fixtures: which sandboxes this host has, and process checks.

(Imported by name from the test modules; a module called conftest would be ambiguous in the whole suite.)
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from pathlib import Path


from tests.system_parts import check, needs

os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"

from dabiwu.sandbox.detect import probe  # noqa: E402

BWRAP_OK, BWRAP_WHY = probe("bwrap")
requires_bwrap = needs("sandbox", None if BWRAP_OK else f"bubblewrap is not usable here: {BWRAP_WHY}")


def _any_sandbox() -> str | None:
    for kind in ("bwrap", "unshare"):
        if probe(kind)[0]:
            return kind
    return None


SANDBOX_KIND = _any_sandbox()
_needs_root = needs("root", None if os.geteuid() == 0 else
                    "job-wide memory and process accounting need a per-job uid, which only a root supervisor can "
                    "hand out")


def requires_root_bwrap(test):
    return requires_bwrap(_needs_root(test))

requires_sandbox = needs("sandbox", None if SANDBOX_KIND else "neither bubblewrap nor unshare works here")

from dabiwu.sandbox.zygote import fork_support  # noqa: E402

FORK_OK, FORK_WHY = fork_support()
requires_fork = needs("root", None if FORK_OK else f"the fork-server cannot run here: {FORK_WHY}")
# The ways a job gets its sandbox (DABIWU_SANDBOX_MODE); hostile-model tests run in each that works here.
MODES = ("fresh", "fork")


@contextmanager
def sandbox_mode(mode: str, limits=None, preload: tuple[str, ...] | None = ()):  # noqa: ANN001
    """Runs in this block use `mode`: "fork" starts a fork-server (for every output limit, lazily), "fresh" none.
    `preload`: what the zygote imports besides mlflow and pandas (None: the runtime's preload.txt, sklearn)."""
    from dabiwu.sandbox import Limits, prewarm, shutdown_warm

    if mode == "fork":
        # fails with the reason (a root supervisor and bubblewrap are needed), unless DABIWU_TEST_SKIP=root
        check("root", None if FORK_OK else f"the fork-server cannot run here: {FORK_WHY}")
        prewarm(limits or Limits(), mode="fork", preload=preload)
    try:
        yield mode
    finally:
        shutdown_warm()


def process_cmdlines_containing(marker: str) -> list[str]:
    """Host processes whose command line carries `marker` (the daemon test's proof of death)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and str(os.getpid()) != pid:
            found.append(f"{pid}: {cmdline}")
    return found


def processes_of_uid(uid: int | None) -> list[str]:
    """Host processes running as `uid` (each job has its own when the supervisor is root)."""
    if uid is None:
        return []
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        uids = next((line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")), [])
        if str(uid) in uids:
            found.append(pid)
    return found


def job_uid(out_dir: Path) -> int | None:
    return json.loads((out_dir / "stats.json").read_text())["uid"]
