"""Assemble the command line and environment for each kind of sandbox."""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from dabiwu.sandbox.bwrap import SANDBOX_DIR, bwrap_argv
from dabiwu.sandbox.interpreter import Interpreter
from dabiwu.sandbox.unshare import unshare_argv

KINDS = ("bwrap", "unshare", "none")

# Uids handed to sandboxes when the supervisor is root: high, unused by any account, fresh per job,
# so RLIMIT_NPROC counts only that job's processes and no job can touch another's files.
_UID_LOW, _UID_HIGH = 1_500_000_000, 1_900_000_000


def running_as_root() -> bool:
    return os.geteuid() == 0


def fresh_uid() -> int:
    import pwd

    while True:
        uid = _UID_LOW + secrets.randbelow(_UID_HIGH - _UID_LOW)
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid


def child_env(home: str) -> dict[str, str]:
    """The whole environment of the model: nothing of the worker's (no DABIWU_*, no AWS_*)."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": "/tmp",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def missing_tools(kind: str) -> list[str]:
    needed = {"bwrap": ["bwrap"], "unshare": ["unshare"], "none": []}[kind]
    if kind != "none" and running_as_root():
        needed.append("setpriv")
    return [tool for tool in needed if shutil.which(tool) is None]


@dataclass
class Launch:
    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...]
    signal_in_exit_code: bool  # bwrap reports a child killed by signal N as exit code 128+N


@contextmanager
def identity_files(uid: int) -> Iterator[tuple[int, int]]:
    """/etc/passwd and /etc/group for the sandbox, as memfds bwrap copies in."""
    passwd = f"root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:{uid}:{uid}:sandbox:{SANDBOX_DIR}:/usr/sbin/nologin\n"
    group = f"root:x:0:\nsandbox:x:{uid}:\n"
    fds = []
    try:
        for name, text in (("passwd", passwd), ("group", group)):
            fd = os.memfd_create(name)  # CLOEXEC; pass_fds hands it to bwrap only
            fds.append(fd)
            os.write(fd, text.encode())
            os.lseek(fd, 0, os.SEEK_SET)
        yield fds[0], fds[1]
    finally:
        for fd in fds:
            os.close(fd)


def build_launch(
    *,
    kind: str,
    interpreter: Interpreter,
    uid: int | None,
    inner: list[str],
    home: str,
    scratch_bytes: int,
    model_dir: Path | None,
    child_path: Path | None,
    hide: list[Path],
    identity_fds: tuple[int, int] | None,
) -> Launch:
    """`inner` is the python command; `home` the model's HOME as seen from inside."""
    if kind == "bwrap":
        assert identity_fds is not None
        env = child_env(SANDBOX_DIR)
        argv = bwrap_argv(
            interpreter=interpreter, env=env, passwd_fd=identity_fds[0], group_fd=identity_fds[1],
            scratch_bytes=scratch_bytes, model_dir=model_dir, child_path=child_path, drop_to_uid=uid,
            command=inner,
        )
        return Launch(argv=argv, env=env, pass_fds=identity_fds, signal_in_exit_code=True)
    env = child_env(home)
    if kind == "unshare":
        return Launch(argv=unshare_argv(drop_to_uid=uid, hide=hide, command=inner), env=env, pass_fds=(),
                      signal_in_exit_code=False)
    return Launch(argv=inner, env=env, pass_fds=(), signal_in_exit_code=False)
