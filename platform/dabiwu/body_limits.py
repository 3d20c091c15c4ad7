"""Bounds on how a request body may arrive, enforced before any endpoint sees it.

FastAPI reads (and spools to disk) a whole multipart body before the endpoint runs, so checks inside
the upload route come too late: a 50 GB upload would fill the temp folder first, and a client sending
one byte a minute would hold its connection for ever (uvicorn has no body timeout). This ASGI
middleware, outermost around the app:

- refuses a model upload whose Content-Length exceeds the challenge's size limit with a 413 before
  reading a byte, and cuts off one that streams (chunked) past it; every other request is held to
  `default_max_bytes` the same way (the largest other body is a 10 MB outcomes CSV);
- answers 408 when a body sends nothing for `idle_s`, or is not complete after `deadline_s`.

Its refusals close the connection, so a client cannot keep trickling bytes into a finished request.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATH = re.compile(r"^/api/v1/challenges/(?P<slug>[^/]+)/submissions/?$")
# Multipart framing and the description field around the file itself.
MULTIPART_SLACK_BYTES = 64 * 1024

LimitLookup = Callable[[Scope], Awaitable[int | None]]


class BodyLimits:
    def __init__(self, app: ASGIApp, *, idle_s: float, deadline_s: float, default_max_bytes: int,
                 limit_for: LimitLookup | None = None) -> None:
        self.app = app
        self.idle_s = idle_s
        self.deadline_s = deadline_s
        self.default_max_bytes = default_max_bytes
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = await self.limit_for(scope) if self.limit_for else None
        limit = _Limit(upload, is_upload=True) if upload is not None else _Limit(self.default_max_bytes, is_upload=False)
        declared = _content_length(scope)
        if declared is not None and declared > limit.max_bytes:
            await _refuse(send, 413, *limit.too_large(streamed=False))
            return
        await _Guarded(self, scope, receive, send, limit).run()


class _Limit:
    def __init__(self, max_bytes: int, *, is_upload: bool) -> None:
        self.max_bytes, self.is_upload = max_bytes, is_upload

    def too_large(self, *, streamed: bool) -> tuple[str, str, str]:
        """(code, detail, detail_zh) of the 413."""
        when = "it was cut off there" if streamed else "it was refused before it was read"
        when_zh = "已在超出处中断" if streamed else "未读取即被拒绝"
        if self.is_upload:
            mb = (self.max_bytes - MULTIPART_SLACK_BYTES) // (1024 * 1024)
            return ("archive_too_large",
                    f"The upload is larger than this challenge's limit of {mb} MB, so {when}. "
                    "Remove training data and caches from the model folder, or use a smaller model.",
                    f"上传的文件超过本赛题 {mb} MB 的上限，{when_zh}。请从模型文件夹中删除训练数据和缓存，或使用更小的模型。")
        mb = self.max_bytes // (1024 * 1024)
        return ("body_too_large",
                f"The request body is larger than {mb} MB, the limit for this endpoint, so {when}. Send less at a time.",
                f"请求正文超过此接口 {mb} MB 的上限，{when_zh}。请分批发送。")


class _Guarded:
    """One request: its receive() is timed and counted until the body is complete."""

    def __init__(self, limits: BodyLimits, scope: Scope, receive: Receive, send: Send, limit: _Limit) -> None:
        self.limits, self.scope, self._receive, self._send, self.limit = limits, scope, receive, send, limit
        self.started_at = time.monotonic()
        self.body_done = False
        self.received = 0
        self.response_started = False
        self.refused = False

    async def run(self) -> None:
        try:
            await self.limits.app(self.scope, self.receive, self.send)
        except Exception:
            if not self.refused:
                raise
            # The app choked on the body we cut off (a disconnect mid-form); our answer already went out.

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        if self.body_done:
            return await self._receive()  # after the body: only disconnect notices, never timed
        left = self.limits.deadline_s - (time.monotonic() - self.started_at)
        try:
            with anyio.fail_after(max(0.0, min(self.limits.idle_s, left))):
                message = await self._receive()
        except TimeoutError:
            return await self.refuse(408, *_too_slow(self.limits.idle_s, self.limits.deadline_s))
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit.max_bytes:
                return await self.refuse(413, *self.limit.too_large(streamed=True))
            self.body_done = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the app's late answer to a body we cut off
        if message["type"] == "http.response.start":
            self.response_started = True
        await self._send(message)

    async def refuse(self, status: int, code: str, detail: str, detail_zh: str) -> Message:
        self.refused = True
        if not self.response_started:
            await _refuse(self._send, status, code, detail, detail_zh)
        return {"type": "http.disconnect"}


async def upload_limit(scope: Scope) -> int | None:
    """The byte limit for a model upload to the challenge in the path; None for other requests."""
    if scope.get("method") != "POST":
        return None
    match = UPLOAD_PATH.match(scope.get("path", ""))
    if match is None:
        return None
    app = scope.get("app")
    sessionmaker = getattr(getattr(app, "state", None), "sessionmaker", None)
    if sessionmaker is None:
        return None
    return await anyio.to_thread.run_sync(_challenge_limit, sessionmaker, match["slug"])


def _challenge_limit(sessionmaker, slug: str) -> int | None:
    from sqlalchemy import select

    from dabiwu.db.models import Challenge
    from dabiwu.submissions.intake import max_model_bytes

    with sessionmaker() as session:
        challenge = session.scalar(select(Challenge).where(Challenge.slug == slug))
        if challenge is None:
            return None  # the route answers 404
        return max_model_bytes(challenge.rules.limits) + MULTIPART_SLACK_BYTES


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_slow(idle_s: float, deadline_s: float) -> tuple[str, str, str]:
    return (
        "request_timeout",
        f"The request body stopped arriving (nothing for {idle_s:g} s, or not complete within {deadline_s:g} s), "
        "so the server stopped waiting. Check your connection and upload again; `dabiwu submit` shows progress.",
        f"请求正文中断（{idle_s:g} 秒内没有收到数据，或 {deadline_s:g} 秒内未传完），服务器已停止等待。"
        "请检查网络后重新上传；`dabiwu submit` 会显示上传进度。",
    )


async def _refuse(send: Send, status: int, code: str, detail: str, detail_zh: str) -> None:
    # The shape of every error answer (dabiwu.errors.DabiwuError), written by hand: this runs outside the app.
    body = json.dumps({"code": code, "detail": detail, "detail_zh": detail_zh}, ensure_ascii=False).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
