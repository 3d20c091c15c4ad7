"""Hostile MLflow models for the sandbox tests, saved with stock mlflow.

Each is a PythonModel whose behaviour is chosen by constructor arguments. This file is shipped with
every model through `code_paths`, so the sandbox imports it from the model folder, as it would a
team's own helper module.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import mlflow
import mlflow.pyfunc
import pandas as pd

THIS_FILE = Path(__file__).resolve()


def _attempt(fn) -> str:  # noqa: ANN001
    try:
        return f"OK:{fn()}"
    except BaseException as exc:  # noqa: BLE001 - we report everything, including SystemExit
        return f"DENIED:{type(exc).__name__}:{exc}"


class Hostile(mlflow.pyfunc.PythonModel):
    def __init__(self, action: str, **params) -> None:  # noqa: ANN003
        self.action = action
        self.params = params

    def load_context(self, context) -> None:  # noqa: ANN001
        if self.action == "exit_at_load":
            os._exit(3)

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None):  # noqa: ANN001, ANN201
        import numpy as np

        n = len(model_input)
        action = self.action
        if action == "probe":
            return pd.DataFrame({k: [v] * n for k, v in probe(**self.params).items()})
        if action == "raise":
            raise ValueError(self.params["message"])
        if action == "loop":
            while True:
                pass
        if action == "alloc":
            np.ones(self.params["bytes"] // 8)
        if action == "fork_bomb":
            while True:
                os.fork()
        if action == "fork_hogs":  # several processes, each under the per-process limit, too many together
            import time

            for _ in range(self.params["processes"]):
                if os.fork() == 0:
                    hog = bytearray(self.params["mb_each"] * 1024 * 1024)  # zero-filled: really resident
                    time.sleep(60)
                    os._exit(0 if hog else 1)
            time.sleep(60)
        if action == "spam_stdout":
            chunk = b"x" * (1 << 20)
            for _ in range(self.params["mb"]):
                os.write(1, chunk)
        if action == "big_output":
            return pd.Series([os.urandom(self.params["bytes_per_row"] // 2).hex() for _ in range(n)])
        if action == "list_model":  # what this job can see of model folders
            model_root = THIS_FILE.parent.parent
            seen = sorted(str(p.relative_to(model_root)) for p in model_root.rglob("*"))
            return pd.Series([" ".join(seen)] * n)
        if action == "output":
            return odd_output(self.params["kind"], model_input)
        if action == "leak_features":  # put test rows into the error and the log, on every set or only a large one
            if len(model_input) > self.params.get("fail_above_rows", -1):
                rows = model_input[self.params["column"]].astype(str).head(20).tolist()
                print("FEATURES " + " ".join(rows), file=sys.stderr)
                raise ValueError("FEATURES " + " ".join(rows))
            return np.linspace(0, 1, n)
        if action == "kernel_surface":
            return pd.DataFrame({k: [v] * n for k, v in kernel_surface().items()})
        if action == "bad_output":
            return {"not": "a table", "obj": object()}
        if action == "poison":  # a job of a fork-server tries to reach its zygote and every later job
            return pd.DataFrame({k: [v] * n for k, v in poison(**self.params).items()})
        if action == "inspect":  # what a later job finds of an earlier one
            return pd.DataFrame({k: [v] * n for k, v in inspect(**self.params).items()})
        return np.arange(n, dtype="float64")


def probe(*, secret_paths: list[str], host_write_dir: str, ports: list[int], daemon_marker: str) -> dict[str, str]:
    """Everything a hostile model would try, each answered OK:... or DENIED:..."""
    import ctypes
    import socket

    out: dict[str, str] = {}
    for i, path in enumerate(secret_paths):
        out[f"read_{i}"] = _attempt(lambda p=path: Path(p).read_bytes()[:200].decode("latin-1"))
        out[f"list_{i}"] = _attempt(lambda p=path: sorted(os.listdir(os.path.dirname(p))))
    for port in ports:
        def connect(port: int = port) -> str:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return "connected"
        out[f"connect_{port}"] = _attempt(connect)
    out["dns"] = _attempt(lambda: socket.getaddrinfo("example.com", 443))
    out["proc1_environ"] = _attempt(lambda: Path("/proc/1/environ").read_bytes().decode("latin-1"))
    out["self_environ"] = _attempt(lambda: repr(dict(os.environ)))
    out["uid"] = str(os.getuid())
    out["status"] = Path("/proc/self/status").read_text()
    # Every thread, including those the imports started before the filter went on.
    out["thread_seccomp"] = repr(sorted({
        line.split()[1]
        for task in Path("/proc/self/task").iterdir()
        for line in (task / "status").read_text().splitlines() if line.startswith("Seccomp:")
    }))
    out["fds"] = repr(sorted(os.listdir("/proc/self/fd")))
    out["root_listing"] = repr(sorted(os.listdir("/")))

    def write(path: str) -> str:
        Path(path).write_text("pwned")
        return path

    out["write_model_dir"] = _attempt(lambda: write(str(THIS_FILE.parent / "pwned.txt")))
    out["write_usr"] = _attempt(lambda: write("/usr/pwned.txt"))
    out["write_host_dir"] = _attempt(lambda: write(os.path.join(host_write_dir, "pwned.txt")))
    out["write_tmp"] = _attempt(lambda: write(f"/tmp/{daemon_marker}.txt"))
    out["write_dev_shm"] = _attempt(lambda: write(f"/dev/shm/{daemon_marker}.txt"))

    libc = ctypes.CDLL(None, use_errno=True)

    def syscall_result(rc: int) -> str:
        if rc == 0:
            return "succeeded"
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))

    ptrace_traceme, clone_newuser, clone_newns = 0, 0x10000000, 0x00020000
    out["ptrace"] = _attempt(lambda: syscall_result(libc.ptrace(ptrace_traceme, 0, None, None)))
    out["unshare_user"] = _attempt(lambda: syscall_result(libc.unshare(clone_newuser)))
    out["unshare_mount"] = _attempt(lambda: syscall_result(libc.unshare(clone_newns)))
    out["mount"] = _attempt(lambda: syscall_result(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))

    # A daemon: double fork, new session, exec a long sleep carrying the marker in its argv.
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", daemon_marker])
        os._exit(0)
    os.waitpid(pid, 0)
    out["daemon"] = "started"
    return out


def poison(*, zygote_pid: int, marker: str) -> dict[str, str]:
    """Everything a job could try against the zygote it was forked from and the jobs after it."""
    import ctypes
    import signal
    import sklearn
    import sklearn.linear_model

    out: dict[str, str] = {}
    site = Path(sklearn.__file__).parent
    out["write_site_packages"] = _attempt(lambda: (site / "poisoned.py").write_text("x = 1") and "written")
    out["write_sklearn_init"] = _attempt(lambda: open(sklearn.__file__, "a").write("\nPOISONED = 1\n"))
    # In memory: a monkeypatched estimator, a module attribute, a fake module, a cache entry.
    sklearn.linear_model.LogisticRegression.predict_proba = lambda self, X: [[0.0, 1.0]] * len(X)
    sklearn.POISONED = marker
    sys.modules["dabiwu_poison"] = type(sys)("dabiwu_poison")
    os.environ["DABIWU_POISON"] = marker
    import functools
    import linecache

    linecache.cache["/poisoned.py"] = (1, None, [marker], "/poisoned.py")
    functools.lru_cache  # noqa: B018 - present in every job
    out["files"] = _attempt(lambda: [Path(p).write_text(marker) and p for p in
                                     ("/tmp/poison.txt", "/dev/shm/poison.txt", "/sandbox/poison.txt")])
    out["cache_dir"] = _attempt(lambda: (Path.home() / ".cache").mkdir(exist_ok=True) or
                                (Path.home() / ".cache" / "poison").write_text(marker))
    out["zygote_mem"] = _attempt(lambda: open(f"/proc/{zygote_pid}/mem", "r+b").write(b"x"))
    out["zygote_environ"] = _attempt(lambda: Path(f"/proc/{zygote_pid}/environ").read_bytes()[:50])
    out["kill_zygote"] = _attempt(lambda: os.kill(zygote_pid, signal.SIGKILL) or "signalled")
    out["parent"] = str(os.getppid())  # 0: the parent (the keeper) is outside its pid namespace
    libc = ctypes.CDLL(None, use_errno=True)

    def ptrace_attach(pid: int) -> str:
        if libc.ptrace(16, pid, None, None) != 0:  # PTRACE_ATTACH
            raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
        return "attached"

    out["ptrace_parent"] = _attempt(lambda: ptrace_attach(os.getppid() or 1))
    out["ptrace_zygote"] = _attempt(lambda: ptrace_attach(zygote_pid))
    out["pids_seen"] = repr(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
    out["kill_all"] = _attempt(lambda: os.kill(-1, signal.SIGKILL) or "signalled")  # everything it can reach
    # A process that tries to outlive the job: new session, double fork, long sleep carrying the marker.
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", marker])
        os._exit(0)
    os.waitpid(pid, 0)
    return out


def inspect(*, marker: str) -> dict[str, str]:
    """What a later job sees: each value names the trace it found, or "clean"."""
    import sklearn
    import sklearn.linear_model
    from sklearn.linear_model import LogisticRegression

    out: dict[str, str] = {}
    out["sklearn_attr"] = str(getattr(sklearn, "POISONED", "clean"))
    out["fake_module"] = "present" if "dabiwu_poison" in sys.modules else "clean"
    out["environ"] = os.environ.get("DABIWU_POISON", "clean")
    import linecache

    out["linecache"] = "present" if "/poisoned.py" in linecache.cache else "clean"
    fitted = LogisticRegression().fit([[0.0], [1.0], [0.0], [1.0]], [0, 1, 0, 1])
    out["predict_proba"] = repr([round(float(v), 3) for v in fitted.predict_proba([[1.0]])[0]])
    out["site_packages"] = repr(sorted(p.name for p in Path(sklearn.__file__).parent.glob("poison*")))
    out["sklearn_init"] = "present" if "POISONED" in Path(sklearn.__file__).read_text() else "clean"
    out["files"] = repr([p for p in ("/tmp/poison.txt", "/dev/shm/poison.txt", "/sandbox/poison.txt",
                                     str(Path.home() / ".cache" / "poison")) if Path(p).exists()])
    out["tmp_listing"] = repr(sorted(os.listdir("/tmp")))
    out["marker_processes"] = repr([p for p in os.listdir("/proc") if p.isdigit()
                                    and marker.encode() in Path(f"/proc/{p}/cmdline").read_bytes()])
    out["uid"] = str(os.getuid())
    return out


def odd_output(kind: str, model_input: pd.DataFrame):  # noqa: ANN201
    """Predictions of every kind that once made the trusted side raise, or that it must refuse."""
    import numpy as np

    n = len(model_input)
    if kind == "int64_overflow":  # beyond 2**53: a checked cast to float64 raised in the worker
        return np.full(n, 2**62, dtype=np.int64) - np.arange(n, dtype=np.int64) * 1000
    if kind == "uint64_overflow":
        return np.full(n, 2**64 - 1, dtype=np.uint64) - np.arange(n, dtype=np.uint64) * 1000
    if kind == "nan":
        scores = np.linspace(0, 1, n)
        scores[0] = np.nan
        return scores
    if kind == "inf":
        scores = np.linspace(0, 1, n)
        scores[-1] = np.inf
        return scores
    if kind == "object":  # mixed Python objects: not storable as a column
        return pd.Series([0.5, "a", object()] * (n // 3) + [0.5] * (n % 3), dtype=object)
    if kind == "wrong_length":
        return np.zeros(n + 1)
    if kind == "strings":
        return pd.Series([f"s{i}" for i in range(n)])
    if kind == "nested":
        return pd.Series([[0.1, 0.2]] * n)
    if kind == "corrupt_parquet":  # a valid footer over a body that does not decode, then a clean exit
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        pq.write_table(pa.table({"score": np.linspace(0, 1, n)}), buffer, compression="none")
        data = bytearray(buffer.getvalue())
        data[4:60] = b"\xff" * 56  # the first page header, right after the magic
        fd = int(sys.argv[2])  # the predictions pipe, as child.py was started
        os.write(fd, bytes(data))
        os.close(fd)
        os._exit(0)
    if kind == "nul_log":  # NUL in the log and the error text: PostgreSQL refuses it in a text column
        print("before \x00 after", file=sys.stderr)
        raise ValueError("a NUL \x00 in the message")
    raise ValueError(f"unknown kind {kind}")


def kernel_surface() -> dict[str, str]:
    """Every socket family, and inotify/fanotify, each answered OK:... or DENIED:..."""
    import ctypes
    import socket

    out: dict[str, str] = {}
    families = {"AF_UNIX": 1, "AF_INET": 2, "AF_INET6": 10, "AF_NETLINK": 16, "AF_PACKET": 17, "AF_VSOCK": 40,
                "AF_BLUETOOTH": 31, "AF_ALG": 38, "AF_KEY": 15, "AF_X25": 9, "AF_CAN": 29, "AF_TIPC": 30,
                "AF_XDP": 44, "AF_RDS": 21, "AF_QIPCRTR": 42, "AF_NFC": 39, "AF_APPLETALK": 5}
    libc = ctypes.CDLL(None, use_errno=True)

    def fd_or_raise(fd: int) -> str:
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        os.close(fd)
        return "opened"

    def raw_socket(family: int, kind: int) -> str:
        fd = libc.socket(family, kind, 0)
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        os.close(fd)
        return "opened"

    def raw_pair(family: int) -> str:
        fds = (ctypes.c_int * 2)()
        if libc.socketpair(family, socket.SOCK_STREAM, 0, fds) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        os.close(fds[0]), os.close(fds[1])
        return "opened"

    def high_bits_socket(family: int) -> str:
        import platform

        nr = {"x86_64": 41, "aarch64": 198}[platform.machine()]
        fd = libc.syscall(ctypes.c_long(nr), ctypes.c_long((1 << 32) | family), ctypes.c_long(socket.SOCK_DGRAM),
                          ctypes.c_long(0))
        return fd_or_raise(fd)

    for name, family in families.items():
        for kind_name, kind in (("stream", socket.SOCK_STREAM), ("dgram", socket.SOCK_DGRAM),
                                ("raw", socket.SOCK_RAW), ("seqpacket", socket.SOCK_SEQPACKET)):
            out[f"socket_{name}_{kind_name}"] = _attempt(lambda f=family, k=kind: raw_socket(f, k))
        # the upper 32 bits of the family argument are ignored by the kernel: they must not fool the filter
        out[f"socket_{name}_high_bits"] = _attempt(lambda f=family: high_bits_socket(f))
        out[f"socketpair_{name}"] = _attempt(lambda f=family: raw_pair(f))

    out["inotify_init1"] = _attempt(lambda: fd_or_raise(libc.inotify_init1(0)))
    if hasattr(libc, "inotify_init"):
        out["inotify_init"] = _attempt(lambda: fd_or_raise(libc.inotify_init()))
    fan_class_notif = 0
    out["fanotify_init"] = _attempt(lambda: fd_or_raise(libc.fanotify_init(fan_class_notif, os.O_RDONLY)))
    return out


def save(path: Path, action: str, **params) -> Path:  # noqa: ANN003
    """Save a Hostile model with stock mlflow; this module travels with it via code_paths."""
    # Explicit requirements: inferring them would start a subprocess that imports the model.
    mlflow.pyfunc.save_model(str(path), python_model=Hostile(action, **params), code_paths=[str(THIS_FILE)],
                             pip_requirements=[f"mlflow=={mlflow.__version__}"])
    return path
