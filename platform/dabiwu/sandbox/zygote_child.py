"""The fork-server (zygote) that runs INSIDE a bubblewrap sandbox: import once, fork a child per job.

Started as ``python -I -B /sandbox/zygote_child.py STATUS_FD CONTROL_FD [PRELOAD...]`` (or ``--probe UID``) by a
privileged bwrap that keeps CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID and CAP_SETPCAP, so it stays standalone like
child.py, which it loads by path for the job itself. Only platform code runs in this process: it imports mlflow,
pandas, pyarrow and the preloads, says ``ready``, turns non-dumpable, and then, per job received on CONTROL_FD (a
JSON line and six descriptors), forks:

```
zygote (uid 0 of the host, in bwrap's namespaces; no model code ever)
  └ keeper (uid 0): unshare(mount, pid, net, ipc, uts, cgroup); fork; wait4 → one "result" line; exit
      └ job (pid 1 of its own pid namespace):
          private mounts; its own /proc; fresh tmpfs /sandbox, /tmp, /dev/shm; the job's model folder bound
          read-only at /sandbox/model and every other job's folder unmounted; /etc/passwd naming its uid;
          capability bounding set emptied; setresuid/setresgid to the job's own fresh uid (chosen by the
          supervisor); then child.py's job: rlimits, other descriptors closed, seccomp, load, predict.
```

So a job sees neither the zygote nor the keeper (another pid namespace), runs under a uid no other process has
(ptrace, /proc/<pid>/mem and signals need the same uid; the zygote is root and non-dumpable anyway), and everything it
writes lives in tmpfs that dies with its mount namespace. Its memory is a copy-on-write copy of the zygote's: a
monkeypatched module or a poisoned cache is its own. The keeper's wait4 gives the job's own CPU and peak RSS (a
forked child's counters start at zero; its RSS starts at the pages it shares with the zygote).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
import time

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWPID, CLONE_NEWNET = (
    0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x20000000, 0x40000000)
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
MNT_DETACH = 2
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 4, 24, 47, 4
JOBS_MOUNT = "/tmp/.jobs"  # the supervisor's per-job model folders, read-only; unmounted in every job
CHILD_FILE = "/sandbox/child.py"
# proc's files that stay read-only, as bwrap leaves them
_PROC_READ_ONLY = ("sys", "sysrq-trigger", "irq", "bus")
# What the job's /etc keeps besides passwd and group.
_ETC_KEPT = ("ld.so.cache", "localtime")
# Descriptors of a job message, in order.
JOB_FDS = ("features", "status", "predictions", "stdout", "stderr", "result")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(rc: int, what: str) -> None:
    if rc != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source.encode() if source else None, target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _tmpfs(target: str, *, size: int, mode: str) -> None:
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode={mode}")


def _own_proc() -> None:
    """A procfs of the job's own pid namespace: the zygote's pids are not in it."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for name in _PROC_READ_ONLY:
        path = f"/proc/{name}"
        if os.path.exists(path):
            _mount(path, path, None, MS_BIND | MS_REC)
            _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _own_etc(uid: int) -> None:
    kept = {}
    for name in _ETC_KEPT:
        try:
            with open(f"/etc/{name}", "rb") as handle:
                kept[name] = handle.read(4 << 20)
        except OSError:
            pass
    _tmpfs("/etc", size=8 << 20, mode="0755")
    kept["passwd"] = (f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
                      f"sandbox:x:{uid}:{uid}:sandbox:/sandbox:/usr/sbin/nologin\n").encode()
    kept["group"] = f"root:x:0:\nsandbox:x:{uid}:\n".encode()
    for name, data in kept.items():
        with open(f"/etc/{name}", "wb") as handle:
            handle.write(data)
        os.chmod(f"/etc/{name}", 0o644)
    _mount(None, "/etc", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _drop_to(uid: int) -> None:
    """Empty the bounding set, then become `uid` (which clears every capability), dumpable again for
    its own /proc/self (owned by root while non-dumpable)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:  # EINVAL: no such cap
            _check(-1, f"drop capability {cap}")
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _clear_capabilities()
    _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")


def _clear_capabilities() -> None:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (Data * 2)()
    _check(_libc.capset(ctypes.byref(header), ctypes.byref(data)), "capset")


def _isolate(job: dict) -> None:
    """In the job process (pid 1 of fresh namespaces, still root): build its own view, then drop to its uid."""
    size = int(job["max_output_mb"]) * 1024 * 1024
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _own_proc()
    _tmpfs("/sandbox", size=size, mode="0777")
    os.mkdir("/sandbox/model", 0o755)
    slot = os.path.join(JOBS_MOUNT, str(job["slot"]))
    if os.path.dirname(os.path.normpath(slot)) != JOBS_MOUNT:
        raise ValueError("bad job slot")
    _mount(slot, "/sandbox/model", None, MS_BIND | MS_REC)
    _mount(None, "/sandbox/model", None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _check(_libc.umount2(JOBS_MOUNT.encode(), MNT_DETACH), "unmount the job folders")
    _tmpfs("/tmp", size=size, mode="1777")  # over the zygote's /tmp, whose only content was the jobs mount point
    _tmpfs("/dev/shm", size=size, mode="1777")
    _own_etc(int(job["uid"]))
    os.chdir("/sandbox")
    _drop_to(int(job["uid"]))


def _job(job: dict, fds: dict[str, int], child, modules: tuple) -> None:  # noqa: ANN001
    """The job process: isolate, then child.py's job code. Never returns."""
    status = child._Status(fds["status"])
    try:
        os.close(fds["result"])
        _isolate(job)
        for fd, target in ((fds["features"], 0), (fds["stdout"], 1), (fds["stderr"], 2)):
            os.dup2(fd, target)
            os.close(fd)
    except Exception as exc:  # noqa: BLE001
        status.phase("setup")
        print(f"dabiwu-sandbox: the forked job could not be isolated ({exc}); this is a platform problem.",
              file=sys.stderr)
        os._exit(child.EXIT_SETUP)
    # As child.py would have been started: a model reading sys.argv finds the same layout.
    sys.argv = [CHILD_FILE, str(fds["status"]), str(fds["predictions"]), "-1"]
    usage = time.process_time()
    status.phase("setup")
    status.send(f"ready {usage:.3f}")  # before any model code: trusted
    child._run_job(job, modules, status=status, status_fd=fds["status"], predictions_fd=fds["predictions"],
                   imports_s=0.0)


def _keeper(job: dict, fds: dict[str, int], child, modules: tuple) -> None:  # noqa: ANN001
    """Make the job's namespaces, fork the job into them, report how it ended. Never returns."""
    result = fds["result"]
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                             | CLONE_NEWCGROUP), "unshare")
        pid = os.fork()
        if pid == 0:
            _job(job, fds, child, modules)
            os._exit(child.EXIT_SETUP)
        for name, fd in fds.items():
            if name != "result":
                os.close(fd)
        _, wait_status, usage = os.wait4(pid, 0)
        line = {"wait_status": wait_status, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss}
    except BaseException as exc:  # noqa: BLE001
        line = {"error": f"{type(exc).__name__}: {exc}"}
    os.write(result, (json.dumps(line) + "\n").encode())
    os._exit(0)


