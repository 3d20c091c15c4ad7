"""Every error answer is JSON with a `detail` sentence; unknown API paths get a real JSON 404.

Faults of the platform's own dependencies are told apart from bugs: the object store or the database
being away is a 503 with Retry-After (the request was fine; try again), a full disk is a 507 (an
operator must act).  Neither gives the caller internal names: those go to the log.
"""

from __future__ import annotations

import errno
import logging

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from dabiwu.storage import StoreUnavailable

log = logging.getLogger("dabiwu.errors")


class DabiwuError(Exception):
    """The one error type of the platform: raise it anywhere, one handler answers it.

    The answer is `{"code", "detail", "detail_zh", **extra}` with `status`. `code` is a stable snake_case string
    that scripts and the UI match on; `detail` is an English sentence and `detail_zh` the same in Chinese, each
    saying what was wrong and how to fix it.  Subclasses may fix `status` and `code` as class attributes.
    """

    status: int = 400
    code: str = "bad_request"

    def __init__(
        self,
        detail: str,
        detail_zh: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
        extra: dict | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.detail_zh = detail_zh
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = headers
        self.extra = extra or {}

    def body(self) -> dict:
        return {"code": self.code, "detail": self.detail, "detail_zh": self.detail_zh, **self.extra}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)

RETRY_AFTER_S = 60
STORE_UNAVAILABLE = (
    "The object store is unavailable (the platform's file storage cannot be reached), so this request was not "
    "completed and nothing was charged. Please try again in a minute; if it persists, tell the organisers."
)
DATABASE_UNAVAILABLE = (
    "The database is unavailable or busy, so this request was not completed. Please try again in a minute; "
    "if it persists, tell the organisers."
)
DISK_FULL = (
    "The server's disk is full, so it cannot take this request now and nothing was charged. The organisers must "
    "free space; please try again later, and tell them if it persists."
)
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DabiwuError)
    async def dabiwu_error(_: Request, exc: DabiwuError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if _is_disk_full(exc.__cause__):
            # FastAPI turns any failure while spooling a form to the temp folder into a vague 400.
            log.error("disk full while reading the body of %s %s: %s", request.method, request.url.path, exc.__cause__)
            return JSONResponse({"detail": DISK_FULL}, status_code=507)
        detail = exc.detail
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"No such endpoint: {request.method} {request.url.path}. See /api/docs for the API."
        elif exc.status_code == 405 and detail == "Method Not Allowed":
            detail = f"{request.method} is not allowed on {request.url.path}. See /api/docs for the API."
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Keep FastAPI's list (its `loc` is the field path) and add one readable sentence.
        errors = jsonable_encoder(exc.errors(), exclude={"input", "ctx", "url"})
        summary = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in errors[:5])
        return JSONResponse({"detail": errors, "message": f"Invalid request: {summary}."}, status_code=422)

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.error("object store unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _unavailable(STORE_UNAVAILABLE)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _unavailable(DATABASE_UNAVAILABLE)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> JSONResponse:
        if _is_disk_full(exc):
            log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
            return JSONResponse({"detail": DISK_FULL}, status_code=507)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            {"detail": "Internal error. It has been logged; quote the X-Request-ID header when reporting it."},
            status_code=500,
        )

    _document_error_shapes(app)


def _is_disk_full(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS


def _unavailable(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


def _document_error_shapes(app: FastAPI) -> None:
    """Say in the OpenAPI document what a 422 really carries: field errors from validation, or one
    sentence from a service refusal (e.g. "The username 'x' is taken: choose another.")."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        shape = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if shape is not None:
            field_errors = shape["properties"]["detail"]
            shape["properties"]["detail"] = {
                "title": "Detail",
                "anyOf": [{k: v for k, v in field_errors.items() if k != "title"}, {"type": "string"}],
            }
            shape["properties"]["message"] = {"title": "Message", "type": "string"}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
