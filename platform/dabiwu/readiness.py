"""Can this installation score a submission right now?  And if not, why, in both languages.

`/healthz` only says the process answers.  Readiness says whether the parts a submission needs are there: the
database and object store (without them nothing works: 503), and, for scoring, a sandbox that starts on this
machine and at least one live scoring worker.  The admin queue page and the UI's admin banner show the same answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import text

from dabiwu.settings import Settings

# Probing the sandbox starts a real one (~50 ms): remember the answer this long.
SANDBOX_RECHECK_S = 30.0
INSTALL_HINT = "scripts/system-deps run   (or: sudo apt-get install -y bubblewrap)"


@dataclass(frozen=True)
class Problem:
    code: str
    detail: str
    detail_zh: str
    blocking: bool = True  # False: scoring works, in a slower way than the operator asked for

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail, "detail_zh": self.detail_zh}


@dataclass(frozen=True)
class ScoringReadiness:
    can_score: bool
    sandbox: str | None  # bwrap | unshare | none, or None when no sandbox starts here
    live_workers: int
    problems: list[Problem] = field(default_factory=list)
    sandbox_mode: str | None = None  # fork | prestarted | fresh: how workers here get a sandbox per job

    def as_dict(self) -> dict:
        return {"can_score": self.can_score, "sandbox": self.sandbox, "sandbox_mode": self.sandbox_mode,
                "live_workers": self.live_workers, "problems": [p.as_dict() for p in self.problems]}


class SandboxCheck:
    """The sandbox this machine can run, re-probed every SANDBOX_RECHECK_S (so installing bubblewrap while the
    server runs is noticed without a restart)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._answer: tuple[str | None, str] = (None, "")
        self._mode: tuple[str | None, Problem | None] | None = None
        self._mode_kind: str | None = None

    def kind(self) -> tuple[str | None, str]:
        with self._lock:
            if time.monotonic() - self._checked_at > SANDBOX_RECHECK_S:
                self._answer = sandbox_kind(self._settings, fresh=True)
                self._mode, self._mode_kind = sandbox_mode(self._settings, self._answer[0]), self._answer[0]
                self._checked_at = time.monotonic()
            return self._answer

    def mode(self, kind: str | None) -> tuple[str | None, Problem | None]:
        with self._lock:
            if self._mode is None or self._mode_kind != kind:
                self._mode, self._mode_kind = sandbox_mode(self._settings, kind), kind
            return self._mode


def sandbox_kind(settings: Settings, *, fresh: bool = False) -> tuple[str | None, str]:
    """(kind, "") when a sandbox starts here, else (None, why not)."""
    from dabiwu.sandbox.detect import detect_sandbox, probe
    from dabiwu.sandbox.errors import SandboxError

    if fresh:
        probe.cache_clear()
        from dabiwu.sandbox.zygote import fork_support

        fork_support.cache_clear()
    try:
        return detect_sandbox(settings.sandbox, hide=(str(settings.home_dir),)), ""
    except SandboxError as exc:
        return None, exc.message


def sandbox_problem(why: str) -> Problem:
    return Problem(
        code="sandbox_unavailable",
        detail=f"Submitted models cannot be scored: no sandbox starts on this machine ({why}). "
               f"An operator must install bubblewrap: {INSTALL_HINT}.",
        detail_zh=f"无法为提交的模型评分：本机无法启动沙箱（{why}）。请运维人员安装 bubblewrap：{INSTALL_HINT}。",
    )


def sandbox_mode(settings: Settings, kind: str | None) -> tuple[str | None, Problem | None]:
    """The mode workers here really run (DABIWU_SANDBOX_MODE, or its fallback) and, for a fallback, why."""
    if kind is None:
        return None, None
    asked = "fresh" if not settings.sandbox_prewarm else settings.sandbox_mode
    if asked != "fork":
        return asked, None
    from dabiwu.sandbox.zygote import fork_support

    works, why = fork_support() if kind == "bwrap" else (False, f"the sandbox here is {kind}, not bubblewrap")
    if works:
        return "fork", None
    return "prestarted", Problem(
        code="sandbox_fork_unavailable",
        detail=f"DABIWU_SANDBOX_MODE=fork cannot run here ({why}); workers use pre-started sandboxes instead, which "
               "spend the interpreter's imports (several CPU seconds) on every job. Run the workers as root with "
               "bubblewrap, or set DABIWU_SANDBOX_MODE=prestarted to silence this.",
        detail_zh=f"本机无法使用 DABIWU_SANDBOX_MODE=fork（{why}）；评分进程改用预启动沙箱，每个任务都要花费解释器导入的"
                  "数秒 CPU。请以 root 身份并安装 bubblewrap 运行评分进程，或设置 DABIWU_SANDBOX_MODE=prestarted 以消除此提示。",
        blocking=False,
    )


def scoring_readiness(settings: Settings, session, check: SandboxCheck) -> ScoringReadiness:
    from dabiwu.executors.heartbeats import LIVE_WORKER_SECONDS, live_worker_count

    problems: list[Problem] = []
    kind, why = check.kind()
    if kind is None:
        problems.append(sandbox_problem(why))
    mode, fallback = check.mode(kind)
    if fallback is not None:
        problems.append(fallback)
    workers = live_worker_count(session)
    if workers == 0:
        how = ("`dabiwu serve` starts them (not with --no-workers)" if settings.executor == "local"
               else "start `dabiwu worker` on a machine that reaches the broker")
        how_zh = ("由 `dabiwu serve` 启动（不要加 --no-workers）" if settings.executor == "local"
                  else "请在能连接消息队列的机器上运行 `dabiwu worker`")
        problems.append(Problem(
            code="no_live_workers",
            detail=f"No scoring worker has reported in the last {LIVE_WORKER_SECONDS} s, so submissions wait in the "
                   f"queue: {how}.",
            detail_zh=f"最近 {LIVE_WORKER_SECONDS} 秒内没有评分进程上报心跳，提交会一直排队：{how_zh}。",
        ))
    return ScoringReadiness(can_score=not any(p.blocking for p in problems), sandbox=kind, live_workers=workers,
                            problems=problems, sandbox_mode=mode)


def service_problems(session_factory, store) -> list[Problem]:
    """The database and the object store: without either the API itself cannot work."""
    problems = []
    try:
        with session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - readiness reports, it never raises
        problems.append(Problem("database_unavailable", f"The database cannot be reached ({exc.__class__.__name__}).",
                                f"无法连接数据库（{exc.__class__.__name__}）。"))
    try:
        store.exists("readyz-probe")
    except Exception as exc:  # noqa: BLE001
        problems.append(Problem("store_unavailable", f"The object store cannot be reached ({exc.__class__.__name__}).",
                                f"无法连接对象存储（{exc.__class__.__name__}）。"))
    return problems
