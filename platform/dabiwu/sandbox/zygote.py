"""The fork-server sandbox, supervisor side: one pre-imported zygote per (output limit, state folder, runtime), a
forked child per job (DABIWU_SANDBOX_MODE=fork). What runs inside and why it is isolated: zygote_child.py and
DESIGN.md ("Fork-server").

Per job the supervisor picks a fresh uid, places the model's files in a folder of its own under the zygote's
root-only jobs folder (hard links or private copies, as for a pre-started sandbox), and sends the zygote a JSON line
with six descriptors: the features, the status, predictions, stdout and stderr pipes, and a result pipe on which the
job's keeper reports the kernel's wait status and rusage when the job has ended. Job-wide memory sampling and the
final sweep go by the job's uid, as for every other sandbox under a root supervisor. A zygote that died, or a job the
supervisor could not end, means the zygote is killed and replaced: its pid namespace takes every job with it.
"""

from __future__ import annotations

import array
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dabiwu.sandbox.bwrap import MODEL_MOUNT, SANDBOX_DIR, ZYGOTE_MOUNT, bwrap_argv
from dabiwu.sandbox.detect import run_probe
from dabiwu.sandbox.errors import SandboxError
from dabiwu.sandbox.interpreter import current_interpreter, runtime_interpreter
from dabiwu.sandbox.launch import child_env, fresh_uid, identity_files, missing_tools, running_as_root
from dabiwu.sandbox.limits import Limits, SandboxResult
from dabiwu.sandbox.supervise import _pids_of_uid, read_status, set_exit, sweep_uid, watch

ZYGOTE_SOURCE = Path(__file__).with_name("zygote_child.py")
CHILD_SOURCE = Path(__file__).with_name("child.py")
_RESULT_WAIT_S = 10.0  # after the job's pipes closed, the keeper's line is at most this far behind


class ZygoteGone(Exception):
    """The zygote is not running (any more): the job goes to another sandbox."""


@lru_cache(maxsize=None)
def fork_support() -> tuple[bool, str]:
    """(works, why not): can this machine run forked jobs? Needs a root supervisor (each job gets its own uid) and
    a bubblewrap that keeps CAP_SYS_ADMIN; probed by really making a job's namespaces, /proc and uid drop."""
    if not running_as_root():
        return False, "the fork-server needs a root supervisor (each forked job gets a uid of its own)"
    missing = missing_tools("bwrap")
    if missing:
        return False, f"{', '.join(missing)} not found on PATH"
    interpreter = current_interpreter()
    with tempfile.TemporaryDirectory(prefix="dabiwu-fork-probe-") as jobs, identity_files(0) as ids:
        argv = bwrap_argv(interpreter=interpreter, env=child_env(SANDBOX_DIR), passwd_fd=ids[0], group_fd=ids[1],
                          scratch_bytes=1 << 20, model_dir=None, child_path=None, drop_to_uid=None,
                          zygote_jobs=Path(jobs), zygote_path=ZYGOTE_SOURCE,
                          command=[str(interpreter.executable), "-I", "-S", ZYGOTE_MOUNT, "--probe", str(fresh_uid())])
        return run_probe(argv, env=child_env(SANDBOX_DIR), pass_fds=ids)


