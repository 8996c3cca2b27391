"""Re-drive of stuck cases (滞留案件の再実行).

A case is stuck when it has sat in a machine-drained stage (models/status.AUTOMATIC) longer than
``stuck_after`` with no live lease. The re-drive takes each such case under
``FOR UPDATE SKIP LOCKED`` (two re-drives at once never take the same case) and either

* releases it for the next drain of its stage (lease cleared, one attempt counted, its clock reset,
  so a second re-drive the same day leaves it alone), or
* once it has used ``max_attempts`` (claims count one each, the re-drive one), moves it to the
  visible terminal state ``needs_operator`` with the last error in the stage log.

Every decision is in the audit log. ``now`` is a parameter so tests can move time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, true

from ccus.infra.db import unit_of_work
from ccus.models.status import AUTOMATIC, Status
from ccus.models.tables import Application
from ccus.services.cases import advance, audit
from ccus.services.claims import MAX_ATTEMPTS

ACTOR = "redrive"
STUCK_AFTER = timedelta(hours=1)


@dataclass
class RedriveReport:
    released: dict[str, list[str]] = field(default_factory=dict)  # status -> 申請番号
    to_operator: list[str] = field(default_factory=list)

    @property
    def released_count(self) -> int:
        return sum(len(v) for v in self.released.values())


def redrive(now: datetime, *, stuck_after: timedelta = STUCK_AFTER, max_attempts: int = MAX_ATTEMPTS,
            limit: int = 500, kinds: tuple[str, ...] | None = None) -> RedriveReport:
    """Re-drive the stuck cases (of ``kinds``, default every kind) as of ``now``."""
    report = RedriveReport()
    with unit_of_work() as session:
        stuck = session.scalars(
            select(Application)
            .where(
                Application.status.in_([s.value for s in AUTOMATIC]),
                Application.kind.in_(kinds) if kinds else true(),
                Application.updated_at < now - stuck_after,
                or_(Application.claimed_until.is_(None), Application.claimed_until < now),
            )
            .order_by(Application.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        for app in stuck:
            if app.attempts >= max_attempts:
                why = f"再実行の上限（{app.attempts}回）に達しました。最後のエラー：{app.last_error or '不明'}"
                stage = app.status
                advance(session, app, Status.NEEDS_OPERATOR, actor=ACTOR, reason=why[:2000])
                audit(session, actor=ACTOR, action="case.needs_operator", application_id=app.id, stage=stage)
                report.to_operator.append(app.application_number)
                continue
            app.claimed_by = None
            app.claimed_until = None
            app.attempts += 1
            app.updated_at = now
            audit(session, actor=ACTOR, action="case.redriven", application_id=app.id, stage=app.status,
                  attempts=app.attempts, last_error=app.last_error)
            report.released.setdefault(app.status, []).append(app.application_number)
    return report


def needs_operator(limit: int = 200) -> list[dict[str, str]]:
    """Cases waiting for an operator, oldest first, with the reason the stage log recorded."""
    from ccus.services.cases import history

    with unit_of_work() as session:
        apps = session.scalars(select(Application).where(Application.status == Status.NEEDS_OPERATOR.value)
                               .order_by(Application.updated_at).limit(limit)).all()
        out = []
        for app in apps:
            last = history(session, app.id)[-1]
            out.append({"application_number": app.application_number, "kind": app.kind,
                        "from": last.from_status or "", "reason": last.reason or "", "at": last.at.isoformat()})
        return out
