"""The one drain loop every stage flow uses: claim a batch, run the stage's task over it, repeat.

The database is the queue. Each round claims a batch of every stage in order (a lease, ``FOR
UPDATE SKIP LOCKED``: any number of workers may drain the same stages at once) and runs the stage's
task over it; the loop ends when a round finds every stage empty or the budget of rounds is spent.
Claims are plain calls, not tasks: a claim is one short query, and as a task its orchestration
cost more than the query (the last round, which finds every stage empty, would cost a task run per
stage). Each stage run over a claimed batch is a task, named after its stage in the Prefect UI.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ccus.models.status import Status
from ccus.services.operations import lease


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Stage:
    """A stage of the diagram: the status it drains, the task that moves a batch of claimed cases
    on (returns how many moved), and the kinds of case it takes (None: the lease's default)."""

    status: Status
    run: Callable[[list[int]], int]
    kinds: tuple[str, ...] | None = None


def drain(stages: Sequence[Stage], *, batch_size: int = 50, max_rounds: int = 1000) -> dict[str, int]:
    """Drain ``stages`` until all are empty or ``max_rounds`` rounds are spent; returns how many
    cases each stage moved on, by the status it drains."""
    moved = {stage.status.value: 0 for stage in stages}
    for _ in range(max_rounds):
        progressed = False
        for stage in stages:
            ids = lease.claim(stage.status, worker=worker_name(), limit=batch_size, kinds=stage.kinds)
            if ids:
                moved[stage.status.value] += stage.run(ids)
                progressed = True
        if not progressed:
            break
    return moved
