"""The applicant's own view of a case (申請状況の照会) and who may act on it from outside.

A request about a case proves it comes from the applicant with the case's answer secret
(回答用コード), or comes from the business that filed the case (or whose registration it is),
signed in to the portal. A number that does not exist and a proof that does not fit get the same
answer, so 申請番号 cannot be enumerated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models import notices
from ccus.models.applicant_view import status_and_next_step
from ccus.models.billing_tables import Charge
from ccus.models.status import Status
from ccus.models.tables import Application, Business
from ccus.services.auth import applicant_secrets


@dataclass(frozen=True)
class ApplicantCase:
    id: int
    application_number: str
    kind: str
    status: str


def _filed_by(session: Any, app: Application, business_id: str) -> bool:
    if app.filed_by_business_id is not None and app.filed_by_business_id == business_id:
        return True
    own = session.scalar(select(Business.id).where(Business.business_id == business_id,
                                                   Business.application_id == app.id))
    return own is not None


def case_for(application_number: str, *, secret: str | None, business_id: str | None) -> ApplicantCase | None:
    """The case if the proof fits it, else None (whether or not the number exists)."""
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(
            Application.application_number == application_number)).one_or_none()
        if app is None:
            applicant_secrets.matches(session, -1, secret)  # the same work as for a case that exists
            return None
        allowed = (business_id is not None and _filed_by(session, app, business_id)) or \
            applicant_secrets.matches(session, app.id, secret)
        return ApplicantCase(app.id, app.application_number, app.kind, app.status) if allowed else None


def status_view(case: ApplicantCase) -> dict[str, Any]:
    """Status and next step; what to pay (amount and payer reference) while payment is awaited."""
    label, next_step = status_and_next_step(case.status)
    view: dict[str, Any] = {"application_number": case.application_number, "status": case.status,
                            "status_label": label, "next_step": next_step}
    if case.status == Status.AWAITING_PAYMENT.value:
        with unit_of_work() as session:
            amount = session.scalar(select(Charge.amount).where(
                Charge.application_id == case.id, Charge.status == "open").order_by(Charge.id.desc()).limit(1))
        if amount is not None:
            view["payment"] = {"amount_due": amount,
                               "payer_reference": notices.payer_reference(case.application_number)}
    return view
