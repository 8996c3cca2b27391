"""Card reissue (カード再発行): a lost or damaged card is replaced after the fee is paid; a card
whose level changed (a qualification added by an approved change application) is replaced at once.

The request is charged like an application (its number, ``R`` + the 申請番号 format, is the payer
reference in the payment file). Once paid, one transaction invalidates the old card, creates the
new one (same level, same validity), draws a new security code (the new card's back carries it),
and records the card order; the order's uniqueness (one new card per request) makes it happen once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.infra.security import hash_secret, new_security_code
from ccus.models.billing_tables import CardReissue, Charge
from ccus.models.charges import reissue_fee
from ccus.models.errors import Conflict
from ccus.models.identifiers import application_number
from ccus.models.tables import Application, Card, Credential, PrintJob, Worker
from ccus.services.cases import audit
from ccus.services.gate import bulk_move, initial_status, move
from ccus.services.issuance.cards import store_card_order
from ccus.services.registry import worker_content

VALID_CARD_STATES = ("ordered", "active")


class ReissueRefused(Conflict):
    pass


@dataclass(frozen=True)
class ReissueRequest:
    request_number: str
    amount: int


def card_request_number(session: Session, prefix: str, today: date) -> str:
    """The payer reference of a card request: ``prefix`` (R reissue, K renewal) and a 申請番号-shaped
    number from the card requests' own serial, so the payment file can name it."""
    serial = session.execute(text("SELECT nextval('reissue_serial')")).scalar_one()
    return prefix + application_number(today.year % 100, serial)


def request(worker_id: str, reason: str, *, actor: str, today: date) -> ReissueRequest:
    if reason not in ("lost", "damaged"):
        raise ReissueRefused("再発行の理由は lost（紛失）または damaged（破損）です。")
    with unit_of_work() as session:
        worker = session.scalars(select(Worker).where(Worker.worker_id == worker_id)).one_or_none()
        if worker is None:
            raise ReissueRefused(f"技能者ID {worker_id} は登録されていません。")
        card = session.scalars(select(Card).where(Card.worker_pk == worker.id, Card.status.in_(VALID_CARD_STATES))
                               .order_by(Card.id.desc()).with_for_update()).first()
        if card is None:
            raise ReissueRefused("有効なカードがありません。")
        pending = session.scalars(select(CardReissue).where(CardReissue.old_card_id == card.id)).one_or_none()
        if pending is not None:
            charge = session.scalars(select(Charge).where(Charge.reissue_id == pending.id)).one()
            return ReissueRequest(pending.request_number, charge.amount)
        number = card_request_number(session, "R", today)
        row = CardReissue(request_number=number, old_card_id=card.id, reason=reason, requested_by=actor)
        session.add(row)
        session.flush()
        fee = reissue_fee(today)
        session.add(Charge(effect_key=f"{number}:reissue-fee", reissue_id=row.id, amount=fee.total,
                           breakdown=fee.describe(), fee_date=today))
        audit(session, actor=actor, action="card.reissue_requested", application_id=card.application_id,
              worker_id=worker_id, reason=reason, request_number=number)
        return ReissueRequest(number, fee.total)


def request_level_change(session: Session, worker: Worker, change: Application, *, actor: str,
                         today: date) -> str | None:
    """A new card at the level the worker's qualifications now earn, after the approved ``change``
    that added one: a reissue owing no fee, born ``issuing``, at most one per change (the database's
    unique ``change_application_id``) and per card (``old_card_id``). None when the level is the
    card's already, or the card has an open reissue (which is issued at the new level)."""
    card = session.scalars(select(Card).where(Card.worker_pk == worker.id, Card.status.in_(VALID_CARD_STATES))
                           .order_by(Card.id.desc()).with_for_update()).first()
    if card is None:
        return None
    level = worker_content.level_of(session, worker.id)
    if level.level == card.level:
        return None
    number = card_request_number(session, "R", today)
    made = session.execute(insert(CardReissue).values(
        request_number=number, old_card_id=card.id, reason="level_change", requested_by=actor,
        change_application_id=change.id, status=initial_status(CardReissue, "issuing"),
    ).on_conflict_do_nothing().returning(CardReissue.id)).scalar_one_or_none()
    if made is None:
        return None
    audit(session, actor=actor, action="card.level_changed", application_id=change.id, worker_id=worker.worker_id,
          old_level=card.level, new_level=level.level, request_number=number)
    return number


def issue_paid(today: date, limit: int = 100) -> int:
    """Issue the new card of every paid request; returns how many were issued."""
    with unit_of_work() as session:
        ids = list(session.scalars(select(CardReissue.id).where(CardReissue.status == "issuing")
                                   .order_by(CardReissue.id).limit(limit)))
    return sum(1 for i in ids if _issue_one(i, today))


def _issue_one(reissue_id: int, today: date) -> bool:
    with unit_of_work() as session:
        row = session.get(CardReissue, reissue_id, with_for_update=True)
        if row is None or row.status != "issuing":
            return False
        old = session.get(Card, row.old_card_id, with_for_update=True)
        assert old is not None
        worker = session.get(Worker, old.worker_pk)
        assert worker is not None
        # The level the worker's verified qualifications earn now (a lost card replaced after a new
        # qualification comes back at the new level).
        level = worker_content.level_of(session, worker.id)
        new = Card(worker_pk=worker.id, application_id=None, level=level.level, colour=level.colour,
                   issued_on=today, expires_on=old.expires_on)
        session.add(new)
        session.flush()
        move(old, "invalid")
        code = new_security_code()
        _replace_security_code(session, worker.worker_id, code)
        store_card_order(session, new, worker, code, generation=1, reissue=True)
        # The card itself is the only carrier of the new code: the order is final at once.
        bulk_move(session, PrintJob, "final", PrintJob.card_id == new.id)
        row.new_card_id = new.id
        move(row, "issued")
        audit(session, actor="reissue", action="card.reissued", application_id=old.application_id,
              worker_id=worker.worker_id, old_card=old.id, new_card=new.id)
        del code
        return True


def _replace_security_code(session: Session, subject_id: str, code: str) -> None:
    cred = session.scalars(select(Credential).where(Credential.subject_id == subject_id).with_for_update()).one()
    cred.security_code_hash = hash_secret(code)
