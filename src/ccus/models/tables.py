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
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ccus.models.machines import (
    AdminIdStatus,
    BusinessStatus,
    CardStatus,
    MailBatchStatus,
    MailSegmentStatus,
    OutboxStatus,
    PrintJobStatus,
)
from ccus.models.status import Status
from ccus.models.status_column import StatusType

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


def server_now() -> Any:
    return func.now()


def _severity_count(severity: str) -> str:
    return f"jsonb_array_length(jsonb_path_query_array(flags, '$[*] ? (@.severity == \"{severity}\")'))"


class Application(Base):
    """申請: one case, whatever its channel, with one 申請番号 for life."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_number: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[Status] = mapped_column(StatusType(Status, 32), index=True)
    declared: Mapped[dict[str, Any]] = mapped_column(JSONB)
    extracted: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    flags: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    # Computed by PostgreSQL from ``flags`` (migration 0011): the queue's indexes carry these counts.
    blocking_flags: Mapped[int] = mapped_column(Integer, Computed(_severity_count("block"), persisted=True))
    warning_flags: Mapped[int] = mapped_column(Integer, Computed(_severity_count("warn"), persisted=True))
    flag_count: Mapped[int] = mapped_column(Integer, Computed("jsonb_array_length(flags)", persisted=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    filed_by_business_id: Mapped[str | None] = mapped_column(String(14))
    received_at: Mapped[datetime] = mapped_column(server_default=server_now())
    updated_at: Mapped[datetime] = mapped_column(server_default=server_now())
    # Claiming and re-drive: a stage worker leases the case until claimed_until.
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_until: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # The staff member (username) who took the case in at the counter; never its approver.
    received_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        CheckConstraint(
            "kind IN ('business_registration','worker_registration','proxy_worker_registration',"
            "'business_change','business_renewal','business_withdrawal','worker_change')",
            name="kind",
        ),
        CheckConstraint("channel IN ('internet','mail','counter')", name="channel"),
        Index("ix_applications_status_updated_at", "status", "updated_at"),  # stuck cases (migration 0005)
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
    at: Mapped[datetime] = mapped_column(server_default=server_now())


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
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    purged_at: Mapped[datetime | None] = mapped_column()  # bytes deleted from S3 after retention
    # Replaced by the applicant's answer to a return (kept, never deleted): by which document, when.
    superseded_by_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("documents.id"))
    superseded_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (UniqueConstraint("application_id", "role", "sha256", name="uq_documents_app_role_sha"),
                      CheckConstraint("(superseded_by_id IS NULL) = (superseded_at IS NULL)",
                                      name="superseded_both"))

    @classmethod
    def current(cls) -> Any:
        """The SQL condition of a document in force (not superseded by a newer one)."""
        return cls.superseded_at.is_(None)


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
    status: Mapped[BusinessStatus] = mapped_column(StatusType(BusinessStatus, 20), server_default="active")
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())


class AdminId(Base):
    """管理者ID: the business's administrator IDs; the first one equals the 事業者ID."""

    __tablename__ = "admin_ids"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    admin_id: Mapped[str] = mapped_column(String(14), unique=True)
    business_pk: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    seq: Mapped[int] = mapped_column(Integer)
    status: Mapped[AdminIdStatus] = mapped_column(StatusType(AdminIdStatus, 20), server_default="active")
    # Set while the 登録責任者 holds it suspended (a renewal after a lapse leaves such an ID suspended).
    suspended_by_registrant_at: Mapped[datetime | None] = mapped_column()
    # "<事業者ID>:<Idempotency-Key>" of the portal request that added it: a retried request adds nothing.
    request_key: Mapped[str | None] = mapped_column(String(250), unique=True)

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
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())


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
    # Wrong security codes, counted atomically before each check; never reset by a password success.
    code_failures: Mapped[int] = mapped_column(Integer, server_default="0")
    generation: Mapped[int] = mapped_column(Integer, server_default="1")
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())


class Card(Base):
    """建設キャリアアップカード: level 1 (white) at registration."""

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    # The registration that ordered it; NULL for a reissued card (see CardReissue).
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    colour: Mapped[str] = mapped_column(String(10))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CardStatus] = mapped_column(StatusType(CardStatus, 20), server_default="ordered")


