"""A returned mail case answered by post, on the real stack and the real Tesseract: the answer resumes
the same case; the fields it re-reads replace the old readings; a staff correction is kept unless
the applicant's new form changes that field, in which case the new value wins and the history
shows both."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from ccus import mail_samples as ms
from ccus.infra.db import unit_of_work
from ccus.models.tables import Application, FieldCorrection, MailSegment
from ccus.services.intake.postal import Folders, intake_answer, intake_file
from ccus.services.reading.paper_answers import APPLICANT
from ccus.services.review import case_view, queue
from ccus.services.review.corrections import correct_field
from ccus.services.review.decisions import Decision, decide
from tests.integration.test_mail_intake import drain, drop
from tests.support.applicant import secret_headers
from tests.support.factories import written_person

pytestmark = pytest.mark.integration

ADDRESS = "東京都新宿区西新宿2丁目8番1号"


@pytest.fixture()
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "scanner").create()


def test_a_posted_answer_keeps_staff_corrections_unless_the_applicant_changes_the_field(
        db: object, folders: Folders) -> None:
    name, kana, born = written_person()
    values = ms.worker_values(name, kana, born, address=ADDRESS, phone="090-1234-5678", trade="鉄筋工")
    p1, p2 = ms.pages("W1", values)
    first = intake_file(drop(folders, "first.pdf", ms.pdf_stack(
        [ms.scan(p1, seed=21), ms.scan(p2, seed=22), ms.scan(ms.identity_page(name, born), seed=23)])), folders)
    number = first.cases[0]
    app = drain([number])[number]
    assert app.status == "awaiting_review", (app.status, app.last_error)
    assert app.declared["phone"] == "090-1234-5678" and app.declared["address"]

    # A reviewer corrects two fields (after a phone call, say), then returns the case.
    queue.claim(number, "reviewer:a")
    staff_address = ADDRESS + " 新宿ビル3階"
    correct_field(number, path="address", value=staff_address, reason="電話で確認", actor="reviewer:a")
    correct_field(number, path="phone", value="090-1234-0000", reason="電話で確認", actor="reviewer:a")
    decide(number, actor="reviewer:a", decision=Decision.RETURN, reason="メールアドレスを確認してください")

    # The answer: page 1 only, the address as first written, a new phone and a new email.
    answer = dict(values, phone="080-2222-3333", email="taro.new@example.jp")
    new_p1 = ms.pages("W1", answer)[0]
    # (scanned like the first page, so that the unchanged address is read as it was the first time)
    outcome = intake_answer(drop(folders, "answer.pdf", ms.pdf_stack([ms.scan(new_p1, seed=21)])), number, folders)
    assert outcome.status == "processed" and outcome.cases == [number], outcome
    app = drain([number])[number]
    assert app.status == "awaiting_review", (app.status, app.last_error)

    d = app.declared
    assert d["address"] == staff_address  # the applicant wrote the same again: the staff correction stands
    assert d["phone"] == "080-2222-3333"  # the applicant changed it: the new value wins
    assert d["email"] == "taro.new@example.jp"  # not corrected: the new reading replaces the old
    assert d["trade"] == "鉄筋工"  # page 2 was not in the answer: the old reading stays
    fields = app.extracted["mail"]["fields"]
    assert fields["address"]["correction"] == "kept" and fields["phone"]["correction"] == "replaced"
    assert not any(f["code"] == "form_page_missing" for f in app.flags), app.flags

    with unit_of_work() as session:
        rows = session.scalars(select(FieldCorrection).where(FieldCorrection.application_id == app.id)
                               .order_by(FieldCorrection.id)).all()
        assert [(r.field, r.actor) for r in rows] == [("address", "reviewer:a"), ("phone", "reviewer:a"),
                                                      ("phone", APPLICANT)]
        assert (rows[-1].before, rows[-1].after) == ("090-1234-0000", "080-2222-3333")
        assert session.scalar(select(func.count()).select_from(MailSegment)
                              .where(MailSegment.application_id == app.id)) == 2
        history = [h.text for h in case_view.load(session, number, viewer="reviewer:b").history
                   if h.kind == "correction"]
    assert any("090-1234-5678 → 090-1234-0000" in h for h in history)  # the staff correction…
    assert any("090-1234-0000 → 080-2222-3333" in h for h in history)  # …and the applicant's change


def test_an_answer_for_a_case_that_is_not_returned_is_refused_and_kept(db: object, folders: Folders) -> None:
    name, kana, born = written_person()
    page = ms.pages("W1", ms.worker_values(name, kana, born, applied_on=date(2026, 5, 2)))[0]
    first = intake_file(drop(folders, "one.jpg", ms.jpeg(ms.scan(page, seed=31))), folders)
    number = first.cases[0]
    drain([number])
    path = drop(folders, "stray-answer.jpg", ms.jpeg(ms.scan(page, seed=32)))
    outcome = intake_answer(path, number, folders)
    assert outcome.status == "refused" and "差戻し中" in (outcome.reason or "")
    assert path.exists()  # nothing lost: the file waits for the clerk
    with unit_of_work() as session:
        app: Any = session.scalars(select(Application).where(Application.application_number == number)).one()
        assert app.status == "awaiting_review"


def test_a_doubtful_or_blank_answer_never_undoes_a_staff_correction(db: object) -> None:
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.forms.normalise import LOW_CONFIDENCE, MISSING, OK, Reading
    from ccus.services.reading.paper_answers import merge
    from tests.support.lifecycle import new_case

    form = BY_KEY["W1"]

    def entry(value: Any, raw: str) -> dict[str, Any]:
        return {"value": value, "status": OK, "read": raw, "confidence": 90.0, "reason": None, "zone": {"page": 1}}

    previous = {"form": "W1", "fields": {"phone": entry("090-1111-2222", "090-1111-2222"),
                                         "address": entry("東京都港区1番", "東京都港区1番"),
                                         "trade": entry("鉄筋工", "鉄筋工")},
                "flags": [{"code": "unclassified_page", "severity": "warn", "field": "attachments.other"}]}
    declared = {"phone": "090-1111-9999", "address": "東京都港区1番地", "trade": "鉄筋工"}  # two corrected
    with unit_of_work() as session:
        app = new_case(session, kind="worker_registration", status="documents_stored", declared=declared)
        for path, before in (("phone", "090-1111-2222"), ("address", "東京都港区1番")):
            session.add(FieldCorrection(application_id=app.id, field=path, before=before, after=declared[path],
                                        reason="確認済み", actor="reviewer:a"))
        session.flush()
        new = {"phone": Reading("080-3333-4444", LOW_CONFIDENCE, "確信度が低い", "080-3333-4444", 41.0),
               "address": Reading(None, MISSING, "未記入", "", 0.0),
               "trade": Reading("型枠工", OK, None, "型枠工", 93.0)}
        merged = merge(session, app.id, declared, form, new, {n: {"page": 1} for n in new}, previous)
        rows = session.scalar(select(func.count()).select_from(FieldCorrection)
                              .where(FieldCorrection.application_id == app.id))
    assert merged.declared == {"phone": "090-1111-9999", "address": "東京都港区1番地", "trade": "型枠工"}
    assert merged.outcome == {"phone": "kept", "address": "kept"} and rows == 2  # nothing recorded as changed
    codes = [(f["code"], f["field"]) for f in merged.flags]
    assert ("answer_unclear", "application.phone") in codes  # the doubtful new value is shown, not taken
    assert not any(f == "application.address" for _, f in codes)  # settled by the reviewer: no missing flag
    assert ("unclassified_page", "attachments.other") in codes  # flags about earlier documents stay
    assert merged.readings["trade"].value == "型枠工" and merged.readings["phone"].status == LOW_CONFIDENCE


def test_the_watched_answers_folder_routes_by_the_number_in_the_file_name(db: object, folders: Folders) -> None:
    from ccus.services.intake.postal import drain_inbox

    name, kana, born = written_person()
    pages = ms.pages("W1", ms.worker_values(name, kana, born))
    first = intake_file(drop(folders, "w.pdf", ms.pdf_stack([ms.scan(p, seed=41 + i) for i, p in enumerate(pages)])),
                        folders)
    number = first.cases[0]
    before = drain([number])[number]
    decide(number, actor="reviewer:a", decision=Decision.RETURN, reason=None, reason_codes=["document_missing"])

    folders.answers.mkdir(parents=True, exist_ok=True)
    drop(folders, f"answers/{number}_kaitou.jpg", ms.jpeg(ms.scan(ms.identity_page(name, born), seed=44)))
    drop(folders, "answers/no-number.jpg", ms.jpeg(ms.scan(ms.identity_page(name, born), seed=45)))
    outcomes = {o.file: o for o in drain_inbox(folders, settle_seconds=5)}
    assert outcomes[f"{number}_kaitou.jpg"].status == "processed"
    refused = outcomes["no-number.jpg"]
    assert refused.status == "refused" and Path(refused.moved_to or "").parent.parent == folders.quarantine
    assert not list(folders.answers.iterdir()) and not list((folders.work / "answers").iterdir())

    app = drain([number])[number]
    assert app.status == "awaiting_review", (app.status, app.last_error)
    assert app.declared == before.declared  # no form in the answer: every reading stays as it was
    assert not any(f["code"] == "missing_document" for f in app.flags)  # the identity document now is there
    assert any(f["code"] == "missing_document" for f in before.flags)


def test_a_correction_keeps_the_reading_flags_of_the_other_fields(db: object, folders: Folders) -> None:
    from ccus.services.review.corrections import CorrectionRefused

    name, kana, born = written_person()
    values = ms.worker_values(name, kana, born, postcode="", signature="", applied_on=date(2026, 5, 3))
    p1, p2 = ms.pages("W1", values)
    first = intake_file(drop(folders, "blank-postcode.pdf", ms.pdf_stack(
        [ms.scan(p1, seed=41), ms.scan(p2, seed=42), ms.scan(ms.identity_page(name, born), seed=43)])), folders)
    number = first.cases[0]
    app = drain([number])[number]
    assert app.status == "awaiting_review", (app.status, app.last_error)
    assert any(f["field"] == "application.postcode" for f in app.flags), app.flags
    assert any(f["field"] == "form.W1.signature" for f in app.flags), app.flags

    queue.claim(number, "reviewer:a")
    # Another field first: refused, naming the unread field that has to be set before it.
    with pytest.raises(CorrectionRefused) as refused:
        correct_field(number, path="phone", value="090-1234-0000", reason="電話で確認", actor="reviewer:a")
    assert "郵便番号" in refused.value.message

    correct_field(number, path="postcode", value="163-8001", reason="電話で確認", actor="reviewer:a")
    with unit_of_work() as session:
        flags = session.scalars(select(Application.flags).where(Application.application_number == number)).one()
    assert not any(f["field"] == "application.postcode" for f in flags), flags  # settled by the reviewer
    signature = [f for f in flags if f["field"] == "form.W1.signature"]  # the reading's other flags stay
    assert signature and signature[0]["code"] == "field_missing" and signature[0].get("zone"), flags


def test_evidence_in_a_posted_answer_replaces_the_earlier_document_of_its_kind(db: object, folders: Folders) -> None:
    from ccus.models.tables import Document

    name, kana, born = written_person()
    p1, p2 = ms.pages("W1", ms.worker_values(name, kana, born, applied_on=date(2026, 5, 4)))
    first = intake_file(drop(folders, "with-id.pdf", ms.pdf_stack(
        [ms.scan(p1, seed=51), ms.scan(p2, seed=52), ms.scan(ms.identity_page(name, born), seed=53)])), folders)
    number = first.cases[0]
    assert drain([number])[number].status == "awaiting_review"
    decide(number, actor="reviewer:a", decision=Decision.RETURN, reason="本人確認書類が不鮮明です")

    outcome = intake_answer(drop(folders, "new-id.jpg", ms.jpeg(ms.scan(ms.identity_page(name, born), seed=54))),
                            number, folders)
    assert outcome.status == "processed", outcome
    app = drain([number])[number]
    assert app.status == "awaiting_review", (app.status, app.last_error)
    with unit_of_work() as session:
        docs = session.scalars(select(Document).where(Document.application_id == app.id).order_by(Document.id)).all()
    identity = [d for d in docs if d.role == "identity_document"]
    assert len(identity) == 2, [(d.role, d.filename) for d in docs]
    old, new = identity
    assert old.superseded_by_id == new.id and old.superseded_at is not None  # kept, no longer in force
    assert new.superseded_at is None
    forms = [d for d in docs if d.role == "application_form"]
    assert forms and all(d.superseded_at is None for d in forms)  # the form is merged field by field
    photos = [d for d in docs if d.role == "face_photo"]
    assert len(photos) == 1 and photos[0].superseded_at is None  # no new form page: the photo stays


def test_a_mail_case_answered_through_the_internet_api_has_the_new_file_read(
        api: Any, folders: Folders) -> None:
    from ccus.models.tables import Document

    name, kana, born = written_person()
    pages = ms.pages("W1", ms.worker_values(name, kana, born, applied_on=date(2026, 5, 5)))
    first = intake_file(drop(folders, "no-id.pdf", ms.pdf_stack([ms.scan(p, seed=61 + i) for i, p in enumerate(pages)])),
                        folders)
    number = first.cases[0]
    before = drain([number])[number]
    assert any(f["code"] == "missing_document" for f in before.flags), before.flags
    decide(number, actor="reviewer:a", decision=Decision.RETURN, reason=None, reason_codes=["document_missing"])

    image = ms.jpeg(ms.identity_page(name, born))  # a clean photo or scan, as uploads usually are
    r = api.post(f"/api/v1/applications/{number}/documents", headers=secret_headers(number),
                 files=[("identity_document", ("menkyo.jpg", image, "image/jpeg"))])
    assert r.status_code == 200, r.text
    app = drain([number])[number]
    assert app.status == "awaiting_review", (app.status, app.last_error)
    with unit_of_work() as session:
        doc = session.scalars(select(Document).where(Document.application_id == app.id,
                                                     Document.filename == "menkyo.jpg")).one()
        assert doc.ocr_text and doc.ocr_confidence is not None, (doc.ocr_confidence, doc.role, doc.media_type)  # read like any upload
    codes = {f["code"] for f in app.flags}
    assert "missing_document" not in codes and "identity_document_unreadable" not in codes, app.flags
    assert app.declared == before.declared  # the form's readings are kept
