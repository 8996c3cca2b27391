"""Identifier rules: public numbers with published checks, and the registry's own numbers.

Standard library only. Input leniency: every function here first folds full-width digits to ASCII
and drops spaces and hyphen-like marks (``normalize_digits``), except where the hyphen's place is
part of the format (employment insurance, postcode). Store the normalised form, not the raw input.

Decisions (DOMAIN.md leaves these open):

- Registry IDs (事業者ID, 技能者ID, 管理者ID; 14 digits) = 13-digit zero-padded serial + 1 mod-11
  check digit, weights 2,3,4,5,6,7 cycling from the rightmost body digit, CD = (11 − Σ mod 11) mod 11.
  A body whose CD would be 10 is never issued: the issuer skips that serial (about 1 in 11).
  This catches every single-digit typo and every adjacent transposition. Serials start at 1.
- 申請番号 (application number) = 2-digit year + 7-digit serial (restarting each year) + 1 Damm check
  digit, shown as 'YY-NNNNNNN-C'. Digits only so it can be read over the phone; Damm catches every
  single-digit error and every adjacent transposition, with no 'X' character as mod 11 would need.
"""

import re

from ccus.models.japanese import HYPHEN_LIKE, normalize_digits

_FOLD_DIGITS_AND_DASHES = str.maketrans(
    "０１２３４５６７８９" + HYPHEN_LIKE, "0123456789" + "-" * len(HYPHEN_LIKE)
)


def _digits(s: str, length: int) -> str | None:
    """The normalised digits of ``s`` if they are exactly ``length`` ASCII digits, else None."""
    digits = normalize_digits(s)
    return digits if len(digits) == length and digits.isascii() and digits.isdigit() else None


def corporate_number_is_valid(s: str) -> bool:
    """True for a 法人番号 (corporate number): 13 digits, the leftmost a mod-9 check digit."""
    digits = _digits(s, 13)
    if digits is None:
        return False
    total = sum(int(d) * (1 if n % 2 else 2) for n, d in enumerate(reversed(digits[1:]), start=1))
    return int(digits[0]) == 9 - total % 9


def insurer_number_is_valid(s: str) -> bool:
    """True for a 保険者番号 (health-insurer number).

    8 digits: weights 2,1,2,… from the rightmost body digit, digits of each product added,
    CD = (10 − Σ mod 10) mod 10. 6 digits (national health insurance): format only.
    """
    if _digits(s, 6) is not None:
        return True
    digits = _digits(s, 8)
    if digits is None:
        return False
    products = (int(d) * (2 if n % 2 == 0 else 1) for n, d in enumerate(reversed(digits[:7])))
    total = sum(p // 10 + p % 10 for p in products)
    return int(digits[7]) == (10 - total % 10) % 10


def employment_insurance_number_is_valid(s: str) -> bool:
    """True for a 雇用保険被保険者番号: 'NNNN-NNNNNN-N', hyphens optional (format only, no check)."""
    text = "".join(s.translate(_FOLD_DIGITS_AND_DASHES).split())
    return re.fullmatch(r"[0-9]{4}-?[0-9]{6}-?[0-9]", text) is not None


def normalize_postcode(s: str) -> str:
    """Return a 郵便番号 (postcode) as 'NNN-NNNN'; accepts 〒, full-width digits and any dash."""
    text = s.translate(_FOLD_DIGITS_AND_DASHES).strip().removeprefix("〒").strip()
    match = re.fullmatch(r"([0-9]{3})-?([0-9]{4})", text)
    if match is None:
        raise ValueError(f"郵便番号は7桁の数字（例: 100-0013）で入力してください: {s!r}")
    return f"{match[1]}-{match[2]}"


def registry_id_check_digit(body: str) -> int | None:
    """Check digit of a registry ID (事業者ID/技能者ID/管理者ID) body, None if the body is unusable."""
    digits = _digits(body, 13)
    if digits is None:
        raise ValueError(f"IDの本体は13桁の数字です: {body!r}")
    total = sum(int(d) * (2 + n % 6) for n, d in enumerate(reversed(digits)))
    check = (11 - total % 11) % 11
    return None if check == 10 else check


def registry_id_from_serial(serial: int) -> str | None:
    """The 14-digit registry ID (事業者ID etc.) for a serial, None if the caller must skip it."""
    if not 1 <= serial < 10**13:
        raise ValueError(f"IDの連番は1以上10兆未満です: {serial}")
    body = f"{serial:013d}"
    check = registry_id_check_digit(body)
    return None if check is None else f"{body}{check}"


def registry_id_is_valid(s: str) -> bool:
    """True for a well-formed 14-digit registry ID (技能者ID etc.) whose check digit matches."""
    digits = _digits(s, 14)
    return digits is not None and registry_id_check_digit(digits[:13]) == int(digits[13])


_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _damm(digits: str) -> int:
    interim = 0
    for d in digits:
        interim = _DAMM[interim][int(d)]
    return interim


def application_number(year: int, serial: int) -> str:
    """Issue a 申請番号 'YY-NNNNNNN-C'. ``year`` is 2000–2099 or already two digits (0–99)."""
    yy = year - 2000 if 2000 <= year <= 2099 else year
    if not 0 <= yy <= 99:
        raise ValueError(f"申請番号の年は2000〜2099年です: {year}")
    if not 1 <= serial <= 9_999_999:
        raise ValueError(f"申請番号の連番は1〜9999999です: {serial}")
    body = f"{yy:02d}{serial:07d}"
    return f"{body[:2]}-{body[2:]}-{_damm(body)}"


def normalize_application_number(s: str) -> str:
    """Return a 申請番号 as 'YY-NNNNNNN-C'; hyphens, spaces and full-width digits are accepted."""
    digits = _digits(s, 10)
    if digits is None:
        raise ValueError(f"申請番号は10桁の数字（例: 26-0001234-9）で入力してください: {s!r}")
    if _damm(digits) != 0:
        raise ValueError(f"申請番号の確認数字が一致しません。番号をお確かめください: {s!r}")
    return f"{digits[:2]}-{digits[2:9]}-{digits[9]}"


def application_number_is_valid(s: str) -> bool:
    """True when ``s`` reads as a 申請番号 whose Damm check digit matches."""
    try:
        normalize_application_number(s)
    except ValueError:
        return False
    return True