class PrintJob(Base):
    """印刷物: one case's crimped postcard or card order, rendered when its secrets are drawn and
    later merged into exactly one print batch (``batch_id``). Its files are stored sealed."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    effect_key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"), unique=True)
    s3_key: Mapped[str] = mapped_column(String(200))
    # The AES-256 key its files are sealed with (infra/sealed.py); NULL once they are in a batch.
    data_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[PrintJobStatus] = mapped_column(StatusType(PrintJobStatus, 20), server_default="rendered")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("print_batches.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())


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
    status: Mapped[OutboxStatus] = mapped_column(StatusType(OutboxStatus, 20), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    sent_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (CheckConstraint("status IN ('pending','sending','sent')", name="status"),)


class AuditLog(Base):
    """監査ログ: append-only; the database refuses UPDATE and DELETE (trigger in the migration)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=server_now())
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    application_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")


class ApiToken(Base):
    """A bearer token of a staff account for the API (scripts, the reviewers' API). Stored as a hash.

    It acts as its account: the role is the account's, read at each request; a deactivated account,
    an expired or a revoked token is refused. ``actor`` is the account's username when issued (a label
    for the list; tokens revoked by the migration because no account matched keep their old name)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    expires_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("staff_user_id IS NOT NULL OR revoked_at IS NOT NULL", name="account"),)


class StaffUser(Base):
    """職員アカウント: a reviewer, supervisor, counter clerk or administrator. Password as argon2id."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    last_login_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("role IN ('reviewer','supervisor','clerk','admin')", name="role"),)


class StaffSession(Base):
    """A signed-in browser: the cookie carries a random token, stored here as its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    last_seen_at: Mapped[datetime] = mapped_column(server_default=server_now())
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()


class ReviewClaim(Base):
    """担当: a reviewer's lock on a case awaiting review, until ``expires_at``."""

    __tablename__ = "review_claims"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    reviewer: Mapped[str] = mapped_column(String(100), index=True)
    claimed_at: Mapped[datetime] = mapped_column(server_default=server_now())
    expires_at: Mapped[datetime] = mapped_column()


class FieldCorrection(Base):
    """項目訂正: a reviewer's correction of a declared field, with the value before and after."""

    __tablename__ = "field_corrections"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    field: Mapped[str] = mapped_column(String(100))
    before: Mapped[Any] = mapped_column(JSONB, nullable=True)
    after: Mapped[Any] = mapped_column(JSONB, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(server_default=server_now())


class ReviewDecision(Base):
    """審査記録: every decision, with its step (single, first or second approval) and reason codes."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # the deciding account
    decision: Mapped[str] = mapped_column(String(20))
    step: Mapped[str] = mapped_column(String(20))
    reason_codes: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(server_default=server_now(), index=True)

    __table_args__ = (
        CheckConstraint("decision IN ('approve','return','reject')", name="decision"),
        CheckConstraint("step IN ('single','first','second')", name="step"),
    )


class PortalNotice(Base):
    """ポータルのお知らせ: a notice shown to the applicant (a business) in the portal."""

    __tablename__ = "portal_notices"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    business_id: Mapped[str | None] = mapped_column(String(14), index=True)
    effect_key: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    read_at: Mapped[datetime | None] = mapped_column()


# --- Postal scanner intake (郵送受付): scanned files, and the applications found in them ---------


class MailBatch(Base):
    """郵送受付ファイル: one file from the postal scanner, once, whatever its name (by SHA-256).

    The same scan dropped again finds this row and makes no second case.
    """

    __tablename__ = "mail_batches"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(60))
    pages: Mapped[int | None] = mapped_column(Integer)
    s3_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[MailBatchStatus] = mapped_column(StatusType(MailBatchStatus, 20), server_default="splitting")
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(server_default=server_now())
    finished_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("status IN ('splitting','done','quarantined')", name="status"),)


class MailSegment(Base):
    """One application's pages found in a scanned file (between separator sheets or page markers),
    with where each page went; ``application_id`` is the case made of it (none for pages that
    carry no application form, or a form the registry cannot make a case of yet). A returned case
    answered by post has one more segment per answer (services/reading/paper_answers.py)."""

    __tablename__ = "mail_segments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("mail_batches.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    form_key: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[MailSegmentStatus] = mapped_column(StatusType(MailSegmentStatus, 20))
    note: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (
        UniqueConstraint("batch_id", "seq", name="uq_mail_segments_batch_seq"),
        CheckConstraint("status IN ('case','orphan','unsupported')", name="status"),
    )
