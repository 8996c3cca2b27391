"""Postal intake (郵送受付): scanned files → applications (cases), one per application in the stack.

Intake only splits, stores and records, so the scanner is acknowledged fast; reading the form
zones is the pipeline's extract stage. For one file:

1. its SHA-256 is looked up: a file already taken in (whatever its name now) makes no new case;
2. it is inspected in full (type sniffed, every page decoded and sized); a file that cannot be
   read — empty, corrupt, encrypted, a decompression bomb, too many pages, a wrong type behind a
   right extension — goes to quarantine with a note saying why;
3. the original goes to S3; each page's marker (form, version, page n/N) is read and the stack is
   cut into applications at separator sheets and page markers (``models/forms/split``);
4. per application: its documents (the form's pages in page order, each consent form, each page of
   evidence) are stored in S3, then the case, its documents and the segment's page map are
   committed in one transaction; a case is keyed ``mail:<sha256>:<n>``, so a rerun after a crash
   or a second worker on the same file finds it instead of making another;
5. only then is the file moved to ``processed/``. Nothing is deleted.

Paper cannot be refused: a case is made whatever its fields say; they are read and flagged later.

The applicant's answer to a returned mail case (差戻しへの郵送回答) is taken in by ``intake_answer``
with the case's 申請番号 (by hand, or from the watched ``inbox/answers/`` where the file's name starts
with it): stored the same way, it becomes one more segment of that case, which resumes
(services/reading/paper_answers.py says what the new reading does with staff corrections). An answer that
fits no returned mail case is refused: left in place by hand, quarantined with the reason when watched.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import s3, scans
from ccus.infra.attachments import AttachmentError, inspect_attachment
from ccus.infra.db import unit_of_work
from ccus.infra.form_reader import locate
from ccus.infra.settings import get_settings
from ccus.models.application_types import Channel, DocumentRole
from ccus.models.forms.catalogue import BY_KEY, KNOWN_CODES
from ccus.models.forms.marker import Marker
from ccus.models.forms.spec import FormRole
from ccus.models.forms.split import Segment, plan
from ccus.models.status import Status
from ccus.models.tables import Application, Document, MailBatch, MailSegment
from ccus.services.cases import advance, audit, enter
from ccus.services.clock import now_jst
from ccus.services.gate import initial_status, may_move, move, target_status
from ccus.services.intake.submission import next_application_number

log = logging.getLogger(__name__)

APPLICATION_FORM = "application_form"  # document role of the application form's own pages (申請書)
MAIL_MAX_PAGES = 300  # a scanner batch; more is quarantined (split the stack)
MAIL_MAX_BYTES = 300 * 1024 * 1024
DETECT_DPI = 72  # PDF pages are rendered at this resolution to find their markers (6 mm marks: 17 px)
ACTOR = "mail-intake"


# --- the intake folder --------------------------------------------------------------------------

def intake_root() -> Path:
    """The scanner's folder: ``CCUS_MAIL_INTAKE_DIR``, default ``$CCUS_HOME/scanner``."""
    return get_settings().mail_intake_root


@dataclass(frozen=True)
class Folders:
    root: Path

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def answers(self) -> Path:
        """Answers to returned cases, each file named ``<申請番号>…`` (e.g. ``26-0000123-4_scan.pdf``)."""
        return self.inbox / "answers"

    def create(self) -> Folders:
        for p in (self.inbox, self.work, self.processed, self.quarantine):
            p.mkdir(parents=True, exist_ok=True)
        return self


def _move(path: Path, folder: Path, sha256: str, name: str) -> Path:
    """Move ``path`` into ``folder/<date>/`` as ``name``, never over another file."""
    day = folder / now_jst().strftime("%Y-%m-%d")
    day.mkdir(parents=True, exist_ok=True)
    stem, suffix = Path(name).stem, Path(name).suffix
    target = day / name
    n = 0
    while target.exists() or target.with_name(target.name + ".txt").exists():
        n += 1
        target = day / f"{stem}-{sha256[:12]}{'-' + str(n) if n > 1 else ''}{suffix}"
    shutil.move(str(path), str(target))
    return target