def _kill_uid_once(uid: int) -> None:
    for pid in _pids_of_uid(uid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Zygote:
    """A started fork-server; `dispatch` may be called from several threads at once."""

    max_output_mb: int
    runtime_key: str
    preload: tuple[str, ...]
    proc: subprocess.Popen
    base: Path  # root-only: jobs/ (bound into the zygote read-only) and zygote.log
    control: socket.socket
    status_r: int
    status_read: bytes = b""
    started_at: float = field(default_factory=time.monotonic)
    _discard_lock: threading.Lock = field(default_factory=threading.Lock)
    _discarded: bool = False

    @property
    def jobs(self) -> Path:
        return self.base / "jobs"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def is_ready(self) -> bool:
        self.status_read = read_status(self.status_r, self.status_read)
        return b"\nready " in self.status_read

    def pid(self) -> int:
        """The zygote's own host pid (bwrap's child), for benchmarks and tests."""
        with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as handle:
            return int(handle.read().split()[0])

    def discard(self) -> None:
        with self._discard_lock:  # a job thread and a shutdown may both end it
            if self._discarded:
                return
            self._discarded = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self.control.close()
        try:
            os.close(self.status_r)
        except OSError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)

    def dispatch(self, *, model_dir: Path, features_fd: int, out_dir: Path, limits: Limits) -> SandboxResult:
        """Run one job in a forked child; ZygoteGone if the zygote cannot take it (nothing of the job ran)."""
        from dabiwu.sandbox.runner import PREDICTIONS_FILE, _conclude, _fill

        if self._discarded or not self.alive():
            raise ZygoteGone()
        uid = fresh_uid()
        slot = self.jobs / secrets.token_hex(16)
        slot.mkdir(mode=0o755)
        os.chmod(slot, 0o755)
        opened: list[int] = []
        try:
            _fill(model_dir, slot, None)
            pipes = [os.pipe2(os.O_CLOEXEC) for _ in range(5)]  # status, predictions, stdout, stderr, result
            opened += [fd for pair in pipes for fd in pair]
            (status_r, status_w), (pred_r, pred_w), (out_r, out_w), (err_r, err_w), (result_r, result_w) = pipes
            job = {"slot": slot.name, "uid": uid, "model_dir": MODEL_MOUNT, "memory_mb": limits.memory_mb,
                   "cpu_seconds": limits.cpu_seconds, "max_processes": limits.max_processes,
                   "max_output_mb": limits.max_output_mb, "chunk_rows": limits.chunk_rows}
            fds = [features_fd, status_w, pred_w, out_w, err_w, result_w]
            try:
                self.control.sendmsg([json.dumps(job).encode()],
                                     [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
            except OSError as exc:
                raise ZygoteGone() from exc
            for fd in (status_w, pred_w, out_w, err_w, result_w):
                os.close(fd)
                opened.remove(fd)
            started = time.monotonic()
            predictions_path = out_dir / PREDICTIONS_FILE
            outcome = watch(stdout_fd=out_r, stderr_fd=err_r, status_r=status_r, predictions_r=pred_r,
                            exit_fd=result_r, terminate=lambda: _kill_uid_once(uid),
                            predictions_path=predictions_path, max_output_bytes=limits.max_output_mb * 1024 * 1024,
                            wall_seconds=limits.wall_seconds, job_uid=uid, job_memory_mb=limits.memory_mb)
            result = _read_result(result_r)
            sweep_uid(uid)
            if result is None or "wait_status" not in result:
                # The job could not be ended from outside, or its keeper failed: end the zygote and all its jobs.
                self.discard()
                set_exit(outcome, signal.SIGKILL, signal_in_exit_code=False)
                if result is not None and not outcome.ready:
                    outcome.stderr.write(f"\ndabiwu-sandbox: the fork-server could not start the job "
                                         f"({str(result.get('error'))[:300]})\n".encode())
            else:
                set_exit(outcome, int(result["wait_status"]), signal_in_exit_code=False)
                outcome.cpu_s = float(result["cpu_s"])
                outcome.peak_rss_mb = float(result["maxrss_kb"]) / 1024.0
            outcome.runtime_s = time.monotonic() - started
        finally:
            for fd in opened:
                os.close(fd)
            shutil.rmtree(slot, ignore_errors=True)
        return _conclude(outcome, kind="bwrap", out_dir=out_dir, predictions_path=predictions_path, limits=limits,
                         prestarted=True, uid=uid, mode="fork")


def _read_result(fd: int) -> dict | None:
    """The keeper's one line (it is trusted: no model code runs in it); None if it never came."""
    data = b""
    deadline = time.monotonic() + _RESULT_WAIT_S
    os.set_blocking(fd, False)
    while len(data) < 4096:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
        if b"\n" in data:
            break
    try:
        value = json.loads(data.split(b"\n", 1)[0])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def start_zygote(*, max_output_mb: int, runtime, preload: tuple[str, ...], state: Path | None) -> Zygote:  # noqa: ANN001
    """Start a zygote of `runtime` (a built Runtime); it imports in the background and serves jobs once ready
    (jobs sent earlier wait for it)."""
    from dabiwu.sandbox.bwrap import SYSTEM_PATHS
    from dabiwu.sandbox.runner import _refuse_exposed_state

    ok, why = fork_support()
    if not ok:
        raise SandboxError(kind="unavailable", message=f"The fork-server cannot run here: {why}.")
    interpreter = runtime_interpreter(runtime)
    _refuse_exposed_state([*interpreter.roots, *(Path(p).resolve() for p in SYSTEM_PATHS if os.path.isdir(p))], state)
    base = Path(tempfile.mkdtemp(prefix="dabiwu-zygote-"))
    os.chmod(base, 0o700)
    (base / "jobs").mkdir(mode=0o700)
    opened: list[int] = []
    try:
        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        opened += [status_r, status_w]
        control, control_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        control_fd = control_child.detach()
        opened.append(control_fd)
        inner = [str(interpreter.executable), "-I", "-B", ZYGOTE_MOUNT, str(status_w), str(control_fd), *preload]
        env = child_env(SANDBOX_DIR)
        with identity_files(0) as ids, open(base / "zygote.log", "wb") as log:
            argv = bwrap_argv(interpreter=interpreter, env=env, passwd_fd=ids[0], group_fd=ids[1],
                              scratch_bytes=max_output_mb * 1024 * 1024, model_dir=None, child_path=CHILD_SOURCE,
                              drop_to_uid=None, zygote_jobs=base / "jobs", zygote_path=ZYGOTE_SOURCE, command=inner)
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,  # noqa: S603
                                    pass_fds=(*ids, status_w, control_fd), env=env, cwd=base, close_fds=True,
                                    start_new_session=True)
    except BaseException:
        for fd in opened:
            os.close(fd)
        shutil.rmtree(base, ignore_errors=True)
        raise
    os.close(status_w)
    os.close(control_fd)
    return Zygote(max_output_mb=max_output_mb, runtime_key=str(runtime.path), preload=tuple(preload), proc=proc,
                  base=base, control=control, status_r=status_r)
