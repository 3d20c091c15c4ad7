"""The fallback where bubblewrap is missing: util-linux `unshare`.

What it isolates: network (a new, empty namespace), pids (the model is pid 1 of its own namespace
and everything it starts dies with it), IPC and hostname. Environment, rlimits and the seccomp filter
are the same as under bwrap (they are applied by child.py).

What it does NOT isolate: the filesystem. The model sees the host's files with the rights of the
uid it runs under:
- started by root: a fresh unprivileged uid per job (setpriv), so root-only files (mode 0600/0700)
  stay closed, and the state folder is additionally covered with an empty read-only tmpfs in the
  model's private mount namespace. Anything world-readable elsewhere on the host IS readable;
- started by another user: that user's own uid (in a user namespace), so everything that user can
  read, the state folder included unless the operator keeps it elsewhere, is readable.
Use bubblewrap in production; this mode exists so that a developer without it still gets a
network-less, pid-isolated, resource-limited run.

Requirement under root: the interpreter and venv must be readable by an unprivileged user (a Python
under /root, mode 0700, is not): detect_sandbox's probe finds that out and reports it.
"""

from __future__ import annotations

from pathlib import Path

from dabiwu.sandbox.bwrap import setpriv_prefix

# Runs as root inside the new mount namespace, before the drop: hide each folder given, then exec.
_HIDE_SCRIPT = (
    'n=$1; shift; while [ "$n" -gt 0 ]; do '
    'mount -t tmpfs -o ro,size=4k,mode=000 dabiwu-hidden "$1" || exit 70; shift; n=$((n-1)); done; '
    'exec "$@"'
)


def unshare_argv(*, drop_to_uid: int | None, hide: list[Path], command: list[str]) -> list[str]:
    namespaces = ["--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc"]
    if drop_to_uid is None:
        # Mapped to our own uid: after exec the model holds no capability, even inside its namespace.
        return ["unshare", "--user", "--map-current-user", *namespaces, "--", *command]
    hidden = [str(p) for p in hide if p.is_dir()]
    return [
        "unshare", *namespaces, "--",
        "/bin/sh", "-c", _HIDE_SCRIPT, "sh", str(len(hidden)), *hidden,
        *setpriv_prefix(drop_to_uid), *command,
    ]
