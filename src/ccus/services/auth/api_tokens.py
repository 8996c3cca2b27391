"""Staff identities for the API: bearer tokens of staff accounts, stored as SHA-256 (they are random,
256-bit). A token acts as its account: the role is the account's, read at each request; it stops
working when the account is deactivated, when it expires (``DEFAULT_DAYS`` unless chosen) or is
revoked (``ccus token revoke``)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update

from ccus.infra.db import unit_of_work
from ccus.models.tables import ApiToken, StaffUser

ROLES = ("reviewer", "supervisor", "clerk", "admin")
DEFAULT_DAYS = 90
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


class TokenRefused(ValueError):
    pass


@dataclass(frozen=True)
class Staff:
    """The staff account behind a bearer token; ``actor`` is its username, as on the web screens."""

    actor: str
    role: str
    user_id: int


@dataclass(frozen=True)
class TokenInfo:
    id: int
    account: str
    role: str | None
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(username: str, days: int = DEFAULT_DAYS) -> str:
    """A new token for the active account ``username``; the plaintext is returned once, never stored."""
    if not 1 <= days <= 3650:
        raise TokenRefused("days must be between 1 and 3650")
    token = "ccus_" + secrets.token_urlsafe(32)
    with unit_of_work() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username.strip())).one_or_none()
        if user is None or not user.active:
            raise TokenRefused(f"no active staff account {username!r} (create it with `ccus user add`)")
        session.add(ApiToken(staff_user_id=user.id, actor=user.username, token_sha256=_digest(token),
                             expires_at=func.now() + timedelta(days=days)))
    return token


def list_tokens() -> list[TokenInfo]:
    with unit_of_work() as session:
        rows = session.execute(select(ApiToken, StaffUser).outerjoin(StaffUser, StaffUser.id == ApiToken.staff_user_id)
                               .order_by(ApiToken.id)).all()
        return [TokenInfo(t.id, u.username if u else t.actor, u.role if u else None, t.created_at, t.expires_at,
                          t.last_used_at, t.revoked_at) for t, u in rows]


def revoke(*, token_id: int | None = None, username: str | None = None) -> int:
    """Revoke one token by its id, or every token of an account; returns how many were revoked."""
    if (token_id is None) == (username is None):
        raise TokenRefused("give a token id or a username")
    where: list[ColumnElement[bool]] = [ApiToken.revoked_at.is_(None)]
    if token_id is not None:
        where.append(ApiToken.id == token_id)
    else:
        where.append(ApiToken.staff_user_id.in_(select(StaffUser.id).where(StaffUser.username == username)))
    with unit_of_work() as session:
        result = session.execute(update(ApiToken).where(*where).values(revoked_at=func.now()))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def authenticate(token: str) -> Staff | None:
    """The account of a live token (not revoked, not expired, its account active), or None."""
    with unit_of_work() as session:
        row = session.execute(
            select(ApiToken.id, StaffUser).join(StaffUser, StaffUser.id == ApiToken.staff_user_id)
            .where(ApiToken.token_sha256 == _digest(token), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > func.now(), StaffUser.active.is_(True))).one_or_none()
        if row is None:
            return None
        token_id, user = row
        session.execute(update(ApiToken).where(
            ApiToken.id == token_id,
            or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < func.now() - TOUCH_EVERY))
            .values(last_used_at=func.now()))
        return Staff(user.username, user.role, user.id)
