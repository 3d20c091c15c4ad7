"""The program that runs INSIDE the sandbox: load one MLflow model, predict the features, stream the
predictions out.

It is started as ``python -I -B child.py STATUS_FD PREDICTIONS_FD CONTROL_FD [PRELOAD...]`` by the
venv's interpreter, so it must stay standalone: the sandbox shows neither the ``dabiwu`` package nor
anything else of the platform, only the interpreter, the venv, this file and the model folder.

Sequence: import mlflow, pandas, pyarrow (and the preloads), say ``ready <cpu seconds>``, wait for
the job on the control socket (a JSON line with the model path and limits, plus the features file
descriptor, which becomes stdin), apply the rlimits, close every other descriptor, install the
seccomp filter, read the features, and only then call ``mlflow.pyfunc.load_model``. Predictions go
out as Parquet on PREDICTIONS_FD; ``phase`` lines and a final ``stats`` line go out on STATUS_FD.

Everything before the ``phase load`` line is trusted platform code (so the supervisor may trust the
``ready`` line). From the moment the model loads, the process belongs to the submitted model, which
may rewrite anything in it, including the status pipe. The trusted side therefore only uses phases to
move forward (a model can only make its own failure look later than it was) and treats the stats line
as untrusted numbers.

The supervisor imports this module for the exit codes below; importing it has no side effects.
"""

from __future__ import annotations

import os
import sys
import time

# Exit codes: one per outcome the trusted side must tell apart. Kept away from 1-2 (Python's own)
# and from 128+N (bwrap reports "killed by signal N" as 128+N).
EXIT_OK = 0
EXIT_SETUP = 70  # the child could not start (bad arguments, mlflow not importable, no job): platform's fault
EXIT_INPUT = 71  # the features could not be read: platform's fault
EXIT_LOAD = 72  # load_model raised
EXIT_PREDICT = 73  # predict raised
EXIT_BAD_OUTPUT = 74  # predict returned something that cannot be stored as a Parquet table
EXIT_OOM = 75  # MemoryError (RLIMIT_AS)
EXIT_FILE_TOO_LARGE = 76  # a file hit RLIMIT_FSIZE or the scratch space is full

# Phases, in the only order the trusted side accepts them.
PHASES = ("setup", "load", "predict", "write", "done")


