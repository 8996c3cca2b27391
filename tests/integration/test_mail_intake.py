"""Postal intake against the real stack (S3, PostgreSQL) and the real Tesseract: filled, scanned
forms are split, stored, read zone by zone and flagged; bad files end in quarantine with a reason."""

from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reportlab.pdfgen import canvas
from sqlalchemy import select

from ccus import mail_samples as ms
from ccus.infra import s3
from ccus.infra.db import unit_of_work
from ccus.models.status import PIPELINE_NEXT
from ccus.models.tables import Application, Document, MailBatch
from ccus.services.intake.postal import Folders, drain_inbox, intake_file
from ccus.services.operations import lease
from ccus.services.reading import pipeline
from tests.support.factories import corporate_number, written_person

pytestmark = pytest.mark.integration


def drain(numbers: list[str]) -> dict[str, Application]:
    """Run the automatic stages directly until nothing moves; the cases of ``numbers``."""
    for _ in range(10):
        moved = 0
        for status in PIPELINE_NEXT:
            ids = lease.claim(status, worker="test-mail", limit=50)
            if ids:
                moved += pipeline.STAGES[status](ids, f"pipeline:{status.value}")
        if not moved:
            break
    with unit_of_work() as session:
        apps = session.scalars(select(Application).where(Application.application_number.in_(numbers))).all()
        return {a.application_number: a for a in apps}


def documents(app_id: int) -> list[Document]:
    with unit_of_work() as session:
        return list(session.scalars(select(Document).where(Document.application_id == app_id).order_by(Document.id)))


def flags_by_field(app: Application) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for f in app.flags:
        out.setdefault(f.get("field") or "", []).append(f)
    return out


@pytest.fixture()
def folders(tmp_path: Path) -> Folders:
    return Folders(tmp_path / "scanner").create()


def drop(folders: Folders, name: str, data: bytes) -> Path:
    path = folders.inbox / name
    path.write_bytes(data)
    os.utime(path, (1, 1))  # long unchanged: ready to take
    return path


def test_scanned_worker_form_is_read_with_an_upside_down_page(db: object, folders: Folders) -> None:
    name, kana, born = "中村 健一", "ナカムラ ケンイチ", date(1979, 11, 3)  # fixed: an exact reading is asserted
    values = ms.worker_values(name, kana, born)
    p1, p2 = ms.pages("W1", values)
    stack = [ms.scan(p1, skew=-2.5, seed=1), ms.scan(p2, skew=2.0, seed=2, turn=180),
             ms.scan(ms.identity_page(name, born), skew=1.0, seed=3)]
    outcome = intake_file(drop(folders, "envelope-001.pdf", ms.pdf_stack(stack)), folders)
    assert outcome.status == "processed" and len(outcome.cases) == 1, outcome
    assert Path(outcome.moved_to or "").parent.parent == folders.processed
    assert not (folders.inbox / "envelope-001.pdf").exists()

    app = drain(outcome.cases)[outcome.cases[0]]
    assert app.channel == "mail" and app.kind == "worker_registration"
    assert app.status == "awaiting_review", (app.status, app.last_error)
    d = app.declared
    assert d["name"] == name.replace(" ", "") and d["name_kana"] == kana.replace(" ", "")
    assert d["birth_date"] == born.isoformat()
    assert d["postcode"] == "163-8001" and d["phone"] == "090-1234-5678"
    assert d["health_insurance"] == {"kind": "association", "insurer_number": "01130012"}
    assert d["employment_insurance_number"] == "1234-567890-1" and d["sex"] == "male"
    assert d["identity_document_type"] == "drivers_licence" and d["pension"] == "employees"
    blocking = [f for f in app.flags if f["severity"] == "block"]
    assert not blocking, blocking
    fields = app.extracted["mail"]["fields"]
    assert fields["name"]["zone"]["page"] == 1 and fields["trade"]["zone"]["rotation"] == 180
    roles = sorted(doc.role for doc in documents(app.id))
    assert roles == ["application_form", "face_photo", "identity_document"]


