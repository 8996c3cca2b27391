"""Renewal (更新): business registrations run 5 years, worker cards 10 (15 / 3).

All of it is driven by ``today`` (a parameter of the renewal flow), so five years pass in a test in
seconds. Each step is safe to run twice the same day and on two workers at once: notices carry
unique effect keys, state changes take their rows with ``FOR UPDATE SKIP LOCKED`` and check the
state they change from.

* Notices 90 and 30 days before expiry (portal and mail); a catch-up run sends only the nearest
  one. A business that has applied for renewal is not reminded.
* On the day after expiry the registration lapses: 管理者ID suspended, sessions ended, notice.
* A paid renewal extends the registration 5 years from the old expiry (continuous, even if it
  had lapsed meanwhile) and restores its 管理者ID.
* Cards: notices before expiry to the worker (or their employer), an expired card is marked so,
  and a card renewal (asked for by the worker or, in the portal, by their employer) is charged the
  registration fee (``K`` + 申請番号 format is the payer reference); once paid
  (services/billing/payments.py), it issues a new card with a new validity and a new security code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.infra.security import hash_secret, new_security_code
from ccus.models import lifecycle_notices
from ccus.models.application_types import DocumentRole
from ccus.models.billing_tables import Charge
from ccus.models.charges import card_renewal_fee
from ccus.models.lifecycle import CARD_RENEWAL_NOTICE_DAYS, RENEWAL_NOTICE_DAYS, LifecycleKind
from ccus.models.lifecycle_tables import CardRenewal, PortalSession
from ccus.models.status import Status
from ccus.models.tables import AdminId, Affiliation, Application, Business, Card, Credential, Document, PrintJob, Worker
from ccus.models.validity import business_registration_expiry, card_expiry
from ccus.services.cases import advance, audit
from ccus.services.gate import bulk_move, initial_status, move
from ccus.services.issuance.cards import store_card_order
from ccus.services.issuance.reissue import card_request_number
from ccus.services.operations import outbox
from ccus.services.registry import worker_content
from ccus.services.registry.business_changes import OPEN, RequestRefused, business_by_id
from ccus.services.registry.notices import post

ACTOR = "renewal"
VALID_CARD = ("ordered", "active")


def _due_threshold(today: date, expires_on: date, thresholds: tuple[int, ...]) -> int | None:
    crossed = [d for d in thresholds if expires_on - timedelta(days=d) <= today <= expires_on]
    return min(crossed) if crossed else None


def send_notices(today: date, limit: int = 5000) -> int:
    horizon = today + timedelta(days=max(RENEWAL_NOTICE_DAYS))
    applied = select(Application.filed_by_business_id).where(
        Application.kind == LifecycleKind.BUSINESS_RENEWAL.value, Application.status.in_(OPEN))
    sent = 0
    with unit_of_work() as session:
        due = session.scalars(select(Business).where(
            Business.status == "active", Business.expires_on >= today, Business.expires_on <= horizon,
            Business.business_id.not_in(applied)).order_by(Business.id).limit(limit)).all()
        for biz in due:
            days = _due_threshold(today, biz.expires_on, RENEWAL_NOTICE_DAYS)
            if days is None:
                continue
            subject, body = lifecycle_notices.renewal_due(biz.trade_name, biz.business_id, biz.expires_on, days)
            post(session, biz, key=f"{biz.business_id}:renewal-due:{days}:{biz.expires_on}", subject=subject,
                 body=body)
            sent += 1
    return sent


def lapse_expired(today: date, limit: int = 1000) -> list[str]:
    with unit_of_work() as session:
        expired = session.scalars(select(Business).where(Business.status == "active", Business.expires_on < today)
                                  .order_by(Business.id).limit(limit).with_for_update(skip_locked=True)).all()
        for biz in expired:
            move(biz, "lapsed")
            bulk_move(session, AdminId, "suspended", AdminId.business_pk == biz.id, AdminId.status == "active")
            session.execute(update(PortalSession).where(PortalSession.business_id == biz.business_id,
                                                        PortalSession.revoked_at.is_(None)).values(revoked_at=func.now()))
            subject, body = lifecycle_notices.registration_lapsed(biz.trade_name, biz.business_id, biz.expires_on)
            post(session, biz, key=f"{biz.business_id}:lapsed:{biz.expires_on}", subject=subject, body=body)
            audit(session, actor=ACTOR, action="business.lapsed", application_id=biz.application_id,
                  business_id=biz.business_id, expired_on=biz.expires_on.isoformat())
        return [b.business_id for b in expired]


def apply_renewal(app_id: int, today: date) -> bool:
    """Extend a paid renewal's registration 5 years from the old expiry, once."""
    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        if app is None or app.status != Status.ISSUING.value or app.kind != LifecycleKind.BUSINESS_RENEWAL.value:
            return False
        biz = business_by_id(session, app.declared["business_id"], lock=True)
        old = date.fromisoformat(app.declared["expires_on"])
        if biz.expires_on == old:
            biz.expires_on = business_registration_expiry(old + timedelta(days=1))
        if biz.status == "lapsed":
            move(biz, "active")
            bulk_move(session, AdminId, "active", AdminId.business_pk == biz.id, AdminId.status == "suspended",
                      AdminId.suspended_by_registrant_at.is_(None))  # the 登録責任者's own holds stay
        advance(session, app, Status.REGISTERED, actor=ACTOR, reason=f"有効期間を{biz.expires_on.isoformat()}まで更新")
        subject, body = lifecycle_notices.renewal_complete(biz.trade_name, biz.business_id, biz.expires_on,
                                                           app.application_number)
        post(session, biz, key=f"{app.application_number}:renewed", subject=subject, body=body, application_id=app.id)
        audit(session, actor=ACTOR, action="business.renewed", application_id=app.id, business_id=biz.business_id,
              expires_on=biz.expires_on.isoformat())
        return True


