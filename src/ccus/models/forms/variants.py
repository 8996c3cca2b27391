"""異体字 (variant kanji) in names and addresses: 髙 is not 高 in a registry. Pure.

A recogniser that does not know a variant reads the common form instead (Tesseract read 髙 as 高 at
71 and 栁 as 柳 at 92): the registry would then record a name the applicant did not write. When two
readings differ only by variant forms, the one that holds the variant is kept and the field is
flagged for the reviewer to confirm the form as written.

The table holds the variants that occur in personal and place names (法務省 人名用漢字 and the
common 旧字体/異体字 of family names); each maps to the form a recogniser reads when it misses it.
"""

from __future__ import annotations

VARIANT_OF: dict[str, str] = {
    "髙": "高", "﨑": "崎", "嵜": "崎", "栁": "柳", "邊": "辺", "邉": "辺", "齋": "斎", "齊": "斉",
    "濵": "浜", "濱": "浜", "澤": "沢", "國": "国", "櫻": "桜", "廣": "広", "德": "徳", "眞": "真",
    "冨": "富", "嶋": "島", "嶌": "島", "曻": "昇", "惠": "恵",
    "榮": "栄", "壽": "寿", "實": "実", "藏": "蔵", "龍": "竜", "瀧": "滝", "淺": "浅", "髮": "髪",
    "圓": "円", "團": "団", "會": "会", "驛": "駅", "關": "関", "邨": "村", "晉": "晋",
    "槇": "槙", "籠": "篭", "萬": "万", "當": "当", "縣": "県", "鐵": "鉄", "條": "条", "樂": "楽",
    "禮": "礼", "靜": "静", "彌": "弥", "巖": "巌", "恆": "恒", "來": "来", "徑": "径",
}
_FOLD = str.maketrans(VARIANT_OF)


def fold_variants(text: str) -> str:
    """``text`` with every variant kanji of the table in its common form."""
    return text.translate(_FOLD)


def variant_count(text: str) -> int:
    """How many characters of ``text`` are variants of the table."""
    return sum(1 for c in text if c in VARIANT_OF)


def differ_only_by_variants(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ, but not once their variant kanji are folded."""
    return a != b and fold_variants(a) == fold_variants(b)


# Variants neither recogniser can read at all (not in PP-OCRv5's character list; Tesseract folds
# them): a name holding the common form may have been written with the variant, and nothing in the
# readings tells. Measured: 山﨑 read as 山崎 by both, with no doubt, in every font of the bench.
UNREADABLE: dict[str, str] = {"崎": "﨑", "浜": "濵", "昇": "曻"}


def may_hide_variant(text: str) -> str | None:
    """``text`` with the unreadable variants in place of their common forms, when it holds any."""
    swapped = "".join(UNREADABLE.get(fold_variants(c), c) for c in text)  # 濱 may be 濵 too
    return swapped if swapped != text else None
