"""事業者宛の通知 (notices to a business): shown in the portal and, when an address is known,
mailed. Every notice has a unique effect key, so a flow run twice posts it once.

The registration's own notices (returns for correction before the business had an ID) are found
through its registration application; the "registration complete" notice is posted the first time
the business's notices are read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.models import lifecycle_notices
from ccus.models.tables import Business, PortalNotice
from ccus.services.operations import outbox


def post(session: Session, business: Business, *, key: str, subject: str, body: str, application_id: int | None = None,
         email: bool = True) -> None:
    """Post a notice to ``business`` (portal, and mail to its registered address) once per ``key``."""
    app_id = application_id or business.application_id
    session.execute(insert(PortalNotice).values(
        application_id=app_id, business_id=business.business_id, effect_key=f"{key}:portal", title=subject,
        body=body).on_conflict_do_nothing(index_elements=["effect_key"]))
    if email and business.email:
        outbox.enqueue(session, effect_key=f"{key}:mail", application_id=app_id, to_addr=business.email,
                     subject=subject, template=key.split(":")[1] if ":" in key else "notice", body=body)


def _ensure_registered_notice(session: Session, business: Business) -> None:
    subject, body = lifecycle_notices.registration_complete(business.trade_name, business.business_id,
                                                            business.expires_on)
    post(session, business, key=f"{business.business_id}:registered", subject=subject, body=body, email=False)


def list_for(session: Session, business: Business, *, unread_only: bool = False) -> list[dict[str, Any]]:
    _ensure_registered_notice(session, business)
    stmt = select(PortalNotice).where(or_(PortalNotice.business_id == business.business_id,
                                          PortalNotice.application_id == business.application_id))
    if unread_only:
        stmt = stmt.where(PortalNotice.read_at.is_(None))
    rows = session.scalars(stmt.order_by(PortalNotice.id.desc()).limit(200)).all()
    return [{"id": n.id, "title": n.title, "body": n.body, "created_at": n.created_at.isoformat(),
             "read": n.read_at is not None} for n in rows]


def one_for(session: Session, business: Business, notice_id: int) -> dict[str, Any] | None:
    """One notice of ``business`` (the portal's detail), None if it is not this business's."""
    n = session.scalars(select(PortalNotice).where(
        PortalNotice.id == notice_id,
        or_(PortalNotice.business_id == business.business_id, PortalNotice.application_id == business.application_id),
    )).one_or_none()
    if n is None:
        return None
    return {"id": n.id, "title": n.title, "body": n.body, "created_at": n.created_at.isoformat(),
            "read": n.read_at is not None}


def mark_read(session: Session, business: Business, notice_id: int) -> bool:
    result = session.execute(update(PortalNotice).where(
        PortalNotice.id == notice_id,
        or_(PortalNotice.business_id == business.business_id, PortalNotice.application_id == business.application_id),
    ).values(read_at=func.coalesce(PortalNotice.read_at, func.now())))
    return bool(result.rowcount)  # type: ignore[attr-defined]
