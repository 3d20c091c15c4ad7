"""JSON logs with request ids, and Prometheus metrics for every request."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    return _request_id.get()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, json_logs: bool, log_file: Path | None = None) -> None:
    """Everything at INFO to stderr; or, with a log file, everything there and only the platform's own warnings
    and anyone's errors on the console (Python warnings of libraries go to the file too)."""
    formatter = JsonFormatter() if json_logs else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handlers: list[logging.Handler] = [handler]
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setFormatter(JsonFormatter())
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.setLevel(logging.WARNING)
        handler.addFilter(lambda r: r.name.startswith("dabiwu") or r.levelno >= logging.ERROR)
        handlers.append(to_file)
        logging.captureWarnings(True)
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(logging.INFO)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "dabiwu_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "dabiwu_http_request_seconds", "HTTP request latency", ["method", "route"], registry=self.registry
        )


class RequestContextMiddleware:
    """Pure ASGI (so streaming answers pass through untouched): sets the request id, logs, counts."""

    def __init__(self, app, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.log = logging.getLogger("dabiwu.http")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode()[:64] or uuid.uuid4().hex
        token = _request_id.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            route_path = getattr(route, "path", None) or _coarse_path(scope.get("path", ""))
            self.metrics.requests.labels(scope["method"], route_path, str(status_holder["status"])).inc()
            self.metrics.latency.labels(scope["method"], route_path).observe(elapsed)
            self.log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope.get("path"),
                    "status": status_holder["status"],
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            _request_id.reset(token)


def _coarse_path(path: str) -> str:
    # Unmatched paths would explode label cardinality; keep only the first segment.
    parts = [p for p in path.split("/") if p]
    return "/" + parts[0] if parts else "/"
