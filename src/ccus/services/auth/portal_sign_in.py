"""Sign-in to the business portal (事業者ポータルへのログイン), guide pp. 12–13.

* Sign-in with the 事業者ID (= the first 管理者ID, the 登録責任者) or any other 管理者ID of the
  business, each with its own credential (issued on its own postcard, services/issuance), and the
  password (argon2id hashes only, in ``credentials``).
* The first sign-in with the initial password gives a session that can do one thing: change the
  password. The change needs the 4-digit security code from the crimped postcard.
* Throttling, not lock-out (``services/auth/throttle.py``): after a few wrong passwords for an ID, or
  from one client address across IDs, attempts are refused with growing delays (429 and
  ``Retry-After``), even with the right password; nobody can lock a business out for long. An
  unknown ID costs the same argon2 verification as a known one (no timing tells which IDs exist).
* The security code has its own counter (``credentials.code_failures``), counted before each check
  in one atomic UPDATE and never reset by a password success: after ``MAX_CODE_FAILURES`` wrong
  codes, code entry stays refused until an operator's reset (``ccus portal unlock``).
* A lapsed or withdrawn registration, or a suspended or removed 管理者ID (services/registry/admin_ids.py),
  cannot sign in; its sessions die.
* Sessions are bearer tokens (256-bit random), stored as SHA-256, expiring after ``SESSION_TTL``.
* The portal's screens (review_ui/routes/web_portal.py) open a browser session instead
  (``browser=True``): its token (prefix ``ccusw_``) lives in an HttpOnly cookie, ends after the staff
  screens' idle timeout and maximum lifetime (services/auth/staff_accounts.py), sliding on use, and
  its CSRF token is an HMAC of the session token (``csrf_of``), so it needs no column of its own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.infra.security import hash_secret, verify_or_dummy, verify_secret
from ccus.models.errors import Refusal
from ccus.models.japanese import normalize_digits
from ccus.models.lifecycle_tables import PortalSession
from ccus.models.passwords import PORTAL_MIN_LENGTH
from ccus.models.passwords import password_problem as common_password_problem
from ccus.models.tables import AdminId, Business, Credential
from ccus.models.throttle import ACCOUNT, ADDRESS
from ccus.services.auth import throttle
from ccus.services.auth.staff_accounts import IDLE_TIMEOUT, MAX_LIFETIME, TOUCH_EVERY
from ccus.services.cases import audit

MAX_CODE_FAILURES = 5
SESSION_TTL = timedelta(hours=8)
API_PREFIX, BROWSER_PREFIX = "ccusp_", "ccusw_"
ACTIVE = "active"
PASSWORD_CHANGED = "パスワードの変更に成功しました。"


class PortalRefused(Refusal):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message, code=code, kind=Refusal.kind_for(status), retry_after=retry_after)
        self.code: str = code


BAD_LOGIN = PortalRefused(401, "invalid_credentials", "IDまたはパスワードが正しくありません。")
CHANGED_MEANWHILE = "パスワードが同時に変更されました。もう一度ログインしてからお試しください。"
CODE_LOCKED = ("セキュリティコードの誤りが続いたため、セキュリティコードの入力を停止しています。"
               "お問い合わせ窓口へご連絡ください。")


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


def _id_key(login_id: str) -> throttle.Key:
    return throttle.Key(f"portal:id:{login_id}", ACCOUNT)


def _addr_key(client: str) -> throttle.Key:
    return throttle.Key(f"portal:addr:{client}", ADDRESS)


def _throttle(keys: list[throttle.Key]) -> None:
    try:
        throttle.attempt(keys)
    except throttle.Throttled as exc:
        raise PortalRefused(429, "throttled", exc.message, exc.retry_after) from None


def _failed(login_id: str, app_id: int | None, what: str) -> None:
    with unit_of_work() as session:
        audit(session, actor=f"portal:{login_id}", action=f"portal.{what}_failed", application_id=app_id)


def _account(session: Session, login_id: str) -> tuple[AdminId, Business, Credential] | None:
    row = session.execute(
        select(AdminId, Business, Credential)
        .join(Business, Business.id == AdminId.business_pk)
        .join(Credential, (Credential.subject_id == AdminId.admin_id) & (Credential.subject_kind == "business"))
        .where(AdminId.admin_id == login_id)
    ).one_or_none()
    return (row[0], row[1], row[2]) if row else None


def sign_in(login_id: str, password: str, client: str = "unknown", *, browser: bool = False) -> SignedIn:
    """Open a session of ``login_id``: a bearer token for the API, or (``browser``) a screen session
    that ends after ``IDLE_TIMEOUT`` without use."""
    login_id = normalize_digits(login_id or "")
    well_formed = re.fullmatch(r"\d{14}", login_id) is not None
    _throttle(([_id_key(login_id)] if well_formed else []) + [_addr_key(client)])
    if not well_formed:
        raise BAD_LOGIN
    with unit_of_work() as session:
        account = _account(session, login_id)
    if not verify_or_dummy(account[2].password_hash if account else None, password or ""):
        _failed(login_id, account[1].application_id if account else None, "sign_in")
        raise BAD_LOGIN
    assert account is not None
    throttle.succeeded(reset=[_id_key(login_id).name], refund=[_addr_key(client).name])
    admin, biz, cred = account
    if biz.status != ACTIVE or admin.status != ACTIVE:
        reason = {"lapsed": "登録の有効期間が満了しています。更新のお手続きについてはお問い合わせください。",
                  "withdrawn": "退会済みの事業者です。"}.get(biz.status, "このIDは利用できません。")
        raise PortalRefused(403, f"business_{biz.status}" if biz.status != ACTIVE else "admin_id_disabled", reason)
    token = (BROWSER_PREFIX if browser else API_PREFIX) + secrets.token_urlsafe(32)
    scope = "change_password" if cred.must_change else "full"
    lifetime = IDLE_TIMEOUT if browser else SESSION_TTL
    with unit_of_work() as session:
        now_hash = session.scalar(select(Credential.password_hash).where(Credential.id == cred.id).with_for_update())
        if now_hash != cred.password_hash:  # changed since it was checked: the old password opens nothing
            raise BAD_LOGIN
        session.add(PortalSession(token_sha256=_digest(token), login_id=login_id, business_id=biz.business_id,
                                  scope=scope, expires_at=func.now() + lifetime))
        audit(session, actor=f"portal:{login_id}", action="portal.signed_in", application_id=biz.application_id,
              scope=scope, browser=browser)
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


def resolve_browser(token: str) -> PortalUser | None:
    """The signed-in 管理者ID of a screen session's cookie, sliding its idle expiry (written at most
    every ``TOUCH_EVERY``, never past ``MAX_LIFETIME`` after sign-in); None if ended or not a screen
    session (an API token in the cookie opens nothing)."""
    if not token.startswith(BROWSER_PREFIX):
        return None
    user = resolve(token)
    if user is None:
        return None
    now = datetime.now(UTC)
    with unit_of_work() as session:  # one conditional UPDATE: nothing written (or locked) most of the time
        session.execute(update(PortalSession).where(
            PortalSession.token_sha256 == _digest(token), PortalSession.revoked_at.is_(None),
            PortalSession.expires_at > now, PortalSession.expires_at <= now + IDLE_TIMEOUT - TOUCH_EVERY,
        ).values(expires_at=func.least(now + IDLE_TIMEOUT, PortalSession.created_at + MAX_LIFETIME)))
    return user


def csrf_of(token: str) -> str:
    """The CSRF token of a screen session: an HMAC keyed by the session's secret token."""
    return hmac.new(token.encode(), b"ccus-portal-csrf", hashlib.sha256).hexdigest()


