"""The status gate of every table other than the cases (see ``services/cases.py`` for those).

The only code that writes a ``status`` column: a row's move is checked against its table's machine
(``models/machines.py``); a new row's status must be one of the machine's initial states; a bulk
UPDATE touches only the rows that may make the move (``machine.sources(to)``), so a row already past
it is left alone. ``tests/unit/test_gate_is_the_only_writer.py`` keeps it the only writer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from ccus.models import machines as m
from ccus.models.billing_tables import CardReissue, Charge, PrintBatch
from ccus.models.lifecycle_tables import CardRenewal, Invoice, SiteContract
from ccus.models.tables import AdminId, Business, Card, MailBatch, MailSegment, Outbox, PrintJob

MACHINES: dict[type[Any], m.Machine[Any]] = {
    Business: m.BUSINESS,
    AdminId: m.ADMIN_ID,
    Card: m.CARD,
    CardRenewal: m.CARD_RENEWAL,
    CardReissue: m.CARD_REISSUE,
    PrintJob: m.PRINT_JOB,
    PrintBatch: m.PRINT_BATCH,
    Charge: m.CHARGE,
    Invoice: m.INVOICE,
    Outbox: m.OUTBOX,
    SiteContract: m.SITE_CONTRACT,
    MailBatch: m.MAIL_BATCH,
    MailSegment: m.MAIL_SEGMENT,
}


def machine_of(table: type[Any]) -> m.Machine[Any]:
    return MACHINES[table]


def move(row: Any, to: str) -> None:
    """Set ``row.status`` to ``to`` if its table's machine allows the move from its status now."""
    row.status = machine_of(type(row)).check(row.status, to)


def initial_status(table: type[Any], to: str) -> str:
    """The status of a new ``table`` row (for its constructor or INSERT), if the machine starts there."""
    return str(machine_of(table).check_initial(to).value)


def target_status(table: type[Any], to: str) -> str:
    """``to`` as a value to SET in a statement that restricts its rows with ``may_move``."""
    state: StrEnum = machine_of(table).state(to)
    if not machine_of(table).sources(to):
        raise m.MachineError(machine_of(table).name, None, to)
    return str(state.value)


def may_move(table: Any, to: str) -> ColumnElement[bool]:
    """The WHERE condition of the rows of ``table`` that may move to ``to``."""
    column: ColumnElement[str] = table.status
    return column.in_(sorted(s.value for s in machine_of(table).sources(to)))


def bulk_move(session: Session, table: Any, to: str, *where: ColumnElement[bool]) -> int:
    """UPDATE the rows of ``table`` matching ``where`` that may move to ``to``; how many moved."""
    stmt = update(table).where(*where, may_move(table, to)).values(status=target_status(table, to))
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
