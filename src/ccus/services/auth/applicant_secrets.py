"""The applicant's answer secrets (回答用コード): issue, check, and fill into a notice mail.

A secret is 256 random bits (``secrets.token_urlsafe``), shown once and stored only as its
SHA-256 (a random token needs no slow hash, and the digest lets a case hold several). A check
compares the digest with every live secret of the case in constant time (``hmac.compare_digest``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccus.infra.db import unit_of_work
from ccus.models.applicant_view import PURPOSES, SECRET_PLACEHOLDER
from ccus.models.secret_tables import ApplicationSecret
from ccus.models.tables import Application
from ccus.services.cases import audit


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_in(session: Session, application_id: int, purpose: str) -> str:
    """A fresh secret for the case, recorded (hashed) in ``session``; the plaintext is returned once."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    secret = secrets.token_urlsafe(32)
    session.add(ApplicationSecret(application_id=application_id, secret_sha256=_digest(secret), purpose=purpose))
    audit(session, actor="system", action="applicant_secret.issued", application_id=application_id, purpose=purpose)
    return secret


def issue(application_number: str, purpose: str) -> str:
    with unit_of_work() as session:
        app_id = session.scalars(select(Application.id).where(
            Application.application_number == application_number)).one()
        return issue_in(session, app_id, purpose)


def matches(session: Session, application_id: int, secret: str | None) -> bool:
    """Whether ``secret`` is a live secret of the case (every stored digest compared, constant time each)."""
    if not secret:
        return False
    digest = _digest(secret)
    stored = session.scalars(select(ApplicationSecret.secret_sha256).where(
        ApplicationSecret.application_id == application_id, ApplicationSecret.revoked_at.is_(None))).all()
    found = False
    for candidate in stored:
        found |= hmac.compare_digest(candidate, digest)
    return found


def fill(session: Session, application_id: int, body: str) -> str:
    """A notice body with a fresh return secret in place of the placeholder (none: unchanged)."""
    if SECRET_PLACEHOLDER not in body:
        return body
    return body.replace(SECRET_PLACEHOLDER, issue_in(session, application_id, "return"))
