"""What a reviewer sees of one case (審査画面): the data beside the evidence, and everything that
happened to it. Reading the case is audited (``case.viewed``) in the same transaction.

The documents shown are those in force; the ones an answer to a return superseded are in the
history. A mail case's fields carry their zones on the page images (as read: pixels of the page
at the reading resolution), drawn over the page, flagged ones marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from ccus.models.application_types import ROLE_LABELS_JA, DocumentRole, Kind
from ccus.models.evidence import DocumentText, match_evidence
from ccus.models.forms.catalogue import BY_KEY
from ccus.models.persons import person_key
from ccus.models.qualifications import card_level
from ccus.models.review_deadline import review_due
from ccus.models.review_rules import FIELDS, REASONS_BY_CODE, get_path, needs_second_approval
from ccus.models.status_column import as_text
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
from ccus.services.review.queue import live_claim


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
    zoned: bool = False  # its zone is drawn on a page image


@dataclass
class Zone:
    key: str  # the field's path in the declared data (its row's data-field), else the form field's name
    label: str
    points: str  # the polygon, "x,y x,y …" in pixels of the page image it was read on
    severity: str  # "block" | "warn" | "" (read cleanly)


@dataclass
class ZonePage:
    """The zones on one page of a document, in the pixel space of the image the page was read on."""

    document_id: int
    page: int
    width: int
    height: int
    zones: list[Zone] = field(default_factory=list)


@dataclass
class SupersededDocument:
    id: int
    role_ja: str
    filename: str
    pages: int
    at: datetime
    by: str  # the replacing document's file name


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
    kind: str  # "stage" | "correction" | "decision" | "view" | "claim" | "document"
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
    zone_pages: list[ZonePage] = field(default_factory=list)
    superseded: list[SupersededDocument] = field(default_factory=list)


def _check(kind: str, path: str, value: Any, docs: list[Document]) -> tuple[str, str, float | None]:
    """The field's row of the evidence table (``models/evidence.py``) against the case's documents."""
    texts = [DocumentText(d.id, d.role, d.ocr_text or "", d.ocr_confidence) for d in docs]
    found = match_evidence(kind, path, value, texts)
    if not found.result:
        return "", "", None
    return found.result, ROLE_LABELS_JA[DocumentRole(found.role)], found.confidence


def _candidates(session: Session, app: Application) -> list[Candidate]:
    """The registered party and the open applications that look like this case's, in one query."""
    d = app.declared
    closed = ("rejected", "registered")
    if app.kind not in FIELDS:  # later kinds (changes, renewals) concern a party already registered
        return []
    declared = Application.declared

    def text(key: str) -> Any:
        return func.coalesce(declared[key].astext, "")

    if app.kind == Kind.BUSINESS_REGISTRATION.value:
        if not d.get("corporate_number"):
            return []
        registered = select(literal("registered"), Business.business_id, Business.trade_name, Business.address,
                            as_text(Business.status)).where(Business.corporate_number == d["corporate_number"])
        in_flight = select(literal("in_flight"), Application.application_number, text("trade_name"), text("address"),
                           as_text(Application.status)).where(
            Application.id != app.id, Application.kind == app.kind, Application.status.not_in(closed),
            declared["corporate_number"].astext == d["corporate_number"]).limit(10)
    else:
        key = person_key(d["name"], d["name_kana"], d["birth_date"])
        registered = select(literal("registered"), Worker.worker_id, Worker.name,
                            func.concat(Worker.name_kana, " / ", Worker.birth_date), literal("registered")
                            ).where(Worker.person_key == key)
        in_flight = select(literal("in_flight"), Application.application_number, text("name"),
                           func.concat(text("name_kana"), " / ", text("birth_date")), as_text(Application.status)).where(
            Application.id != app.id, Application.kind.in_(("worker_registration", "proxy_worker_registration")),
            Application.status.not_in(closed), declared["birth_date"].astext == d["birth_date"],
            declared["name_kana"].astext == d["name_kana"]).limit(10)
    return [Candidate(*row) for row in session.execute(union_all(registered, in_flight))]


_VIEWS = {"case.viewed": "閲覧", "case.claimed": "担当取得", "case.released": "担当解除", "case.reassigned": "担当変更"}


