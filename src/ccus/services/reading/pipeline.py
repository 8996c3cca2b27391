"""The automatic stages between intake and review: extraction, validation, consent, duplicates.

Each stage function takes a batch of claimed case ids, does its work, and moves each case on in
its own transaction. A failure of one case is recorded on that case (it stays in its stage and is
retried); the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.attachments import page_images, pdf_text_layer
from ccus.infra.db import unit_of_work
from ccus.infra.form_reader import flatten_lighting
from ccus.infra.ocr import ocr_many
from ccus.models.application_types import ROLE_LABELS_JA, Channel, DocumentRole, Kind, required_documents
from ccus.models.consent import Party, check_employer_consent, check_worker_consent
from ccus.models.evidence import Flag, date_in_text, low_confidence, text_contains
from ccus.models.lifecycle import REGISTRATION_KINDS
from ccus.models.persons import person_key
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
    app.extracted = {
        "documents": [
            {"id": d.id, "role": d.role, "confidence": d.ocr_confidence, "chars": len(d.ocr_text or "")}
            for d in docs
        ]
    }
    advance(session, app, Status.EXTRACTED, actor=actor, reason=f"{len(docs)} document(s) read")


# Validation ----------------------------------------------------------------------------------

def _docs_by_role(session: Session, app_id: int) -> dict[str, list[Document]]:
    out: dict[str, list[Document]] = {}
    for d in session.scalars(select(Document).where(Document.application_id == app_id, Document.current())
                             .order_by(Document.id)):
        out.setdefault(d.role, []).append(d)
    return out


def validation_flags(app: Application, docs: dict[str, list[Document]]) -> list[Flag]:
    d = app.declared
    kind = Kind(app.kind)
    flags: list[Flag] = []
    needed = required_documents(
        kind, channel=Channel(app.channel), corporate=d.get("business_type") == "corporation",
        licensed=bool(d.get("licence_number")), proxy_is_employer=(d.get("proxy") or {}).get("relation") == "employer",
    )
    for role in sorted(r.value for r in needed if r.value not in docs):
        flags.append(Flag("missing_document", "block", f"{ROLE_LABELS_JA[DocumentRole(role)]}が添付されていません。",
                          f"attachments.{role}"))
    if kind is Kind.BUSINESS_REGISTRATION:
        extract_docs = docs.get(DocumentRole.REGISTRY_EXTRACT.value, [])
        if d.get("corporate_number") and extract_docs:
            text = "\n".join(x.ocr_text or "" for x in extract_docs)
            # The extract prints the 12-digit 会社法人等番号: the 法人番号 without its check digit.
            if not (text_contains(text, d["corporate_number"]) or text_contains(text, d["corporate_number"][1:])):
                flags.append(Flag("corporate_number_not_in_extract", "warn",
                                  "登記事項証明書に申請の法人番号が見当たりません。", "application.corporate_number"))
            if not text_contains(text, d["trade_name"]):
                flags.append(Flag("trade_name_not_in_extract", "warn",
                                  "登記事項証明書に申請の商号が見当たりません。", "application.trade_name"))
    else:
        for doc in docs.get(DocumentRole.IDENTITY_DOCUMENT.value, []):
            text = doc.ocr_text or ""
            if low_confidence(doc.ocr_confidence):
                flags.append(Flag("identity_document_unreadable", "warn",
                                  "本人確認書類の読み取り精度が低いため、目視で確認してください。", "attachments.identity_document"))
            if not text_contains(text, d["name"]):
                flags.append(Flag("identity_name_mismatch", "warn",
                                  "本人確認書類の氏名が申請内容と一致しません（読み取り結果に氏名が見当たりません）。",
                                  "application.name"))
            birth = _iso_date(d.get("birth_date"))  # a mail case's may be unreadable (flagged already)
            if birth is not None and not date_in_text(text, birth):
                flags.append(Flag("identity_birth_date_mismatch", "warn",
                                  "本人確認書類の生年月日が申請内容と一致しません（読み取り結果に見当たりません）。",
                                  "application.birth_date"))
    return flags


def _iso_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def validate(ids: list[int], actor: str) -> int:
    def step(session: Session, app: Application) -> None:
        if app.status != Status.EXTRACTED.value:
            return
        # A lifecycle request by mail (様式X1) needs no documents: its checks are its reading's.
        flags = validation_flags(app, _docs_by_role(session, app.id)) if app.kind in REGISTRATION_KINDS else []
        if app.channel == Channel.MAIL.value:
            # Paper is never refused: the model's errors and the reading's become flags.
            from ccus.services.reading import paper

            app.flags = paper.model_flags(app) + [f.as_dict() for f in flags]
            stop = paper.needs_operator(app)
            if stop:
                advance(session, app, Status.NEEDS_OPERATOR, actor=actor, reason=stop)
                return
            advance(session, app, Status.VALIDATED, actor=actor, reason=f"{len(app.flags)} flag(s)")
            return
        app.flags = [f.as_dict() for f in flags]
        advance(session, app, Status.VALIDATED, actor=actor,
                reason=f"{len(flags)} flag(s)" if flags else "no findings")
    return _each(ids, "validate", step)


# Consent (代行申請) ----------------------------------------------------------------------------

CONSENT_ROLES = (DocumentRole.WORKER_CONSENT.value, DocumentRole.EMPLOYER_CONSENT.value)
CONSENT_READ_DPI = 300
CONSENT_FORM_UNRECOGNISED = "所定の同意書様式ではありません。"


@dataclass(frozen=True)
class ConsentReading:
    """One consent document as read: the form (None when it is not one of our consent forms) and
    each field's normalised reading."""

    form_key: str | None
    title: str = ""
    readings: dict[str, Any] = dc_field(default_factory=dict)  # field name → normalise.Reading


