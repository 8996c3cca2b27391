"""The extract and validate stages for mail cases: reading paper forms zone by zone.

Extract (a batch of cases at once, so Tesseract starts once per language for the whole batch):
each page of an application or consent form is found again on its scan (registration marks, page
marker), its zones are cut out deskewed and upright, ticks and signatures are measured, and the
text zones are read; each field is normalised by its rule. Pages without a marker are turned
upright, read in full and classified by their text. The case's declared data is what was read;
every field that is missing, invalid or below its confidence becomes a flag with its reason and
its zone on the page image. Validate runs the declared-data model and turns each error into a flag
too: paper is never refused, and nothing doubtful is accepted silently.

A change / withdrawal form (様式X1) becomes the lifecycle request it asks for once read
(``services/mail_requests``). A case read before — a returned case whose answer came back — reads
only its latest envelope and merges it with what it held, staff corrections included
(``services/mail_answers`` states the rule).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from PIL import Image
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.infra import s3, scans
from ccus.infra.attachments import JPEG, PDF, pdf_text_layer
from ccus.infra.db import unit_of_work
from ccus.infra.form_reader import (
    Located,
    PageCut,
    crop,
    cut_page,
    flatten_lighting,
    locate,
    read_cuts,
    text_layer_fields,
)
from ccus.infra.ocr import detect_orientation, ocr_many
from ccus.models.application_types import DocumentRole, Kind
from ccus.models.declared import DECLARED_MODELS
from ccus.models.errors import from_validation_error
from ccus.models.flags import VALIDATION, Flag
from ccus.models.forms.catalogue import BY_KEY, KNOWN_CODES, form_for
from ccus.models.forms.classify import classify
from ccus.models.forms.normalise import Reading, normalise
from ccus.models.forms.reading import ensure_keys, field_flags, to_declared
from ccus.models.forms.spec import FieldKind, FormSpec
from ccus.models.forms.ties import tie_flags
from ccus.models.lifecycle import MAIL_LIFECYCLE_KINDS
from ccus.models.status import Status
from ccus.models.tables import Application, Document, MailSegment
from ccus.services.cases import advance
from ccus.services.operations import failures
from ccus.services.reading import paper_answers, paper_requests

log = logging.getLogger(__name__)

READ_DPI = 300
MAX_EVIDENCE_PAGES = 4  # per document, as for the internet channel
STAGE = VALIDATION


@dataclass
class _FormPage:
    app_id: int
    document_id: int
    doc_page: int
    role: str
    spec: FormSpec
    located: Located
    size: tuple[int, int]  # of the page image, px at READ_DPI
    cut: PageCut  # its zones, cut when the page was loaded: the page image is not kept
    photo: bytes | None = None  # the face photo cut from an application form (JPEG)


@dataclass
class _Case:
    app: Application
    segment: MailSegment | None
    flags: list[dict[str, Any]] = field(default_factory=list)
    readings: dict[str, dict[str, Reading]] = field(default_factory=dict)  # per document role → fields
    zones: dict[str, dict[str, Any]] = field(default_factory=dict)  # application form field → zone
    doc_text: dict[int, str] = field(default_factory=dict)
    doc_role: dict[int, str] = field(default_factory=dict)
    doc_conf: dict[int, float] = field(default_factory=dict)
    photo: bytes | None = None
    form: FormSpec | None = None
    earlier_form_pages: set[int] = field(default_factory=set)  # form pages of earlier envelopes (answered return)
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)  # document id → form read on it


def _flag(code: str, severity: str, message: str, field_path: str | None, **extra: Any) -> dict[str, Any]:
    return Flag(code, severity, message, field_path, STAGE, extra).as_dict()


def _zone(page: _FormPage, box: Any) -> dict[str, Any]:
    return {"document_id": page.document_id, "page": page.doc_page + 1, "box_mm": box.as_list(),
            "polygon_px": page.located.polygon(box), "dpi": READ_DPI, "rotation": page.located.rotation,
            "size_px": list(page.size)}


def extract(ids: list[int], actor: str) -> int:
    """Read every mail case of the batch; each case moves to ``extracted`` in its own transaction."""
    cases: dict[int, _Case] = {}
    form_pages: list[_FormPage] = []
    evidence: list[tuple[int, int, Image.Image]] = []  # (app id, document id, page image)
    text_only: list[tuple[int, int]] = []  # (app id, document id) of evidence read from a PDF text layer
    with unit_of_work() as session:
        for app_id in ids:
            app = session.get(Application, app_id)
            if app is None or app.status != Status.DOCUMENTS_STORED.value:
                continue
            # A case answered by post after a return has a segment per envelope: read the latest.
            segments = list(session.scalars(select(MailSegment).where(MailSegment.application_id == app_id)
                                            .order_by(MailSegment.id)))
            docs = {d.id: d for d in session.scalars(select(Document).where(Document.application_id == app_id))}
            session.expunge_all()
            cases[app_id] = _Case(app, segments[-1] if segments else None)
            cases[app_id].earlier_form_pages = {p["marker"]["page"] for s in segments[:-1] for p in s.pages
                                                if p.get("role") == "application_form" and p.get("marker")}
            try:
                _load(cases[app_id], docs, form_pages, evidence, text_only)
            except Exception as exc:  # noqa: BLE001 - recorded on the case: retried, or to an operator if final
                failures.record(app_id, "extract", exc)
                del cases[app_id]
    form_pages = [p for p in form_pages if p.app_id in cases]
    evidence = [e for e in evidence if e[0] in cases]

    # All form pages of the batch in one zonal read (one Tesseract run per language).
    raws = read_cuts([p.cut for p in form_pages])
    for page, page_raws in zip(form_pages, raws, strict=True):
        case = cases[page.app_id]
        key = page.role
        readings = case.readings.setdefault(key, {})
        for name, raw in page_raws.items():
            f = page.spec.field(name)
            readings[name] = normalise(f, raw)
            if key == "application_form":
                case.zones[name] = _zone(page, f.zone)
        if page.photo is not None:
            case.photo = page.photo
        if key != "application_form":
            spec = page.spec
            case.flags += field_flags(spec, {n: r for n, r in readings.items() if spec.field(n).page == page.located.marker.page},
                                      {n: _zone(page, spec.field(n).zone) for n in page_raws})
            case.doc_text[page.document_id] = case.doc_text.get(page.document_id, "") + _as_text(spec, readings)
            case.doc_conf[page.document_id] = min((r.confidence for r in readings.values()), default=0.0)
            read = case.attachments.setdefault(str(page.document_id), {"form": spec.key, "fields": {}})
            read["fields"].update({n: _stored(readings[n]) for n in page_raws})

    # Pages without a marker: upright, read in full (one run), classified by their text.
    if evidence:
        upright = []
        for _, _, image in evidence:
            turn = detect_orientation(image)
            upright.append(image.rotate(-turn, expand=True) if turn else image)
        for (app_id, doc_id, _), result in zip(evidence, ocr_many(upright, lang="jpn+eng", psm=3), strict=True):
            case = cases[app_id]
            case.doc_text[doc_id] = (case.doc_text.get(doc_id, "") + "\f" + result.text).lstrip("\f")
            case.doc_conf[doc_id] = min(case.doc_conf.get(doc_id, 100.0), result.mean_confidence)
    for app_id, doc_id in dict.fromkeys([(a, d) for a, d, _ in evidence] + [t for t in text_only if t[0] in cases]):
        case = cases[app_id]
        role, _found = classify(case.doc_text.get(doc_id, ""))
        case.doc_role[doc_id] = role or DocumentRole.OTHER.value
        if role is None:
            case.flags.append(_flag("unclassified_page", "warn",
                                    "種類を判別できない書類のページがあります。審査担当者が確認してください。",
                                    "attachments.other", zone={"document_id": doc_id, "page": 1}))

    done = 0
    for app_id, case in cases.items():
        try:
            with unit_of_work() as session:
                _finish(session, case, actor)
            done += 1
        except Exception as exc:  # noqa: BLE001 - one bad case must not stop the batch
            failures.record(app_id, "extract", exc)
    return done


def _load(case: _Case, docs: dict[int, Document], form_pages: list[_FormPage],
          evidence: list[tuple[int, int, Image.Image]], text_only: list[tuple[int, int]]) -> None:
    pages = case.segment.pages if case.segment else []
    blobs: dict[int, bytes] = {}
    layers: dict[int, list[str]] = {}
    evidence_count: dict[int, int] = {}
    for p in pages:
        doc = docs.get(p.get("document_id") or -1)
        if doc is None:
            continue
        if doc.id not in blobs:
            blobs[doc.id] = s3.get_bytes(doc.s3_key)
        marker = p.get("marker")
        if marker is None and doc.media_type == PDF and doc.id not in layers:
            layers[doc.id] = pdf_text_layer(blobs[doc.id])  # a PDF with a text layer needs no OCR
        if marker is None and any(t.strip() for t in layers.get(doc.id, [])):
            case.doc_text[doc.id] = "\f".join(layers[doc.id])
            case.doc_conf[doc.id] = 100.0
            text_only.append((case.app.id, doc.id))
            continue
        if marker is None:
            if evidence_count.get(doc.id, 0) < MAX_EVIDENCE_PAGES:
                evidence_count[doc.id] = evidence_count.get(doc.id, 0) + 1
                page = flatten_lighting(scans.page_image(blobs[doc.id], doc.media_type, p["doc_page"], 200))
                evidence.append((case.app.id, doc.id, page))
            continue
        image = scans.page_image(blobs[doc.id], doc.media_type, p["doc_page"], READ_DPI)
        spec = form_for(marker["code"], marker["version"])
        known = KNOWN_CODES.get(marker["code"])
        title = known.title if known else f"様式コード{marker['code']}"
        if spec is None:
            case.flags.append(_flag(
                "unknown_form_version", "block",
                f"{title}（様式{known.key if known else '?'} 第{marker['version']}版）は登録されていない版のため、"
                "記入欄を読み取れません。申請書の画像を見て内容を入力してください。",
                "application" if p["role"] == "application_form" else f"attachments.{p['role']}",
                zone={"document_id": doc.id, "page": p["doc_page"] + 1}))
            continue
        if p["role"] == "application_form":
            case.form = spec
        located = locate(image)
        if located is None or located.marker.code != marker["code"]:
            case.flags.append(_flag("form_page_unreadable", "block",
                                    f"{spec.title} {marker['page']}ページの位置合わせができず、読み取れませんでした。",
                                    "application", zone={"document_id": doc.id, "page": p["doc_page"] + 1}))
            continue
        layer = None
        if doc.media_type == PDF:
            words = ocr_words(blobs[doc.id], p["doc_page"])
            if words:
                layer = text_layer_fields(words, located, READ_DPI, spec.pages[located.marker.page - 1])
        page_spec = spec.pages[located.marker.page - 1]
        cut = cut_page(image, located, page_spec, layer)  # the page's zones, now: the page is not kept
        photo = None
        if p["role"] == "application_form":
            for f in page_spec.fields:
                if f.kind is FieldKind.PHOTO and cut.ink(f.name) > 0.2:
                    buf = io.BytesIO()
                    crop(image, located, f.box.inset(0.8), dpi=READ_DPI).save(buf, "JPEG", quality=90)
                    photo = buf.getvalue()
        form_pages.append(_FormPage(case.app.id, doc.id, p["doc_page"], p["role"], spec, located, image.size, cut, photo))
        del image
    if case.form is None and case.segment and case.segment.form_key:
        case.form = None  # unknown version: flagged above
    application_pages = {p["marker"]["page"] for p in pages if p.get("role") == "application_form" and p.get("marker")}
    application_pages |= case.earlier_form_pages
    main = next((p["marker"] for p in pages if p.get("role") == "application_form" and p.get("marker")), None)
    if main is not None:
        missing = sorted(set(range(1, main["pages"] + 1)) - application_pages)
        if missing:
            case.flags.append(_flag("form_page_missing", "block",
                                    f"申請書の {', '.join(map(str, missing))} ページ目（全{main['pages']}ページ）がありません。",
                                    "application"))


def ocr_words(pdf: bytes, index: int) -> list[tuple[float, float, float, float, str]]:
    """The words of a PDF page's text layer (pdfplumber), in points; [] for a scanned page."""
    import pdfplumber

    if not scans.page_has_text(pdf, index):  # a scanned page: pdfplumber would parse it for nothing
        return []

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[index]
        return [(w["x0"], w["top"], w["x1"], w["bottom"], w["text"]) for w in page.extract_words(keep_blank_chars=False)]