def test_stack_with_a_separator_makes_two_cases_and_flags_what_is_wrong(db: object, folders: Folders) -> None:
    name, kana, born = written_person()
    number = corporate_number()
    last = int(number[-1])
    bad_number = number[:-1] + str(last + 1 if last < 8 else last - 1)  # one digit off: the check fails
    worker = ms.pages("W1", ms.worker_values(name, kana, born, postcode="", signature=""))
    business = ms.pages("B1", ms.business_values(f"株式会社{name.split()[0]}建設", bad_number))
    stack = [ms.scan(p, seed=i) for i, p in enumerate([*worker, ms.separator(), business[1], business[0]])]
    outcome = intake_file(drop(folders, "stack.tif", ms.tiff_stack(stack)), folders)
    assert outcome.status == "processed" and len(outcome.cases) == 2, outcome
    apps = drain(outcome.cases)
    w, b = (apps[n] for n in outcome.cases)
    assert (w.kind, b.kind) == ("worker_registration", "business_registration")
    assert w.status == b.status == "awaiting_review"
    wf = flags_by_field(w)
    assert wf["application.postcode"][0]["code"] == "field_missing"
    assert wf["application.postcode"][0]["zone"]["box_mm"]
    assert any(f["code"] == "field_missing" and "署名" in f["message"] for f in wf["form.W1.signature"])
    bf = flags_by_field(b)
    corp = bf["application.corporate_number"][0]
    assert corp["code"] == "field_invalid" and corp["severity"] == "block" and "チェックデジット" in corp["reason"]
    assert corp["zone"]["page"] == 1 and len(corp["zone"]["polygon_px"]) == 4
    # the duplicate check could not look the 法人番号 up, and says so
    assert any(f["code"] == "duplicate_check_incomplete" for f in bf["application.corporate_number"])
    assert sorted(b.declared["trades"]) == ["とび・土工工事業", "大工工事業"] and b.declared["capital_yen"] == 10_000_000
    form = next(d for d in documents(b.id) if d.role == "application_form")
    assert form.pages == 2 and s3.exists(form.s3_key)


def test_same_file_dropped_twice_makes_one_case(db: object, folders: Folders) -> None:
    name, kana, born = written_person()
    data = ms.pdf_stack([ms.scan(p, seed=7) for p in ms.pages("W1", ms.worker_values(name, kana, born))])
    first = intake_file(drop(folders, "a.pdf", data), folders)
    second = intake_file(drop(folders, "a-again.pdf", data), folders)
    assert first.status == "processed" and second.status == "duplicate"
    assert second.cases == first.cases and len(first.cases) == 1
    with unit_of_work() as session:
        assert session.scalar(select(MailBatch.status).where(MailBatch.filename == "a.pdf")) == "done"
    assert len(list((folders.processed).rglob("a*.pdf"))) == 2  # both kept, nothing deleted


