"""管理者ID managed by the 登録責任者 (the business's first 管理者ID, equal to its 事業者ID) in the portal.

Guide p. 23 (②管理者ID利用料: "1IDあたり 2,400円 … ※1か月あたり200円"; a 管理者ID manages the business's
data, registers sites and contracts, views and prints) and pp. 12–13 (each ID signs in with its
initial password from the 圧着はがき and changes it with the security code).

* Only the 登録責任者 acts here (``Forbidden`` otherwise); the business is the signed-in one's, never
  one named in a request. An ID of another business is "not found", like one that does not exist.
* **Add**: a new 管理者ID (next seq, an ID from the shared sequence), its credential delivered on
  its own postcard (services/issuance/admin_credentials.py), and its invoice for the months up to
  the next billing date (services/billing/invoices.admin_id_addition_invoice), all in one
  transaction. A request with an ``Idempotency-Key`` that added an ID answers that ID again.
* **Suspend / reinstate**: a suspended ID cannot sign in and its sessions end; only an ID the
  登録責任者 suspended is reinstated here (one suspended by a lapse comes back with the renewal).
* **Remove**: the ID is disabled for good (no longer billed from the next yearly invoice); its
  sessions end.
* **Password reset**: a new initial password and security code on a postcard; the ID must change
  the password again at its next sign-in; its sessions end.
* The 登録責任者's own ID is not suspended, removed or reset here (that goes through the operator).
* Every act is written to the audit log (``admin_id.*``) in its own transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.errors import Conflict, Forbidden, NotFound
from ccus.models.fees import admin_id_monthly_fee
from ccus.models.japanese import normalize_digits
from ccus.models.lifecycle_tables import Invoice
from ccus.models.tables import AdminId, Application, Business, Credential
from ccus.services.auth.portal_sign_in import PortalUser
from ccus.services.billing.invoices import admin_id_addition_invoice
from ccus.services.cases import audit
from ccus.services.gate import initial_status, move
from ccus.services.issuance import admin_credentials
from ccus.services.issuance.steps import new_registry_id

MAX_ADMIN_IDS = 100  # as at registration (models/declared.py: admin_id_count ≤ 100)

REGISTRANT_ONLY = "この操作は登録責任者（事業者IDでログインした管理者ID）のみが行えます。"
NOT_FOUND = "指定された管理者IDは、この事業者の管理者IDではありません。"
OWN_ID = "登録責任者の管理者IDは、ここでは停止・削除・パスワード再発行できません。お問い合わせ窓口へご連絡ください。"
STATE_WORDS = {"active": "利用中", "suspended": "利用停止中", "disabled": "削除済み"}


@dataclass(frozen=True)
class AdminAdded:
    admin_id: str
    invoice_number: str
    amount: int
    created: bool


def require_registrant(user: PortalUser) -> None:
    if user.login_id != user.business_id:
        raise Forbidden(REGISTRANT_ONLY, code="registrant_only")


def _business(session: Session, user: PortalUser) -> Business:
    biz = session.get(Business, user.business_pk, with_for_update=True)
    if biz is None or biz.status != "active":
        raise Conflict("有効な事業者登録がありません。", code="business_not_active")
    return biz


def _target(session: Session, biz: Business, admin_id: str) -> AdminId:
    wanted = normalize_digits(admin_id or "")
    row = None
    if re.fullmatch(r"\d{14}", wanted):
        row = session.scalars(select(AdminId).where(AdminId.admin_id == wanted, AdminId.business_pk == biz.id)
                              .with_for_update()).one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND, code="admin_id_not_found")
    if row.seq == 1:
        raise Conflict(OWN_ID, code="registrant_id")
    return row


def _refuse_state(row: AdminId, act: str) -> Conflict:
    return Conflict(f"この管理者IDは{STATE_WORDS.get(row.status, row.status)}のため、{act}できません。",
                    code="admin_id_state")


def list_ids(user: PortalUser) -> list[dict[str, Any]]:
    """The business's 管理者IDs, for the 登録責任者 (the API's list)."""
    require_registrant(user)
    return ids_of_business(user)


def ids_of_business(user: PortalUser) -> list[dict[str, Any]]:
    """The signed-in business's 管理者IDs, with their state and whether each has its credential yet:
    what every 管理者ID of the business sees on the portal's 管理者ID screen (only the 登録責任者 acts)."""
    with unit_of_work() as session:
        rows = session.execute(select(AdminId, Credential.must_change)
                               .outerjoin(Credential, Credential.subject_id == AdminId.admin_id)
                               .where(AdminId.business_pk == user.business_pk).order_by(AdminId.seq)).all()
        return [{"admin_id": a.admin_id, "seq": a.seq, "status": a.status, "registrant": a.seq == 1,
                 "suspended_by_registrant": a.suspended_by_registrant_at is not None,
                 "has_credential": must_change is not None, "initial_password_pending": bool(must_change)}
                for a, must_change in rows]


def monthly_fee(user: PortalUser, today: date) -> int:
    """What an added 管理者ID costs the signed-in business a month on ``today`` (shown before adding)."""
    with unit_of_work() as session:
        return admin_id_monthly_fee(today, _business(session, user).one_person_contractor)


def _request_key(user: PortalUser, key: str | None) -> str | None:
    return f"{user.business_id}:{key}" if key else None


