"""The migrations on a database holding data, in a database of their own on the session's server.

The chain is walked as the script directory has it (whatever revisions other branches add): one
head; from head down to base one step at a time, each step is undone, redone over the data and
undone again, and the rows of every table that outlives the step keep their content (on the
columns both sides have), except where the revision declares its downgrade lossy
(``LOSSY_DOWNGRADE``); from base the schema comes back to head and matches the tables of
``models/`` (``alembic check``). A database that ran the review branch's old 0008 is upgraded by
``ccus migrate``."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ccus.infra.db import LEGACY_REVISIONS, alembic_config, migrate

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)

# Every revision id a database may carry: those released (0001–0014) and the renamed 0008. A
# revision may be added, never renamed or removed: a database that ran it could not upgrade.
RELEASED = {f"{n:04d}" for n in range(1, 15)} | {"0008"}

# Upgrades that rewrite existing rows on purpose, so a table differs after down → up:
# (revision, table) → why.
REWRITTEN_BY_UPGRADE: dict[tuple[str, str], str] = {}


def _server_url(settings: Any, database: str) -> str:
    return make_url(settings.db_url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture
def fresh_database(stack: Any) -> Iterator[str]:
    """The URL of a new, empty database on the session's PostgreSQL, dropped afterwards."""
    name = f"migr_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_server_url(stack, "postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield _server_url(stack, name)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def app_on(fresh_database: str) -> Iterator[str]:
    """The application's services pointed at the fresh database for the test, and at a bucket of
    its own: the fresh database numbers its cases and cards from 1 again, and their print files
    (``postcards/<申請番号>/…``, ``card-orders/card-<id>/…``) must not overwrite the session's."""
    import os

    from ccus.infra.services.s3 import s3_healthy
    from ccus.infra.settings import get_settings, reset_settings

    saved = {name: os.environ.get(name) for name in ("DATABASE_URL", "S3_BUCKET")}
    os.environ["DATABASE_URL"] = fresh_database
    os.environ["S3_BUCKET"] = f"ccus-{fresh_database.rsplit('/', 1)[1].replace('_', '-')}"
    reset_settings()
    try:
        assert s3_healthy(get_settings(), create_bucket=True)
        yield fresh_database
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_settings()


def _fill(url: str) -> None:
    """Realistic rows in every table that matters, made by the services where they can be: a
    registered business and a registered worker (documents in S3, stage log, charges, payments,
    IDs, credentials, cards, print jobs in a batch, outbox mail), lifecycle cases, a mail case
    answered by post (two segments), and a queued case with many flags."""
    from sqlalchemy import select

    from ccus import sample_applications as samples
    from ccus.infra.db import unit_of_work
    from ccus.models.application_types import Channel
    from ccus.models.tables import Application
    from ccus.services.billing import payments
    from ccus.services.intake import submission
    from ccus.services.issuance import printing, steps
    from tests.support import lifecycle as make
    from tests.support.factories import corporate_number

    def register(sample: samples.SampleApplication) -> int:
        files = [submission.IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files]
        number = submission.submit(kind=sample.kind, channel=Channel.INTERNET, declared=sample.data,
                                   files=files, idempotency_key=None, actor="test").application_number
        with unit_of_work() as session:
            app = session.scalars(select(Application).where(Application.application_number == number)).one()
            app.status = "approved"  # as review would leave it
            app_id = app.id
        payments.charge_approved(app_id)
        with unit_of_work() as session:
            amount = session.execute(text("SELECT sum(amount) FROM charges WHERE application_id = :a"),
                                     {"a": app_id}).scalar_one()
        payments.import_payments(f"{number},{amount},2026-11-24\n".encode())
        steps.issue(app_id, TODAY)
        return app_id

    business_case = register(samples.business(corporate_number=corporate_number()))
    register(samples.worker(email="migr-worker@example.jp"))
    printing.make_batch("postcard")
    owner = make.business()
    make.worker(owner, email="migr-worker2@example.jp")
    with unit_of_work() as session:
        make.new_case(session, kind="business_change", status="awaiting_review",
                      declared={"business_id": owner.business_id, "trade_name": "株式会社変更後建設"},
                      filed_by=owner.business_id)
        queued = make.new_case(session, kind="worker_registration", status="awaiting_review",
                               declared={"name": "読取 多旗"})
        # A badly read paper form: a flag per zone, more than a btree index row may hold.
        flags = [{"code": f"ocr_disagreement_{i}", "severity": "warn" if i % 3 else "block",
                  "field": f"field_{i}", "message": "二つの読取結果が一致しません（" + "あ" * 40 + f"{i}）"}
                 for i in range(120)]
        session.execute(text("UPDATE applications SET flags = CAST(:f AS jsonb) WHERE id = :a"),
                        {"f": json.dumps(flags, ensure_ascii=False), "a": queued.id})
        batch = session.execute(text(
            "INSERT INTO mail_batches (sha256, filename, size, media_type, pages, status) "
            "VALUES (:h, 'envelope-0001.pdf', 123456, 'application/pdf', 4, 'done') RETURNING id"),
            {"h": hashlib.sha256(url.encode()).hexdigest()}).scalar_one()
        for seq in (1, 2):  # the form, then the applicant's answer to a return
            session.execute(text(
                "INSERT INTO mail_segments (batch_id, seq, application_id, form_key, status, pages) "
                "VALUES (:b, :s, :a, 'W1', 'case', CAST(:p AS jsonb))"),
                {"b": batch, "s": seq, "a": business_case, "p": f"[{2 * seq - 1}, {2 * seq}]"})


