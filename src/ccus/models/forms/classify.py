"""What a page without a form marker is, from its text (pure).

Evidence comes on paper without markers: identity documents, insurance cards, registry extracts,
licence notices, a consent form of the old kind. The OCR text of the page is searched for the
words each kind of document prints; the kind with the most hits wins. A page that matches none is
"other" and goes to the reviewer as an unclassified page — never dropped.
"""

from __future__ import annotations

from ccus.models.evidence import squash

KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("identity_document", ("運転免許証", "免許", "公安", "個人番号カード", "在留カード", "特別永住者証明書", "旅券",
                           "日本国旅券", "住民票", "年月日生")),
    ("insurance_proof", ("被保険者証", "保険者番号", "健康保険", "資格取得年月日", "厚生年金", "雇用保険", "資格確認書")),
    ("registry_extract", ("履歴事項全部証明書", "現在事項全部証明書", "登記事項証明書", "会社法人等番号", "登記官",
                          "法務局")),
    ("licence_copy", ("建設業許可通知書", "許可通知書", "建設業の許可", "許可番号")),
    ("worker_consent", ("代行申請同意書",)),
)
MIN_TEXT = 8  # characters: less than this is not enough to go by


def classify(text: str) -> tuple[str | None, list[str]]:
    """(document role, the words found) — (None, []) when the text says nothing recognisable."""
    flat = squash(text)
    if len(flat) < MIN_TEXT:
        return None, []
    best: tuple[int, str | None, list[str]] = (0, None, [])
    for role, words in KEYWORDS:
        found = [w for w in words if squash(w) in flat]
        if len(found) > best[0]:
            best = (len(found), role, found)
    return best[1], best[2]
