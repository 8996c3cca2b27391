"""The automatic stages between intake and review: extraction, validation, consent, duplicates.

Each stage function takes a batch of claimed case ids, does its work, and moves each case on in
its own transaction. A failure of one case is recorded on that case (it stays in its stage and is
retried); the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.attachments import page_images, pdf_text_layer
from ccus.infra.db import unit_of_work
from ccus.infra.form_reader import flatten_lighting
from ccus.infra.ocr import ocr_many
from ccus.models import checks
from ccus.models.application_types import Channel, DocumentRole, Kind
from ccus.models.checks import CONSENT_ROLES, ConsentReading
from ccus.models.evidence import DocumentText
from ccus.models.flags import (
    CONSENT,
    DUPLICATE,
    Extracted,
    Flag,
    dump_extracted,
    dump_flags,
    extracted_documents,
    load_extracted,
    mail_fields,
    replace_stage,
)
from ccus.models.lifecycle import REGISTRATION_KINDS
from ccus.models.status import Status
from ccus.models.tables import Application, Business, Document, MailSegment, Worker
from ccus.services.cases import advance
from ccus.services.operations import failures

log = logging.getLogger(__name__)

# Documents read whole here: a face photo carries no text, and the pages of a mail application
# form are read zone by zone (services/reading/paper.py).
READ_ROLES = {r.value for r in DocumentRole} - {DocumentRole.FACE_PHOTO.value, DocumentRole.APPLICATION_FORM.value}
MAX_OCR_PAGES_PER_DOCUMENT = 4


def _each(ids: list[int], stage: str, fn: Callable[[Session, Application], None]) -> int:
    done = 0
    for app_id in ids:
        try:
            with unit_of_work() as session:
                app = session.get(Application, app_id, with_for_update=True)
                if app is None:
                    continue
                fn(session, app)
            done += 1
        except Exception as exc:  # noqa: BLE001 - one bad case must not stop the batch
            failures.record(app_id, stage, exc)  # retried later, or to an operator if final
    return done


# Extraction (OCR / text layer) ---------------------------------------------------------------

def extract(ids: list[int], actor: str) -> int:
    """Read every readable document of the batch: PDF text layers directly, the other pages with
    Tesseract in one process for the whole batch (its start-up dominates short pages). Mail cases
    are read zone by zone from their forms (``services/mail_reading``)."""
    with unit_of_work() as session:
        mail_ids = set(session.scalars(select(Application.id).where(
            Application.id.in_(ids), Application.channel == Channel.MAIL.value)))
        # Files a mail case received through the internet API (an answer to a return) are in no
        # envelope: they are read here like any upload, before the zonal reading of the case.
        scanned = {p.get("document_id") for pages in session.scalars(
            select(MailSegment.pages).where(MailSegment.application_id.in_(mail_ids))) for p in pages}
        docs = list(session.scalars(select(Document).where(
            Document.application_id.in_(ids), Document.role.in_(READ_ROLES), Document.ocr_text.is_(None),
            Document.current()).order_by(Document.id)))
        docs = [d for d in docs if d.application_id not in mail_ids or d.id not in scanned]
        session.expunge_all()
    failed = _read_documents(docs)
    done = 0
    if mail_ids:
        from ccus.services.reading import paper

        done += paper.extract([i for i in ids if i in mail_ids and i not in failed], actor)
        ids = [i for i in ids if i not in mail_ids]
    ok = [i for i in ids if i not in failed]
    return done + _each(ok, "extract", lambda s, a: _extracted(s, a, actor))


def _read_documents(docs: list[Document]) -> dict[int, tuple[str, Exception]]:
    """Read ``docs`` (text layer, else Tesseract, all pages of the batch in one process) and store
    their text; returns the cases whose documents could not be read, with the document and error."""
    images, owners = [], []
    texts: dict[int, list[str]] = {}
    confidences: dict[int, list[float]] = {}
    failed: dict[int, tuple[str, Exception]] = {}
    for doc in docs:
        try:
            data = s3.get_bytes(doc.s3_key)
            if doc.media_type == "application/pdf":
                layer = pdf_text_layer(data)
                if any(t.strip() for t in layer):
                    texts[doc.id] = layer
                    confidences[doc.id] = [100.0]
                    continue
            for n, img in enumerate(page_images(data, doc.media_type, dpi=200)):
                if n >= MAX_OCR_PAGES_PER_DOCUMENT:
                    break
                # Evened out as the mail channel does: a scan or photo darker towards one edge
                # read as nothing at all under a global threshold (70 ms a page).
                images.append(flatten_lighting(img))
                owners.append(doc.id)
        except Exception as exc:  # noqa: BLE001 - recorded on the case (retried, or to an operator if final)
            failed[doc.application_id] = (doc.role, exc)
    if images:
        for owner, result in zip(owners, ocr_many(images, lang="jpn+eng", psm=3), strict=True):
            texts.setdefault(owner, []).append(result.text)
            confidences.setdefault(owner, []).append(result.mean_confidence)
    with unit_of_work() as session:
        for doc in docs:
            if doc.id in texts:
                row = session.get(Document, doc.id)
                assert row is not None
                row.ocr_text = "\f".join(texts[doc.id])
                conf = confidences.get(doc.id) or [0.0]
                row.ocr_confidence = sum(conf) / len(conf)
    for app_id, (role, error) in failed.items():
        failures.record(app_id, f"extract: {role}", error)
    return failed


def _extracted(session: Session, app: Application, actor: str) -> None:
    if app.status != Status.DOCUMENTS_STORED.value:
        return
    docs = session.scalars(select(Document).where(Document.application_id == app.id, Document.current())
                           .order_by(Document.id)).all()
    app.extracted = dump_extracted(Extracted(
        documents=extracted_documents((d.id, d.role, d.ocr_confidence, d.ocr_text) for d in docs)))
    advance(session, app, Status.EXTRACTED, actor=actor, reason=f"{len(docs)} document(s) read")


# Validation ----------------------------------------------------------------------------------

def docs_by_role(session: Session, app_id: int) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {}
    for d in session.scalars(select(Document).where(Document.application_id == app_id, Document.current())
                             .order_by(Document.id)):
        out.setdefault(d.role, []).append(d)
    return out


def _texts(docs: dict[str, list[Document]]) -> dict[str, list[DocumentText]]:
    return {role: [DocumentText(d.id, d.role, d.ocr_text or "", d.ocr_confidence) for d in ds]
            for role, ds in docs.items()}


def validation_flags(app: Application, docs: dict[str, list[Document]], session: Session | None = None
                     ) -> list[Flag]:
    """The validation stage's flags (``models/checks.validation_flags``) on the case's documents
    (with ``session``, the employer a worker quotes is looked up in the registry too)."""
    lookup = (lambda business_id: _business(session, business_id)) if session is not None else None
    return checks.validation_flags(app.kind, app.channel, app.declared, _texts(docs), lookup)


def validate(ids: list[int], actor: str) -> int:
    def step(session: Session, app: Application) -> None:
        if app.status != Status.EXTRACTED.value:
            return
        # A lifecycle request by mail (様式X1) needs no documents: its checks are its reading's.
        flags = validation_flags(app, docs_by_role(session, app.id), session) if app.kind in REGISTRATION_KINDS else []
        if app.channel == Channel.MAIL.value:
            # Paper is never refused: the model's errors and the reading's become flags.
            from ccus.services.reading import paper

            app.flags = paper.model_flags(app) + dump_flags(flags)
            stop = paper.needs_operator(app)
            if stop:
                advance(session, app, Status.NEEDS_OPERATOR, actor=actor, reason=stop)
                return
            advance(session, app, Status.VALIDATED, actor=actor, reason=f"{len(app.flags)} flag(s)")
            return
        app.flags = dump_flags(flags)
        advance(session, app, Status.VALIDATED, actor=actor,
                reason=f"{len(flags)} flag(s)" if flags else "no findings")
    return _each(ids, "validate", step)


# Consent (代行申請) ----------------------------------------------------------------------------

CONSENT_READ_DPI = 300


def _pdf_words(pdf: bytes, index: int) -> list[tuple[float, float, float, float, str]]:
    from ccus.services.reading.paper import ocr_words

    return ocr_words(pdf, index)


def read_consent_documents(docs: list[tuple[int, str, str, str]]) -> dict[int, ConsentReading]:
    """Read consent documents ((id, role, s3 key, media type)) with the form reader: each page is
    located by its registration marks and page marker; the first page that is the consent form of
    the document's role is read (a PDF's text layer where it has one), all documents in ONE OCR
    run. A document whose loading fails is left out (the caller reads it again on its own)."""
    from ccus.infra.attachments import PDF
    from ccus.infra.form_reader import cut_page, locate, read_cuts, text_layer_fields
    from ccus.models.forms.catalogue import form_for
    from ccus.models.forms.normalise import normalise

    out: dict[int, ConsentReading] = {}
    cuts: list[Any] = []  # each page's zones, cut as it is found (the page images are not kept)
    owners: list[tuple[int, Any]] = []
    for doc_id, role, key, media_type in docs:
        try:
            data = s3.get_bytes(key)
            found = ConsentReading(None)
            for n, image in enumerate(page_images(data, media_type, dpi=CONSENT_READ_DPI)):
                if n >= MAX_OCR_PAGES_PER_DOCUMENT:
                    break
                located = locate(image)
                spec = form_for(located.marker.code, located.marker.version) if located else None
                if located is None or spec is None or spec.document_role != role:
                    continue
                page = spec.pages[located.marker.page - 1]
                layer = None
                if media_type == PDF:
                    words = _pdf_words(data, n)
                    layer = text_layer_fields(words, located, CONSENT_READ_DPI, page) if words else None
                cuts.append(cut_page(image, located, page, layer))
                owners.append((doc_id, spec))
                found = ConsentReading(spec.key, spec.title)
                break
            out[doc_id] = found
        except Exception as exc:  # noqa: BLE001 - read again by the case's own step, which records it
            log.warning("consent document %s not read: %s", doc_id, type(exc).__name__)
    if cuts:
        for (doc_id, spec), raws in zip(owners, read_cuts(cuts), strict=True):
            out[doc_id] = ConsentReading(spec.key, spec.title,
                                         {name: normalise(spec.field(name), raw) for name, raw in raws.items()})
    return out


def _business(session: Session, business_id: str) -> checks.BusinessRecord | None:
    row = session.scalars(select(Business).where(Business.business_id == business_id)).one_or_none()
    return checks.BusinessRecord(row.business_id, row.trade_name, row.status) if row is not None else None


def consent_flags(session: Session, app: Application, docs: dict[str, list[Document]],
                  forms: dict[int, ConsentReading] | None = None, today: date | None = None,
                  *, fetch: bool = True) -> list[Flag]:
    """The consent stage's flags; every item checked on each consent form goes to
    ``app.extracted["consent"]`` for the reviewer, every failed one is a blocking flag. What was
    read off each form is kept in ``app.extracted["consent_readings"]``, so the check can be made
    again (after a field correction) from storage: with ``fetch=False`` no document is fetched or
    read, and a form with no stored readings is left as it was checked before, with a warning."""
    from ccus.services.clock import today_jst

    by_role = {role: [checks.ConsentDocument(doc.id, doc.role) for doc in ds] for role, ds in docs.items()}
    rows = {doc.id: doc for ds in docs.values() for doc in ds}
    checked = [rows[c.id] for c in checks.consent_documents(app.declared, by_role)]
    if forms is None or any(doc.id not in forms for doc in checked):
        unread = [(doc.id, doc.role, doc.s3_key, doc.media_type) for doc in checked if doc.id not in (forms or {})]
        forms = {**(forms or {}), **stored_consent_readings(app.extracted, unread)}
        if fetch:
            forms.update(read_consent_documents([d for d in unread if d[0] not in forms]))
    before = load_extracted(app.extracted).get("consent") or []
    kept = None if fetch else {doc.id: [r for r in before if r["document_id"] == doc.id] for doc in checked}
    outcome = checks.consent_flags(app.declared, by_role, forms, lambda bid: _business(session, bid),
                                   today or today_jst(), kept)
    stored = {str(doc.id): _stored_reading(forms[doc.id]) for doc in checked if doc.id in forms}
    app.extracted = {**(app.extracted or {}), "consent": outcome.results, "consent_readings": stored}
    return outcome.flags


def _stored_reading(read: ConsentReading) -> dict[str, Any]:
    """A consent form's readings as kept in ``extracted["consent_readings"]`` (JSON)."""
    return {"form": read.form_key, "fields": {
        name: {"value": r.value, "status": r.status, "reason": r.reason, "read": r.raw, "confidence": r.confidence}
        for name, r in read.readings.items()}}


