"""Prefect tasks for issuance and mail delivery."""

from __future__ import annotations

import logging
from datetime import date

from prefect import task

from ccus.models.status import Status
from ccus.services import claims, issuance, mail
from ccus.tasks.stages import worker_name

log = logging.getLogger(__name__)


@task(name="claim-issuance", retries=2, retry_delay_seconds=2)
def claim_issuance(limit: int) -> list[int]:
    worker = worker_name()
    # Approved cases, and cases whose issuance was interrupted (lease expired).
    return claims.claim(Status.APPROVED, worker=worker, limit=limit) + claims.claim(
        Status.ISSUING, worker=worker, limit=limit)


@task(name="issue-batch")
def issue_batch(ids: list[int], today: date) -> int:
    done = 0
    for app_id in ids:
        try:
            issuance.issue(app_id, today)
            done += 1
        except issuance.DeliveryUncertain as exc:
            issuance.to_operator(app_id, str(exc))
        except Exception as exc:  # noqa: BLE001 - the case stays claimable and is retried; others go on
            log.warning("issuance failed for case id %s: %s", app_id, type(exc).__name__)
            claims.release_with_error(app_id, f"issuance: {type(exc).__name__}: {exc}")
    return done


@task(name="deliver-mail", retries=2, retry_delay_seconds=5)
def deliver_mail() -> int:
    return mail.deliver_pending()