def _pdf(pages: int, encrypt: object = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=encrypt, invariant=1)
    for i in range(pages):
        c.drawString(72, 720, f"page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _bomb_png(width: int = 30_000, height: int = 30_000) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_bad_files_go_to_quarantine_with_a_reason_and_intake_goes_on(db: object, folders: Folders) -> None:
    name, kana, born = written_person()
    good = ms.jpeg(ms.scan(ms.pages("W1", ms.worker_values(name, kana, born))[0], seed=5))
    cut = _pdf(1)
    bad = {
        "empty.pdf": b"",
        "cut.pdf": cut[: len(cut) // 2],
        "locked.pdf": _pdf(1, encrypt="secret"),
        "bomb.png": _bomb_png(),
        "not-really.pdf": b"PK\x03\x04 a zip archive, not a PDF" * 10,
        "huge.pdf": _pdf(500),
        "evidence-only.jpg": ms.jpeg(ms.identity_page(name, born)),
    }
    for n, data in bad.items():
        drop(folders, n, data)
    drop(folders, "good.jpg", good)
    drop(folders, ".partial.pdf", b"%PDF-")  # hidden: still being written, not taken
    outcomes = {o.file: o for o in drain_inbox(folders, settle_seconds=5)}
    assert set(outcomes) == {*bad, "good.jpg"}
    expected = {"empty.pdf": "empty", "cut.pdf": "corrupt", "locked.pdf": "encrypted_pdf",
                "bomb.png": "decompression_bomb", "not-really.pdf": "type_mismatch", "huge.pdf": "too_many_pages",
                "evidence-only.jpg": "no_application"}
    for n, code in expected.items():
        o = outcomes[n]
        assert o.status == "quarantined" and (o.reason or "").startswith(code), (n, o)
        note = Path(o.moved_to or "").with_name(Path(o.moved_to or "").name + ".txt").read_text(encoding="utf-8")
        assert "隔離理由" in note and code in note
    assert outcomes["good.jpg"].status == "processed" and len(outcomes["good.jpg"].cases) == 1
    assert (folders.inbox / ".partial.pdf").exists()
    assert not list(folders.work.iterdir())
    app = drain(outcomes["good.jpg"].cases)[outcomes["good.jpg"].cases[0]]
    assert any(f["code"] == "form_page_missing" for f in app.flags)  # page 2 of 2 was not in the envelope


def test_page_2s_swapped_between_two_envelopes_are_flagged_not_merged(db: object, folders: Folders) -> None:
    """Two forms filled at one desk, their page 2 swapped: each case holds the other applicant's
    page 2, every field of it read cleanly; only its identity row tells (issue 12, item 6)."""
    a = ms.pages("W1", ms.worker_values("中村 健一", "ナカムラ ケンイチ", date(1979, 11, 3)))
    b = ms.pages("W1", ms.worker_values("五十嵐 陸斗", "イガラシ リクト", date(1992, 6, 21), trade="型枠大工"))
    stack = [ms.scan(p, seed=20 + i) for i, p in enumerate([a[0], b[1], ms.separator(), b[0], a[1]])]
    outcome = intake_file(drop(folders, "swapped.pdf", ms.pdf_stack(stack)), folders)
    assert outcome.status == "processed" and len(outcome.cases) == 2, outcome
    apps = drain(outcome.cases)
    for number in outcome.cases:
        app = apps[number]
        assert app.status == "awaiting_review", (app.status, app.last_error)
        [tie] = [f for f in app.flags if f["code"] == "form_page_mismatch"]
        assert tie["severity"] == "block" and tie["page"] == 2 and tie["zone"]["page"] == 2
        assert tie["message"].startswith("2ページ目の氏名・生年月日が1ページ目と一致しません。")


def test_form_of_an_unknown_version_is_flagged_not_misread(db: object, folders: Folders) -> None:
    name, kana, born = written_person()
    old = ms.pages("W1", ms.worker_values(name, kana, born), version=9)
    outcome = intake_file(drop(folders, "old-form.pdf", ms.pdf_stack([ms.scan(p, seed=9) for p in old])), folders)
    assert outcome.status == "processed" and len(outcome.cases) == 1
    app = drain(outcome.cases)[outcome.cases[0]]
    assert app.status == "awaiting_review" and app.kind == "worker_registration"
    codes = {f["code"] for f in app.flags}
    assert "unknown_form_version" in codes
    assert app.declared["name"] == ""  # nothing read with zones that may be wrong
    assert any("第9版" in f["message"] for f in app.flags)


def test_counter_submission_uses_the_internet_intake_service(db: object) -> None:
    """The counter page is not built yet; the service it will call already takes counter cases."""
    from ccus import sample_applications as sa
    from ccus.models.application_types import Channel
    from ccus.services.intake.submission import IncomingFile, submit

    name, kana, born = written_person()
    sample = sa.worker(name=name, kana=kana, birth_date=born)
    result = submit(kind=sample.kind, channel=Channel.COUNTER, declared=sample.data,
                    files=[IncomingFile(f.role, f.filename, f.content_type, f.data) for f in sample.files],
                    idempotency_key=None, actor="clerk:test")
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(
            Application.application_number == result.application_number)).one()
    assert app.channel == "counter" and result.created
    assert date.fromisoformat(app.declared["birth_date"]) == born


def test_the_flow_takes_the_watched_inbox_and_reads_what_it_took(db: object, folders: Folders) -> None:
    from ccus.flows.mail_intake import mail_intake

    name, kana, born = written_person()
    page = ms.pages("W1", ms.worker_values(name, kana, born))[0]
    drop(folders, "desk-scan.jpg", ms.jpeg(ms.scan(page, seed=11)))
    summary = mail_intake(root=str(folders.root), settle_seconds=0)
    assert summary["processed"] == 1 and len(summary["cases"]) == 1
    assert summary["pipeline"]["documents_stored"] >= 1
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == summary["cases"][0])).one()
    assert app.status == "awaiting_review" and app.declared["birth_date"] == born.isoformat()
    assert not list(folders.inbox.iterdir()) and not list(folders.work.iterdir())