def _stored(r: Reading) -> dict[str, Any]:
    return {"value": r.value, "status": r.status, "read": r.raw, "confidence": round(r.confidence, 1),
            "reason": r.reason}


def _as_text(spec: FormSpec, readings: dict[str, Reading]) -> str:
    """A consent form's readings as text, for the consent stage's comparisons."""
    lines = [spec.title]
    for f in spec.fields():
        r = readings.get(f.name)
        if r is None or r.value in (None, ""):
            continue
        value = r.value
        if f.kind is FieldKind.DATE:
            d = date.fromisoformat(str(value))
            value = f"{d.year}年{d.month}月{d.day}日 ({r.raw})"
        lines.append(f"{f.label} {value}")
    return "\n".join(lines) + "\n"


def _finish(session: Session, case: _Case, actor: str) -> None:
    app = session.get(Application, case.app.id, with_for_update=True)
    if app is None or app.status != Status.DOCUMENTS_STORED.value:
        return
    readings = case.readings.get("application_form", {})
    flags = list(case.flags)
    zones = case.zones
    outcome: dict[str, str] = {}
    previous = (app.extracted or {}).get("mail") or {}
    if previous.get("fields"):  # read before and resumed (an answered return): merge, keep staff corrections
        form = case.form or BY_KEY.get(previous.get("form") or "")
        merged = paper_answers.merge(session, app.id, app.declared, form, readings, case.zones, previous)
        declared, readings, zones, outcome = merged.declared, merged.readings, merged.zones, merged.outcome
        flags = merged.flags + flags
        if form is not None:  # an answered page 2 must tie to the page 1 read before, too
            flags += tie_flags(form, readings, zones)
    elif case.form is not None:
        declared = to_declared(case.form, readings)
        # Each later page must prove it belongs with page 1 (its identity row): never merged silently.
        flags = field_flags(case.form, readings, case.zones) + tie_flags(case.form, readings, case.zones) + flags
    else:
        declared = ensure_keys(app.kind, {})
    answer: dict[str, list[int]] = {}  # role → documents of a posted answer, which replace the earlier ones
    answer_ids = {p.get("document_id") for p in case.segment.pages} if previous.get("fields") and case.segment else set()
    for doc in session.scalars(select(Document).where(Document.application_id == app.id).order_by(Document.id)):
        if doc.id in case.doc_role and doc.role == DocumentRole.OTHER.value:
            doc.role = case.doc_role[doc.id]
        if doc.id in case.doc_text:
            doc.ocr_text = case.doc_text[doc.id]
            doc.ocr_confidence = case.doc_conf.get(doc.id)
        if doc.id in answer_ids and doc.role != DocumentRole.APPLICATION_FORM.value:  # form pages merge by field
            answer.setdefault(doc.role, []).append(doc.id)
    if case.photo is not None:
        photo = _photo_document(session, app.id, case.photo, replace=bool(answer_ids))
        if photo is not None:
            answer[DocumentRole.FACE_PHOTO.value] = [photo]
    if answer:
        from ccus.services.intake.resubmission import replace_documents

        replace_documents(session, app.id, answer)
    app.declared = declared
    if app.kind in MAIL_LIFECYCLE_KINDS:  # 様式X1: the change or withdrawal it asks for
        flags += paper_requests.resolve(session, app, case.form or BY_KEY[paper_requests.FORM_KEY], readings, zones)
    app.extracted = {"mail": {
        "form": case.form.key if case.form else (previous.get("form") or (case.segment.form_key if case.segment else None)),
        "fields": {name: {"value": r.value, "status": r.status, "read": r.raw, "confidence": round(r.confidence, 1),
                          "reason": r.reason, "zone": zones.get(name),
                          **({"correction": outcome[name]} if name in outcome else {})}
                   for name, r in readings.items()},
        "flags": flags,
        "attachments": case.attachments,  # the consent forms as read here: the consent stage checks them
    }}
    advance(session, app, Status.EXTRACTED, actor=actor,
            reason=f"form read: {sum(1 for r in readings.values() if r.ok)}/{len(readings)} field(s) clean, "
                   f"{len(flags)} flag(s)" + (f"; request: {app.kind}" if app.kind in MAIL_LIFECYCLE_KINDS else ""))