def _note(target: Path, lines: list[str]) -> None:
    target.with_name(target.name + ".txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- outcome --------------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What became of one file."""

    file: str
    status: str  # "processed" | "duplicate" | "quarantined" | "failed" (stack down: taken again later)
    # | "refused" (an answer for a case that is not a returned mail case: the file stays)
    cases: list[str] = field(default_factory=list)
    reason: str | None = None
    moved_to: str | None = None
    pages: int = 0
    segments: list[dict[str, Any]] = field(default_factory=list)  # orphan / unsupported segments


# --- one file ---------------------------------------------------------------------------------

def _receive(path: Path, folders: Folders | None, name: str | None
             ) -> tuple[Folders, str, bytes, str, Outcome | None]:
    """A file as it arrives: its folders (created), name (default: its name now), bytes and
    SHA-256, and its outcome if the same bytes came before (see :func:`_taken_before`)."""
    folders = (folders or Folders(intake_root())).create()
    name = name or path.name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    return folders, name, data, sha, _taken_before(path, folders, sha, name, data)


def _taken_before(path: Path, folders: Folders, sha: str, name: str, data: bytes) -> Outcome | None:
    """The outcome of a file whose exact bytes came before: taken in (moved to processed, with a
    note naming its cases) or quarantined (quarantined again, with the first reason). None if new."""
    with unit_of_work() as session:
        batch = session.scalars(select(MailBatch).where(MailBatch.sha256 == sha)).one_or_none()
        known = (batch.status, batch.reason) if batch else None
    if known and known[0] == "done":
        cases = _cases_of(sha)
        moved = _move(path, folders.processed, sha, name)
        _note(moved, [f"既に受付済みのファイルと同一です（SHA-256 {sha}）。新しい申請は作成していません。",
                      *[f"申請番号 {c}" for c in cases]])
        return Outcome(name, "duplicate", cases, "same file already taken in", str(moved))
    if known and known[0] == "quarantined":
        return _quarantine(path, name, folders, sha, known[1] or "quarantined before", data, record=False)
    return None


def _record_batch(session: Session, sha: str, name: str, data: bytes, info: Any) -> int:
    """The file's row in ``mail_batches`` (status splitting until its cases are recorded); its id."""
    session.execute(insert(MailBatch).values(
        sha256=sha, filename=name[:255], size=len(data), media_type=info.media_type, pages=info.pages,
        s3_key=s3.document_key(sha), status=initial_status(MailBatch, "splitting"))
        .on_conflict_do_nothing(index_elements=["sha256"]))
    return int(session.scalars(select(MailBatch.id).where(MailBatch.sha256 == sha)).one())


def intake_file(path: Path, folders: Folders | None = None, *, actor: str = ACTOR, name: str | None = None
                ) -> Outcome:
    """Take one scanned file in (see the module's docstring). Raises only when the stack is down
    (S3, database): the file then stays where it is, to be taken again. ``name`` is the file's
    name as the scanner gave it (default: its name now)."""
    folders, name, data, sha, taken = _receive(path, folders, name)
    if taken is not None:
        return taken

    try:
        info = inspect_attachment(data, name, None, MAIL_MAX_BYTES, get_settings().max_image_pixels,
                                  max_pages=MAIL_MAX_PAGES)
    except AttachmentError as exc:
        return _quarantine(path, name, folders, sha, f"{exc.code}: {exc.message_ja}", data)

    s3.put_if_absent(s3.document_key(sha), data, info.media_type)
    with unit_of_work() as session:
        batch_id = _record_batch(session, sha, name, data, info)

    try:
        markers = _markers(data, info.media_type)
    except Exception as exc:  # noqa: BLE001 - a page that cannot be rendered: the file is unreadable
        return _quarantine(path, name, folders, sha, f"corrupt: ページを読み込めません（{type(exc).__name__}）", data)

    outcome = Outcome(name, "processed", pages=info.pages)
    for seq, segment in enumerate(plan([m for m, _ in markers]), start=1):
        result = _take_segment(batch_id, sha, seq, segment, markers, data, info.media_type, name, actor)
        if result.get("application_number"):
            outcome.cases.append(result["application_number"])
        else:
            outcome.segments.append(result)
    if not outcome.cases:
        reasons = "; ".join(s.get("note", "") for s in outcome.segments) or "申請書のページがありません。"
        return _quarantine(path, name, folders, sha, f"no_application: 申請書（様式マーカー付きのページ）が見つかりません。{reasons}",
                           data)
    with unit_of_work() as session:
        row = session.get(MailBatch, batch_id)
        assert row is not None
        move(row, "done")
        row.finished_at = func.now()
    moved = _move(path, folders.processed, sha, name)
    _note(moved, [f"申請番号 {c}" for c in outcome.cases]
          + [f"申請に属さないページ {s['pages']}: {s['note']}" for s in outcome.segments])
    outcome.moved_to = str(moved)
    return outcome


def _quarantine(path: Path, name: str, folders: Folders, sha: str, reason: str, data: bytes, *,
                record: bool = True) -> Outcome:
    if record:
        with unit_of_work() as session:
            session.execute(insert(MailBatch).values(
                sha256=sha, filename=name[:255], size=len(data), status=initial_status(MailBatch, "quarantined"),
                reason=reason, finished_at=func.now()).on_conflict_do_update(
                    index_elements=["sha256"], where=may_move(MailBatch, "quarantined"),
                    set_={"status": target_status(MailBatch, "quarantined"), "reason": reason,
                          "finished_at": func.now()}))
    moved = _move(path, folders.quarantine, sha, name)
    _note(moved, [f"隔離理由: {reason}", f"SHA-256: {sha}", f"受付: {now_jst().isoformat()}"])
    log.warning("quarantined %s: %s", name, reason)
    return Outcome(name, "quarantined", reason=reason, moved_to=str(moved))


def _cases_of(sha: str) -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(
            select(Application.application_number).join(MailSegment, MailSegment.application_id == Application.id)
            .join(MailBatch, MailBatch.id == MailSegment.batch_id).where(MailBatch.sha256 == sha)
            .order_by(MailSegment.seq)))


