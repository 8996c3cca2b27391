"""Which characters a text field accepts (使用できる文字): what a Japanese name, address or reason
can contain, and nothing an attacker hides in text.

Refused everywhere: control characters (C0, DEL, C1; tab, CR and LF only in multi-line fields),
format characters (category Cf: bidi embeddings, overrides and isolates U+202A–U+202E,
U+2066–U+2069, the marks U+200E/U+200F, zero-width U+200B–U+200D, U+2060, U+FEFF, tags…), line and
paragraph separators, surrogates, private-use characters (外字) and code points Unicode has not
assigned. Variation selectors (異体字セレクタ, category Mn) stay allowed: real names use them.

Pure (standard library and pydantic only). ``SafeText`` / ``SafeMultiline`` apply the rule in
pydantic models; the check runs on the text as sent, before any normalisation folds it away.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

ERROR_CODE = "forbidden_character"
_MULTILINE_ALLOWED = frozenset("\t\n\r")

_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_WHY_JA = {
    "Cc": "制御文字",
    "Cf": "書式制御文字",
    "Zl": "行区切り文字",
    "Zp": "段落区切り文字",
    "Cs": "不正な文字（サロゲート）",
    "Co": "私用領域の文字（外字）",
    "Cn": "未定義の文字",
}


def forbidden_character(text: str, *, multiline: bool = False) -> str | None:
    """None when ``text`` may be stored; otherwise the Japanese reason naming the first bad character.

    ``multiline`` admits tab, CR and LF (a reason, a free-text box); single-line fields refuse them.
    """
    for position, ch in enumerate(text, 1):
        if multiline and ch in _MULTILINE_ALLOWED:
            continue
        category = unicodedata.category(ch)
        if category in _WHY_JA:
            why = "文字の向きを変える制御文字" if ch in _BIDI else "ゼロ幅文字" if ch in _ZERO_WIDTH else _WHY_JA[category]
            return f"使用できない文字（{position}文字目 U+{ord(ch):04X}：{why}）が含まれています。"
    return None


def first_forbidden(value: Any, path: tuple[str | int, ...] = ()) -> tuple[tuple[str | int, ...], str] | None:
    """The first string (key or value) in nested JSON data that ``forbidden_character`` refuses, as
    (path, reason) — for raw JSON before any model reads it (multi-line allowed: models refine)."""
    if isinstance(value, str):
        reason = forbidden_character(value, multiline=True)
        return (path, reason) if reason else None
    if isinstance(value, dict):
        for key, item in value.items():
            if reason := forbidden_character(str(key), multiline=True):
                return path, f"項目名に{reason}"  # the bad name itself is not repeated back
            if bad := first_forbidden(item, (*path, str(key))):
                return bad
    if isinstance(value, list):
        for index, item in enumerate(value):
            bad = first_forbidden(item, (*path, index))
            if bad:
                return bad
    return None


def _check(multiline: bool) -> Any:
    def check(value: str) -> str:
        reason = forbidden_character(value, multiline=multiline)
        if reason:
            raise PydanticCustomError(ERROR_CODE, "{reason}", {"reason": reason})
        return value

    return check


def _check_json(value: Any) -> Any:
    bad = first_forbidden(value)
    if bad:
        path, reason = bad
        where = ".".join(map(str, path))
        raise PydanticCustomError(ERROR_CODE, "{reason}", {"reason": f"{where}：{reason}" if where else reason})
    return value


def printable(text: str) -> str:
    """``text`` with every refused character replaced by U+FFFD, to name a hostile field safely."""
    return "".join("\ufffd" if forbidden_character(ch) else ch for ch in text)


def _no_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "整数で入力してください。")
    return value


SafeText = Annotated[str, AfterValidator(_check(multiline=False))]
"""A single-line text field: no control, format, private-use, unassigned or surrogate characters."""

SafeMultiline = Annotated[str, AfterValidator(_check(multiline=True))]
"""A multi-line text field (reasons, free text): as ``SafeText``, plus tab and line breaks."""

SafeJson = Annotated[Any, AfterValidator(_check_json)]
"""Free-form JSON (a portal change's 'other'): every key and string in it as ``SafeMultiline``."""

StrictInt = Annotated[int, BeforeValidator(_no_bool)]
"""An integer that is never a JSON ``true``/``false`` (pydantic reads true as 1); a digit string
(what a form sends) is still read as its number."""
