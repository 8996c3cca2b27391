"""Card reissue: request, payment, a new card order (once), the old card invalid, a new code."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.infra.security import verify_secret
from ccus.models.billing_tables import CardReissue, PrintBatch
from ccus.models.tables import Application, Card, Credential, PrintJob, Worker
from ccus.services.billing import payments
from ccus.services.issuance import reissue
from ccus.services.issuance.printing import read_print_file
from tests.e2e.test_slice import approve_pay_issue, register_business, run_issuance, run_pipeline, submit
from tests.support.factories import person

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

TODAY = date(2026, 11, 24)


def test_lost_card_is_reissued_once_after_payment(api: Any, reviewer_token: str) -> None:
    _, business_id = register_business(api, reviewer_token, "reissue-employer@example.jp")
    name, kana, born = person()
    number = submit(api, samples.worker(name=name, kana=kana, birth_date=born, employer_business_id=business_id,
                                        email="reissue-worker@example.jp"))
    run_pipeline()
    approve_pay_issue(api, reviewer_token, number, today=TODAY)
    with unit_of_work() as session:
        worker = session.execute(select(Worker).join(Application, Application.id == Worker.application_id)
                                 .where(Application.application_number == number)).scalar_one()
        old_card = session.scalars(select(Card).where(Card.worker_pk == worker.id)).one()
        old_code_hash = session.scalars(select(Credential.security_code_hash)
                                        .where(Credential.subject_id == worker.worker_id)).one()

    req = reissue.request(worker.worker_id, "lost", actor="test", today=TODAY)
    assert req.request_number.startswith("R") and req.amount == 1_000
    assert reissue.request(worker.worker_id, "lost", actor="test", today=TODAY) == req  # asked twice: one request
    run_issuance(TODAY)  # unpaid: nothing happens
    with unit_of_work() as session:
        assert session.scalars(select(CardReissue.status)
                               .where(CardReissue.request_number == req.request_number)).one() == "awaiting_payment"

    report = payments.import_payments(f"{req.request_number},1000,2026-11-25\n".encode())
    assert report.outcomes == {"matched": 1}
    run_issuance(TODAY)
    run_issuance(TODAY)

    with unit_of_work() as session:
        cards = session.scalars(select(Card).where(Card.worker_pk == worker.id).order_by(Card.id)).all()
        assert [c.status for c in cards] == ["invalid", "ordered"]
        new = cards[1]
        assert (new.level, new.colour, new.expires_on) == (old_card.level, old_card.colour, old_card.expires_on)
        job = session.scalars(select(PrintJob).where(PrintJob.card_id == new.id)).one()
        batch = session.get(PrintBatch, job.batch_id)
        cred = session.scalars(select(Credential).where(Credential.subject_id == worker.worker_id)).one()
    assert batch is not None
    orders = [json.loads(line) for line in read_print_file(batch.s3_key).decode().splitlines()]
    [order] = [o for o in orders if o["card_id"] == new.id]
    assert order["reissue"] is True and order["worker_id"] == worker.worker_id
    assert verify_secret(cred.security_code_hash, order["security_code"])
    assert cred.security_code_hash != old_code_hash
