"""The database's review-deadline function (behind the queue's due-date index) computes what the
rule in models/review_deadline.py says, for every kind, across a time-zone and year boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select

from ccus.infra.db import unit_of_work
from ccus.models.application_types import Kind
from ccus.models.lifecycle import LIFECYCLE_KINDS
from ccus.models.review_deadline import review_due
from ccus.models.tables import Application

pytestmark = pytest.mark.integration

JST = timezone(timedelta(hours=9))


def test_the_sql_function_agrees_with_the_rule(db: Any) -> None:
    moments = [datetime(2026, 12, 31, 15, 0, tzinfo=UTC), datetime(2027, 1, 1, 0, 0, tzinfo=JST),
               datetime(2026, 3, 8, 1, 59, 59, tzinfo=UTC)]
    with unit_of_work() as session:
        for kind in [k.value for k in Kind] + list(LIFECYCLE_KINDS):
            for at in moments:
                got = session.scalar(select(func.ccus_review_due(kind, at, type_=Application.received_at.type)))
                assert got == review_due(kind, at), (kind, at)
