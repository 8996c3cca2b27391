"""Starting flows: through Prefect from processes that do not run them (the web app), and in this
process (the command line's ``ccus run …``, the demo, the benchmarks).

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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

from ccus.infra.debounce import Debounce
from ccus.models import next_flows
from ccus.models.next_flows import Flow

log = logging.getLogger(__name__)

# The deployments, as the next-flow table (models/next_flows.py) names them.
PIPELINE_DEPLOYMENT = Flow.PIPELINE.value
ISSUANCE_DEPLOYMENT = Flow.ISSUANCE.value
MAIL_DEPLOYMENT = Flow.MAIL.value
CHANGES_DEPLOYMENT = Flow.CHANGES.value
WITHDRAWALS_DEPLOYMENT = Flow.WITHDRAWALS.value


def after_decision(status: str, kind: str) -> str | None:
    """The deployment that has work once a reviewer's decision left a case in ``status``
    (``models/next_flows.AFTER_DECISION``)."""
    flow = next_flows.after_decision(status, kind)
    return flow.value if flow is not None else None


# One flow run drains every waiting case, so a burst of intakes needs one run, not one per case
# (a flow run costs its process about 8 CPU seconds; bench/idle_stack.py): each deployment is
# started at most this often per process, and a request within the interval gets one run at its
# end, so the last case of a burst is drained within seconds. The deployments' schedules are the
# fallback (a trigger that could not reach Prefect, a case released for a retry).
TRIGGER_MIN_INTERVAL = 15.0


def run_deployment_now(name: str, **options: Any) -> Any:
    """``prefect.deployments.run_deployment``, always its synchronous form: Prefect picks its
    async twin whenever the thread has a running event loop (an async route, a test session after
    Playwright's), and that coroutine, never awaited, would drop the run without a word."""
    from prefect.deployments import run_deployment

    return cast(Any, run_deployment)(name, _sync=True, **options)


def _start_deployment(deployment: str) -> None:
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from ccus.infra.settings import get_settings

        # The API named explicitly: this runs on a web request's worker thread or a timer's, where
        # Prefect's settings context may predate the environment and would start a temporary server.
        with temporary_settings(updates={PREFECT_API_URL: get_settings().prefect_api}):
            run_deployment_now(deployment, timeout=0)
    except Exception as exc:  # noqa: BLE001 - the scheduled drain will pick the case up
        log.info("could not trigger %s now (%s); the scheduled run will pick it up", deployment,
                 type(exc).__name__)


_triggers = Debounce(TRIGGER_MIN_INTERVAL, _start_deployment)


def trigger(deployment: str) -> None:
    """Start a run of ``deployment`` now, or at the end of the current interval (see above)."""
    _triggers.request(deployment)


def trigger_after(event: next_flows.Event) -> None:
    """Start the flows that have work after ``event`` (``models/next_flows.AFTER_EVENT``)."""
    for flow in next_flows.after_event(event):
        trigger(flow.value)


T = TypeVar("T")


@contextlib.contextmanager
def without_heartbeats() -> Iterator[None]:
    """Flow runs started in this block send no flow-run heartbeats.

    Prefect's heartbeat feeds automations that mark a silent flow run crashed; none is set up here,
    because the registry recovers on its own: a killed run's cases are claimed again once their
    lease ends, and the redrive flow takes what stays stuck. And the heartbeat costs a waiting
    caller up to a second per flow run: Prefect joins its thread at the end of the run, and the
    thread sleeps in whole seconds (a flow run of the mail intake measured 1.06 s with it, 0.08 s
    without; bench/README.md). Runs started by the worker keep Prefect's default."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def run_here(flow: Callable[..., T], **parameters: Any) -> T:
    """Run ``flow`` in this process (a flow run on the Prefect server, as any), without heartbeats."""
    with without_heartbeats():
        return flow(**parameters)


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
