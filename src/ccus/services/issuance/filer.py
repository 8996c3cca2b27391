"""What the business that filed a 代行申請 is sent when its worker is registered (代行申請者への
登録完了通知): a notice in its portal and a crimped postcard (guide, 2nd ed., pp.10–11: 「技能者情報
登録が完了後、事業者ポータルメニューの通知に、技能者情報登録完了を通知します。また、圧着はがきでも技能者
情報登録完了をお知らせいたします」). The worker's own mails are sent as for any worker.

Each is one row with a unique effect key: the portal notice ``<申請番号>:filer-registered:portal``,
the postcard's print job ``<申請番号>:filer-postcard``. The postcard carries no secret, so it is
final at once and goes into the next postcard batch, addressed to the filer's registered address.
A rerun finds both and does nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ccus.infra import sealed
from ccus.infra.db import unit_of_work
from ccus.infra.postcard_pdf import ProxyNoticePostcard, render_proxy_notice_postcard
from ccus.models import party_notices
from ccus.models.application_types import Kind
from ccus.models.tables import Application, Business, PortalNotice, PrintJob
from ccus.services.cases import audit
from ccus.services.gate import initial_status, move

ACTOR = "issuance"


def filer_of(app: Application) -> str | None:
    """The 事業者ID of the business that filed ``app`` for its worker (None unless a 代行申請)."""
    if app.kind != Kind.PROXY_WORKER_REGISTRATION.value:
        return None
    return app.filed_by_business_id or (app.declared.get("proxy") or {}).get("filer_business_id")


def notify_filer(app_id: int, worker_id: str) -> None:
    """Post the portal notice and the postcard to the filing business, once each."""
    with unit_of_work() as session:
        app = session.get_one(Application, app_id)
        filer_id = filer_of(app)
        filer = (session.scalars(select(Business).where(Business.business_id == filer_id)).one_or_none()
                 if filer_id else None)
        if filer is None:
            return
        number, worker_name = app.application_number, str(app.declared["name"])
        subject, body = party_notices.proxy_registration_complete(filer.trade_name, worker_name, worker_id, number)
        session.execute(insert(PortalNotice).values(
            application_id=app.id, business_id=filer.business_id, effect_key=f"{number}:filer-registered:portal",
            title=subject, body=body).on_conflict_do_nothing(index_elements=["effect_key"]))
        effect_key = f"{number}:filer-postcard"
        if session.scalar(select(PrintJob.id).where(PrintJob.effect_key == effect_key)) is not None:
            return
        card = ProxyNoticePostcard(postcode=filer.postcode, address=filer.address, recipient_name=filer.trade_name,
                                   application_number=number, worker_name=worker_name, worker_id=worker_id)
        filer_business_id = filer.business_id
    # Rendered and stored with no transaction open; a run that loses a race leaves an orphan file only.
    key, data_key = f"postcards/{number}/filer-{uuid.uuid4().hex[:12]}.pdf", sealed.new_data_key()
    sealed.put(key, render_proxy_notice_postcard(card), data_key)
    with unit_of_work() as session:
        job_id = session.execute(insert(PrintJob).values(
            effect_key=effect_key, kind="postcard", application_id=app_id, s3_key=key, data_key=data_key,
            status=initial_status(PrintJob, "rendered"),
        ).on_conflict_do_nothing(index_elements=["effect_key"]).returning(PrintJob.id)).scalar_one_or_none()
        if job_id is None:
            return
        move(session.get_one(PrintJob, job_id), "final")  # no secret to deliver first
        audit(session, actor=ACTOR, action="proxy_filer.notified", application_id=app_id,
              business_id=filer_business_id)
