"""Prefect tasks of the scheduled lifecycle flows: re-drive, renewal, withdrawal, changes.

One batch each; the rules live in models/ and the units of work in services/. The stages over
claimed cases (apply a change, apply a renewal, process a withdrawal) are drained by tasks/drain.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from prefect import task

from ccus.infra.orchestrator import trigger
from ccus.models.next_flows import after_release
from ccus.services.clock import today_jst
from ccus.services.operations import failures, redrive
from ccus.services.registry import business_changes, renewal, withdrawal, worker_changes


@task(name="redrive-stuck", retries=2, retry_delay_seconds=5)
def redrive_stuck(now: datetime, stuck_after_minutes: int, max_attempts: int,
                  kinds: list[str] | None = None) -> dict[str, Any]:
    report = redrive.redrive(now, stuck_after=timedelta(minutes=stuck_after_minutes), max_attempts=max_attempts,
                             kinds=tuple(kinds) if kinds else None)
    return {"released": report.released, "to_operator": report.to_operator}


@task(name="trigger-drains")
def trigger_drains(statuses: list[str]) -> list[str]:
    """Start the drains of the stages whose cases were released (the schedules would, later)."""
    names = [flow.value for flow in after_release(statuses)]  # models/next_flows.AFTER_RELEASE
    for name in names:
        trigger(name)
    return names


def _each(ids: list[int], what: str, fn: Callable[[int], bool]) -> int:
    """Run ``fn`` on every claimed case; a failure is recorded on its case (a transient one is
    retried, then re-driven; a final one goes to an operator at once)."""
    done = 0
    for app_id in ids:
        try:
            done += 1 if fn(app_id) else 0
        except Exception as exc:  # noqa: BLE001 - recorded on the case; the others go on
            failures.record(app_id, what, exc)
    return done


@task(name="apply-change")
def apply_change(ids: list[int]) -> int:
    today = today_jst()
    return _each(ids, "apply change",
                 lambda i: business_changes.apply_change(i) or worker_changes.apply_change(i, today))


# Renewal ----------------------------------------------------------------------------------------

@task(name="apply-renewal")
def apply_renewal(ids: list[int], today: date) -> int:
    return _each(ids, "apply renewal", lambda i: renewal.apply_renewal(i, today))


@task(name="renewal-notices")
def renewal_notices(today: date) -> int:
    return renewal.send_notices(today)


@task(name="lapse-expired")
def lapse_expired(today: date) -> list[str]:
    return renewal.lapse_expired(today)


@task(name="card-renewals")
def card_renewals(today: date) -> dict[str, int]:
    return {"notices": renewal.card_notices(today), "issued": renewal.issue_card_renewals(today),
            "expired": renewal.expire_cards(today)}


# Withdrawal -------------------------------------------------------------------------------------

@task(name="process-withdrawal")
def process_withdrawal(ids: list[int], today: date, retention_days: int) -> int:
    return _each(ids, "withdrawal", lambda i: withdrawal.process(i, today, retention_days=retention_days))


@task(name="purge-documents", retries=2, retry_delay_seconds=5)
def purge_documents(today: date) -> int:
    return withdrawal.purge_due(today)
