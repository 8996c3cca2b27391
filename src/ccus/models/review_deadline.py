"""The review deadline (審査期限): how long after receipt a case's review is due. Pure.

Business registrations carry more documents and get longer. Hours, not days: adding hours to a
timestamptz does not depend on the time zone, so the database function generated from this rule
(:func:`review_due_function_sql`) is truly immutable and can back an index (the review queue sorts
by it; migration 0002 created it with exactly this text). Change the rule here, and ship the new
function in a migration that executes :func:`review_due_function_sql` and rebuilds the index.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Final

from ccus.models.application_types import Kind

REVIEW_DUE_HOURS: Final[Mapping[str, int]] = {Kind.BUSINESS_REGISTRATION.value: 240}  # 10 days
DEFAULT_REVIEW_DUE_HOURS: Final = 168  # 7 days, every other kind
REVIEW_DUE_FUNCTION_NAME: Final = "ccus_review_due"


def review_due_hours(kind: str) -> int:
    return REVIEW_DUE_HOURS.get(kind, DEFAULT_REVIEW_DUE_HOURS)


def review_due(kind: str, received_at: datetime) -> datetime:
    """When the review of a case of ``kind`` received at ``received_at`` is due."""
    return received_at + timedelta(hours=review_due_hours(kind))


def review_due_function_sql() -> str:
    """The PostgreSQL function ``ccus_review_due(kind, received)`` that computes :func:`review_due`."""
    cases = "".join(f"WHEN '{kind}' THEN interval '{hours} hours'\n                                "
                    for kind, hours in REVIEW_DUE_HOURS.items())
    return f"""
CREATE OR REPLACE FUNCTION {REVIEW_DUE_FUNCTION_NAME}(kind text, received timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT received + CASE kind {cases}ELSE interval '{DEFAULT_REVIEW_DUE_HOURS} hours' END
$$
"""
