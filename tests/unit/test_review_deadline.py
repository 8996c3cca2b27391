"""models/review_deadline: the review is due a set number of hours after receipt, in Python and in SQL."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from ccus.models.review_deadline import review_due, review_due_function_sql, review_due_hours

JST = timezone(timedelta(hours=9))
MIGRATION_0002 = (Path(__file__).parents[2] / "src/ccus/infra/migrations/versions/0002_review_accounts.py")


def test_a_business_registration_is_due_ten_days_after_receipt_every_other_kind_seven() -> None:
    received = datetime(2026, 3, 1, 23, 59, tzinfo=JST)
    assert review_due("business_registration", received) == datetime(2026, 3, 11, 23, 59, tzinfo=JST)
    for kind in ("worker_registration", "proxy_worker_registration", "business_change", "unknown"):
        assert review_due(kind, received) == datetime(2026, 3, 8, 23, 59, tzinfo=JST)
    assert review_due_hours("business_registration") == 240 and review_due_hours("worker_registration") == 168


def test_the_deadline_is_counted_in_hours_so_the_time_zone_does_not_move_it() -> None:
    received = datetime(2026, 12, 31, 15, 0, tzinfo=UTC)  # 2027-01-01 00:00 in Japan
    assert review_due("worker_registration", received) == review_due("worker_registration", received.astimezone(JST))
    assert review_due("worker_registration", received) - received == timedelta(days=7)


def test_the_sql_function_is_generated_from_the_rule_and_is_what_migration_0002_created() -> None:
    spec = importlib.util.spec_from_file_location("migration_0002", MIGRATION_0002)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert review_due_function_sql() == module.REVIEW_DUE_FUNCTION
    sql = review_due_function_sql()
    assert "WHEN 'business_registration' THEN interval '240 hours'" in sql
    assert "ELSE interval '168 hours'" in sql and "IMMUTABLE" in sql
