"""Start the sandbox, feed it, drain it with bounded buffers, enforce the wall clock, reap it.

The child's stdout and stderr are pipes read here: only the first 16 KB and the last 64 KB of each
are kept, so a model printing a gigabyte costs CPU, not disk. Predictions arrive on their own pipe
and are written to the output file up to the size limit; past it the sandbox is killed. The exit
status and the peak RSS come from wait4 on the sandbox process, not from anything the model says.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

_READ = 1 << 20
_STATUS_MAX = 64 * 1024
_DRAIN_AFTER_EXIT_S = 2.0  # pipes still open after the process ended: only possible without a pid namespace
# Imports before the child says "ready" are the platform's cost, not the model's: the model's wall
# clock starts at "ready", and start-up has its own allowance (generous: a loaded 2-core machine
# was measured taking 35 s to import mlflow, pandas and sklearn).
STARTUP_SECONDS = 300.0
_MEMORY_CHECK_S = 0.5  # a scan costs a few ms; a fork bomb of big processes is caught within this


class BoundedLog:
    """The head and the tail of a stream, and how much was dropped between them."""

    def __init__(self, head: int = 16 * 1024, tail: int = 64 * 1024) -> None:
        self._head_max, self._tail_max = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def write(self, data: bytes) -> None:
        room = self._head_max - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        self.tail += data
        if len(self.tail) > 2 * self._tail_max:  # trim in batches, not on every read
            cut = len(self.tail) - self._tail_max
            self.dropped += cut
            del self.tail[:cut]

    def text(self) -> str:
        if len(self.tail) > self._tail_max:
            cut = len(self.tail) - self._tail_max
            self.dropped += cut
            del self.tail[:cut]
        middle = f"\n[... {self.dropped} bytes not kept ...]\n".encode() if self.dropped else b""
        return (bytes(self.head) + middle + bytes(self.tail)).decode("utf-8", errors="replace")


@dataclass
class Outcome:
    exit_code: int | None  # None when killed by a signal
    signal: int | None
    timed_out: bool
    ready: bool  # the child finished its imports (no model code runs before that)
    output_too_large: bool
    output_bytes: int
    runtime_s: float
    peak_rss_mb: float
    cpu_s: float
    sampled_hwm_mb: float = 0.0  # largest VmHWM seen among the sandbox's processes (a trusted lower bound)
    job_memory_exceeded: bool = False  # all the job's processes together went over the memory limit
    peak_job_pss_mb: float = 0.0  # largest sampled sum over the job's processes (0 when not sampled)
    status_lines: list[str] = field(default_factory=list)
    stdout: BoundedLog = field(default_factory=BoundedLog)
    stderr: BoundedLog = field(default_factory=BoundedLog)
    status_bytes: bytearray = field(default_factory=bytearray)  # the status pipe, bounded to _STATUS_MAX


def spawn(*, argv: list[str], env: dict[str, str], cwd: Path, pass_fds: tuple[int, ...]) -> subprocess.Popen:
    """Start the sandbox. It imports, then waits for its job on the control socket (see child.py)."""
    return subprocess.Popen(  # noqa: S603 - argv is built by this package, never from user input
        argv,
        stdin=subprocess.DEVNULL,  # the features arrive with the job
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=pass_fds,
        env=env,
        cwd=cwd,
        close_fds=True,
        start_new_session=True,  # its own process group: one killpg reaches bwrap/unshare and the child
    )


def supervise(
    proc: subprocess.Popen,
    *,
    status_r: int,
    predictions_r: int,
    predictions_path: Path,
    max_output_bytes: int,
    wall_seconds: float,
    signal_in_exit_code: bool,
    job_uid: int | None = None,
    job_memory_mb: float | None = None,
    status_already_read: bytes = b"",
) -> Outcome:
    """Drain and watch a spawned sandbox whose job was just sent, to its end (or kill it).

    The model's wall clock starts when the child reports "ready" (imports done); until then the
    start-up allowance applies. The caller owns and closes the pipes.
    `signal_in_exit_code`: bwrap reports "child killed by signal N" as exit code 128+N.
    `job_uid`, `job_memory_mb`: RLIMIT_AS bounds each process, not the job; with the job's own uid
    known, the memory of all its processes together (PSS) is sampled and held to `job_memory_mb`.
    """
    started = time.monotonic()
    pidfd = os.pidfd_open(proc.pid)
    assert proc.stdout is not None and proc.stderr is not None

    def terminate() -> None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    try:
        out = watch(stdout_fd=proc.stdout.fileno(), stderr_fd=proc.stderr.fileno(), status_r=status_r,
                    predictions_r=predictions_r, exit_fd=pidfd, terminate=terminate,
                    predictions_path=predictions_path, max_output_bytes=max_output_bytes, wall_seconds=wall_seconds,
                    job_uid=job_uid, job_memory_mb=job_memory_mb, status_already_read=status_already_read,
                    hwm_root_pid=proc.pid)
    finally:
        os.close(pidfd)  # the pipes' read ends belong to the caller
        proc.stdout.close()
        proc.stderr.close()
        # Blocks only until the SIGKILL above (if any) lands.
        _, wait_status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(wait_status)  # keeps Popen from waiting again

    out.runtime_s = time.monotonic() - started
    out.peak_rss_mb = usage.ru_maxrss / 1024.0  # KiB on Linux
    out.cpu_s = usage.ru_utime + usage.ru_stime
    set_exit(out, wait_status, signal_in_exit_code=signal_in_exit_code)
    return out


def set_exit(out: Outcome, wait_status: int, *, signal_in_exit_code: bool) -> None:
    """How the sandbox process ended, from its wait status (bwrap reports signal N as exit 128+N)."""
    if os.WIFSIGNALED(wait_status):
        out.signal = os.WTERMSIG(wait_status)
    else:
        code = os.WEXITSTATUS(wait_status)
        if signal_in_exit_code and code > 128 and (code - 128) in signal.valid_signals():
            out.signal = code - 128
        else:
            out.exit_code = code
    out.status_lines = bytes(out.status_bytes).decode("utf-8", errors="replace").splitlines()


def watch(*, stdout_fd: int, stderr_fd: int, status_r: int, predictions_r: int, exit_fd: int, terminate,  # noqa: ANN001
          predictions_path: Path, max_output_bytes: int, wall_seconds: float, job_uid: int | None,
          job_memory_mb: float | None, status_already_read: bytes = b"", hwm_root_pid: int | None = None) -> Outcome:
    """Drain a running job's pipes until `exit_fd` is readable (a pidfd, or a pipe the fork-server's keeper
    writes when the job has ended) and the pipes are closed; enforce start-up and wall clock, output size and
    job memory with `terminate()`. The exit fields are the caller's to fill."""
    started = time.monotonic()
    out = Outcome(exit_code=None, signal=None, timed_out=False, ready=False, output_too_large=False, output_bytes=0,
                  runtime_s=0.0, peak_rss_mb=0.0, cpu_s=0.0)
    status_buf = out.status_bytes
    status_buf += status_already_read[:_STATUS_MAX]
    sinks = {stdout_fd: out.stdout, stderr_fd: out.stderr}
    deadline = started + STARTUP_SECONDS
    if b"\nready " in status_buf:
        out.ready = True
        deadline = started + wall_seconds
    killed = False

    def kill() -> None:
        nonlocal killed
        if not killed:
            killed = True
            terminate()

    sel = selectors.DefaultSelector()
    try:
        with open(predictions_path, "wb") as predictions:
            for fd in (*sinks, status_r, predictions_r):
                os.set_blocking(fd, False)
                sel.register(fd, selectors.EVENT_READ)
            sel.register(exit_fd, selectors.EVENT_READ)
            exited_at: float | None = None
            open_pipes = len(sinks) + 2
            next_memory_check = started
            while open_pipes or exited_at is None:
                now = time.monotonic()
                if exited_at is None and hwm_root_pid is not None:
                    out.sampled_hwm_mb = max(out.sampled_hwm_mb, descendants_hwm_mb(hwm_root_pid))
                if job_uid is not None and job_memory_mb is not None and now >= next_memory_check and not killed:
                    next_memory_check = now + _MEMORY_CHECK_S
                    total = job_pss_mb(job_uid)
                    out.peak_job_pss_mb = max(out.peak_job_pss_mb, total)
                    if total > job_memory_mb:
                        out.job_memory_exceeded = True
                        kill()
                if now >= deadline and not killed:
                    out.timed_out = True
                    kill()
                    deadline = now + 5.0  # time for the kernel to tear the namespace down
                elif now >= deadline:
                    break
                if exited_at is not None and now - exited_at > _DRAIN_AFTER_EXIT_S:
                    kill()
                    break
                for key, _ in sel.select(timeout=max(0.0, min(deadline - now, _MEMORY_CHECK_S))):
                    fd = key.fd
                    if fd == exit_fd:
                        exited_at = time.monotonic()
                        sel.unregister(exit_fd)
                        continue
                    try:
                        data = os.read(fd, _READ)
                    except BlockingIOError:
                        continue
                    if not data:
                        sel.unregister(fd)
                        open_pipes -= 1
                        continue
                    if fd in sinks:
                        sinks[fd].write(data)
                    elif fd == status_r:
                        if len(status_buf) < _STATUS_MAX:
                            status_buf += data[: _STATUS_MAX - len(status_buf)]
                        if not out.ready and b"\nready " in status_buf:
                            out.ready = True
                            if not killed:
                                deadline = time.monotonic() + wall_seconds
                    elif not out.output_too_large:
                        out.output_bytes += len(data)
                        if out.output_bytes > max_output_bytes:
                            out.output_too_large = True
                            kill()
                        else:
                            predictions.write(data)
    except BaseException:
        kill()  # our own failure (disk full, interrupted): never leave the sandbox running
        raise
    finally:
        sel.close()
    out.status_lines = bytes(status_buf).decode("utf-8", errors="replace").splitlines()
    return out


