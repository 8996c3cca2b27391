"""Prefect tasks of the automatic stages between intake and review, one per stage of the diagram:
extract (OCR/読取) → validate (検証) → check consent (同意確認, proxy only) → check duplicates and
route to review (重複確認 → 審査待ち). Each runs its stage over a batch of claimed cases
(services/reading/pipeline.py); a case that fails is retried later or, when the failure is final,
handed to an operator (services/operations/failures.py)."""

from __future__ import annotations

from prefect import task

from ccus.models.status import Status
from ccus.services.reading import pipeline


def _run(status: Status, ids: list[int]) -> int:
    # Looked up at run time (not bound at import), so the stage table stays the one place to wrap.
    return pipeline.STAGES[status](ids, f"pipeline:{status.value}")


@task(name="extract", retries=1, retry_delay_seconds=5)
def extract(ids: list[int]) -> int:
    """documents_stored → extracted: read the documents (text layer, OCR, the mail form's zones)."""
    return _run(Status.DOCUMENTS_STORED, ids)


@task(name="validate", retries=1, retry_delay_seconds=5)
def validate(ids: list[int]) -> int:
    """extracted → validated: the declared data against the rules and the evidence read."""
    return _run(Status.EXTRACTED, ids)


@task(name="check-consent", retries=1, retry_delay_seconds=5)
def check_consent(ids: list[int]) -> int:
    """validated → consent_checked: the consent forms of a proxy application (others pass)."""
    return _run(Status.VALIDATED, ids)


@task(name="check-duplicates", retries=1, retry_delay_seconds=5)
def check_duplicates(ids: list[int]) -> int:
    """consent_checked → awaiting_review: registered or in-flight twins flagged, then the review queue."""
    return _run(Status.CONSENT_CHECKED, ids)