def _markers(data: bytes, media_type: str) -> list[tuple[Marker | None, int]]:
    """(marker, rotation) of every page; (None, 0) where no form page is found."""
    out: list[tuple[Marker | None, int]] = []
    for image in scans.images(data, media_type, dpi=DETECT_DPI, grey=True):
        found = locate(image)
        out.append((found.marker, found.rotation) if found else (None, 0))
    return out


# --- one application of the stack ---------------------------------------------------------------

def _documents(segment: Segment, markers: list[tuple[Marker | None, int]]) -> list[tuple[str, list[int]]]:
    """(role, page indices) of each document of the segment: the application form first."""
    docs: list[tuple[str, list[int]]] = []
    if segment.main is not None and segment.main_pages:
        docs.append((APPLICATION_FORM, list(segment.main_pages)))
    attachment: tuple[str, list[int]] | None = None
    for index in segment.pages:
        if index in segment.main_pages:
            continue
        marker = markers[index][0]
        spec = KNOWN_CODES.get(marker.code) if marker else None
        if spec is not None and spec.role is FormRole.ATTACHMENT and marker is not None:
            if marker.page == 1 or attachment is None or attachment[0] != spec.document_role:
                attachment = (spec.document_role, [])
                docs.append(attachment)
            attachment[1].append(index)
        else:
            attachment = None
            docs.append((DocumentRole.OTHER.value, [index]))
    return docs


def _page_map(segment: Segment, docs: list[tuple[str, list[int]]], markers: list[tuple[Marker | None, int]]
              ) -> list[dict[str, Any]]:
    pages = []
    for d, (role, indices) in enumerate(docs):
        for n, index in enumerate(indices):
            marker, rotation = markers[index]
            spec = KNOWN_CODES.get(marker.code) if marker else None
            pages.append({"source_page": index + 1, "document": d, "doc_page": n, "role": role,
                          "form": spec.key if spec else None, "rotation": rotation,
                          "marker": ({"code": marker.code, "version": marker.version, "page": marker.page,
                                      "pages": marker.pages} if marker else None)})
    return pages


