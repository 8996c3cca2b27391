"""Fees and payments (手数料・入金): approved cases are charged, then wait for their payment.

``charge_approved`` computes the fee from the schedule of the application's date once (the charge
row is keyed by the case); a case that owes nothing goes straight to issuance. ``import_payments``
reads the bank's payment file (CSV: payer reference, amount, date). The reference is one of

* a 申請番号: a payment of the exact amount moves the case to issuance; any other amount is flagged
  on the case and never issued;
* an R-number (card reissue) or a K-number (card renewal): the exact fee releases the new card;
* an invoice number (請求番号, ``A…``/``S…`` from services/billing/invoices.py): the exact amount marks the
  invoice paid, tells the business in the portal, and takes it off the unpaid list.

Every line is recorded once, keyed by the file's SHA-256 and line number, so importing the same file
again changes nothing; a charge or an invoice has at most one matched line (partial unique indexes),
so a second file paying it again is reported ``already_paid``, never applied. Overpayments,
underpayments and unknown numbers are reported line by line with the difference, never applied.
"""

from __future__ import annotations

import csv
import hashlib
import io
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models import lifecycle_notices, notices
from ccus.models.billing_tables import CardReissue, Charge, Payment
from ccus.models.charges import application_fee
from ccus.models.flags import BLOCK, PAYMENT, Flag
from ccus.models.identifiers import normalize_application_number
from ccus.models.japanese import normalize_digits, parse_japanese_date
from ccus.models.lifecycle_tables import CardRenewal, Invoice
from ccus.models.status import Status
from ccus.models.tables import Application, Business
from ccus.services.cases import advance, audit
from ccus.services.clock import JST, today_jst
from ccus.services.gate import initial_status, move
from ccus.services.issuance.recipients import notice_recipient
from ccus.services.operations import outbox

ACTOR = "payments"

# How each outcome reads in the import report (the operator's view).
OUTCOME_LABELS = {
    "matched": "入金確認",
    "amount_mismatch": "金額不一致（未処理）",
    "unknown_application": "該当する申請番号・請求番号なし",
    "not_awaiting_payment": "入金待ちではありません",
    "already_paid": "入金済み（重複入金）",
    "invalid": "読み取れない行",
}


def charge_approved(app_id: int) -> str:
    """Charge an approved case; returns its new status (awaiting_payment or issuing)."""
    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        if app is None or app.status != Status.APPROVED.value:
            return app.status if app else "missing"
        fee = application_fee(app.kind, app.channel, app.declared, app.received_at.astimezone(JST).date())
        key = f"{app.application_number}:registration-fee"
        session.execute(insert(Charge).values(
            effect_key=key, application_id=app.id, amount=fee.total, breakdown=fee.describe(),
            fee_date=fee.fee_date, status=initial_status(Charge, "paid" if fee.total == 0 else "open"),
        ).on_conflict_do_nothing(index_elements=["effect_key"]))
        if fee.total == 0:
            advance(session, app, Status.ISSUING, actor=ACTOR, reason="手数料なし")
            return app.status
        advance(session, app, Status.AWAITING_PAYMENT, actor=ACTOR, reason=f"請求額 {fee.total:,}円")
        to_addr, name = notice_recipient(session, app)
        if to_addr:
            subject, body = notices.payment_request_notice(name, app.application_number, fee.total, fee.describe())
            outbox.enqueue(session, effect_key=f"{app.application_number}:mail:payment-request",
                         application_id=app.id, to_addr=to_addr, subject=subject, template="payment_request",
                         body=body)
        return app.status


@dataclass
class ImportReport:
    source_sha256: str
    lines: int = 0
    already_imported: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PaymentLine:
    line_no: int
    application_number: str
    amount: int | None
    paid_on: date | None
    error: str | None


_HEADERS = {"申請番号", "請求番号", "application_number", "reference", "金額", "amount", "入金日", "date", "paid_on"}


