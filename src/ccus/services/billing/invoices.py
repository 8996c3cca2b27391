"""請求 (invoices): the yearly 管理者ID利用料 and the monthly 現場利用料, one invoice per business,
kind and period.

Every invoice is keyed in the database by business + kind + period (``invoices.effect_key``,
unique), and is inserted with ``ON CONFLICT DO NOTHING``: a rerun the same day, or two workers at
once, make each invoice once; its notice (portal and mail) is posted in the same transaction, keyed
by the invoice, so it too is posted once.

* 管理者ID利用料: the first year is paid with the registration (models/charges.py). Each later
  service year starts on a registration anniversary; its invoice is issued from
  ``ADMIN_FEE_NOTICE_DAYS`` before that anniversary, is due on it, and counts the business's active
  管理者ID then, at the schedule in force on the anniversary. Only active businesses whose
  registration still runs on the anniversary are billed. A flow that did not run for over a year
  bills only the latest anniversary.
* 管理者ID added later (by the 登録責任者, services/registry/admin_ids.py): one invoice per added ID
  (請求番号 ``A<管理者ID>-<事業者ID>``, key ``<事業者ID>:admin_id_added:<管理者ID>``), inserted in the
  addition's own transaction, for every month begun from the addition to the next billing date
  (models/charges.admin_id_addition_fee; guide p. 23, 200円 a month): the next anniversary, or the one
  after if that anniversary's yearly invoice was already issued without the new ID.
* 現場利用料: every attendance record not yet invoiced and dated before the first of ``today``'s
  month is billed to the site's prime contractor (元請), at the schedule in force on its work date,
  on the invoice of the previous month (period ``YYYY-MM``); a record sent late goes on the next
  month's invoice. Records are linked to their invoice, so none is billed twice. Due at the end of
  the month after the period.

An invoice stays on the portal's unpaid list until the payment file pays its exact amount
(services/billing/payments.py: once per invoice, enforced by the database; the business is told).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models import lifecycle_notices
from ccus.models.charges import admin_id_addition_fee
from ccus.models.fees import admin_id_annual_fee, admin_ids_annual_fee, registrant_id_free, site_usage_fee_per_record
from ccus.models.lifecycle_tables import AttendanceRecord, Invoice, Site
from ccus.models.tables import AdminId, Business
from ccus.services.cases import audit
from ccus.services.registry.notices import post

ACTOR = "billing"
ADMIN_FEE_NOTICE_DAYS = 30
KIND_LABELS = {"admin_id_fee": "管理者ID利用料", "site_usage": "現場利用料"}


def _anniversary(registered_on: date, year: int) -> date:
    try:
        return registered_on.replace(year=year)
    except ValueError:  # 29 February
        return registered_on.replace(year=year, day=28)


def admin_fee_anniversary(registered_on: date, today: date) -> date | None:
    """The latest anniversary (1st or later) whose invoice may be issued by ``today``."""
    horizon = today + timedelta(days=ADMIN_FEE_NOTICE_DAYS)
    for year in range(horizon.year, registered_on.year, -1):
        day = _anniversary(registered_on, year)
        if day <= horizon:
            return day
    return None


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month(day: date) -> date:
    return _month_start(_month_start(day) - timedelta(days=1))


def _month_end(first: date) -> date:
    return _month_start(first + timedelta(days=32)) - timedelta(days=1)


def invoice_key(business_id: str, kind: str, period: str) -> str:
    return f"{business_id}:{kind}:{period}"


def invoice_number(business_id: str, kind: str, period: str) -> str:
    return f"{'A' if kind == 'admin_id_fee' else 'S'}{period.replace('-', '')}-{business_id}"


def _insert_invoice(session: Session, biz: Business, *, kind: str, period: str, amount: int,
                    breakdown: dict[str, Any], issued_on: date, due_on: date) -> Invoice | None:
    """Insert the invoice of (business, kind, period) unless it exists; None if it did."""
    number = invoice_number(biz.business_id, kind, period)
    new_id = session.execute(insert(Invoice).values(
        invoice_number=number, effect_key=invoice_key(biz.business_id, kind, period), business_pk=biz.id,
        kind=kind, period=period, amount=amount, breakdown=breakdown, issued_on=issued_on, due_on=due_on,
    ).on_conflict_do_nothing(index_elements=["effect_key"]).returning(Invoice.id)).scalar_one_or_none()
    return session.get(Invoice, new_id) if new_id is not None else None


def _announce(session: Session, biz: Business, invoice: Invoice) -> None:
    subject, body = lifecycle_notices.invoice_issued(biz.trade_name, invoice.invoice_number,
                                                     KIND_LABELS[invoice.kind], invoice.amount, invoice.due_on)
    post(session, biz, key=f"{biz.business_id}:invoice:{invoice.invoice_number}", subject=subject, body=body)
    audit(session, actor=ACTOR, action="invoice.issued", application_id=biz.application_id,
          business_id=biz.business_id, invoice_number=invoice.invoice_number, kind=invoice.kind,
          period=invoice.period, amount=invoice.amount)


def issue_admin_id_invoices(today: date, limit: int = 5000) -> list[str]:
    """管理者ID利用料 for the service years starting within ADMIN_FEE_NOTICE_DAYS (or already begun)."""
    with unit_of_work() as session:
        candidates = list(session.scalars(select(Business.id).where(
            Business.status == "active", Business.registered_on <= today - timedelta(days=365 - ADMIN_FEE_NOTICE_DAYS),
        ).order_by(Business.id).limit(limit)))
    return [n for n in (_admin_id_invoice(pk, today) for pk in candidates) if n]


def _admin_id_invoice(business_pk: int, today: date) -> str | None:
    with unit_of_work() as session:
        biz = session.get(Business, business_pk)
        if biz is None or biz.status != "active":
            return None
        anniversary = admin_fee_anniversary(biz.registered_on, today)
        if anniversary is None or anniversary > biz.expires_on:
            return None
        period = anniversary.isoformat()
        if session.scalar(select(Invoice.id).where(
                Invoice.effect_key == invoice_key(biz.business_id, "admin_id_fee", period))):
            return None
        ids = list(session.scalars(select(AdminId.admin_id).where(
            AdminId.business_pk == biz.id, AdminId.status == "active").order_by(AdminId.seq)))
        if not ids:
            return None
        per_id = admin_id_annual_fee(anniversary, biz.one_person_contractor)
        amount = admin_ids_annual_fee(anniversary, len(ids), biz.one_person_contractor)
        if amount == 0:  # the 登録責任者's one ID alone, while it was free (until 2020-03)
            return None
        free = "、登録責任者の1ID無料" if registrant_id_free(anniversary) else ""
        until = _anniversary(biz.registered_on, anniversary.year + 1) - timedelta(days=1)
        breakdown = {"per_id": per_id, "ids": ids, "count": len(ids), "fee_date": period,
                     "service_from": period, "service_until": until.isoformat(),
                     "lines": [{"label": f"管理者ID利用料（1年分×{len(ids)}ID{free}）", "amount": amount}]}
        invoice = _insert_invoice(session, biz, kind="admin_id_fee", period=period, amount=amount,
                                  breakdown=breakdown, issued_on=today, due_on=anniversary)
        if invoice is None:
            return None
        _announce(session, biz, invoice)
        return invoice.invoice_number


def next_billing_date(registered_on: date, after: date) -> date:
    """The first registration anniversary after ``after``: where a yearly 管理者ID invoice starts."""
    year = after.year
    while (day := _anniversary(registered_on, year)) <= after:
        year += 1
    return day


def admin_id_addition_invoice(session: Session, biz: Business, admin_id: str, added_on: date) -> Invoice:
    """The invoice of one 管理者ID added on ``added_on``, in the caller's transaction (once per ID:
    a second insert of the same key fails the transaction)."""
    billing_on = next_billing_date(biz.registered_on, added_on)
    if session.scalar(select(Invoice.id).where(
            Invoice.effect_key == invoice_key(biz.business_id, "admin_id_fee", billing_on.isoformat()))):
        billing_on = next_billing_date(biz.registered_on, billing_on)  # that year's invoice lacks this ID
    fee = admin_id_addition_fee(added_on, billing_on, biz.one_person_contractor)
    until = billing_on - timedelta(days=1)
    invoice = Invoice(
        invoice_number=f"A{admin_id}-{biz.business_id}", effect_key=f"{biz.business_id}:admin_id_added:{admin_id}",
        business_pk=biz.id, kind="admin_id_fee", period=f"{added_on.isoformat()}/{until.isoformat()}",
        amount=fee.total, issued_on=added_on, due_on=added_on + timedelta(days=ADMIN_FEE_NOTICE_DAYS),
        breakdown={"added_admin_id": admin_id, "fee_date": added_on.isoformat(), "service_from": added_on.isoformat(),
                   "service_until": until.isoformat(), "next_billing_on": billing_on.isoformat(),
                   "lines": [{"label": line.label, "amount": line.amount} for line in fee.lines]},
    )
    session.add(invoice)
    session.flush()
    _announce(session, biz, invoice)
    return invoice


def attendance_counts(month: date) -> dict[str, int]:
    """就業履歴の件数 per prime contractor (事業者ID) for the month of ``month``."""
    first = _month_start(month)
    with unit_of_work() as session:
        rows = session.execute(select(Business.business_id, func.count(AttendanceRecord.id))
                               .join(Business, Business.id == AttendanceRecord.prime_business_pk)
                               .where(AttendanceRecord.work_date >= first,
                                      AttendanceRecord.work_date <= _month_end(first))
                               .group_by(Business.business_id)).all()
    return dict(rows)


def issue_site_usage_invoices(today: date, limit: int = 5000) -> list[str]:
    """現場利用料 of the previous month (and late records before it), one invoice per prime contractor."""
    before = _month_start(today)
    period = _previous_month(today).strftime("%Y-%m")
    with unit_of_work() as session:
        primes = list(session.scalars(select(AttendanceRecord.prime_business_pk).where(
            AttendanceRecord.invoice_id.is_(None), AttendanceRecord.work_date < before)
            .group_by(AttendanceRecord.prime_business_pk).order_by(AttendanceRecord.prime_business_pk).limit(limit)))
    return [n for n in (_site_usage_invoice(pk, period, before, today) for pk in primes) if n]


def _site_usage_invoice(prime_pk: int, period: str, before: date, today: date) -> str | None:
    with unit_of_work() as session:
        biz = session.get(Business, prime_pk)
        assert biz is not None
        # Amount 0 first: the row claims the key (a concurrent run waits on it, then does nothing).
        invoice = _insert_invoice(session, biz, kind="site_usage", period=period, amount=0, breakdown={},
                                  issued_on=today, due_on=_month_end(before))
        if invoice is None:
            return None
        taken = session.execute(update(AttendanceRecord).where(
            AttendanceRecord.prime_business_pk == prime_pk, AttendanceRecord.invoice_id.is_(None),
            AttendanceRecord.work_date < before).values(invoice_id=invoice.id)
            .returning(AttendanceRecord.site_pk, AttendanceRecord.work_date)).all()
        if not taken:  # taken meanwhile by another period's run: no invoice of nothing
            session.delete(invoice)
            return None
        per_site: dict[tuple[int, int], int] = defaultdict(int)
        for site_pk, work_date in taken:
            per_site[(site_pk, site_usage_fee_per_record(work_date))] += 1
        names = dict(session.execute(select(Site.id, Site.site_id).where(
            Site.id.in_({s for s, _ in per_site}))).all())
        lines: list[dict[str, Any]] = [{"site_id": names[s], "unit": unit, "records": n, "amount": unit * n}
                 for (s, unit), n in sorted(per_site.items(), key=lambda kv: (names[kv[0][0]], kv[0][1]))]
        invoice.amount = sum(line["amount"] for line in lines)
        invoice.breakdown = {"records": len(taken), "lines": lines,
                             "from": min(d for _, d in taken).isoformat(), "to": max(d for _, d in taken).isoformat()}
        session.flush()
        _announce(session, biz, invoice)
        return invoice.invoice_number


def _as_dict(i: Invoice) -> dict[str, Any]:
    return {"invoice_number": i.invoice_number, "kind": i.kind, "label": KIND_LABELS[i.kind],
            "period": i.period, "amount": i.amount, "issued_on": i.issued_on.isoformat(),
            "due_on": i.due_on.isoformat(), "status": i.status, "breakdown": i.breakdown,
            "paid_on": i.paid_on.isoformat() if i.paid_on else None}


def unpaid_invoices(business_id: str) -> list[dict[str, Any]]:
    """The business's open invoices, oldest due first (what the portal's 請求 screen lists)."""
    with unit_of_work() as session:
        rows = session.scalars(select(Invoice).join(Business, Business.id == Invoice.business_pk).where(
            Business.business_id == business_id, Invoice.status == "open").order_by(Invoice.due_on, Invoice.id)).all()
        return [_as_dict(i) for i in rows]


def paid_invoices(business_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The business's paid invoices, latest payment first (the portal's 料金 screen, 支払済み)."""
    with unit_of_work() as session:
        rows = session.scalars(select(Invoice).join(Business, Business.id == Invoice.business_pk).where(
            Business.business_id == business_id, Invoice.status == "paid")
            .order_by(Invoice.paid_on.desc(), Invoice.id.desc()).limit(limit)).all()
        return [_as_dict(i) for i in rows]
