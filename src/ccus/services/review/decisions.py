"""Review decisions (審査): approve, return for correction (差戻し), reject.

The server is the gate, whatever a screen shows:

* a case with a blocking flag (missing consent, a party already registered, a missing required
  document) cannot be approved;
* four-eyes (二者承認): a proxy application filed by a business that is not the worker's employer,
  and any case whose data a reviewer corrected, is approved twice by two different people — the
  first approval moves it to ``awaiting_second_approval``, and only someone else can approve it
  from there;
* the staff member who took a case in at the counter (``applications.received_by``) never
  approves it, neither the first approval nor the second;
* both rules compare staff ACCOUNTS (``staff_users.id``): the web screens and the API (whose
  tokens belong to accounts) are the same person when they are the same account;
* while a reviewer holds a case (``review_claims``), nobody else decides it;
* a return carries reason codes from a closed list and/or the reviewer's words; they become the
  Japanese 不備 notice, by email and, for businesses, in the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models import notices
from ccus.models.applicant_view import SECRET_PLACEHOLDER, answerable_by_secret
from ccus.models.application_types import Kind
from ccus.models.errors import Conflict
from ccus.models.review_rules import needs_second_approval, notice_items, unknown_reason_codes
from ccus.models.status import Status
from ccus.models.tables import Application, Business, FieldCorrection, PortalNotice, ReviewDecision, StaffUser
from ccus.services.cases import advance, audit, by_number
from ccus.services.operations import outbox
from ccus.services.review.queue import current_claim, release_on_decision, require_claim

DECIDING_ROLES = ("reviewer", "supervisor")


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


class DecisionRefused(Conflict):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.code: str = code


@dataclass(frozen=True)
class DecisionResult:
    application_number: str
    status: str
    kind: str


def blocking_flags(app: Application) -> list[dict[str, str]]:
    return [f for f in app.flags if f.get("severity") == "block"]


def _applicant(session: Session, app: Application) -> tuple[str | None, str]:
    d = app.declared
    if app.kind == Kind.BUSINESS_REGISTRATION.value:
        return d["registrant"]["email"], d["trade_name"]
    if d.get("email") or not app.filed_by_business_id:
        return d.get("email"), d["name"]
    # A proxy application without the worker's email: the filing business hears of it.
    filer = session.scalars(select(Business).where(Business.business_id == app.filed_by_business_id)).one_or_none()
    return (filer.email, filer.trade_name) if filer else (None, d["name"])


def corrected(session: Session, app_id: int) -> bool:
    return bool(session.scalar(select(func.count()).select_from(FieldCorrection)
                               .where(FieldCorrection.application_id == app_id)))


def second_approval_reasons(session: Session, app: Application) -> list[str]:
    return needs_second_approval(app.kind, app.declared, corrected(session, app.id))


def first_approver(session: Session, app_id: int) -> tuple[str, int | None] | None:
    """Who gave the first approval the case is waiting on (the latest first approval): actor, account."""
    row = session.execute(select(ReviewDecision.actor, ReviewDecision.staff_user_id).where(
        ReviewDecision.application_id == app_id, ReviewDecision.step == "first")
        .order_by(ReviewDecision.id.desc()).limit(1)).one_or_none()
    return (row[0], row[1]) if row else None


def account_of(session: Session, username: str | None) -> int | None:
    """The staff account named ``username`` (None for actors that are no account)."""
    if username is None:
        return None
    return session.scalars(select(StaffUser.id).where(StaffUser.username == username)).one_or_none()


def _same_person(actor: str, account: int | None, other_actor: str, other_account: int | None) -> bool:
    if account is not None and other_account is not None:
        return account == other_account
    return actor == other_actor


RECEIVED_BY_APPROVER = ("この申請を窓口で受け付けた職員は、承認（一次承認・二次承認とも）を行うことができません。"
                        "別の担当者が審査してください。")


def _approve(session: Session, app: Application, actor: str, account: int | None, reason: str | None) -> str:
    if app.received_by is not None and _same_person(actor, account, app.received_by,
                                                    account_of(session, app.received_by)):
        raise DecisionRefused("received_by_approver", RECEIVED_BY_APPROVER)
    blocks = blocking_flags(app)
    if blocks:
        raise DecisionRefused("blocked", "承認できません：" + " / ".join(f["message"] for f in blocks))
    if app.status == Status.AWAITING_SECOND_APPROVAL.value:
        found = first_approver(session, app.id)
        first = found[0] if found else None
        if found is not None and _same_person(actor, account, *found):
            raise DecisionRefused("four_eyes", "二次承認は一次承認者とは別の担当者が行う必要があります。")
        advance(session, app, Status.APPROVED, actor=actor, reason=reason or f"second approval (first: {first})")
        return "second"
    why = second_approval_reasons(session, app)
    if why:
        advance(session, app, Status.AWAITING_SECOND_APPROVAL, actor=actor,
                reason="first approval; second approval needed: " + "、".join(why))
        return "first"
    advance(session, app, Status.APPROVED, actor=actor, reason=reason or "approved")
    return "single"


def _notify(session: Session, app: Application, decision: Decision, entry_id: int,
            items: list[str], reason: str) -> None:
    to_addr, name = _applicant(session, app)
    business_id = app.filed_by_business_id
    mail_body = None
    if decision is Decision.RETURN:
        # The mail carries a fresh answer secret, drawn when it is sent (the outbox keeps the
        # placeholder); the portal notice never holds one: the filing business signs in instead.
        secret = SECRET_PLACEHOLDER if answerable_by_secret(app.kind) else None
        subject, body = notices.return_for_correction_notice(name, app.application_number, items,
                                                             portal=business_id is not None)
        mail_body = notices.return_for_correction_notice(name, app.application_number, items, secret,
                                                         portal=business_id is not None)[1]
    else:
        subject, body = notices.rejection_notice(name, app.application_number, reason)
    key = f"{app.application_number}:{decision.value}:{entry_id}"
    if to_addr:
        outbox.enqueue(session, effect_key=f"{app.application_number}:mail:{decision.value}:{entry_id}",
                     application_id=app.id, to_addr=to_addr, subject=subject,
                     template=f"{decision.value}_notice", body=mail_body or body)
    if app.kind == Kind.BUSINESS_REGISTRATION.value or business_id:
        session.execute(insert(PortalNotice).values(
            application_id=app.id, business_id=business_id, effect_key=f"{key}:portal", title=subject, body=body,
        ).on_conflict_do_nothing(index_elements=["effect_key"]))


def decide(application_number: str, *, actor: str, decision: Decision, reason: str | None,
           reason_codes: list[str] | None = None, account_id: int | None = None,
           own_claim: bool = False) -> DecisionResult:
    """``account_id`` is the deciding staff account (looked up by ``actor`` when not given).
    ``own_claim``: refused (``ClaimRefused``) unless ``actor`` holds the case's claim (担当), checked
    under the case's row lock in the same transaction as the decision (the staff screens' rule)."""
    codes = list(dict.fromkeys(reason_codes or []))
    with unit_of_work() as session:
        account = account_id if account_id is not None else account_of(session, actor)
        app = by_number(session, application_number, lock=True)
        if own_claim:
            require_claim(session, app, actor)
        if app.status not in (Status.AWAITING_REVIEW.value, Status.AWAITING_SECOND_APPROVAL.value):
            raise DecisionRefused("not_awaiting_review", f"この申請は審査待ちではありません（現在の状態：{app.status}）。")
        holder = current_claim(session, app.id)
        if holder is not None and holder.reviewer != actor:
            raise DecisionRefused("claimed_by_other", f"この申請は {holder.reviewer} が担当中です。")
        unknown = unknown_reason_codes(codes)
        if unknown:
            raise DecisionRefused("unknown_reason_code", "不明な理由コードです：" + "、".join(unknown))
        if decision is Decision.APPROVE:
            step = _approve(session, app, actor, account, reason)
        else:
            items = notice_items(codes, reason) if decision is Decision.RETURN else []
            if not (reason and reason.strip()) and not (decision is Decision.RETURN and items):
                raise DecisionRefused("reason_required", "差戻し・却下には理由が必要です。")
            to = Status.RETURNED if decision is Decision.RETURN else Status.REJECTED
            text = reason.strip() if reason and reason.strip() else "、".join(codes)
            entry = advance(session, app, to, actor=actor, reason=text)
            _notify(session, app, decision, entry.id, items, text)
            step = "second" if entry.from_status == Status.AWAITING_SECOND_APPROVAL.value else "single"
        session.add(ReviewDecision(application_id=app.id, actor=actor, staff_user_id=account,
                                   decision=decision.value, step=step, reason_codes=codes, reason=reason))
        release_on_decision(session, app.id)
        app.decided_by = actor
        app.decision_reason = reason
        audit(session, actor=actor, action=f"review.{decision.value}", application_id=app.id,
              reason=reason, reason_codes=codes, step=step)
        return DecisionResult(app.application_number, app.status, app.kind)
