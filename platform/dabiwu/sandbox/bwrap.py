"""The bubblewrap command line: a new root that shows only what the interpreter needs.

Shown read-only: /usr (with the /bin, /lib... links or folders as the host has them), two files of
/etc, the Python installation and the venv, the model folder and child.py. Writable: three small
tmpfs (/sandbox, the model's home and working folder; /tmp; /dev/shm), each capped at the output
limit. Not shown: everything else, in particular the state folder (database, object store, labels),
/root, /home, /work, /var, /run and the host's /tmp and /dev/shm. Namespaces: pid, net (loopback
only, down), ipc, uts, cgroup, mount.

When the supervisor is root, bwrap runs privileged (no user namespace) and the command is wrapped in
`setpriv`, which drops to the job's own unprivileged uid before Python starts: RLIMIT_NPROC is never
enforced for uid 0, so a fork bomb is only bounded under another uid. Otherwise bwrap builds a user
namespace as usual and forbids nested ones (--disable-userns).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from dabiwu.sandbox.interpreter import Interpreter

SANDBOX_DIR = "/sandbox"
MODEL_MOUNT = "/sandbox/model"
CHILD_MOUNT = "/sandbox/child.py"
ZYGOTE_MOUNT = "/sandbox/zygote_child.py"
ZYGOTE_JOBS_MOUNT = "/tmp/.jobs"  # zygote_child.JOBS_MOUNT
# The fork-server keeps what it needs to give each job its own namespaces and mounts, then its own uid.
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP")

# Shown as on the host: a symlink stays a symlink (merged-/usr systems), a folder is bound read-only.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
# The dynamic loader's cache (libraries outside the default paths) and the time zone; nothing else.
ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")


def _ancestors(path: Path) -> list[str]:
    return [str(p) for p in reversed(PurePosixPath(path).parents) if str(p) != "/"]


def system_binds() -> list[str]:
    args: list[str] = []
    for name in SYSTEM_PATHS:
        if os.path.islink(name):
            args += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            args += ["--ro-bind", name, name]
    return args


def bwrap_argv(
    *,
    interpreter: Interpreter,
    env: dict[str, str],
    passwd_fd: int,
    group_fd: int,
    scratch_bytes: int,
    model_dir: Path | None,
    child_path: Path | None,
    drop_to_uid: int | None,
    command: list[str],
    zygote_jobs: Path | None = None,
    zygote_path: Path | None = None,
) -> list[str]:
    """argv for bwrap; `command` is run inside after the optional drop to `drop_to_uid`.

    With `zygote_jobs` (a root-only host folder of per-job model folders) it is the fork-server's sandbox: no drop,
    and the capabilities to make each job's namespaces and mounts and to drop it to its uid (see zygote_child.py)."""
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    if zygote_jobs is not None:
        args += ["--cap-drop", "ALL"]
        for cap in ZYGOTE_CAPS:
            args += ["--cap-add", cap]
    elif drop_to_uid is not None:
        # Privileged bwrap keeps only what setpriv needs to switch uid and empty the bounding set.
        args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    else:
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    # --as-pid-1: the model process is reaped by bwrap itself, so wait4 on bwrap reports its peak RSS.
    # When it exits, the kernel kills whatever else is left in the pid namespace.
    args += ["--die-with-parent", "--new-session", "--as-pid-1", "--hostname", "sandbox", "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]

    args += system_binds()
    args += ["--perms", "0755", "--dir", "/etc"]
    for name in ETC_FILES:
        args += ["--ro-bind-try", name, name]
    args += ["--perms", "0644", "--ro-bind-data", str(passwd_fd), "/etc/passwd"]
    args += ["--perms", "0644", "--ro-bind-data", str(group_fd), "/etc/group"]

    made: set[str] = {"/etc"}
    size = str(scratch_bytes)
    # The private /tmp and /dev/shm come before the interpreter's binds: a venv that lives under /tmp
    # (a CI checkout) must be bound on top of the tmpfs, not hidden by it.
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/dev/shm"]
    args += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
    if zygote_jobs is not None:
        args += ["--ro-bind", str(zygote_jobs), ZYGOTE_JOBS_MOUNT]
    shown = {p for p in SYSTEM_PATHS}
    for root in interpreter.roots:
        if any(root == Path(s) or Path(s) in root.parents for s in shown):
            continue  # e.g. a system Python under /usr
        for ancestor in _ancestors(root):
            if ancestor not in made:
                made.add(ancestor)
                # bwrap would create it 0700 (root-owned): the dropped uid could not walk through.
                args += ["--perms", "0755", "--dir", ancestor]
        args += ["--ro-bind", str(root), str(root)]

    args += ["--perms", "0777", "--size", size, "--tmpfs", SANDBOX_DIR]
    if model_dir is not None:
        args += ["--ro-bind", str(model_dir), MODEL_MOUNT]
    if child_path is not None:
        args += ["--ro-bind", str(child_path), CHILD_MOUNT]
    if zygote_path is not None:
        args += ["--ro-bind", str(zygote_path), ZYGOTE_MOUNT]
    args += ["--chdir", SANDBOX_DIR, "--remount-ro", "/", "--"]
    if drop_to_uid is not None:
        args += setpriv_prefix(drop_to_uid)
    return args + command


def setpriv_prefix(uid: int) -> list[str]:
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
        "--inh-caps=-all", "--bounding-set=-all", "--",
    ]
