"""Which sandbox this machine can run, found by actually running one (and remembered)."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

from dabiwu.sandbox.errors import SandboxError
from dabiwu.sandbox.interpreter import current_interpreter
from dabiwu.sandbox.launch import KINDS, build_launch, fresh_uid, identity_files, missing_tools, running_as_root

log = logging.getLogger(__name__)

_PROBE_TIMEOUT_S = 30

# Started with a Python whose files it cannot read, the interpreter silently falls back to another
# installation's standard library (seen: Debian's /usr/lib/python3.11 under a pyenv build in /root):
# the probe insists on our own.
_PROBE_CODE = (
    "import os, sys; base = os.path.realpath(sys.argv[1]); "
    "sys.exit(0 if os.path.realpath(os.__file__).startswith(base + os.sep) else "
    "'the sandbox uid cannot read the Python installation ' + base)"
)

_OPERATOR_HINT = (
    "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`; it needs user namespaces or root), "
    "or, for development only, set DABIWU_SANDBOX=none to run models without isolation."
)


@lru_cache(maxsize=None)
def probe(kind: str, hide: tuple[str, ...] = ()) -> tuple[bool, str]:
    """(works, why not): start the interpreter inside this kind of sandbox, as a real run would."""
    missing = missing_tools(kind)
    if missing:
        return False, f"{', '.join(missing)} not found on PATH"
    interpreter = current_interpreter()
    uid = fresh_uid() if running_as_root() and kind != "none" else None
    inner = [str(interpreter.executable), "-I", "-S", "-c", _PROBE_CODE, str(interpreter.base_prefix)]
    identity = uid if uid is not None else os.getuid()
    with tempfile.TemporaryDirectory(prefix="dabiwu-probe-") as tmp, identity_files(identity) as ids:
        launch = build_launch(
            kind=kind, interpreter=interpreter, uid=uid, inner=inner, home=tmp, scratch_bytes=1 << 20,
            model_dir=None, child_path=None, hide=[Path(h) for h in hide], identity_fds=ids,
        )
        return run_probe(launch.argv, env=launch.env, pass_fds=launch.pass_fds)


def run_probe(argv: list[str], *, env: dict, pass_fds: tuple | list) -> tuple[bool, str]:
    """(works, why not) of one probe command: its exit code, else its last line of stderr or what stopped it."""
    try:
        done = subprocess.run(  # noqa: S603
            argv, env=env, pass_fds=pass_fds, cwd="/", capture_output=True, timeout=_PROBE_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        return False, (err[-1] if err else f"exit code {done.returncode}")
    return True, ""


def detect_sandbox(preference: str = "auto", *, hide: tuple[str, ...] = ()) -> str:
    """"bwrap", "unshare" or "none".

    "auto" takes the first of bwrap, unshare that works here and refuses if neither does; "none" is
    returned only when asked for by name. `hide` are folders the unshare fallback covers up (the
    state folder); the runner passes it.
    """
    if preference == "none":
        log.warning(
            "SANDBOX DISABLED (DABIWU_SANDBOX=none): submitted models run with the worker's own rights, "
            "files and network. Use this for development only, never with models you did not write."
        )
        return "none"
    if preference not in ("auto", *KINDS):
        raise SandboxError(
            kind="unavailable",
            message=f"Unknown sandbox preference {preference!r}; set DABIWU_SANDBOX to auto, bwrap, unshare or none.",
        )
    candidates = ("bwrap", "unshare") if preference == "auto" else (preference,)
    reasons = []
    for kind in candidates:
        works, why = probe(kind, hide if kind == "unshare" else ())
        if works:
            if kind == "unshare":
                log.warning("Sandbox: bubblewrap is not usable, using the unshare fallback, which does not hide "
                            "the host's files (see dabiwu/sandbox/unshare.py).")
            return kind
        reasons.append(f"{kind}: {why}")
    raise SandboxError(
        kind="unavailable",
        message=f"No sandbox can run submitted models on this machine ({'; '.join(reasons)}). {_OPERATOR_HINT}",
    )