def parse_payment_file(data: bytes) -> list[PaymentLine]:
    """CSV of 申請番号, amount, date (UTF-8, with or without BOM and header; Shift_JIS accepted)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp932")
    out: list[PaymentLine] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and cells and cells[0] in _HEADERS:
            continue
        if len(cells) < 3:
            out.append(PaymentLine(n, cells[0] if cells else "", None, None, "列が足りません（申請番号, 金額, 入金日）"))
            continue
        number, amount_text, date_text = cells[:3]
        error = None
        amount: int | None = None
        paid_on: date | None = None
        try:
            amount = int(normalize_digits(amount_text).replace(",", "").replace("円", ""))
        except ValueError:
            error = f"金額 '{amount_text}' が数値ではありません"
        try:
            paid_on = parse_japanese_date(date_text)
        except ValueError:
            error = error or f"入金日 '{date_text}' が日付ではありません"
        out.append(PaymentLine(n, number, amount, paid_on, error))
    return out


def import_payments(data: bytes, *, actor: str = ACTOR) -> ImportReport:
    report = ImportReport(source_sha256=hashlib.sha256(data).hexdigest())
    for line in parse_payment_file(data):
        report.lines += 1
        outcome = _import_line(report.source_sha256, line, actor)
        if outcome is None:
            report.already_imported += 1
            continue
        report.outcomes[outcome.outcome] += 1
        if outcome.outcome != "matched":
            detail = f"（{outcome.note}）" if outcome.note else ""
            report.problems.append(f"{line.line_no}行目 {line.application_number}: "
                                   f"{OUTCOME_LABELS[outcome.outcome]}{detail}")
    return report


class Match(NamedTuple):
    outcome: str
    note: str | None = None
    charge_id: int | None = None
    invoice_id: int | None = None


def _import_line(source: str, line: PaymentLine, actor: str) -> Match | None:
    try:
        return _import_line_once(source, line, actor)
    except IntegrityError:
        # A concurrent import recorded this line (or paid this invoice) first: read again.
        return _import_line_once(source, line, actor)


def _import_line_once(source: str, line: PaymentLine, actor: str) -> Match | None:
    with unit_of_work() as session:
        exists = session.scalar(select(Payment.id).where(Payment.source_sha256 == source,
                                                         Payment.line_no == line.line_no))
        if exists:
            return None
        match = _match(session, line, actor, source)
        session.add(Payment(source_sha256=source, line_no=line.line_no,
                            application_number=line.application_number[:32], amount=line.amount or 0,
                            paid_on=line.paid_on or today_jst(), charge_id=match.charge_id,
                            invoice_id=match.invoice_id, outcome=match.outcome, note=match.note))
        session.flush()
        return match


def _difference(billed: int, received: int) -> str:
    what = "過入金" if received > billed else "入金不足"
    return f"{what}：請求額 {billed:,}円 に対し入金 {received:,}円（差額 {abs(received - billed):,}円）"


def _match(session: Session, line: PaymentLine, actor: str, source: str) -> Match:
    if line.error or line.amount is None:
        return Match("invalid", line.error)
    reference = unicodedata.normalize("NFKC", line.application_number).strip().upper()
    if reference[:1] in ("R", "K"):
        return _match_card_request(session, line, reference, actor)
    if reference[:1] in ("A", "S"):
        # 請求番号 = kind letter + period digits + "-" + 事業者ID (14 digits); hyphens may be dropped.
        compact = normalize_digits(reference)
        return _match_invoice(session, line, f"{compact[:-14]}-{compact[-14:]}", actor, source)
    return Match(*_match_application(session, line, actor))


def _match_application(session: Session, line: PaymentLine, actor: str) -> tuple[str, str | None, int | None]:
    assert line.amount is not None
    try:
        number = normalize_application_number(line.application_number)
    except ValueError as exc:
        return "unknown_application", str(exc), None
    app = session.scalars(select(Application).where(Application.application_number == number)
                          .with_for_update()).one_or_none()
    if app is None:
        return "unknown_application", "該当する申請がありません", None
    charge = session.scalars(select(Charge).where(Charge.application_id == app.id)).one_or_none()
    if charge is not None and charge.status == "paid" and charge.amount:
        return "already_paid", f"入金確認済みの申請です（状態 {app.status}）", charge.id
    if app.status != Status.AWAITING_PAYMENT.value or charge is None or charge.status != "open":
        return "not_awaiting_payment", f"状態 {app.status}", charge.id if charge else None
    if line.amount != charge.amount:
        note = _difference(charge.amount, line.amount)
        app.flags = [*app.flags, Flag("payment_amount_mismatch", BLOCK, f"入金額が請求額と一致しません（{note}）。",
                                      None, PAYMENT).as_dict()]
        audit(session, actor=actor, action="payment.amount_mismatch", application_id=app.id,
              expected=charge.amount, received=line.amount)
        to_addr, name = notice_recipient(session, app)
        if to_addr:
            subject, body = notices.payment_mismatch_notice(name, app.application_number, charge.amount, line.amount)
            outbox.enqueue(session, effect_key=f"{app.application_number}:mail:payment-mismatch:{line.line_no}:"
                         f"{line.paid_on}", application_id=app.id, to_addr=to_addr, subject=subject,
                         template="payment_mismatch", body=body)
        return "amount_mismatch", note, charge.id
    move(charge, "paid")
    advance(session, app, Status.ISSUING, actor=actor, reason=f"入金確認 {line.amount:,}円 ({line.paid_on})")
    audit(session, actor=actor, action="payment.matched", application_id=app.id, amount=line.amount)
    return "matched", None, charge.id


def _match_card_request(session: Session, line: PaymentLine, reference: str, actor: str) -> Match:
    """An R-number (card reissue) or a K-number (card renewal): the exact fee releases the new card."""
    assert line.amount is not None
    try:
        number = reference[0] + normalize_application_number(reference[1:])
    except ValueError as exc:
        return Match("unknown_application", str(exc))
    row: CardReissue | CardRenewal | None
    if number.startswith("R"):
        row = session.scalars(select(CardReissue).where(CardReissue.request_number == number)
                              .with_for_update()).one_or_none()
        charge = session.scalars(select(Charge).where(Charge.reissue_id == row.id)).one() if row else None
        paid_status = "issuing"
    else:
        row = session.scalars(select(CardRenewal).where(CardRenewal.request_number == number)
                              .with_for_update()).one_or_none()
        charge = session.scalars(select(Charge).where(Charge.card_renewal_id == row.id)).one() if row else None
        paid_status = "requested"
    if row is None or charge is None:
        return Match("unknown_application", "該当するカード再発行・更新の申請がありません")
    if row.status != "awaiting_payment" or charge.status != "open":
        return Match("already_paid" if charge.status == "paid" else "not_awaiting_payment", f"状態 {row.status}",
                     charge.id)
    if line.amount != charge.amount:
        return Match("amount_mismatch", _difference(charge.amount, line.amount), charge.id)
    move(charge, "paid")
    move(row, paid_status)
    audit(session, actor=actor, action="payment.matched", application_id=None, request_number=number,
          amount=line.amount)
    return Match("matched", None, charge.id)


def _match_invoice(session: Session, line: PaymentLine, number: str, actor: str, source: str) -> Match:
    """An invoice number (請求番号): the exact amount marks the invoice paid, once."""
    from ccus.services.billing.invoices import KIND_LABELS
    from ccus.services.registry.notices import post

    assert line.amount is not None and line.paid_on is not None
    invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == number)
                              .with_for_update()).one_or_none()
    if invoice is None:
        return Match("unknown_application", "該当する請求番号がありません")
    if invoice.status == "paid":
        return Match("already_paid", f"{invoice.paid_on}に入金済みの請求です。{line.amount:,}円の返金等をご確認ください",
                     invoice_id=invoice.id)
    if invoice.status != "open":
        return Match("not_awaiting_payment", f"請求の状態 {invoice.status}", invoice_id=invoice.id)
    biz = session.get(Business, invoice.business_pk)
    assert biz is not None
    if line.amount != invoice.amount:
        subject, body = lifecycle_notices.invoice_payment_mismatch(biz.trade_name, number, invoice.amount, line.amount)
        post(session, biz, key=f"{biz.business_id}:invoice-mismatch:{number}:{source[:16]}:{line.line_no}",
             subject=subject, body=body)
        audit(session, actor=actor, action="invoice.payment_mismatch", application_id=biz.application_id,
              invoice_number=number, expected=invoice.amount, received=line.amount)
        return Match("amount_mismatch", _difference(invoice.amount, line.amount), invoice_id=invoice.id)
    move(invoice, "paid")
    invoice.paid_on, invoice.paid_at = line.paid_on, func.now()
    subject, body = lifecycle_notices.invoice_paid(biz.trade_name, number, KIND_LABELS[invoice.kind], line.amount,
                                                   line.paid_on)
    post(session, biz, key=f"{biz.business_id}:invoice-paid:{number}", subject=subject, body=body)
    audit(session, actor=actor, action="invoice.paid", application_id=biz.application_id, invoice_number=number,
          amount=line.amount, paid_on=line.paid_on.isoformat())
    return Match("matched", None, invoice_id=invoice.id)
