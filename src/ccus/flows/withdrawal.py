"""Flow: process withdrawals (退会) and purge the documents whose retention has ended.

``today`` is a parameter, like every scheduled flow's, so a test can reach the purge date.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow

from ccus.models.lifecycle import DOCUMENT_RETENTION_DAYS
from ccus.services.clock import today_jst
from ccus.tasks.lifecycle import claim_lifecycle, process_withdrawal_batch, purge_documents


@flow(name="withdrawals")
def withdrawals(today: date | None = None, retention_days: int = DOCUMENT_RETENTION_DAYS, batch_size: int = 50,
                max_rounds: int = 100) -> dict[str, Any]:
    day = today or today_jst()
    processed = 0
    for _ in range(max_rounds):
        ids = claim_lifecycle("approved", "business_withdrawal", batch_size)
        if not ids:
            break
        processed += process_withdrawal_batch(ids, day, retention_days)
    return {"processed": processed, "purged": purge_documents(day)}
