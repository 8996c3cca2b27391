"""Registry data made directly in the database, for the lifecycle tests (portal, renewal, billing…):
registered businesses with known credentials, workers, sites and bare cases."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.infra.security import hash_secret
from ccus.models.identifiers import application_number
from ccus.models.persons import person_key
from ccus.models.tables import AdminId, Affiliation, Application, Business, Card, Credential, Worker
from ccus.models.validity import business_registration_expiry, card_expiry
from ccus.services.issuance.steps import new_registry_id
from tests.support.factories import corporate_number, person

PASSWORD = "Init1alPassw0rd"
CODE = "4821"


def new_case(session: Any, *, kind: str, status: str, declared: dict[str, Any] | None = None,
             filed_by: str | None = None) -> Application:
    serial = session.execute(text(
        "INSERT INTO application_serials (year, last) VALUES (99, 1) "
        "ON CONFLICT (year) DO UPDATE SET last = application_serials.last + 1 RETURNING last")).scalar_one()
    app = Application(application_number=application_number(99, serial), kind=kind, channel="internet",
                      status=status, declared=declared or {}, filed_by_business_id=filed_by)
    session.add(app)
    session.flush()
    return app


@dataclass(frozen=True)
class RegisteredBusiness:
    business_id: str
    pk: int
    application_id: int
    email: str
    admin_ids: tuple[str, ...]


def business(*, registered_on: date = date(2026, 4, 1), admin_ids: int = 1, must_change: bool = True,
             password: str = PASSWORD, one_person: bool = False) -> RegisteredBusiness:
    s = samples.business(corporate_number=corporate_number())
    declared = dict(s.data)
    email = f"biz-{declared['corporate_number']}@example.jp"
    declared["registrant"] = {**declared["registrant"], "email": email}
    with unit_of_work() as session:
        app = new_case(session, kind="business_registration", status="registered", declared=declared)
        biz = Business(business_id=new_registry_id(session), application_id=app.id,
                       trade_name=declared["trade_name"], trade_name_kana=declared["trade_name_kana"],
                       corporate_number=declared["corporate_number"], one_person_contractor=one_person,
                       email=email, postcode=declared["postcode"], address=declared["address"],
                       registered_on=registered_on, expires_on=business_registration_expiry(registered_on))
        session.add(biz)
        session.flush()
        ids = [biz.business_id] + [new_registry_id(session) for _ in range(admin_ids - 1)]
        for seq, admin in enumerate(ids, 1):
            session.add(AdminId(admin_id=admin, business_pk=biz.id, seq=seq))
        # Every 管理者ID has its own credential, as issuance gives them (the same password and code here).
        password_hash, code_hash = hash_secret(password), hash_secret(CODE)
        for admin in ids:
            session.add(Credential(subject_id=admin, subject_kind="business", password_hash=password_hash,
                                   security_code_hash=code_hash, must_change=must_change))
        return RegisteredBusiness(biz.business_id, biz.id, app.id, email, tuple(ids))


@dataclass(frozen=True)
class RegisteredWorker:
    worker_id: str
    pk: int
    card_id: int


def worker(employer: RegisteredBusiness | None, *, since: date = date(2026, 4, 1), email: str | None = None,
           issued_on: date = date(2026, 4, 1)) -> RegisteredWorker:
    name, kana, born = person()
    with unit_of_work() as session:
        app = new_case(session, kind="worker_registration", status="registered",
                       declared={"name": name, "name_kana": kana, "birth_date": born.isoformat(), "email": email,
                                 "employer_business_id": employer.business_id if employer else None})
        w = Worker(worker_id=new_registry_id(session), application_id=app.id, name=name, name_kana=kana,
                   birth_date=born, person_key=person_key(name, kana, born.isoformat()), email=email)
        session.add(w)
        session.flush()
        if employer:
            session.add(Affiliation(worker_pk=w.id, business_pk=employer.pk, since=since))
        card = Card(worker_pk=w.id, application_id=app.id, level=1, colour="white", issued_on=issued_on,
                    expires_on=card_expiry(issued_on, born, True), status="active")
        session.add(card)
        session.add(Credential(subject_id=w.worker_id, subject_kind="worker", password_hash=hash_secret(PASSWORD),
                               security_code_hash=hash_secret(CODE), must_change=True))
        session.flush()
        return RegisteredWorker(w.worker_id, w.id, card.id)
