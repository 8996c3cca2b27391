"""Starting flows through Prefect from processes that do not run them (the web app).

The database is the queue and scheduled drains pick up whatever is waiting, so a trigger is a
latency optimisation: when Prefect cannot be reached, the case waits for the next scheduled run.
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

log = logging.getLogger(__name__)

PIPELINE_DEPLOYMENT = "process-pipeline/process-pipeline"
ISSUANCE_DEPLOYMENT = "issue-approved/issue-approved"
MAIL_DEPLOYMENT = "deliver-mail/deliver-mail"


# One flow run drains every waiting case, so a burst of intakes needs one run, not one per case
# (a flow run costs about a second of orchestration): trigger each deployment at most this often
# per process; the deployments' own schedules cover the rest.
TRIGGER_MIN_INTERVAL = 15.0
_last_trigger: dict[str, float] = {}
_trigger_lock = threading.Lock()


def trigger(deployment: str) -> None:
    now = time.monotonic()
    with _trigger_lock:
        if now - _last_trigger.get(deployment, -TRIGGER_MIN_INTERVAL) < TRIGGER_MIN_INTERVAL:
            return
        _last_trigger[deployment] = now
    try:
        from prefect.deployments import run_deployment

        run_deployment(deployment, timeout=0)
    except Exception as exc:  # noqa: BLE001 - the scheduled drain will pick the case up
        log.info("could not trigger %s now (%s); the scheduled run will pick it up", deployment,
                 type(exc).__name__)


def flush_prefect() -> None:
    """Send this process's buffered Prefect logs and events before the server goes away."""
    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain() -> None:
        with contextlib.suppress(RuntimeError):  # never started
            logs_drained = APILogWorker.instance().drain()
            if inspect.isawaitable(logs_drained):
                await logs_drained
        events_drained = EventsWorker.drain_all()
        if inspect.isawaitable(events_drained):
            await events_drained

    run_coro_as_sync(drain())


PROJECT_ROOT = Path(__file__).resolve().parents[3]


def deploy_all() -> None:
    """Register the deployments of prefect.yaml (with their schedules) on the current Prefect API."""
    subprocess.run(
        [str(Path(sys.executable).with_name("prefect")), "--no-prompt", "deploy", "--all"],
        cwd=PROJECT_ROOT, check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL,
    )
