"""Tables of the business portal and the registry's life after registration (事業者ポータル・更新・
退会・請求): portal sessions, sign-in throttles, the registered content, disclosure settings, sites and
attendance records from linked systems, invoices, withdrawals and card renewals.

Kept beside ``tables.py`` (same metadata). Every effect has its unique key here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ccus.models.machines import CardRenewalStatus, InvoiceStatus, SiteContractStatus
from ccus.models.status_column import StatusType
from ccus.models.tables import Base, server_now


class PortalSession(Base):
    """事業者ポータルのセッション: a bearer token (stored as its SHA-256). ``scope`` is
    ``change_password`` until the initial password has been changed, then ``full``."""

    __tablename__ = "portal_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    login_id: Mapped[str] = mapped_column(String(14))
    business_id: Mapped[str] = mapped_column(String(14), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("scope IN ('change_password','full')", name="scope"),)


class AuthThrottle(Base):
    """Failed sign-ins per key (``portal:id:…``, ``portal:addr:…``, ``staff:user:…``, ``staff:addr:…``):
    after a few, attempts are refused until ``blocked_until`` (growing delays, ``models/throttle.py``)."""

    __tablename__ = "auth_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    blocked_until: Mapped[datetime | None] = mapped_column()
    last_failure_at: Mapped[datetime | None] = mapped_column()

class BusinessProfile(Base):
    """登録内容: the registered content of a business, the registration as declared plus every
    approved change (``version`` counts the changes applied)."""

    __tablename__ = "business_profiles"

    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    applied: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")  # 申請番号 of applied changes
    updated_at: Mapped[datetime] = mapped_column(server_default=server_now())


class DisclosureSetting(Base):
    """開示設定（所属技能者）: one information item of one affiliated worker disclosed to その他事業者.
    No row means undisclosed (the default)."""

    __tablename__ = "disclosure_settings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    item: Mapped[str] = mapped_column(String(40))
    disclosed: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (UniqueConstraint("business_pk", "worker_pk", "item", name="uq_disclosure_settings_bwi"),)


class Site(Base):
    """現場: a site registered by its prime contractor (元請事業者), with its 14-digit 現場ID."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(Text)
    prime_business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())


class SiteContract(Base):
    """施工体制: a business working on a site under ``upper_business_pk`` (its 上位事業者).

    The upper one requests it (``pending``); only the lower business itself confirms or declines
    it. Only a ``confirmed`` relation places a business on the site or opens its data upwards."""

    __tablename__ = "site_contracts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    upper_business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    status: Mapped[SiteContractStatus] = mapped_column(StatusType(SiteContractStatus, 20), server_default="pending")
    requested_at: Mapped[datetime] = mapped_column(server_default=server_now())
    decided_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        UniqueConstraint("site_pk", "business_pk", name="uq_site_contracts_site_business"),
        CheckConstraint("status IN ('pending','confirmed','declined')", name="status"),
        CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided"),
    )


class LinkedSystem(Base):
    """連携システム: a system that sends attendance records (就業履歴), with its token's hash."""

    __tablename__ = "linked_systems"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    system_code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(Text)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())


class AttendanceRecord(Base):
    """就業履歴: one worker on one site on one day (at most one, whatever system sends it)."""

    __tablename__ = "attendance_records"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    work_date: Mapped[date] = mapped_column(Date)
    system_code: Mapped[str] = mapped_column(String(20))
    prime_business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (UniqueConstraint("worker_pk", "site_pk", "work_date", name="uq_attendance_worker_site_day"),)


class Invoice(Base):
    """請求書: the yearly 管理者ID fee or a month's site usage fee of one business."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(40), unique=True)
    effect_key: Mapped[str] = mapped_column(String(120), unique=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(Integer)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[InvoiceStatus] = mapped_column(StatusType(InvoiceStatus, 20), server_default="open")
    paid_on: Mapped[date | None] = mapped_column(Date)  # the payment line's date
    paid_at: Mapped[datetime | None] = mapped_column()  # when the payment was imported
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (
        CheckConstraint("kind IN ('admin_id_fee','site_usage')", name="kind"),
        CheckConstraint("status IN ('open','paid','void')", name="status"),
        CheckConstraint("(status = 'paid') = (paid_on IS NOT NULL)", name="paid"),
    )


class Withdrawal(Base):
    """退会: a processed withdrawal; its documents are purged from S3 on ``purge_on``."""

    __tablename__ = "withdrawals"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    withdrawn_on: Mapped[date] = mapped_column(Date)
    purge_on: Mapped[date] = mapped_column(Date, index=True)
    purged_at: Mapped[datetime | None] = mapped_column()


class CardRenewal(Base):
    """カード更新: a card near (or past) its expiry replaced by a new card with a new validity, once
    its fee (as registration) is paid; ``request_number`` (K + 申請番号 format) is the payer reference."""

    __tablename__ = "card_renewals"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    old_card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), unique=True)
    new_card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), unique=True)
    requested_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[CardRenewalStatus] = mapped_column(StatusType(CardRenewalStatus, 20), server_default="requested")
    requested_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (CheckConstraint("status IN ('awaiting_payment','requested','issued')", name="status"),)
