"""Charging approved cases and importing the bank's payment file, on the real database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.models.application_types import Channel
from ccus.models.billing_tables import Charge, Payment
from ccus.models.status import Status
from ccus.models.tables import Application
from ccus.services.billing import payments
from ccus.services.intake import submission
from tests.support.factories import corporate_number

pytestmark = pytest.mark.integration


def _approved() -> tuple[str, int]:
    s = samples.business(corporate_number=corporate_number())
    files = [submission.IncomingFile(f.role, f.filename, f.content_type, f.data) for f in s.files]
    number = submission.submit(kind=s.kind, channel=Channel.INTERNET, declared=s.data, files=files,
                           idempotency_key=None, actor="test").application_number
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        app.status = Status.APPROVED.value  # as review would leave it
        return number, app.id


def _state(number: str) -> tuple[str, list[str]]:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        return app.status, [f["code"] for f in app.flags]


def test_approved_case_is_charged_once_by_the_schedule_of_its_date(db: Any) -> None:
    _, app_id = _approved()
    assert payments.charge_approved(app_id) == "awaiting_payment"
    assert payments.charge_approved(app_id) == "awaiting_payment"
    with unit_of_work() as session:
        charges = session.scalars(select(Charge).where(Charge.application_id == app_id)).all()
    assert [c.amount for c in charges] == [24_000 + 2 * 11_400]


def test_exact_payment_moves_the_case_to_issuance_and_a_reimport_changes_nothing(db: Any) -> None:
    number, app_id = _approved()
    payments.charge_approved(app_id)
    data = f"申請番号,金額,入金日\n{number},46800,令和8年11月24日\n".encode()
    report = payments.import_payments(data)
    assert report.outcomes == {"matched": 1}
    assert _state(number)[0] == "issuing"
    again = payments.import_payments(data)
    assert again.already_imported == 1 and not again.outcomes


def test_wrong_amount_is_flagged_and_never_issued(db: Any) -> None:
    number, app_id = _approved()
    payments.charge_approved(app_id)
    report = payments.import_payments(f"{number},46000,2026-11-24\n".encode())
    assert report.outcomes == {"amount_mismatch": 1}
    status, flags = _state(number)
    assert status == "awaiting_payment" and "payment_amount_mismatch" in flags


def test_bad_lines_are_recorded_and_the_rest_goes_on(db: Any) -> None:
    number, app_id = _approved()
    payments.charge_approved(app_id)
    data = (
        "26-9999999-0,1000,2026-11-24\n"  # wrong check digit
        f"{number},abc,2026-11-24\n"  # amount not a number
        "only-one-column\n"
        f"{number},46800,2026-11-24\n"
    ).encode()
    report = payments.import_payments(data)
    assert report.outcomes == {"unknown_application": 1, "invalid": 2, "matched": 1}
    assert _state(number)[0] == "issuing"
    with unit_of_work() as session:
        rows = session.scalars(select(Payment.outcome).where(Payment.application_number == number)).all()
    assert sorted(rows) == ["invalid", "matched"]
