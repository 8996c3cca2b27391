"""Issuance (発行): IDs, credentials, the two mails, the crimped postcard and the card order.

Each effect has a unique key in the database and is produced by its own idempotent step, so an
issuance killed at any line and run again produces every effect exactly once:

1. IDs: the business (with its 管理者ID) or the worker (with affiliation and card record) rows
   are keyed by the application; a rerun finds them.
2. The ID mail: an outbox row keyed ``<申請番号>:mail:id``.
3. Secrets: the initial password and security code exist in plaintext only inside step 3. Until
   the password mail has left, a rerun may draw new secrets (re-rendering the postcard or card
   order that carries them, which has not left the building); once it has left, the credential is
   marked delivered and never drawn again. A business's every 管理者ID gets its own credential
   (guide p. 2: 管理者ID, 初期パスワード, セキュリティコード on the 圧着はがき): the 登録責任者's (= the
   事業者ID) on the registration postcard and in the password mail, each further ID's on a postcard
   of its own (print job ``<申請番号>:postcard:<管理者ID>``), all drawn, stored and marked delivered
   together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import faults, sealed
from ccus.infra.db import unit_of_work
from ccus.infra.postcard_pdf import PostcardContent, render_postcard_batch
from ccus.infra.security import hash_secret, new_initial_password, new_security_code
from ccus.infra.settings import get_settings
from ccus.models import checks, notices
from ccus.models.application_types import DocumentRole, Kind
from ccus.models.errors import Conflict
from ccus.models.identifiers import registry_id_from_serial
from ccus.models.persons import person_key
from ccus.models.status import Status
from ccus.models.tables import (
    AdminId,
    Affiliation,
    Application,
    Business,
    Card,
    Credential,
    Document,
    PrintJob,
    Worker,
)
from ccus.models.validity import business_registration_expiry, card_expiry
from ccus.services.cases import advance, audit
from ccus.services.gate import bulk_move
from ccus.services.issuance.cards import store_card_order
from ccus.services.issuance.filer import notify_filer
from ccus.services.issuance.recipients import notice_recipient
from ccus.services.operations import outbox
from ccus.services.registry import worker_content

ACTOR = "issuance"


class EmployerNotRegistered(Conflict):
    """The employer a worker quoted is not a registered, active business at issuance (final)."""


class DeliveryUncertain(RuntimeError):
    """A secret-bearing mail was interrupted mid-send; an operator must decide."""


class DuplicateParty(Conflict):
    """The party of a paid case was registered by another case meanwhile: its unique key (person
    key, 法人番号) is taken. Issuing again can never succeed; an operator refunds or merges it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="duplicate_registration")


def refuse_registered_party(session: Session, app: Application) -> None:
    """Raise ``DuplicateParty`` when another registration already holds the party key of ``app``
    (checked before the insert that the unique key would refuse, so the case is not retried forever)."""
    party = checks.registration_party(app.kind, app.declared)
    if party is None:
        return
    kind, key = party
    if kind == checks.PARTY_PERSON:
        found = session.execute(select(Application.application_number, Worker.worker_id).join(
            Worker, Worker.application_id == Application.id).where(
            Worker.person_key == key, Worker.application_id != app.id)).first()
    else:
        found = session.execute(select(Application.application_number, Business.business_id).join(
            Business, Business.application_id == Application.id).where(
            Business.corporate_number == key, Business.application_id != app.id)).first()
    if found is not None:
        raise DuplicateParty(checks.duplicate_at_issuance(kind, found[0], found[1]))


@dataclass(frozen=True)
class Issued:
    application_number: str
    registry_id: str
    admin_ids: tuple[str, ...]


def new_registry_id(session: Session) -> str:
    """Next 14-digit ID from the shared sequence, skipping serials that have no check digit."""
    while True:
        serial = session.execute(text("SELECT nextval('registry_id_serial')")).scalar_one()
        rid = registry_id_from_serial(serial)
        if rid is not None:
            return rid


def _app(session: Session, app_id: int) -> Application:
    app = session.get(Application, app_id, with_for_update=True)
    if app is None:
        raise LookupError(app_id)
    return app


# Step 1: identifiers -------------------------------------------------------------------------