def kill_and_reap(proc: subprocess.Popen) -> None:
    """End a sandbox that will not be used (an idle pre-started one); its namespace dies with it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    try:
        os.waitpid(proc.pid, 0)
    except ChildProcessError:
        pass
    proc.returncode = -signal.SIGKILL


def _pids_of_uid(uid: int) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Uid:"):
                        if str(uid).encode() in line.split()[1:]:
                            pids.append(int(name))
                        break
        except OSError:
            continue
    return pids


def own_hwm_mb() -> float:
    """This process's peak RSS. A process exec'd from here inherits it as its own ru_maxrss (the
    kernel keeps the old mm's high-water mark at exec), so wait4 cannot report less than this."""
    return _status_kb(os.getpid(), b"VmHWM:") / 1024.0


def _status_kb(pid: int, key: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def descendants_hwm_mb(pid: int) -> float:
    """Largest VmHWM among the descendants of `pid` (the sandbox's processes), 0 if none is visible."""
    best, todo, seen = 0, [pid], set()
    while todo and len(seen) < 4096:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children", "rb") as handle:
                    todo.extend(int(x) for x in handle.read().split())
            except (OSError, ValueError):
                continue
        if current != pid:
            best = max(best, _status_kb(current, b"VmHWM:"))
    return best / 1024.0


def job_pss_mb(uid: int) -> float:
    """Memory of all processes of `uid` together, by PSS, so pages shared after fork count once."""
    total_kb = 0
    for pid in _pids_of_uid(uid):
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total_kb += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total_kb / 1024.0


def sweep_uid(uid: int, *, grace_s: float = 10.0) -> None:
    """Make sure nothing of a finished job is left: SIGKILL every process of its uid, until none.

    The uid was made for this one job (launch.fresh_uid), so everything running under it is the
    job's. When the sandbox is killed from outside (timeout, output limit), bwrap's death-signal
    reaches the model process asynchronously; this turns that into a guarantee before run() returns.
    """
    deadline = time.monotonic() + grace_s
    while True:
        pids = _pids_of_uid(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)


def read_status(fd: int, already: bytes, *, limit: int = 4096) -> bytes:
    """What a sandbox child has written on its status pipe so far, without waiting (the first `limit` bytes)."""
    os.set_blocking(fd, False)
    read = already
    try:
        while len(read) < limit:
            data = os.read(fd, limit)
            if not data:
                break
            read += data
    except BlockingIOError:
        pass
    return read
