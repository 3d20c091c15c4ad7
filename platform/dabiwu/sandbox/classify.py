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
    doing_zh = {"setup": "启动", "load": "加载", "predict": "预测", "write": "写出预测结果",
                "done": "收尾"}.get(phase or "", "启动")

    def error(kind: str, message: str, message_zh: str) -> SandboxError:
        return SandboxError(kind=kind, message=message, message_zh=message_zh, log_tail=tail)  # type: ignore[arg-type]

    if out.output_too_large or out.exit_code == protocol.EXIT_FILE_TOO_LARGE:
        return error("output_too_large",
                     f"The model wrote more than the {limits.max_output_mb} MB output limit while {doing} "
                     "(predictions, or a file in its scratch space); return one score per row and do not "
                     "write large files at load or predict time.",
                     f"模型在{doing_zh}时写出的内容超过了 {limits.max_output_mb} MB 的输出上限（预测结果，或其临时空间中的"
                     "文件）；请每行只返回一个分数，不要在加载或预测时写大文件。")
    if out.timed_out and not out.ready:
        return error("unavailable",
                     "The sandbox did not finish starting (importing mlflow, pandas and sklearn) within its "
                     "start-up allowance; the machine is probably overloaded. This is a platform problem: rescore later.",
                     "沙箱未能在启动时限内完成启动（导入 mlflow、pandas 和 sklearn），服务器可能负载过高。"
                     "这是平台的问题：请稍后重新评分。")
    if out.timed_out:
        return error("timeout",
                     f"The model was stopped after the {limits.wall_seconds} s wall-clock limit while {doing}; "
                     f"make loading and predict faster (predict is called on chunks of {limits.chunk_rows} rows) "
                     "and make sure it does not wait on anything (there is no network).",
                     f"模型在{doing_zh}时超过 {limits.wall_seconds} 秒的运行时间上限，已被停止；请加快加载和预测"
                     f"（predict 每次处理 {limits.chunk_rows} 行），并确保它不等待任何东西（沙箱没有网络）。")
    sig = out.signal
    model_cpu_s = out.cpu_s - startup_cpu_s(out)
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and model_cpu_s >= limits.cpu_seconds):
        return error("timeout",
                     f"The model used more than its {limits.cpu_seconds} s of CPU time while {doing} and was "
                     "stopped; make predict cheaper.",
                     f"模型在{doing_zh}时用掉了超过 {limits.cpu_seconds} 秒的 CPU 时间，已被停止；请降低预测的计算量。")
    if out.job_memory_exceeded:
        return error("oom",
                     f"The model's processes together needed more than its {limits.memory_mb} MB memory limit "
                     f"while {doing}; the limit covers the whole job, child processes included: use fewer "
                     "processes (n_jobs=1) or less memory per process.",
                     f"模型的各个进程在{doing_zh}时合计需要超过 {limits.memory_mb} MB 的内存上限；该上限包括子进程在内的"
                     "整个任务：请少用进程（n_jobs=1），或减少每个进程的内存。")
    memory_evidence = out.peak_rss_mb >= 0.8 * limits.memory_mb or any(w in tail for w in _MEMORY_WORDS)
    if out.exit_code == protocol.EXIT_OOM or (sig in _CRASH_SIGNALS and memory_evidence and phase not in (None, "setup")):
        return error("oom",
                     f"The model needed more than its {limits.memory_mb} MB memory limit while {doing}; reduce "
                     "what it allocates (smaller model, float32, no copies of the whole input), or ask the "
                     "organisers for more memory.",
                     f"模型在{doing_zh}时需要超过 {limits.memory_mb} MB 的内存上限；请减少内存分配（更小的模型、float32、"
                     "不复制整个输入），或向组织方申请更多内存。")
    if phase in (None, "setup"):
        # No model code has run yet: whatever failed is the platform's.
        detail = said or _last_line(tail) or (f"exit code {out.exit_code}" if sig is None else _signal_name(sig))
        return error("unavailable",
                     f"The sandbox could not start the model process ({detail}); this is a platform problem, "
                     "not the team's: check the sandbox installation (the log tail has details) and rescore.",
                     f"沙箱无法启动模型进程（{detail}）；这是平台的问题，不是参赛队的问题：请检查沙箱安装"
                     "（日志末尾有详情）后重新评分。")
    if out.exit_code == protocol.EXIT_OK and out.output_bytes > 0:
        return None
    if sig is not None:
        how, how_zh = f"was killed by {_signal_name(sig)}", f"被信号 {_signal_name(sig)} 终止"
    elif out.exit_code == protocol.EXIT_OK:
        how, how_zh = "ended the process before writing predictions", "在写出预测结果之前结束了进程"
    else:
        how, how_zh = f"ended with exit code {out.exit_code}", f"以退出码 {out.exit_code} 结束"
    predict_codes = (protocol.EXIT_PREDICT, protocol.EXIT_BAD_OUTPUT)
    if out.exit_code == protocol.EXIT_LOAD or (phase == "load" and out.exit_code not in predict_codes):
        return error("load_crash",
                     f"The model could not be loaded: {said or how}. Check that it loads with "
                     "`mlflow.pyfunc.load_model` in a clean environment with the platform's library versions "
                     "and without network access; the log tail has the traceback.",
                     f"模型无法加载：{said or how_zh}。请在干净的环境中、使用平台的库版本且不联网，检查它能否用 "
                     "`mlflow.pyfunc.load_model` 加载；日志末尾有错误堆栈。")
    return error("predict_crash",
                 f"The model's predict failed: {said or how}. Run predict on the challenge's training features "
                 "locally; it must return one value per row (a 1-D array, a Series, a DataFrame with a "
                 "`score` column, or a 2-column probability array). The log tail has the traceback.",
                 f"模型的 predict 失败：{said or how_zh}。请在本地用赛题的训练特征运行 predict；它必须每行返回一个值"
                 "（一维数组、Series、带 `score` 列的 DataFrame，或两列的概率数组）。日志末尾有错误堆栈。")