def _pdf_words(pdf: bytes, index: int) -> list[tuple[float, float, float, float, str]]:
    from ccus.services.reading.paper import _words

    return _words(pdf, index)


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


def _party(business: Business | None) -> Party | None:
    return Party(business.business_id, business.trade_name) if business is not None else None


def consent_flags(session: Session, app: Application, docs: dict[str, list[Document]],
                  forms: dict[int, ConsentReading] | None = None, today: date | None = None) -> list[Flag]:
    """The consent stage's flags; every item checked on each consent form goes to
    ``app.extracted["consent"]`` for the reviewer, every failed one is a blocking flag."""
    from ccus.services.clock import today_jst

    d = app.declared
    proxy = d.get("proxy") or {}
    flags: list[Flag] = []

    def flag(code: str, severity: str, message: str, field: str | None = None) -> None:
        flags.append(Flag(code, severity, message, field, stage="consent"))

    # A value read from paper may be missing (unreadable): the check that needs it is flagged as
    # not made, never passed and never failed as if the value were known.
    filer: Business | None = None
    employer: Business | None = None
    if not proxy.get("filer_business_id"):
        flag("consent_not_checked", "block", "代行申請事業者IDが読み取れないため、代行申請者の登録と同意書の照合ができません。",
             "application.proxy.filer_business_id")
    else:
        filer = session.scalars(select(Business).where(Business.business_id == proxy["filer_business_id"])).one_or_none()
        if filer is None or filer.status != "active":
            flag("proxy_not_registered", "block", "代行申請者は有効な事業者IDを保有していません。",
                 "application.proxy.filer_business_id")
    if not d.get("employer_business_id"):
        flag("consent_not_checked", "block", "所属事業者IDが読み取れないため、所属事業者の登録を確認できません。",
             "application.employer_business_id")
    else:
        employer = session.scalars(select(Business).where(Business.business_id == d["employer_business_id"])).one_or_none()
        if employer is None or employer.status != "active":
            flag("employer_not_registered", "block", "所属事業者の事業者IDが登録されていません。",
                 "application.employer_business_id")
    worker_forms = docs.get(DocumentRole.WORKER_CONSENT.value, [])
    if not worker_forms:
        flag("worker_consent_missing", "block", "技能者本人の代行申請同意書がありません。", "attachments.worker_consent")
    employer_proxy = proxy.get("relation") == "employer"
    if not proxy.get("relation"):
        flag("consent_not_checked", "block", "技能者との関係が読み取れないため、所属事業者の同意書が必要かを確認できません。",
             "application.proxy.relation")
    elif not employer_proxy and not docs.get(DocumentRole.EMPLOYER_CONSENT.value):
        flag("employer_consent_missing", "block", "所属事業者の代行申請同意書がありません。", "attachments.employer_consent")
    checked = [doc for role in CONSENT_ROLES if not (employer_proxy and role == DocumentRole.EMPLOYER_CONSENT.value)
               for doc in docs.get(role, [])]
    if forms is None or any(doc.id not in forms for doc in checked):
        unread = [(doc.id, doc.role, doc.s3_key, doc.media_type) for doc in checked if doc.id not in (forms or {})]
        forms = {**(forms or {}), **stored_consent_readings(app.extracted, unread)}
        forms.update(read_consent_documents([d for d in unread if d[0] not in forms]))
    today = today or today_jst()
    results: list[dict[str, Any]] = []
    for doc in checked:
        where = f"attachments.{doc.role}"
        label = ROLE_LABELS_JA[DocumentRole(doc.role)]
        read = forms.get(doc.id)
        if read is None or read.form_key is None:
            flag("consent_form_unrecognised", "block", f"{label}：{CONSENT_FORM_UNRECOGNISED}", where)
            results.append({"document_id": doc.id, "role": doc.role, "form": None, "name": "form",
                            "passed": False, "reason": CONSENT_FORM_UNRECOGNISED})
            continue
        if doc.role == DocumentRole.WORKER_CONSENT.value:
            employer_name = employer.trade_name if employer is not None else None
            checks = check_worker_consent(read.readings, d, _party(filer), employer_name, today)
        else:
            checks = check_employer_consent(read.readings, d, _party(filer), _party(employer), today)
        for c in checks:
            results.append({"document_id": doc.id, "role": doc.role, "form": read.form_key, "name": c.name,
                            "passed": c.passed, "reason": c.reason_ja})
            if c.unverified:  # an uncertain reading: the reviewer confirms it on the form
                flag(f"consent_{c.name}_unverified", "warn", f"{read.title}：{c.reason_ja}", where)
            elif not c.passed:
                flag(f"consent_{c.name}", "block", f"{read.title}：{c.reason_ja}", where)
    app.extracted = {**(app.extracted or {}), "consent": results}
    return flags


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
    """The readings a case's ``extracted["mail"]["attachments"]`` keeps for those of ``docs``
    whose role is the form's (a document replaced since has another id and is not among them)."""
    from ccus.models.forms.catalogue import BY_KEY
    from ccus.models.forms.normalise import Reading

    roles = {doc_id: role for doc_id, role, _, _ in docs}
    out: dict[int, ConsentReading] = {}
    for doc_id, read in (((extracted or {}).get("mail") or {}).get("attachments") or {}).items():
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
        flags = consent_flags(session, app, _docs_by_role(session, app.id), forms)
        app.flags = [f for f in app.flags if f.get("stage") != "consent"] + [f.as_dict() for f in flags]
        blocking = [f.code for f in flags if f.severity == "block"]
        advance(session, app, Status.CONSENT_CHECKED, actor=actor,
                reason=("consent blocked: " + ", ".join(blocking)) if blocking else "consent checked: all passed")
    return _each(ids, "consent", step)


