"""Flow: charge approved cases, issue paid ones (IDs, credentials, mails, postcards, card orders)
and paid card reissues, then gather the new postcards and card orders into print batches.

    approved → charge → (awaiting_payment | issuing) → issue → registered
"""

from __future__ import annotations

from datetime import date
from functools import partial

from prefect import flow

from ccus.models.status import Status
from ccus.services.clock import today_jst
from ccus.tasks.drain import Stage, drain
from ccus.tasks.issuance import charge, deliver_mail, issue, issue_reissues, print_batches


@flow(name="issue-approved")
def issue_approved(today: date | None = None, batch_size: int = 50, max_rounds: int = 100) -> int:
    day = today or today_jst()
    moved = drain((Stage(Status.APPROVED, charge), Stage(Status.ISSUING, partial(issue, today=day))),
                  batch_size=batch_size, max_rounds=max_rounds)
    issue_reissues(day)
    print_batches()
    deliver_mail()
    return moved[Status.ISSUING.value]
