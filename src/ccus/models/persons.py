"""Who a person is, for "one person, one 技能者ID" (pure)."""

from __future__ import annotations

import hashlib

from ccus.models.japanese import normalize_text


def person_key(name: str, name_kana: str, birth_date: str) -> str:
    """The normalised name, reading and birth date identify a person; the key is their hash."""
    norm = "|".join(normalize_text(x).replace(" ", "") for x in (name, name_kana, birth_date))
    return hashlib.sha256(norm.encode()).hexdigest()
