"""Sign-in throttling (ログイン試行の制限): growing delays after a few failures, never a hard lock
that a stranger could set off. Pure rules; ``services/auth/throttle.py`` keeps the counts in PostgreSQL.

After ``free`` failures in a row, each further failure refuses attempts for 2^(n - free) seconds
(1, 2, 4, … s), at most ``CAP``. A count that saw no failure for ``FORGET_AFTER`` starts over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

CAP = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before the delays begin


ACCOUNT = Policy(free=3)  # one login ID or staff username
ADDRESS = Policy(free=10)  # one client address, across accounts (an office may share one address)


def count_after_failure(failures: int, last_failure_at: datetime | None, now: datetime) -> int:
    """The failure count once this failure is counted (a forgotten count starts over)."""
    if last_failure_at is None or now - last_failure_at >= FORGET_AFTER:
        return 1
    return failures + 1


def delay_after(failures: int, policy: Policy) -> timedelta | None:
    """How long attempts are refused after the ``failures``-th failure in a row (None: not at all)."""
    if failures < policy.free:
        return None
    exponent = failures - policy.free
    if exponent >= 10:  # 2^10 s is already above the cap
        return CAP
    return min(timedelta(seconds=2**exponent), CAP)
