"""Tying a form's later pages to its first page (用紙の取り違え防止). Pure.

Each page after the first of a two-page application form (version 2 on) carries an identity row:
the applicant's name and birth date (a business: its 商号 and 法人番号), in boxes that are read like
every other field. A page whose identity row matches page 1 is tied to it; one that differs is a
page from another envelope (two forms filled at one desk, pages swapped); one that cannot be read
proves nothing. Anything but a match is a blocking flag on the case: a page is never merged into
a case silently.

The comparison rule (:func:`compare`): the two values after normalisation, names without spaces
and with variant kanji folded to their common form (髙橋 on one page, 高橋 read on the other is the
same person: the 字体 is checked on the field itself). A blank or unreadable box on either side,
or values that differ where either reading is doubtful (not ``ok``), is "cannot tell"; values that
differ between two clean readings are "different".
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Any

from ccus.models.flags import BLOCK, VALIDATION, Flag
from ccus.models.forms.normalise import OK, Reading
from ccus.models.forms.spec import FormField, FormSpec
from ccus.models.forms.variants import fold_variants

STAGE = VALIDATION


class Tie(StrEnum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"  # blank, unreadable, or different where a reading is doubtful


def _key(value: Any) -> Any:
    """A value as the tie compares it: text without spaces, NFKC, variant kanji folded."""
    if isinstance(value, str):
        return fold_variants("".join(unicodedata.normalize("NFKC", value).split()))
    return value


def _blank(r: Reading | None) -> bool:
    return r is None or r.value in (None, "")


def compare(first: Reading | None, later: Reading | None, *, required: bool = True) -> Tie | None:
    """How a later page's identity box reads against page 1's field. None when an optional box
    (法人番号) is blank on either page: it proves nothing either way and is not counted."""
    if not required and (_blank(first) or _blank(later)):
        return None
    if first is None or later is None or _blank(first) or _blank(later):
        return Tie.UNKNOWN
    if _key(first.value) == _key(later.value):
        return Tie.SAME
    if first.status != OK or later.status != OK:
        return Tie.UNKNOWN
    return Tie.DIFFERENT


def page_tie(form: FormSpec, readings: dict[str, Reading], page: int) -> tuple[Tie, list[FormField]] | None:
    """How page ``page`` of ``form`` ties to page 1 (and the identity boxes it was decided by), or
    None when the page was not read (missing or unreadable: flagged where that is found)."""
    spec = form.pages[page - 1]
    if not any(f.name in readings for f in spec.fields):
        return None
    boxes = [f for f in spec.fields if f.ties is not None]
    if not boxes:  # a version without an identity row
        return Tie.UNKNOWN, []
    ties = [compare(readings.get(f.ties or ""), readings.get(f.name), required=f.required) for f in boxes]
    counted = [t for t in ties if t is not None]
    if Tie.DIFFERENT in counted:
        return Tie.DIFFERENT, boxes
    if not counted or Tie.UNKNOWN in counted:
        return Tie.UNKNOWN, boxes
    return Tie.SAME, boxes


def _what(form: FormSpec) -> str:
    """「氏名・生年月日」: the labels of the page-1 fields a later page repeats."""
    return "・".join(f.label for f in form.pages[0].fields
                    if any(b.ties == f.name for p in form.pages[1:] for b in p.fields))


def tie_flags(form: FormSpec, readings: dict[str, Reading],
              zones: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """A blocking flag for every later page of ``form`` that is not tied to page 1 (see module)."""
    zones = zones or {}
    out: list[dict[str, Any]] = []
    what = _what(form)
    for page in range(2, form.page_count + 1):
        tied = page_tie(form, readings, page)
        if tied is None or tied[0] is Tie.SAME:
            continue
        tie, boxes = tied
        shown = {f.name: {"page1": readings[f.ties].value if f.ties in readings else None,
                          f"page{page}": readings[f.name].value if f.name in readings else None,
                          "read": readings[f.name].raw if f.name in readings else ""} for f in boxes}
        extra: dict[str, Any] = {"page": page, "tie": tie.value, "readings": shown}
        if boxes and boxes[0].name in zones:
            extra["zone"] = zones[boxes[0].name]
        if not boxes:
            code, message = "form_page_untied", (
                f"{form.title}（第{form.version}版）には{page}ページ目の本人確認欄がないため、"
                f"{page}ページ目が1ページ目と同じ申請者の用紙か確認できません。両ページを見比べてください。")
        elif tie is Tie.DIFFERENT:
            code, message = "form_page_mismatch", (
                f"{page}ページ目の{what}が1ページ目と一致しません。別の申請書の用紙が混入している可能性があります。")
        else:
            code, message = "form_page_untied", (
                f"{page}ページ目の{what}が空欄か読み取れないため、1ページ目と同じ申請者の用紙か確認できません。"
                "用紙を見比べてください。")
        out.append(Flag(code, BLOCK, message, "application", STAGE, extra).as_dict())
    return out
