"""Server-sent status events for submissions, cheap per stream and bounded in number (issue #14, item 6).

Before: each open stream held a database session for its whole life (the endpoint's dependency) and sent a query
through the thread pool every second, so 300 streams on one's own submission exhausted the connection pool and the
threads, and other teams' requests waited 30 s.

Now:
- the endpoint checks the token from memory (no session held) and reads the first state in one short session;
- one watcher per process (`StatusWatcher`) polls every DABIWU_SSE_POLL_SECONDS for *all* watched submissions in one
  thread hop and one session, and wakes the streams whose state changed; an idle stream is an awaiting coroutine,
  with no thread, no session and no query of its own;
- `StreamSlots` bounds open streams per token (DABIWU_SSE_MAX_STREAMS_PER_TOKEN) and per process
  (DABIWU_SSE_MAX_STREAMS_TOTAL); one more is refused with 429 before anything is read.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from dabiwu.db.models import Submission
from dabiwu.db.models.submissions import TERMINAL_STATUSES
from dabiwu.errors import DabiwuError
from dabiwu.executors.heartbeats import live_worker_count
from dabiwu.jobs.lifecycle import latest_score
from dabiwu.submissions.service import queue_estimate

KEEPALIVE_S = 15.0


class StreamSlots:
    def __init__(self, *, per_token: int, total: int) -> None:
        self.per_token, self.total = per_token, total
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return sum(self._open.values())

    def acquire(self, key: str) -> None:
        with self._lock:
            if self._open[key] >= self.per_token:
                raise DabiwuError(
                    f"You already have {self.per_token} status streams open with this token: close one (a browser "
                    "tab showing a submission) before opening another.",
                    f"此令牌已打开 {self.per_token} 个状态推送流：请先关闭一个（例如显示提交状态的浏览器标签页）再打开新的。",
                    code="too_many_streams", status=429, headers={"Retry-After": "30"},
                    extra={"limit": self.per_token, "scope": "token"},
                )
            if sum(self._open.values()) >= self.total:
                raise DabiwuError(
                    "The server has as many status streams open as it allows; try again in a minute, or poll "
                    "GET /api/v1/submissions/{id} instead.",
                    "服务器的状态推送流已达上限；请一分钟后再试，或改为轮询 GET /api/v1/submissions/{id}。",
                    code="too_many_streams", status=429, headers={"Retry-After": "30"},
                    extra={"limit": self.total, "scope": "server"},
                )
            self._open[key] += 1

    def release(self, key: str) -> None:
        with self._lock:
            self._open[key] -= 1
            if self._open[key] <= 0:
                del self._open[key]


def stream_state(session, submission: Submission, *, workers: int) -> dict:
    """What a stream sends: the same values GET /submissions/{id} shows for these fields, whoever asks."""
    score = latest_score(session, submission_id=submission.id)
    position, eta = queue_estimate(session, submission=submission, workers=workers)
    return {"id": submission.id, "status": submission.status, "error": submission.error, "error_zh": submission.error_zh,
            "error_kind": submission.error_kind, "public_score": score.public_score if score else None,
            "queue_position": position, "eta_seconds": eta}


class _Watch:
    def __init__(self, state: dict) -> None:
        self.state = state
        self.changed = asyncio.Event()
        self.watchers = 0

    def publish(self, state: dict) -> None:
        self.state = state
        event, self.changed = self.changed, asyncio.Event()
        event.set()


class StatusWatcher:
    """One poller per process for every open stream (event-loop only: no lock needed)."""

    def __init__(self, sessionmaker, *, poll_s: float) -> None:
        self._sessionmaker = sessionmaker
        self.poll_s = poll_s
        self._watches: dict[str, _Watch] = {}
        self._task: asyncio.Task | None = None
        self.polls = 0  # thread hops made, for tests

    def watch(self, submission_id: str, state: dict) -> _Watch:
        watch = self._watches.get(submission_id)
        if watch is None:
            watch = self._watches[submission_id] = _Watch(state)
        watch.watchers += 1
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._task = loop.create_task(self._run())
        return watch

    def unwatch(self, submission_id: str) -> None:
        watch = self._watches.get(submission_id)
        if watch is not None:
            watch.watchers -= 1
            if watch.watchers <= 0:
                del self._watches[submission_id]

    async def _run(self) -> None:
        while self._watches:
            await asyncio.sleep(self.poll_s)
            ids = list(self._watches)
            if not ids:
                break
            try:
                states = await run_in_threadpool(self._read, ids)
                self.polls += 1
            except Exception:  # the database away for a moment: the streams keep their last state and wait
                continue
            for submission_id, state in states.items():
                watch = self._watches.get(submission_id)
                if watch is not None and state != watch.state:
                    watch.publish(state)

    def _read(self, ids: list[str]) -> dict[str, dict]:
        with self._sessionmaker() as session:
            workers = live_worker_count(session)
            rows = session.scalars(select(Submission).where(Submission.id.in_(ids))).all()
            return {row.id: stream_state(session, row, workers=workers) for row in rows}


class SlotStreamingResponse(StreamingResponse):
    """Gives its stream slot back however the response ends: finished, client gone, or cancelled before it began."""

    def __init__(self, content, *, release, **kwargs) -> None:
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def event_stream(watcher: StatusWatcher, submission_id: str, first: dict):
    async def stream():
        watch = watcher.watch(submission_id, first)
        try:
            last = None
            while True:
                changed = watch.changed  # taken before the state, so a change while we yield is not missed
                state = watch.state
                if state != last:
                    yield f"event: status\ndata: {json.dumps(state, ensure_ascii=False)}\n\n"
                    last = state
                if state["status"] in TERMINAL_STATUSES:
                    return
                try:
                    await asyncio.wait_for(changed.wait(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
        finally:
            watcher.unwatch(submission_id)

    return stream()