# Duplicate check, then the review queue ------------------------------------------------------

_PERSON_LABELS = {"name": "氏名", "name_kana": "フリガナ", "birth_date": "生年月日"}


def unreadable(app: Application, field: str) -> bool:
    """True when the top-level declared ``field`` has no value because the form's field of that
    name could not be read from paper (missing, invalid), as opposed to left blank on purpose."""
    if app.channel != Channel.MAIL.value or app.declared.get(field) not in (None, ""):
        return False
    reading = ((app.extracted or {}).get("mail") or {}).get("fields", {}).get(field) or {}
    return bool(reading.get("status", "ok") != "ok")


def duplicate_flags(session: Session, app: Application) -> list[Flag]:
    """Registered or in-flight twins of the applicant. A value paper left unreadable is not
    matched (an empty name is no one's name): the check is flagged as not made, saying why."""
    d = app.declared
    flags: list[Flag] = []
    if app.kind not in REGISTRATION_KINDS:  # a request about a party already registered
        return flags
    if app.kind == Kind.BUSINESS_REGISTRATION.value:
        if unreadable(app, "corporate_number"):
            flags.append(Flag("duplicate_check_incomplete", "warn",
                              "法人番号が読み取れないため、登録済み・処理中の事業者との重複を確認できていません。",
                              "application.corporate_number", stage="duplicate"))
        if d.get("corporate_number"):
            if session.scalar(select(func.count()).select_from(Business)
                              .where(Business.corporate_number == d["corporate_number"])):
                flags.append(Flag("business_already_registered", "block",
                                  "この法人番号の事業者は既に登録されています。", "application.corporate_number",
                                  stage="duplicate"))
            twins = _in_flight(session, app, "corporate_number", d["corporate_number"])
            if twins:
                flags.append(Flag("duplicate_in_flight", "warn", f"同じ法人番号の申請が処理中です：{'、'.join(twins)}",
                                  "application.corporate_number", stage="duplicate"))
        return flags
    missing = [k for k in _PERSON_LABELS if d.get(k) in (None, "")]
    if missing:
        flags.append(Flag("duplicate_check_incomplete", "warn",
                          f"{'・'.join(_PERSON_LABELS[k] for k in missing)}が読み取れないため、"
                          "同一人物の登録・申請がないかを確認できていません。", f"application.{missing[0]}",
                          stage="duplicate"))
        if "birth_date" in missing or "name_kana" in missing:
            return flags
    else:
        key = person_key(d["name"], d["name_kana"], d["birth_date"])
        if session.scalar(select(func.count()).select_from(Worker).where(Worker.person_key == key)):
            flags.append(Flag("worker_already_registered", "block",
                              "同一人物（氏名・フリガナ・生年月日が一致）が既に技能者登録されています。", "application.name",
                              stage="duplicate"))
    twins = [n for n in _in_flight(session, app, "birth_date", d["birth_date"])
             if n in _in_flight(session, app, "name_kana", d["name_kana"])]
    if twins:
        flags.append(Flag("duplicate_in_flight", "warn", f"同一人物と思われる申請が処理中です：{'、'.join(twins)}",
                          "application.name", stage="duplicate"))
    return flags


