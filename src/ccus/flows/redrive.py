"""Flow: re-drive stuck cases (cases idle in a machine stage longer than a set time).

Released cases go back to their stage's drain (triggered now; the schedules would take them
anyway); cases that have used their attempts go to ``needs_operator``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect import flow

from ccus.services.operations.lease import MAX_ATTEMPTS
from ccus.tasks.lifecycle import redrive_stuck, trigger_drains


@flow(name="redrive-stuck")
def redrive_stuck_cases(now: datetime | None = None, stuck_after_minutes: int = 60,
                        max_attempts: int = MAX_ATTEMPTS, kinds: list[str] | None = None,
                        trigger: bool = True) -> dict[str, Any]:
    report = redrive_stuck(now or datetime.now(UTC), stuck_after_minutes, max_attempts, kinds)
    if trigger and report["released"]:
        trigger_drains(list(report["released"]))
    return report
