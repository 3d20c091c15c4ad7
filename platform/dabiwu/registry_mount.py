"""The MLflow server at /mlflow, behind the platform's tokens.

A plain ASGI guard sits in front of MLflow's own FastAPI app:

- `Authorization: Bearer TOKEN` must be a valid platform token (else 401 UNAUTHENTICATED);
- only the read-only (method, route) pairs of registry_routes.ALLOWED_ROUTES pass, matched exactly;
  they are for district, judge and admin accounts.  Teams are refused (403): they compete, and the
  registry holds the winners' files;
- every other route, writes included, is refused for everyone (403): only the platform writes,
  in-process, when a judge promotes (models_registry.mlflow_adapter);
- districts see only listed versions: a delisted (or never listed) version's model-version record,
  download URI and files answer 404 to them by name and number; judges and admins still read them;
- the Host header must match DABIWU_MLFLOW_ALLOWED_HOSTS (a bare host also allows any port),
  which the guard checks itself so that each app keeps its own list;
- a successful `model-versions/get-download-uri` (the call every stock-client download of a
  `models:/` URI makes, by alias or by number) is recorded as a pull of that version.

Refusals use MLflow's error shape, so the stock client prints them as they are.

MLflow's server keeps its stores in module globals and reads its configuration from environment
variables, once per process.  So: the server is imported, configured and created on the first
request (creating an app stays cheap), and before each request the guard points those globals at
its own app's stores if another app in the same process (only ever tests) pointed them elsewhere.
One process serves one registry at a time; concurrent requests to two apps with different
registries in one process are not supported.

The guard needs two things of models_registry (the MLflow stores, and the pull log); app.py hands them in as a
`RegistryHooks`, so that the platform imports models_registry only where the app and the CLI mount it.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import anyio
from fastapi import FastAPI

from dabiwu.registry_routes import (
    ARTIFACT_DOWNLOAD,
    ARTIFACT_LIST,
    VERSION_DOWNLOAD_URI,
    VERSION_GET,
    allowed_route,
    path_params,
)
from dabiwu.settings import Settings

log = logging.getLogger("dabiwu.registry")

READ_ROLES = ("district", "judge", "admin")
PULL_SUFFIX = "/mlflow/model-versions/get-download-uri"
_SERVER_LOCK = threading.Lock()


@dataclass(frozen=True)
class RegistryHooks:
    """What the guard uses of models_registry, handed in by app.py."""

    backend_for: Callable[[Settings], Any]  # the MLflow stores of this install (mlflow_adapter.backend_for)
    record_pull: Callable[..., Any]  # log a version's download (pulls.record_pull; keyword arguments)


def mount_mlflow(app: FastAPI, settings: Settings, *, registry: RegistryHooks) -> None:
    """Mount the guarded MLflow server at /mlflow (before the web UI's catch-all route)."""
    if not settings.mlflow_enabled:
        app.state.mlflow_guard = None
        return
    guard = RegistryGuard(parent=app, settings=settings, registry=registry)
    app.state.mlflow_guard = guard
    app.mount("/mlflow", guard)


def warm_up_in_background(app: FastAPI) -> None:
    """Import and start the MLflow server now, in a thread, instead of on the first district's request
    (measured: 5-16 s on a busy 2-core machine, mostly imports and, on a new state folder, MLflow's
    own migrations).  For `serve`; tests leave it to the first request."""
    guard = getattr(app.state, "mlflow_guard", None)
    if guard is not None:
        threading.Thread(target=guard.warm_up, name="mlflow-warm-up", daemon=True).start()


def host_patterns(allowed: str) -> list[str]:
    patterns = []
    for host in (part.strip() for part in allowed.split(",")):
        if not host:
            continue
        patterns.append(host)
        if ":" not in host and host != "*":
            patterns.append(f"{host}:*")
    return patterns


def host_allowed(patterns: list[str], host: str) -> bool:
    return bool(host) and any(fnmatch.fnmatchcase(host, pattern) for pattern in patterns)


class RegistryGuard:
    def __init__(self, *, parent: FastAPI, settings: Settings, registry: RegistryHooks) -> None:
        self._parent = parent
        self._settings = settings
        self._registry = registry
        self._hosts = host_patterns(settings.mlflow_allowed_hosts)
        self._inner = None
        self._backend = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            return  # MLflow's own lifespan only reaps its assistant's containers; we run none
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        headers = {key.decode("latin-1").lower(): value.decode("latin-1") for key, value in scope["headers"]}
        host = headers.get("host", "")
        if not host_allowed(self._hosts, host):
            await _refuse(send, 403, "PERMISSION_DENIED",
                          f"The host {host!r} is not allowed to reach the registry; the operator can add it to "
                          "DABIWU_MLFLOW_ALLOWED_HOSTS.",
                          f"主机 {host!r} 不能访问模型库；运维人员可以把它加入 DABIWU_MLFLOW_ALLOWED_HOSTS。")
            return
        token = _bearer(headers.get("authorization", ""))
        if not token:
            await _refuse(send, 401, "UNAUTHENTICATED",
                          "Sign in first: set MLFLOW_TRACKING_TOKEN to a dabiwu API token (dabiwu login, or "
                          "POST /api/v1/auth/api-tokens).",
                          "请先登录：把 MLFLOW_TRACKING_TOKEN 设为 dabiwu 的 API 令牌（dabiwu login，或 "
                          "POST /api/v1/auth/api-tokens）。")
            return
        caller = await anyio.to_thread.run_sync(self._caller, token)
        if caller is None:
            await _refuse(send, 401, "UNAUTHENTICATED",
                          "The token is invalid, expired or revoked: create a new one and set MLFLOW_TRACKING_TOKEN.",
                          "令牌无效、已过期或已被撤销：请新建一个令牌并设置 MLFLOW_TRACKING_TOKEN。")
            return
        path = _relative_path(scope)
        method = scope["method"].upper()
        if path.rstrip("/").endswith("/graphql"):
            # Routed off (issue #14, item 16): a GET made MLflow's handler fail with a 500; nothing of ours uses it.
            await _refuse(send, 404, "ENDPOINT_NOT_FOUND",
                          "MLflow's GraphQL endpoint is not served here; use the REST API (/mlflow/api/2.0/mlflow/...).",
                          "此处不提供 MLflow 的 GraphQL 接口；请使用 REST 接口（/mlflow/api/2.0/mlflow/...）。")
            return
        route = allowed_route(method, path)
        if route is None:
            await _refuse(send, 403, "PERMISSION_DENIED",
                          f"{method} {path} is not one of the registry's read-only routes: the shared registry is "
                          "read-only over HTTP, and models are added only by promotion in dabiwu (POST "
                          "/api/v1/submissions/{id}/promote).",
                          f"{method} {path} 不是共享模型库的只读接口：共享模型库通过 HTTP 只读，模型只能通过 dabiwu 的上架操作加入"
                          "（POST /api/v1/submissions/{id}/promote）。")
            return
        if caller["role"] not in READ_ROLES:
            await _refuse(send, 403, "PERMISSION_DENIED",
                          f"A {caller['role']} account cannot read the shared registry; it is for district, judge "
                          "and admin accounts.",
                          f"{caller['role']} 账号不能读取共享模型库；它供区县、评委和管理员账号使用。")
            return
        if caller["role"] == "district":
            hidden = await anyio.to_thread.run_sync(self._hidden_from_districts, route[1], path,
                                                    scope.get("query_string", b""))
            if hidden:
                await _refuse(send, 404, "RESOURCE_DOES_NOT_EXIST",
                              f"{hidden} is not listed in the shared registry (it was delisted, or never listed), "
                              "so it is not served to districts; use the champion (models:/NAME@champion) or "
                              "another listed version.",
                              f"{hidden} 未在共享模型库上架（已下架或从未上架），不向区县院提供；"
                              "请使用 champion 或其他已上架版本。")
                return
        inner = await anyio.to_thread.run_sync(self._server)
        pull = _pull_of(path, method, scope.get("query_string", b""))
        if pull is None:
            await inner(scope, receive, send)
            return
        status = {}

        async def watch(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        await inner(scope, receive, watch)
        if status.get("code") == 200:
            await anyio.to_thread.run_sync(self._record_pull, caller["user_id"], *pull)

    # -- in a worker thread ---------------------------------------------------------------

    def _caller(self, token: str) -> dict | None:
        from dabiwu.auth.service import resolve_token

        with self._parent.state.sessionmaker() as session:
            user = resolve_token(session, token=token, secret_key=self._settings.secret_key)
            return None if user is None else {"user_id": user.id, "role": user.role}

    def _hidden_from_districts(self, template: str, path: str, query: bytes) -> str | None:
        """What a district asked for that is not a listed version (a sentence's subject), or None."""
        from sqlalchemy import select

        from dabiwu.db.models import RegistryListing

        if template in (VERSION_GET, VERSION_DOWNLOAD_URI):
            params = parse_qs(query.decode("latin-1"))
            name, version = (params.get("name") or [""])[0], (params.get("version") or [""])[0]
            if not (version.isascii() and version.isdigit()):
                return f"{name} version {version!r}"  # only plain numbers: MLflow would read ' 1' as 1
            where = (RegistryListing.registered_model == name, RegistryListing.version == int(version))
            subject = f"{name} version {version}"
        elif template in (ARTIFACT_DOWNLOAD, ARTIFACT_LIST):
            if template == ARTIFACT_DOWNLOAD:
                relative = path_params(template, path)[0]
            else:
                relative = (parse_qs(query.decode("latin-1")).get("path") or [""])[0]
            parts = [part for part in relative.split("/") if part]
            if any(part in (".", "..") or "\\" in part for part in parts):
                return "That artifact path"  # no climbing out of a listed run's folder
            if len(parts) < 2:
                return "That artifact folder"  # the experiment level lists every run: not for districts
            where = (RegistryListing.run_id == parts[1],)
            subject = f"The run {parts[1]}"
        else:
            return None
        with self._parent.state.sessionmaker() as session:
            listed = session.scalar(select(RegistryListing.listed).where(*where).limit(1))
        return None if listed else subject

    def _record_pull(self, user_id: int, name: str, version: int) -> None:
        from dabiwu.db.models import User

        try:
            with self._parent.state.sessionmaker() as session:
                self._registry.record_pull(session, user=session.get(User, user_id), registered_model=name,
                                           version=version, via="mlflow")
                session.commit()
        except Exception:  # a lost pull record must not fail the download that already succeeded
            log.exception("could not record the pull of %s version %s", name, version)

    def warm_up(self) -> None:
        try:
            self._server()
        except Exception:  # the first request will try again and report it
            log.exception("the MLflow server could not be started ahead of the first request")

    def _server(self):
        with _SERVER_LOCK:
            if self._inner is None:
                self._backend = self._registry.backend_for(self._settings)
                self._inner = _create_server(self._settings, self._backend)
            _point_server_at(self._backend)
            return self._inner


def _create_server(settings: Settings, backend):
    # MLflow's server reads these when its modules are imported and on some requests.
    os.environ["_MLFLOW_SERVER_FILE_STORE"] = backend.database_url
    os.environ["_MLFLOW_SERVER_REGISTRY_STORE"] = backend.database_url
    os.environ["_MLFLOW_SERVER_SERVE_ARTIFACTS"] = "true"
    os.environ["_MLFLOW_SERVER_ARTIFACT_ROOT"] = "mlflow-artifacts:/"
    os.environ["_MLFLOW_SERVER_ARTIFACT_DESTINATION"] = backend.artifact_destination
    # The guard checks hosts per app; MLflow's own check reads the environment once per process.
    os.environ["MLFLOW_SERVER_ALLOWED_HOSTS"] = "*"
    if settings.s3_endpoint_url:
        os.environ["MLFLOW_S3_ENDPOINT_URL"] = settings.s3_endpoint_url
    from mlflow.server.fastapi_app import create_fastapi_app

    return create_fastapi_app()


def _point_server_at(backend) -> None:
    from mlflow.server import handlers

    if handlers._tracking_store is not backend.tracking_store:
        handlers._tracking_store = backend.tracking_store
        handlers._model_registry_store = backend.registry_store
        handlers._artifact_repo = backend.artifact_repo
        os.environ["_MLFLOW_SERVER_ARTIFACT_DESTINATION"] = backend.artifact_destination


def _bearer(value: str) -> str | None:
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def _relative_path(scope) -> str:
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def _pull_of(path: str, method: str, query: bytes) -> tuple[str, int] | None:
    if method != "GET" or not path.endswith(PULL_SUFFIX):
        return None
    params = parse_qs(query.decode("latin-1"))
    try:
        return params["name"][0], int(params["version"][0])
    except (KeyError, IndexError, ValueError):
        return None


async def _refuse(send, status: int, code: str, message: str, message_zh: str) -> None:
    # MLflow's own error shape (error_code, message), which the stock client prints; detail_zh for people.
    body = json.dumps({"error_code": code, "message": message, "detail_zh": message_zh},
                      ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"x-dabiwu-guard", b"refused")]  # told apart from MLflow's own answers (tests, operators)
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
