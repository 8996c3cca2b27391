"""Re-drive of stuck cases (滞留案件の再実行).

A case is stuck when it has sat in a machine-drained stage (models/status.AUTOMATIC) longer than
``stuck_after`` with no live lease. The re-drive takes each such case under
``FOR UPDATE SKIP LOCKED`` (two re-drives at once never take the same case) and either

* releases it for the next drain of its stage (lease cleared, one attempt counted, its clock reset,
  so a second re-drive the same day leaves it alone), or
* once it has used ``max_attempts`` (claims count one each, the re-drive one), moves it to the
  visible terminal state ``needs_operator`` with the last error in the stage log.

Every decision is in the audit log. ``now`` is a parameter so tests can move time.

An operator lists those cases (``needs_operator``: number, kind, stage, attempts, last error, since;
no personal data) and, after fixing the cause, sends one back to the stage it was stuck in
(``retry``): only from ``needs_operator``, with a fresh count of attempts, recorded in the stage
log and the audit log under the operator's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.errors import Conflict
from ccus.models.status import AUTOMATIC, Status, allowed_targets
from ccus.models.tables import Application, AuditLog, StageLog
from ccus.services.cases import CaseNotFound, advance, audit, by_number
from ccus.services.operations.lease import MAX_ATTEMPTS

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
                stage, attempts, error = app.status, app.attempts, app.last_error
                advance(session, app, Status.NEEDS_OPERATOR, actor=ACTOR, reason=why[:2000])
                audit(session, actor=ACTOR, action="case.needs_operator", application_id=app.id, stage=stage,
                      attempts=attempts, last_error=(error or "")[:2000])
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


def _entry(session: Session, app_id: int) -> tuple[StageLog | None, dict[str, object]]:
    """The stage-log entry that put the case in needs_operator, and the re-drive's audit detail."""
    entry = session.scalars(select(StageLog).where(StageLog.application_id == app_id,
                                                   StageLog.to_status == Status.NEEDS_OPERATOR.value)
                            .order_by(StageLog.id.desc()).limit(1)).first()
    detail = session.scalars(select(AuditLog.detail).where(AuditLog.application_id == app_id,
                                                           AuditLog.action == "case.needs_operator")
                             .order_by(AuditLog.id.desc()).limit(1)).first()
    return entry, detail or {}


def needs_operator(limit: int = 200) -> list[dict[str, str]]:
    """Cases waiting for an operator, oldest first: number, kind, the stage they were stuck in, the
    attempts used, the last error and since when (from the stage log and the re-drive's audit)."""
    with unit_of_work() as session:
        apps = session.scalars(select(Application).where(Application.status == Status.NEEDS_OPERATOR.value)
                               .order_by(Application.updated_at).limit(limit)).all()
        out = []
        for app in apps:
            entry, detail = _entry(session, app.id)
            out.append({"application_number": app.application_number, "kind": app.kind,
                        "from": entry.from_status or "" if entry else "",
                        "attempts": str(detail.get("attempts", "")),
                        "last_error": str(detail.get("last_error") or ""),
                        "reason": entry.reason or "" if entry else "",
                        "at": (entry.at if entry else app.updated_at).isoformat()})
        return out


class RetryRefused(Conflict):
    pass


def retry(application_number: str, *, operator: str, reason: str | None = None) -> str:
    """Send a needs_operator case back to the stage it was stuck in (after the cause was fixed);
    returns that stage. Refused for any case not in needs_operator."""
    with unit_of_work() as session:
        try:
            app = by_number(session, application_number.strip(), lock=True)
        except CaseNotFound:
            raise RetryRefused(f"申請番号 {application_number} の申請はありません。") from None
        if app.status != Status.NEEDS_OPERATOR.value:
            raise RetryRefused(f"{application_number} は要オペレーター対応の状態ではありません（現在の状態：{app.status}）。")
        entry, _ = _entry(session, app.id)
        stage = entry.from_status if entry else None
        if stage is None or Status(stage) not in allowed_targets(Status.NEEDS_OPERATOR):
            raise RetryRefused(f"{application_number} は元の段階（{stage or '不明'}）に戻せません。")
        why = f"オペレーターによる再実行：{reason.strip()}" if reason and reason.strip() else "オペレーターによる再実行"
        advance(session, app, Status(stage), actor=operator, reason=why[:2000])
        audit(session, actor=operator, action="case.operator_retry", application_id=app.id, stage=stage,
              reason=reason)
        return stage
