"""Flows run in this process (``ccus run …``, the demo, the benchmarks) go through the Prefect
server as any flow run, but without flow-run heartbeats (``orchestrator.run_here``)."""

from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.context import get_run_context
from prefect.settings import get_current_settings

from ccus.infra.orchestrator import run_here


@flow(name="test-heartbeat-setting")
def _seen(label: str) -> dict[str, Any]:
    context: Any = get_run_context()
    return {"label": label, "heartbeat": get_current_settings().flows.heartbeat_frequency,
            "flow_run_id": context.flow_run.id}


def test_run_here_is_a_flow_run_on_the_server_without_heartbeats(stack: Any) -> None:
    plain = _seen("plain")
    here = run_here(_seen, label="here")
    assert plain["heartbeat"] is not None  # Prefect's default: a heartbeat thread per flow run
    assert here == {"label": "here", "heartbeat": None, "flow_run_id": here["flow_run_id"]}
    assert get_current_settings().flows.heartbeat_frequency is not None  # only inside run_here
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(here["flow_run_id"])
    assert run.state is not None and run.state.is_completed()
    assert run.parameters == {"label": "here"}