def ensure_business(app_id: int, today: date) -> Issued:
    with unit_of_work() as session:
        app = _app(session, app_id)
        d = app.declared
        biz = session.scalars(select(Business).where(Business.application_id == app.id)).one_or_none()
        if biz is None:
            refuse_registered_party(session, app)
            biz = Business(
                business_id=new_registry_id(session), application_id=app.id, trade_name=d["trade_name"],
                trade_name_kana=d["trade_name_kana"], corporate_number=d.get("corporate_number"),
                one_person_contractor=d["business_type"] == "one_person_contractor",
                email=d["registrant"]["email"], postcode=d["postcode"], address=d["address"],
                registered_on=today, expires_on=business_registration_expiry(today),
            )
            session.add(biz)
            session.flush()
            # The business's top administrator ID equals its 事業者ID.
            session.add(AdminId(admin_id=biz.business_id, business_pk=biz.id, seq=1))
            for seq in range(2, int(d.get("admin_id_count", 1)) + 1):
                session.add(AdminId(admin_id=new_registry_id(session), business_pk=biz.id, seq=seq))
            audit(session, actor=ACTOR, action="business_id.issued", application_id=app.id,
                  business_id=biz.business_id)
        admin_ids = tuple(session.scalars(
            select(AdminId.admin_id).where(AdminId.business_pk == biz.id).order_by(AdminId.seq)))
        return Issued(app.application_number, biz.business_id, admin_ids)


def ensure_worker(app_id: int, today: date) -> Issued:
    with unit_of_work() as session:
        app = _app(session, app_id)
        d = app.declared
        worker = session.scalars(select(Worker).where(Worker.application_id == app.id)).one_or_none()
        if worker is None:
            refuse_registered_party(session, app)
            birth = date.fromisoformat(d["birth_date"])
            worker = Worker(
                worker_id=new_registry_id(session), application_id=app.id, name=d["name"],
                name_kana=d["name_kana"], birth_date=birth,
                person_key=person_key(d["name"], d["name_kana"], d["birth_date"]), email=d.get("email"),
            )
            session.add(worker)
            session.flush()
            if d.get("employer_business_id"):
                # The affiliation is never dropped: an employer that is not (or no longer) a registered,
                # active business stops the issuance for an operator (the whole step rolls back).
                employer = session.scalars(
                    select(Business).where(Business.business_id == d["employer_business_id"])).one_or_none()
                if employer is None or employer.status != "active":
                    raise EmployerNotRegistered(
                        f"所属事業者の事業者ID {d['employer_business_id']} が有効な登録ではないため、"
                        "所属を記録できません（発行を停止しました）。")
                session.add(Affiliation(worker_pk=worker.id, business_pk=employer.id, since=today))
            has_id_doc = d.get("identity_document_type") != "none" and session.execute(
                select(func.count()).select_from(Document).where(
                    Document.application_id == app.id, Document.role == DocumentRole.IDENTITY_DOCUMENT.value)
            ).scalar_one() > 0
            # The detailed content and the qualifications review verified; they set the card level.
            worker_content.record_registration(session, worker, app)
            level = worker_content.level_of(session, worker.id)
            session.add(Card(worker_pk=worker.id, application_id=app.id, level=level.level, colour=level.colour,
                             issued_on=today, expires_on=card_expiry(today, birth, bool(has_id_doc))))
            audit(session, actor=ACTOR, action="worker_id.issued", application_id=app.id,
                  worker_id=worker.worker_id)
        return Issued(app.application_number, worker.worker_id, ())


# Step 2: the ID mail -------------------------------------------------------------------------

def send_id_mail(app_id: int, issued: Issued) -> None:
    login = get_settings().portal_login_url
    with unit_of_work() as session:
        app = _app(session, app_id)
        to_addr, name = notice_recipient(session, app)
        if to_addr is None:
            return
        if app.kind == Kind.BUSINESS_REGISTRATION.value:
            subject, body = notices.business_id_notice(name, issued.registry_id, list(issued.admin_ids),
                                                       app.application_number, login)
        else:
            subject, body = notices.worker_id_notice(name, issued.registry_id, app.application_number, login)
        key = f"{app.application_number}:mail:id"
        outbox.enqueue(session, effect_key=key, application_id=app.id, to_addr=to_addr, subject=subject,
                     template="id_notice", body=body)
    outbox.send_once(key)


