"""The FastAPI factory: /api/v1, health and metrics, the mounted MLflow server, and the web UI."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dabiwu.audit.router import router as audit_router
from dabiwu.auth.ratelimit import LoginThrottle
from dabiwu.auth.router import router as auth_router
from dabiwu.auth.teams_router import router as teams_router
from dabiwu.auth.users_router import router as users_router
from dabiwu.body_limits import BodyLimits, upload_limit
from dabiwu.db.session import get_sessionmaker
from dabiwu.deps import AdminUser
from dabiwu.errors import install_error_handlers
from dabiwu.frontend import mount_frontend
from dabiwu.leaderboards.fast_path import BoardFastPath
from dabiwu.notifications.dispatcher import WebhookDispatcher
from dabiwu.observability import Metrics, RequestContextMiddleware, configure_logging
from dabiwu.readiness import SandboxCheck
from dabiwu.registry_mount import RegistryHooks, mount_mlflow
from dabiwu.settings import Settings, get_settings
from dabiwu.storage_access import store_for
from dabiwu.submissions.events import StatusWatcher, StreamSlots

log = logging.getLogger("dabiwu.app")

API_PREFIX = "/api/v1"


# The platform imports models_registry only here and in the CLI (cli.py, cli_server.py), where it is mounted; the
# registry reaches the platform only through dabiwu.registry_port (tests/registry/test_import_direction.py).


def api_router() -> APIRouter:
    from dabiwu.challenges.admin_router import router as bundles_router
    from dabiwu.challenges.router import router as challenges_router
    from dabiwu.districts.router import router as leads_router
    from dabiwu.executors.router import router as queue_router
    from dabiwu.judging.router import router as judging_router
    from dabiwu.leaderboards.router import router as leaderboards_router
    from dabiwu.notifications.router import router as notifications_router
    from dabiwu.scoring.router import router as scoring_router
    from dabiwu.submissions.router import router as submissions_router
    from models_registry.router import router as registry_router

    router = APIRouter(prefix=API_PREFIX)
    routers = (auth_router, users_router, audit_router, challenges_router, submissions_router, leaderboards_router,
               queue_router, judging_router, teams_router, scoring_router, registry_router,
               bundles_router, leads_router, notifications_router)
    for sub in routers:
        router.include_router(sub)
    return router


def registry_hooks() -> RegistryHooks:
    """What the /mlflow guard uses of the registry: its MLflow stores and its pull log."""
    from models_registry.mlflow_adapter import backend_for
    from models_registry.pulls import record_pull

    return RegistryHooks(backend_for=backend_for, record_pull=record_pull)


def create_app(settings: Settings | None = None, *, start_workers: bool = False,
               deliver_webhooks: bool = False) -> FastAPI:
    """`deliver_webhooks`: run the webhook dispatcher in this process (`serve` does; tests call it directly)."""
    settings = settings or get_settings()
    configure_logging(json_logs=settings.log_json, log_file=settings.log_file)
    if settings.mode != "production" and settings.sandbox == "none":
        log.warning("DABIWU_SANDBOX=none: submitted models would run UNSANDBOXED. Development only.")

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if start_workers:
            from dabiwu.executors.factory import start_executor

            app.state.executor = start_executor(settings)
        if deliver_webhooks:
            app.state.webhook_dispatcher = WebhookDispatcher(app.state.sessionmaker, settings).start()
        try:
            yield
        finally:
            dispatcher = getattr(app.state, "webhook_dispatcher", None)
            if dispatcher is not None:
                dispatcher.stop()
            executor = getattr(app.state, "executor", None)
            if executor is not None:
                executor.shutdown()

    app = FastAPI(
        title="dabiwu 大比武",
        version="0.1.0",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.sessionmaker = get_sessionmaker(settings.resolved_database_url)
    app.state.login_throttle = LoginThrottle(max_failures=settings.login_attempts_per_minute,
                                             max_lock_seconds=settings.login_lock_max_seconds,
                                             max_entries=settings.login_throttle_max_entries)
    app.state.join_code_throttle = LoginThrottle(max_failures=settings.join_code_attempts_per_minute,
                                                 max_entries=settings.login_throttle_max_entries)
    app.state.metrics = metrics
    app.state.event_slots = StreamSlots(per_token=settings.sse_max_streams_per_token,
                                        total=settings.sse_max_streams_total)
    app.state.event_watcher = StatusWatcher(app.state.sessionmaker, poll_s=settings.sse_poll_seconds)
    app.state.executor = None
    app.state.store = store_for(settings)
    app.state.sandbox_check = SandboxCheck(settings)

    install_error_handlers(app)
    app.include_router(api_router())
    _add_health_routes(app)
    mount_mlflow(app, settings, registry=registry_hooks())  # before the web UI's catch-all route
    mount_frontend(app)
    # The board's hot path, inside the request context and the body limits, in front of routing.
    app.add_middleware(BoardFastPath)
    # Inside the request context (refusals carry X-Request-ID), outside everything that reads bodies.
    app.add_middleware(BodyLimits, idle_s=settings.body_idle_timeout_s, deadline_s=settings.body_deadline_s,
                       default_max_bytes=settings.max_request_mb * 1024 * 1024, limit_for=upload_limit)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    proxies = trusted_proxies(settings)
    if proxies:
        # Outermost: the client address every later layer sees (the sign-in throttle) is the one a trusted proxy
        # forwarded for. `serve` turns uvicorn's own handling off, which would otherwise trust loopback by default.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app


def trusted_proxies(settings: Settings) -> list[str]:
    return [part.strip() for part in settings.trusted_proxies.split(",") if part.strip()]


def _add_health_routes(app: FastAPI) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        """503 when the database or object store is away; 200 otherwise, with `scoring` saying whether a
        submission can be scored now (`status` "ready") or why not (`status` "degraded")."""
        from dabiwu.readiness import scoring_readiness, service_problems

        problems = service_problems(app.state.sessionmaker, app.state.store)
        if problems:
            return JSONResponse({"status": "unavailable", "problems": [p.as_dict() for p in problems],
                                 "code": "not_ready", "detail": " ".join(p.detail for p in problems),
                                 "detail_zh": "".join(p.detail_zh for p in problems)}, status_code=503)
        with app.state.sessionmaker() as session:
            scoring = scoring_readiness(app.state.settings, session, app.state.sandbox_check)
        return JSONResponse({"status": "ready" if scoring.can_score else "degraded", "scoring": scoring.as_dict()})

    # Admin only (issue #14, item 16): route names, counts and latencies are for operators. Prometheus scrapes with
    # an admin API token (`authorization: {credentials_file: ...}` in its scrape config).
    @app.get("/metrics", include_in_schema=False)
    def prometheus_metrics(_: AdminUser) -> Response:
        return Response(generate_latest(app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
