"""Who receives a case's notices (通知先)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.models.application_types import Kind
from ccus.models.tables import Application, Business


def notice_recipient(session: Session, app: Application) -> tuple[str | None, str]:
    """(email or None, the name to address) for the notices of ``app``.

    A business's notices go to its registrant (登録責任者). A worker's go to the worker; a worker
    without an email is reached through the business that filed for them, or their employer.
    """
    d = app.declared
    if app.kind == Kind.BUSINESS_REGISTRATION.value:
        return d["registrant"]["email"], d["trade_name"]
    if d.get("email"):
        return d["email"], d["name"]
    filer = app.filed_by_business_id or d.get("employer_business_id")
    if filer:
        email = session.scalars(select(Business.email).where(Business.business_id == filer)).one_or_none()
        return email, d["name"]
    return None, d["name"]
