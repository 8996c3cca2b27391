"""Japanese text rules: width, digits, katakana readings, era dates and phone numbers.

Standard library only. Decisions (see DOMAIN.md, "Names" and "Japanese era dates"):

- ``normalize_text`` is NFKC plus whitespace folding. NFKC already does what the registry wants:
  full-width digits, latin and symbols become ASCII, half-width katakana becomes full-width
  (with voiced marks composed), full-width katakana is left alone. Side effects accepted:
  ① → 1, ㈱ → (株), ～ → ~.
- Era dates are read as proleptic Gregorian dates. 明治 starts on 1868-01-01 (no lunisolar
  conversion: nobody in the registry was born before 明治6年). Only 平成 may run past its last day
  (paper forms printed with 平成 are still in use; 平成32年 = 2020); a 明治, 大正 or 昭和 date after
  its era ended (e.g. 昭和64年1月8日) is rejected like one before its era began.
- ``normalize_phone`` checks only 10–11 digits starting with one 0; it keeps the caller's hyphens
  when they split the number into 2 or 3 groups, and otherwise returns the bare digits.
"""

import re
import unicodedata
from datetime import date
from typing import NamedTuple

HYPHEN_LIKE = "-‐‑‒–—―−－ーｰ"
"""Characters typed as a hyphen in numbers (including the katakana 長音 an IME often produces)."""

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_TO_HYPHEN = str.maketrans(dict.fromkeys(HYPHEN_LIKE, "-"))
_KATAKANA_READING = re.compile(r"[\u30A1-\u30FA\u30FB\u30FC \u3000]+")


def normalize_text(s: str) -> str:
    """Fold the width of 全角/半角 text (NFKC), collapse whitespace runs to one space and strip."""
    return " ".join(unicodedata.normalize("NFKC", s).split())


def normalize_digits(s: str) -> str:
    """Turn 全角数字 (full-width digits) into ASCII and drop all whitespace and hyphen-like marks."""
    kept = s.translate(_FULL_WIDTH_DIGITS).translate(_TO_HYPHEN).replace("-", "")
    return "".join(kept.split())


def is_katakana_reading(s: str) -> bool:
    """True for a フリガナ: full-width katakana, ー, ・ and spaces, with at least one letter.

    Half-width katakana is rejected: normalise with ``normalize_text`` first.
    """
    return bool(_KATAKANA_READING.fullmatch(s)) and bool(s.strip(" \u3000・ー"))


class _Era(NamedTuple):
    name: str
    first_day: date
    last_day: date | None  # None: dates past the era's end are still accepted


_ERAS = (
    _Era("明治", date(1868, 1, 1), date(1912, 7, 29)),
    _Era("大正", date(1912, 7, 30), date(1926, 12, 24)),
    _Era("昭和", date(1926, 12, 25), date(1989, 1, 7)),
    _Era("平成", date(1989, 1, 8), None),
    _Era("令和", date(2019, 5, 1), None),
)
_ERA_BY_KEY = {e.name: e for e in _ERAS} | {k: e for k, e in zip("MTSHR", _ERAS, strict=True)}
_MD = r"(?:年(?P<m1>[0-9]{1,2})月(?P<d1>[0-9]{1,2})日|(?P<sep>[-/.])(?P<m2>[0-9]{1,2})(?P=sep)(?P<d2>[0-9]{1,2}))"
_WESTERN = re.compile(r"(?P<y>[0-9]{4})" + _MD)
_ERA_DATE = re.compile(r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])(?P<y>[0-9]{1,2}|元)" + _MD)


def _ymd(match: re.Match[str], year: int, text: str) -> date:
    month, day = match["m1"] or match["m2"], match["d1"] or match["d2"]
    try:
        return date(year, int(month), int(day))
    except ValueError:
        raise ValueError(f"存在しない日付です: {text!r}") from None


def _jp(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def parse_japanese_date(s: str) -> date:
    """Read a date written in Western or 和暦 (Japanese era) form.

    Accepts 2024-04-01, 2024/4/1, 2024年4月1日, 令和6年4月1日, 平成元年1月8日, R6.4.1, H31.5.1,
    with full-width characters and spaces. Raises ValueError (Japanese message) otherwise.
    """
    text = "".join(unicodedata.normalize("NFKC", s).split()).upper()
    if match := _WESTERN.fullmatch(text):
        return _ymd(match, int(match["y"]), s)
    match = _ERA_DATE.fullmatch(text)
    if match is None:
        raise ValueError(f"日付の形式が正しくありません（例: 2024-04-01、令和6年4月1日、R6.4.1）: {s!r}")
    era = _ERA_BY_KEY[match["era"]]
    era_year = 1 if match["y"] == "元" else int(match["y"])
    result = _ymd(match, era.first_day.year - 1 + era_year, s)
    if result < era.first_day:
        raise ValueError(f"{era.name}の開始日（{_jp(era.first_day)}）より前の日付です: {s!r}")
    if era.last_day is not None and result > era.last_day:
        raise ValueError(f"{era.name}の最終日（{_jp(era.last_day)}）より後の日付です: {s!r}")
    return result


_PHONE_CHARS = re.compile(r"[0-9()-]+")


def normalize_phone(s: str) -> str:
    """Check a Japanese 電話番号 (phone number) and return it in a stable form.

    Steps: NFKC, hyphen-like marks → '-', whitespace dropped, a leading +81 (or +81(0)) becomes 0,
    parentheses become hyphens ('03(1234)5678' → '03-1234-5678'). The digits must be 10 or 11 and
    start with a single 0 (00 is the international prefix), else ValueError (Japanese message).
    The hyphens are kept when they cut the number into 2 or 3 non-empty groups; otherwise the bare
    digits are returned. Area-code grouping is not checked against the numbering plan.
    """
    text = "".join(unicodedata.normalize("NFKC", s).translate(_TO_HYPHEN).split())
    if text.startswith("+81"):
        text = "0" + text[3:].lstrip("-").removeprefix("(0)").removeprefix("0")
    if not _PHONE_CHARS.fullmatch(text):
        raise ValueError(f"電話番号に使えない文字が含まれています: {s!r}")
    grouped = text.replace("(", "-").replace(")", "-").strip("-")
    digits = grouped.replace("-", "")
    if not re.fullmatch(r"0[1-9][0-9]{8,9}", digits):
        raise ValueError(f"電話番号は0から始まる10桁または11桁で入力してください: {s!r}")
    groups = grouped.split("-")
    return grouped if len(groups) <= 3 and all(groups) else digits