def _history(session: Session, app_id: int, corrections: list[FieldCorrection],
             decisions: list[ReviewDecision], superseded: list[SupersededDocument]) -> list[HistoryEntry]:
    # The stage log and the views and claims of the audit log, in one query.
    stages = select(StageLog.at, literal("stage").label("what"), StageLog.actor, StageLog.reason,
                    StageLog.from_status, StageLog.to_status, cast(null(), JSONB).label("detail")
                    ).where(StageLog.application_id == app_id)
    views = select(AuditLog.at, AuditLog.action, AuditLog.actor, cast(null(), Text), cast(null(), Text),
                   cast(null(), Text), AuditLog.detail).where(
        AuditLog.application_id == app_id, AuditLog.action.in_(tuple(_VIEWS))).order_by(AuditLog.id.desc()).limit(200)
    out: list[HistoryEntry] = []
    for at, what, actor, reason, from_status, to_status, detail in session.execute(union_all(stages, views)):
        if what == "stage":
            out.append(HistoryEntry(at, "stage", actor, reason or "", from_status, to_status))
        else:
            to = (detail or {}).get("to")
            out.append(HistoryEntry(at, "view" if what == "case.viewed" else "claim", actor,
                                    _VIEWS[what] + (f"（→ {to}）" if to else "")))
    out += [HistoryEntry(c.at, "correction", c.actor, f"{c.field}：{c.before} → {c.after}（理由：{c.reason}）")
            for c in corrections]
    out += [HistoryEntry(d.at, "document", "申請者", f"差し替え：{d.role_ja} {d.filename} → {d.by}") for d in superseded]
    names = {"approve": "承認", "return": "差戻し", "reject": "却下"}
    for r in decisions:
        what = "一次承認" if r.step == "first" else ("二次" if r.step == "second" else "") + names[r.decision]
        if r.reason_codes:
            what += " 理由：" + "、".join(REASONS_BY_CODE[c].label for c in r.reason_codes if c in REASONS_BY_CODE)
        out.append(HistoryEntry(r.at, "decision", r.actor, what + (f" {r.reason}" if r.reason else "")))
    return sorted(out, key=lambda h: h.at, reverse=True)


A4_MM = (210.0, 297.0)
_SEVERITY = {"block": 2, "warn": 1, "": 0}


def _page_size(zone: dict[str, Any]) -> tuple[int, int]:
    """The pixel size of the image a zone was read on (older readings did not keep it: an A4 page
    at the reading resolution, lying as the page lay)."""
    if zone.get("size_px"):
        w, h = zone["size_px"]
        return int(w), int(h)
    dpi = float(zone.get("dpi") or 300)
    w, h = (round(mm / 25.4 * dpi) for mm in A4_MM)
    return (h, w) if zone.get("rotation") in (90, 270) else (w, h)


def zone_pages(app: Application, flags_by_field: dict[str, list[dict[str, Any]]]) -> list[ZonePage]:
    """Every zone a mail case's reading kept (its form's fields, and the flags that point at a zone
    of another form, such as a consent form), grouped by page; a field's severity is its worst flag's."""
    mail = (app.extracted or {}).get("mail") or {}
    spec = BY_KEY.get(mail.get("form") or "")
    pages: dict[tuple[int, int], ZonePage] = {}
    drawn: set[tuple[int, int, str]] = set()

    def add(zone: dict[str, Any], key: str, label: str, severity: str) -> None:
        poly = zone.get("polygon_px")
        if not poly or not zone.get("document_id") or not zone.get("page"):
            return
        where = (int(zone["document_id"]), int(zone["page"]))
        points = " ".join(f"{int(x)},{int(y)}" for x, y in poly)
        if (*where, points) in drawn:
            return
        drawn.add((*where, points))
        if where not in pages:
            pages[where] = ZonePage(*where, *_page_size(zone))
        pages[where].zones.append(Zone(key, label, points, severity))

    for name, reading in (mail.get("fields") or {}).items():
        f = next((x for x in spec.fields() if x.name == name), None) if spec else None
        key = f.path if f is not None and f.path else name
        flags = flags_by_field.get(key, [])
        severity = max((x.get("severity", "") for x in flags), key=lambda v: _SEVERITY.get(v, 0), default="")
        if not severity and reading.get("status") not in (None, "ok"):
            severity = "warn"
        add(reading.get("zone") or {}, key, f.label if f is not None else name, severity)
    for flag in app.flags:
        key = (flag.get("field") or "").removeprefix("application.")
        add(flag.get("zone") or {}, key, flag.get("message", ""), flag.get("severity", "warn"))
    return sorted(pages.values(), key=lambda p: (p.document_id, p.page))


