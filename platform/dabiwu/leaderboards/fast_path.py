"""The board's hot path as a small ASGI layer in front of FastAPI's routing.

Under load (the public board, 50 clients, benchmarks/RESULTS.md) most of a cached board answer's time
went to FastAPI itself: matching the path through the included routers, solving the dependencies,
validating the query. This layer answers only what the route would answer from memory anyway, with
the same bytes and headers:

- `GET /api/v1/challenges/{slug}/leaderboard` with a plain query (`split`, `page`, `page_size`, each at
  most once, valid values only);
- a `Bearer` token checked less than DABIWU_TOKEN_CACHE_SECONDS ago (`cached_principal`);
- a board page in memory (`page_from_memory`) that this caller may see (the private board: staff, or
  everyone after finalize). A page due for its check is answered and checked in the background, as the
  route does.

Everything else falls through to the route untouched: no or unknown token, a token due for its check,
a board not in memory, a refusal (401/403/404/422), any other query or method. It sits inside the
request-id/log/metrics middleware and the body limits (so the access line, `X-Request-ID` and the
metrics label are those of the route), and it sets `scope["route"]` as routing would.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from dabiwu.auth.service import cached_principal
from dabiwu.challenges.lifecycle import visible_to
from dabiwu.leaderboards import router as board_routes
from dabiwu.leaderboards.cache import database_key
from dabiwu.leaderboards.service import page_from_memory
from dabiwu.submissions.service import private_visible

BOARD_PATH = re.compile(r"^/api/v1/challenges/(?P<slug>[^/]+)/leaderboard$")
_DIGITS = re.compile(r"^[0-9]{1,9}$")


class BoardFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route = next(r for r in board_routes.router.routes
                          if getattr(r, "endpoint", None) is board_routes.read_leaderboard)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            match = BOARD_PATH.match(scope["path"])
            if match is not None:
                answer = _from_memory(scope, match["slug"])
                if answer is not None:
                    scope["route"] = self.route  # the metrics label, as routing sets it
                    body, total = answer
                    await send({"type": "http.response.start", "status": 200, "headers": [
                        (b"x-total-count", str(total).encode()),
                        (b"content-length", str(len(body)).encode()),
                        (b"content-type", b"application/json"),
                    ]})
                    await send({"type": "http.response.body", "body": body})
                    return
        await self.app(scope, receive, send)


def _from_memory(scope: Scope, slug: str) -> tuple[bytes, int] | None:
    """The route's answer if it would come from memory with status 200; else None (the route answers)."""
    query = _board_query(scope.get("query_string", b""))
    token = _bearer_token(scope.get("headers") or ())
    if query is None or token is None:
        return None
    split, page, page_size = query
    app = scope["app"]
    settings = app.state.settings
    principal = cached_principal(token=token, secret_key=settings.secret_key,
                                 max_age_s=settings.token_cache_seconds)[1]
    if principal is None:
        return None
    db_url = database_key(app.state.sessionmaker.kw["bind"])
    hit = page_from_memory(db_url, slug=slug, split=split, page=page, page_size=page_size,
                           max_age_s=settings.board_cache_seconds)
    if hit is None:
        return None
    view, answer, stale = hit
    if (split == "private" and not private_visible(principal, view)) or not visible_to(principal, view):
        return None  # the route answers the refusal
    if stale:
        board_routes.check_in_background(app, db_url, slug, split, page, page_size)
    return answer


def _board_query(raw: bytes) -> tuple[str, int, int | None] | None:
    """(split, page, page_size) for a query the route would accept as is; None for anything else."""
    values: dict[str, str] = {}
    if raw:
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            return None
        for pair in text.split("&"):
            name, sep, value = pair.partition("=")
            if not sep or name not in ("split", "page", "page_size") or name in values:
                return None
            values[name] = value
    split = values.get("split", "public")
    if split not in ("public", "private"):
        return None
    page_text, size_text = values.get("page", "1"), values.get("page_size")
    if not _DIGITS.match(page_text) or (size_text is not None and not _DIGITS.match(size_text)):
        return None
    page, page_size = int(page_text), None if size_text is None else int(size_text)
    if page < 1 or (page_size is None and page != 1):
        return None
    if page_size is not None and not 1 <= page_size <= board_routes.BOARD_MAX_PAGE_SIZE:
        return None
    return split, page, page_size


def _bearer_token(headers) -> str | None:
    """The token of the one `Authorization: Bearer …` header, as the route's OAuth2PasswordBearer reads it."""
    found = None
    for name, value in headers:
        if name == b"authorization":
            if found is not None:
                return None
            found = value
    if found is None:
        return None
    scheme, _, token = found.decode("latin-1").partition(" ")
    token = token.strip()  # as fastapi.security.utils.get_authorization_scheme_param
    return token if scheme.lower() == "bearer" and token else None
