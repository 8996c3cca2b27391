"""Triggers of the deployments: which one a decision starts; at most one start per interval, and the
last request never lost."""

from __future__ import annotations

import threading

from ccus.infra.debounce import Debounce
from ccus.infra.orchestrator import (
    CHANGES_DEPLOYMENT,
    ISSUANCE_DEPLOYMENT,
    MAIL_DEPLOYMENT,
    WITHDRAWALS_DEPLOYMENT,
    after_decision,
)


class Calls:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.event = threading.Event()

    def __call__(self, key: str) -> None:
        self.keys.append(key)
        self.event.set()


def test_a_burst_starts_once_now_and_once_after_the_interval() -> None:
    calls = Calls()
    debounce = Debounce(0.3, calls)
    assert debounce.request("pipeline") is True  # the first: now
    calls.event.clear()
    assert [debounce.request("pipeline") for _ in range(5)] == [False] * 5  # within the interval
    assert calls.keys == ["pipeline"] and debounce.pending() == {"pipeline"}
    assert calls.event.wait(5)  # ONE trailing call for the five
    assert calls.keys == ["pipeline", "pipeline"] and debounce.pending() == set()


def test_keys_are_independent_and_a_quiet_key_starts_at_once() -> None:
    calls = Calls()
    debounce = Debounce(60, calls)
    assert debounce.request("pipeline") and debounce.request("issuance")
    assert not debounce.request("pipeline")
    assert calls.keys == ["pipeline", "issuance"] and debounce.pending() == {"pipeline"}


def test_after_the_interval_a_request_starts_at_once() -> None:
    now = [100.0]
    calls = Calls()
    debounce = Debounce(15, calls, clock=lambda: now[0])
    assert debounce.request("mail")
    now[0] += 15.0
    assert debounce.request("mail")  # exactly one interval later: not held back
    assert calls.keys == ["mail", "mail"] and debounce.pending() == set()


def test_a_decision_starts_the_deployment_that_has_its_work() -> None:
    assert after_decision("approved", "worker_registration") == ISSUANCE_DEPLOYMENT
    assert after_decision("approved", "business_change") == CHANGES_DEPLOYMENT
    assert after_decision("approved", "business_withdrawal") == WITHDRAWALS_DEPLOYMENT
    assert after_decision("returned", "business_change") == MAIL_DEPLOYMENT
    assert after_decision("rejected", "proxy_worker_registration") == MAIL_DEPLOYMENT
    assert after_decision("awaiting_second_approval", "business_registration") is None
    deployed = {f"{d['name']}/{d['name']}" for d in _deployments()}
    assert {ISSUANCE_DEPLOYMENT, CHANGES_DEPLOYMENT, WITHDRAWALS_DEPLOYMENT, MAIL_DEPLOYMENT} <= deployed


def _deployments() -> list[dict[str, str]]:
    from pathlib import Path

    import yaml

    return list(yaml.safe_load((Path(__file__).resolve().parents[2] / "prefect.yaml").read_text())["deployments"])