def _batch_consent_documents(ids: list[int]) -> list[tuple[int, str, str, str]]:
    with unit_of_work() as session:
        rows = session.execute(select(Document.id, Document.role, Document.s3_key, Document.media_type)
                               .join(Application, Application.id == Document.application_id)
                               .where(Application.id.in_(ids), Application.status == Status.VALIDATED.value,
                                      Application.kind == Kind.PROXY_WORKER_REGISTRATION.value,
                                      Document.role.in_(CONSENT_ROLES), Document.current()))
        return [(r[0], r[1], r[2], r[3]) for r in rows]


def read_at_extract(ids: list[int], docs: list[tuple[int, str, str, str]]) -> dict[int, ConsentReading]:
    """The consent forms among ``docs`` that the mail extract stage already read zone by zone (kept
    in ``extracted["mail"]["attachments"]``): checked on those readings, not read a second time."""

    out: dict[int, ConsentReading] = {}
    with unit_of_work() as session:
        for extracted in session.scalars(select(Application.extracted).where(
                Application.id.in_(ids), Application.channel == Channel.MAIL.value)):
            out.update(stored_consent_readings(extracted, docs))
    return out


def stored_consent_readings(extracted: dict[str, Any] | None, docs: list[tuple[int, str, str, str]]
                            ) -> dict[int, ConsentReading]:
    """The readings a case's ``extracted`` keeps (``["mail"]["attachments"]``, read at the mail
    extract stage, and ``["consent_readings"]``, kept by the consent stage) for those of ``docs``
    whose role is the form's (a document replaced since has another id and is not among them)."""
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.forms.normalise import Reading

    roles = {doc_id: role for doc_id, role, _, _ in docs}
    out: dict[int, ConsentReading] = {}
    # Kept by the consent stage itself (a document that was no consent form at all, too).
    for doc_id, read in ((extracted or {}).get("consent_readings") or {}).items():
        if int(doc_id) in roles and read.get("form") is None:
            out[int(doc_id)] = ConsentReading(None)
    for doc_id, read in [*(((extracted or {}).get("mail") or {}).get("attachments") or {}).items(),
                         *((extracted or {}).get("consent_readings") or {}).items()]:
        spec = BY_KEY.get(read.get("form"))
        if spec is None or roles.get(int(doc_id)) != spec.document_role:
            continue
        out[int(doc_id)] = ConsentReading(spec.key, spec.title, {
            name: Reading(f.get("value"), f.get("status", "missing"), f.get("reason"), f.get("read") or "",
                          float(f.get("confidence") or 0.0))
            for name, f in (read.get("fields") or {}).items()})
    return out


