"""Secrets: generation from a cryptographic source, and hashing (argon2id). No plaintext is kept."""

from __future__ import annotations

import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# Initial passwords avoid characters that are easily confused on paper (0/O, 1/l/I).
_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def new_initial_password(length: int = 12) -> str:
    while True:
        pw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isupper() for c in pw) and any(c.islower() for c in pw):
            return pw


def new_security_code() -> str:
    """セキュリティコード: 4 digits."""
    return f"{secrets.randbelow(10_000):04d}"


def hash_secret(plaintext: str) -> str:
    return _hasher.hash(plaintext)


def verify_secret(stored_hash: str, plaintext: str) -> bool:
    try:
        return _hasher.verify(stored_hash, plaintext)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("no such account: constant-time sign-in")


def verify_or_dummy(stored_hash: str | None, plaintext: str) -> bool:
    """Verify against ``stored_hash``, or, for an unknown account, against a dummy hash (always False),
    so that both paths cost one argon2 verification and sign-in does not tell which IDs exist."""
    ok = verify_secret(stored_hash or _dummy_hash(), plaintext)
    return ok and stored_hash is not None
