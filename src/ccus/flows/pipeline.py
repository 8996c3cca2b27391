"""Flow: drain the automatic stages, intake → awaiting review, batch by batch.

    documents_stored → extract → validate → check consent (proxy only) → check duplicates → awaiting review

The database is the queue; this flow claims batches of each stage in pipeline order until every
stage is empty. Run it on a schedule, on as many workers as needed, or after an intake.
"""

from __future__ import annotations

from prefect import flow

from ccus.models.status import Status
from ccus.tasks.drain import Stage, drain
from ccus.tasks.stages import check_consent, check_duplicates, extract, validate

READING_STAGES = (
    Stage(Status.DOCUMENTS_STORED, extract),
    Stage(Status.EXTRACTED, validate),
    Stage(Status.VALIDATED, check_consent),
    Stage(Status.CONSENT_CHECKED, check_duplicates),
)


@flow(name="process-pipeline")
def process_pipeline(batch_size: int = 50, max_rounds: int = 1000) -> dict[str, int]:
    return drain(READING_STAGES, batch_size=batch_size, max_rounds=max_rounds)
