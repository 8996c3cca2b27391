"""One person, one registration, through the real intake, review API, charge, payment file and
issuance: the approval of a second application of a person already approved (or registered) is
refused naming the other case; a paid twin that reaches issuance goes to an operator once (never
retried in a loop) and is refunded or merged by the operator's command, exactly once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from ccus import sample_applications as samples
from ccus.cli import app as cli
from ccus.infra.db import unit_of_work
from ccus.models.billing_tables import Charge, DuplicateResolution
from ccus.models.status import Status
from ccus.models.tables import Affiliation, Application, Outbox, StageLog, Worker
from ccus.services.billing import payments
from ccus.services.issuance import steps
from tests.support import lifecycle
from tests.support.factories import person
from tests.support.web import api_token, queued_case

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)


def _twins(employer: str | None = None) -> tuple[str, str]:
    """Two real applications of the same person (different e-mails), waiting for review."""
    name, kana, born = person()
    return tuple(queued_case(samples.worker(name=name, kana=kana, birth_date=born, employer_business_id=employer,
                                            email=f"twin-{uuid.uuid4().hex[:8]}@example.jp"))
                 for _ in range(2))  # type: ignore[return-value]


def _approve(api: Any, token: str, number: str) -> Any:
    return api.post(f"/api/v1/review/applications/{number}/decision", json={"decision": "approve"},
                    headers={"Authorization": f"Bearer {token}"})


def _app(number: str) -> Application:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        session.expunge(app)
        return app


def _charge_and_pay(number: str) -> None:
    app = _app(number)
    assert payments.charge_approved(app.id) == "awaiting_payment"
    with unit_of_work() as session:
        amount = session.scalars(select(Charge.amount).where(Charge.application_id == app.id)).one()
    report = payments.import_payments(f"申請番号,金額,入金日\n{number},{amount},令和8年11月24日\n".encode())
    assert report.outcomes == {"matched": 1}


def _approved_by_legacy_review(number: str) -> None:
    """A twin approved before approvals were checked for twins (as the database may still hold)."""
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        app.status = Status.APPROVED.value
        session.add(StageLog(application_id=app.id, from_status="awaiting_review", to_status="approved",
                             actor="legacy-review", reason="approved"))


def test_the_second_approval_of_one_person_is_refused_naming_the_other_case(api: Any) -> None:
    first, second = _twins()
    _, token = api_token("reviewer", "dup")
    assert _approve(api, token, first).status_code == 200
    refused = _approve(api, token, second)
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail["code"] == "duplicate_registration" and first in detail["message"]
    assert "承認できません" in detail["message"]
    assert _app(second).status == Status.AWAITING_REVIEW.value  # nothing moved

    # Once the first is paid and registered, the second is still refused, naming it.
    _charge_and_pay(first)
    steps.issue(_app(first).id, TODAY)
    assert _app(first).status == Status.REGISTERED.value
    again = _approve(api, token, second)
    assert again.status_code == 409 and first in again.json()["detail"]["message"]
    assert "既に登録されています" in again.json()["detail"]["message"]


def test_a_paid_twin_goes_to_an_operator_once_and_is_refunded_exactly_once(api: Any) -> None:
    first, second = _twins()
    _, token = api_token("reviewer", "dup")
    assert _approve(api, token, first).status_code == 200
    _approved_by_legacy_review(second)
    for number in (first, second):
        _charge_and_pay(number)
    steps.issue(_app(first).id, TODAY)
    steps.issue(_app(second).id, TODAY)  # the person key is taken: to an operator, not a retry loop
    twin = _app(second)
    assert twin.status == Status.NEEDS_OPERATOR.value
    with unit_of_work() as session:
        why = session.scalars(select(StageLog.reason).where(StageLog.application_id == twin.id)
                              .order_by(StageLog.id.desc())).first()
        assert session.scalar(select(func.count()).select_from(Worker).where(Worker.application_id == twin.id)) == 0
    assert why is not None and first in why and "ccus cases refund" in why
    steps.issue(twin.id, TODAY)  # a rerun of issuance changes nothing
    assert _app(second).status == Status.NEEDS_OPERATOR.value

    runner = CliRunner()
    done = runner.invoke(cli, ["cases", "refund", second, "--operator", "sato", "--reason", "本人確認済み"])
    assert done.exit_code == 0, done.output
    again = runner.invoke(cli, ["cases", "refund", second])
    assert again.exit_code == 1 and "要オペレーター対応の状態ではありません" in again.output
    with unit_of_work() as session:
        charge = session.scalars(select(Charge).where(Charge.application_id == twin.id)).one()
        resolution = session.scalars(select(DuplicateResolution)
                                     .where(DuplicateResolution.application_id == twin.id)).one()
        mails = session.scalars(select(Outbox).where(Outbox.application_id == twin.id,
                                                     Outbox.template == "duplicate-refund")).all()
    assert charge.status == "refunded" and resolution.outcome == "refunded"
    assert resolution.refunded_amount == charge.amount > 0
    assert [m.status for m in mails] == ["sent"] and "返金" in mails[0].subject
    assert _app(second).status == Status.REJECTED.value


def test_a_paid_twin_is_merged_into_the_registered_worker_with_its_employer(api: Any) -> None:
    employer = lifecycle.business()
    first, second = _twins(employer=None)
    with unit_of_work() as session:  # the twin names an employer, the first registration none
        app = session.scalars(select(Application).where(Application.application_number == second)).one()
        app.declared = {**app.declared, "employer_business_id": employer.business_id}
    _, token = api_token("reviewer", "dup")
    assert _approve(api, token, first).status_code == 200
    _approved_by_legacy_review(second)
    for number in (first, second):
        _charge_and_pay(number)
    steps.issue(_app(first).id, TODAY)
    steps.issue(_app(second).id, TODAY)
    assert _app(second).status == Status.NEEDS_OPERATOR.value

    runner = CliRunner()
    done = runner.invoke(cli, ["cases", "merge", second, "--operator", "sato"])
    assert done.exit_code == 0, done.output
    assert runner.invoke(cli, ["cases", "merge", second]).exit_code == 1
    assert runner.invoke(cli, ["cases", "refund", second]).exit_code == 1
    with unit_of_work() as session:
        worker = session.scalars(select(Worker).where(Worker.application_id == _app(first).id)).one()
        employers = session.scalars(select(Affiliation.business_pk).where(Affiliation.worker_pk == worker.id,
                                                                          Affiliation.until.is_(None))).all()
        assert session.scalar(select(func.count()).select_from(Worker)
                              .where(Worker.person_key == worker.person_key)) == 1
        charge = session.scalars(select(Charge).where(Charge.application_id == _app(second).id)).one()
        resolution = session.scalars(select(DuplicateResolution)
                                     .where(DuplicateResolution.application_id == _app(second).id)).one()
    assert employers == [employer.pk]
    assert charge.status == "paid" and resolution.outcome == "merged"
    assert _app(second).status == Status.REGISTERED.value


def test_an_unpaid_twin_is_not_merged_but_can_be_closed_without_a_refund(api: Any) -> None:
    first, second = _twins()
    _, token = api_token("reviewer", "dup")
    assert _approve(api, token, first).status_code == 200
    _charge_and_pay(first)
    steps.issue(_app(first).id, TODAY)
    _approved_by_legacy_review(second)
    assert payments.charge_approved(_app(second).id) == "awaiting_payment"
    with unit_of_work() as session:  # the re-drive gave up on it before any payment
        app = session.scalars(select(Application).where(Application.application_number == second)).one()
        app.status = Status.NEEDS_OPERATOR.value
    runner = CliRunner()
    refused = runner.invoke(cli, ["cases", "merge", second])
    assert refused.exit_code == 1 and "未入金" in refused.output
    assert runner.invoke(cli, ["cases", "refund", second]).exit_code == 0
    with unit_of_work() as session:
        charge = session.scalars(select(Charge).where(Charge.application_id == _app(second).id)).one()
        resolution = session.scalars(select(DuplicateResolution)
                                     .where(DuplicateResolution.application_id == _app(second).id)).one()
    assert charge.status == "open" and resolution.refunded_amount == 0
    assert _app(second).status == Status.REJECTED.value


def test_refund_is_refused_for_a_case_that_is_no_duplicate(db: Any) -> None:
    name, kana, born = person()
    number = queued_case(samples.worker(name=name, kana=kana, birth_date=born, email="solo@example.jp"))
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        app.status = Status.NEEDS_OPERATOR.value
    done = CliRunner().invoke(cli, ["cases", "refund", number])
    assert done.exit_code == 1 and "重複登録ではありません" in done.output
    assert _app(number).status == Status.NEEDS_OPERATOR.value


def test_the_review_screen_refuses_the_second_approval_in_japanese_naming_the_other_case(client_for: Any) -> None:
    from tests.support.web import post_form

    first, second = _twins()
    reviewer, _ = client_for("reviewer")
    for number in (first, second):
        assert post_form(reviewer, f"/cases/{number}/claim", {}).status_code == 303
    assert post_form(reviewer, f"/cases/{first}/decision", {"decision": "approve"}).status_code == 303
    refused = post_form(reviewer, f"/cases/{second}/decision", {"decision": "approve"})
    assert refused.status_code == 409 and first in refused.text and "承認できません" in refused.text
    assert _app(second).status == Status.AWAITING_REVIEW.value


def test_two_reviewers_approving_twins_at_once_approve_one(db: Any) -> None:
    import threading

    from ccus.services.review.decisions import Decision, DecisionRefused, decide
    from tests.support.web import new_user

    first, second = _twins()
    names = [new_user("reviewer", "race"), new_user("reviewer", "race")]
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(number: str, actor: str) -> None:
        start.wait()
        try:
            outcomes[number] = decide(number, actor=actor, decision=Decision.APPROVE, reason=None).status
        except DecisionRefused as exc:
            outcomes[number] = exc.code

    threads = [threading.Thread(target=approve, args=pair) for pair in zip((first, second), names, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes.values()) == ["approved", "duplicate_registration"], outcomes
