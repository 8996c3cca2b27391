"""Print batches (印刷バッチ): each case's postcard or card order goes into exactly one batch.

A case's carrier (postcard PDF, card order + face preview) is rendered when its secrets are drawn
and becomes ``final`` once they are delivered. A batch run claims the final carriers that are in no
batch yet (``FOR UPDATE SKIP LOCKED``) for a new batch row in state ``building``, in one short
transaction; then, holding no lock, merges them page by page into one PDF (no re-rendering: the
secrets are no longer known) and writes the print shop's manifest (no secrets); then marks the
batch ``ready`` and its members ``batched``. A batch whose builder died is built again by the next
run (same keys). Only after that are the per-case files, which hold the secrets, deleted; a run
that dies in between leaves them to the next run's sweep.

Every secret-bearing file is sealed (infra/sealed.py): a per-case file under its print job's data
key, a batch's files under the batch's key. Deleting the files destroys their keys too, so the
bytes an S3 delete leaves on the server's disk can never be read (crypto-shredding).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from sqlalchemy import Connection, delete, func, select, text, update
from sqlalchemy.orm import Session

from ccus.infra import faults, s3, sealed
from ccus.infra.card_pdf import merge_pdfs
from ccus.infra.db import get_engine, unit_of_work
from ccus.infra.postcard_pdf import postcard_manifest_csv
from ccus.models.billing_tables import PrintBatch
from ccus.models.spreadsheet_cells import neutralise_row
from ccus.models.tables import Application, Business, PrintJob
from ccus.services.cases import audit
from ccus.services.clock import now_jst
from ccus.services.gate import bulk_move, initial_status, may_move, target_status

KINDS = {"postcard": "P", "card_order": "C"}


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PostcardRow:
    application_number: str
    business_id: str
    postcode: str
    address: str
    recipient_name: str


def preview_key(order_key: str) -> str:
    """The face preview stored beside a card order."""
    return order_key.removesuffix(".json") + "-preview.pdf"


def make_batch(kind: str, *, limit: int = 500) -> str | None:
    """Build one batch of ``kind``: first a batch whose builder died, else a new batch of up to
    ``limit`` final carriers in no batch yet. Returns its number, or None when there is nothing to do.

    Three steps, none holding a row lock across I/O: claim (one short transaction writes the batch
    row in state ``building`` and points its jobs at it), build (fetch, merge and upload the files,
    no transaction; the keys come from the batch number, so a second build overwrites the first),
    finish (one short transaction: batch ``ready``, jobs ``batched``). The builder holds a
    session-level advisory lock on its batch for the build (no transaction, no row lock): when
    its process dies the lock goes with its connection, and the next run resumes the batch."""
    if kind not in KINDS:
        raise ValueError(kind)
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as lock:
        try:
            built = _claim_and_build(kind, limit, lock)
            if built is None:
                return None
            batch_id, number = built
            faults.point("printing.batch_uploaded")
            _finish(batch_id)
        finally:  # the connection goes back to the pool: it must not keep the lock
            lock.execute(text("SELECT pg_advisory_unlock_all()"))
    faults.point("printing.batch_committed")
    purge_batched_carriers()
    return number


def _claim_and_build(kind: str, limit: int, lock: Connection) -> tuple[int, str] | None:
    """The batch resumed or claimed, and its number once built (a batch whose carriers were all set
    aside is dropped, and the next one claimed); None when nothing waits."""
    while (batch_id := _resume_abandoned(kind, lock) or _claim(kind, limit, lock)) is not None:
        if (number := _build(batch_id)) is not None:
            return batch_id, number
    return None


_BUILD_LOCK = 0x5042  # advisory lock namespace of print batch builders ("PB")


def _try_lock(lock: Connection, batch_id: int) -> bool:
    return bool(lock.execute(text("SELECT pg_try_advisory_lock(:ns, :id)"),
                             {"ns": _BUILD_LOCK, "id": batch_id}).scalar_one())


def _unlock(lock: Connection, batch_id: int) -> None:
    lock.execute(text("SELECT pg_advisory_unlock(:ns, :id)"), {"ns": _BUILD_LOCK, "id": batch_id})


def _resume_abandoned(kind: str, lock: Connection) -> int | None:
    """A batch of ``kind`` still ``building`` whose builder is gone (nobody holds its lock)."""
    with unit_of_work() as session:
        candidates = list(session.scalars(select(PrintBatch.id).where(
            PrintBatch.kind == kind, PrintBatch.status == "building").order_by(PrintBatch.id)))
    for batch_id in candidates:
        if not _try_lock(lock, batch_id):
            continue  # its builder is alive
        with unit_of_work() as session:  # finished between the look and the lock?
            if session.scalar(select(PrintBatch.status).where(PrintBatch.id == batch_id)) == "building":
                return batch_id
        _unlock(lock, batch_id)
    return None


def _claim(kind: str, limit: int, lock: Connection) -> int | None:
    """One short transaction: a new batch row (``building``) and its jobs pointed at it."""
    with unit_of_work() as session:
        jobs = list(session.scalars(
            select(PrintJob).where(PrintJob.kind == kind, PrintJob.status == "final", PrintJob.batch_id.is_(None))
            .order_by(PrintJob.id).limit(limit).with_for_update(skip_locked=True)))
        if not jobs:
            return None
        serial = session.execute(text("SELECT nextval('print_batch_serial')")).scalar_one()
        number = f"{KINDS[kind]}{now_jst():%Y%m%d}-{serial:05d}"
        prefix = f"print-batches/{number}"
        body_key = f"{prefix}/postcards.pdf" if kind == "postcard" else f"{prefix}/card-orders.jsonl"
        batch = PrintBatch(batch_number=number, kind=kind, s3_key=body_key, manifest_key=f"{prefix}/manifest.csv",
                           items=len(jobs), data_key=sealed.new_data_key(),
                           status=initial_status(PrintBatch, "building"))
        session.add(batch)
        session.flush()
        for j in jobs:
            j.batch_id = batch.id
        # Locked before the row is visible to anyone, so no other run takes it for abandoned.
        if not _try_lock(lock, batch.id):
            raise RuntimeError(f"print batch id {batch.id} is locked before it exists")
        return batch.id


def _build(batch_id: int) -> str | None:
    """Fetch, merge and upload a claimed batch's files; no transaction is open meanwhile. A carrier
    whose file does not open under its key is set aside (``_set_aside``) and the batch is built
    from the others; None when none was left (the batch is dropped)."""
    with unit_of_work() as session:
        batch = session.get_one(PrintBatch, batch_id)
        jobs = list(session.scalars(select(PrintJob).where(PrintJob.batch_id == batch_id).order_by(PrintJob.id)))
        session.expunge_all()
    assert batch.data_key is not None
    faults.point("printing.batch_claimed")
    files: dict[int, tuple[bytes, ...]] = {}
    unreadable: list[PrintJob] = []
    for j in jobs:
        try:
            files[j.id] = ((_job_file(j, j.s3_key),) if batch.kind == "postcard" else
                           (_job_file(j, j.s3_key), _job_file(j, preview_key(j.s3_key))))
            if batch.kind != "postcard":
                json.loads(files[j.id][0])
        except (InvalidTag, ValueError) as exc:  # a missing object raises otherwise: retried as a whole
            log.warning("print job %s set aside: its file does not open under its key (%s)",
                        j.effect_key, type(exc).__name__)
            unreadable.append(j)
    if unreadable:
        jobs = [j for j in jobs if j.id in files]
        if not _set_aside(batch_id, unreadable, remaining=len(jobs)):
            return None
    if batch.kind == "postcard":
        with unit_of_work() as session:
            rows = _postcard_rows(session, jobs)
        sealed.put(batch.s3_key, merge_pdfs([files[j.id][0] for j in jobs]), batch.data_key)
        manifest = postcard_manifest_csv(batch.batch_number, rows)
    else:
        orders = [json.loads(files[j.id][0]) for j in jobs]
        body = "\n".join(json.dumps(o, ensure_ascii=False) for o in orders).encode() + b"\n"
        sealed.put(batch.s3_key, body, batch.data_key)
        sealed.put(batch_previews_key(batch.batch_number), merge_pdfs([files[j.id][1] for j in jobs]), batch.data_key)
        manifest = _card_manifest(batch.batch_number, orders)
    s3.put_bytes(batch.manifest_key, manifest, "text/csv")
    return batch.batch_number


def _set_aside(batch_id: int, unreadable: list[PrintJob], *, remaining: int) -> bool:
    """One short transaction: the unreadable carriers leave the batch as ``unreadable`` (an
    operator re-renders them; each in the audit log); the batch keeps the others, or is dropped
    when none is left. True if the batch goes on."""
    ids = [j.id for j in unreadable]
    with unit_of_work() as session:
        bulk_move(session, PrintJob, "unreadable", PrintJob.id.in_(ids))
        session.execute(update(PrintJob).where(PrintJob.id.in_(ids)).values(batch_id=None))
        for j in unreadable:
            audit(session, actor="system", action="print_job.unreadable", application_id=j.application_id,
                  effect_key=j.effect_key, s3_key=j.s3_key)
        if remaining:
            session.execute(update(PrintBatch).where(PrintBatch.id == batch_id).values(items=remaining))
        else:
            session.execute(delete(PrintBatch).where(PrintBatch.id == batch_id))
    return remaining > 0


def _finish(batch_id: int) -> None:
    """One short transaction: the batch is ready for the print shop, its jobs are batched."""
    with unit_of_work() as session:
        bulk_move(session, PrintBatch, "ready", PrintBatch.id == batch_id)
        bulk_move(session, PrintJob, "batched", PrintJob.batch_id == batch_id)


def batch_previews_key(batch_number: str) -> str:
    return f"print-batches/{batch_number}/card-previews.pdf"


def _job_file(job: PrintJob, key: str) -> bytes:
    """A per-case file of ``job``: sealed under its data key, or as stored before sealing began."""
    return s3.get_bytes(key) if job.data_key is None else sealed.get(key, job.data_key)


def _postcard_rows(session: Session, jobs: list[PrintJob]) -> list[PostcardRow]:
    """The manifest rows of ``jobs``, in their order, read in one query."""
    ids = [j.application_id for j in jobs]
    # A business's own postcard goes to the business it registered; the postcard telling the filer
    # of a 代行申請 that its worker is registered (services/issuance/filer.py) goes to the filer.
    found = {app_id: (number, biz) for app_id, number, biz in session.execute(
        select(Application.id, Application.application_number, Business)
        .join(Business, Business.application_id == Application.id).where(Application.id.in_(ids)))}
    found.update({app_id: (number, biz) for app_id, number, biz in session.execute(
        select(Application.id, Application.application_number, Business)
        .join(Business, Business.business_id == func.coalesce(
            Application.filed_by_business_id, Application.declared["proxy"]["filer_business_id"].astext))
        .where(Application.id.in_([i for i in ids if i not in found])))})
    rows = []
    for j in jobs:
        assert j.application_id is not None  # postcards are always an application's
        number, biz = found[j.application_id]
        rows.append(PostcardRow(number, biz.business_id, biz.postcode, biz.address, biz.trade_name))
    return rows


def _card_manifest(number: str, orders: list[dict[str, object]]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(("batch_id", "seq", "worker_id", "name", "level", "colour", "expires_on", "reissue",
                "postcode", "address", "recipient_name", "barcode_data"))
    for seq, o in enumerate(orders, 1):
        # Where the card is mailed (orders rendered before the address block have none: blank).
        mail = o.get("mailing") or {}
        assert isinstance(mail, dict)
        w.writerow(neutralise_row((number, seq, o["worker_id"], o["name"], o["level"], o["colour"], o["expires_on"],
                                   "yes" if o.get("reissue") else "no", mail.get("postcode") or "",
                                   mail.get("address") or "", mail.get("addressee") or "",
                                   mail.get("barcode_data") or "")))
    return out.getvalue().encode("utf-8-sig")


def purge_batched_carriers() -> int:
    """Delete the per-case files (they hold plaintext secrets) of carriers already in a batch.

    The deletes run outside any transaction; then one short transaction marks the jobs purged
    (only those still ``batched``: two purges at once both delete, one marks). A run that dies
    between the deletes and the mark leaves the jobs to the next run, which deletes again."""
    with unit_of_work() as session:
        jobs = session.execute(select(PrintJob.id, PrintJob.kind, PrintJob.s3_key)
                               .where(PrintJob.status == "batched")).all()
    for _, kind, key in jobs:
        s3.delete(key)
        if kind == "card_order":
            s3.delete(preview_key(key))
    if not jobs:
        return 0
    with unit_of_work() as session:
        # data_key: the deleted bytes that linger in the S3 server's volumes stay unreadable
        done = session.execute(update(PrintJob).where(PrintJob.id.in_([j[0] for j in jobs]),
                                                      may_move(PrintJob, "purged"))
                               .values(status=target_status(PrintJob, "purged"), data_key=None)
                               .returning(PrintJob.id)).all()
        return len(done)


def mark_printed(batch_number: str) -> bool:
    """The print shop has printed (and mailed) a batch: delete its files that hold plaintext
    secrets — the batch PDF, the card order file and face previews — and keep its manifest.
    Returns False when the batch was already marked (or is still being built).

    The deletes run outside any transaction, then a conditional update marks the batch: of two
    calls at once both delete (idempotent), one marks and returns True."""
    with unit_of_work() as session:
        batch = session.scalars(select(PrintBatch).where(PrintBatch.batch_number == batch_number)).one()
        session.expunge(batch)
    if batch.status != "ready":
        return False
    s3.delete(batch.s3_key)
    if batch.kind == "card_order":
        s3.delete(batch_previews_key(batch.batch_number))
    with unit_of_work() as session:
        # crypto-shredding: what a delete leaves on the S3 server's disk is unreadable
        marked = session.execute(update(PrintBatch).where(PrintBatch.id == batch.id, may_move(PrintBatch, "printed"))
                                 .values(status=target_status(PrintBatch, "printed"), data_key=None)
                                 .returning(PrintBatch.id)).first()
        return marked is not None


class PrintFileGone(LookupError):
    """The file was printed (or purged) and its key destroyed, or it is no print file at all."""


def read_print_file(key: str) -> bytes:
    """A print file as the print shop reads it (``ccus fetch``): a batch's PDF, card orders and
    previews unsealed under the batch's key, its manifest as stored; a per-case carrier not yet in
    a batch unsealed under its print job's key. Any other object is returned as stored."""
    with unit_of_work() as session:
        if key.startswith("print-batches/"):
            batch = session.scalars(select(PrintBatch).where(
                PrintBatch.batch_number == key.split("/")[1])).one_or_none()
            if batch is None:
                raise PrintFileGone(f"{key}: no such print batch")
            if key == batch.manifest_key:
                return s3.get_bytes(key)
            if batch.status == "printed":
                raise PrintFileGone(f"{key}: batch {batch.batch_number} is printed; its files are destroyed")
            if batch.status == "building":
                raise PrintFileGone(f"{key}: batch {batch.batch_number} is still being built")
            return s3.get_bytes(key) if batch.data_key is None else sealed.get(key, batch.data_key)
        if key.startswith(("postcards/", "card-orders/")):
            order_key = key.removesuffix("-preview.pdf") + ".json" if key.endswith("-preview.pdf") else key
            job = session.scalars(select(PrintJob).where(PrintJob.s3_key == order_key)).one_or_none()
            if job is None or job.status == "purged":
                raise PrintFileGone(f"{key}: not a print file waiting for its batch")
            return _job_file(job, key)
    return s3.get_bytes(key)