class _Status:
    """Line-oriented messages to the trusted side on an inherited pipe."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def send(self, line: str) -> None:
        data = (line.replace("\n", " ") + "\n").encode()
        try:
            while data:
                data = data[os.write(self._fd, data) :]
        except OSError:
            pass  # the parent went away; exiting is all that is left, and that happens anyway

    def phase(self, name: str) -> None:
        self.send(f"phase {name}")


def _apply_limits(*, memory_mb: int, cpu_seconds: int, max_processes: int, max_output_mb: int) -> None:
    import resource

    def lower(which: int, value: int) -> None:
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))

    lower(resource.RLIMIT_AS, memory_mb * 1024 * 1024)
    # The soft limit sends SIGXCPU; the hard one, a little later, SIGKILL (which reaches pid 1 too).
    soft_cpu, hard_cpu = resource.getrlimit(resource.RLIMIT_CPU)
    hard = cpu_seconds + 2 if hard_cpu == resource.RLIM_INFINITY else min(cpu_seconds + 2, hard_cpu)
    resource.setrlimit(resource.RLIMIT_CPU, (min(cpu_seconds, hard), hard))
    # Counted per user (and per user namespace): the sandbox runs under a uid of its own, see runner.py.
    lower(resource.RLIMIT_NPROC, max_processes)
    lower(resource.RLIMIT_FSIZE, max_output_mb * 1024 * 1024)
    lower(resource.RLIMIT_CORE, 0)
    lower(resource.RLIMIT_NOFILE, 4096)


# Syscalls a model never needs and that widen the kernel surface it can reach: new namespaces (a
# nested user namespace gives back capabilities inside it), mounts, tracing, BPF, keyrings, io_uring,
# module loading. Numbers per architecture; clone is allowed unless it asks for a new namespace.
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
_DENIED = {
    "x86_64": {
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "bpf": 321,
        "perf_event_open": 298, "userfaultfd": 323, "keyctl": 250, "add_key": 248, "request_key": 249,
        "kexec_load": 246, "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "open_by_handle_at": 304, "name_to_handle_at": 303, "acct": 163,
        "swapon": 167, "swapoff": 168, "reboot": 169,
        # inotify/fanotify: watching the shared read-only interpreter tree shows which files concurrent
        # jobs open (another team's imports); a model never needs to watch files.
        "inotify_init": 253, "inotify_init1": 294, "inotify_add_watch": 254, "fanotify_init": 300,
        "fanotify_mark": 301,
    },
    "aarch64": {
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "bpf": 280,
        "perf_event_open": 241, "userfaultfd": 282, "keyctl": 219, "add_key": 217, "request_key": 218,
        "kexec_load": 104, "kexec_file_load": 294, "init_module": 105, "finit_module": 273,
        "delete_module": 106, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "mount_setattr": 442, "open_by_handle_at": 265, "name_to_handle_at": 264, "acct": 89,
        "swapon": 224, "swapoff": 225, "reboot": 142,
        "inotify_init1": 26, "inotify_add_watch": 27, "fanotify_init": 262, "fanotify_mark": 263,
    },
}
_CLONE = {"x86_64": 56, "aarch64": 220}
# socket(2) and socketpair(2) are allowed for AF_UNIX only (multiprocessing, joblib need it). Every
# other family is refused, whatever the network namespace: AF_VSOCK is not isolated by it (on a VM
# worker a model could reach the host), AF_NETLINK and AF_PACKET widen the kernel surface, and
# AF_INET/AF_INET6 have nowhere to go anyway. The answer is EAFNOSUPPORT, as for a family the kernel
# lacks, so libraries that probe for IPv6 or netlink fall back quietly.
_SOCKET_CALLS = {"x86_64": (41, 53), "aarch64": (198, 199)}
_AF_UNIX = 1
_EAFNOSUPPORT = 97
_CLONE3 = 435  # same number on both; answered ENOSYS so that libc falls back to clone, which we can inspect
_CLONE_NEW_ANY = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET


def _seccomp_program(machine: str) -> bytes:
    import struct

    ld_w_abs, jeq, jset, jge, ret = 0x20, 0x15, 0x45, 0x35, 0x06
    allow, kill = 0x7FFF0000, 0x80000000
    eperm, enosys = 0x00050000 | 1, 0x00050000 | 38
    insns: list[tuple[int, int, int, int]] = [
        (ld_w_abs, 0, 0, 4),  # seccomp_data.arch
        (jeq, 1, 0, _AUDIT_ARCH[machine]),
        (ret, 0, 0, kill),
        (ld_w_abs, 0, 0, 0),  # seccomp_data.nr
    ]
    if machine == "x86_64":  # the x32 ABI shares the arch value: refuse it wholesale
        insns += [(jge, 0, 1, 0x40000000), (ret, 0, 0, eperm)]
    insns += [(jeq, 0, 1, _CLONE3), (ret, 0, 0, enosys)]
    for nr in sorted(_DENIED[machine].values()):
        insns += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    for nr in _SOCKET_CALLS[machine]:
        insns += [
            (jeq, 0, 4, nr),
            (ld_w_abs, 0, 0, 16),  # low 32 bits of args[0], the address family
            (jeq, 1, 0, _AF_UNIX),
            (ret, 0, 0, 0x00050000 | _EAFNOSUPPORT),
            (ret, 0, 0, allow),
        ]
    insns += [
        (jeq, 0, 3, _CLONE[machine]),
        (ld_w_abs, 0, 0, 16),  # low 32 bits of args[0], the clone flags
        (jset, 0, 1, _CLONE_NEW_ANY),
        (ret, 0, 0, eperm),
        (ret, 0, 0, allow),
    ]
    return b"".join(struct.pack("=HBBI", *insn) for insn in insns)


def _install_seccomp() -> bool:
    """No new privileges, then the filter. Returns False where the architecture is not covered."""
    import ctypes
    import platform

    machine = platform.machine()
    if machine not in _AUDIT_ARCH:
        return False
    program = _seccomp_program(machine)
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(count, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs = 38
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    # seccomp(2) with TSYNC, not prctl: the imports already started threads (allocators, BLAS), and a
    # filter set by prctl would cover only this one.
    sys_seccomp = {"x86_64": 317, "aarch64": 277}[machine]
    seccomp_set_mode_filter, seccomp_filter_flag_tsync = 1, 1
    if libc.syscall(sys_seccomp, seccomp_set_mode_filter, seccomp_filter_flag_tsync, ctypes.byref(fprog)) != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC) failed")
    return True


def _close_other_fds(keep: set[int]) -> None:
    # Nothing the supervisor or bwrap might have left open may reach the model.
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _to_table(output, pa, pd, np):  # noqa: ANN001 - modules passed in to keep imports lazy
    """Raw predictions as an Arrow table, judged by nobody: the trusted scorer decides what is valid."""
    if isinstance(output, pa.Table):
        return output
    if isinstance(output, pd.DataFrame):
        frame = output.copy(deep=False)
        frame.columns = [str(c) for c in frame.columns]
        return pa.Table.from_pandas(frame, preserve_index=False)
    if isinstance(output, pd.Series):
        return pa.table({"score": pa.Array.from_pandas(output)})
    array = output if isinstance(output, np.ndarray) else np.asarray(output)
    if array.ndim == 0:
        raise TypeError(f"predict returned a single value ({array!r}), not one value per row")
    if array.ndim == 1:
        return pa.table({"score": pa.array(array, from_pandas=True)})
    if array.ndim == 2:
        return pa.table({str(i): pa.array(array[:, i], from_pandas=True) for i in range(array.shape[1])})
    raise TypeError(f"predict returned a {array.ndim}-dimensional array; return one row per input row")


def _fail(code: int, message: str, *, traceback: bool = True) -> None:
    if traceback:
        import traceback as tb

        tb.print_exc()
    print(f"dabiwu-sandbox: {message}", file=sys.stderr)
    _exit(code)


def _exit(code: int) -> None:
    # os._exit skips the model's atexit handlers and the slow interpreter teardown.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a broken stream must not change the exit code
            pass
    os._exit(code)


def _warn_mismatches(model_dir: str) -> None:
    """What mlflow's load_model warns about (library and Python versions unlike the model's), checked
    cheaply: mlflow's own check maps every installed distribution's files to modules, 1-5 s per run.
    The messages go to stderr, so teams find them in the log tail."""
    import platform
    from importlib import metadata

    try:
        from packaging.requirements import Requirement
    except Exception:  # noqa: BLE001
        return
    try:
        lines = open(os.path.join(model_dir, "requirements.txt"), encoding="utf-8").read(64 * 1024).splitlines()
    except OSError:
        lines = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        try:
            req = Requirement(line)
            installed = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            print(f"dabiwu-sandbox: warning: the model requires {line}, which is not in the scoring runtime.",
                  file=sys.stderr)
            continue
        except Exception:  # noqa: BLE001 - an unparsable line is the model's business
            continue
        if req.specifier and not req.specifier.contains(installed, prereleases=True):
            print(f"dabiwu-sandbox: warning: the model requires {line}; the scoring runtime has {req.name}=={installed}.",
                  file=sys.stderr)
    try:
        import yaml

        with open(os.path.join(model_dir, "MLmodel"), encoding="utf-8") as handle:
            flavors = (yaml.safe_load(handle.read(256 * 1024)) or {}).get("flavors", {})
        saved = str(flavors.get("python_function", {}).get("python_version", ""))
        ours = platform.python_version()
        if saved and saved.split(".")[:2] != ours.split(".")[:2]:
            print(f"dabiwu-sandbox: warning: the model was saved with Python {saved}; the scoring runtime runs {ours}.",
                  file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass


def _receive_job(control_fd: int) -> dict:
    """Block until the supervisor sends the job: a JSON line and the features file descriptor."""
    import array
    import json
    import socket

    sock = socket.socket(fileno=control_fd)
    try:
        fds = array.array("i")
        message, ancillary, _, _ = sock.recvmsg(65536, socket.CMSG_SPACE(fds.itemsize))
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        if len(fds) != 1:
            raise ValueError(f"expected one features descriptor, got {len(fds)}")
        os.dup2(fds[0], 0)
        os.close(fds[0])
        job = json.loads(message)
        if not isinstance(job, dict):
            raise ValueError("job is not an object")
        return job
    finally:
        sock.close()


def main(argv: list[str]) -> None:
    """argv: STATUS_FD PREDICTIONS_FD CONTROL_FD [MODULE_TO_PRELOAD ...].

    Imports first (trusted; a pre-started sandbox does this while idle), then waits for the job on the
    control socket, then applies the job's limits and the seccomp filter, and only then runs model code.
    """
    started = time.perf_counter()
    try:
        status_fd_i, predictions_fd_i, control_fd_i = (int(x) for x in argv[:3])
        preload = argv[3:]
    except Exception:  # noqa: BLE001
        _fail(EXIT_SETUP, "the sandbox child was started with bad arguments; this is a platform problem.")
        return
    status = _Status(status_fd_i)
    status.phase("setup")
    modules = _import_platform(preload)
    imports_s = time.perf_counter() - started
    import resource

    # Sent before any model code runs, so the supervisor can trust it: the CPU the imports took.
    usage = resource.getrusage(resource.RUSAGE_SELF)
    status.send(f"ready {usage.ru_utime + usage.ru_stime:.3f}")

    try:
        job = _receive_job(control_fd_i)
    except Exception:  # noqa: BLE001
        _fail(EXIT_SETUP, "the sandbox child could not receive its job; this is a platform problem.")
        return
    _run_job(job, modules, status=status, status_fd=status_fd_i, predictions_fd=predictions_fd_i, imports_s=imports_s)


def _import_platform(preload: list[str]) -> tuple:
    """The trusted imports (mlflow, pandas, pyarrow and the preloads); exits 70 when they fail."""
    try:
        import numpy as np
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        pa.set_cpu_count(1)
        pa.set_io_thread_count(1)
        import mlflow.pyfunc
    except Exception:  # noqa: BLE001
        _fail(EXIT_SETUP, "the sandbox could not import mlflow/pandas/pyarrow; this is a platform problem.")
        raise
    import importlib

    for module in preload:  # what most models load anyway (sklearn, skops): best effort, trusted code
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001
            print(f"dabiwu-sandbox: could not preload {module}: {exc}", file=sys.stderr)
    return np, pd, pa, pq, mlflow


def _run_job(job: dict, modules: tuple, *, status: _Status, status_fd: int, predictions_fd: int,
             imports_s: float) -> None:
    """Limits, descriptors, seccomp, then the model: features, load, predict, Parquet out. Never returns."""
    import resource

    np, pd, pa, pq, mlflow = modules
    status_fd_i, predictions_fd_i = status_fd, predictions_fd
    try:
        model_dir = str(job["model_dir"])
        chunk = max(1, int(job["chunk_rows"]))
        cpu_used = resource.getrusage(resource.RUSAGE_SELF)
        _apply_limits(memory_mb=int(job["memory_mb"]),
                      # CPU spent importing while idle does not count against the model.
                      cpu_seconds=int(job["cpu_seconds"]) + int(cpu_used.ru_utime + cpu_used.ru_stime),
                      max_processes=int(job["max_processes"]), max_output_mb=int(job["max_output_mb"]))
        _close_other_fds({0, 1, 2, status_fd_i, predictions_fd_i})
        if not _install_seccomp():
            print("dabiwu-sandbox: no seccomp filter for this CPU architecture", file=sys.stderr)
    except Exception:  # noqa: BLE001
        _fail(EXIT_SETUP, "the sandbox child could not receive its job; this is a platform problem.")
        return
    started = time.perf_counter()
    try:
        # Only the footer now; rows are read chunk by chunk while predicting, so a chunk, not the whole
        # feature table, is in memory (1M x 30 floats: 362 MB peak instead of 642 MB; no pre-buffering).
        features = pq.ParquetFile(os.fdopen(0, "rb", closefd=False), pre_buffer=False, buffer_size=1 << 20)
        total_rows = features.metadata.num_rows
    except MemoryError:
        _fail(EXIT_OOM, "reading the features exceeded the memory limit.")
        return
    except Exception:  # noqa: BLE001
        _fail(EXIT_INPUT, "the features could not be read; this is a platform problem.")
        return
    features_s = time.perf_counter() - started

    # From here on, the submitted model's code runs in this process.
    status.phase("load")
    t0 = time.perf_counter()
    try:
        _warn_mismatches(model_dir)
        model = mlflow.pyfunc.load_model(model_dir, suppress_warnings=True)
    except MemoryError:
        _fail(EXIT_OOM, "loading the model exceeded the memory limit.")
        return
    except OSError as exc:
        if exc.errno in (27, 28):  # EFBIG, ENOSPC
            _fail(EXIT_FILE_TOO_LARGE, "loading the model wrote more than the scratch space allows.")
        _fail(EXIT_LOAD, f"loading the model failed: {type(exc).__name__}: {exc}")
        return
    except BaseException as exc:  # noqa: BLE001 - SystemExit from the model is a load failure too
        _fail(EXIT_LOAD, f"loading the model failed: {type(exc).__name__}: {exc}")
        return
    load_s = time.perf_counter() - t0

    status.phase("predict")
    t0 = time.perf_counter()
    tables = []
    batches = features.iter_batches(batch_size=chunk) if total_rows else iter([features.schema_arrow.empty_table()])
    start = 0
    while True:
        try:
            batch = next(batches, None)
            if batch is None:
                break
            part = batch.to_pandas()
        except MemoryError:
            _fail(EXIT_OOM, f"reading the features from row {start} exceeded the memory limit.")
            return
        except Exception:  # noqa: BLE001
            _fail(EXIT_INPUT, f"the features could not be read from row {start}; this is a platform problem.")
            return
        del batch
        if isinstance(part.index, pd.RangeIndex) and part.index.start == 0:
            part.index = pd.RangeIndex(start, start + len(part))  # as if sliced from the whole table
        try:
            output = model.predict(part)
        except MemoryError:
            _fail(EXIT_OOM, f"predict exceeded the memory limit on rows {start}..{start + len(part)}.")
            return
        except OSError as exc:
            if exc.errno in (27, 28):
                _fail(EXIT_FILE_TOO_LARGE, "predict wrote more than the scratch space allows.")
            _fail(EXIT_PREDICT, f"predict failed on rows {start}..{start + len(part)}: {type(exc).__name__}: {exc}")
            return
        except BaseException as exc:  # noqa: BLE001
            _fail(EXIT_PREDICT, f"predict failed on rows {start}..{start + len(part)}: {type(exc).__name__}: {exc}")
            return
        try:
            tables.append(_to_table(output, pa, pd, np))
        except MemoryError:
            _fail(EXIT_OOM, "converting the predictions exceeded the memory limit.")
            return
        except Exception as exc:  # noqa: BLE001
            _fail(EXIT_BAD_OUTPUT, f"predict returned {type(output).__name__}, which cannot be stored as a "
                  f"table ({exc}); return a 1-D array, a Series, a DataFrame or a 2-column array.")
            return
        start += len(part)
        del output, part
    predict_s = time.perf_counter() - t0

    status.phase("write")
    try:
        table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
        with os.fdopen(predictions_fd_i, "wb") as out:
            pq.write_table(table, out)
    except MemoryError:
        _fail(EXIT_OOM, "writing the predictions exceeded the memory limit.")
        return
    except BrokenPipeError:
        _fail(EXIT_FILE_TOO_LARGE, "the predictions were larger than the output limit.", traceback=False)
        return
    except Exception as exc:  # noqa: BLE001
        _fail(EXIT_BAD_OUTPUT, f"the predictions could not be written as Parquet ({type(exc).__name__}: {exc}); "
              "return numbers or strings, one row per input row.")
        return
    status.send(
        "stats " + _json_line(rows=table.num_rows, imports_s=imports_s, features_s=features_s, load_s=load_s,
                              predict_s=predict_s, peak_mem_mb=_own_hwm_kb() / 1024)
    )
    status.phase("done")
    _exit(EXIT_OK)


def _own_hwm_kb() -> int:
    # VmHWM, not ru_maxrss: the latter starts at the exec'ing parent's peak when that was larger.
    try:
        with open("/proc/self/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _json_line(**values: float) -> str:
    import json

    return json.dumps(values)


if __name__ == "__main__":
    main(sys.argv[1:])
