"""Moving a case between stages: the state machine gate, the stage log and the audit log.

``enter`` (a new case) and ``advance`` (every later move) are the only code that sets
``Application.status`` or writes a stage-log row (tests/unit/test_gate_is_the_only_writer.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccus.models.errors import CASE_NOT_FOUND_JA, NotFound
from ccus.models.status import Status, check_entry, check_transition
from ccus.models.tables import Application, AuditLog, StageLog


class CaseNotFound(NotFound, LookupError):
    """No case has that 申請番号 (or the caller may not know that one does)."""

    def __init__(self, application_number: str = "") -> None:
        super().__init__(CASE_NOT_FOUND_JA)
        self.application_number = application_number


def enter(session: Session, app: Application, steps: Sequence[tuple[Status, str]], *, actor: str
          ) -> list[StageLog]:
    """Open the new case ``app`` by one of its kind's entry paths (models/status.ENTRY_PATHS): each
    step is a status and its reason. Adds and flushes ``app`` and logs each step from nothing."""
    if app.id is not None or app.status is not None:
        raise ValueError(f"case {app.application_number} has already entered")
    path = check_entry(app.kind, app.channel, tuple(to for to, _ in steps))
    app.status = path[-1]
    session.add(app)
    session.flush()
    entries, previous = [], None
    for to, (_, reason) in zip(path, steps, strict=True):
        entries.append(StageLog(application_id=app.id, from_status=previous, to_status=to.value, actor=actor,
                                reason=reason))
        previous = to.value
    session.add_all(entries)
    return entries


def advance(
    session: Session, app: Application, to: Status, *, actor: str, reason: str | None = None
) -> StageLog:
    """Move ``app`` to ``to`` if the state machine allows it, and log the transition."""
    check_transition(app.status, to)
    entry = StageLog(application_id=app.id, from_status=Status(app.status).value, to_status=to.value, actor=actor,
                     reason=reason)
    session.add(entry)
    app.status = to
    app.updated_at = func.now()
    app.claimed_by = None
    app.claimed_until = None
    app.attempts = 0
    app.last_error = None
    session.flush()
    return entry


def audit(session: Session, *, actor: str, action: str, application_id: int | None, **detail: Any) -> None:
    session.add(AuditLog(actor=actor, action=action, application_id=application_id, detail=detail))


def by_number(session: Session, application_number: str, *, lock: bool = False) -> Application:
    stmt = select(Application).where(Application.application_number == application_number)
    if lock:
        stmt = stmt.with_for_update()
    app = session.scalars(stmt).one_or_none()
    if app is None:
        raise CaseNotFound(application_number)
    return app


def history(session: Session, app_id: int) -> list[StageLog]:
    return list(session.scalars(select(StageLog).where(StageLog.application_id == app_id).order_by(StageLog.id)))
