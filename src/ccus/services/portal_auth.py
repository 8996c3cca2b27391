"""Sign-in to the business portal (事業者ポータルへのログイン), guide pp. 12–13.

* Sign-in with the 事業者ID (= the first 管理者ID) or a 管理者ID that has its own credential, and
  the password (argon2id hashes only, in ``credentials``).
* The first sign-in with the initial password gives a session that can do one thing: change the
  password. The change needs the 4-digit security code from the crimped postcard.
* Lock-out: ``MAX_FAILURES`` consecutive failures (wrong password or wrong security code) lock the
  login ID for ``LOCK_FOR``; while locked even the right password is refused. Success resets it.
* A lapsed or withdrawn registration, or a disabled 管理者ID, cannot sign in; its sessions die.
* Sessions are bearer tokens (256-bit random), stored as SHA-256, expiring after ``SESSION_TTL``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.infra.security import hash_secret, verify_secret
from ccus.models.japanese import normalize_digits
from ccus.models.lifecycle_tables import PortalLockout, PortalSession
from ccus.models.tables import AdminId, Business, Credential
from ccus.services.cases import audit

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=30)
SESSION_TTL = timedelta(hours=8)
ACTIVE = "active"
PASSWORD_CHANGED = "パスワードの変更に成功しました。"


class PortalRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


BAD_LOGIN = PortalRefused(401, "invalid_credentials", "IDまたはパスワードが正しくありません。")


@dataclass(frozen=True)
class PortalUser:
    login_id: str
    business_id: str
    business_pk: int
    application_id: int
    scope: str

    @property
    def actor(self) -> str:
        return f"portal:{self.login_id}"


@dataclass(frozen=True)
class SignedIn:
    token: str
    must_change_password: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lock_row(session: Session, login_id: str) -> PortalLockout:
    session.execute(insert(PortalLockout).values(login_id=login_id).on_conflict_do_nothing())
    return session.scalars(select(PortalLockout).where(PortalLockout.login_id == login_id).with_for_update()).one()


def _refuse_if_locked(session: Session, row: PortalLockout) -> None:
    if row.locked_until is not None and row.locked_until > datetime.now(UTC):
        raise PortalRefused(423, "locked", "ログインの失敗が続いたため、このIDは一時的にロックされています。"
                            "しばらくしてから再度お試しください。")


def _failed(login_id: str, app_id: int | None, what: str) -> None:
    """Count one failure in its own transaction (it must stick even though the request fails)."""
    with unit_of_work() as session:
        row = _lock_row(session, login_id)
        row.failures += 1
        row.last_failure_at = func.now()
        if row.failures >= MAX_FAILURES:
            row.locked_until = func.now() + LOCK_FOR
            row.failures = 0
            audit(session, actor=f"portal:{login_id}", action="portal.locked", application_id=app_id)
        audit(session, actor=f"portal:{login_id}", action=f"portal.{what}_failed", application_id=app_id)


def _account(session: Session, login_id: str) -> tuple[AdminId, Business, Credential] | None:
    row = session.execute(
        select(AdminId, Business, Credential)
        .join(Business, Business.id == AdminId.business_pk)
        .join(Credential, (Credential.subject_id == AdminId.admin_id) & (Credential.subject_kind == "business"))
        .where(AdminId.admin_id == login_id)
    ).one_or_none()
    return (row[0], row[1], row[2]) if row else None


def sign_in(login_id: str, password: str) -> SignedIn:
    login_id = normalize_digits(login_id or "")
    if not re.fullmatch(r"\d{14}", login_id):
        raise BAD_LOGIN
    with unit_of_work() as session:
        _refuse_if_locked(session, _lock_row(session, login_id))
        account = _account(session, login_id)
    if account is None or not verify_secret(account[2].password_hash, password or ""):
        _failed(login_id, account[1].application_id if account else None, "sign_in")
        raise BAD_LOGIN
    admin, biz, cred = account
    if biz.status != ACTIVE or admin.status != ACTIVE:
        reason = {"lapsed": "登録の有効期間が満了しています。更新のお手続きについてはお問い合わせください。",
                  "withdrawn": "退会済みの事業者です。"}.get(biz.status, "このIDは利用できません。")
        raise PortalRefused(403, f"business_{biz.status}" if biz.status != ACTIVE else "admin_id_disabled", reason)
    token = "ccusp_" + secrets.token_urlsafe(32)
    scope = "change_password" if cred.must_change else "full"
    with unit_of_work() as session:
        session.execute(update(PortalLockout).where(PortalLockout.login_id == login_id)
                        .values(failures=0, locked_until=None))
        session.add(PortalSession(token_sha256=_digest(token), login_id=login_id, business_id=biz.business_id,
                                  scope=scope, expires_at=func.now() + SESSION_TTL))
        audit(session, actor=f"portal:{login_id}", action="portal.signed_in", application_id=biz.application_id,
              scope=scope)
    return SignedIn(token, cred.must_change)


def resolve(token: str) -> PortalUser | None:
    with unit_of_work() as session:
        row = session.execute(
            select(PortalSession, Business, AdminId)
            .join(Business, Business.business_id == PortalSession.business_id)
            .join(AdminId, AdminId.admin_id == PortalSession.login_id)
            .where(PortalSession.token_sha256 == _digest(token), PortalSession.revoked_at.is_(None),
                   PortalSession.expires_at > func.now())
        ).one_or_none()
        if row is None or row[1].status != ACTIVE or row[2].status != ACTIVE:
            return None
        s, biz = row[0], row[1]
        return PortalUser(s.login_id, biz.business_id, biz.id, biz.application_id, s.scope)


def sign_out(token: str) -> None:
    with unit_of_work() as session:
        session.execute(update(PortalSession).where(PortalSession.token_sha256 == _digest(token))
                        .values(revoked_at=func.now()))


def password_problem(new_password: str, login_id: str) -> str | None:
    if not 8 <= len(new_password) <= 64:
        return "パスワードは8文字以上64文字以内で設定してください。"
    if not (re.search(r"[A-Za-z]", new_password) and re.search(r"\d", new_password)):
        return "パスワードには英字と数字をそれぞれ1文字以上含めてください。"
    if login_id in new_password:
        return "パスワードにIDを含めることはできません。"
    return None


def change_password(user: PortalUser, *, new_password: str, security_code: str,
                    current_password: str | None = None) -> str:
    """Change the password (the first time: forced). Needs the security code; every session of
    the ID ends, and the next sign-in uses the new password."""
    problem = password_problem(new_password, user.login_id)
    if problem:
        raise PortalRefused(422, "weak_password", problem)
    with unit_of_work() as session:
        _refuse_if_locked(session, _lock_row(session, user.login_id))
        cred = session.scalars(select(Credential).where(Credential.subject_id == user.login_id)).one()
    if user.scope == "full" and not verify_secret(cred.password_hash, current_password or ""):
        _failed(user.login_id, user.application_id, "password_change")
        raise PortalRefused(401, "invalid_credentials", "現在のパスワードが正しくありません。")
    code = normalize_digits(security_code or "")
    if not re.fullmatch(r"\d{4}", code) or not verify_secret(cred.security_code_hash, code):
        _failed(user.login_id, user.application_id, "security_code")
        raise PortalRefused(401, "invalid_security_code", "セキュリティコードが正しくありません。")
    if verify_secret(cred.password_hash, new_password):
        raise PortalRefused(422, "same_password", "現在のパスワードとは異なるパスワードを設定してください。")
    with unit_of_work() as session:
        row = session.scalars(select(Credential).where(Credential.subject_id == user.login_id).with_for_update()).one()
        row.password_hash = hash_secret(new_password)
        row.must_change = False
        session.execute(update(PortalSession).where(PortalSession.login_id == user.login_id,
                                                    PortalSession.revoked_at.is_(None)).values(revoked_at=func.now()))
        session.execute(update(PortalLockout).where(PortalLockout.login_id == user.login_id)
                        .values(failures=0, locked_until=None))
        audit(session, actor=user.actor, action="portal.password_changed", application_id=user.application_id)
    return PASSWORD_CHANGED