def test_unreadable_values_reach_review_with_the_checks_they_prevented_flagged(db: object, folders: Folders) -> None:
    """A proxy form whose reading, filer ID, employer ID and relation are blank (as paper that
    could not be read leaves them): the consent and duplicate stages do not crash, do not match on
    empty values, and say which check could not be made."""
    name, kana, born = written_person()
    values = ms.worker_values(name, "", born, employer_business_id="", proxy=("", ""), relation=None)
    consent = ms.consent_values(name, kana, born, "株式会社元請建設", "", "株式会社元請建設")
    stack = [ms.scan(p, seed=20 + i) for i, p in enumerate([*ms.pages("W2", values), *ms.pages("C1", consent)])]
    twin = ms.pdf_stack([ms.scan(p, seed=30 + i) for i, p in enumerate(ms.pages("W2", {**values, "name": "別人 次郎"}))])
    first = intake_file(drop(folders, "blank-ids.pdf", ms.pdf_stack(stack)), folders)
    second = intake_file(drop(folders, "blank-ids-2.pdf", twin), folders)  # another unreadable reading, same birth date
    apps = drain(first.cases + second.cases)
    app = apps[first.cases[0]]
    assert app.status == "awaiting_review", (app.status, app.last_error)
    assert app.declared["name_kana"] == "" and app.declared["proxy"]["filer_business_id"] is None
    by_code: dict[str, list[dict[str, Any]]] = {}
    for f in app.flags:
        by_code.setdefault(f["code"], []).append(f)
    unchecked = {f["field"] for f in by_code["consent_not_checked"]}
    assert unchecked == {"application.proxy.filer_business_id", "application.employer_business_id",
                         "application.proxy.relation"}
    assert all(f["severity"] == "block" and "読み取れない" in f["message"] for f in by_code["consent_not_checked"])
    assert "proxy_not_registered" not in by_code and "employer_consent_missing" not in by_code
    [dup] = by_code["duplicate_check_incomplete"]
    assert "フリガナ" in dup["message"] and dup["stage"] == "duplicate"
    assert "duplicate_in_flight" not in by_code  # two empty readings are not the same person
    kana_check = next(c for c in app.extracted["consent"] if c["name"] == "worker_name_kana")
    assert not kana_check["passed"] and "読み取れない" in kana_check["reason"]
    assert apps[second.cases[0]].status == "awaiting_review"
    # The consent stage checked the consent form as the extract stage read it (no second OCR).
    [doc] = [(d.id, d.role, d.s3_key, d.media_type) for d in documents(app.id) if d.role == "worker_consent"]
    stored = pipeline.read_at_extract([app.id], [doc])[doc[0]]
    assert stored.form_key == "C1" and stored.readings["proxy_business_id"].status == "missing"
    assert {c["document_id"] for c in app.extracted["consent"]} == {doc[0]}
