"""Flow: issue every approved case (IDs, credentials, mails, postcards, card orders)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from prefect import flow

from ccus.tasks.issuance import claim_issuance, deliver_mail, issue_batch

JST = timezone(timedelta(hours=9))


@flow(name="issue-approved")
def issue_approved(today: date | None = None, batch_size: int = 50, max_rounds: int = 100) -> int:
    day = today or datetime.now(JST).date()
    issued = 0
    for _ in range(max_rounds):
        ids = claim_issuance(batch_size)
        if not ids:
            break
        issued += issue_batch(ids, day)
    deliver_mail()
    return issued
