"""run(): one model, one features file, one sandbox, predictions back as Parquet.

A sandbox serves exactly one job and then dies. It is started ("prepared") either when the job
arrives (the default) or ahead of time by prewarm() (warm.py), in which case it has already
imported mlflow, pandas and sklearn while idle and only the model's own load and predict remain.
Either way the job reaches the child the same way: the model's files are placed in the sandbox's
own empty model folder, then the features descriptor and the limits are sent on a control socket.

The trusted side never deserialises the model and reads back only: the predictions Parquet (with
pyarrow, metadata only here), the bounded stdout/stderr, the status lines (phase and untrusted
stats, validated in classify.py) and the kernel's exit status and rusage.
"""

from __future__ import annotations

import array
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dabiwu.sandbox.bwrap import CHILD_MOUNT, MODEL_MOUNT, SYSTEM_PATHS
from dabiwu.sandbox.classify import child_stats, classify, last_lines
from dabiwu.sandbox.detect import detect_sandbox
from dabiwu.sandbox.errors import SandboxError
from dabiwu.sandbox.interpreter import Interpreter, runtime_interpreter
from dabiwu.sandbox.launch import build_launch, fresh_uid, identity_files, running_as_root
from dabiwu.sandbox.limits import Limits, SandboxResult
from dabiwu.sandbox.supervise import Outcome, kill_and_reap, own_hwm_mb, read_status, spawn, supervise, sweep_uid

if TYPE_CHECKING:
    from dabiwu.settings import Settings

CHILD_SOURCE = Path(__file__).with_name("child.py")
PREDICTIONS_FILE = "predictions.parquet"


def state_folder(settings: Settings | None) -> Path | None:
    """The folder models must never see (DABIWU_HOME: database, objects, labels) of the Settings the
    caller was given, never the process's global ones: a worker started with another home must hide
    that one. None (no settings: tests, library use) hides nothing beyond what the sandbox never shows."""
    return settings.home_dir if settings is not None else None


def _preference(settings: Settings | None) -> str:
    return settings.sandbox if settings is not None else "auto"


def resolve_runtime(runtime, settings: Settings | None = None):  # noqa: ANN001, ANN201 - a name, a Runtime or None
    """The built runtime to run the model with (None: the install's default); `unavailable` if not built.
    `settings` are the caller's (where runtimes are built, which is the default); without them, the process's."""
    from dabiwu.runtimes import Runtime, RuntimeError_, built_runtime

    if isinstance(runtime, Runtime):
        if runtime.built:
            return runtime
        runtime = runtime.name
    if settings is None:
        from dabiwu.settings import get_settings

        settings = get_settings()
    try:
        return built_runtime(runtime, settings)
    except RuntimeError_ as exc:
        raise SandboxError(kind="unavailable", message=exc.detail) from exc


def _readable_by_anyone(root: Path) -> bool:
    """Every folder enterable and every file readable by 'other' (the sandbox's uid), symlinks ignored."""
    for dirpath, _dirnames, filenames in os.walk(root):
        mode = os.lstat(dirpath).st_mode
        if mode & (stat.S_IROTH | stat.S_IXOTH) != (stat.S_IROTH | stat.S_IXOTH):
            return False
        for name in filenames:
            st = os.lstat(os.path.join(dirpath, name))
            if stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IROTH:
                return False
    return True


def _fill(src: Path, dst: Path, uid: int | None) -> None:
    """Put src's files into the (existing, empty) folder dst for the sandbox uid to read.

    Hard links where possible (instant, and the files are shown read-only anyway), copies otherwise.
    Symlinks are recreated as links, never followed: a model archive's link to /etc/shadow must not
    be read by us. Files not readable by 'other' are copied and opened up (the sandbox uid is 'other').
    """
    for dirpath, dirnames, filenames in os.walk(src):
        rel = Path(dirpath).relative_to(src)
        target_dir = dst / rel
        for name in dirnames:
            source = Path(dirpath) / name
            if source.is_symlink():
                os.symlink(os.readlink(source), target_dir / name)
            else:
                (target_dir / name).mkdir(mode=0o755)
                os.chmod(target_dir / name, 0o755)
                if uid is not None:
                    os.chown(target_dir / name, uid, uid)
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
        for name in filenames:
            source, target = Path(dirpath) / name, target_dir / name
            st = os.lstat(source)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(source), target)
                continue
            if not stat.S_ISREG(st.st_mode):
                continue  # fifos, sockets, devices: nothing a model needs
            linked = False
            if uid is None and st.st_mode & stat.S_IROTH:
                try:
                    os.link(source, target, follow_symlinks=False)
                    linked = True
                except OSError:
                    pass
            if not linked:
                shutil.copyfile(source, target, follow_symlinks=False)
                os.chmod(target, 0o755 if st.st_mode & stat.S_IXUSR else 0o644)
                if uid is not None:
                    os.chown(target, uid, uid)


