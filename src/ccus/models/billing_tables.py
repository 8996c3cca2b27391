"""Tables of fees, payments and print batches (請求・入金・印刷バッチ).

Kept beside ``tables.py`` (same metadata) so that each area's tables stay small and findable.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ccus.models.machines import CardReissueStatus, ChargeStatus, PrintBatchStatus
from ccus.models.status_column import StatusType
from ccus.models.tables import Base, server_now


class Charge(Base):
    """請求: what a case must pay before issuance, computed once from the schedule of its date."""

    __tablename__ = "charges"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    effect_key: Mapped[str] = mapped_column(String(120), unique=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    reissue_id: Mapped[int | None] = mapped_column(ForeignKey("card_reissues.id"), index=True)
    card_renewal_id: Mapped[int | None] = mapped_column(ForeignKey("card_renewals.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    breakdown: Mapped[str] = mapped_column(Text)
    fee_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ChargeStatus] = mapped_column(StatusType(ChargeStatus, 20), server_default="open")
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (CheckConstraint("status IN ('open','paid','refunded')", name="status"),)


class Payment(Base):
    """入金: one line of an imported payment file; importing the same file twice adds nothing. A charge
    or an invoice has at most one matched line (partial unique indexes)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_sha256: Mapped[str] = mapped_column(String(64))
    line_no: Mapped[int] = mapped_column(Integer)
    application_number: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(Integer)
    paid_on: Mapped[date] = mapped_column(Date)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (
        UniqueConstraint("source_sha256", "line_no", name="uq_payments_source_line"),
        CheckConstraint(
            "outcome IN ('matched','amount_mismatch','unknown_application','not_awaiting_payment','invalid',"
            "'already_paid')",
            name="outcome",
        ),
        Index("uq_payments_invoice_matched", "invoice_id", unique=True,
              postgresql_where=text("outcome = 'matched' AND invoice_id IS NOT NULL")),
        Index("uq_payments_charge_matched", "charge_id", unique=True,
              postgresql_where=text("outcome = 'matched' AND charge_id IS NOT NULL")),
    )


class PrintBatch(Base):
    """印刷バッチ: one PDF (crimped postcards) or one order file (cards) for the print shop."""

    __tablename__ = "print_batches"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_number: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    s3_key: Mapped[str] = mapped_column(String(200))
    manifest_key: Mapped[str] = mapped_column(String(200))
    # The AES-256 key its secret-bearing files are sealed with (infra/sealed.py); destroyed (NULL)
    # when the batch is printed. The manifest holds no secret and is stored as it is.
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    items: Mapped[int] = mapped_column(Integer)
    # building: its jobs are claimed and its files are being written (outside any transaction);
    # ready: its files are complete, for the print shop; printed: its secret-bearing files are gone.
    status: Mapped[PrintBatchStatus] = mapped_column(StatusType(PrintBatchStatus, 20), server_default="ready")
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (
        CheckConstraint("kind IN ('postcard','card_order')", name="kind"),
        CheckConstraint("status IN ('building','ready','printed')", name="status"),
    )


class CardReissue(Base):
    """カード再発行: a lost or damaged card replaced by a new one (after the fee is paid)."""

    __tablename__ = "card_reissues"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_number: Mapped[str] = mapped_column(String(40), unique=True)
    old_card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), unique=True)
    new_card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(20))
    requested_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[CardReissueStatus] = mapped_column(StatusType(CardReissueStatus, 20),
                                                      server_default="awaiting_payment")
    requested_at: Mapped[datetime] = mapped_column(server_default=server_now())
    # A new card level (reason level_change, no fee): the approved change that earned it, once.
    change_application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), unique=True)

    __table_args__ = (
        CheckConstraint("reason IN ('lost','damaged','level_change')", name="reason"),
        CheckConstraint("(reason = 'level_change') = (change_application_id IS NOT NULL)", name="level_change"),
        CheckConstraint("status IN ('awaiting_payment','issuing','issued')", name="status"),
    )


class DuplicateResolution(Base):
    """重複登録の処理: an operator's resolution of a paid case whose party was registered meanwhile
    (``services/operations/duplicates.py``): refunded (its charge ``refunded``) or merged into the
    registered worker. One per case, ever (the unique key makes a second resolution impossible)."""

    __tablename__ = "duplicate_resolutions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(20))
    # The registration of the party already registered (its 申請番号 is named in the notices).
    registered_application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"), unique=True)
    refunded_amount: Mapped[int] = mapped_column(Integer, server_default="0")
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (CheckConstraint("outcome IN ('refunded','merged')", name="outcome"),)
