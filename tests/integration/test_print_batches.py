"""A print batch is claimed in one short transaction, built with no lock held and marked in a
second: a build that aborts or whose process dies halfway is taken up again by the next run, under
the same batch number and keys, and each carrier ends in exactly one batch."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from ccus import sample_applications as samples
from ccus.infra import s3
from ccus.infra.db import get_engine, unit_of_work
from ccus.infra.faults import EXIT_CODE
from ccus.models.billing_tables import PrintBatch
from ccus.models.tables import PrintJob
from ccus.services.issuance import printing, steps
from tests.support import lifecycle as make
from tests.support.factories import corporate_number

pytestmark = pytest.mark.integration

TODAY = date(2026, 11, 24)


def _postcard_job() -> PrintJob:
    """A business (with one 管理者ID: one postcard) issued as far as its final postcard, waiting for a batch."""
    number = corporate_number()
    sample = samples.business(corporate_number=number, email=f"print-batch-{number}@example.jp")
    with unit_of_work() as session:
        app_id = make.new_case(session, kind=sample.kind, status="issuing",
                               declared=dict(sample.data, admin_id_count=1)).id
    steps.issue(app_id, TODAY)
    with unit_of_work() as session:
        job = session.scalars(select(PrintJob).where(PrintJob.application_id == app_id)).one()
        session.expunge(job)
    assert job.status == "final" and job.batch_id is None
    return job


def _state(job_id: int) -> tuple[str, str | None, str | None]:
    """The job's status, its batch's number and the batch's status."""
    with unit_of_work() as session:
        job = session.get_one(PrintJob, job_id)
        batch = session.get(PrintBatch, job.batch_id) if job.batch_id is not None else None
        return job.status, batch.batch_number if batch else None, batch.status if batch else None


def _drain() -> list[str]:
    numbers = []
    while number := printing.make_batch("postcard"):
        numbers.append(number)
    return numbers


def test_a_build_that_aborts_halfway_is_resumed_under_the_same_batch_number(db: Any) -> None:
    job = _postcard_job()
    sealed_bytes = s3.get_bytes(job.s3_key)
    s3.delete(job.s3_key)  # the build fails on fetching this carrier: after the claim, before any upload
    with pytest.raises(Exception):  # noqa: B017 - whatever the S3 client raises for a missing object
        _drain()
    status, number, batch_status = _state(job.id)
    assert (status, batch_status) == ("final", "building") and number is not None
    with unit_of_work() as session:  # no row lock is left behind by the aborted build
        assert session.scalars(select(PrintJob).where(PrintJob.id == job.id)
                               .with_for_update(nowait=True)).one()

    s3.put_bytes(job.s3_key, sealed_bytes, "application/octet-stream")
    assert number in _drain()
    assert _state(job.id) == ("purged", number, "ready")
    assert printing.read_print_file(f"print-batches/{number}/postcards.pdf").startswith(b"%PDF")


def test_a_builder_killed_halfway_leaves_its_batch_to_the_next_run_but_a_live_one_keeps_it(db: Any) -> None:
    first, second = _postcard_job(), _postcard_job()
    code = "from ccus.services.issuance.printing import make_batch; make_batch('postcard')"
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "CCUS_FAULT": "printing.batch_claimed"},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_CODE, proc.stderr[-2000:]
    status, number, batch_status = _state(first.id)
    assert (status, batch_status) == ("final", "building") and _state(second.id)[1] == number
    with unit_of_work() as session:
        batch_id = session.scalars(select(PrintBatch.id).where(PrintBatch.batch_number == number)).one()

    # While another builder holds the batch, a run leaves it alone.
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as other:
        assert other.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                             {"ns": printing._BUILD_LOCK, "id": batch_id}).scalar_one()
        try:
            assert number not in _drain()
            assert _state(first.id)[2] == "building"
        finally:
            other.execute(text("SELECT pg_advisory_unlock_all()"))

    assert number in _drain()
    for job in (first, second):
        assert _state(job.id) == ("purged", number, "ready")
        assert not s3.exists(job.s3_key)
    with unit_of_work() as session:
        assert session.scalars(select(PrintBatch.items).where(PrintBatch.id == batch_id)).one() == 2
        assert session.scalar(select(PrintBatch.id).where(PrintBatch.status == "building")) is None


def test_a_batch_being_built_cannot_be_marked_printed_nor_fetched(db: Any) -> None:
    job = _postcard_job()
    code = "from ccus.services.issuance.printing import make_batch; make_batch('postcard')"
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "CCUS_FAULT": "printing.batch_uploaded"},
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == EXIT_CODE, proc.stderr[-2000:]
    _, number, batch_status = _state(job.id)
    assert batch_status == "building" and number is not None
    assert not printing.mark_printed(number)
    with pytest.raises(printing.PrintFileGone):
        printing.read_print_file(f"print-batches/{number}/postcards.pdf")
    assert number in _drain()
    assert printing.mark_printed(number) and not printing.mark_printed(number)


def _sealed_under_another_key(job: PrintJob) -> None:
    """The carrier's object replaced by one sealed under a key its print job does not hold (an
    object overwritten by another writer, or damaged)."""
    from ccus.infra import sealed

    sealed.put(job.s3_key, b"%PDF-1.4 not this job's", sealed.new_data_key())


def test_a_carrier_that_does_not_open_under_its_key_is_set_aside_and_the_batch_goes_on(db: Any) -> None:
    from ccus.models.tables import AuditLog

    bad, good = _postcard_job(), _postcard_job()
    _sealed_under_another_key(bad)
    numbers = _drain()
    status, number, batch_status = _state(good.id)
    assert (status, batch_status) == ("purged", "ready") and number in numbers
    assert _state(bad.id) == ("unreadable", None, None)
    with unit_of_work() as session:
        batch = session.scalars(select(PrintBatch).where(PrintBatch.batch_number == number)).one()
        assert batch.items == session.scalar(select(func.count()).select_from(PrintJob)
                                             .where(PrintJob.batch_id == batch.id))
        assert session.scalars(select(AuditLog.detail).where(
            AuditLog.action == "print_job.unreadable", AuditLog.application_id == bad.application_id)).one()[
            "effect_key"] == bad.effect_key
    assert printing.make_batch("postcard") is None  # set aside once, not tried again


def test_a_batch_of_unreadable_carriers_only_is_dropped_and_leaves_nothing_building(db: Any) -> None:
    _drain()  # whatever earlier tests left waiting
    bad = _postcard_job()
    _sealed_under_another_key(bad)
    assert _drain() == []
    assert _state(bad.id) == ("unreadable", None, None)
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(PrintBatch).where(PrintBatch.status == "building")) == 0
