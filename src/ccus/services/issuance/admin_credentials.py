"""A 管理者ID's credential delivered after registration: a 管理者ID added later, or a password reset
by the 登録責任者 (services/registry/admin_ids.py).

As at issuance (services/issuance/steps.py), the initial password and the security code exist in
plaintext only while their 圧着はがき is rendered: the postcard is sealed under a fresh data key
(infra/sealed.py) and goes to the print batches like the registration postcards; ``print done``
destroys its key. Nothing else carries them: no mail, no answer of the API.

Two steps, so no transaction waits on S3:

1. ``draw``, with no transaction open: draw the secrets, render and store the sealed postcard.
2. ``record``, in the caller's transaction: the credential (new, or replaced: the password must be
   changed again with the new security code, its code count starts over), its print job — keyed by
   管理者ID and credential generation (``admin:<管理者ID>:credential:g<n>``, unique), released to the
   next print batch at once, since the postcard is its only carrier — and every session of the ID
   ended. If the transaction fails, the stored postcard is unreadable (its key was never stored) and
   ``discard`` deletes it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ccus.infra import s3, sealed
from ccus.infra.security import hash_secret, new_initial_password, new_security_code
from ccus.models.lifecycle_tables import PortalSession
from ccus.models.tables import Business, Credential, PrintJob
from ccus.services.gate import bulk_move, initial_status
from ccus.services.issuance.steps import admin_postcard


@dataclass(frozen=True)
class DrawnCredential:
    """Hashes and the sealed postcard of a freshly drawn credential; the plaintext is gone."""

    admin_id: str
    password_hash: str = field(repr=False)
    code_hash: str = field(repr=False)
    s3_key: str
    data_key: bytes = field(repr=False)


def print_job_key(admin_id: str, generation: int) -> str:
    return f"admin:{admin_id}:credential:g{generation}"


def draw(biz: Business, application_number: str, admin_id: str) -> DrawnCredential:
    """Draw a credential for ``admin_id`` and store its sealed postcard (no transaction open)."""
    password, code = new_initial_password(), new_security_code()
    key = f"postcards/admin-ids/{admin_id}/{secrets.token_hex(8)}.pdf"
    data_key = sealed.new_data_key()
    sealed.put(key, admin_postcard(postcode=biz.postcode, address=biz.address, trade_name=biz.trade_name,
                                   business_id=biz.business_id, admin_id=admin_id, password=password, code=code,
                                   application_number=application_number), data_key)
    drawn = DrawnCredential(admin_id, hash_secret(password), hash_secret(code), key, data_key)
    del password, code
    return drawn


def record(session: Session, drawn: DrawnCredential, *, application_id: int) -> int:
    """Store ``drawn`` as the ID's credential and its postcard's print job; returns the generation."""
    cred = session.scalars(select(Credential).where(Credential.subject_id == drawn.admin_id)
                           .with_for_update()).one_or_none()
    if cred is None:
        cred = Credential(subject_id=drawn.admin_id, subject_kind="business", password_hash=drawn.password_hash,
                          security_code_hash=drawn.code_hash, must_change=True, generation=1,
                          delivered_at=func.now())
        session.add(cred)
    else:
        cred.password_hash, cred.security_code_hash = drawn.password_hash, drawn.code_hash
        cred.must_change, cred.code_failures = True, 0
        cred.generation = cred.generation + 1
        cred.delivered_at = func.now()
    session.flush()
    effect_key = print_job_key(drawn.admin_id, cred.generation)
    session.add(PrintJob(effect_key=effect_key, kind="postcard", application_id=application_id, s3_key=drawn.s3_key,
                         data_key=drawn.data_key, status=initial_status(PrintJob, "rendered")))
    session.flush()
    bulk_move(session, PrintJob, "final", PrintJob.effect_key == effect_key)
    end_sessions(session, drawn.admin_id)
    return cred.generation


def end_sessions(session: Session, login_id: str) -> int:
    """Every open portal session of ``login_id`` ends now."""
    return int(session.execute(update(PortalSession).where(PortalSession.login_id == login_id,
                                                           PortalSession.revoked_at.is_(None))
                               .values(revoked_at=func.now())).rowcount)  # type: ignore[attr-defined]


def discard(drawn: DrawnCredential) -> None:
    """The postcard of a credential that was not recorded (unreadable already: its key is lost)."""
    s3.delete(drawn.s3_key)