def _refuse_exposed_state(shown: list[Path], home: Path | None) -> None:
    if home is None:
        return
    for path in shown:
        if home == path or path in home.parents:
            raise SandboxError(
                kind="unavailable",
                message=f"The state folder {home} lies inside {path}, which the sandbox must show to the model; "
                "move DABIWU_HOME out of it (models must never see the database, objects or labels).",
            )


@dataclass
class PreparedSandbox:
    """A started sandbox waiting for its one job."""

    kind: str
    max_output_mb: int
    runtime_key: str  # the runtime's folder: a pre-started sandbox serves only jobs of its own runtime
    preload: tuple[str, ...]
    proc: subprocess.Popen
    job_dir: Path
    model_slot: Path | None  # empty folder shown as the model folder; None when the model was bound directly
    model_arg: str  # the model folder's path as the child sees it
    uid: int | None
    signal_in_exit_code: bool
    status_r: int
    predictions_r: int
    control: socket.socket
    prestarted: bool  # started before its job was known (warm.py)
    spawn_hwm_mb: float  # our own peak RSS when we started it: wait4's ru_maxrss cannot be below this
    started_at: float = field(default_factory=time.monotonic)

    status_read: bytes = b""  # status lines read before dispatch (by is_ready)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def is_ready(self) -> bool:
        """Has the child finished importing? Reads (and keeps) what it has said so far."""
        self.status_read = read_status(self.status_r, self.status_read)
        return b"\nready " in self.status_read

    def discard(self) -> None:
        kill_and_reap(self.proc)
        self.close()

    def close(self) -> None:
        if self.uid is not None:
            sweep_uid(self.uid)
        for fd in (self.status_r, self.predictions_r):
            try:
                os.close(fd)
            except OSError:
                pass
        self.control.close()
        shutil.rmtree(self.job_dir, ignore_errors=True)


def prepare(*, kind: str, max_output_mb: int, model_dir: Path | None, runtime=None,  # noqa: ANN001
            preload: tuple[str, ...] = (), state: Path | None = None) -> PreparedSandbox:
    """Start a sandbox of `kind` running `runtime`'s interpreter (a Runtime, a name, or None for the
    default). With `model_dir` the model folder is shown directly (a job that is about to be sent);
    without it the sandbox gets an empty model folder, filled at dispatch. `state` is the folder the
    model must never see (state_folder(settings))."""
    built = resolve_runtime(runtime)
    interpreter: Interpreter = runtime_interpreter(built)
    uid = fresh_uid() if running_as_root() and kind != "none" else None
    job = Path(tempfile.mkdtemp(prefix="dabiwu-sandbox-"))
    opened: list[int] = []
    control_parent: socket.socket | None = None
    try:
        slot: Path | None = None
        model_src = model_dir
        child_src = CHILD_SOURCE
        home = job / "home"
        if kind == "unshare":  # the model sees host paths: everything lives in a folder only its uid can enter
            os.chmod(job, 0o700)
            if uid is not None:
                os.chown(job, uid, uid)
            child_src = job / "child.py"
            shutil.copyfile(CHILD_SOURCE, child_src)
            if uid is not None:
                os.chown(child_src, uid, uid)
            model_src = None  # always filled at dispatch, as a private copy
        elif kind == "bwrap" and model_dir is not None and uid is not None and not _readable_by_anyone(model_dir):
            model_src = None
        if model_src is None:
            slot = job / "model"
            slot.mkdir(mode=0o755)
            os.chmod(slot, 0o755)
            if uid is not None:
                os.chown(slot, uid, uid)
            model_src = slot
        if kind != "bwrap":
            home.mkdir(mode=0o700)
            if uid is not None:
                os.chown(home, uid, uid)
        if kind == "bwrap":
            _refuse_exposed_state([*interpreter.roots, model_src, child_src,
                                   *(Path(p).resolve() for p in SYSTEM_PATHS if os.path.isdir(p))], state)
            child_arg, model_arg = CHILD_MOUNT, MODEL_MOUNT
        else:
            child_arg, model_arg = str(child_src), str(model_src)

        status_r, status_w = os.pipe2(os.O_CLOEXEC)
        opened += [status_r, status_w]
        predictions_r, predictions_w = os.pipe2(os.O_CLOEXEC)
        opened += [predictions_r, predictions_w]
        control_parent, control_child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        opened.append(control_child.detach())
        control_fd = opened[-1]
        inner = [str(interpreter.executable), "-I", "-B", child_arg, str(status_w), str(predictions_w),
                 str(control_fd), *preload]
        with identity_files(uid if uid is not None else os.getuid()) as ids:
            launch = build_launch(
                kind=kind, interpreter=interpreter, uid=uid, inner=inner, home=str(home),
                scratch_bytes=max_output_mb * 1024 * 1024, model_dir=model_src, child_path=child_src,
                hide=[state] if state is not None else [], identity_fds=ids,
            )
            spawn_hwm_mb = own_hwm_mb()
            proc = spawn(argv=launch.argv, env=launch.env, cwd=job if kind == "bwrap" else home,
                         pass_fds=(*launch.pass_fds, status_w, predictions_w, control_fd))
    except BaseException:
        for fd in opened:
            os.close(fd)
        if control_parent is not None:
            control_parent.close()
        shutil.rmtree(job, ignore_errors=True)
        raise
    for fd in (status_w, predictions_w, control_fd):  # the child holds these now
        os.close(fd)
    return PreparedSandbox(
        kind=kind, max_output_mb=max_output_mb, runtime_key=str(built.path), preload=tuple(preload), proc=proc, job_dir=job, model_slot=slot,
        model_arg=model_arg, uid=uid, signal_in_exit_code=launch.signal_in_exit_code, status_r=status_r,
        predictions_r=predictions_r, control=control_parent, prestarted=model_dir is None, spawn_hwm_mb=spawn_hwm_mb,
    )


