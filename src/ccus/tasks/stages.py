"""Prefect tasks for the automatic stages: claim a batch, run one stage over it."""

from __future__ import annotations

import os
import socket

from prefect import task

from ccus.models.status import Status
from ccus.services.operations import lease
from ccus.services.reading import pipeline


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task(name="claim-batch", retries=2, retry_delay_seconds=2)
def claim_batch(status: str, limit: int) -> list[int]:
    return lease.claim(Status(status), worker=worker_name(), limit=limit)


@task(name="run-stage", retries=1, retry_delay_seconds=5)
def run_stage(status: str, ids: list[int]) -> int:
    """Run the stage that drains ``status`` over the claimed ``ids``; returns cases moved on."""
    return pipeline.STAGES[Status(status)](ids, f"pipeline:{Status(status).value}")
