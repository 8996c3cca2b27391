"""What each party is sent at issuance: the business that filed a 代行申請 gets a portal notice
and a crimped postcard once (the worker's mails as before); a card order and the card print
batch's manifest carry the address the card is mailed to, with its customer barcode."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from ccus import sample_applications as samples
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models.billing_tables import PrintBatch
from ccus.models.postal_barcode import customer_barcode_data
from ccus.models.tables import Outbox, PortalNotice, PrintJob, Worker
from ccus.services.issuance import filer, printing, steps
from tests.support import lifecycle as make
from tests.support.applicant import portal_headers
from tests.support.factories import person

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)


def _issue(sample: samples.SampleApplication, filed_by: str | None = None) -> int:
    with unit_of_work() as session:
        app_id = make.new_case(session, kind=sample.kind, status="issuing", declared=sample.data,
                               filed_by=filed_by).id
    steps.issue(app_id, TODAY)
    return app_id


def _manifest_rows(kind: str, app_id: int) -> tuple[PrintBatch, list[dict[str, str]]]:
    while printing.make_batch(kind):
        pass
    with unit_of_work() as session:
        batch = session.scalars(select(PrintBatch).join(PrintJob, PrintJob.batch_id == PrintBatch.id)
                                .where(PrintJob.application_id == app_id, PrintBatch.kind == kind)).one()
        session.expunge(batch)
    text = s3.get_bytes(batch.manifest_key).decode("utf-8-sig")
    return batch, list(csv.DictReader(io.StringIO(text)))


def test_the_business_that_filed_a_proxy_application_gets_a_portal_notice_and_a_postcard_once(api: Any) -> None:
    business = make.business(must_change=False)
    name, kana, born = person()
    sample = samples.proxy_worker(filer_business_id=business.business_id, filer_name="代行建設株式会社", name=name,
                                  kana=kana, birth_date=born, signed_on=date(2026, 11, 1))
    app_id = _issue(sample, filed_by=business.business_id)
    with unit_of_work() as session:
        worker_id = session.scalars(select(Worker.worker_id).where(Worker.application_id == app_id)).one()


    filer.notify_filer(app_id, worker_id)  # a rerun of the step adds nothing

    headers = portal_headers(api, business.business_id, make.PASSWORD)
    notices = [n for n in api.get("/api/v1/portal/notifications", headers=headers).json()
               if "代行申請による技能者登録完了" in n["title"]]
    assert len(notices) == 1
    assert worker_id in notices[0]["body"] and name in notices[0]["body"]
    with unit_of_work() as session:
        jobs = session.scalars(select(PrintJob).where(PrintJob.application_id == app_id,
                                                      PrintJob.kind == "postcard")).all()
        assert session.scalar(select(func.count()).select_from(PortalNotice)
                              .where(PortalNotice.application_id == app_id)) == 1
        templates = sorted(session.scalars(select(Outbox.template).where(Outbox.application_id == app_id)))
    assert [j.effect_key.split(":", 1)[1] for j in jobs] == ["filer-postcard"] and jobs[0].status == "final"
    assert templates == ["id_notice", "password_notice"]  # the worker's own mails, as before


    batch, rows = _manifest_rows("postcard", app_id)
    [row] = [r for r in rows if r["application_number"] == _number(app_id)]
    assert row["business_id"] == business.business_id
    declared = samples.business(corporate_number="7123456789012").data
    assert row["barcode_data"] == customer_barcode_data(declared["postcode"], declared["address"])
    assert printing.read_print_file(batch.s3_key).startswith(b"%PDF")


def _number(app_id: int) -> str:
    from ccus.models.tables import Application

    with unit_of_work() as session:
        return session.get_one(Application, app_id).application_number


def test_the_card_order_and_its_manifest_carry_the_address_and_the_customer_barcode(db: Any) -> None:
    name, kana, born = person()
    address = "東京都千代田区霞が関1丁目3番2号 郵便プラザ503室"
    sample = samples.worker(name=name, kana=kana, birth_date=born, email=None, address=address)
    sample.data["postcode"] = "100-0013"
    app_id = _issue(sample)
    with unit_of_work() as session:
        worker_id = session.scalars(select(Worker.worker_id).where(Worker.application_id == app_id)).one()
    batch, rows = _manifest_rows("card_order", app_id)
    [row] = [r for r in rows if r["worker_id"] == worker_id]
    assert row["postcode"] == "100-0013" and row["address"] == address
    assert row["recipient_name"] == f"{name}　様"
    assert row["barcode_data"] == "10000131-3-2-503CC4CC4CC4CC4"
    orders = [json.loads(line) for line in printing.read_print_file(batch.s3_key).decode().splitlines() if line]
    [order] = [o for o in orders if o["worker_id"] == worker_id]
    assert order["mailing"]["barcode_symbols"].split()[-2:] == ["9", "SPC"]
    with unit_of_work() as session:  # a worker's own registration sends no filer postcard
        assert session.scalar(select(func.count()).select_from(PrintJob).where(
            PrintJob.application_id == app_id, PrintJob.kind == "postcard")) == 0