def load(session: Session, application_number: str, *, viewer: str) -> CaseView:
    found = session.execute(select(Application, ReviewClaim).outerjoin(ReviewClaim, live_claim())
                            .where(Application.application_number == application_number)).one_or_none()
    if found is None:
        raise CaseNotFound(application_number)
    app, claim = found
    due = review_due(app.kind, app.received_at)
    audit(session, actor=viewer, action="case.viewed", application_id=app.id)
    every = list(session.scalars(select(Document).where(Document.application_id == app.id).order_by(Document.id)))
    docs = [d for d in every if d.superseded_at is None]
    by_id = {d.id: d for d in every}
    superseded = [SupersededDocument(d.id, ROLE_LABELS_JA.get(DocumentRole(d.role), d.role), d.filename, d.pages,
                                     d.superseded_at, by_id[d.superseded_by_id].filename
                                     if d.superseded_by_id in by_id else "")
                  for d in every if d.superseded_at is not None]
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
    zones = zone_pages(app, flags_by_field)
    zoned = {z.key for p in zones for z in p.zones}
    read = _read_confidence(app)
    rows = []
    for spec in FIELDS.get(app.kind, ()):
        value = get_path(app.declared, spec.path)
        ev, ev_doc, conf = _check(app.kind, spec.path, value, docs)
        if conf is None:
            conf = read.get(spec.path)
        field_flags = flags_by_field.get(spec.path, [])
        if field_flags and not ev:
            ev = "mismatch" if any("一致しません" in x.get("message", "") for x in field_flags) else ""
        rows.append(FieldRow(spec.path, spec.label, value, spec.correctable, ev, ev_doc, conf, field_flags,
                             spec.path in corrected_paths, spec.path in zoned))
    rows += qualification_rows(app, docs, flags_by_field)
    views = [DocumentView(d.id, d.role, ROLE_LABELS_JA.get(DocumentRole(d.role), d.role), d.filename, d.media_type,
                          d.pages, d.size, d.ocr_confidence, d.ocr_text or "") for d in docs]
    firsts = [d.actor for d in decisions if d.step == "first"]
    return CaseView(
        app=app, due_at=due, fields=rows, documents=views, candidates=_candidates(session, app),
        history=_history(session, app.id, corrections, decisions, superseded),
        consent=[f for f in app.flags if f.get("stage") == "consent"], general_flags=general,
        claim=claim,
        second_approval=needs_second_approval(app.kind, app.declared, bool(corrections)),
        first_approver=firsts[-1] if firsts else None,
        zone_pages=zones, superseded=superseded,
    )


def qualification_rows(app: Application, docs: list[Document],
                       flags_by_field: dict[str, list[dict[str, Any]]]) -> list[FieldRow]:
    """A row per declared qualification (a registration's, or a change's) against the certificates
    (``models/evidence.py``'s ``qualifications`` row), flagged when its certificate is missing; then
    the card level the qualifications earn once verified."""
    d = app.declared
    quals = d.get("qualifications") or (d.get("changes") or {}).get("qualifications") or []
    rows = []
    for n, q in enumerate(quals):
        path = f"qualifications.{n}"
        ev, ev_doc, conf = _check(app.kind, "qualifications", q, docs)
        field_flags = flags_by_field.get(path, [])
        if field_flags and ev != "match":
            ev = "mismatch"
        rows.append(FieldRow(path, f"保有資格{n + 1}", f"{q.get('name')}（番号 {q.get('number')}・取得日 {q.get('obtained_on')}）",
                             False, ev, ev_doc, conf, field_flags))
    if quals:
        level = card_level(q.get("name", "") for q in quals)
        rows.append(FieldRow("card_level", "カードのレベル（申告の資格による）", level.label_ja, False, "", "", None))
    return rows


def _read_confidence(app: Application) -> dict[str, float]:
    """A mail case's reading confidence of each declared field (by path)."""
    mail = (app.extracted or {}).get("mail") or {}
    spec = BY_KEY.get(mail.get("form") or "")
    if spec is None:
        return {}
    paths = {f.name: f.path for f in spec.fields() if f.path}
    return {paths[name]: r["confidence"] for name, r in (mail.get("fields") or {}).items()
            if name in paths and r.get("confidence") is not None}
