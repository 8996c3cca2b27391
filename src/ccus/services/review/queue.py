"""The review queue (審査待ち一覧) and claims (担当): who works on which case, for how long.

A claim is a lease in ``review_claims``: taking it is one statement that inserts the row, or takes
it over when it expired or is already the taker's, so two reviewers can never both hold a case.
A supervisor may release or reassign any claim. Deciding a case releases its claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.errors import Conflict
from ccus.models.status import Status
from ccus.models.tables import Application, ReviewClaim
from ccus.services.cases import audit, by_number

QUEUE_STATUSES = (Status.AWAITING_REVIEW.value, Status.AWAITING_SECOND_APPROVAL.value)
CLAIM_LEASE = timedelta(minutes=30)
PAGE_SIZE = 50


def review_due(app: Any = Application) -> ColumnElement[datetime]:
    """審査期限 in SQL: the function generated from ``models/review_deadline.py`` (created by
    migration 0002; it backs the queue's due-date index). Python code reads the rule itself."""
    return func.ccus_review_due(app.kind, app.received_at, type_=Application.received_at.type)


@dataclass(frozen=True)
class QueueFilter:
    kind: str | None = None
    channel: str | None = None
    flags: str | None = None  # "block" | "warn" | "none"
    min_age_days: int | None = None
    status: str | None = None  # one of QUEUE_STATUSES, or both
    claimed: str | None = None  # "mine" | "free" | "others"
    sort: str = "age"  # "age" (oldest first) | "due" (earliest due first)
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    application_number: str
    kind: str
    channel: str
    status: str
    received_at: datetime
    due_at: datetime
    blocking: int
    warnings: int
    claimed_by: str | None
    claim_expires_at: datetime | None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    filter: QueueFilter
    counts: dict[str, int] = field(default_factory=dict)


class ClaimRefused(Conflict):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.code: str = code


def live_claim() -> Any:
    """The join condition of a case's live (unexpired) claim."""
    return and_(ReviewClaim.application_id == Application.id, ReviewClaim.expires_at > func.now())


def _conditions(f: QueueFilter, actor: str) -> list[ColumnElement[bool]]:
    """The filter's conditions other than the status (those on the claim need ``live_claim`` joined)."""
    out: list[ColumnElement[bool]] = []
    if f.kind:
        out.append(Application.kind == f.kind)
    if f.channel:
        out.append(Application.channel == f.channel)
    if f.flags == "block":
        out.append(Application.blocking_flags > 0)
    elif f.flags == "warn":
        out.append(Application.warning_flags > 0)
    elif f.flags == "none":
        out.append(Application.flag_count == 0)
    if f.min_age_days:
        out.append(Application.received_at <= func.now() - timedelta(days=f.min_age_days))
    if f.claimed == "mine":
        out.append(ReviewClaim.reviewer == actor)
    elif f.claimed == "free":
        out.append(ReviewClaim.application_id.is_(None))
    elif f.claimed == "others":
        out.append(ReviewClaim.reviewer != actor)
    return out


def _in_queue(stmt: Any, f: QueueFilter) -> Any:  # any Select (SQLAlchemy types them by their columns)
    stmt = stmt.where(Application.status.in_(QUEUE_STATUSES))
    return stmt.outerjoin(ReviewClaim, live_claim()) if f.claimed else stmt


def list_queue(session: Session, f: QueueFilter, actor: str) -> QueuePage:
    """One page of the queue. The counts by status and the filter's exact total come from ONE pass
    over the queue's covering index (``count(*) FILTER``); the page's ids come from the queue's
    partial indexes alone (deferred join), so deep pages stay cheap."""
    conditions = _conditions(f, actor)
    matching = func.count().filter(and_(*conditions)) if conditions else func.count()
    counted = session.execute(_in_queue(select(Application.status, func.count(), matching), f)
                              .group_by(Application.status)).all()
    counts: dict[str, int] = {status: n for status, n, _ in counted}
    total = sum(m for status, _, m in counted if f.status in (None, status))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    due = review_due()
    order = (due, Application.id) if f.sort == "due" else (Application.received_at, Application.id)
    statuses = (f.status,) if f.status in QUEUE_STATUSES else QUEUE_STATUSES
    ids = (_in_queue(select(Application.id), f).where(Application.status.in_(statuses), *conditions)
           .order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).subquery())
    stmt = (select(Application.application_number, Application.kind, Application.channel, Application.status,
                   Application.received_at, due.label("due_at"), Application.blocking_flags,
                   Application.warning_flags, ReviewClaim.reviewer,
                   ReviewClaim.expires_at)
            .join(ids, ids.c.id == Application.id).outerjoin(ReviewClaim, live_claim()).order_by(*order))
    rows = [
        QueueRow(r.application_number, r.kind, r.channel, r.status, r.received_at, r.due_at,
                 r.blocking_flags, r.warning_flags, r.reviewer, r.expires_at)
        for r in session.execute(stmt)
    ]
    return QueuePage(rows, total, page, pages, f, counts)


