"""The internet channel against the real stack: what is accepted, what is refused, and that a
refusal stores nothing while other applications go on."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from ccus import sample_applications as samples
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models.identifiers import application_number_is_valid
from ccus.models.tables import Application, Document
from ccus.services.cases import history
from tests.support.applicant import with_secret
from tests.support.factories import corporate_number

pytestmark = pytest.mark.integration


def _counts() -> tuple[int, int]:
    with unit_of_work() as session:
        return (session.scalar(select(func.count()).select_from(Application)) or 0,
                session.scalar(select(func.count()).select_from(Document)) or 0)


def _post(api: Any, sample: samples.SampleApplication, key: str | None = None,
          files: list[Any] | None = None, fields: dict[str, str] | None = None) -> Any:
    f, fl = samples.multipart(sample)
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/api/v1/applications", data=fields or f, files=fl if files is None else files, headers=headers)


def test_business_application_is_stored_with_its_documents_and_answers_its_number(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    r = _post(api, sample)
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    assert application_number_is_valid(number)
    status = api.get(f"/api/v1/applications/{number}", headers=with_secret(r.json()["answer_secret"])).json()
    assert status["status"] == "documents_stored"
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        docs = session.scalars(select(Document).where(Document.application_id == app.id)).all()
        assert [h.to_status for h in history(session, app.id)] == ["received", "documents_stored"]
    assert sorted(d.role for d in docs) == ["insurance_proof", "registry_extract"]
    for d in docs:
        original = next(f for f in sample.files if f.role == d.role)
        assert s3.get_bytes(d.s3_key) == original.data
        assert d.size == len(original.data)


def test_retried_request_with_same_idempotency_key_returns_the_first_case(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    first = _post(api, sample, key="retry-test-1")
    before = _counts()
    second = _post(api, sample, key="retry-test-1")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["application_number"] == second.json()["application_number"]
    assert _counts() == before


def test_idempotency_key_reused_for_another_request_is_refused(api: Any) -> None:
    _post(api, samples.business(corporate_number=corporate_number()), key="retry-test-2")
    r = _post(api, samples.business(corporate_number=corporate_number()), key="retry-test-2")
    assert r.status_code == 409
    assert "Idempotency-Key" in r.json()["detail"]


def _errors(r: Any) -> dict[str, str]:
    assert r.status_code == 422, r.text
    return {e["path"]: e["message"] for e in r.json()["errors"]}


def test_malformed_json_is_refused_naming_the_application_part(api: Any) -> None:
    before = _counts()
    r = _post(api, samples.business(), fields={"application": '{"kind": "business_registration", "data": {'})
    errs = _errors(r)
    assert "application" in errs and "JSON" in errs["application"]
    assert _counts() == before


def test_unknown_and_missing_fields_are_named(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    data = dict(sample.data, favourite_colour="青")
    del data["phone"]
    envelope = json.dumps({"kind": sample.kind, "data": data}, ensure_ascii=False)
    errs = _errors(_post(api, sample, fields={"application": envelope}))
    assert errs["application.favourite_colour"].startswith("この項目は受け付けられません")
    assert errs["application.phone"] == "必須項目です。"


def test_wrong_corporate_number_check_digit_is_refused_in_japanese(api: Any) -> None:
    good = corporate_number()
    bad = str((int(good[0]) + 1) % 10) + good[1:]
    before = _counts()
    errs = _errors(_post(api, samples.business(corporate_number=bad)))
    assert "法人番号" in errs["application.corporate_number"]
    assert _counts() == before


@pytest.mark.parametrize(
    ("payload", "filename", "code"),
    [
        (b"", "touki.pdf", "empty"),
        (b"just some text, not a scan", "hoken.jpg", "type_mismatch"),
    ],
)
def test_bad_attachment_is_refused_and_nothing_is_stored(api: Any, payload: bytes, filename: str, code: str) -> None:
    sample = samples.business(corporate_number=corporate_number())
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files]
    role = "registry_extract" if filename.endswith(".pdf") else "insurance_proof"
    files = [x for x in files if x[0] != role] + [(role, (filename, payload, "application/octet-stream"))]
    before = _counts()
    r = _post(api, sample, files=files)
    assert r.status_code == 422, r.text
    err = next(e for e in r.json()["errors"] if e["path"] == f"attachments.{role}")
    assert err["code"] in {code, "unsupported_type"}
    assert filename in err["message"]
    assert _counts() == before


def test_truncated_image_is_refused(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    jpeg = next(f for f in sample.files if f.role == "insurance_proof").data
    files = [(f.role, (f.filename, f.data if f.role != "insurance_proof" else jpeg[: len(jpeg) // 2],
                       f.content_type)) for f in sample.files]
    r = _post(api, sample, files=files)
    assert r.status_code == 422
    assert {e["code"] for e in r.json()["errors"]} == {"corrupt"}


def test_missing_required_document_is_named(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files if f.role != "registry_extract"]
    errs = _errors(_post(api, sample, files=files))
    assert "登記事項証明書" in errs["attachments.registry_extract"]


def test_file_far_larger_than_any_document_is_refused(api: Any, db: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    huge = b"%PDF-1.7\n" + b"0" * (db.max_attachment_bytes + 10)
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files if f.role != "registry_extract"]
    files.append(("registry_extract", ("huge.pdf", huge, "application/pdf")))
    before = _counts()
    r = _post(api, sample, files=files)
    assert r.status_code in (413, 422)
    assert _counts() == before


def test_unknown_attachment_role_is_refused(api: Any) -> None:
    sample = samples.business(corporate_number=corporate_number())
    files = [(f.role, (f.filename, f.data, f.content_type)) for f in sample.files]
    files.append(("selfie", ("me.jpg", sample.files[1].data, "image/jpeg")))
    errs = _errors(_post(api, sample, files=files))
    assert "attachments.selfie" in errs


def test_refusals_do_not_disturb_other_applications(api: Any) -> None:
    bad = _post(api, samples.business(), fields={"application": "not json"})
    good = _post(api, samples.business(corporate_number=corporate_number()))
    assert bad.status_code == 422 and good.status_code == 201


def test_unknown_application_number_is_refused_like_a_stranger_asking(api: Any) -> None:
    assert api.get("/api/v1/applications/26-9999999-0", headers=with_secret("a" * 43)).status_code == 401


def test_an_unevenly_lit_scan_of_the_licence_is_read(api: Any) -> None:
    """A licence copy scanned on an A4 sheet, a quarter darker at one edge, grainy, JPEG: under a
    global threshold its page read as nothing (flagged unreadable, name and birth date not found);
    evened out first, as the mail channel does, the name and birth date are found."""
    from dataclasses import replace

    from ccus import mail_samples as ms
    from tests.support.factories import written_person
    from tests.support.web import drain_pipeline

    name, kana, born = written_person()
    scan = ms.jpeg(ms.scan(ms.identity_page(name, born), seed=2, skew=0.6), quality=80)
    sample = samples.worker(name=name, kana=kana, birth_date=born, email=None)
    sample = replace(sample, files=[replace(f, data=scan, filename="menkyo-scan.jpg") if f.role == "identity_document"
                                    else f for f in sample.files])
    r = _post(api, sample)
    assert r.status_code == 201, r.text
    number = r.json()["application_number"]
    drain_pipeline()
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == number)).one()
        [doc] = session.scalars(select(Document).where(Document.application_id == app.id,
                                                       Document.role == "identity_document"))
        codes = {f["code"] for f in app.flags}
        text, confidence = doc.ocr_text or "", doc.ocr_confidence
    assert app.status == "awaiting_review"
    assert "".join(name.split()) in "".join(text.split()), text
    assert not codes & {"identity_name_mismatch", "identity_birth_date_mismatch", "identity_document_unreadable"}, codes
    assert confidence is not None and confidence > 60