def check_consent(ids: list[int], actor: str) -> int:
    # Every consent form of the batch in one zonal read (Tesseract starts once), except those the
    # mail extract stage read already; a document this read misses is read again by its case's own
    # step, where a failure is recorded on the case.
    try:
        docs = _batch_consent_documents(ids)
        forms = read_at_extract(ids, docs)
        forms.update(read_consent_documents([d for d in docs if d[0] not in forms]))
    except Exception as exc:  # noqa: BLE001 - each case then reads its own documents
        log.warning("batch consent read failed: %s", type(exc).__name__)
        forms = {}

    def step(session: Session, app: Application) -> None:
        if app.status != Status.VALIDATED.value:
            return
        if app.kind != Kind.PROXY_WORKER_REGISTRATION.value:
            advance(session, app, Status.CONSENT_CHECKED, actor=actor, reason="not a proxy application")
            return
        flags = consent_flags(session, app, docs_by_role(session, app.id), forms)
        app.flags = replace_stage(app.flags, CONSENT, flags)
        blocking = [f.code for f in flags if f.blocking]
        advance(session, app, Status.CONSENT_CHECKED, actor=actor,
                reason=("consent blocked: " + ", ".join(blocking)) if blocking else "consent checked: all passed")
    return _each(ids, "consent", step)


