"""Sealed objects in S3 (crypto-shredding): a secret-bearing file is stored encrypted with
AES-256-GCM under a data key that lives in the database, never in S3. Destroying the key (NULL
in its row) makes every copy unreadable, including the bytes a delete leaves in the S3 server's
volume files. The object's S3 key is the associated data, so a sealed file cannot be swapped for
another one sealed under the same data key.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ccus.infra import s3

NONCE_BYTES = 12
SEALED_MEDIA_TYPE = "application/octet-stream"


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(data_key: bytes, data: bytes, object_key: str) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, data, object_key.encode())


def unseal(data_key: bytes, blob: bytes, object_key: str) -> bytes:
    """The plaintext; raises ``cryptography.exceptions.InvalidTag`` for a wrong key or object."""
    return AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], object_key.encode())


def put(object_key: str, data: bytes, data_key: bytes) -> None:
    s3.put_bytes(object_key, seal(data_key, data, object_key), SEALED_MEDIA_TYPE)


def get(object_key: str, data_key: bytes) -> bytes:
    return unseal(data_key, s3.get_bytes(object_key), object_key)
