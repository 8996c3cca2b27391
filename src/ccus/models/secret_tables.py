"""The applicant's answer secrets (回答用コード): random per-case tokens, stored only as SHA-256.

Kept beside ``tables.py`` (same metadata). A case may hold several live secrets (the one given at
submission, one per 不備 notice, a replayed submission's): any of them proves the applicant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ccus.models.tables import Base, server_now


class ApplicationSecret(Base):
    """回答用コード: proves a request about a case comes from its applicant."""

    __tablename__ = "application_secrets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())
    revoked_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (CheckConstraint("purpose IN ('intake','return','counter')", name="purpose"),)
