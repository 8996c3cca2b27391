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
* one party, one registration: a registration whose person (name, reading, birth date) or 法人番号
  is already registered, or belongs to another application already approved and not closed, is
  not approved; the refusal names the other case's 申請番号. Approvals of the same party are
  serialised by a transaction-level advisory lock on its key, so two reviewers approving twins at
  once cannot both pass;
* a return carries reason codes from a closed list and/or the reviewer's words; they become the
  Japanese 不備 notice, by email and, for businesses, in the portal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import exists, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models import checks, notices
from ccus.models.applicant_view import SECRET_PLACEHOLDER, answerable_by_secret
from ccus.models.application_types import Kind
from ccus.models.errors import Conflict
from ccus.models.flags import blocking
from ccus.models.review_rules import (
    Approver,
    approval,
    needs_second_approval,
    notice_items,
    unknown_reason_codes,
)
from ccus.models.status import Status
from ccus.models.tables import (
    Application,
    Business,
    FieldCorrection,
    PortalNotice,
    ReviewDecision,
    StaffUser,
    StageLog,
    Worker,
)
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


def blocking_flags(app: Application) -> list[Mapping[str, Any]]:
    return blocking(app.flags)


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


def registered_twin(session: Session, party: tuple[str, str]) -> list[str]:
    """The 申請番号 of the registration that created the party keyed ``party``, if it exists."""
    kind, key = party
    column = Worker.person_key if kind == checks.PARTY_PERSON else Business.corporate_number
    table = Worker if kind == checks.PARTY_PERSON else Business
    return list(session.scalars(select(Application.application_number)
                                .join(table, table.application_id == Application.id).where(column == key)))


def approved_twins(session: Session, app: Application, party: tuple[str, str]) -> list[str]:
    """The 申請番号 of the other applications of the same party that were approved and are not
    closed (awaiting payment, issuing, or handed to an operator after approval)."""
    kind = party[0]
    field = "birth_date" if kind == checks.PARTY_PERSON else "corporate_number"
    value = app.declared.get(field)
    approved = exists().where(StageLog.application_id == Application.id,
                              StageLog.to_status == Status.APPROVED.value)
    rows = session.execute(select(Application.application_number, Application.kind, Application.declared).where(
        Application.id != app.id, Application.kind.in_(checks.same_party_kinds(app.kind)),
        Application.status.not_in((Status.REJECTED.value, Status.REGISTERED.value)),
        Application.declared[field].astext == str(value), approved).order_by(Application.id)).all()
    return [number for number, k, declared in rows if checks.registration_party(k, declared) == party]


def refuse_duplicate_approval(session: Session, app: Application) -> None:
    """Refuse the approval of ``app`` when its party is registered or approved in another case."""
    party = checks.registration_party(app.kind, app.declared)
    if party is None:
        return
    # Held until this transaction ends: a twin approved meanwhile is seen once it commits.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                    {"k": f"registration:{party[0]}:{party[1]}"})
    message = checks.duplicate_approval_refusal(party[0], approved_twins(session, app, party),
                                                registered_twin(session, party))
    if message is not None:
        raise DecisionRefused("duplicate_registration", message)


def _approve(session: Session, app: Application, actor: str, account: int | None, reason: str | None) -> str:
    """Apply the approval rules (``models/review_rules.approval``) to the case as stored."""
    awaiting_second = app.status == Status.AWAITING_SECOND_APPROVAL.value
    received_by = (Approver(app.received_by, account_of(session, app.received_by))
                   if app.received_by is not None else None)
    found = first_approver(session, app.id) if awaiting_second else None
    why = [] if awaiting_second else second_approval_reasons(session, app)
    outcome = approval(
        Approver(actor, account), awaiting_second=awaiting_second, received_by=received_by,
        first=Approver(*found) if found is not None else None,
        blocking_messages=[f["message"] for f in blocking_flags(app)],
        second_approval_reasons=why)
    if outcome.refused is not None:
        raise DecisionRefused(outcome.refused, outcome.message)
    assert outcome.to is not None
    refuse_duplicate_approval(session, app)
    if outcome.step == "second":
        text = reason or f"second approval (first: {found[0] if found else None})"
    elif outcome.step == "first":
        text = "first approval; second approval needed: " + "、".join(why)
    else:
        text = reason or "approved"
    advance(session, app, outcome.to, actor=actor, reason=text)
    return outcome.step


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