def sign_out(token: str) -> None:
    with unit_of_work() as session:
        session.execute(update(PortalSession).where(PortalSession.token_sha256 == _digest(token))
                        .values(revoked_at=func.now()))


def password_problem(new_password: str, login_id: str) -> str | None:
    if len(new_password) > 64:
        return "パスワードは8文字以上64文字以内で設定してください。"
    problem = common_password_problem(new_password, login_id, min_length=PORTAL_MIN_LENGTH)
    if problem:
        return problem
    if not (re.search(r"[A-Za-z]", new_password) and re.search(r"\d", new_password)):
        return "パスワードには英字と数字をそれぞれ1文字以上含めてください。"
    return None


def _take_code_attempt(login_id: str) -> bool:
    """Count one security-code attempt before checking it, in one atomic UPDATE: False (nothing
    counted) once ``MAX_CODE_FAILURES`` have been counted. A right code sets the count back to 0."""
    with unit_of_work() as session:
        taken = session.scalar(update(Credential).where(Credential.subject_id == login_id,
                                                        Credential.code_failures < MAX_CODE_FAILURES)
                               .values(code_failures=Credential.code_failures + 1)
                               .returning(Credential.code_failures))
        return taken is not None


def change_password(user: PortalUser, *, new_password: str, security_code: str,
                    current_password: str | None = None) -> str:
    """Change the password (the first time: forced). Needs the security code; every session of
    the ID ends, and the next sign-in uses the new password."""
    problem = password_problem(new_password, user.login_id)
    if problem:
        raise PortalRefused(422, "weak_password", problem)
    with unit_of_work() as session:
        cred = session.scalars(select(Credential).where(Credential.subject_id == user.login_id)).one()
    if user.scope == "full":
        _throttle([_id_key(user.login_id)])
        if not verify_secret(cred.password_hash, current_password or ""):
            _failed(user.login_id, user.application_id, "password_change")
            raise PortalRefused(401, "invalid_credentials", "現在のパスワードが正しくありません。")
        throttle.succeeded(reset=[_id_key(user.login_id).name], refund=[])
    if not _take_code_attempt(user.login_id):
        raise PortalRefused(423, "security_code_locked", CODE_LOCKED)
    code = normalize_digits(security_code or "")
    if not re.fullmatch(r"\d{4}", code) or not verify_secret(cred.security_code_hash, code):
        _failed(user.login_id, user.application_id, "security_code")
        raise PortalRefused(401, "invalid_security_code", "セキュリティコードが正しくありません。")
    same = verify_secret(cred.password_hash, new_password)
    with unit_of_work() as session:
        row = session.scalars(select(Credential).where(Credential.subject_id == user.login_id).with_for_update()).one()
        if (row.password_hash, row.security_code_hash) != (cred.password_hash, cred.security_code_hash):
            # Changed by another request since the checks above were made against the old values.
            raise PortalRefused(409, "changed_meanwhile", CHANGED_MEANWHILE)
        row.code_failures = 0  # the right code was shown: its own count starts over
        if not same:
            row.password_hash = hash_secret(new_password)
            row.must_change = False
            session.execute(update(PortalSession).where(PortalSession.login_id == user.login_id,
                                                        PortalSession.revoked_at.is_(None))
                            .values(revoked_at=func.now()))
            audit(session, actor=user.actor, action="portal.password_changed", application_id=user.application_id)
    if same:
        raise PortalRefused(422, "same_password", "現在のパスワードとは異なるパスワードを設定してください。")
    return PASSWORD_CHANGED


def unlock(login_id: str) -> bool:
    """An operator's reset (after checking who calls): security-code entry and sign-in throttles of
    the ID start over. False if the ID has no credential."""
    login_id = normalize_digits(login_id)
    throttle.clear([_id_key(login_id).name])
    with unit_of_work() as session:
        done = session.execute(update(Credential).where(Credential.subject_id == login_id)
                               .values(code_failures=0)).rowcount  # type: ignore[attr-defined]
        if done:
            audit(session, actor="operator", action="portal.unlocked", application_id=None, login_id=login_id)
        return bool(done)
