"""Print batches (印刷バッチ): each case's postcard or card order goes into exactly one batch.

A case's carrier (postcard PDF, card order + face preview) is rendered when its secrets are drawn
and becomes ``final`` once they are delivered. A batch run takes the final carriers that are in no
batch yet (``FOR UPDATE SKIP LOCKED``), merges them page by page into one PDF (no re-rendering:
the secrets are no longer known), writes the print shop's manifest (no secrets), and records the
batch and its members in one transaction. Only after that commit are the per-case files, which
hold the secrets, deleted; a run that dies in between leaves them to the next run's sweep.

Every secret-bearing file is sealed (infra/sealed.py): a per-case file under its print job's data
key, a batch's files under the batch's key. Deleting the files destroys their keys too, so the
bytes an S3 delete leaves on the server's disk can never be read (crypto-shredding).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ccus.infra import faults, s3, sealed
from ccus.infra.card_pdf import merge_pdfs
from ccus.infra.db import unit_of_work
from ccus.infra.postcard_pdf import postcard_manifest_csv
from ccus.models.billing_tables import PrintBatch
from ccus.models.spreadsheet_cells import neutralise_row
from ccus.models.tables import Application, Business, PrintJob
from ccus.services.clock import now_jst
from ccus.services.gate import move

KINDS = {"postcard": "P", "card_order": "C"}


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
    """Put up to ``limit`` final carriers of ``kind`` into one new batch; returns its number."""
    if kind not in KINDS:
        raise ValueError(kind)
    with unit_of_work() as session:
        jobs = list(session.scalars(
            select(PrintJob).where(PrintJob.kind == kind, PrintJob.status == "final", PrintJob.batch_id.is_(None))
            .order_by(PrintJob.id).limit(limit).with_for_update(skip_locked=True)))
        if not jobs:
            return None
        serial = session.execute(text("SELECT nextval('print_batch_serial')")).scalar_one()
        number = f"{KINDS[kind]}{now_jst():%Y%m%d}-{serial:05d}"
        prefix = f"print-batches/{number}"
        data_key = sealed.new_data_key()
        if kind == "postcard":
            pdf = merge_pdfs([_job_file(j, j.s3_key) for j in jobs])
            rows = _postcard_rows(session, jobs)
            manifest = postcard_manifest_csv(number, rows)
            body_key = f"{prefix}/postcards.pdf"
            sealed.put(body_key, pdf, data_key)
        else:
            orders = [json.loads(_job_file(j, j.s3_key)) for j in jobs]
            body = "\n".join(json.dumps(o, ensure_ascii=False) for o in orders).encode() + b"\n"
            body_key = f"{prefix}/card-orders.jsonl"
            sealed.put(body_key, body, data_key)
            sealed.put(batch_previews_key(number),
                       merge_pdfs([_job_file(j, preview_key(j.s3_key)) for j in jobs]), data_key)
            manifest = _card_manifest(number, orders)
        manifest_key = f"{prefix}/manifest.csv"
        s3.put_bytes(manifest_key, manifest, "text/csv")
        faults.point("printing.batch_uploaded")
        batch = PrintBatch(batch_number=number, kind=kind, s3_key=body_key, manifest_key=manifest_key,
                           items=len(jobs), data_key=data_key)
        session.add(batch)
        session.flush()
        for j in jobs:
            j.batch_id = batch.id
            move(j, "batched")
    faults.point("printing.batch_committed")
    purge_batched_carriers()
    return number


def batch_previews_key(batch_number: str) -> str:
    return f"print-batches/{batch_number}/card-previews.pdf"


def _job_file(job: PrintJob, key: str) -> bytes:
    """A per-case file of ``job``: sealed under its data key, or as stored before sealing began."""
    return s3.get_bytes(key) if job.data_key is None else sealed.get(key, job.data_key)


def _postcard_rows(session: Session, jobs: list[PrintJob]) -> list[PostcardRow]:
    """The manifest rows of ``jobs``, in their order, read in one query."""
    ids = [j.application_id for j in jobs]
    found = {app_id: (number, biz) for app_id, number, biz in session.execute(
        select(Application.id, Application.application_number, Business)
        .join(Business, Business.application_id == Application.id).where(Application.id.in_(ids)))}
    rows = []
    for j in jobs:
        assert j.application_id is not None  # postcards are always an application's
        number, biz = found[j.application_id]
        rows.append(PostcardRow(number, biz.business_id, biz.postcode, biz.address, biz.trade_name))
    return rows


def _card_manifest(number: str, orders: list[dict[str, object]]) -> bytes:
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(("batch_id", "seq", "worker_id", "name", "level", "colour", "expires_on", "reissue"))
    for seq, o in enumerate(orders, 1):
        w.writerow(neutralise_row((number, seq, o["worker_id"], o["name"], o["level"], o["colour"], o["expires_on"],
                                   "yes" if o.get("reissue") else "no")))
    return out.getvalue().encode("utf-8-sig")


def purge_batched_carriers() -> int:
    """Delete the per-case files (they hold plaintext secrets) of carriers already in a batch."""
    with unit_of_work() as session:
        jobs = list(session.scalars(select(PrintJob).where(PrintJob.status == "batched")
                                    .with_for_update(skip_locked=True)))
        for j in jobs:
            s3.delete(j.s3_key)
            if j.kind == "card_order":
                s3.delete(preview_key(j.s3_key))
            move(j, "purged")
            j.data_key = None  # the deleted bytes that linger in the S3 server's volumes stay unreadable
        return len(jobs)


def mark_printed(batch_number: str) -> bool:
    """The print shop has printed (and mailed) a batch: delete its files that hold plaintext
    secrets — the batch PDF, the card order file and face previews — and keep its manifest.
    Returns False when the batch was already marked."""
    with unit_of_work() as session:
        batch = session.scalars(select(PrintBatch).where(PrintBatch.batch_number == batch_number)
                                .with_for_update()).one()
        if batch.status == "printed":
            return False
        s3.delete(batch.s3_key)
        if batch.kind == "card_order":
            s3.delete(batch_previews_key(batch.batch_number))
        move(batch, "printed")
        batch.data_key = None  # crypto-shredding: what a delete leaves on the S3 server's disk is unreadable
        return True


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
            return s3.get_bytes(key) if batch.data_key is None else sealed.get(key, batch.data_key)
        if key.startswith(("postcards/", "card-orders/")):
            order_key = key.removesuffix("-preview.pdf") + ".json" if key.endswith("-preview.pdf") else key
            job = session.scalars(select(PrintJob).where(PrintJob.s3_key == order_key)).one_or_none()
            if job is None or job.status == "purged":
                raise PrintFileGone(f"{key}: not a print file waiting for its batch")
            return _job_file(job, key)
    return s3.get_bytes(key)
