"""Tables of a worker's registered content beyond the ``workers`` row (技能者の登録内容): the
qualifications held (保有資格), which decide the card level, and the rest of what was declared and
approved (詳細型 items and the employer's items, guide p. 9).

Kept beside ``tables.py`` (same metadata). Written at issuance from the approved registration,
and by an approved change application (``worker_change``: a qualification added).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from ccus.models.tables import Base, server_now


class WorkerQualification(Base):
    """保有資格: one qualification a worker holds, verified by review (its certificate was a document
    of ``application_id``, the registration or the change that declared it). A worker holds a
    qualification once: a second declaration of the same name adds nothing."""

    __tablename__ = "worker_qualifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    number: Mapped[str] = mapped_column(Text)
    obtained_on: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(20))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(server_default=server_now())

    __table_args__ = (UniqueConstraint("worker_pk", "name", name="uq_worker_qualifications_worker_name"),)


class WorkerProfile(Base):
    """登録内容（技能者）: the rest of the registration as approved — tier, training, awards, health
    checks, experience history and the employer's items — and the 申請番号 of every change applied."""

    __tablename__ = "worker_profiles"

    worker_pk: Mapped[int] = mapped_column(ForeignKey("workers.id"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(Integer, server_default="0")
    applied: Mapped[list[Any]] = mapped_column(JSONB, server_default="[]")
    updated_at: Mapped[datetime] = mapped_column(server_default=server_now())