def _photo_document(session: Session, app_id: int, photo: bytes, *, replace: bool) -> int | None:
    """The face photo cut from the form, stored once. Returns its document id when it should
    replace the case's current photo: on a posted answer, a photo that differs from the current one."""
    import hashlib

    digest = hashlib.sha256(photo).hexdigest()
    s3.put_if_absent(s3.document_key(digest), photo, JPEG)
    current = session.scalars(select(Document).where(
        Document.application_id == app_id, Document.role == DocumentRole.FACE_PHOTO.value, Document.current())
        .order_by(Document.id)).first()
    if current is not None and (not replace or current.sha256 == digest):
        return None
    same = session.scalars(select(Document.id).where(  # an earlier photo sent again: in force once more
        Document.application_id == app_id, Document.role == DocumentRole.FACE_PHOTO.value,
        Document.sha256 == digest)).first()
    if same is not None:
        return same
    doc = Document(application_id=app_id, role=DocumentRole.FACE_PHOTO.value, s3_key=s3.document_key(digest),
                   sha256=digest, size=len(photo), media_type=JPEG, pages=1, filename="face-photo-from-form.jpg")
    session.add(doc)
    session.flush()
    return doc.id if current is not None else None


# --- validation ---------------------------------------------------------------------------------

def model_flags(app: Application) -> list[dict[str, Any]]:
    """The reading flags, then every error of the declared-data model as a flag (one per field:
    a field already flagged by the reading is not flagged twice)."""
    mail = (app.extracted or {}).get("mail", {})
    flags: list[dict[str, Any]] = list(mail.get("flags", []))
    flagged = {f.get("field") for f in flags}
    fields = mail.get("fields", {})
    spec = next((f for f in KNOWN_CODES.values() if f.key == mail.get("form")), None)
    if app.kind not in DECLARED_MODELS:  # a lifecycle request (様式X1): its flags are all the reading's
        return flags
    try:
        DECLARED_MODELS[app.kind].model_validate(app.declared)
    except ValidationError as exc:
        for error in from_validation_error(exc):
            path = error.path
            if path in flagged or any(path.startswith(f"{p}.") for p in flagged if p):
                continue
            flagged.add(path)
            f = spec.field_for_path(path.removeprefix("application.")) if spec else None
            label = f"「{f.label}」" if f else ""
            flags.append(_flag("declared_invalid", "block", f"{label}{error.message}", path,
                               reason=error.message, zone=fields.get(f.name, {}).get("zone") if f else None))
    return flags


def needs_operator(app: Application) -> str | None:
    """Why a mail case cannot go on to the automatic consent check, if it cannot: a proxy
    application whose birth date could not be read (the consent check compares it)."""
    if app.kind == Kind.PROXY_WORKER_REGISTRATION.value:
        try:
            date.fromisoformat(str(app.declared.get("birth_date") or ""))
        except ValueError:
            return "代行申請の生年月日が読み取れないため、同意書の照合ができません。担当者が入力してください。"
    return None
