"""The change / withdrawal form (様式X1 登録内容変更・削除届) as a lifecycle request. Pure, no I/O.

The form names its target by a 14-digit registry ID and says, in one free-text box, which items
change and to what ("所在地：東京都港区… 電話番号：03-…"). ``parse_details`` finds the items by
their printed names (the labels of ``CHANGEABLE_ITEMS`` and the usual short forms) and takes the
text up to the next item name as the new value. What it finds is only a proposal: the service
checks it with the same rules as a portal change application, and the reviewer confirms it on
the scanned page (a flag always says what was taken from the free text).

Items the free text cannot carry reliably (業種, 登録責任者, 社会保険, その他) are not parsed; the
reviewer returns the case or handles them by hand. A new 許可番号 needs the permit scan: on paper it
comes in the envelope, and the case is flagged for the reviewer to find it among the pages.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from ccus.models.lifecycle import LifecycleKind

# The form's tick → the lifecycle kind it asks for.
REQUEST_KINDS: Final[dict[str, LifecycleKind]] = {
    "change": LifecycleKind.BUSINESS_CHANGE,
    "withdrawal": LifecycleKind.BUSINESS_WITHDRAWAL,
}

# Item names as an applicant writes them → the key of the registered content (CHANGEABLE_ITEMS).
_ITEM_NAMES: Final[dict[str, str]] = {
    "商号又は名称(フリガナ)": "trade_name_kana",
    "商号(フリガナ)": "trade_name_kana",
    "商号フリガナ": "trade_name_kana",
    "名称フリガナ": "trade_name_kana",
    "代表者名(フリガナ)": "representative_name_kana",
    "代表者氏名(フリガナ)": "representative_name_kana",
    "代表者フリガナ": "representative_name_kana",
    "商号又は名称": "trade_name",
    "商号": "trade_name",
    "名称": "trade_name",
    "代表者氏名": "representative_name",
    "代表者名": "representative_name",
    "代表者": "representative_name",
    "郵便番号": "postcode",
    "〒": "postcode",
    "本店所在地": "address",
    "所在地": "address",
    "住所": "address",
    "電話番号": "phone",
    "電話": "phone",
    "TEL": "phone",
    "資本金": "capital_yen",
    "建設業許可番号": "licence_number",
    "許可番号": "licence_number",
    "メールアドレス": "email",
}
_SEPARATORS = " :=は→->>・"
_TRAILING = " 、。,;/／"
_NAMES: Final = {unicodedata.normalize("NFKC", k): v for k, v in _ITEM_NAMES.items()}
_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(_NAMES, key=len, reverse=True)))


def _clean(value: str) -> str:
    return value.lstrip(_SEPARATORS).rstrip(_TRAILING).strip()


def parse_details(text: str) -> dict[str, Any]:
    """{item key: new value} found in the free text of 「変更する項目と変更後の内容」; {} when no
    item name is found. A later mention of the same item wins; an item with no value is left out."""
    s = unicodedata.normalize("NFKC", text or "")
    hits = list(_PATTERN.finditer(s))
    out: dict[str, Any] = {}
    for n, hit in enumerate(hits):
        end = hits[n + 1].start() if n + 1 < len(hits) else len(s)
        value = _clean(s[hit.end():end])
        if not value:
            continue
        key = _NAMES[hit.group()]
        if key == "capital_yen":
            digits = re.sub(r"[^0-9]", "", value)
            if not digits:
                continue
            out[key] = int(digits)
        else:
            out[key] = value
    return out


def same_name(read: str, registered: str) -> bool:
    """The name written on the form is the registered one (width, spaces and ㈱/(株) folded)."""
    def fold(s: str) -> str:
        s = unicodedata.normalize("NFKC", s or "")
        s = s.replace("(株)", "株式会社").replace("(有)", "有限会社")
        return "".join(s.split())

    return bool(read) and fold(read) == fold(registered)
