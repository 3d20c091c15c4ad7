from __future__ import annotations

from dabiwu.executors.base import Executor
from dabiwu.settings import Settings


def start_executor(settings: Settings) -> Executor:
    if settings.executor == "celery":
        from dabiwu.executors.celery_executor import CeleryExecutor

        return CeleryExecutor(settings).start()
    from dabiwu.executors.local import LocalExecutor

    return LocalExecutor(settings).start()
