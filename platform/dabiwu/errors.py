"""Every error answer is `{"code", "detail", "detail_zh", ...}`; unknown API paths get a real JSON 404.

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
from dabiwu.validation_errors import describe

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

    @property
    def message(self) -> str:
        """The English sentence (the name the domain errors used before they shared this base)."""
        return self.detail

    @property
    def message_zh(self) -> str:
        return self.detail_zh

    def body(self) -> dict:
        return {"code": self.code, "detail": self.detail, "detail_zh": self.detail_zh, **self.extra}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=self.headers)


RETRY_AFTER_S = 60
STORE_UNAVAILABLE = (
    "The object store is unavailable (the platform's file storage cannot be reached), so this request was not "
    "completed and nothing was charged. Please try again in a minute; if it persists, tell the organisers."
)
STORE_UNAVAILABLE_ZH = "平台的文件存储暂时无法访问，本次请求未完成，也未计入次数。请一分钟后重试；如果一直如此，请告知组织方。"
DATABASE_UNAVAILABLE = (
    "The database is unavailable or busy, so this request was not completed. Please try again in a minute; "
    "if it persists, tell the organisers."
)
DATABASE_UNAVAILABLE_ZH = "数据库暂时不可用或繁忙，本次请求未完成。请一分钟后重试；如果一直如此，请告知组织方。"
DISK_FULL = (
    "The server's disk is full, so it cannot take this request now and nothing was charged. The organisers must "
    "free space; please try again later, and tell them if it persists."
)
DISK_FULL_ZH = "服务器磁盘已满，暂时无法处理本次请求，也未计入次数。需要组织方清理空间；请稍后重试，如果一直如此请告知组织方。"
INTERNAL = "Internal error. It has been logged; quote the X-Request-ID header when reporting it."
INTERNAL_ZH = "服务器内部错误，已记入日志。报告问题时请附上响应头 X-Request-ID 的值。"
_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}

# What an HTTPException without its own code answers (Starlette's own 404/405, or a plain HTTPException):
# a code from the status, the English sentence it carries, and a Chinese sentence for the status.
GENERIC = {
    400: ("bad_request", "请求有误：请检查后重新提交。"),
    401: ("not_signed_in", "请先登录。"),
    403: ("forbidden", "您的账号无权进行此操作。"),
    404: ("not_found", "未找到所请求的内容。"),
    405: ("method_not_allowed", "此地址不支持该请求方法。"),
    408: ("request_timeout", "请求正文传输超时，服务器已停止等待：请检查网络后重试。"),
    409: ("conflict", "当前状态下不能进行此操作。"),
    413: ("too_large", "请求正文过大。"),
    415: ("unsupported_media_type", "不支持该内容类型。"),
    422: ("invalid_request", "请求未被接受：请检查填写的内容。"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试。"),
    500: ("internal_error", INTERNAL_ZH),
    503: ("unavailable", "服务暂时不可用，请稍后重试。"),
    507: ("disk_full", DISK_FULL_ZH),
}


def generic(status: int) -> tuple[str, str]:
    """(code, detail_zh) for a status that has no more specific error."""
    if status in GENERIC:
        return GENERIC[status]
    return ("server_error", "服务器出错，请稍后重试。") if status >= 500 else ("bad_request", GENERIC[400][1])


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DabiwuError)
    async def dabiwu_error(_: Request, exc: DabiwuError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if _is_disk_full(exc.__cause__):
            # FastAPI turns any failure while spooling a form to the temp folder into a vague 400.
            log.error("disk full while reading the body of %s %s: %s", request.method, request.url.path, exc.__cause__)
            return _disk_full().response()
        return http_exception_error(exc, request.method, request.url.path).response()

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        detail, detail_zh, items = describe(exc.errors())
        errors = jsonable_encoder(items)
        # `message` is the sentence's old name (kept for scripts that read it).
        return DabiwuError(detail, detail_zh, code="invalid_request", status=422,
                           extra={"errors": errors, "message": detail}).response()

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        log.error("object store unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _unavailable("store_unavailable", STORE_UNAVAILABLE, STORE_UNAVAILABLE_ZH)

    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return _unavailable("database_unavailable", DATABASE_UNAVAILABLE, DATABASE_UNAVAILABLE_ZH)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> JSONResponse:
        if _is_disk_full(exc):
            log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
            return _disk_full().response()
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return DabiwuError(INTERNAL, INTERNAL_ZH, code="internal_error", status=500).response()

    _document_error_shapes(app)


def http_exception_error(exc: StarletteHTTPException, method: str, path: str) -> DabiwuError:
    """A Starlette/FastAPI HTTPException (routing's 404/405, or one raised by code not yet converted) as a DabiwuError."""
    code, detail_zh = generic(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else code.replace("_", " ").capitalize() + "."
    if exc.status_code == 404 and exc.detail == "Not Found":
        return no_such_endpoint(method, path)
    if exc.status_code == 405 and exc.detail == "Method Not Allowed":
        detail = f"{method} is not allowed on {path}. See /api/docs for the API."
        detail_zh = f"{path} 不接受 {method} 请求。接口说明见 /api/docs。"
    return DabiwuError(detail, detail_zh, code=code, status=exc.status_code, headers=getattr(exc, "headers", None))


def no_such_endpoint(method: str, path: str) -> DabiwuError:
    return DabiwuError(f"No such endpoint: {method} {path}. See /api/docs for the API.",
                       f"没有这个接口：{method} {path}。接口说明见 /api/docs。", code="no_such_endpoint", status=404)


def _is_disk_full(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS


def _disk_full() -> DabiwuError:
    return DabiwuError(DISK_FULL, DISK_FULL_ZH, code="disk_full", status=507)


def _unavailable(code: str, detail: str, detail_zh: str) -> JSONResponse:
    return DabiwuError(detail, detail_zh, code=code, status=503, headers={"Retry-After": str(RETRY_AFTER_S)}).response()


def _document_error_shapes(app: FastAPI) -> None:
    """Say in the OpenAPI document what an error carries: `code`, `detail`, `detail_zh`, and for a 422 from
    validation the field list `errors` (each `loc`, `msg`, `type`, `msg_zh`)."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        item = components.get("ValidationError")
        if item is not None:
            item["properties"]["msg_zh"] = {"title": "Message in Chinese", "type": "string"}
        shape = components.get("HTTPValidationError")
        if shape is not None:
            errors = shape["properties"].pop("detail")
            shape["properties"] = {**_ERROR_PROPERTIES, "errors": {**errors, "title": "Errors"},
                                   "message": {"title": "Message", "type": "string",
                                               "description": "The same as detail (its old name)."}}
            # A service refusal answered 422 (e.g. username_taken) has no `errors`: only the sentence.
            shape["required"] = ["code", "detail", "detail_zh"]
        components["Error"] = {"title": "Error", "type": "object", "properties": dict(_ERROR_PROPERTIES),
                               "required": ["code", "detail", "detail_zh"], "additionalProperties": True}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


_ERROR_PROPERTIES = {
    "code": {"title": "Code", "type": "string", "description": "stable snake_case code that programs match on"},
    "detail": {"title": "Detail", "type": "string", "description": "what was wrong and how to fix it, in English"},
    "detail_zh": {"title": "Detail (Chinese)", "type": "string", "description": "the same sentence in Chinese"},
}
