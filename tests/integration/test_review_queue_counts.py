"""The queue's counts by status and its filtered totals (one pass over the queue's index) agree
with the cases in the database, filter by filter, and the page shows the filtered cases."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from ccus.infra.db import unit_of_work
from ccus.models.status import Status
from ccus.models.tables import Application
from ccus.services.review import queue
from tests.support.web import new_user, queued_case, worker_sample

pytestmark = pytest.mark.integration


def expected(f: queue.QueueFilter, actor: str) -> tuple[dict[str, int], set[str]]:
    """Counted in Python from every case, as the filter says."""
    with unit_of_work() as session:
        apps = session.scalars(select(Application).where(Application.status.in_(queue.QUEUE_STATUSES))).all()
        holders = {a.id: c.reviewer for a in apps if (c := queue.current_claim(session, a.id)) is not None}
        counts: dict[str, int] = {}
        chosen = set()
        for a in apps:
            counts[a.status] = counts.get(a.status, 0) + 1
            severities = {x.get("severity") for x in a.flags}
            if (f.kind and a.kind != f.kind) or (f.status and a.status != f.status) \
                    or (f.flags == "block" and "block" not in severities) \
                    or (f.flags == "warn" and "warn" not in severities) or (f.flags == "none" and a.flags) \
                    or (f.claimed == "mine" and holders.get(a.id) != actor) \
                    or (f.claimed == "free" and a.id in holders) \
                    or (f.claimed == "others" and holders.get(a.id) in (None, actor)):
                continue
            chosen.add(a.application_number)
        return counts, chosen


def test_counts_and_totals_agree_with_the_cases(db: Any) -> None:
    me = new_user("reviewer", "counts")
    block = [{"code": "x", "severity": "block", "message": "m"}]
    warn = [{"code": "y", "severity": "warn", "message": "m"}]
    made = [queued_case(worker_sample(), flags=block), queued_case(flags=warn), queued_case(),
            queued_case(worker_sample(), flags=warn + block, status=Status.AWAITING_SECOND_APPROVAL)]
    queue.claim(made[0], me)
    queue.claim(made[1], new_user("reviewer", "other"))
    filters = [queue.QueueFilter(), queue.QueueFilter(kind="worker_registration"), queue.QueueFilter(flags="block"),
               queue.QueueFilter(flags="warn", status="awaiting_second_approval"), queue.QueueFilter(flags="none"),
               queue.QueueFilter(claimed="mine"), queue.QueueFilter(claimed="free", kind="business_registration"),
               queue.QueueFilter(claimed="others", flags="warn")]
    for f in filters:
        with unit_of_work() as session:
            got = queue.list_queue(session, f, me)
        counts, chosen = expected(f, me)
        assert got.counts == counts, f
        assert got.total == len(chosen), f
        shown = {r.application_number for r in got.rows}
        assert shown <= chosen and len(shown) == min(len(chosen), queue.PAGE_SIZE), f
        assert {n for n in made if n in chosen} <= shown or len(chosen) > queue.PAGE_SIZE, f


def test_a_case_with_many_long_flags_enters_the_queue_and_counts_by_severity(db: Any) -> None:
    """A badly read paper form can carry dozens of flags with zones and readings (kilobytes of
    JSON): the queue's indexes hold their counts, so the case still enters the queue."""
    flags = [{"code": "field_low_confidence", "severity": "block" if i % 3 == 0 else "warn", "stage": "read",
              "message": f"技能者情報登録申請書 1ページ「項目{i}」: 読み取りの確信度が低い",
              "read": hashlib.sha256(str(i).encode()).hexdigest() + hashlib.sha256(str(-i).encode()).hexdigest(),
              "zone": {"document_id": i, "page": 1, "polygon_px": [[i * 13 % 997 + j, j * 7] for j in range(4)]}}
             for i in range(60)]
    number = queued_case(worker_sample(), flags=flags)
    me = new_user("reviewer", "many-flags")
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        assert (app.blocking_flags, app.warning_flags, app.flag_count) == (20, 40, 60)
        last = queue.QueueFilter(flags="block", page=10**6)  # the newest case is on the last page
        shown = {r.application_number: r for r in queue.list_queue(session, last, me).rows}
    assert number in shown and (shown[number].blocking, shown[number].warnings) == (20, 40)
