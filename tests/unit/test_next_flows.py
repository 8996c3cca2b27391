"""models/next_flows: which flow has work after a decision, an event, or a re-drive."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ccus.models.next_flows import AFTER_EVENT, Event, Flow, after_decision, after_event, after_release

PREFECT_YAML = Path(__file__).parents[2] / "prefect.yaml"


def test_an_approved_registration_is_issued_and_approved_requests_go_to_their_own_flows() -> None:
    for kind in ("business_registration", "worker_registration", "proxy_worker_registration", "business_renewal"):
        assert after_decision("approved", kind) is Flow.ISSUANCE
    assert after_decision("approved", "business_change") is Flow.CHANGES
    assert after_decision("approved", "business_withdrawal") is Flow.WITHDRAWALS


def test_a_return_or_rejection_sends_its_notice_and_a_first_approval_starts_nothing() -> None:
    for kind in ("worker_registration", "business_change"):
        assert after_decision("returned", kind) is Flow.MAIL
        assert after_decision("rejected", kind) is Flow.MAIL
    assert after_decision("awaiting_second_approval", "proxy_worker_registration") is None
    assert after_decision("no-such-status", "worker_registration") is None


def test_events() -> None:
    assert after_event(Event.RECEIVED) == (Flow.PIPELINE,)
    assert after_event(Event.PAID) == (Flow.ISSUANCE,)
    assert after_event(Event.WITHDRAWAL_REQUESTED) == (Flow.WITHDRAWALS,)
    assert after_event(Event.MAIL_QUEUED) == (Flow.MAIL,)
    assert set(Event) == set(AFTER_EVENT)


def test_released_cases_start_the_drains_of_their_stages() -> None:
    assert after_release(["extracted"]) == [Flow.PIPELINE]
    assert after_release(["issuing", "documents_stored"]) == [
        Flow.PIPELINE, Flow.ISSUANCE, Flow.CHANGES, Flow.WITHDRAWALS, Flow.RENEWALS]
    assert after_release(["awaiting_review", "returned"]) == []
    assert after_release([]) == []


def test_every_flow_is_a_deployment_of_prefect_yaml() -> None:
    names = set(re.findall(r"^  - name: (\S+)", PREFECT_YAML.read_text(encoding="utf-8"), flags=re.MULTILINE))
    for flow in Flow:
        name, _, deployment = flow.value.partition("/")
        assert name == deployment and deployment in names, flow


def test_the_orchestrator_only_executes_the_table(monkeypatch: Any) -> None:
    from ccus.infra import orchestrator

    started: list[str] = []
    monkeypatch.setattr(orchestrator, "trigger", started.append)
    orchestrator.trigger_after(Event.RECEIVED)
    orchestrator.trigger_after(Event.PAID)
    assert started == ["process-pipeline/process-pipeline", "issue-approved/issue-approved"]
    assert orchestrator.after_decision("approved", "business_change") == "apply-changes/apply-changes"
    assert orchestrator.after_decision("awaiting_second_approval", "worker_registration") is None