def _take_segment(batch_id: int, sha: str, seq: int, segment: Segment, markers: list[tuple[Marker | None, int]],
                  data: bytes, media_type: str, filename: str, actor: str) -> dict[str, Any]:
    key = f"mail:{sha}:{seq}"
    with unit_of_work() as session:
        done = session.scalars(select(MailSegment).where(MailSegment.batch_id == batch_id,
                                                         MailSegment.seq == seq)).one_or_none()
        if done is not None:
            number = session.scalars(select(Application.application_number)
                                     .where(Application.id == done.application_id)).one_or_none()
            return {"application_number": number, "seq": seq, "status": done.status, "note": done.note,
                    "pages": [p["source_page"] for p in done.pages]}
    spec = KNOWN_CODES.get(segment.main.code) if segment.main else None
    docs = _documents(segment, markers)
    pages = _page_map(segment, docs, markers)
    source_pages = [i + 1 for i in segment.pages]
    if spec is None or spec.kind is None:
        status = "orphan" if spec is None else "unsupported"
        note = ("申請書のない書類のみの区切りです。審査担当者が確認してください。" if spec is None
                else f"{spec.title}（様式{spec.key}）は、まだ申請として受け付けられません。担当者が処理してください。")
        with unit_of_work() as session:
            session.execute(insert(MailSegment).values(
                batch_id=batch_id, seq=seq, status=initial_status(MailSegment, status), note=note, pages=pages,
                form_key=spec.key if spec else None).on_conflict_do_nothing())
        return {"application_number": None, "seq": seq, "status": status, "note": note, "pages": source_pages}

    stored = _store(data, media_type, docs, filename, seq)
    with unit_of_work() as session:
        app = Application(application_number=next_application_number(session), kind=spec.kind,
                          channel=Channel.MAIL.value, declared={}, idempotency_key=key, request_hash=sha)
        # A new case has no documents yet: each distinct (role, digest) of the segment is recorded.
        distinct = len({(role, digest) for role, digest, *_ in stored})
        enter(session, app, [(Status.RECEIVED, f"mail intake: {filename} pages {source_pages}"),
                             (Status.DOCUMENTS_STORED, f"{distinct} document(s) stored")], actor=actor)
        ids = _record(session, app.id, stored)
        for p in pages:
            p["document_id"] = ids[p.pop("document")]
        session.add(MailSegment(batch_id=batch_id, seq=seq, application_id=app.id, form_key=spec.key,
                                status=initial_status(MailSegment, "case"), pages=pages))
        audit(session, actor=actor, action="application.received", application_id=app.id,
              channel=Channel.MAIL.value, kind=spec.kind, documents=len([i for i in ids if i]),
              batch_sha256=sha, segment=seq)
        number = app.application_number
    return {"application_number": number, "seq": seq, "status": "case", "pages": source_pages}


_Stored = tuple[str, str, bytes, str, int, str]  # role, sha, bytes, media type, pages, name


def _store(data: bytes, media_type: str, docs: list[tuple[str, list[int]]], filename: str, seq: int
           ) -> list[_Stored]:
    """Each document's pages cut out of the scanned file and put in S3 (content-addressed)."""
    stored: list[_Stored] = []
    stem = Path(filename).stem
    for d, (role, indices) in enumerate(docs):
        blob, blob_type = scans.subset(data, media_type, indices)
        digest = hashlib.sha256(blob).hexdigest()
        s3.put_if_absent(s3.document_key(digest), blob, blob_type)
        ext = {"application/pdf": "pdf", "image/tiff": "tif", "image/jpeg": "jpg", "image/png": "png"}[blob_type]
        stored.append((role, digest, blob, blob_type, len(indices), f"{stem}-{seq}-{d + 1}.{ext}"))
    return stored


def _record(session: Session, app_id: int, stored: list[_Stored]) -> list[int | None]:
    """The document rows of ``stored`` (ids in order): a document the case already has is not
    recorded twice; the same pages twice in one file are recorded once (None for the repeat)."""
    have = {(d.role, d.sha256): d.id for d in session.scalars(select(Document).where(Document.application_id == app_id))}
    ids: list[int | None] = []
    seen: set[tuple[str, str]] = set()
    for role, digest, blob, blob_type, count, name in stored:
        if (role, digest) in seen:  # the same page scanned twice in one application
            ids.append(None)
            continue
        seen.add((role, digest))
        if (role, digest) in have:
            ids.append(have[(role, digest)])
            continue
        doc = Document(application_id=app_id, role=role, s3_key=s3.document_key(digest), sha256=digest,
                       size=len(blob), media_type=blob_type, pages=count, filename=name[:255])
        session.add(doc)
        session.flush()
        ids.append(doc.id)
    return ids


