"""The gate's checks on rows held in memory (no database): a case enters only by its kind's entry
paths, a row moves only as its machine allows, a bulk UPDATE touches only the rows that may move."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.dialects import postgresql

from ccus.models.billing_tables import Charge
from ccus.models.machines import MachineError
from ccus.models.status import EntryError, Status
from ccus.models.tables import Application, Card, Outbox, PrintJob
from ccus.services import gate
from ccus.services.cases import enter


def _sql(stmt: Any) -> str:
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_a_case_cannot_enter_by_a_path_its_kind_lacks() -> None:
    app = Application(kind="business_change", channel="internet", declared={})
    with pytest.raises(EntryError):
        enter(None, app, [(Status.RECEIVED, "x"), (Status.DOCUMENTS_STORED, "y")], actor="t")  # type: ignore[arg-type]
    with pytest.raises(EntryError):
        enter(None, app, [(Status.RECEIVED, "x"), (Status.ISSUING, "y")], actor="t")  # type: ignore[arg-type]
    assert app.status is None


def test_a_case_enters_once() -> None:
    app = Application(kind="worker_registration", channel="counter", declared={}, status="documents_stored")
    with pytest.raises(ValueError, match="already entered"):
        enter(None, app, [(Status.RECEIVED, "x"), (Status.DOCUMENTS_STORED, "y")], actor="t")  # type: ignore[arg-type]


def test_a_row_moves_only_as_its_machine_allows() -> None:
    charge = Charge(status="open")
    gate.move(charge, "paid")
    assert charge.status == "paid"
    with pytest.raises(MachineError):
        gate.move(charge, "open")
    mail = Outbox(status="pending")
    with pytest.raises(MachineError):
        gate.move(mail, "sent")  # never sent without passing through sending
    gate.move(mail, "sending")
    gate.move(mail, "sending")  # an interrupted send tried again
    gate.move(mail, "sent")
    assert mail.status == "sent"


def test_a_new_row_starts_in_an_initial_state() -> None:
    assert gate.initial_status(Charge, "paid") == "paid"
    with pytest.raises(MachineError):
        gate.initial_status(PrintJob, "final")
    with pytest.raises(MachineError):
        gate.initial_status(Card, "expired")


def test_a_bulk_update_touches_only_the_rows_that_may_move() -> None:
    where = gate.may_move(PrintJob, "final")
    stmt = update(PrintJob).where(PrintJob.card_id == 7, where).values(status=gate.target_status(PrintJob, "final"))
    sql = _sql(stmt)
    assert "print_jobs.status IN ('rendered')" in sql
    assert "status='final'" in sql
    assert "IN ('active', 'ordered')" in _sql(gate.may_move(Card, "expired"))
    with pytest.raises(MachineError):
        gate.target_status(PrintJob, "rendered")  # nothing moves back to rendered
