"""Prefect tasks for charging, issuance, print batches and mail delivery.

``charge`` and ``issue`` are the stages approved → (awaiting_payment | issuing) and issuing →
registered, run over a batch of claimed cases; a case that fails is retried later or, when the
failure is final, handed to an operator (services/operations/failures.py).
"""

from __future__ import annotations

from datetime import date

from prefect import task

from ccus.services.billing import payments
from ccus.services.issuance import printing, reissue, steps
from ccus.services.operations import failures, outbox


@task(name="charge")
def charge(ids: list[int]) -> int:
    """Charge approved cases: each waits for payment, or goes to issuance if it owes nothing."""
    done = 0
    for app_id in ids:
        try:
            payments.charge_approved(app_id)
            done += 1
        except Exception as exc:  # noqa: BLE001 - recorded on the case (retried, or to an operator); others go on
            failures.record(app_id, "charge", exc)
    return done


@task(name="issue")
def issue(ids: list[int], today: date) -> int:
    """Issue paid cases: IDs, credentials, mails, postcards, card orders (each keyed, never twice)."""
    done = 0
    for app_id in ids:
        try:
            steps.issue(app_id, today)
            done += 1
        except steps.DeliveryUncertain as exc:
            steps.to_operator(app_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - recorded on the case (retried, or to an operator); others go on
            failures.record(app_id, "issuance", exc)
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
