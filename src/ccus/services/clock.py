"""The one clock: today and now in Japan (the registry's dates are Japanese calendar days), and now
in UTC. Every module asks it rather than the system clock, so there is one place to read time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))


def now_utc() -> datetime:
    return datetime.now(UTC)


def now_jst() -> datetime:
    return datetime.now(JST)


def today_jst() -> date:
    return now_jst().date()


def start_of_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JST)
