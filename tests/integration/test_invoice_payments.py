"""Invoices paid through the payment file (``ccus payments import``) on the real stack: an exact
payment marks the invoice paid once (the database allows one matched payment per invoice), the
portal's unpaid list and notices follow; a re-import changes nothing; over- and underpayments,
second payments and unknown numbers are reported with their reason, never applied.

Invoice dates lie in 2019–2022 like the other billing tests; every test has its own businesses."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ccus.infra.db import unit_of_work
from ccus.models.billing_tables import Payment
from ccus.models.lifecycle_tables import Invoice
from ccus.models.tables import Outbox, PortalNotice
from ccus.services.billing import invoices
from ccus.services.billing.payments import ImportReport, import_payments
from tests.integration.test_portal import signed_in
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration


def _invoice(number: str) -> Invoice:
    with unit_of_work() as session:
        return session.scalars(select(Invoice).where(Invoice.invoice_number == number)).one()


def _notices(business_id: str) -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(PortalNotice.title).where(PortalNotice.business_id == business_id)
                                    .order_by(PortalNotice.id)))


def _payments(invoice_id: int) -> list[tuple[str, int]]:
    with unit_of_work() as session:
        return [(p.outcome, p.amount) for p in session.scalars(
            select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id))]


def _csv(*lines: str) -> bytes:
    return ("請求番号,金額,入金日\n" + "\n".join(lines) + "\n").encode()


def _two_invoices() -> tuple[make.RegisteredBusiness, str, str]:
    biz = make.business(registered_on=date(2019, 8, 1), admin_ids=2, must_change=False)
    invoices.issue_admin_id_invoices(date(2020, 7, 20))
    invoices.issue_admin_id_invoices(date(2021, 7, 20))
    first, second = (i["invoice_number"] for i in invoices.unpaid_invoices(biz.business_id))
    return biz, first, second


def test_exact_payment_marks_the_invoice_paid_once_and_a_reimport_changes_nothing(api: Any) -> None:
    biz, first, second = _two_invoices()
    headers = signed_in(api, biz)
    assert [i["invoice_number"] for i in api.get("/api/v1/portal/invoices", headers=headers).json()] == [first, second]
    assert (_invoice(first).amount, _invoice(second).amount) == (2 * 2_400, 2 * 11_400)

    data = _csv(f"{first},4800,令和2年7月31日",  # exact
                f"{second.replace('-', '')},20000,2021-07-30",  # 2,800 short (hyphen dropped by the bank)
                "A20990101-00000000000000,1000,2021-07-30",  # no such invoice
                f"{second},ABC,2021-07-30")  # unreadable amount
    report = import_payments(data)
    assert report.lines == 4 and report.outcomes == {"matched": 1, "amount_mismatch": 1,
                                                     "unknown_application": 1, "invalid": 1}
    [short, unknown, bad] = report.problems
    assert short.startswith("3行目") and "入金不足" in short and "差額 2,800円" in short
    assert "該当する請求番号がありません" in unknown and "数値ではありません" in bad

    paid = _invoice(first)
    assert (paid.status, paid.paid_on) == ("paid", date(2020, 7, 31)) and paid.paid_at is not None
    assert _invoice(second).status == "open" and _invoice(second).paid_on is None  # never applied
    listed = api.get("/api/v1/portal/invoices", headers=headers).json()
    assert [i["invoice_number"] for i in listed] == [second]
    titles = _notices(biz.business_id)
    assert sum("入金確認" in t and first in t for t in titles) == 1
    assert sum("入金額の不足" in t and second in t for t in titles) == 1
    with unit_of_work() as session:
        mails = session.scalar(select(func.count()).select_from(Outbox).where(Outbox.to_addr == biz.email))

    again = import_payments(data)  # the same file again: nothing changes
    assert again.already_imported == 4 and not again.outcomes and not again.problems
    assert _notices(biz.business_id) == titles
    assert _payments(paid.id) == [("matched", 4_800)]
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Outbox).where(Outbox.to_addr == biz.email)) == mails

    # Another file pays the paid invoice again and overpays the open one: reported, not applied.
    later = import_payments(_csv(f"{first},4800,2020-08-03", f"{second},30000,2021-08-03"))
    assert later.outcomes == {"already_paid": 1, "amount_mismatch": 1}
    assert "入金済み（重複入金）" in later.problems[0] and "過入金" in later.problems[1]
    assert "差額 7,200円" in later.problems[1]
    assert _invoice(first).paid_on == date(2020, 7, 31) and _invoice(second).status == "open"
    assert _payments(paid.id) == [("matched", 4_800), ("already_paid", 4_800)]
    assert sum("過入金" in t for t in _notices(biz.business_id)) == 1

    # Finally paid in full: off the unpaid list.
    assert import_payments(_csv(f"{second},22800,2021-08-10")).outcomes == {"matched": 1}
    assert api.get("/api/v1/portal/invoices", headers=headers).json() == []


def test_the_database_allows_one_matched_payment_per_invoice(db: Any) -> None:
    _, first, second = _two_invoices()
    assert import_payments(_csv(f"{first},4800,2020-07-31")).outcomes == {"matched": 1}
    invoice_id = _invoice(first).id
    with pytest.raises(IntegrityError), unit_of_work() as session:  # a second matched line for it
        session.add(Payment(source_sha256="f" * 64, line_no=1, application_number=first, amount=4_800,
                            paid_on=date(2020, 8, 1), invoice_id=invoice_id, outcome="matched"))
    with pytest.raises(IntegrityError), unit_of_work() as session:  # "paid" needs its payment date
        session.execute(update(Invoice).where(Invoice.invoice_number == second).values(status="paid"))
    assert _invoice(second).status == "open"


def test_two_files_paying_one_invoice_at_once_pay_it_once(db: Any) -> None:
    _, first, _ = _two_invoices()
    files = [_csv(f"{first},4800,2020-07-31"), _csv(f"{first},4800,2020-08-01")]
    barrier = threading.Barrier(2)
    reports: list[ImportReport] = []

    def run(data: bytes) -> None:
        barrier.wait()
        reports.append(import_payments(data))

    threads = [threading.Thread(target=run, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcomes = sorted(o for r in reports for o in r.outcomes)
    assert outcomes == ["already_paid", "matched"]
    assert [o for o, _ in _payments(_invoice(first).id)].count("matched") == 1
