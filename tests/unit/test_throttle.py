"""Sign-in throttling rules: free failures, then delays that double up to a cap; old counts forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ccus.models.throttle import ACCOUNT, ADDRESS, CAP, FORGET_AFTER, count_after_failure, delay_after

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def test_the_first_failures_of_an_account_cost_no_delay_then_delays_double() -> None:
    assert [delay_after(n, ACCOUNT) for n in (1, 2)] == [None, None]
    assert [delay_after(n, ACCOUNT) for n in (3, 4, 5, 6)] == [timedelta(seconds=s) for s in (1, 2, 4, 8)]


def test_delays_stop_growing_at_fifteen_minutes() -> None:
    assert delay_after(13, ACCOUNT) == CAP == timedelta(minutes=15)
    assert delay_after(10_000, ACCOUNT) == CAP


def test_an_address_may_fail_more_often_than_an_account_before_delays() -> None:
    assert delay_after(9, ADDRESS) is None and delay_after(10, ADDRESS) == timedelta(seconds=1)


def test_a_count_without_failures_for_a_day_starts_over() -> None:
    assert count_after_failure(7, NOW - timedelta(minutes=5), NOW) == 8
    assert count_after_failure(7, NOW - FORGET_AFTER, NOW) == 1
    assert count_after_failure(0, None, NOW) == 1
