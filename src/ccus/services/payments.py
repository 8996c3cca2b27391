"""Fees and payments (手数料・入金): approved cases are charged, then wait for their payment.

``charge_approved`` computes the fee from the schedule of the application's date once (the charge
row is keyed by the case); a case that owes nothing goes straight to issuance. ``import_payments``
reads the bank's payment file (CSV: 申請番号, amount, date): a payment of the exact amount moves the
case to issuance; any other amount is flagged on the case and never issued. Every line is recorded
once, keyed by the file's SHA-256 and line number, so importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models import notices
from ccus.models.billing_tables import CardReissue, Charge, Payment
from ccus.models.charges import application_fee
from ccus.models.identifiers import normalize_application_number
from ccus.models.japanese import normalize_digits, parse_japanese_date
from ccus.models.status import Status
from ccus.models.tables import Application
from ccus.services import mail
from ccus.services.cases import advance, audit
from ccus.services.recipients import notice_recipient

JST = timezone(timedelta(hours=9))
ACTOR = "payments"


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
            fee_date=fee.fee_date, status="paid" if fee.total == 0 else "open",
        ).on_conflict_do_nothing(index_elements=["effect_key"]))
        if fee.total == 0:
            advance(session, app, Status.ISSUING, actor=ACTOR, reason="手数料なし")
            return app.status
        advance(session, app, Status.AWAITING_PAYMENT, actor=ACTOR, reason=f"請求額 {fee.total:,}円")
        to_addr, name = notice_recipient(session, app)
        if to_addr:
            subject, body = notices.payment_request_notice(name, app.application_number, fee.total, fee.describe())
            mail.enqueue(session, effect_key=f"{app.application_number}:mail:payment-request",
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


_HEADERS = {"申請番号", "application_number", "金額", "amount", "入金日", "date", "paid_on"}


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
        report.outcomes[outcome] += 1
        if outcome != "matched":
            report.problems.append(f"{line.line_no}行目 {line.application_number}: {outcome}")
    return report


def _import_line(source: str, line: PaymentLine, actor: str) -> str | None:
    with unit_of_work() as session:
        exists = session.scalar(select(Payment.id).where(Payment.source_sha256 == source,
                                                         Payment.line_no == line.line_no))
        if exists:
            return None
        outcome, note, charge_id = _match(session, line, actor)
        session.add(Payment(source_sha256=source, line_no=line.line_no,
                            application_number=line.application_number[:32], amount=line.amount or 0,
                            paid_on=line.paid_on or datetime.now(JST).date(), charge_id=charge_id,
                            outcome=outcome, note=note))
        return outcome


def _match(session: Session, line: PaymentLine, actor: str) -> tuple[str, str | None, int | None]:
    if line.error or line.amount is None:
        return "invalid", line.error, None
    if line.application_number.upper().startswith("R"):
        return _match_reissue(session, line, actor)
    try:
        number = normalize_application_number(line.application_number)
    except ValueError as exc:
        return "unknown_application", str(exc), None
    app = session.scalars(select(Application).where(Application.application_number == number)
                          .with_for_update()).one_or_none()
    if app is None:
        return "unknown_application", None, None
    charge = session.scalars(select(Charge).where(Charge.application_id == app.id)).one_or_none()
    if app.status != Status.AWAITING_PAYMENT.value or charge is None or charge.status != "open":
        return "not_awaiting_payment", f"状態 {app.status}", charge.id if charge else None
    if line.amount != charge.amount:
        note = f"請求額 {charge.amount:,}円 に対し入金 {line.amount:,}円"
        app.flags = [*app.flags, {"code": "payment_amount_mismatch", "severity": "block", "stage": "payment",
                                  "field": None, "message": f"入金額が請求額と一致しません（{note}）。"}]
        audit(session, actor=actor, action="payment.amount_mismatch", application_id=app.id,
              expected=charge.amount, received=line.amount)
        to_addr, name = notice_recipient(session, app)
        if to_addr:
            subject, body = notices.payment_mismatch_notice(name, app.application_number, charge.amount, line.amount)
            mail.enqueue(session, effect_key=f"{app.application_number}:mail:payment-mismatch:{line.line_no}:"
                         f"{line.paid_on}", application_id=app.id, to_addr=to_addr, subject=subject,
                         template="payment_mismatch", body=body)
        return "amount_mismatch", note, charge.id
    charge.status = "paid"
    advance(session, app, Status.ISSUING, actor=actor, reason=f"入金確認 {line.amount:,}円 ({line.paid_on})")
    audit(session, actor=actor, action="payment.matched", application_id=app.id, amount=line.amount)
    return "matched", None, charge.id


def _match_reissue(session: Session, line: PaymentLine, actor: str) -> tuple[str, str | None, int | None]:
    try:
        number = "R" + normalize_application_number(line.application_number[1:])
    except ValueError as exc:
        return "unknown_application", str(exc), None
    row = session.scalars(select(CardReissue).where(CardReissue.request_number == number)
                          .with_for_update()).one_or_none()
    if row is None:
        return "unknown_application", None, None
    charge = session.scalars(select(Charge).where(Charge.reissue_id == row.id)).one()
    if row.status != "awaiting_payment" or charge.status != "open":
        return "not_awaiting_payment", f"状態 {row.status}", charge.id
    if line.amount != charge.amount:
        return "amount_mismatch", f"請求額 {charge.amount:,}円 に対し入金 {line.amount:,}円", charge.id
    charge.status = "paid"
    row.status = "issuing"
    audit(session, actor=actor, action="payment.matched", application_id=None, request_number=number,
          amount=line.amount)
    return "matched", None, charge.id
