"""Paid duplicates (重複登録の処理): a case approved and paid whose party (the same person, the same
法人番号) was registered by another case meanwhile cannot be issued — the unique key refuses the
second 技能者ID / 事業者ID. Issuance hands it to an operator (``needs_operator``, the reason naming
the registration that holds the party: ``services/issuance/steps.refuse_registered_party``), who
resolves it once, by one of two commands:

* ``ccus cases refund NUMBER``: the case is rejected and its paid charge becomes ``refunded``
  (through the gate); the applicant is told by mail;
* ``ccus cases merge NUMBER`` (workers only): no second 技能者ID; the affiliation the case declared
  is added to the registered worker, the fee stays paid, and the case is closed ``registered``.

Each resolution is one row of ``duplicate_resolutions``, unique per case: a second command finds
the case closed and changes nothing; its mail has one outbox row (effect key).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models import checks, party_notices
from ccus.models.billing_tables import Charge, DuplicateResolution
from ccus.models.errors import Conflict
from ccus.models.status import Status
from ccus.models.tables import Affiliation, Application, Business, Worker
from ccus.services.cases import CaseNotFound, advance, audit, by_number
from ccus.services.clock import today_jst
from ccus.services.gate import move
from ccus.services.issuance.recipients import notice_recipient
from ccus.services.operations import outbox


class ResolutionRefused(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="duplicate_resolution_refused")


@dataclass(frozen=True)
class Resolved:
    application_number: str
    outcome: str
    registered_application_number: str
    refunded: int


def _holder(session: Session, app: Application) -> tuple[tuple[str, str], Application]:
    """The party key of ``app`` and the registration that holds it; refused when there is none."""
    party = checks.registration_party(app.kind, app.declared)
    holder = None
    if party is not None:
        table = Worker if party[0] == checks.PARTY_PERSON else Business
        column = Worker.person_key if party[0] == checks.PARTY_PERSON else Business.corporate_number
        holder = session.scalars(select(Application).join(table, table.application_id == Application.id)
                                 .where(column == party[1], Application.id != app.id)).first()
    if party is None or holder is None:
        raise ResolutionRefused(f"{app.application_number} は重複登録ではありません（同じ当事者の登録がありません）。"
                                "ccus cases retry で元の段階に戻してください。")
    return party, holder


def _case(session: Session, number: str) -> Application:
    try:
        app = by_number(session, number.strip(), lock=True)
    except CaseNotFound:
        raise ResolutionRefused(f"申請番号 {number} の申請はありません。") from None
    if app.status != Status.NEEDS_OPERATOR.value:
        raise ResolutionRefused(f"{app.application_number} は要オペレーター対応の状態ではありません"
                                f"（現在の状態：{app.status}）。")
    return app


def _paid_charge(session: Session, app: Application) -> Charge | None:
    return session.scalars(select(Charge).where(Charge.application_id == app.id).with_for_update()).first()


def _mail(session: Session, app: Application, key: str, subject_body: tuple[str, str]) -> str | None:
    to_addr, _ = notice_recipient(session, app)
    if not to_addr:
        return None
    subject, body = subject_body
    effect_key = f"{app.application_number}:mail:{key}"
    outbox.enqueue(session, effect_key=effect_key, application_id=app.id, to_addr=to_addr, subject=subject,
                   template=key, body=body)
    return effect_key


def refund(number: str, *, operator: str, reason: str | None = None) -> Resolved:
    """Close a paid duplicate as rejected and refund its fee (the charge moves paid → refunded)."""
    with unit_of_work() as session:
        app = _case(session, number)
        _, holder = _holder(session, app)
        charge = _paid_charge(session, app)
        amount = 0
        if charge is not None and charge.status == "paid" and charge.amount > 0:
            move(charge, "refunded")
            amount = charge.amount
        session.execute(insert(DuplicateResolution).values(
            application_id=app.id, outcome="refunded", registered_application_id=holder.id,
            charge_id=charge.id if charge is not None else None, refunded_amount=amount, actor=operator,
            reason=reason))
        why = (f"重複登録のため返金（{amount:,}円）：申請番号 {holder.application_number} で登録済み"
               + (f"。{reason.strip()}" if reason and reason.strip() else ""))
        advance(session, app, Status.REJECTED, actor=operator, reason=why[:2000])
        audit(session, actor=operator, action="duplicate.refunded", application_id=app.id,
              registered_application=holder.application_number, amount=amount, reason=reason)
        name = notice_recipient(session, app)[1]
        key = _mail(session, app, "duplicate-refund",
                    party_notices.duplicate_refunded(name, app.application_number, amount))
        result = Resolved(app.application_number, "refunded", holder.application_number, amount)
    if key:
        outbox.send_once(key)
    return result


def merge(number: str, *, operator: str, reason: str | None = None) -> Resolved:
    """Close a paid duplicate worker registration as registered to the worker already registered:
    no second 技能者ID; the employer it declared (when registered) becomes a current affiliation."""
    with unit_of_work() as session:
        app = _case(session, number)
        party, holder = _holder(session, app)
        if party[0] != checks.PARTY_PERSON:
            raise ResolutionRefused(f"{app.application_number} は技能者の申請ではないため統合できません。"
                                    "ccus cases refund で返金してください。")
        charge = _paid_charge(session, app)
        if charge is not None and charge.status != "paid":
            raise ResolutionRefused(f"{app.application_number} は登録料が未入金のため統合できません。"
                                    "ccus cases refund で申請を終了してください。")
        worker = session.scalars(select(Worker).where(Worker.application_id == holder.id)).one()
        employer_id = app.declared.get("employer_business_id")
        employer = (session.scalars(select(Business).where(Business.business_id == employer_id)).one_or_none()
                    if employer_id else None)
        if employer is not None:
            session.execute(insert(Affiliation).values(worker_pk=worker.id, business_pk=employer.id,
                                                       since=today_jst())
                            .on_conflict_do_nothing(index_elements=["worker_pk", "business_pk"],
                                                    index_where=Affiliation.until.is_(None)))
        session.execute(insert(DuplicateResolution).values(
            application_id=app.id, outcome="merged", registered_application_id=holder.id,
            charge_id=charge.id if charge is not None else None, refunded_amount=0, actor=operator, reason=reason))
        why = (f"重複登録のため登録済みの技能者（申請番号 {holder.application_number}）に統合"
               + (f"。{reason.strip()}" if reason and reason.strip() else ""))
        advance(session, app, Status.REGISTERED, actor=operator, reason=why[:2000])
        audit(session, actor=operator, action="duplicate.merged", application_id=app.id,
              registered_application=holder.application_number, worker_id=worker.worker_id,
              employer=employer.business_id if employer else None, reason=reason)
        name = notice_recipient(session, app)[1]
        key = _mail(session, app, "duplicate-merge", party_notices.duplicate_merged(name, app.application_number))
        result = Resolved(app.application_number, "merged", holder.application_number, 0)
    if key:
        outbox.send_once(key)
    return result
