"""Cross-checks between what was declared and what the evidence says (pure; no OCR, no I/O).

Each check yields a flag for the reviewer: ``block`` flags stop approval on the server, ``warn``
flags are shown beside the evidence. A reading that cannot be trusted is flagged, never accepted.

:data:`EVIDENCE` is the one field → evidence table (証明書類): which document shows which declared
field and how a reading is matched against it. The validation stage flags a mismatch on the first
document of a field's row (``models/checks.py``); the case screen shows, for each field, the first
document that matches it (``services/review/case_view.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from ccus.models.application_types import DocumentRole, Kind
from ccus.models.flags import Flag as Flag  # the one flag type (models/flags.py), re-exported


def squash(s: str) -> str:
    """Fold width and drop whitespace and separators, for matching OCR text."""
    s = unicodedata.normalize("NFKC", s)
    return re.sub(r"[\s\u3000・,，、.。\-‐－ー―:：/／]", "", s)


def date_spellings(d: date) -> list[str]:
    """Ways a date appears on Japanese documents, squashed (Western and era forms)."""
    out = [f"{d.year}年{d.month}月{d.day}日", f"{d.year}{d.month:02d}{d.day:02d}", f"{d.year}{d.month}{d.day}"]
    eras = [("令和", date(2019, 5, 1)), ("平成", date(1989, 1, 8)), ("昭和", date(1926, 12, 25)),
            ("大正", date(1912, 7, 30))]
    for name, start in eras:
        if d >= start:
            y = d.year - start.year + 1
            ys = "元" if y == 1 else str(y)
            out.append(f"{name}{ys}年{d.month}月{d.day}日")
            break
    return [squash(x) for x in out]


def text_contains(haystack: str, needle: str) -> bool:
    return bool(needle) and squash(needle) in squash(haystack)


def date_in_text(haystack: str, d: date) -> bool:
    h = squash(haystack)
    return any(s in h for s in date_spellings(d))


def low_confidence(confidence: float | None, threshold: float = 60.0) -> bool:
    return confidence is None or confidence < threshold


def birth_date_in_text(haystack: str, value: Any) -> bool | None:
    """Whether ``haystack`` shows the ISO date ``value`` in any usual spelling; None when the
    value is no date (a birth date paper left unreadable cannot be looked for)."""
    try:
        wanted = date.fromisoformat(str(value))
    except ValueError:
        return None
    return date_in_text(haystack, wanted)


def name_in_text(haystack: str, value: Any) -> bool:
    """Whether the declared text (a name, a trade name, an address) is in ``haystack``. An empty
    value is never found."""
    return text_contains(haystack, "" if value is None else str(value))


def corporate_number_in_text(haystack: str, value: Any) -> bool:
    """The 13-digit 法人番号, or the 12-digit 会社法人等番号 a registry extract prints (the same
    number without its leading check digit)."""
    number = "" if value is None else str(value)
    return text_contains(haystack, number) or text_contains(haystack, number[1:])


def qualification_in_text(haystack: str, value: Any) -> bool | None:
    """Whether a certificate's text shows a declared qualification (``{name, number, obtained_on}``):
    its number, and its name or the date obtained. None when the value is no qualification."""
    if not isinstance(value, dict) or not value.get("number"):
        return None
    if not text_contains(haystack, str(value["number"])):
        return False
    return name_in_text(haystack, value.get("name")) or birth_date_in_text(haystack, value.get("obtained_on")) is True


@dataclass(frozen=True)
class Evidence:
    """One row of the table: ``field`` of the declared data is shown by the documents of
    ``roles`` (the first is the one the validation stage checks) and matched by ``matches``
    (True / False, or None when the declared value cannot be looked for)."""

    field: str
    roles: tuple[str, ...]
    matches: Callable[[str, Any], bool | None]
    flag_code: str | None = None  # the validation stage's flag when the first document lacks it
    flag_message: str = ""  # Japanese, for the reviewer


_EXTRACT = DocumentRole.REGISTRY_EXTRACT.value
_IDENTITY = DocumentRole.IDENTITY_DOCUMENT.value
_CONSENT = DocumentRole.WORKER_CONSENT.value
_CERTIFICATE = DocumentRole.QUALIFICATION_CERTIFICATE.value
BUSINESS: Final = "business"
PERSON: Final = "person"

# In the order the validation stage flags them.
EVIDENCE: Final[dict[str, tuple[Evidence, ...]]] = {
    BUSINESS: (
        Evidence("corporate_number", (_EXTRACT,), corporate_number_in_text, "corporate_number_not_in_extract",
                 "登記事項証明書に申請の法人番号が見当たりません。"),
        Evidence("trade_name", (_EXTRACT,), name_in_text, "trade_name_not_in_extract",
                 "登記事項証明書に申請の商号が見当たりません。"),
        Evidence("address", (_EXTRACT,), name_in_text),
        Evidence("representative_name", (_EXTRACT,), name_in_text),
    ),
    PERSON: (
        Evidence("name", (_IDENTITY, _CONSENT), name_in_text, "identity_name_mismatch",
                 "本人確認書類の氏名が申請内容と一致しません（読み取り結果に氏名が見当たりません）。"),
        Evidence("birth_date", (_IDENTITY, _CONSENT), birth_date_in_text, "identity_birth_date_mismatch",
                 "本人確認書類の生年月日が申請内容と一致しません（読み取り結果に見当たりません）。"),
        Evidence("address", (_IDENTITY,), name_in_text),
        # Each declared qualification (詳細型) by a certificate: models/checks.qualification_flags
        # checks every entry of the list (a missing certificate blocks, an unmatched one warns).
        Evidence("qualifications", (_CERTIFICATE,), qualification_in_text),
    ),
}


def evidence_group(kind: str) -> str:
    """Business registrations are evidenced by the registry extract; every other kind is a person's."""
    return BUSINESS if kind == Kind.BUSINESS_REGISTRATION.value else PERSON


def evidence_for(kind: str, field: str) -> Evidence | None:
    return next((e for e in EVIDENCE[evidence_group(kind)] if e.field == field), None)


@dataclass(frozen=True)
class DocumentText:
    """A document as read: its role, its text and the reader's mean confidence."""

    id: int
    role: str
    text: str
    confidence: float | None = None


@dataclass(frozen=True)
class EvidenceMatch:
    result: str  # "match" | "mismatch" | "" (not checked)
    role: str = ""  # the document that matched (or the first one looked at, on a mismatch)
    confidence: float | None = None


def match_evidence(kind: str, field: str, value: Any, docs: Sequence[DocumentText]) -> EvidenceMatch:
    """Whether the documents of the field's row show the declared ``value``: the first document
    that does, else a mismatch on the first one read; not checked when the field has no row, the
    value is empty or no document of its row has text."""
    row = evidence_for(kind, field)
    if row is None or value in (None, ""):
        return EvidenceMatch("")
    readable = [d for d in docs if d.role in row.roles and d.text]
    if not readable:
        return EvidenceMatch("")
    for d in readable:
        if row.matches(d.text, value):
            return EvidenceMatch("match", d.role, d.confidence)
    return EvidenceMatch("mismatch", readable[0].role, readable[0].confidence)


def by_role(docs: Sequence[DocumentText]) -> Mapping[str, list[DocumentText]]:
    out: dict[str, list[DocumentText]] = {}
    for d in docs:
        out.setdefault(d.role, []).append(d)
    return out