# Cards ----------------------------------------------------------------------------------------

def _employer(session: Session, worker: Worker) -> Business | None:
    return session.scalars(select(Business).join(Affiliation, Affiliation.business_pk == Business.id).where(
        Affiliation.worker_pk == worker.id, Affiliation.until.is_(None), Business.status == "active")).first()


def card_notices(today: date, limit: int = 5000) -> int:
    horizon = today + timedelta(days=max(CARD_RENEWAL_NOTICE_DAYS))
    renewing = select(CardRenewal.old_card_id)
    sent = 0
    with unit_of_work() as session:
        due = session.execute(select(Card, Worker).join(Worker, Worker.id == Card.worker_pk).where(
            Card.status.in_(VALID_CARD), Card.expires_on >= today, Card.expires_on <= horizon,
            Card.id.not_in(renewing)).order_by(Card.id).limit(limit)).all()
        for card, worker in due:
            days = _due_threshold(today, card.expires_on, CARD_RENEWAL_NOTICE_DAYS)
            if days is None:
                continue
            subject, body = lifecycle_notices.card_renewal_due(worker.name, worker.worker_id, card.expires_on, days)
            key = f"card:{card.id}:renewal-due:{days}"
            employer = _employer(session, worker)
            if worker.email:
                outbox.enqueue(session, effect_key=f"{key}:mail", application_id=worker.application_id,
                             to_addr=worker.email, subject=subject, template="card_renewal_due", body=body)
            if employer is not None:
                post(session, employer, key=f"{key}:employer", subject=subject, body=body,
                     application_id=worker.application_id, email=not worker.email)
            sent += 1
    return sent


def expire_cards(today: date) -> int:
    with unit_of_work() as session:
        return bulk_move(session, Card, "expired", Card.status.in_(VALID_CARD), Card.expires_on < today)


class CardRenewalRefused(RequestRefused):
    """A card renewal the registry cannot take; answered like any refused portal request."""

    def __init__(self, message: str, status: int = 409, code: str = "card_renewal_refused") -> None:
        super().__init__(status, code, message)


@dataclass(frozen=True)
class CardRenewalRequest:
    id: int
    request_number: str
    amount: int
    status: str
    created: bool


