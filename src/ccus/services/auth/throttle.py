"""Sign-in throttles in PostgreSQL (several web processes share them): each attempt is checked and
counted in one transaction under the rows' locks, before the password is verified, so parallel
attempts cannot all pass the check. A refused attempt verifies nothing. A success resets the
account's count and takes back the attempt counted on the address (it was no failure).
Rules in ``models/throttle.py``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from ccus.infra.db import unit_of_work
from ccus.models.lifecycle_tables import AuthThrottle
from ccus.models.throttle import Policy, count_after_failure, delay_after

THROTTLED_JA = ("ログインの失敗が続いたため、しばらくログインできません。"
                "{seconds}秒後に再度お試しください。")


class Throttled(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        self.message = THROTTLED_JA.format(seconds=retry_after)
        super().__init__(self.message)


@dataclass(frozen=True)
class Key:
    name: str
    policy: Policy


def attempt(keys: list[Key]) -> None:
    """Refuse (``Throttled``) if any key is in its delay; otherwise count this attempt as a failure
    of every key now — ``succeeded`` takes it back — and set the delays it earns."""
    by_name = {k.name: k for k in keys}
    with unit_of_work() as session:
        session.execute(insert(AuthThrottle).values([{"key": n} for n in sorted(by_name)])
                        .on_conflict_do_nothing())
        rows = session.scalars(select(AuthThrottle).where(AuthThrottle.key.in_(by_name))
                               .order_by(AuthThrottle.key).with_for_update()).all()
        now = session.scalar(select(func.now()))
        assert now is not None
        waits = [(r.blocked_until - now).total_seconds() for r in rows if r.blocked_until and r.blocked_until > now]
        if waits:
            raise Throttled(max(1, math.ceil(max(waits))))
        for row in rows:
            row.failures = count_after_failure(row.failures, row.last_failure_at, now)
            row.last_failure_at = now
            delay = delay_after(row.failures, by_name[row.key].policy)
            row.blocked_until = now + delay if delay else None


def succeeded(*, reset: list[str], refund: list[str]) -> None:
    """The password was right: the account keys start over; the address keys lose this attempt."""
    with unit_of_work() as session:
        if reset:
            session.execute(update(AuthThrottle).where(AuthThrottle.key.in_(reset))
                            .values(failures=0, blocked_until=None, last_failure_at=None))
        if refund:
            session.execute(update(AuthThrottle).where(AuthThrottle.key.in_(refund))
                            .values(failures=func.greatest(AuthThrottle.failures - 1, 0), blocked_until=None))


def clear(names: list[str]) -> int:
    """An operator's reset: the keys start over at once."""
    with unit_of_work() as session:
        result = session.execute(update(AuthThrottle).where(AuthThrottle.key.in_(names))
                                 .values(failures=0, blocked_until=None, last_failure_at=None))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