def _in_flight(session: Session, app: Application, field: str, value: Any) -> list[str]:
    closed = (Status.REJECTED.value, Status.REGISTERED.value)
    return list(session.scalars(select(Application.application_number).where(
        Application.id != app.id, Application.kind.in_(_same_party_kinds(app.kind)),
        Application.status.not_in(closed), Application.declared[field].astext == str(value))))


def _same_party_kinds(kind: str) -> tuple[str, ...]:
    if kind == Kind.BUSINESS_REGISTRATION.value:
        return (kind,)
    return (Kind.WORKER_REGISTRATION.value, Kind.PROXY_WORKER_REGISTRATION.value)


def to_review(ids: list[int], actor: str) -> int:
    def step(session: Session, app: Application) -> None:
        if app.status != Status.CONSENT_CHECKED.value:
            return
        flags = duplicate_flags(session, app)
        app.flags = [f for f in app.flags if f.get("stage") != "duplicate"] + [f.as_dict() for f in flags]
        advance(session, app, Status.AWAITING_REVIEW, actor=actor,
                reason=f"duplicate check: {len(flags)} candidate(s)" if flags else "duplicate check: none")
    return _each(ids, "duplicates", step)


STAGES: dict[Status, Callable[[list[int], str], int]] = {
    Status.DOCUMENTS_STORED: extract,
    Status.EXTRACTED: validate,
    Status.VALIDATED: check_consent,
    Status.CONSENT_CHECKED: to_review,
}
