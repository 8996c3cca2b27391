"""The supervisor's dashboard (審査状況): backlog, ages, pace, returns, and when the backlog clears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, cast, func, select, text
from sqlalchemy.orm import Session

from ccus.models.review_rules import REASONS_BY_CODE
from ccus.models.status import TERMINAL, Status
from ccus.models.tables import Application, ReviewDecision
from ccus.services.clock import today_jst
from ccus.services.review.queue import QUEUE_STATUSES

AGE_BUCKETS = ((0, 1, "1日未満"), (1, 3, "1〜3日"), (3, 7, "3〜7日"), (7, 14, "7〜14日"), (14, None, "14日以上"))
PACE_DAYS = 7


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Forecast:
    backlog: int
    per_day: float
    days: float | None
    clears_on: date | None


@dataclass(frozen=True)
class Dashboard:
    backlog_by_stage: list[Bar]
    queue_ages: list[Bar]
    oldest_number: str | None
    oldest_received_at: datetime | None
    decided_per_day: list[Bar]
    decided_per_reviewer: list[Bar]
    returns_by_reason: list[Bar]
    forecast: Forecast


def build(session: Session, *, days: int = 14) -> Dashboard:
    open_statuses = [s.value for s in Status if s not in TERMINAL]
    by_stage = {str(s): n for s, n in session.execute(select(Application.status, func.count()).where(
        Application.status.in_(open_statuses)).group_by(Application.status)).all()}
    backlog = [Bar(s, by_stage.get(s, 0)) for s in open_statuses]

    age_days = func.extract("epoch", func.now() - Application.received_at) / 86400
    in_queue = Application.status.in_(QUEUE_STATUSES)
    ages = []
    for low, high, label in AGE_BUCKETS:
        cond = [in_queue, age_days >= low] + ([age_days < high] if high is not None else [])
        ages.append(Bar(label, session.scalar(select(func.count()).select_from(Application).where(*cond)) or 0))
    oldest = session.execute(select(Application.application_number, Application.received_at).where(in_queue)
                             .order_by(Application.received_at).limit(1)).one_or_none()

    since = today_jst() - timedelta(days=days - 1)
    day = cast(func.timezone("Asia/Tokyo", ReviewDecision.at), Date)
    recent = ReviewDecision.at >= func.now() - timedelta(days=days)
    per_day = dict(session.execute(select(day, func.count()).where(recent, day >= since).group_by(day))
                   .all())
    decided_per_day = [Bar(f"{d.month}/{d.day}", per_day.get(d, 0))
                       for d in (since + timedelta(days=i) for i in range(days))]
    per_reviewer = [Bar(a, n) for a, n in session.execute(
        select(ReviewDecision.actor, func.count()).where(recent).group_by(ReviewDecision.actor)
        .order_by(func.count().desc()).limit(15))]
    returns = [Bar(REASONS_BY_CODE[c].label if c in REASONS_BY_CODE else c, n) for c, n in session.execute(text(
        "SELECT c, count(*) FROM review_decisions, jsonb_array_elements_text(reason_codes) AS c "
        "WHERE decision = 'return' AND at >= now() - interval '30 days' GROUP BY c ORDER BY 2 DESC"))]

    # Pace: cases that left the queue (final decisions, not first approvals) per day over the last week.
    final = session.scalar(select(func.count()).select_from(ReviewDecision).where(
        ReviewDecision.step != "first", ReviewDecision.at >= func.now() - timedelta(days=PACE_DAYS))) or 0
    per_day_rate = final / PACE_DAYS
    queue_size = sum(by_stage.get(s, 0) for s in QUEUE_STATUSES)
    days_needed = queue_size / per_day_rate if per_day_rate else None
    clears = today_jst() + timedelta(days=int(-(-days_needed // 1))) if days_needed is not None else None
    return Dashboard(backlog, ages, oldest[0] if oldest else None, oldest[1] if oldest else None,
                     decided_per_day, per_reviewer, returns, Forecast(queue_size, per_day_rate, days_needed, clears))
