"""The status columns are enum-typed in Python and unchanged in the database (issue 13 item 6):
autogenerate finds no difference on any status column, and a row read back holds its machine's
StrEnum, which still equals the stored string."""

from __future__ import annotations

from datetime import date
from typing import Any

from ccus.models.tables import Base


def _flat(diffs: list[Any]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for d in diffs:
        out.extend(_flat(d) if isinstance(d, list) else [d])
    return out


def test_no_status_column_differs_from_the_migrated_schema(db: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from ccus.infra.db import get_engine

    with get_engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diffs = _flat(compare_metadata(ctx, Base.metadata))
    # A column's differences come as ("modify_type" | "modify_nullable" | "modify_default", schema,
    # table, column, …); other differences (indexes) are not this test's business.
    columns = {(d[2], d[3]) for d in diffs if str(d[0]).startswith("modify_")}
    assert {(t, c) for t, c in columns if c == "status"} == set()
    assert any(t.name == "outbox" for t in Base.metadata.sorted_tables)


def test_a_status_reads_back_as_its_machine_state(db: Any) -> None:
    from sqlalchemy import select

    from ccus.infra.db import session_factory
    from ccus.models.billing_tables import Charge
    from ccus.models.machines import ChargeStatus
    from ccus.models.status import Status
    from ccus.models.tables import Application
    from ccus.services.cases import enter
    from ccus.services.gate import initial_status

    session = session_factory()()
    try:
        app = Application(application_number="T-ENUM-000001", kind="worker_registration", channel="counter",
                          declared={})
        enter(session, app, [(Status.RECEIVED, "test"), (Status.DOCUMENTS_STORED, "test")], actor="test")
        session.add(Charge(effect_key="T-ENUM-000001:fee", application_id=app.id, amount=0, breakdown="",
                           fee_date=date(2026, 1, 1), status=initial_status(Charge, "paid")))
        session.flush()
        session.expire_all()
        assert isinstance(app.status, Status) and app.status == "documents_stored"
        stored = session.execute(select(Charge.status).where(Charge.application_id == app.id)).scalar_one()
        assert stored is ChargeStatus.PAID and stored == "paid"
        # Compared and filtered by plain strings as before.
        assert session.scalars(select(Application.id).where(Application.status == "documents_stored",
                                                            Application.id == app.id)).one() == app.id
    finally:
        session.rollback()
        session.close()
