"""What a reviewer sees of one case (審査画面): the data beside the evidence, and everything that
happened to it. Reading the case is audited (``case.viewed``) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.models.application_types import ROLE_LABELS_JA, DocumentRole, Kind
from ccus.models.evidence import date_in_text, text_contains
from ccus.models.persons import person_key
from ccus.models.review_rules import FIELDS, REASONS_BY_CODE, get_path, needs_second_approval
from ccus.models.tables import (
    Application,
    AuditLog,
    Business,
    Document,
    FieldCorrection,
    ReviewClaim,
    ReviewDecision,
    StageLog,
    Worker,
)
from ccus.services.cases import CaseNotFound, audit
from ccus.services.queue import current_claim, review_due

# Where each checkable field should appear in the evidence, and how it is compared.
_EVIDENCE: dict[str, dict[str, tuple[str, ...]]] = {
    Kind.BUSINESS_REGISTRATION.value: {
        "trade_name": (DocumentRole.REGISTRY_EXTRACT.value,),
        "corporate_number": (DocumentRole.REGISTRY_EXTRACT.value,),
        "address": (DocumentRole.REGISTRY_EXTRACT.value,),
        "representative_name": (DocumentRole.REGISTRY_EXTRACT.value,),
    },
    "person": {
        "name": (DocumentRole.IDENTITY_DOCUMENT.value, DocumentRole.WORKER_CONSENT.value),
        "birth_date": (DocumentRole.IDENTITY_DOCUMENT.value, DocumentRole.WORKER_CONSENT.value),
        "address": (DocumentRole.IDENTITY_DOCUMENT.value,),
    },
}


@dataclass
class FieldRow:
    path: str
    label: str
    value: Any
    correctable: bool
    evidence: str  # "match" | "mismatch" | "" (not checked)
    evidence_doc: str
    confidence: float | None
    flags: list[dict[str, Any]] = field(default_factory=list)
    corrected: bool = False


@dataclass
class DocumentView:
    id: int
    role: str
    role_ja: str
    filename: str
    media_type: str
    pages: int
    size: int
    confidence: float | None
    ocr_text: str


@dataclass
class Candidate:
    source: str  # "registered" | "in_flight"
    number: str  # 申請番号 or registry ID
    name: str
    detail: str
    status: str


@dataclass
class HistoryEntry:
    at: datetime
    kind: str  # "stage" | "correction" | "decision" | "view" | "claim"
    actor: str
    text: str
    from_status: str | None = None
    to_status: str | None = None


@dataclass
class CaseView:
    app: Application
    due_at: datetime
    fields: list[FieldRow]
    documents: list[DocumentView]
    candidates: list[Candidate]
    history: list[HistoryEntry]
    consent: list[dict[str, Any]]
    general_flags: list[dict[str, Any]]
    claim: ReviewClaim | None
    second_approval: list[str]
    first_approver: str | None


def _check(kind: str, path: str, value: Any, docs: list[Document]) -> tuple[str, str, float | None]:
    roles = _EVIDENCE.get(kind if kind == Kind.BUSINESS_REGISTRATION.value else "person", {}).get(path)
    if not roles or value in (None, ""):
        return "", "", None
    readable = [d for d in docs if d.role in roles and d.ocr_text]
    if not readable:
        return "", "", None
    for d in readable:
        text = d.ocr_text or ""
        found = (date_in_text(text, date.fromisoformat(value)) if path == "birth_date"
                 else text_contains(text, str(value)) or (path == "corporate_number" and text_contains(text, value[1:])))
        if found:
            return "match", ROLE_LABELS_JA[DocumentRole(d.role)], d.ocr_confidence
    d = readable[0]
    return "mismatch", ROLE_LABELS_JA[DocumentRole(d.role)], d.ocr_confidence


def _candidates(session: Session, app: Application) -> list[Candidate]:
    d = app.declared
    out: list[Candidate] = []
    closed = ("rejected", "registered")
    if app.kind not in FIELDS:  # later kinds (changes, renewals) concern a party already registered
        return out
    if app.kind == Kind.BUSINESS_REGISTRATION.value:
        if not d.get("corporate_number"):
            return out
        for b in session.scalars(select(Business).where(Business.corporate_number == d["corporate_number"])):
            out.append(Candidate("registered", b.business_id, b.trade_name, b.address, b.status))
        twins = select(Application).where(
            Application.id != app.id, Application.kind == app.kind, Application.status.not_in(closed),
            Application.declared["corporate_number"].astext == d["corporate_number"]).limit(10)
        for a in session.scalars(twins):
            out.append(Candidate("in_flight", a.application_number, a.declared.get("trade_name", ""),
                                 a.declared.get("address", ""), a.status))
        return out
    key = person_key(d["name"], d["name_kana"], d["birth_date"])
    for w in session.scalars(select(Worker).where(Worker.person_key == key)):
        out.append(Candidate("registered", w.worker_id, w.name, f"{w.name_kana} / {w.birth_date}", "registered"))
    twins = select(Application).where(
        Application.id != app.id, Application.kind.in_(("worker_registration", "proxy_worker_registration")),
        Application.status.not_in(closed), Application.declared["birth_date"].astext == d["birth_date"],
        Application.declared["name_kana"].astext == d["name_kana"]).limit(10)
    for a in session.scalars(twins):
        out.append(Candidate("in_flight", a.application_number, a.declared.get("name", ""),
                             f"{a.declared.get('name_kana', '')} / {a.declared.get('birth_date', '')}", a.status))
    return out


def _history(session: Session, app_id: int, corrections: list[FieldCorrection],
             decisions: list[ReviewDecision]) -> list[HistoryEntry]:
    out = [HistoryEntry(s.at, "stage", s.actor, s.reason or "", s.from_status, s.to_status)
           for s in session.scalars(select(StageLog).where(StageLog.application_id == app_id))]
    out += [HistoryEntry(c.at, "correction", c.actor, f"{c.field}：{c.before} → {c.after}（理由：{c.reason}）")
            for c in corrections]
    names = {"approve": "承認", "return": "差戻し", "reject": "却下"}
    for r in decisions:
        what = "一次承認" if r.step == "first" else ("二次" if r.step == "second" else "") + names[r.decision]
        if r.reason_codes:
            what += " 理由：" + "、".join(REASONS_BY_CODE[c].label for c in r.reason_codes if c in REASONS_BY_CODE)
        out.append(HistoryEntry(r.at, "decision", r.actor, what + (f" {r.reason}" if r.reason else "")))
    views = session.scalars(select(AuditLog).where(
        AuditLog.application_id == app_id,
        AuditLog.action.in_(("case.viewed", "case.claimed", "case.released", "case.reassigned")))
        .order_by(AuditLog.id.desc()).limit(200))
    labels = {"case.viewed": "閲覧", "case.claimed": "担当取得", "case.released": "担当解除", "case.reassigned": "担当変更"}
    out += [HistoryEntry(v.at, "view" if v.action == "case.viewed" else "claim", v.actor,
                         labels[v.action] + (f"（→ {v.detail['to']}）" if v.detail.get("to") else ""))
            for v in views]
    return sorted(out, key=lambda h: h.at, reverse=True)


def load(session: Session, application_number: str, *, viewer: str) -> CaseView:
    found = session.execute(select(Application, review_due()).where(
        Application.application_number == application_number)).one_or_none()
    if found is None:
        raise CaseNotFound(application_number)
    app, due = found
    audit(session, actor=viewer, action="case.viewed", application_id=app.id)
    docs = list(session.scalars(select(Document).where(Document.application_id == app.id).order_by(Document.id)))
    corrections = list(session.scalars(select(FieldCorrection).where(FieldCorrection.application_id == app.id)))
    decisions = list(session.scalars(select(ReviewDecision).where(ReviewDecision.application_id == app.id)
                                     .order_by(ReviewDecision.id)))
    corrected_paths = {c.field for c in corrections}
    flags_by_field: dict[str, list[dict[str, Any]]] = {}
    general: list[dict[str, Any]] = []
    for f in app.flags:
        path = (f.get("field") or "").removeprefix("application.")
        if f.get("field", "").startswith("application.") and path:
            flags_by_field.setdefault(path, []).append(f)
        if f.get("stage") != "consent":
            general.append(f)
    rows = []
    for spec in FIELDS.get(app.kind, ()):
        value = get_path(app.declared, spec.path)
        ev, ev_doc, conf = _check(app.kind, spec.path, value, docs)
        field_flags = flags_by_field.get(spec.path, [])
        if field_flags and not ev:
            ev = "mismatch" if any("一致しません" in x.get("message", "") for x in field_flags) else ""
        rows.append(FieldRow(spec.path, spec.label, value, spec.correctable, ev, ev_doc, conf, field_flags,
                             spec.path in corrected_paths))
    views = [DocumentView(d.id, d.role, ROLE_LABELS_JA.get(DocumentRole(d.role), d.role), d.filename, d.media_type,
                          d.pages, d.size, d.ocr_confidence, d.ocr_text or "") for d in docs]
    firsts = [d.actor for d in decisions if d.step == "first"]
    return CaseView(
        app=app, due_at=due, fields=rows, documents=views, candidates=_candidates(session, app),
        history=_history(session, app.id, corrections, decisions),
        consent=[f for f in app.flags if f.get("stage") == "consent"], general_flags=general,
        claim=current_claim(session, app.id),
        second_approval=needs_second_approval(app.kind, app.declared, bool(corrections)),
        first_approver=firsts[-1] if firsts else None,
    )
