"""The deployments of prefect.yaml, run the way production runs them, by one process worker started
for the module: it picks up the flow run that the web app triggers after intake and the one it
triggers after approval; a run of the withdrawals deployment (with ``today`` as a parameter)
processes the withdrawal a business asked for in the portal; a run of the billing deployment issues
the invoice the portal then lists as unpaid."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from ccus import sample_applications as samples
from ccus.infra.orchestrator import ISSUANCE_DEPLOYMENT
from tests.e2e.test_slice import decide, pay, status, submit
from tests.integration.test_portal import bearer, sign_in
from tests.support import lifecycle as make
from tests.support.applicant import status_of
from tests.support.factories import corporate_number

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.fixture(scope="module")
def worker(db: Any) -> Iterator[None]:
    from ccus.infra.orchestrator import deploy_all
    from ccus.infra.services.base import stop_service
    from ccus.infra.services.prefect_server import ensure_work_pool, start_worker

    ensure_work_pool(db)
    deploy_all()
    _only_what_the_tests_start()
    # Asking for runs every second instead of Prefect's 10: each run here waits for the worker.
    start_worker(db.model_copy(update={"worker_query_seconds": 1.0}))
    try:
        yield
    finally:
        stop_service(db, "worker")


def _only_what_the_tests_start() -> None:
    """Schedules off and runs they already queued dropped, so the worker runs what the test starts
    (the web app's triggers, ``run_deployment``) and not every deployment's fallback schedule: on 2
    cores, a dozen scheduled runs (each a new process) held the tests' runs back for minutes."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType

    with get_client(sync_client=True) as client:
        for deployment in client.read_deployments():
            for schedule in client.read_deployment_schedules(deployment.id):
                client.update_deployment_schedule(deployment.id, schedule.id, active=False)
        queued = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])))
        for run in client.read_flow_runs(flow_run_filter=queued):
            if run.deployment_id is not None and run.auto_scheduled:
                client.delete_flow_run(run.id)


def wait_for(api: Any, number: str, wanted: str, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while (current := status(api, number)) != wanted and time.monotonic() < deadline:
        time.sleep(2)
    return current


def test_worker_runs_the_triggered_pipeline_and_issuance_deployments(
    api: Any, reviewer_token: str, worker: None
) -> None:
    number = submit(api, samples.business(corporate_number=corporate_number(), email="deploy-e2e@example.jp"))
    assert wait_for(api, number, "awaiting_review") == "awaiting_review"
    assert decide(api, reviewer_token, number).status_code == 200
    assert wait_for(api, number, "awaiting_payment") == "awaiting_payment"
    pay(number)
    from ccus.infra.orchestrator import run_deployment_now as run_deployment

    run_deployment(ISSUANCE_DEPLOYMENT, timeout=0)  # as `ccus payments import` does
    assert wait_for(api, number, "registered") == "registered"


def test_worker_runs_the_withdrawals_deployment_with_today_as_parameter(api: Any, worker: None) -> None:
    from ccus.infra.orchestrator import run_deployment_now as run_deployment

    biz = make.business(must_change=False)
    token = sign_in(api, biz.business_id, make.PASSWORD).json()["token"]
    number = api.post("/api/v1/portal/withdrawal", headers=bearer(token), json={}).json()["application_number"]
    run = run_deployment("withdrawals/withdrawals", parameters={"today": "2027-05-01"}, timeout=300)
    assert run.state is not None and run.state.is_completed(), run.state
    deadline = time.monotonic() + 30
    while status_of(api, number) != "registered" and time.monotonic() < deadline:
        time.sleep(1)
    assert status_of(api, number) == "registered"


def test_worker_runs_the_billing_deployment_and_the_invoice_shows_in_the_portal(api: Any, worker: None) -> None:
    from ccus.infra.orchestrator import run_deployment_now as run_deployment
    from ccus.services.billing.payments import import_payments

    biz = make.business(registered_on=date(2019, 9, 3), admin_ids=2, must_change=False)
    headers = bearer(sign_in(api, biz.business_id, make.PASSWORD).json()["token"])
    assert api.get("/api/v1/portal/invoices", headers=headers).json() == []
    run = run_deployment("billing/billing", parameters={"today": "2020-08-20"}, timeout=300)
    assert run.state is not None and run.state.is_completed(), run.state
    [invoice] = api.get("/api/v1/portal/invoices", headers=headers).json()
    assert (invoice["kind"], invoice["period"], invoice["amount"]) == ("admin_id_fee", "2020-09-03", 2 * 2_400)
    paid = import_payments(f"{invoice['invoice_number']},4800,2020-09-01\n".encode())
    assert paid.outcomes == {"matched": 1}
    assert api.get("/api/v1/portal/invoices", headers=headers).json() == []
