"""Flow: charge approved cases, issue paid ones (IDs, credentials, mails, postcards, card orders)
and paid card reissues, then gather the new postcards and card orders into print batches."""

from __future__ import annotations

from datetime import date

from prefect import flow

from ccus.models.status import Status
from ccus.services.clock import today_jst
from ccus.tasks.issuance import charge_batch, claim, deliver_mail, issue_batch, issue_reissues, print_batches


@flow(name="issue-approved")
def issue_approved(today: date | None = None, batch_size: int = 50, max_rounds: int = 100) -> int:
    day = today or today_jst()
    while ids := claim(Status.APPROVED.value, batch_size):
        charge_batch(ids)
    issued = 0
    for _ in range(max_rounds):
        ids = claim(Status.ISSUING.value, batch_size)
        if not ids:
            break
        issued += issue_batch(ids, day)
    issue_reissues(day)
    print_batches()
    deliver_mail()
    return issued
