"""Claims under concurrency, the decision gate under concurrency, and the append-only audit log."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from ccus import sample_applications as samples
from ccus.infra.db import unit_of_work
from ccus.models.application_types import Channel
from ccus.models.status import Status
from ccus.models.tables import Application
from ccus.services.intake.submission import submit
from ccus.services.operations import lease
from ccus.services.review.decisions import Decision, DecisionRefused, decide
from tests.support.factories import corporate_number

pytestmark = pytest.mark.integration


def _intake(n: int) -> list[str]:
    numbers = []
    for _ in range(n):
        s = samples.business(corporate_number=corporate_number())
        files = [samples_file(f) for f in s.files]
        numbers.append(submit(kind=s.kind, channel=Channel.INTERNET, declared=s.data, files=files,
                              idempotency_key=None, actor="test").application_number)
    return numbers


def samples_file(f: samples.SampleFile) -> Any:
    from ccus.services.intake.submission import IncomingFile

    return IncomingFile(f.role, f.filename, f.content_type, f.data)


def test_concurrent_claims_never_take_the_same_case_twice(db: Any) -> None:
    numbers = _intake(12)
    with unit_of_work() as session:
        ids = set(session.scalars(select(Application.id).where(Application.application_number.in_(numbers))))
    taken: list[list[int]] = []
    barrier = threading.Barrier(4)

    def worker(k: int) -> None:
        barrier.wait()
        got: list[int] = []
        while batch := lease.claim(Status.DOCUMENTS_STORED, worker=f"w{k}", limit=2):
            got.extend(batch)
        taken.append(got)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for got in taken for i in got]
    assert len(everything) == len(set(everything)), "a case was claimed twice"
    assert ids <= set(everything)


def test_two_reviewers_deciding_at_once_cannot_both_win(db: Any) -> None:
    [number] = _intake(1)
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        app.status = Status.AWAITING_REVIEW.value  # as the pipeline would leave it
    results: list[str] = []
    barrier = threading.Barrier(2)

    def review(decision: Decision, who: str) -> None:
        barrier.wait()
        try:
            results.append(decide(number, actor=who, decision=decision, reason="同時審査").status)
        except DecisionRefused as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=review, args=(Decision.APPROVE, "a")),
               threading.Thread(target=review, args=(Decision.REJECT, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) in (["approved", "not_awaiting_review"], ["not_awaiting_review", "rejected"])


@pytest.mark.parametrize("statement", [
    "UPDATE audit_log SET actor = 'someone else'",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
])
def test_audit_log_refuses_updates_and_deletes(db: Any, statement: str) -> None:
    _intake(1)  # makes sure there is a row
    with pytest.raises(DBAPIError, match="append-only"):
        with unit_of_work() as session:
            session.execute(text(statement))