def _receive(sock) -> tuple[dict, dict[str, int]] | None:  # noqa: ANN001
    import array
    import socket

    fds = array.array("i")
    message, ancillary, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(len(JOB_FDS) * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    if not message:
        return None  # the supervisor closed its end
    if len(fds) != len(JOB_FDS):
        for fd in fds:
            os.close(fd)
        raise ValueError(f"expected {len(JOB_FDS)} descriptors, got {len(fds)}")
    return json.loads(message), dict(zip(JOB_FDS, fds))


def serve(argv: list[str]) -> None:
    import importlib.util
    import socket

    status_fd, control_fd = int(argv[0]), int(argv[1])
    spec = importlib.util.spec_from_file_location("dabiwu_sandbox_child", CHILD_FILE)
    child = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(child)
    started = time.process_time()
    status = child._Status(status_fd)
    status.phase("setup")
    modules = child._import_platform(argv[2:])
    import gc

    # Everything imported so far goes to the collector's permanent generation: a child's collections then never write
    # to those objects' headers, so their pages stay shared with the zygote instead of being copied into every job.
    gc.collect()
    gc.freeze()
    # Non-dumpable: no /proc/<pid>/mem, no ptrace of the zygote, even by root-less processes of the same uid.
    _check(_libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "non-dumpable")
    status.send(f"ready {time.process_time() - started:.3f}")
    sock = socket.socket(fileno=control_fd)
    sock.settimeout(1.0)
    while True:
        try:
            received = _receive(sock)
        except TimeoutError:
            received = False
        except (OSError, ValueError) as exc:
            print(f"dabiwu-zygote: bad job message: {exc}", file=sys.stderr)
            received = False
        while True:  # reap finished keepers
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if received is None:
            os._exit(0)
        if received is False:
            continue
        job, fds = received
        pid = os.fork()
        if pid == 0:
            sock.close()
            os.close(status_fd)
            _keeper(job, fds, child, modules)
            os._exit(70)
        for fd in fds.values():
            os.close(fd)


def probe(uid: int) -> None:
    """Can this kernel give a forked job what it needs? Exit 0 if so, else the reason on stderr."""
    try:
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                             | CLONE_NEWCGROUP), "unshare")
        pid = os.fork()
        if pid == 0:
            try:
                _mount(None, "/", None, MS_REC | MS_PRIVATE)
                _own_proc()
                _tmpfs("/tmp", size=1 << 20, mode="1777")
                _own_etc(uid)
                _drop_to(uid)
                if os.getpid() != 1 or os.listdir("/proc/self/fd") is None:
                    raise OSError("not pid 1 of its own namespace")
            except BaseException as exc:  # noqa: BLE001
                print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
    except OSError as exc:
        print(f"{exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--probe"]:
        probe(int(sys.argv[2]))
    else:
        serve(sys.argv[1:])
