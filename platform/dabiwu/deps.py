"""Typed dependencies.  Routers declare who may call them with these aliases."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from dabiwu.auth.roles import Role
from dabiwu.auth.service import Principal, cached_principal, load_principal, resolve_token
from dabiwu.db.models import User
from dabiwu.errors import DabiwuError
from dabiwu.settings import Settings

_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
bearer_token = _bearer  # the raw token (or None), for endpoints that key a limit by token


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        # Endpoints commit what they mean to keep; anything left is rolled back here.
        session.rollback()
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]


SIGN_IN_FIRST = "Sign in first: send `Authorization: Bearer TOKEN` (get one from POST /api/v1/auth/token)."
SIGN_IN_FIRST_ZH = "请先登录：请求须带 `Authorization: Bearer 令牌`（令牌由 POST /api/v1/auth/token 获取）。"
BAD_TOKEN = "The token is invalid, expired or revoked: sign in again."
BAD_TOKEN_ZH = "登录令牌无效、已过期或已被撤销：请重新登录。"
_UNAUTHORIZED = {"not_signed_in": (SIGN_IN_FIRST, SIGN_IN_FIRST_ZH), "bad_token": (BAD_TOKEN, BAD_TOKEN_ZH)}

# Role names as the Chinese UI shows them.
ROLE_ZH = {"admin": "管理员", "judge": "评委", "team": "参赛队员", "district": "区县用户"}


def _unauthorized(code: str) -> DabiwuError:
    detail, detail_zh = _UNAUTHORIZED[code]
    return DabiwuError(detail, detail_zh, code=code, status=401, headers={"WWW-Authenticate": "Bearer"})


def role_refused(*roles: str) -> DabiwuError:
    """403 for a caller whose role may not use this endpoint."""
    return DabiwuError(
        f"This needs one of the roles: {', '.join(roles)}.",
        f"此操作仅限以下角色：{'、'.join(ROLE_ZH.get(r, r) for r in roles)}。",
        code="role_not_allowed", status=403, extra={"roles": list(roles)},
    )


def get_current_user(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(_bearer)]
) -> User:
    if not token:
        raise _unauthorized("not_signed_in")
    user = resolve_token(session, token=token, secret_key=settings.secret_key)
    if user is None:
        raise _unauthorized("bad_token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def _load_principal(request: Request, token: str) -> Principal | None:
    with request.app.state.sessionmaker() as session:
        return load_principal(session, token=token, secret_key=request.app.state.settings.secret_key)


async def get_principal(request: Request, token: Annotated[str | None, Depends(_bearer)]) -> Principal:
    """Like CurrentUser, for read-only endpoints that need only who is asking (id, role, team).

    Async and without a database session: a token checked less than DABIWU_TOKEN_CACHE_SECONDS ago
    is trusted from memory (see auth.service.TokenCache for what that means for revocation), so a
    cached answer costs no query and no thread.  Otherwise the token is checked in a worker thread.
    """
    if not token:
        raise _unauthorized("not_signed_in")
    settings = request.app.state.settings
    digest, principal = cached_principal(token=token, secret_key=settings.secret_key,
                                         max_age_s=settings.token_cache_seconds)
    if principal is None:
        principal = await _check_once(request, token, digest)
    if principal is None:
        raise _unauthorized("bad_token")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def _principal_reader(principal: CurrentPrincipal) -> Principal:
    if principal.role not in (Role.TEAM, Role.JUDGE, Role.ADMIN):
        raise role_refused(Role.TEAM, Role.JUDGE, Role.ADMIN)
    return principal


# SubmissionReader without a database session: for long-lived answers (event streams) that must not hold one.
StreamReader = Annotated[Principal, Depends(_principal_reader)]

# Token checks in flight, by token digest: when a cached token runs out, the requests that arrive while it is being
# checked wait for that one check instead of each sending its own query (50 clients with one token would otherwise
# send 50 queries through the thread pool every DABIWU_TOKEN_CACHE_SECONDS). Event-loop only, so no lock.
_token_checks: dict[str, asyncio.Future] = {}


async def _check_once(request: Request, token: str, digest: str) -> Principal | None:
    check = _token_checks.get(digest)
    if check is None or check.get_loop() is not asyncio.get_running_loop():
        check = asyncio.ensure_future(run_in_threadpool(_load_principal, request, token))
        _token_checks[digest] = check
        check.add_done_callback(lambda done, key=digest: _token_checks.pop(key, None)
                                if _token_checks.get(key) is done else None)
    return await asyncio.shield(check)


def require_roles(*roles: Role):
    def check(user: CurrentUser) -> User:
        if user.role not in roles:
            raise role_refused(*roles)
        return user

    return check


AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]
JudgeUser = Annotated[User, Depends(require_roles(Role.JUDGE, Role.ADMIN))]
TeamUser = Annotated[User, Depends(require_roles(Role.TEAM))]
SubmissionReader = Annotated[User, Depends(require_roles(Role.TEAM, Role.JUDGE, Role.ADMIN))]
DataReader = Annotated[User, Depends(require_roles(Role.TEAM, Role.JUDGE, Role.ADMIN))]
RegistryReader = Annotated[User, Depends(require_roles(Role.DISTRICT, Role.JUDGE, Role.ADMIN))]
DistrictUser = Annotated[User, Depends(require_roles(Role.DISTRICT))]


def require_finalizer(user: CurrentUser) -> User:
    if user.role == Role.ADMIN or (user.role == Role.JUDGE and user.is_head_judge):
        return user
    raise DabiwuError("Only an admin or the head judge can finalize.", "只有管理员或首席评委可以定榜。",
                      code="finalizer_only", status=403)


FinalizerUser = Annotated[User, Depends(require_finalizer)]