Rows = dict[str, list[dict[str, Any]]]


def _rows(url: str) -> Rows:
    """Every row of every table (but alembic's), as JSON objects."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )).scalars().all()
            return {t: list(conn.execute(text(f'SELECT to_jsonb(t) FROM "{t}" t')).scalars()) for t in tables}
    finally:
        engine.dispose()


def _on(rows: list[dict[str, Any]], columns: set[str]) -> list[str]:
    return sorted(json.dumps({c: r.get(c) for c in sorted(columns)}, sort_keys=True, ensure_ascii=False)
                  for r in rows)


def _assert_kept(before: Rows, after: Rows, step: str, skip: frozenset[str] | set[str] = frozenset()) -> None:
    """Each table in both kept its rows, on the columns both have."""
    for table in (before.keys() & after.keys()) - skip:
        assert len(before[table]) == len(after[table]), f"{step}: rows of {table} lost or added"
        if not before[table]:
            continue
        columns = set(before[table][0]) & set(after[table][0])
        assert _on(before[table], columns) == _on(after[table], columns), f"{step}: rows of {table} changed"


def test_the_chain_has_one_head_and_every_released_revision_is_still_known() -> None:
    script = ScriptDirectory.from_config(alembic_config("postgresql+psycopg://unused/none"))
    assert len(script.get_heads()) == 1
    in_chain = {r.revision for r in script.walk_revisions()}
    known = in_chain | LEGACY_REVISIONS.keys()
    assert RELEASED <= known, f"revisions renamed or removed: {sorted(RELEASED - known)}"
    for old, (base, lacking, carried_by) in LEGACY_REVISIONS.items():
        assert old not in in_chain
        assert {base, lacking, carried_by} <= in_chain


def test_each_step_goes_down_and_up_again_on_a_database_holding_data(app_on: str) -> None:
    url = app_on
    cfg = alembic_config(url)
    migrate(url)
    _fill(url)
    filled = _rows(url)
    assert len([a for a in filled["applications"] if a["status"] == "registered"]) >= 4
    for table in ("stage_log", "documents", "charges", "payments", "print_jobs", "print_batches", "outbox",
                  "businesses", "workers", "cards", "credentials", "mail_segments", "audit_log"):
        assert filled[table], f"the test data has no {table}"

    for revision in ScriptDirectory.from_config(cfg).walk_revisions():  # head first
        target = revision.down_revision or "base"
        assert isinstance(target, str), f"{revision.revision} is a merge point: walk it by hand"
        step = revision.revision
        before = _rows(url)
        command.downgrade(cfg, target)
        down = _rows(url)
        if not getattr(revision.module, "LOSSY_DOWNGRADE", None):
            _assert_kept(before, down, f"{step} down")
        # Upgrading over the older schema's rows keeps them, and the step undoes again.
        command.upgrade(cfg, step)
        rewritten = {t for (rev, t) in REWRITTEN_BY_UPGRADE if rev == step}
        _assert_kept(down, _rows(url), f"{step} up", rewritten)
        command.downgrade(cfg, target)
        _assert_kept(down, _rows(url), f"{step} down again", rewritten)

    assert _rows(url) == {}
    command.upgrade(cfg, "head")
    command.check(cfg)  # the schema the migrations build is the one models/ declares


def test_a_database_that_ran_the_old_0008_upgrades_with_ccus_migrate(fresh_database: str) -> None:
    url = fresh_database
    cfg = alembic_config(url)
    command.upgrade(cfg, "0005")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:  # what the review branch's 0008 did
            conn.exec_driver_sql("ALTER TABLE documents ADD COLUMN superseded_by_id bigint, "
                                 "ADD COLUMN superseded_at timestamptz")
            conn.exec_driver_sql("ALTER TABLE documents ADD CONSTRAINT fk_documents_superseded_by_id_documents "
                                 "FOREIGN KEY (superseded_by_id) REFERENCES documents (id)")
            conn.exec_driver_sql("ALTER TABLE documents ADD CONSTRAINT ck_documents_superseded_both "
                                 "CHECK ((superseded_by_id IS NULL) = (superseded_at IS NULL))")
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0008'")
        with pytest.raises(Exception, match="0008"):
            command.upgrade(cfg, "head")  # plain alembic cannot place it

        migrate(url)
        migrate(url)  # and again: nothing left to do

        head = ScriptDirectory.from_config(cfg).get_current_head()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
        command.check(cfg)
    finally:
        engine.dispose()
