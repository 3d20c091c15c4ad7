"""The Celery application: one task, `dabiwu.score`, carrying only a job id."""

from __future__ import annotations

import logging

from celery import Celery

from dabiwu.settings import Settings

log = logging.getLogger(__name__)
TASK_NAME = "dabiwu.score"


def make_celery(settings: Settings) -> Celery:
    app = Celery("dabiwu", broker=settings.broker_url)
    app.conf.update(
        task_acks_late=True,               # a worker killed mid-job leaves the message unacknowledged
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,      # one job at a time per worker slot
        task_default_queue="dabiwu-scoring",
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_ignore_result=True,
    )
    return app


def send_job(app: Celery, job_id: str) -> None:
    app.send_task(TASK_NAME, args=[job_id])