def dispatch(sandbox: PreparedSandbox, *, model_dir: Path, features_fd: int, out_dir: Path, limits: Limits) -> SandboxResult:
    """Give the prepared sandbox its job, supervise it to the end, and clean it up."""
    predictions_path = out_dir / PREDICTIONS_FILE
    try:
        if sandbox.model_slot is not None:
            _fill(model_dir, sandbox.model_slot, sandbox.uid if sandbox.kind == "unshare" else None)
        job = {"model_dir": sandbox.model_arg, "memory_mb": limits.memory_mb, "cpu_seconds": limits.cpu_seconds,
               "max_processes": limits.max_processes, "max_output_mb": limits.max_output_mb,
               "chunk_rows": limits.chunk_rows}
        try:
            sandbox.control.sendmsg([json.dumps(job).encode()],
                                    [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [features_fd]))])
        except OSError:
            pass  # the child is gone already; supervise() collects how it ended
        outcome = supervise(
            sandbox.proc, status_r=sandbox.status_r, predictions_r=sandbox.predictions_r,
            predictions_path=predictions_path, max_output_bytes=limits.max_output_mb * 1024 * 1024,
            wall_seconds=limits.wall_seconds, signal_in_exit_code=sandbox.signal_in_exit_code,
            job_uid=sandbox.uid, job_memory_mb=limits.memory_mb, status_already_read=sandbox.status_read,
        )
    finally:
        if sandbox.proc.returncode is None:
            kill_and_reap(sandbox.proc)
        sandbox.close()
    outcome.peak_rss_mb = _peak_mb(outcome, limits=limits, spawn_hwm_mb=sandbox.spawn_hwm_mb)
    return _conclude(outcome, kind=sandbox.kind, out_dir=out_dir, predictions_path=predictions_path, limits=limits,
                     prestarted=sandbox.prestarted, uid=sandbox.uid)


def _peak_mb(outcome: Outcome, *, limits: Limits, spawn_hwm_mb: float) -> float:
    """Peak RSS of the model process.

    wait4's ru_maxrss is the kernel's and exact, except that a process exec'd from ours starts with our
    own high-water mark: when it is not above that, it only bounds the peak from above. The sampled
    VmHWM of the sandbox's processes bounds it from below (sampled every half second, it can miss a
    last spike). In between, the child's own report (untrusted) is clipped to those two bounds.
    """
    upper, lower = outcome.peak_rss_mb, min(outcome.sampled_hwm_mb, outcome.peak_rss_mb)
    if upper > spawn_hwm_mb + 1.0:
        return upper
    reported = child_stats(outcome, limits).get("peak_mem_mb", lower)
    return min(max(reported, lower), upper)


