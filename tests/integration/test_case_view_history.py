"""The case view's duplicate candidates and history, each read in one query: an open application
of the same person or business is shown side by side, and the history holds the stage log, the
views and the claims (with whom a case was handed to)."""

from __future__ import annotations

from typing import Any

import pytest

from ccus.infra.db import unit_of_work
from ccus.services.review import case_view, queue
from tests.support.web import business_sample, new_user, queued_case, worker_sample

pytestmark = pytest.mark.integration


def test_an_open_twin_of_the_same_person_is_a_candidate(db: Any) -> None:
    sample = worker_sample()
    first, second = queued_case(sample), queued_case(sample)
    other = queued_case(worker_sample())
    with unit_of_work() as session:
        view = case_view.load(session, second, viewer="t")
    d = sample.data
    assert [(c.source, c.number, c.name, c.detail, c.status) for c in view.candidates] == [
        ("in_flight", first, d["name"], f"{d['name_kana']} / {d['birth_date']}", "awaiting_review")]
    assert other not in {c.number for c in view.candidates}


def test_an_open_twin_of_the_same_business_is_a_candidate(db: Any) -> None:
    sample = business_sample()
    first, second = queued_case(sample), queued_case(sample)
    with unit_of_work() as session:
        view = case_view.load(session, first, viewer="t")
    d = sample.data
    assert [(c.source, c.number, c.name, c.detail) for c in view.candidates] == [
        ("in_flight", second, d["trade_name"], d["address"])]


def test_history_holds_stages_views_and_claims(db: Any) -> None:
    number = queued_case()
    a, b = new_user("reviewer", "hist"), new_user("reviewer", "hist")
    queue.claim(number, a)
    queue.reassign(number, b, "boss")
    with unit_of_work() as session:
        case_view.load(session, number, viewer=a)
    with unit_of_work() as session:
        view = case_view.load(session, number, viewer=b)
    kinds = [(h.kind, h.actor, h.text) for h in view.history]
    assert kinds[0] == ("view", b, "閲覧")  # this view, newest first
    assert ("view", a, "閲覧") in kinds and ("claim", a, "担当取得") in kinds
    assert ("claim", "boss", f"担当変更（→ {b}）") in kinds
    stages = [h for h in view.history if h.kind == "stage"]
    assert {(h.from_status, h.to_status) for h in stages} >= {(None, "received"), ("received", "documents_stored")}
    assert [h.at for h in view.history] == sorted((h.at for h in view.history), reverse=True)
    assert view.claim is not None and view.claim.reviewer == b


def test_a_registered_worker_with_the_same_person_key_is_a_candidate(db: Any) -> None:
    import uuid
    from datetime import date

    from sqlalchemy import select

    from ccus.models.persons import person_key
    from ccus.models.tables import Application, Worker

    sample = worker_sample()
    d = sample.data
    earlier, number = queued_case(sample), queued_case(sample)
    worker_id = "9" + uuid.uuid4().hex[:13].translate(str.maketrans("abcdef", "123456"))
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(Application.application_number == earlier)).one()
        session.add(Worker(worker_id=worker_id, application_id=app_id, name=d["name"], name_kana=d["name_kana"],
                           birth_date=date.fromisoformat(d["birth_date"]),
                           person_key=person_key(d["name"], d["name_kana"], d["birth_date"])))
        session.execute(Application.__table__.update().where(Application.id == app_id).values(status="registered"))
    with unit_of_work() as session:
        view = case_view.load(session, number, viewer="t")
    assert [(c.source, c.number, c.name, c.detail, c.status) for c in view.candidates] == [
        ("registered", worker_id, d["name"], f"{d['name_kana']} / {d['birth_date']}", "registered")]
