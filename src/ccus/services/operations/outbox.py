"""The mail outbox: each mail is a row with a unique effect key, sent once.

A row goes pending → sending (committed before the SMTP conversation) → sent. A row found in
``sending`` was interrupted mid-send: whether the server accepted it is unknown. Mails without a
secret are sent again with the same Message-ID (the receiver can tell the copy); a secret-bearing
mail is never re-sent blindly (its plaintext is gone): the case goes to an operator.

A 不備 notice stores its body with the answer-secret placeholder; the secret is drawn (and stored
hashed) in the transaction that marks the row ``sending``, so a re-send carries a fresh one.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ccus.infra import faults, smtp
from ccus.infra.db import unit_of_work
from ccus.models.tables import Outbox
from ccus.services.auth import applicant_secrets
from ccus.services.gate import move


def message_id(effect_key: str) -> str:
    return f"<{effect_key.replace(':', '.')}@ccus.example.jp>"


def enqueue(
    session: Session, *, effect_key: str, application_id: int, to_addr: str, subject: str, template: str,
    body: str | None,
) -> Outbox:
    """Create the outbox row for ``effect_key`` unless it exists; return the row."""
    session.execute(
        insert(Outbox)
        .values(effect_key=effect_key, application_id=application_id, to_addr=to_addr, subject=subject,
                template=template, body=body, message_id=message_id(effect_key))
        .on_conflict_do_nothing(index_elements=["effect_key"])
    )
    return session.scalars(select(Outbox).where(Outbox.effect_key == effect_key)).one()


def status_of(effect_key: str) -> str | None:
    with unit_of_work() as session:
        return session.scalars(select(Outbox.status).where(Outbox.effect_key == effect_key)).one_or_none()


def send_once(effect_key: str, *, body: str | None = None) -> bool:
    """Send the mail of ``effect_key`` unless already sent. ``body`` overrides the stored body
    (secret-bearing mails pass it in memory). Returns True if this call sent it."""
    with unit_of_work() as session:
        row = session.scalars(select(Outbox).where(Outbox.effect_key == effect_key).with_for_update()).one()
        if row.status == "sent":
            return False
        text = body if body is not None else row.body
        if text is None:
            raise RuntimeError(f"outbox {effect_key}: no body to send")
        text = applicant_secrets.fill(session, row.application_id, text)
        msg = smtp.build_message(to_addr=row.to_addr, subject=row.subject, body=text, message_id=row.message_id)
        move(row, "sending")
        row.attempts += 1
    smtp.send(msg)
    faults.point("mail.accepted_not_recorded")
    with unit_of_work() as session:
        row = session.scalars(select(Outbox).where(Outbox.effect_key == effect_key).with_for_update()).one()
        if row.status != "sent":  # a concurrent send of the same mail recorded it first
            move(row, "sent")
        row.sent_at = func.now()
    return True


def deliver_pending(limit: int = 200) -> int:
    """Send every non-secret mail that is pending or was interrupted. Returns how many were sent."""
    with unit_of_work() as session:
        keys = list(session.scalars(
            select(Outbox.effect_key)
            .where(Outbox.status.in_(("pending", "sending")), Outbox.body.is_not(None))
            .order_by(Outbox.id).limit(limit)
        ))
    return sum(1 for k in keys if send_once(k))
