"""Withdrawal processing (退会処理) and the purge of a withdrawn business's documents.

``process`` does one withdrawal in one transaction: the registration becomes ``withdrawn``, every
管理者ID is disabled and every portal session ends, affiliated workers are unlinked (their
affiliation ends that day) and told, the business is told, and the purge date is recorded
(``withdrawals``, one row per business). A rerun finds the case processed and does nothing.

``purge_due`` deletes the documents of withdrawals whose retention has passed from S3. Documents are
content-addressed, so an object another live case still references (the same file sent twice) is
kept. The rows stay, marked ``purged_at``; the audit log records what went, by hash.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models import lifecycle_notices
from ccus.models.application_types import Kind
from ccus.models.lifecycle import DOCUMENT_RETENTION_DAYS, LifecycleKind
from ccus.models.lifecycle_tables import PortalSession, Withdrawal
from ccus.models.status import Status
from ccus.models.tables import AdminId, Affiliation, Application, Business, Document, Worker
from ccus.services.cases import advance, audit
from ccus.services.gate import bulk_move, move
from ccus.services.operations import outbox
from ccus.services.registry.business_changes import business_by_id
from ccus.services.registry.notices import post

ACTOR = "withdrawal"


def process(app_id: int, today: date, *, retention_days: int = DOCUMENT_RETENTION_DAYS) -> bool:
    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        if app is None or app.status != Status.APPROVED.value or app.kind != LifecycleKind.BUSINESS_WITHDRAWAL.value:
            return False
        biz = business_by_id(session, app.declared["business_id"], lock=True)
        if biz.status != "withdrawn":
            move(biz, "withdrawn")
        bulk_move(session, AdminId, "disabled", AdminId.business_pk == biz.id)
        session.execute(update(PortalSession).where(PortalSession.business_id == biz.business_id,
                                                    PortalSession.revoked_at.is_(None)).values(revoked_at=func.now()))
        links = session.execute(select(Affiliation, Worker).join(Worker, Worker.id == Affiliation.worker_pk).where(
            Affiliation.business_pk == biz.id, Affiliation.until.is_(None)).with_for_update(of=Affiliation)).all()
        for link, worker in links:
            link.until = today
            if worker.email:
                subject, body = lifecycle_notices.worker_unlinked(worker.name, biz.trade_name, today)
                outbox.enqueue(session, effect_key=f"{app.application_number}:unlinked:{worker.worker_id}",
                             application_id=app.id, to_addr=worker.email, subject=subject,
                             template="worker_unlinked", body=body)
        session.add(Withdrawal(business_pk=biz.id, application_id=app.id, withdrawn_on=today,
                               purge_on=today + timedelta(days=retention_days)))
        advance(session, app, Status.ISSUING, actor=ACTOR, reason="退会処理中")
        advance(session, app, Status.REGISTERED, actor=ACTOR, reason=f"退会処理完了（所属解除 {len(links)}名）")
        subject, body = lifecycle_notices.withdrawal_processed(biz.trade_name, biz.business_id,
                                                               app.application_number, today)
        post(session, biz, key=f"{app.application_number}:withdrawn", subject=subject, body=body,
             application_id=app.id)
        audit(session, actor=ACTOR, action="business.withdrawn", application_id=app.id,
              business_id=biz.business_id, workers_unlinked=[w.worker_id for _, w in links])
        return True


def _business_documents(session: Session, biz: Business) -> list[Any]:
    own = select(Application.id).where(or_(
        Application.id == biz.application_id,
        (Application.filed_by_business_id == biz.business_id) & (Application.kind == Kind.BUSINESS_REGISTRATION.value),
    ))
    d = Document
    return list(session.execute(select(d.id, d.role, d.s3_key, d.sha256, d.size).where(
        d.application_id.in_(own), d.purged_at.is_(None)).order_by(d.id)).all())


def purge_due(today: date, limit: int = 100) -> int:
    """Purge the documents of every withdrawal whose retention ended on or before ``today``."""
    with unit_of_work() as session:
        due = list(session.scalars(select(Withdrawal.id).where(
            Withdrawal.purge_on <= today, Withdrawal.purged_at.is_(None)).order_by(Withdrawal.id).limit(limit)))
    return sum(1 for withdrawal_id in due if _purge(withdrawal_id))


def _purge(withdrawal_id: int) -> bool:
    """One withdrawal's purge in three steps, no lock held across S3: look (what goes, what another
    live case still references), delete the objects, then mark the rows and audit in one short
    transaction — only if no other run marked them first. A run that dies after the deletes leaves
    the marks to the next run, which deletes again (a delete of a deleted object is no error)."""
    d = Document
    with unit_of_work() as session:
        row = session.get(Withdrawal, withdrawal_id)
        if row is None or row.purged_at is not None:
            return False
        biz = session.get(Business, row.business_pk)
        assert biz is not None
        plan = [(doc, bool(session.execute(select(func.count()).select_from(Document).where(
            d.s3_key == doc.s3_key, d.id != doc.id, d.purged_at.is_(None))).scalar_one()))
            for doc in _business_documents(session, biz)]
    for doc, shared in plan:
        if not shared:
            s3.delete(doc.s3_key)
    with unit_of_work() as session:
        row = session.get(Withdrawal, withdrawal_id, with_for_update=True)
        if row is None or row.purged_at is not None:
            return False  # another run purged it meanwhile
        biz = session.get(Business, row.business_pk)
        assert biz is not None
        session.execute(update(Document).where(d.id.in_([doc.id for doc, _ in plan])).values(purged_at=func.now()))
        row.purged_at = func.now()
        audit(session, actor=ACTOR, action="documents.purged", application_id=row.application_id,
              business_id=biz.business_id, documents=[
                  {"role": doc.role, "sha256": doc.sha256, "size": doc.size, "kept_shared": shared}
                  for doc, shared in plan])
    return True