def current_claim(session: Session, app_id: int) -> ReviewClaim | None:
    return session.scalars(select(ReviewClaim).where(
        ReviewClaim.application_id == app_id, ReviewClaim.expires_at > func.now())).one_or_none()


def claim(application_number: str, actor: str, *, lease: timedelta = CLAIM_LEASE) -> datetime:
    """Take (or extend) ``actor``'s claim on a case awaiting review. Returns its expiry."""
    with unit_of_work() as session:
        app = by_number(session, application_number, lock=True)  # no decision slips between check and claim
        if app.status not in QUEUE_STATUSES:
            raise ClaimRefused("not_in_queue", "この申請は審査待ちではないため担当できません。")
        stmt = insert(ReviewClaim).values(application_id=app.id, reviewer=actor, expires_at=func.now() + lease)
        won = session.execute(stmt.on_conflict_do_update(
            index_elements=["application_id"],
            set_={"reviewer": actor, "claimed_at": func.now(), "expires_at": func.now() + lease},
            where=or_(ReviewClaim.expires_at <= func.now(), ReviewClaim.reviewer == actor),
        ).returning(ReviewClaim.expires_at)).scalar_one_or_none()
        if won is None:
            holder = current_claim(session, app.id)
            raise ClaimRefused("claimed_by_other",
                               f"この申請は {holder.reviewer if holder else '他の担当者'} が担当中です。")
        audit(session, actor=actor, action="case.claimed", application_id=app.id)
        return won


def release(application_number: str, actor: str, *, supervisor: bool = False) -> None:
    """Give up ``actor``'s claim; a supervisor may release anyone's."""
    with unit_of_work() as session:
        app = by_number(session, application_number)
        holder = current_claim(session, app.id)
        if holder is None:
            return
        if holder.reviewer != actor and not supervisor:
            raise ClaimRefused("claimed_by_other", f"この申請は {holder.reviewer} が担当中です。")
        # Only the claim just looked at: one taken over meanwhile (after expiry) stays its new holder's.
        session.execute(delete(ReviewClaim).where(ReviewClaim.application_id == app.id,
                                                  ReviewClaim.reviewer == holder.reviewer))
        audit(session, actor=actor, action="case.released", application_id=app.id, holder=holder.reviewer)


def reassign(application_number: str, to: str, by: str, *, lease: timedelta = CLAIM_LEASE) -> None:
    """A supervisor hands a case to another reviewer (whatever claim it had)."""
    with unit_of_work() as session:
        app = by_number(session, application_number, lock=True)
        if app.status not in QUEUE_STATUSES:
            raise ClaimRefused("not_in_queue", "この申請は審査待ちではありません。")
        before = current_claim(session, app.id)
        stmt = insert(ReviewClaim).values(application_id=app.id, reviewer=to, expires_at=func.now() + lease)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["application_id"],
            set_={"reviewer": to, "claimed_at": func.now(), "expires_at": func.now() + lease}))
        audit(session, actor=by, action="case.reassigned", application_id=app.id,
              holder=before.reviewer if before else None, to=to)


def require_claim(session: Session, app: Application, actor: str) -> None:
    """Refuse unless ``actor`` holds a live claim on ``app`` (the web app's rule for changes)."""
    holder = current_claim(session, app.id)
    if holder is None or holder.reviewer != actor:
        who = f"{holder.reviewer} が担当中です" if holder else "担当者が決まっていません"
        raise ClaimRefused("claim_required", f"この操作には担当の取得が必要です（{who}）。")


def release_on_decision(session: Session, app_id: int) -> None:
    session.execute(delete(ReviewClaim).where(ReviewClaim.application_id == app_id))
