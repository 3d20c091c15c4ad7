"""Turn what the supervisor saw into success or a SandboxError with a sentence for the team.

Evidence is weighed by trust: the wall clock, the output size, the exit status and the kernel's
rusage are the supervisor's own; the status pipe and the stderr text come from a process the model
controls, so they only ever decide between the model's own failure kinds, never success and never
"unavailable" once the model's code has started.
"""

from __future__ import annotations

import json
import math
import signal

from dabiwu.sandbox import child as protocol
from dabiwu.sandbox.errors import SandboxError
from dabiwu.sandbox.limits import Limits
from dabiwu.sandbox.supervise import Outcome

_TAIL_LINES = 50
_MEMORY_WORDS = ("MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory", "OutOfMemory")
_CRASH_SIGNALS = {signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT}


def last_lines(text: str, n: int = _TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-n:])


def reached_phase(out: Outcome) -> str | None:
    """The furthest phase announced; later phases cannot be taken back by the model."""
    best = -1
    for line in out.status_lines:
        if line.startswith("phase "):
            name = line[6:].strip()
            if name in protocol.PHASES:
                best = max(best, protocol.PHASES.index(name))
    return protocol.PHASES[best] if best >= 0 else None


def startup_cpu_s(out: Outcome) -> float:
    """CPU the child spent importing, reported on its "ready" line: before any model code, so trusted."""
    for line in out.status_lines:
        if line.startswith("ready "):
            try:
                value = float(line[6:])
            except ValueError:
                return 0.0
            return value if math.isfinite(value) and value >= 0 else 0.0
    return 0.0


def child_stats(out: Outcome, limits: Limits) -> dict[str, float]:
    """The child's own numbers, untrusted: only known keys, finite, clipped to what is possible."""
    bounds = {
        "rows": (0, 1e12), "imports_s": (0, 3600), "features_s": (0, limits.wall_seconds),
        "load_s": (0, limits.wall_seconds),
        "predict_s": (0, limits.wall_seconds), "peak_mem_mb": (0, limits.memory_mb),
    }
    for line in reversed(out.status_lines):
        if not line.startswith("stats "):
            continue
        try:
            raw = json.loads(line[6:])
        except ValueError:
            return {}
        if not isinstance(raw, dict):
            return {}
        clean: dict[str, float] = {}
        for key, (low, high) in bounds.items():
            value = raw.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                clean[key] = min(max(float(value), low), high)
        return clean
    return {}


def _child_said(stderr_tail: str) -> str:
    """child.py's one-line verdict, if it got to write one (the model could forge it, to its own cost)."""
    for line in reversed(stderr_tail.splitlines()):
        if line.startswith("dabiwu-sandbox: ") and not line.startswith("dabiwu-sandbox: warning:"):
            return line[len("dabiwu-sandbox: "):].strip()[:400]
    return ""


def _last_line(stderr_tail: str) -> str:
    for line in reversed(stderr_tail.splitlines()):
        if line.strip():
            return line.strip()[:400]
    return ""


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def classify(out: Outcome, limits: Limits) -> SandboxError | None:
    """None when the run produced predictions; otherwise the error to raise."""
    stderr = out.stderr.text()
    tail = last_lines(stderr)
    phase = reached_phase(out)
    said = _child_said(tail)
    doing = {"setup": "starting", "load": "loading", "predict": "predicting", "write": "writing predictions",
             "done": "finishing"}.get(phase or "", "starting")

    def error(kind: str, message: str) -> SandboxError:
        return SandboxError(kind=kind, message=message, log_tail=tail)  # type: ignore[arg-type]

    if out.output_too_large or out.exit_code == protocol.EXIT_FILE_TOO_LARGE:
        return error("output_too_large",
                     f"The model wrote more than the {limits.max_output_mb} MB output limit while {doing} "
                     "(predictions, or a file in its scratch space); return one score per row and do not "
                     "write large files at load or predict time.")
    if out.timed_out and not out.ready:
        return error("unavailable",
                     "The sandbox did not finish starting (importing mlflow, pandas and sklearn) within its "
                     "start-up allowance; the machine is probably overloaded. This is a platform problem: rescore later.")
    if out.timed_out:
        return error("timeout",
                     f"The model was stopped after the {limits.wall_seconds} s wall-clock limit while {doing}; "
                     f"make loading and predict faster (predict is called on chunks of {limits.chunk_rows} rows) "
                     "and make sure it does not wait on anything (there is no network).")
    sig = out.signal
    model_cpu_s = out.cpu_s - startup_cpu_s(out)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and model_cpu_s >= limits.cpu_seconds):
        return error("timeout",
                     f"The model used more than its {limits.cpu_seconds} s of CPU time while {doing} and was "
                     "stopped; make predict cheaper.")
    if out.job_memory_exceeded:
        return error("oom",
                     f"The model's processes together needed more than its {limits.memory_mb} MB memory limit "
                     f"while {doing}; the limit covers the whole job, child processes included: use fewer "
                     "processes (n_jobs=1) or less memory per process.")
    memory_evidence = out.peak_rss_mb >= 0.8 * limits.memory_mb or any(w in tail for w in _MEMORY_WORDS)
    if out.exit_code == protocol.EXIT_OOM or (sig in _CRASH_SIGNALS and memory_evidence and phase not in (None, "setup")):
        return error("oom",
                     f"The model needed more than its {limits.memory_mb} MB memory limit while {doing}; reduce "
                     "what it allocates (smaller model, float32, no copies of the whole input), or ask the "
                     "organisers for more memory.")
    if phase in (None, "setup"):
        # No model code has run yet: whatever failed is the platform's.
        detail = said or _last_line(tail) or (f"exit code {out.exit_code}" if sig is None else _signal_name(sig))
        return error("unavailable",
                     f"The sandbox could not start the model process ({detail}); this is a platform problem, "
                     "not the team's: check the sandbox installation (the log tail has details) and rescore.")
    if out.exit_code == protocol.EXIT_OK and out.output_bytes > 0:
        return None
    if sig is not None:
        how = f"was killed by {_signal_name(sig)}"
    elif out.exit_code == protocol.EXIT_OK:
        how = "ended the process before writing predictions"
    else:
        how = f"ended with exit code {out.exit_code}"
    predict_codes = (protocol.EXIT_PREDICT, protocol.EXIT_BAD_OUTPUT)
    if out.exit_code == protocol.EXIT_LOAD or (phase == "load" and out.exit_code not in predict_codes):
        return error("load_crash",
                     f"The model could not be loaded: {said or how}. Check that it loads with "
                     "`mlflow.pyfunc.load_model` in a clean environment with the platform's library versions "
                     "and without network access; the log tail has the traceback.")
    return error("predict_crash",
                 f"The model's predict failed: {said or how}. Run predict on the challenge's training features "
                 "locally; it must return one value per row (a 1-D array, a Series, a DataFrame with a "
                 "`score` column, or a 2-column probability array). The log tail has the traceback.")
