from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import select

from dabiwu.audit.service import record
from dabiwu.auth.schemas import ApiTokenCreate, ApiTokenOut, TokenOut, UserOut
from dabiwu.auth.service import authenticate, issue_token, revoke_token
from dabiwu.db.models import ApiToken
from dabiwu.deps import CurrentUser, SessionDep, SettingsDep
from dabiwu.errors import DabiwuError

router = APIRouter(prefix="/auth", tags=["auth"])

BAD_LOGIN = "Wrong username or password. Check both and try again."
# The users table holds at most 64 characters; anything longer cannot be a username.
USERNAME_MAX = 64
PASSWORD_MAX = 1024


class SignInForm:
    """OAuth2's password form with bounded fields: an oversized username is refused (422) before the throttle or the
    database sees it (issue #14, item 2: 1 MB usernames were kept by the throttle for ever)."""

    def __init__(
        self,
        username: Annotated[str, Form(min_length=1, max_length=USERNAME_MAX)],
        password: Annotated[str, Form(max_length=PASSWORD_MAX)],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=1024)] = "",
        client_id: Annotated[str | None, Form(max_length=256)] = None,
        client_secret: Annotated[str | None, Form(max_length=256)] = None,
    ) -> None:
        self.username, self.password = username, password
BAD_LOGIN_ZH = "用户名或密码错误，请检查后重试。"


@router.post("/token", response_model=TokenOut)
def sign_in(
    request: Request,
    form: Annotated[SignInForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenOut:
    throttle = request.app.state.login_throttle
    # The TCP peer, or what a trusted proxy (DABIWU_TRUSTED_PROXIES) says it forwarded for; never a header taken on
    # trust from anyone else.
    client = request.client.host if request.client else "unknown"
    # Per address, and per (user, address): a flood of wrong passwords from one address locks that address out, not
    # the user everywhere (auth/ratelimit.py).
    keys = (f"addr:{client}", f"user:{form.username}|addr:{client}")
    retry_after = throttle.retry_after(*keys)
    if retry_after:
        raise DabiwuError(
            f"Too many failed sign-ins from this address. Wait {retry_after} s and try again.",
            f"此地址登录失败次数过多。请等待 {retry_after} 秒后再试。",
            code="too_many_sign_ins", status=429, headers={"Retry-After": str(retry_after)},
            extra={"retry_after": retry_after},
        )
    user = authenticate(session, username=form.username, password=form.password)
    if user is None:
        throttle.fail(*keys)
        raise DabiwuError(BAD_LOGIN, BAD_LOGIN_ZH, code="bad_credentials", status=401,
                          headers={"WWW-Authenticate": "Bearer"})
    throttle.succeed(keys[1])
    token, row = issue_token(
        session,
        user=user,
        kind="session",
        name="web sign-in",
        secret_key=settings.secret_key,
        lifetime=timedelta(hours=settings.session_token_hours),
    )
    session.commit()
    return TokenOut(access_token=token, expires_at=row.expires_at)


@router.get("/me", response_model=UserOut)
def who_am_i(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.get("/api-tokens", response_model=list[ApiTokenOut])
def list_api_tokens(user: CurrentUser, session: SessionDep) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.kind == "api").order_by(ApiToken.id)
    return list(session.scalars(query))


@router.post("/api-tokens", response_model=ApiTokenOut, status_code=201)
def create_api_token(body: ApiTokenCreate, user: CurrentUser, session: SessionDep, settings: SettingsDep) -> ApiTokenOut:
    lifetime = timedelta(days=body.expires_in_days) if body.expires_in_days else None
    token, row = issue_token(
        session, user=user, kind="api", name=body.name, secret_key=settings.secret_key, lifetime=lifetime
    )
    record(session, actor=user, action="token.create", object_type="api_token", object_id=row.id, detail={"name": body.name})
    session.commit()
    out = ApiTokenOut.model_validate(row)
    out.token = token
    return out


@router.delete("/api-tokens/{token_id}", status_code=204)
def revoke_api_token(token_id: int, user: CurrentUser, session: SessionDep) -> None:
    revoke_token(session, user=user, token_id=token_id)
    record(session, actor=user, action="token.revoke", object_type="api_token", object_id=token_id)
    session.commit()
