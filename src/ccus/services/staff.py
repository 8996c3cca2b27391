"""Staff identities for the API: bearer tokens, stored as SHA-256 (they are random, 256-bit)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from ccus.infra.db import unit_of_work
from ccus.models.tables import ApiToken

ROLES = ("reviewer", "supervisor", "clerk", "admin")


@dataclass(frozen=True)
class Staff:
    actor: str
    role: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(actor: str, role: str) -> str:
    """Create (or replace) the token of ``actor``; the plaintext is returned once, never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    token = "ccus_" + secrets.token_urlsafe(32)
    stmt = insert(ApiToken).values(actor=actor, role=role, token_sha256=_digest(token))
    with unit_of_work() as session:
        session.execute(stmt.on_conflict_do_update(
            index_elements=["actor"],
            set_={"role": role, "token_sha256": stmt.excluded.token_sha256, "revoked_at": None}))
    return token


def authenticate(token: str) -> Staff | None:
    with unit_of_work() as session:
        row = session.scalars(select(ApiToken).where(
            ApiToken.token_sha256 == _digest(token), ApiToken.revoked_at.is_(None))).one_or_none()
        return Staff(row.actor, row.role) if row else None