# Duplicate check, then the review queue ------------------------------------------------------

def unreadable(app: Application, field: str) -> bool:
    """True when the top-level declared ``field`` has no value because the form's field of that
    name could not be read from paper (``models/checks.unreadable``)."""
    return checks.unreadable(app.channel, app.declared, mail_fields(app.extracted), field)


def duplicate_flags(session: Session, app: Application) -> list[Flag]:
    """Registered or in-flight twins of the applicant (``models/checks.duplicate_flags``)."""
    lookups = checks.DuplicateLookups(
        business_registered=lambda number: bool(session.scalar(
            select(func.count()).select_from(Business).where(Business.corporate_number == number))),
        worker_registered=lambda key: bool(session.scalar(
            select(func.count()).select_from(Worker).where(Worker.person_key == key))),
        in_flight=lambda field, value: _in_flight(session, app, field, value),
    )
    return checks.duplicate_flags(app.kind, app.channel, app.declared, mail_fields(app.extracted), lookups)


def _in_flight(session: Session, app: Application, field: str, value: Any) -> list[str]:
    closed = (Status.REJECTED.value, Status.REGISTERED.value)
    return list(session.scalars(select(Application.application_number).where(
        Application.id != app.id, Application.kind.in_(checks.same_party_kinds(app.kind)),
        Application.status.not_in(closed), Application.declared[field].astext == str(value))))


def to_review(ids: list[int], actor: str) -> int:
    def step(session: Session, app: Application) -> None:
        if app.status != Status.CONSENT_CHECKED.value:
            return
        flags = duplicate_flags(session, app)
        app.flags = replace_stage(app.flags, DUPLICATE, flags)
        advance(session, app, Status.AWAITING_REVIEW, actor=actor,
                reason=f"duplicate check: {len(flags)} candidate(s)" if flags else "duplicate check: none")
    return _each(ids, "duplicates", step)


STAGES: dict[Status, Callable[[list[int], str], int]] = {
    Status.DOCUMENTS_STORED: extract,
    Status.EXTRACTED: validate,
    Status.VALIDATED: check_consent,
    Status.CONSENT_CHECKED: to_review,
}
