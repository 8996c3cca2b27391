"""Password rules (パスワードの条件) for staff accounts and the business portal: pure checks, each
refusal a Japanese sentence naming what is wrong."""

from __future__ import annotations

import unicodedata

from ccus.models.common_passwords import COMMON_PASSWORDS

STAFF_MIN_LENGTH = 10
PORTAL_MIN_LENGTH = 8
MAX_LENGTH = 200


def password_problem(password: str, login_id: str, *, min_length: int) -> str | None:
    """What is wrong with ``password`` for the account ``login_id``, or None if it may be used."""
    folded = unicodedata.normalize("NFKC", password).casefold()
    login = unicodedata.normalize("NFKC", login_id).casefold().strip()
    if len(password) < min_length:
        return f"パスワードは{min_length}文字以上で設定してください。"
    if len(password) > MAX_LENGTH:
        return f"パスワードは{MAX_LENGTH}文字以内で設定してください。"
    if len(set(folded)) == 1:
        return "同じ文字だけを並べたパスワードは使用できません。"
    if folded in COMMON_PASSWORDS:
        return "よく使われていて推測されやすいパスワードは使用できません。別のパスワードを設定してください。"
    if login and login in folded:
        return "パスワードにログインID（ユーザー名）を含めることはできません。"
    return None
