"""Review decisions (審査): approve, return for correction (差戻し), reject.

The server is the gate: a case with a blocking flag (missing consent, a party already registered,
a missing required document) cannot be approved, whatever a screen shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ccus.infra.db import unit_of_work
from ccus.models import notices
from ccus.models.application_types import Kind
from ccus.models.status import Status
from ccus.models.tables import Application
from ccus.services import mail
from ccus.services.cases import advance, audit, by_number


class Decision(StrEnum):
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"


class DecisionRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DecisionResult:
    application_number: str
    status: str


def blocking_flags(app: Application) -> list[dict[str, str]]:
    return [f for f in app.flags if f.get("severity") == "block"]


def _applicant(app: Application) -> tuple[str | None, str]:
    d = app.declared
    if app.kind == Kind.BUSINESS_REGISTRATION.value:
        return d["registrant"]["email"], d["trade_name"]
    return d.get("email"), d["name"]


def decide(application_number: str, *, actor: str, decision: Decision, reason: str | None,
           reason_codes: list[str] | None = None) -> DecisionResult:
    with unit_of_work() as session:
        app = by_number(session, application_number, lock=True)
        if app.status != Status.AWAITING_REVIEW.value:
            raise DecisionRefused("not_awaiting_review", f"この申請は審査待ちではありません（現在の状態：{app.status}）。")
        if decision is Decision.APPROVE:
            blocks = blocking_flags(app)
            if blocks:
                raise DecisionRefused("blocked", "承認できません：" + " / ".join(f["message"] for f in blocks))
            advance(session, app, Status.APPROVED, actor=actor, reason=reason or "approved")
        else:
            if not reason:
                raise DecisionRefused("reason_required", "差戻し・却下には理由が必要です。")
            to = Status.RETURNED if decision is Decision.RETURN else Status.REJECTED
            entry = advance(session, app, to, actor=actor, reason=reason)
            to_addr, name = _applicant(app)
            if to_addr:
                if decision is Decision.RETURN:
                    subject, body = notices.return_for_correction_notice(name, app.application_number, [reason])
                else:
                    subject, body = notices.rejection_notice(name, app.application_number, reason)
                mail.enqueue(session, effect_key=f"{app.application_number}:mail:{decision.value}:{entry.id}",
                             application_id=app.id, to_addr=to_addr, subject=subject,
                             template=f"{decision.value}_notice", body=body)
        app.decided_by = actor
        app.decision_reason = reason
        audit(session, actor=actor, action=f"review.{decision.value}", application_id=app.id,
              reason=reason, reason_codes=reason_codes or [])
        return DecisionResult(app.application_number, app.status)
