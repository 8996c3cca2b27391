"""Flow: apply approved change applications (変更申請) to the registered content.

    approved (business_change) → apply change → registered content updated
    approved (worker_change) → apply change → qualifications added; a new card level reissues the card
"""

from __future__ import annotations

from prefect import flow

from ccus.models.status import Status
from ccus.tasks.drain import Stage, drain
from ccus.tasks.lifecycle import apply_change


@flow(name="apply-changes")
def apply_changes(batch_size: int = 50, max_rounds: int = 100) -> dict[str, int]:
    moved = drain((Stage(Status.APPROVED, apply_change, kinds=("business_change", "worker_change")),),
                  batch_size=batch_size, max_rounds=max_rounds)
    return {"applied": moved[Status.APPROVED.value]}
