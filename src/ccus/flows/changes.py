"""Flow: apply approved change applications (変更申請) to the registered content."""

from __future__ import annotations

from prefect import flow

from ccus.tasks.lifecycle import apply_change_batch, claim_lifecycle


@flow(name="apply-changes")
def apply_changes(batch_size: int = 50, max_rounds: int = 100) -> dict[str, int]:
    applied = 0
    for _ in range(max_rounds):
        ids = claim_lifecycle("approved", "business_change", batch_size)
        if not ids:
            break
        applied += apply_change_batch(ids)
    return {"applied": applied}