# --- the applicant's answer to a return (差戻しへの郵送回答) ---------------------------------------------

def intake_answer(path: Path, application_number: str, folders: Folders | None = None, *, actor: str = ACTOR,
                  name: str | None = None) -> Outcome:
    """Take in the applicant's answer to a returned mail case: the file (a corrected form, new
    evidence, or both) is stored like any scan, recorded as one more segment of case
    ``application_number``, and the case resumes at ``documents_stored`` with the same 申請番号;
    the extract stage then reads the answer and merges it (services/reading/paper_answers.py). The person
    opening the post knows the case from the return notice sent back with the answer. A case
    that is not a returned mail case is refused: the file stays where it is."""
    folders, name, data, sha, taken = _receive(path, folders, name)
    if taken is not None:
        return taken
    with unit_of_work() as session:
        app = session.scalars(select(Application).where(Application.application_number == application_number)
                              ).one_or_none()
        form_keys = [k for k in session.scalars(select(MailSegment.form_key).where(
            MailSegment.application_id == app.id).order_by(MailSegment.id))] if app else []
        state = (app.status, app.channel) if app else None
    if state is None or state != (Status.RETURNED.value, Channel.MAIL.value):
        why = ("該当する申請がありません。" if state is None
               else "郵送で受け付けた差戻し中の申請ではありません（現在の状態：" + state[0] + "）。")
        return Outcome(name, "refused", reason=f"{application_number}: {why}")
    try:
        info = inspect_attachment(data, name, None, MAIL_MAX_BYTES, get_settings().max_image_pixels,
                                  max_pages=MAIL_MAX_PAGES)
        markers = _markers(data, info.media_type)
    except AttachmentError as exc:
        return _quarantine(path, name, folders, sha, f"{exc.code}: {exc.message_ja}", data)
    except Exception as exc:  # noqa: BLE001 - a page that cannot be rendered: the file is unreadable
        return _quarantine(path, name, folders, sha, f"corrupt: ページを読み込めません（{type(exc).__name__}）", data)

    form = next((BY_KEY[k] for k in form_keys if k in BY_KEY), None)
    segment = Segment()  # the whole envelope answers one case; separator sheets are left out
    for index, (marker, _) in enumerate(markers):
        spec = KNOWN_CODES.get(marker.code) if marker else None
        if spec is not None and spec.role is FormRole.SEPARATOR:
            continue
        segment.pages.append(index)
        if marker is not None and form is not None and marker.code == form.code:
            segment.main = segment.main or marker
            segment.main_pages.append(index)
    segment.main_pages.sort(key=lambda i: (markers[i][0].page if markers[i][0] else 0, i))  # type: ignore[union-attr]
    s3.put_if_absent(s3.document_key(sha), data, info.media_type)
    docs = _documents(segment, markers)
    pages = _page_map(segment, docs, markers)
    stored = _store(data, info.media_type, docs, name, 1)
    with unit_of_work() as session:
        batch_id = _record_batch(session, sha, name, data, info)
        app = session.scalars(select(Application).where(Application.application_number == application_number)
                              .with_for_update()).one()
        if app.status != Status.RETURNED.value:  # resumed meanwhile by another answer
            session.rollback()
            return Outcome(name, "refused", reason=f"{application_number}: 差戻し中ではなくなりました（{app.status}）。")
        ids = _record(session, app.id, stored)
        for p in pages:
            p["document_id"] = ids[p.pop("document")]
        session.add(MailSegment(batch_id=batch_id, seq=1, application_id=app.id, form_key=form.key if form else None,
                                status=initial_status(MailSegment, "case"), pages=pages))
        advance(session, app, Status.DOCUMENTS_STORED, actor=actor,
                reason=f"applicant answered the return by mail: {name} ({len(segment.pages)} page(s), "
                       f"{len(segment.main_pages)} form page(s))")
        audit(session, actor=actor, action="application.resubmitted", application_id=app.id,
              channel=Channel.MAIL.value, documents=len([i for i in ids if i]), batch_sha256=sha)
        batch_row = session.get(MailBatch, batch_id)
        assert batch_row is not None
        move(batch_row, "done")
        batch_row.finished_at = func.now()
    moved = _move(path, folders.processed, sha, name)
    _note(moved, [f"差戻しへの回答 申請番号 {application_number}"])
    return Outcome(name, "processed", [application_number], pages=info.pages, moved_to=str(moved))