def _already_added(request_key: str | None) -> AdminAdded | None:
    if request_key is None:
        return None
    with unit_of_work() as session:
        admin_id = session.scalar(select(AdminId.admin_id).where(AdminId.request_key == request_key))
        if admin_id is None:
            return None
        number, amount = session.execute(
            select(Invoice.invoice_number, Invoice.amount).where(Invoice.breakdown["added_admin_id"].astext == admin_id)
        ).one()
        return AdminAdded(admin_id, number, amount, created=False)


def add(user: PortalUser, *, today: date, idempotency_key: str | None = None) -> AdminAdded:
    """Add a 管理者ID: its postcard, its invoice and the audit record, in one transaction."""
    require_registrant(user)
    request_key = _request_key(user, idempotency_key)
    if (done := _already_added(request_key)) is not None:
        return done
    with unit_of_work() as session:
        biz = _business(session, user)
        count = session.scalar(select(func.count()).select_from(AdminId).where(AdminId.business_pk == biz.id)) or 0
        if count >= MAX_ADMIN_IDS:
            raise Conflict(f"管理者IDは1事業者あたり{MAX_ADMIN_IDS}件までです。", code="admin_id_limit")
        admin_id = new_registry_id(session)  # a sequence: taken even if this transaction fails
        number = session.scalar(select(Application.application_number).where(Application.id == biz.application_id))
        session.expunge(biz)
    assert number is not None
    drawn = admin_credentials.draw(biz, number, admin_id)  # S3, no transaction open
    try:
        with unit_of_work() as session:
            biz = _business(session, user)
            seq = (session.scalar(select(func.max(AdminId.seq)).where(AdminId.business_pk == biz.id)) or 0) + 1
            session.add(AdminId(admin_id=admin_id, business_pk=biz.id, seq=seq, request_key=request_key,
                                status=initial_status(AdminId, "active")))
            session.flush()
            admin_credentials.record(session, drawn, application_id=biz.application_id)
            invoice = admin_id_addition_invoice(session, biz, admin_id, today)
            audit(session, actor=user.actor, action="admin_id.added", application_id=biz.application_id,
                  business_id=biz.business_id, admin_id=admin_id, seq=seq, invoice_number=invoice.invoice_number,
                  amount=invoice.amount)
            added = AdminAdded(admin_id, invoice.invoice_number, invoice.amount, created=True)
    except IntegrityError:
        admin_credentials.discard(drawn)
        if (done := _already_added(request_key)) is not None:  # the same request, at once
            return done
        raise
    except BaseException:
        admin_credentials.discard(drawn)
        raise
    return added


def suspend(user: PortalUser, admin_id: str) -> str:
    require_registrant(user)
    with unit_of_work() as session:
        biz = _business(session, user)
        row = _target(session, biz, admin_id)
        if row.status != "active":
            raise _refuse_state(row, "利用停止")
        move(row, "suspended")
        row.suspended_by_registrant_at = func.now()
        ended = admin_credentials.end_sessions(session, row.admin_id)
        audit(session, actor=user.actor, action="admin_id.suspended", application_id=biz.application_id,
              business_id=biz.business_id, admin_id=row.admin_id, sessions_ended=ended)
        return str(row.status)


def reinstate(user: PortalUser, admin_id: str) -> str:
    require_registrant(user)
    with unit_of_work() as session:
        biz = _business(session, user)
        row = _target(session, biz, admin_id)
        if row.status != "suspended" or row.suspended_by_registrant_at is None:
            raise _refuse_state(row, "利用再開")
        move(row, "active")
        row.suspended_by_registrant_at = None
        audit(session, actor=user.actor, action="admin_id.reinstated", application_id=biz.application_id,
              business_id=biz.business_id, admin_id=row.admin_id)
        return str(row.status)


def remove(user: PortalUser, admin_id: str) -> str:
    require_registrant(user)
    with unit_of_work() as session:
        biz = _business(session, user)
        row = _target(session, biz, admin_id)
        if row.status == "disabled":
            raise _refuse_state(row, "削除")
        move(row, "disabled")
        row.suspended_by_registrant_at = None
        ended = admin_credentials.end_sessions(session, row.admin_id)
        audit(session, actor=user.actor, action="admin_id.removed", application_id=biz.application_id,
              business_id=biz.business_id, admin_id=row.admin_id, sessions_ended=ended)
        return str(row.status)


def reset_password(user: PortalUser, admin_id: str) -> int:
    """A new initial password and security code for another 管理者ID, on a postcard; returns the
    credential's generation."""
    require_registrant(user)
    with unit_of_work() as session:
        biz = _business(session, user)
        row = _target(session, biz, admin_id)
        if row.status == "disabled":
            raise _refuse_state(row, "パスワード再発行")
        target = row.admin_id
        number = session.scalar(select(Application.application_number).where(Application.id == biz.application_id))
        session.expunge(biz)
    assert number is not None
    drawn = admin_credentials.draw(biz, number, target)
    try:
        with unit_of_work() as session:
            biz = _business(session, user)
            row = _target(session, biz, target)
            if row.status == "disabled":
                raise _refuse_state(row, "パスワード再発行")
            generation = admin_credentials.record(session, drawn, application_id=biz.application_id)
            audit(session, actor=user.actor, action="admin_id.password_reset", application_id=biz.application_id,
                  business_id=biz.business_id, admin_id=target, generation=generation)
    except BaseException:
        admin_credentials.discard(drawn)
        raise
    return generation
