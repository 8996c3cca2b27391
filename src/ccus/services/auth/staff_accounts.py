"""Staff accounts (職員アカウント) and browser sessions for the reviewers' web app.

Passwords are stored as argon2id hashes. A session is a random 256-bit token in an HttpOnly
cookie, stored here only as its SHA-256, with a CSRF token of its own; it ends after
``IDLE_TIMEOUT`` without use or ``MAX_LIFETIME`` after sign-in, whichever comes first.
Sign-in is throttled per username and per client address (``services/auth/throttle.py``); passwords
follow ``models/passwords.py`` (no common, single-character or username-bearing passwords).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from ccus.infra.db import unit_of_work
from ccus.infra.security import hash_secret, verify_or_dummy
from ccus.models.passwords import STAFF_MIN_LENGTH, password_problem
from ccus.models.tables import ApiToken, StaffSession, StaffUser
from ccus.models.throttle import ACCOUNT, ADDRESS
from ccus.services.auth import throttle

ROLES = ("reviewer", "supervisor", "clerk", "admin")
ROLE_LABELS_JA = {"reviewer": "審査担当", "supervisor": "審査責任者", "clerk": "窓口担当", "admin": "システム管理者"}
IDLE_TIMEOUT = timedelta(minutes=30)
MAX_LIFETIME = timedelta(hours=10)
TOUCH_EVERY = timedelta(minutes=1)  # sliding expiry is written at most this often
MIN_PASSWORD_LENGTH = STAFF_MIN_LENGTH


@dataclass(frozen=True)
class SignedIn:
    """The staff member behind a session cookie."""

    user_id: int
    username: str
    display_name: str
    role: str
    csrf_token: str
    session_id: int

    @property
    def role_ja(self) -> str:
        return ROLE_LABELS_JA.get(self.role, self.role)


class AccountError(ValueError):
    pass


class WeakPassword(AccountError):
    """The password breaks a rule; the message (Japanese) names which."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(username: str, role: str, password: str, display_name: str | None = None) -> None:
    """Create ``username`` or, if it exists, set its role, name and password (and reactivate it)."""
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 100:
        raise AccountError("username must be 1-100 characters")
    problem = password_problem(password, username, min_length=MIN_PASSWORD_LENGTH)
    if problem:
        raise WeakPassword(problem)
    values = {"username": username, "role": role, "password_hash": hash_secret(password),
              "display_name": display_name or username, "active": True}
    stmt = insert(StaffUser).values(**values)
    with unit_of_work() as session:
        session.execute(stmt.on_conflict_do_update(index_elements=["username"], set_={
            k: stmt.excluded[k] for k in ("role", "password_hash", "display_name", "active")}))
        # A changed password or role ends every session the account had.
        user_id = session.scalars(select(StaffUser.id).where(StaffUser.username == username)).one()
        session.execute(update(StaffSession).where(StaffSession.user_id == user_id,
                                                   StaffSession.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))


def deactivate(username: str) -> bool:
    """The account can no longer sign in; its sessions end and its API tokens are revoked."""
    with unit_of_work() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).one_or_none()
        if user is None:
            return False
        user.active = False
        session.execute(update(ApiToken).where(ApiToken.staff_user_id == user.id, ApiToken.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))
        session.execute(update(StaffSession).where(StaffSession.user_id == user.id,
                                                   StaffSession.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))
        return True


def list_users() -> list[StaffUser]:
    with unit_of_work() as session:
        return list(session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.username)))


def sign_in(username: str, password: str, client: str = "unknown") -> tuple[str, SignedIn] | None:
    """Check the password and open a session; returns (cookie token, who) or None. Raises
    ``throttle.Throttled`` (nothing verified) while the username or the address is in its delay."""
    username = username.strip()
    user_key, addr_key = f"staff:user:{username}", f"staff:addr:{client}"
    throttle.attempt([throttle.Key(user_key, ACCOUNT), throttle.Key(addr_key, ADDRESS)])
    with unit_of_work() as session:
        user = session.scalars(select(StaffUser).where(StaffUser.username == username)).one_or_none()
        ok = verify_or_dummy(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            return None
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        row = StaffSession(token_sha256=_digest(token), user_id=user.id, csrf_token=csrf,
                           expires_at=now + IDLE_TIMEOUT)
        session.add(row)
        user.last_login_at = now
        session.flush()
        signed = token, SignedIn(user.id, user.username, user.display_name, user.role, csrf, row.id)
    throttle.succeeded(reset=[user_key], refund=[addr_key])
    return signed


def resolve(token: str) -> SignedIn | None:
    """The signed-in staff member of a session cookie, sliding its idle expiry; None if expired."""
    now = datetime.now(UTC)
    with unit_of_work() as session:
        row = session.execute(
            select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.user_id)
            .where(StaffSession.token_sha256 == _digest(token))).one_or_none()
        if row is None:
            return None
        sess, user = row
        if sess.revoked_at is not None or sess.expires_at <= now or not user.active:
            return None
        if now - sess.last_seen_at >= TOUCH_EVERY:
            sess.last_seen_at = now
            sess.expires_at = min(now + IDLE_TIMEOUT, sess.created_at + MAX_LIFETIME)
        return SignedIn(user.id, user.username, user.display_name, user.role, sess.csrf_token, sess.id)


def sign_out(token: str) -> None:
    with unit_of_work() as session:
        session.execute(update(StaffSession).where(StaffSession.token_sha256 == _digest(token),
                                                   StaffSession.revoked_at.is_(None))
                        .values(revoked_at=datetime.now(UTC)))


def user_exists(username: str, roles: tuple[str, ...] = ROLES) -> bool:
    with unit_of_work() as session:
        return session.scalars(select(StaffUser.id).where(
            StaffUser.username == username, StaffUser.active.is_(True), StaffUser.role.in_(roles))).first() is not None
