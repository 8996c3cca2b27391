"""The lifecycle deployments of prefect.yaml, run the way production runs them: a process worker
(started once for the module) picks up a run of the withdrawals deployment (with ``today`` as a
parameter) and processes the withdrawal a business asked for in the portal, and a run of the billing
deployment issues the invoice the portal then lists as unpaid."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest

from tests.e2e.test_deployments import worker  # noqa: F401  (the module's process worker)
from tests.integration.test_portal import bearer, sign_in
from tests.support import lifecycle as make
from tests.support.applicant import status_of

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_worker_runs_the_withdrawals_deployment_with_today_as_parameter(api: Any, worker: None) -> None:  # noqa: F811
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


def test_worker_runs_the_billing_deployment_and_the_invoice_shows_in_the_portal(api: Any, worker: None) -> None:  # noqa: F811
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
