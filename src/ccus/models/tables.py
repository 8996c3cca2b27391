"""The database tables (SQLAlchemy 2.0 typed ORM). PostgreSQL holds the truth.

Uniqueness that makes every external effect happen once lives here, as constraints: one business
and one worker per approved application, one 事業者ID / 技能者ID per party, one credential per
subject, one outbox row per mail effect key, one postcard per application, one card per issuance.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONB, datetime: DateTime(timezone=True)}


def _now() -> Any:
    return func.now()


class Application(Base):
    """申請: one case, whatever its channel, with one 申請番号 for life."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_number: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), index=True)
    declared: Mapped[dict[str, Any]] = mapped_column(JSONB)
    extracted: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    flags: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    filed_by_business_id: Mapped[str | None] = mapped_column(String(14))
    received_at: Mapped[datetime] = mapped_column(server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(server_default=_now())
    # Claiming and re-drive: a stage worker leases the case until claimed_until.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "kind IN ('business_registration','worker_registration','proxy_worker_registration')",
            name="kind",
        ),
        CheckConstraint("channel IN ('internet','mail','counter')", name="channel"),
    )


class ApplicationSerial(Base):
    """The last 申請番号 serial drawn in a year (numbers restart every year)."""

    __tablename__ = "application_serials"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class StageLog(Base):
    """Every transition of a case: who or what, from, to, why, when."""

    __tablename__ = "stage_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(server_default=_now())


class Document(Base):
    """添付書類: one stored file; the bytes live in S3 under their SHA-256."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    s3_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(60))
    pages: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(255))
    ocr_text: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=_now())

    __table_args__ = (UniqueConstraint("application_id", "role", "sha256", name="uq_documents_app_role_sha"),)


class Business(Base):
    """事業者: one per business, ever, with its 14-digit 事業者ID."""

    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    business_id: Mapped[str] = mapped_column(String(14), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    trade_name: Mapped[str] = mapped_column(Text)
    trade_name_kana: Mapped[str] = mapped_column(Text)
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    one_person_contractor: Mapped[bool] = mapped_column(Boolean, server_default="false")
    email: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(Text)
    registered_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), server_default="active")
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class AdminId(Base):
    """管理者ID: the business's administrator IDs; the first one equals the 事業者ID."""

    __tablename__ = "admin_ids"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    admin_id: Mapped[str] = mapped_column(String(14), unique=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), server_default="active")

    __table_args__ = (UniqueConstraint("business_pk", "seq", name="uq_admin_ids_business_seq"),)


class Worker(Base):
    """技能者: one person, one 技能者ID for life."""

    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(14), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_kana: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[date] = mapped_column(Date)
    person_key: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class Affiliation(Base):
    """所属: a worker's affiliation with a business (changing employer is not a new registration)."""

    __tablename__ = "affiliations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        Index("uq_affiliations_current", "worker_pk", "business_pk", unique=True,
              postgresql_where="until IS NULL"),
    )


class Credential(Base):
    """初期パスワードとセキュリティコード: hashes only; plaintext lives only while delivered."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(14), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    security_code_hash: Mapped[str] = mapped_column(Text)
    must_change: Mapped[bool] = mapped_column(Boolean, server_default="true")
    generation: Mapped[int] = mapped_column(Integer, server_default="1")
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class Card(Base):
    """建設キャリアアップカード: level 1 (white) at registration."""

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(10))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), server_default="ordered")


class PrintJob(Base):
    """印刷ジョブ: a PDF for the print shop (crimped postcards), stored in S3."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    effect_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    s3_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), server_default="rendered")
    created_at: Mapped[datetime] = mapped_column(server_default=_now())


class Outbox(Base):
    """送信メール: one row per mail effect. Secret-bearing mails keep no body here."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    effect_key: Mapped[str] = mapped_column(String(120), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    to_addr: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(60))
    body: Mapped[str | None] = mapped_column(Text)  # None for mails that carry a secret
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=_now())

    __table_args__ = (CheckConstraint("status IN ('pending','sending','sent')", name="status"),)


class AuditLog(Base):
    """監査ログ: append-only; the database refuses UPDATE and DELETE (trigger in the migration)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=_now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    application_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class ApiToken(Base):
    """A bearer token for staff using the API (reviewers' screens, scripts). Stored as a hash."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    actor: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("role IN ('reviewer','supervisor','clerk','admin')", name="role"),)