# --- the watched folder ------------------------------------------------------------------------

IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".txt")


def stable_files(inbox: Path, settle_seconds: float = 5.0, now: float | None = None) -> list[Path]:
    """Files of ``inbox`` ready to take: not hidden or partial, unchanged for ``settle_seconds``
    (a scanner still writing keeps touching its file; one that arrives by rename is complete)."""
    import time

    now = time.time() if now is None else now
    ready = []
    for p in sorted(inbox.iterdir()) if inbox.exists() else []:
        if not p.is_file() or p.name.startswith(".") or p.name.lower().endswith(IGNORED_SUFFIXES):
            continue
        with contextlib.suppress(FileNotFoundError):
            if now - p.stat().st_mtime >= settle_seconds:
                ready.append(p)
    return ready


def claim_file(path: Path, folders: Folders) -> Path | None:
    """Move a ready file from the inbox into ``work/`` (an atomic rename): of several workers
    watching the same folder, exactly one gets it. None if another was first. An answer (from
    ``inbox/answers/``) goes to ``work/answers/``."""
    work = folders.work / "answers" if path.parent == folders.answers else folders.work
    work.mkdir(exist_ok=True)
    target = work / f"{os.getpid()}-{path.name}"
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    return target


def recover_work(folders: Folders, older_than_seconds: float = 600.0) -> list[Path]:
    """Files left in ``work/`` by a worker that died: back to the inbox, to be taken again."""
    import time

    back = []
    for work, inbox in ((folders.work, folders.inbox), (folders.work / "answers", folders.answers)):
        for p in sorted(work.iterdir()) if work.exists() else []:
            if p.is_file() and time.time() - p.stat().st_mtime > older_than_seconds:
                original = p.name.split("-", 1)[1] if "-" in p.name else p.name
                target = inbox / original
                if not target.exists():
                    inbox.mkdir(parents=True, exist_ok=True)
                    os.rename(p, target)
                    back.append(target)
    return back


def drain_inbox(folders: Folders | None = None, *, settle_seconds: float = 5.0, limit: int = 50,
                actor: str = ACTOR) -> list[Outcome]:
    """Take every ready file of the inbox (up to ``limit``); one bad file never stops the rest."""
    folders = (folders or Folders(intake_root())).create()
    outcomes = []
    ready = stable_files(folders.inbox, settle_seconds) + stable_files(folders.answers, settle_seconds)
    for path in ready[:limit]:
        claimed = claim_file(path, folders)
        if claimed is None:
            continue
        try:
            if path.parent == folders.answers:
                outcomes.append(_take_answer(claimed, path.name, folders, actor))
                continue
            outcomes.append(intake_file(claimed, folders, actor=actor, name=path.name))
        except Exception as exc:  # noqa: BLE001 - stack down: the file waits in work/ for recovery
            log.warning("intake of %s failed (%s); it will be taken again", path.name, type(exc).__name__)
            outcomes.append(Outcome(path.name, "failed", reason=f"{type(exc).__name__}: {exc}"))
    return outcomes


ANSWER_NAME = re.compile(r"^([0-9]{2}-[0-9]{7}-[0-9])")


def _take_answer(claimed: Path, name: str, folders: Folders, actor: str) -> Outcome:
    """An answer from the watched ``inbox/answers/``: the 申請番号 is the start of its name. One
    that cannot be taken as an answer (no number, no returned mail case of that number) goes to
    quarantine with the reason, for a clerk to route by hand."""
    found = ANSWER_NAME.match(name)
    outcome = (intake_answer(claimed, found[1], folders, actor=actor, name=name) if found
               else Outcome(name, "refused", reason="ファイル名の先頭に申請番号（例 26-0000123-4）がありません。"))
    if outcome.status != "refused":
        return outcome
    data = claimed.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    moved = _move(claimed, folders.quarantine, sha, name)
    _note(moved, [f"差戻しへの回答として受け付けられません: {outcome.reason}", f"SHA-256: {sha}",
                  "申請番号を確かめ、ccus intake mail --answer-to で受け付けてください。"])
    return Outcome(name, "refused", reason=outcome.reason, moved_to=str(moved))
