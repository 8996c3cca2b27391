"""Flow: process withdrawals (退会) and purge the documents whose retention has ended.

``today`` is a parameter, like every scheduled flow's, so a test can reach the purge date.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from prefect import flow

from ccus.models.lifecycle import DOCUMENT_RETENTION_DAYS
from ccus.models.status import Status
from ccus.services.clock import today_jst
from ccus.tasks.drain import Stage, drain
from ccus.tasks.lifecycle import process_withdrawal, purge_documents


@flow(name="withdrawals")
def withdrawals(today: date | None = None, retention_days: int = DOCUMENT_RETENTION_DAYS, batch_size: int = 50,
                max_rounds: int = 100) -> dict[str, Any]:
    day = today or today_jst()
    withdraw = partial(process_withdrawal, today=day, retention_days=retention_days)
    moved = drain((Stage(Status.APPROVED, withdraw, kinds=("business_withdrawal",)),),
                  batch_size=batch_size, max_rounds=max_rounds)
    return {"processed": moved[Status.APPROVED.value], "purged": purge_documents(day)}