# Step 3: secrets, their carriers (postcard / card order) and the password mail ---------------

def _credential_state(app_number: str, subject_id: str) -> tuple[bool, str | None]:
    with unit_of_work() as session:
        cred = session.scalars(select(Credential).where(Credential.subject_id == subject_id)).one_or_none()
        delivered = cred is not None and cred.delivered_at is not None
    return delivered, outbox.status_of(f"{app_number}:mail:password")


def _store_secrets(session: Session, subject_id: str, kind: str, password: str, code: str) -> int:
    stmt = insert(Credential).values(
        subject_id=subject_id, subject_kind=kind, password_hash=hash_secret(password),
        security_code_hash=hash_secret(code), generation=1,
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=["subject_id"],
        set_={"password_hash": stmt.excluded.password_hash, "security_code_hash": stmt.excluded.security_code_hash,
              "generation": Credential.generation + 1},
        where=Credential.delivered_at.is_(None),
    ).returning(Credential.generation)
    generation = session.execute(upsert).scalar_one_or_none()
    if generation is None:
        raise RuntimeError(f"credential {subject_id} already delivered")
    return int(generation)


def _upsert_print_job(session: Session, *, effect_key: str, kind: str, app_id: int, key: str,
                      data_key: bytes) -> None:
    stmt = insert(PrintJob).values(effect_key=effect_key, kind=kind, application_id=app_id, s3_key=key,
                                   data_key=data_key)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["effect_key"], set_={"s3_key": key, "data_key": data_key},
        where=PrintJob.status == "rendered",
    ))


def _postcard(app: Application, issued: Issued, password: str, code: str) -> bytes:
    d = app.declared
    return render_postcard_batch([PostcardContent(
        postcode=d["postcode"], address=d["address"], recipient_name=d["trade_name"],
        business_id=issued.registry_id, trade_name=d["trade_name"], admin_ids=issued.admin_ids,
        initial_password=password, security_code=code, login_url=get_settings().portal_login_url,
        application_number=app.application_number,
    )])


def admin_postcard(*, postcode: str, address: str, trade_name: str, business_id: str, admin_id: str,
                   password: str, code: str, application_number: str) -> bytes:
    """The 圧着はがき of one further 管理者ID: that ID, its initial password and its security code."""
    return render_postcard_batch([PostcardContent(
        postcode=postcode, address=address, recipient_name=trade_name, business_id=business_id,
        trade_name=trade_name, admin_ids=(admin_id,), initial_password=password, security_code=code,
        login_url=get_settings().portal_login_url, application_number=application_number, registrant=False,
    )])


def _further_admin_credentials(session: Session, app: Application, issued: Issued,
                               secrets: dict[str, tuple[str, str]]) -> None:
    """Store each further 管理者ID's credential and render its own postcard (step 3, same transaction)."""
    d = app.declared
    for admin_id, (password, code) in secrets.items():
        generation = _store_secrets(session, admin_id, "business", password, code)
        key, data_key = f"postcards/{app.application_number}/{admin_id}-g{generation}.pdf", sealed.new_data_key()
        sealed.put(key, admin_postcard(postcode=d["postcode"], address=d["address"], trade_name=d["trade_name"],
                                       business_id=issued.registry_id, admin_id=admin_id, password=password,
                                       code=code, application_number=app.application_number), data_key)
        _upsert_print_job(session, effect_key=f"{app.application_number}:postcard:{admin_id}", kind="postcard",
                          app_id=app.id, key=key, data_key=data_key)


