"""Password rules for staff and the portal: common, single-character and ID-bearing passwords refused."""

from __future__ import annotations

import pytest

from ccus.models.common_passwords import COMMON_PASSWORDS
from ccus.models.passwords import PORTAL_MIN_LENGTH, STAFF_MIN_LENGTH, password_problem


@pytest.mark.parametrize("common", ["password1", "12345678", "qwerty123", "ccus1234", "Password1", "ＰＡＳＳＷＯＲＤ１"])
def test_common_passwords_are_refused_whatever_their_case_or_width(common: str) -> None:
    problem = password_problem(common, "yamada", min_length=PORTAL_MIN_LENGTH)
    assert problem is not None and "推測されやすい" in problem


def test_the_shipped_list_holds_about_two_hundred_passwords_in_lower_case() -> None:
    assert len(COMMON_PASSWORDS) >= 200
    assert all(p == p.lower() for p in COMMON_PASSWORDS)


def test_a_password_of_one_repeated_character_is_refused() -> None:
    assert "同じ文字" in (password_problem("aaaaaaaaaaaa", "yamada", min_length=STAFF_MIN_LENGTH) or "")
    assert "同じ文字" in (password_problem("ＡＡＡＡaaaaaa", "yamada", min_length=STAFF_MIN_LENGTH) or "")


def test_a_password_containing_the_login_id_is_refused() -> None:
    problem = password_problem("Xx-Yamada-2026", "yamada", min_length=STAFF_MIN_LENGTH)
    assert problem is not None and "ログインID" in problem
    assert password_problem("pw12345678901234x", "12345678901234", min_length=PORTAL_MIN_LENGTH) is not None


def test_too_short_passwords_name_the_minimum_length() -> None:
    assert password_problem("Ab3$efgh1", "yamada", min_length=STAFF_MIN_LENGTH) == "パスワードは10文字以上で設定してください。"
    assert password_problem("Ab3$efg", "x", min_length=PORTAL_MIN_LENGTH) == "パスワードは8文字以上で設定してください。"


def test_an_uncommon_long_enough_password_is_accepted() -> None:
    assert password_problem("correct-horse-battery", "yamada", min_length=STAFF_MIN_LENGTH) is None
    assert password_problem("NewSecret2026x", "12345678901234", min_length=PORTAL_MIN_LENGTH) is None
