"""Flow: drain the automatic stages, intake → awaiting review, batch by batch.

The database is the queue; this flow claims batches of each stage in pipeline order until every
stage is empty. Run it on a schedule, on as many workers as needed, or after an intake.
"""

from __future__ import annotations

from prefect import flow

from ccus.models.status import PIPELINE_NEXT
from ccus.tasks.stages import claim_batch, run_stage


@flow(name="process-pipeline")
def process_pipeline(batch_size: int = 50, max_rounds: int = 1000) -> dict[str, int]:
    moved = {status.value: 0 for status in PIPELINE_NEXT}
    for _ in range(max_rounds):
        progressed = False
        for status in PIPELINE_NEXT:
            ids = claim_batch(status.value, batch_size)
            if ids:
                moved[status.value] += run_stage(status.value, ids)
                progressed = True
        if not progressed:
            break
    return moved