def request_card_renewal(worker_id: str, *, actor: str, today: date,
                         employer_business_id: str | None = None) -> CardRenewalRequest:
    """Ask for a worker's card renewal (the worker, or their employer by proxy). The fee is the
    registration fee; asking again for the same card returns the same request."""
    with unit_of_work() as session:
        worker = session.scalars(select(Worker).where(Worker.worker_id == worker_id)).one_or_none()
        if worker is None:
            raise CardRenewalRefused("該当する技能者が見つかりません。", 404, "not_found")
        employer = _employer(session, worker)
        if employer_business_id is not None and (employer is None or employer.business_id != employer_business_id):
            raise CardRenewalRefused("自社に所属する技能者のカードのみ更新を申請できます。", 403, "not_affiliated")
        card = session.scalars(select(Card).where(Card.worker_pk == worker.id, Card.status.in_((*VALID_CARD, "expired")))
                               .order_by(Card.id.desc()).with_for_update()).first()
        if card is None:
            raise CardRenewalRefused("更新できるカードがありません。")
        existing = session.scalars(select(CardRenewal).where(CardRenewal.old_card_id == card.id)).one_or_none()
        if existing is not None:
            charge = session.scalars(select(Charge).where(Charge.card_renewal_id == existing.id)).one_or_none()
            return CardRenewalRequest(existing.id, existing.request_number or "", charge.amount if charge else 0,
                                      existing.status, created=False)
        if card.expires_on - timedelta(days=max(CARD_RENEWAL_NOTICE_DAYS)) > today:
            raise CardRenewalRefused(f"カードの更新は有効期限（{card.expires_on.isoformat()}）の"
                                     f"{max(CARD_RENEWAL_NOTICE_DAYS)}日前から申請できます。")
        registration = session.get(Application, worker.application_id)
        tier = (registration.declared.get("tier") if registration else None) or "basic"
        fee = card_renewal_fee(today, worker.birth_date, tier)
        number = card_request_number(session, "K", today)
        row = CardRenewal(request_number=number, old_card_id=card.id, requested_by=actor[:100],
                          status=initial_status(CardRenewal, "awaiting_payment" if fee.total else "requested"))
        session.add(row)
        session.flush()
        session.add(Charge(effect_key=f"{number}:card-renewal-fee", card_renewal_id=row.id, amount=fee.total,
                           breakdown=fee.describe(), fee_date=today,
                           status=initial_status(Charge, "open" if fee.total else "paid")))
        subject, body = lifecycle_notices.card_renewal_requested(
            employer.trade_name if employer_business_id and employer else worker.name, number, worker.worker_id,
            fee.total)
        if employer_business_id and employer is not None:
            post(session, employer, key=f"{employer.business_id}:card-renewal:{number}", subject=subject, body=body,
                 application_id=worker.application_id)
        elif worker.email:
            outbox.enqueue(session, effect_key=f"{number}:mail:card-renewal-requested",
                         application_id=worker.application_id, to_addr=worker.email, subject=subject,
                         template="card_renewal_requested", body=body)
        audit(session, actor=actor, action="card.renewal_requested", application_id=worker.application_id,
              worker_id=worker.worker_id, request_number=number, amount=fee.total)
        return CardRenewalRequest(row.id, number, fee.total, row.status, created=True)


def issue_card_renewals(today: date, limit: int = 200) -> int:
    issued = 0
    with unit_of_work() as session:
        ids = list(session.scalars(select(CardRenewal.id).where(CardRenewal.status == "requested")
                                   .order_by(CardRenewal.id).limit(limit)))
    for rid in ids:
        issued += 1 if _issue_card(rid, today) else 0
    return issued


def _issue_card(renewal_id: int, today: date) -> bool:
    with unit_of_work() as session:
        row = session.scalars(select(CardRenewal).where(CardRenewal.id == renewal_id, CardRenewal.status == "requested")
                              .with_for_update(skip_locked=True)).one_or_none()
        if row is None:
            return False
        old = session.get(Card, row.old_card_id, with_for_update=True)
        assert old is not None
        worker = session.get(Worker, old.worker_pk)
        assert worker is not None
        has_id = bool(session.scalar(select(func.count()).select_from(Document).where(
            Document.application_id == worker.application_id, Document.role == DocumentRole.IDENTITY_DOCUMENT.value)))
        # The new card starts the day after the old one ends (or today, if it has already ended).
        start = max(today, old.expires_on + timedelta(days=1)) if old.expires_on >= today else today
        level = worker_content.level_of(session, worker.id)  # the level its qualifications earn now
        new = Card(worker_pk=worker.id, application_id=None, level=level.level, colour=level.colour, issued_on=today,
                   expires_on=card_expiry(start, worker.birth_date, has_id),
                   status=initial_status(Card, "ordered"))
        session.add(new)
        session.flush()
        if old.status in VALID_CARD:  # an expired card stays expired (and a voided one void)
            move(old, "renewed")
        code = new_security_code()
        cred = session.scalars(select(Credential).where(Credential.subject_id == worker.worker_id)
                               .with_for_update()).one()
        cred.security_code_hash = hash_secret(code)
        store_card_order(session, new, worker, code, generation=1)
        bulk_move(session, PrintJob, "final", PrintJob.card_id == new.id)
        del code
        row.new_card_id = new.id
        move(row, "issued")
        if worker.email:
            subject, body = lifecycle_notices.card_renewed(worker.name, worker.worker_id, new.expires_on)
            outbox.enqueue(session, effect_key=f"card:{old.id}:renewed:mail", application_id=worker.application_id,
                         to_addr=worker.email, subject=subject, template="card_renewed", body=body)
        audit(session, actor=ACTOR, action="card.renewed", application_id=worker.application_id,
              worker_id=worker.worker_id, old_card=old.id, new_card=new.id, expires_on=new.expires_on.isoformat())
        return True
