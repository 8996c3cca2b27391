"""Re-drive of stuck cases on the real database: released for their drain, capped, needs_operator."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.status import Status
from ccus.models.tables import Application, AuditLog, StageLog
from ccus.services.operations import lease, redrive
from tests.support.lifecycle import new_case

pytestmark = pytest.mark.integration

# Cases of a kind no registration drain touches, so other tests' drains leave them alone.
KIND = ("business_change",)


def _stuck(status: str, *, attempts: int = 0, error: str | None = None, lease: datetime | None = None) -> int:
    with unit_of_work() as session:
        app = new_case(session, kind=KIND[0], status=status)
        app.attempts, app.last_error, app.claimed_until = attempts, error, lease
        return app.id


def _row(app_id: int) -> Application:
    with unit_of_work() as session:
        app = session.get(Application, app_id)
        assert app is not None
        return app


def _later(hours: float = 2) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def test_stuck_case_is_released_once_and_picked_up_by_its_drain(db: Any) -> None:
    app_id = _stuck(Status.VALIDATED.value, attempts=1, lease=datetime.now(UTC) + timedelta(minutes=10))
    now = _later()
    report = redrive.redrive(now, kinds=KIND)
    assert _row(app_id).application_number in report.released["validated"]
    assert _row(app_id).attempts == 2 and _row(app_id).claimed_until is None
    # The same re-drive again (same day, or a second worker just after) leaves it alone.
    assert _row(app_id).application_number not in redrive.redrive(now, kinds=KIND).released.get("validated", [])
    assert app_id in lease.claim(Status.VALIDATED, worker="test", kinds=KIND)


def test_live_lease_and_recent_progress_are_not_stuck(db: Any) -> None:
    now = _later()
    leased = _stuck(Status.ISSUING.value, lease=now + timedelta(minutes=5))
    fresh = _stuck(Status.EXTRACTED.value)
    report = redrive.redrive(datetime.now(UTC), kinds=KIND)
    numbers = {n for ns in report.released.values() for n in ns}
    assert _row(fresh).application_number not in numbers
    assert _row(leased).application_number not in {n for ns in redrive.redrive(now, kinds=KIND).released.values()
                                                   for n in ns}


def test_case_out_of_attempts_goes_to_needs_operator_with_its_last_error(db: Any) -> None:
    app_id = _stuck(Status.APPROVED.value, attempts=lease.MAX_ATTEMPTS, error="charge: KeyError: 'capital'")
    report = redrive.redrive(_later(), kinds=KIND)
    number = _row(app_id).application_number
    assert report.to_operator == [number]
    assert _row(app_id).status == Status.NEEDS_OPERATOR.value
    with unit_of_work() as session:
        last = session.scalars(select(StageLog).where(StageLog.application_id == app_id)
                               .order_by(StageLog.id.desc())).first()
        assert last is not None and last.actor == "redrive" and "KeyError" in (last.reason or "")
        assert session.scalars(select(AuditLog.action).where(AuditLog.application_id == app_id)).all() == [
            "case.needs_operator"]
    assert number in {c["application_number"] for c in redrive.needs_operator()}
    # Terminal until an operator acts: later re-drives do not touch it.
    assert number not in redrive.redrive(_later(5), kinds=KIND).to_operator


def test_attempts_cap_reached_by_repeated_redrives(db: Any) -> None:
    app_id = _stuck(Status.CONSENT_CHECKED.value, attempts=lease.MAX_ATTEMPTS - 2)
    for hours in (2, 4, 6):
        redrive.redrive(_later(hours), kinds=KIND)
    assert _row(app_id).status == Status.NEEDS_OPERATOR.value


def test_two_redrives_at_once_release_each_case_once(db: Any) -> None:
    ids = [_stuck(Status.DOCUMENTS_STORED.value) for _ in range(20)]
    now = _later()
    reports: list[redrive.RedriveReport] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        reports.append(redrive.redrive(now, kinds=KIND))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = {_row(i).application_number for i in ids}
    released = [n for r in reports for n in r.released.get("documents_stored", []) if n in numbers]
    assert sorted(released) == sorted(numbers)
    assert all(_row(i).attempts == 1 for i in ids)


def test_flow_redrives_with_time_as_a_parameter(db: Any) -> None:
    from ccus.flows.redrive import redrive_stuck_cases

    app_id = _stuck(Status.ISSUING.value, attempts=lease.MAX_ATTEMPTS, error="smtp down")
    report = redrive_stuck_cases(now=_later(), kinds=list(KIND), trigger=False)
    assert _row(app_id).application_number in report["to_operator"]


def test_operator_lists_stuck_cases_and_sends_one_back_after_a_fix(db: Any) -> None:
    from typer.testing import CliRunner

    from ccus.cli import app as cli

    app_id = _stuck(Status.ISSUING.value, attempts=lease.MAX_ATTEMPTS, error="card order: ConnectionError: s3 down")
    waiting = _stuck(Status.ISSUING.value)  # not stuck: an operator cannot "retry" it
    redrive.redrive(_later(), kinds=KIND)
    number = _row(app_id).application_number
    [listed] = [c for c in redrive.needs_operator() if c["application_number"] == number]
    assert (listed["kind"], listed["from"], listed["attempts"]) == (KIND[0], "issuing", str(lease.MAX_ATTEMPTS))
    assert "ConnectionError: s3 down" in listed["last_error"]

    runner = CliRunner()
    shown = runner.invoke(cli, ["cases", "stuck"])
    assert shown.exit_code == 0, shown.output
    [row] = [line for line in shown.output.splitlines() if number in line]
    assert KIND[0] in row and "issuing" in row and str(lease.MAX_ATTEMPTS) in row and "ConnectionError" in row

    refused = runner.invoke(cli, ["cases", "retry", _row(waiting).application_number])
    assert refused.exit_code == 1 and "要オペレーター対応の状態ではありません" in refused.output
    assert _row(waiting).status == Status.ISSUING.value

    done = runner.invoke(cli, ["cases", "retry", number, "--reason", "S3 を復旧", "--operator", "yamada"])
    assert done.exit_code == 0, done.output
    app = _row(app_id)
    assert (app.status, app.attempts, app.last_error) == (Status.ISSUING.value, 0, None)
    with unit_of_work() as session:
        last = session.scalars(select(StageLog).where(StageLog.application_id == app_id)
                               .order_by(StageLog.id.desc())).first()
        assert last is not None and (last.from_status, last.to_status) == ("needs_operator", "issuing")
        assert last.actor == "operator:yamada" and "S3 を復旧" in (last.reason or "")
        actions = session.scalars(select(AuditLog.action).where(AuditLog.application_id == app_id)
                                  .order_by(AuditLog.id)).all()
        assert actions == ["case.needs_operator", "case.operator_retry"]
    assert number not in {c["application_number"] for c in redrive.needs_operator()}
    assert app_id in lease.claim(Status.ISSUING, worker="test", kinds=KIND)  # its drain takes it again
    again = runner.invoke(cli, ["cases", "retry", number])  # only from needs_operator
    assert again.exit_code == 1
    with pytest.raises(redrive.RetryRefused):
        redrive.retry("99-9999999-9", operator="operator:test")
