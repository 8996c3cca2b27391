"""Claiming work: any number of workers drain a stage without taking a case twice.

A claim is a lease: ``SELECT … FOR UPDATE SKIP LOCKED`` picks unclaimed (or lease-expired) cases
of a stage and stamps them with the worker and a deadline in one short transaction. A worker that
dies leaves its lease to expire; the next drain (or the re-drive) takes the case again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update

from ccus.infra.db import unit_of_work
from ccus.models.lifecycle import PIPELINE_KINDS, REGISTRATION_KINDS
from ccus.models.status import PIPELINE_NEXT, Status
from ccus.models.tables import Application

MAX_ATTEMPTS = 5


def claim(status: Status, *, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=10),
          kinds: tuple[str, ...] | None = None) -> list[int]:
    """Lease up to ``limit`` cases of ``status`` and ``kinds`` (by default the registrations, and in
    the reading stages also the lifecycle kinds that come by mail: the lifecycle flows claim their
    own kinds, see models/lifecycle.py)."""
    if kinds is None:
        kinds = PIPELINE_KINDS if status in PIPELINE_NEXT else REGISTRATION_KINDS
    with unit_of_work() as session:
        ids = list(
            session.scalars(
                select(Application.id)
                .where(
                    Application.status == status.value,
                    Application.kind.in_(kinds),
                    or_(Application.claimed_until.is_(None), Application.claimed_until < func.now()),
                )
                .order_by(Application.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            session.execute(
                update(Application)
                .where(Application.id.in_(ids))
                .values(
                    claimed_by=worker,
                    claimed_until=func.now() + lease,
                    attempts=Application.attempts + 1,
                )
            )
        return ids


def release_with_error(app_id: int, error: str, *, retry_after: timedelta = timedelta(seconds=30)) -> int:
    """Record a failed attempt; the case stays in its stage and is retried after ``retry_after``."""
    with unit_of_work() as session:
        app = session.get(Application, app_id, with_for_update=True)
        assert app is not None
        app.last_error = error[:2000]
        app.claimed_by = None
        app.claimed_until = func.now() + retry_after
        return app.attempts
