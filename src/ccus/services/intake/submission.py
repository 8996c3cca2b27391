"""Intake (受付): turn a submitted application and its files into one durable case.

The order keeps every promise of the channel: everything is checked before anything is stored
(the characters of every text, file names included, before any other rule); documents go to S3
(content-addressed) before the case row commits, and if that transaction then fails, the objects
this submission wrote (and no document row points at) are deleted again; the sender gets its
申請番号 only after both are durable. An Idempotency-Key, or the same scan sent twice, returns the first
case instead of making a second one.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ccus.infra import s3
from ccus.infra.attachments import AttachmentError, AttachmentInfo, inspect_attachment
from ccus.infra.db import unit_of_work
from ccus.infra.settings import get_settings
from ccus.models.application_types import ROLE_LABELS_JA, Channel, DocumentRole, Kind, required_documents
from ccus.models.declared import DECLARED_MODELS, ProxyWorkerRegistration
from ccus.models.errors import ApplicationInvalid, Conflict, FieldError, from_validation_error
from ccus.models.identifiers import application_number
from ccus.models.status import Status
from ccus.models.tables import Application, Document
from ccus.models.text_rules import ERROR_CODE, first_forbidden, forbidden_character
from ccus.services.cases import audit, enter
from ccus.services.clock import now_jst

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncomingFile:
    role: str
    filename: str
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class IntakeResult:
    application_number: str
    status: str
    created: bool


class IdempotencyConflict(Conflict):
    """The Idempotency-Key was used before for a different request."""

    def __init__(self, key: str) -> None:
        super().__init__("この Idempotency-Key は別の内容の申請で使用済みです。")
        self.key = key


def _validate(kind_value: str, declared: Any, channel: Channel) -> tuple[Kind, dict[str, Any]]:
    try:
        kind = Kind(kind_value)
    except ValueError:
        allowed = "、".join(k.value for k in Kind)
        raise ApplicationInvalid(
            [FieldError("kind", f"申請種別が正しくありません。次のいずれか：{allowed}", "literal_error")]
        ) from None
    if not isinstance(declared, dict):
        raise ApplicationInvalid([FieldError("application", "申請内容はオブジェクトで指定してください。", "dict_type")])
    try:
        model = DECLARED_MODELS[kind.value].model_validate(declared)
    except ValidationError as exc:
        raise ApplicationInvalid(from_validation_error(exc)) from None
    return kind, model.model_dump(mode="json")


def inspect_files(files: list[IncomingFile]) -> list[tuple[IncomingFile, AttachmentInfo]]:
    settings = get_settings()
    errors: list[FieldError] = []
    out: list[tuple[IncomingFile, AttachmentInfo]] = []
    for f in files:
        path = f"attachments.{f.role}"
        if bad_name := forbidden_character(f.filename):
            errors.append(FieldError(path, f"ファイル名に{bad_name}", ERROR_CODE))
            continue
        try:
            role = DocumentRole(f.role)
        except ValueError:
            errors.append(FieldError(path, f"添付書類の種類 '{f.role}' は受け付けられません。", "unknown_role"))
            continue
        try:
            info = inspect_attachment(
                f.data, f.filename, f.content_type, settings.max_attachment_bytes, settings.max_image_pixels
            )
        except AttachmentError as exc:
            errors.append(FieldError(path, exc.message_ja, exc.code))
            continue
        if role is DocumentRole.FACE_PHOTO and info.media_type not in {"image/jpeg", "image/png"}:
            errors.append(FieldError(path, "顔写真はJPEGまたはPNGの画像で添付してください。", "unsupported_type"))
            continue
        out.append((f, info))
    if errors:
        raise ApplicationInvalid(errors)
    return out


def _check_required(kind: Kind, channel: Channel, declared: dict[str, Any], roles: set[str]) -> None:
    corporate = declared.get("business_type") == "corporation"
    licensed = bool(declared.get("licence_number"))
    proxy_is_employer = (declared.get("proxy") or {}).get("relation") == "employer"
    if kind is not Kind.BUSINESS_REGISTRATION and declared.get("identity_document_type") == "none":
        if channel is not Channel.COUNTER:
            raise ApplicationInvalid([FieldError(
                "application.identity_document_type",
                "本人確認書類なしの申請は窓口でのみ受け付けます。", "identity_document_required")])
    needed = required_documents(
        kind, channel=channel, corporate=corporate, licensed=licensed, proxy_is_employer=proxy_is_employer
    )
    missing = sorted(r.value for r in needed if r.value not in roles)
    if missing:
        raise ApplicationInvalid([
            FieldError(f"attachments.{m}", f"{ROLE_LABELS_JA[DocumentRole(m)]}の添付が必要です。", "missing_document")
            for m in missing
        ])


def next_application_number(session: Session) -> str:
    """The next 申請番号 of this year (Japan time), from the per-year serial row."""
    year = now_jst().year % 100
    serial = session.execute(text(
        "INSERT INTO application_serials (year, last) VALUES (:y, 1) "
        "ON CONFLICT (year) DO UPDATE SET last = application_serials.last + 1 RETURNING last"),
        {"y": year}).scalar_one()
    return application_number(year, serial)


def request_fingerprint(kind: str, declared: Any, files: list[IncomingFile]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"kind": kind, "application": declared}, sort_keys=True, ensure_ascii=False).encode())
    for f in sorted(files, key=lambda f: (f.role, hashlib.sha256(f.data).hexdigest())):
        h.update(f.role.encode())
        h.update(hashlib.sha256(f.data).digest())
    return h.hexdigest()


def _existing(idempotency_key: str, fingerprint: str) -> IntakeResult | None:
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.idempotency_key == idempotency_key)).one_or_none()
        if app is None:
            return None
        if app.request_hash != fingerprint:
            raise IdempotencyConflict(idempotency_key)
        return IntakeResult(app.application_number, app.status, created=False)


def _check_characters(declared: Any) -> None:
    """Refuse, naming the field, any text the registry never stores (before anything else reads it)."""
    bad = first_forbidden(declared)
    if bad is not None:
        path, reason = bad
        raise ApplicationInvalid([FieldError(".".join(map(str, ("application", *path))), reason, ERROR_CODE)])


def store_documents(inspected: list[tuple[IncomingFile, AttachmentInfo]]) -> list[str]:
    """Put the documents in S3; the keys this call wrote (content already there is not counted)."""
    written = []
    for f, info in inspected:
        key = s3.document_key(info.sha256)
        if s3.put_if_absent(key, f.data, info.media_type):
            written.append(key)
    return written


def forget_documents(keys: list[str]) -> None:
    """Delete objects written for a submission whose row never committed, unless a document row of
    another case (same bytes, sent meanwhile) points at one."""
    if not keys:
        return
    try:
        with unit_of_work() as session:
            kept = set(session.scalars(select(Document.s3_key).where(Document.s3_key.in_(keys))))
        for key in keys:
            if key not in kept:
                s3.delete(key)
    except Exception:  # noqa: BLE001 - the submission's own error is the one to report
        log.warning("intake: %d orphan document object(s) not deleted: %s", len(keys), ", ".join(keys))


def submit(
    *,
    kind: str,
    channel: Channel,
    declared: Any,
    files: list[IncomingFile],
    idempotency_key: str | None,
    actor: str,
    received_by: str | None = None,
) -> IntakeResult:
    """Check, store and record one application. Raises ApplicationInvalid with every field error.

    ``received_by`` is the staff member who took it in at the counter (they may never approve it).
    """
    _check_characters(declared)
    fingerprint = request_fingerprint(kind, declared, files)
    if idempotency_key:
        found = _existing(idempotency_key, fingerprint)
        if found:
            return found
    kind_enum, clean = _validate(kind, declared, channel)
    inspected = inspect_files(files)
    _check_required(kind_enum, channel, clean, {f.role for f, _ in inspected})

    filed_by = None
    if kind_enum is Kind.PROXY_WORKER_REGISTRATION:
        filed_by = ProxyWorkerRegistration.model_validate(clean).proxy.filer_business_id
    # Documents first, every check passed: durable in S3 before the case exists.
    written = store_documents(inspected)
    try:
        return _record(kind_enum, channel, clean, inspected, idempotency_key, fingerprint, filed_by, actor,
                       received_by)
    except BaseException:
        forget_documents(written)
        raise


def _record(kind_enum: Kind, channel: Channel, clean: dict[str, Any],
            inspected: list[tuple[IncomingFile, AttachmentInfo]], idempotency_key: str | None, fingerprint: str,
            filed_by: str | None, actor: str, received_by: str | None) -> IntakeResult:
    """The case row, its documents and history, in one transaction."""
    try:
        with unit_of_work() as session:
            app = Application(
                application_number=next_application_number(session),
                kind=kind_enum.value,
                channel=channel.value,
                declared=clean,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
                filed_by_business_id=filed_by,
                received_by=received_by,
            )
            enter(session, app, [(Status.RECEIVED, f"{channel.value} intake"),
                                 (Status.DOCUMENTS_STORED, f"{len(inspected)} document(s) stored")], actor=actor)
            for f, info in inspected:
                session.add(Document(
                    application_id=app.id, role=f.role, s3_key=s3.document_key(info.sha256), sha256=info.sha256,
                    size=info.size, media_type=info.media_type, pages=info.pages, filename=f.filename[:255],
                ))
            audit(session, actor=actor, action="application.received", application_id=app.id,
                  channel=channel.value, kind=kind_enum.value, documents=len(inspected),
                  **({"received_by": received_by} if received_by else {}))
            result = IntakeResult(app.application_number, app.status, created=True)
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won the race: answer with its case.
        if idempotency_key:
            found = _existing(idempotency_key, fingerprint)
            if found:
                return found
        raise
    return result