def _conclude(outcome: Outcome, *, kind: str, out_dir: Path, predictions_path: Path, limits: Limits,
              prestarted: bool, uid: int | None, mode: str | None = None) -> SandboxResult:
    (out_dir / "stdout.log").write_text(outcome.stdout.text(), encoding="utf-8")
    stderr_text = outcome.stderr.text()
    (out_dir / "stderr.log").write_text(stderr_text, encoding="utf-8")
    mode = mode or ("prestarted" if prestarted else "fresh")
    stats = {
        "kind": kind, "runtime_s": round(outcome.runtime_s, 4), "peak_mem_mb": round(outcome.peak_rss_mb, 1),
        "cpu_s": round(outcome.cpu_s, 3), "output_bytes": outcome.output_bytes, "prestarted": prestarted,
        "mode": mode,
        "peak_job_pss_mb": round(outcome.peak_job_pss_mb, 1),  # all its processes together, sampled
        "uid": uid,  # the job's own host uid (root supervisors): `ps -u UID` must be empty after the job
        "child_reported": child_stats(outcome, limits),
    }
    (out_dir / "stats.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")

    failure = classify(outcome, limits)
    if failure is None:
        failure = _check_parquet(predictions_path, last_lines(stderr_text))
    if failure is not None:
        predictions_path.unlink(missing_ok=True)
        raise failure
    return SandboxResult(predictions_path=predictions_path, kind=kind, runtime_s=outcome.runtime_s,
                         peak_mem_mb=outcome.peak_rss_mb, log_tail=last_lines(stderr_text), prestarted=prestarted,
                         mode=mode)


def _check_parquet(path: Path, tail: str) -> SandboxError | None:
    import pyarrow.parquet as pq

    try:
        pq.ParquetFile(path).metadata  # noqa: B018 - parsing the footer is the check
    except Exception as exc:  # noqa: BLE001
        return SandboxError(kind="predict_crash", message=f"The model's output was not a readable Parquet file ({exc}); "
                            "do not write to the platform's file descriptors from model code.", log_tail=tail)
    return None


def resolve_kind(kind: str | None, settings: Settings | None = None) -> str:
    state = state_folder(settings)
    return detect_sandbox(_preference(settings) if kind is None else kind,
                          hide=(str(state),) if state is not None else ())


def run(*, model_dir: Path, features_path: Path, out_dir: Path, limits: Limits, kind: str | None = None,
        settings: Settings | None = None, runtime=None) -> SandboxResult:  # noqa: ANN001
    """Score `features_path` (Parquet, features only: never pass labels) with the MLflow model in
    `model_dir`, inside a sandbox running the scoring runtime `runtime` (a Runtime, its name, or None for
    the install's default). Writes predictions.parquet, stdout.log, stderr.log and stats.json to
    `out_dir`. Raises SandboxError on any failure. Uses a pre-started sandbox if prewarm() made one
    for this kind, output limit, state folder and runtime. `settings` are the caller's own (the worker's): its
    state folder is hidden from the model and its DABIWU_SANDBOX is the default kind."""
    from dabiwu.sandbox import warm

    kind = resolve_kind(kind, settings)
    state = state_folder(settings)
    built = resolve_runtime(runtime, settings)
    model_dir = Path(model_dir).resolve()
    out_dir = Path(out_dir)
    if not (model_dir / "MLmodel").is_file():
        raise SandboxError(kind="load_crash", message=f"{model_dir.name} is not an MLflow model folder (no MLmodel "
                           "file at its top); upload the folder that `mlflow.pyfunc.save_model` wrote.",
                           message_zh=f"{model_dir.name} 不是 MLflow 模型文件夹（顶层没有 MLmodel 文件）；请上传 "
                           "`mlflow.pyfunc.save_model` 写出的文件夹。")
    try:
        features_fd = os.open(features_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise SandboxError(kind="unavailable", message=f"The features file {features_path} cannot be opened "
                           f"({exc.strerror}); this is a platform problem: re-fetch the dataset and rescore.") from exc
    try:
        if not stat.S_ISREG(os.fstat(features_fd).st_mode):
            # A directory descriptor would let the model openat("..") its way out of the sandbox.
            raise SandboxError(kind="unavailable", message=f"The features path {features_path} is not a regular "
                               "file; this is a platform problem: pass the Parquet file itself.")
        out_dir.mkdir(parents=True, exist_ok=True)
        zygote = warm.zygote_for(kind=kind, max_output_mb=limits.max_output_mb, runtime=built, state=state)
        if zygote is not None:
            from dabiwu.sandbox.zygote import ZygoteGone

            try:
                return zygote.dispatch(model_dir=model_dir, features_fd=features_fd, out_dir=out_dir, limits=limits)
            except ZygoteGone:
                warm.zygote_gone(zygote)  # replaced for the next job; this one takes a sandbox of its own
        sandbox = warm.take(kind=kind, max_output_mb=limits.max_output_mb, runtime=built, state=state)
        if sandbox is None:
            sandbox = prepare(kind=kind, max_output_mb=limits.max_output_mb, model_dir=model_dir, runtime=built,
                              state=state)
        try:
            return dispatch(sandbox, model_dir=model_dir, features_fd=features_fd, out_dir=out_dir, limits=limits)
        finally:
            warm.replenish(kind=kind, max_output_mb=limits.max_output_mb, runtime=built, state=state)
    finally:
        os.close(features_fd)