def deliver_secrets(app_id: int, issued: Issued) -> None:
    with unit_of_work() as session:
        app_number = _app(session, app_id).application_number
    delivered, pw_mail = _credential_state(app_number, issued.registry_id)
    if delivered:
        return
    if pw_mail == "sending":
        raise DeliveryUncertain(f"{app_number}: password mail interrupted mid-send")
    subjects = issued.admin_ids or (issued.registry_id,)
    if pw_mail == "sent":
        # The secrets have left with the mail (and the postcards of the same generation): keep them.
        _mark_delivered(app_id, subjects)
        return
    password, code = new_initial_password(), new_security_code()
    further = {a: (new_initial_password(), new_security_code()) for a in issued.admin_ids[1:]}
    pw_key = f"{app_number}:mail:password"
    with unit_of_work() as session:
        app = _app(session, app_id)
        is_business = app.kind == Kind.BUSINESS_REGISTRATION.value
        generation = _store_secrets(session, issued.registry_id, "business" if is_business else "worker",
                                    password, code)
        if is_business:
            key, data_key = f"postcards/{app_number}/g{generation}.pdf", sealed.new_data_key()
            sealed.put(key, _postcard(app, issued, password, code), data_key)
            _upsert_print_job(session, effect_key=f"{app_number}:postcard", kind="postcard", app_id=app.id, key=key,
                              data_key=data_key)
            _further_admin_credentials(session, app, issued, further)
        else:
            card = session.scalars(select(Card).where(Card.application_id == app.id)).one()
            worker = session.scalars(select(Worker).where(Worker.application_id == app.id)).one()
            store_card_order(session, card, worker, code, generation)
        to_addr, name = notice_recipient(session, app)
        body = None
        if to_addr is not None:
            login = get_settings().portal_login_url
            if is_business:
                subject, body = notices.business_password_notice(
                    name, password, "圧着はがきに記載", app_number, login)
            else:
                subject, body = notices.worker_password_notice(name, password, app_number, login)
            outbox.enqueue(session, effect_key=pw_key, application_id=app.id, to_addr=to_addr, subject=subject,
                         template="password_notice", body=None)
    faults.point("issuance.secrets_stored")
    if body is not None:
        outbox.send_once(pw_key, body=body)
    faults.point("issuance.password_mail_sent")
    del password, code, further
    _mark_delivered(app_id, subjects)


def _mark_delivered(app_id: int, subject_ids: tuple[str, ...]) -> None:
    with unit_of_work() as session:
        creds = list(session.scalars(select(Credential).where(Credential.subject_id.in_(subject_ids))
                                     .order_by(Credential.id).with_for_update()))
        for cred in creds:
            cred.delivered_at = func.now()
        # The carriers of this generation are final: they may now go into a print batch.
        bulk_move(session, PrintJob, "final", PrintJob.application_id == app_id, PrintJob.status == "rendered")
        audit(session, actor=ACTOR, action="credentials.delivered", application_id=app_id,
              subject_id=subject_ids[0],
              generation=next((c.generation for c in creds if c.subject_id == subject_ids[0]), None),
              further_admin_ids=len(subject_ids) - 1)


def finish(app_id: int) -> None:
    with unit_of_work() as session:
        app = _app(session, app_id)
        if app.status == Status.ISSUING.value:
            advance(session, app, Status.REGISTERED, actor=ACTOR, reason="issued")


def issue(app_id: int, today: date) -> None:
    """All of issuance for one case (paid, or owing nothing); each step is safe to repeat."""
    with unit_of_work() as session:
        app = _app(session, app_id)
        if app.status != Status.ISSUING.value:
            return
        kind = app.kind
    try:
        issued = (ensure_business(app_id, today) if kind == Kind.BUSINESS_REGISTRATION.value
                  else ensure_worker(app_id, today))
    except DuplicateParty as exc:
        # Never retried in a loop: an operator refunds the case or merges it (ccus cases refund|merge).
        to_operator(app_id, exc.message)
        return
    faults.point("issuance.ids_allocated")
    send_id_mail(app_id, issued)
    faults.point("issuance.id_mail_sent")
    deliver_secrets(app_id, issued)
    faults.point("issuance.secrets_delivered")
    if kind == Kind.PROXY_WORKER_REGISTRATION.value:
        notify_filer(app_id, issued.registry_id)
    finish(app_id)


def to_operator(app_id: int, why: str) -> None:
    with unit_of_work() as session:
        app = _app(session, app_id)
        if app.status == Status.ISSUING.value:
            advance(session, app, Status.NEEDS_OPERATOR, actor=ACTOR, reason=why)
