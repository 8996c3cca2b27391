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
from ccus.infra.ocr import ocr_many
from ccus.models.application_types import ROLE_LABELS_JA, Channel, DocumentRole, Kind, required_documents
from ccus.models.evidence import Flag, date_in_text, low_confidence, text_contains
from ccus.models.persons import person_key
from ccus.models.status import Status
from ccus.models.tables import Application, Business, Document, Worker
from ccus.services.cases import advance
from ccus.services.claims import release_with_error

log = logging.getLogger(__name__)

# Documents worth reading; a face photo carries no text.
READ_ROLES = {r.value for r in DocumentRole} - {DocumentRole.FACE_PHOTO.value}
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
            log.warning("stage %s failed for case id %s: %s", stage, app_id, type(exc).__name__)
            release_with_error(app_id, f"{stage}: {type(exc).__name__}: {exc}")
    return done


# Extraction (OCR / text layer) ---------------------------------------------------------------

def extract(ids: list[int], actor: str) -> int:
    """Read every readable document of the batch: PDF text layers directly, the other pages with
    Tesseract in one process for the whole batch (its start-up dominates short pages). Mail cases
    are read zone by zone from their forms (``services/mail_reading``)."""
    with unit_of_work() as session:
        mail_ids = set(session.scalars(select(Application.id).where(
            Application.id.in_(ids), Application.channel == Channel.MAIL.value)))
    done = 0
    if mail_ids:
        from ccus.services import mail_reading

        done += mail_reading.extract([i for i in ids if i in mail_ids], actor)
        ids = [i for i in ids if i not in mail_ids]
        if not ids:
            return done
    with unit_of_work() as session:
        docs = list(session.scalars(select(Document).where(
            Document.application_id.in_(ids), Document.role.in_(READ_ROLES), Document.ocr_text.is_(None))))
    images, owners = [], []
    texts: dict[int, list[str]] = {}
    confidences: dict[int, list[float]] = {}
    failed: dict[int, str] = {}
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
                images.append(img)
                owners.append(doc.id)
        except Exception as exc:  # noqa: BLE001 - recorded on the case, which is retried
            failed[doc.application_id] = f"{doc.role}: {type(exc).__name__}: {exc}"
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
    for app_id, error in failed.items():
        release_with_error(app_id, f"extract: {error}")
    ok = [i for i in ids if i not in failed]
    return done + _each(ok, "extract", lambda s, a: _extracted(s, a, actor))


def _extracted(session: Session, app: Application, actor: str) -> None:
    if app.status != Status.DOCUMENTS_STORED.value:
        return
    docs = session.scalars(select(Document).where(Document.application_id == app.id)).all()
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
    for d in session.scalars(select(Document).where(Document.application_id == app_id)):
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
        flags = validation_flags(app, _docs_by_role(session, app.id))
        if app.channel == Channel.MAIL.value:
            # Paper is never refused: the model's errors and the reading's become flags.
            from ccus.services import mail_reading

            app.flags = mail_reading.model_flags(app) + [f.as_dict() for f in flags]
            stop = mail_reading.needs_operator(app)
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

def consent_flags(session: Session, app: Application, docs: dict[str, list[Document]]) -> list[Flag]:
    d = app.declared
    proxy = d["proxy"]
    flags: list[Flag] = []

    def flag(code: str, severity: str, message: str, field: str | None = None) -> None:
        flags.append(Flag(code, severity, message, field, stage="consent"))

    filer = session.scalars(select(Business).where(Business.business_id == proxy["filer_business_id"])).one_or_none()
    if filer is None or filer.status != "active":
        flag("proxy_not_registered", "block", "代行申請者は有効な事業者IDを保有していません。",
             "application.proxy.filer_business_id")
    employer = session.scalars(select(Business).where(Business.business_id == d["employer_business_id"])).one_or_none()
    if employer is None or employer.status != "active":
        flag("employer_not_registered", "block", "所属事業者の事業者IDが登録されていません。",
             "application.employer_business_id")
    worker_forms = docs.get(DocumentRole.WORKER_CONSENT.value, [])
    if not worker_forms:
        flag("worker_consent_missing", "block", "技能者本人の代行申請同意書がありません。", "attachments.worker_consent")
    if proxy["relation"] != "employer" and not docs.get(DocumentRole.EMPLOYER_CONSENT.value):
        flag("employer_consent_missing", "block", "所属事業者の代行申請同意書がありません。", "attachments.employer_consent")
    for doc in worker_forms:
        text = doc.ocr_text or ""
        if not text_contains(text, d["name"]):
            flag("consent_name_mismatch", "warn", "同意書の技能者氏名が申請内容と一致しません。", "attachments.worker_consent")
        if not date_in_text(text, date.fromisoformat(d["birth_date"])):
            flag("consent_birth_date_mismatch", "warn", "同意書の生年月日が申請内容と一致しません。",
                 "attachments.worker_consent")
        if filer is not None and not (text_contains(text, filer.trade_name)
                                      or text_contains(text, filer.business_id)):
            flag("consent_proxy_mismatch", "warn", "同意書に代行申請者の事業者名またはIDが見当たりません。",
                 "attachments.worker_consent")
    return flags


def check_consent(ids: list[int], actor: str) -> int:
    def step(session: Session, app: Application) -> None:
        if app.status != Status.VALIDATED.value:
            return
        if app.kind != Kind.PROXY_WORKER_REGISTRATION.value:
            advance(session, app, Status.CONSENT_CHECKED, actor=actor, reason="not a proxy application")
            return
        flags = consent_flags(session, app, _docs_by_role(session, app.id))
        app.flags = [f for f in app.flags if f.get("stage") != "consent"] + [f.as_dict() for f in flags]
        blocking = [f.code for f in flags if f.severity == "block"]
        advance(session, app, Status.CONSENT_CHECKED, actor=actor,
                reason=("consent blocked: " + ", ".join(blocking)) if blocking else "consent present")
    return _each(ids, "consent", step)


# Duplicate check, then the review queue ------------------------------------------------------

def duplicate_flags(session: Session, app: Application) -> list[Flag]:
    d = app.declared
    flags: list[Flag] = []
    if app.kind == Kind.BUSINESS_REGISTRATION.value:
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
