"""Prefect tasks for charging, issuance, print batches and mail delivery."""

from __future__ import annotations

import logging
from datetime import date

from prefect import task

from ccus.models.status import Status
from ccus.services.billing import payments
from ccus.services.issuance import printing, reissue, steps
from ccus.services.operations import lease, outbox
from ccus.tasks.stages import worker_name

log = logging.getLogger(__name__)


@task(name="claim", retries=2, retry_delay_seconds=2)
def claim(status: str, limit: int) -> list[int]:
    return lease.claim(Status(status), worker=worker_name(), limit=limit)


@task(name="charge-batch")
def charge_batch(ids: list[int]) -> int:
    """Charge approved cases: each waits for payment, or goes to issuance if it owes nothing."""
    done = 0
    for app_id in ids:
        try:
            payments.charge_approved(app_id)
            done += 1
        except Exception as exc:  # noqa: BLE001 - the case stays claimable and is retried; others go on
            log.warning("charging failed for case id %s: %s", app_id, type(exc).__name__)
            lease.release_with_error(app_id, f"charge: {type(exc).__name__}: {exc}")
    return done


@task(name="issue-batch")
def issue_batch(ids: list[int], today: date) -> int:
    done = 0
    for app_id in ids:
        try:
            steps.issue(app_id, today)
            done += 1
        except steps.DeliveryUncertain as exc:
            steps.to_operator(app_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - the case stays claimable and is retried; others go on
            log.warning("issuance failed for case id %s: %s", app_id, type(exc).__name__)
            lease.release_with_error(app_id, f"issuance: {type(exc).__name__}: {exc}")
    return done


@task(name="issue-reissues")
def issue_reissues(today: date) -> int:
    return reissue.issue_paid(today)


@task(name="print-batches", retries=2, retry_delay_seconds=5)
def print_batches() -> list[str]:
    made = []
    for kind in printing.KINDS:
        while number := printing.make_batch(kind):
            made.append(number)
    printing.purge_batched_carriers()
    return made


@task(name="deliver-mail", retries=2, retry_delay_seconds=5)
def deliver_mail() -> int:
    return outbox.deliver_pending()
