"""Accounts: users, teams, districts and tokens.  Services flush; the caller commits."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.auth.passwords import hash_password, verify_password
from dabiwu.auth.roles import Role
from dabiwu.auth.tokens import new_token, token_digest
from dabiwu.db.base import utcnow
from dabiwu.db.models import ApiToken, District, Team, User
from dabiwu.errors import DabiwuError


class AccountError(DabiwuError, ValueError):
    """A refusal with a sentence (English and Chinese) that says what to change; a 422 over HTTP."""

    status = 422

    def __init__(self, code: str, detail: str, detail_zh: str) -> None:
        super().__init__(detail, detail_zh, code=code)


def as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def get_or_create_team(session: Session, *, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, join_code=secrets.token_urlsafe(24))
        session.add(team)
        session.flush()
    return team


def find_district(session: Session, *, ref: str) -> District:
    district = session.scalar(
        select(District).where((District.code == ref) | (District.name_zh == ref) | (District.name_en == ref))
    )
    if district is None:
        known = ", ".join(session.scalars(select(District.name_zh)).all())
        raise AccountError("unknown_district", f"Unknown district '{ref}'. Use one of: {known}, or add it first.",
                           f"没有区县「{ref}」。请从以下区县中选择：{known}，或先添加该区县。")
    return district


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    team: str | None = None,
    district: str | None = None,
    display_name: str = "",
    is_head_judge: bool = False,
) -> User:
    if role not in Role.__members__.values():
        raise AccountError("unknown_role", f"Unknown role '{role}'. Use one of: admin, judge, team, district.",
                           f"没有角色「{role}」。请使用 admin（管理员）、judge（评委）、team（参赛队员）或 district（区县用户）。")
    if len(password) < 8:
        raise AccountError("password_too_short", "The password is too short: use at least 8 characters.",
                           "密码太短：请至少使用 8 个字符。")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError("username_taken", f"The username '{username}' is taken: choose another.",
                           f"用户名「{username}」已被占用：请换一个。")
    if role == Role.TEAM and not team:
        raise AccountError("team_required", "A team user needs a team: pass --team NAME (it is created if new).",
                           "参赛队员账号必须属于一个队伍：请填写队伍名称（不存在时会新建）。")
    if role == Role.DISTRICT and not district:
        raise AccountError("district_required", "A district user needs a district: pass --district NAME.",
                           "区县用户账号必须指定区县：请填写区县。")
    if is_head_judge and role != Role.JUDGE:
        raise AccountError("head_judge_not_judge",
                           f"Only a judge can be head judge, not a {role} user: drop the head-judge flag or use --role judge.",
                           "只有评委才能担任首席评委：请取消首席评委选项，或把角色设为评委。")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        is_head_judge=is_head_judge,
    )
    if team:
        team_row = get_or_create_team(session, name=team)
        user.team = team_row
    if district:
        user.district = find_district(session, ref=district)
    session.add(user)
    session.flush()
    if team and user.team is not None and user.team.captain_id is None:
        user.team.captain_id = user.id
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    return user


def issue_token(
    session: Session, *, user: User, kind: str, name: str, secret_key: str, lifetime: timedelta | None
) -> tuple[str, ApiToken]:
    token = new_token()
    row = ApiToken(
        user_id=user.id,
        kind=kind,
        name=name,
        token_hash=token_digest(token, secret_key=secret_key),
        prefix=token[:10],
        expires_at=(utcnow() + lifetime) if lifetime else None,
    )
    session.add(row)
    session.flush()
    return token, row


def resolve_token(session: Session, *, token: str, secret_key: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token, secret_key=secret_key)))
    if row is None or row.revoked_at is not None:
        return None
    expires = as_utc(row.expires_at)
    if expires is not None and expires <= utcnow():
        return None
    user = row.user
    return user if user.is_active else None


@dataclass(frozen=True)
class Principal:
    """Who holds a token, as plain data (what read-only endpoints need, without an ORM row)."""

    user_id: int
    role: str
    team_id: int | None
    expires_at: datetime | None


class TokenCache:
    """token digest -> (Principal, monotonic time it was read from the database), per process.

    Lets read-mostly endpoints (the board) answer without a database query per request.  An entry is
    trusted for `max_age_s` (DABIWU_TOKEN_CACHE_SECONDS): a token revoked, or a user deactivated or
    given another role, through another server process is refused within that time; `revoke_token`
    forgets the token at once in its own process.  Expiry is checked on every use.
    """

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str, *, max_age_s: float) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or max_age_s <= 0 or time.monotonic() - entry[1] >= max_age_s:
            return None
        principal = entry[0]
        expires = principal.expires_at
        if expires is not None and expires <= utcnow():
            return None
        return principal

    def put(self, digest: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                for old in list(self._entries)[: self.max_entries // 10 or 1]:
                    self._entries.pop(old, None)
            self._entries[digest] = (principal, time.monotonic())

    def forget(self, digest: str) -> None:
        with self._lock:
            self._entries.pop(digest, None)


token_cache = TokenCache()


def cached_principal(*, token: str, secret_key: str, max_age_s: float) -> tuple[str, Principal | None]:
    """(digest, the principal if a check less than max_age_s ago found the token valid)."""
    digest = token_digest(token, secret_key=secret_key)
    return digest, token_cache.get(digest, max_age_s=max_age_s)


def load_principal(session: Session, *, token: str, secret_key: str) -> Principal | None:
    """Check the token in the database (as `resolve_token`) and remember the answer if it is valid."""
    digest = token_digest(token, secret_key=secret_key)
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or row.revoked_at is not None:
        return None
    expires = as_utc(row.expires_at)
    if expires is not None and expires <= utcnow():
        return None
    user = row.user
    if not user.is_active:
        return None
    principal = Principal(user_id=user.id, role=user.role, team_id=user.team_id, expires_at=expires)
    token_cache.put(digest, principal)
    return principal


def revoke_token(session: Session, *, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and user.role != Role.ADMIN):
        raise DabiwuError(f"No API token {token_id} of yours.", f"您没有编号为 {token_id} 的 API 令牌。",
                          code="token_not_found", status=404)
    row.revoked_at = utcnow()
    session.flush()
    token_cache.forget(row.token_hash)
