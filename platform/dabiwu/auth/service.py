"""Accounts: users, teams, districts and tokens.  Services flush; the caller commits."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from dabiwu.auth.passwords import hash_password, verify_password
from dabiwu.auth.roles import Role
from dabiwu.auth.tokens import new_token, token_digest
from dabiwu.db.base import utcnow
from dabiwu.db.models import ApiToken, District, Team, User


class AccountError(ValueError):
    """A refusal with a sentence that says what to change."""


def as_utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def get_or_create_team(session: Session, *, name: str) -> Team:
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name, join_code=secrets.token_hex(4))
        session.add(team)
        session.flush()
    return team


def find_district(session: Session, *, ref: str) -> District:
    district = session.scalar(
        select(District).where((District.code == ref) | (District.name_zh == ref) | (District.name_en == ref))
    )
    if district is None:
        known = ", ".join(session.scalars(select(District.name_zh)).all())
        raise AccountError(f"Unknown district '{ref}'. Use one of: {known}, or add it first.")
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
) -> User:
    if role not in Role.__members__.values():
        raise AccountError(f"Unknown role '{role}'. Use one of: admin, judge, team, district.")
    if len(password) < 8:
        raise AccountError("The password is too short: use at least 8 characters.")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise AccountError(f"The username '{username}' is taken: choose another.")
    if role == Role.TEAM and not team:
        raise AccountError("A team user needs a team: pass --team NAME (it is created if new).")
    if role == Role.DISTRICT and not district:
        raise AccountError("A district user needs a district: pass --district NAME.")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
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


def revoke_token(session: Session, *, user: User, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and user.role != Role.ADMIN):
        raise LookupError(f"No API token {token_id} of yours.")
    row.revoked_at = utcnow()
    session.flush()
