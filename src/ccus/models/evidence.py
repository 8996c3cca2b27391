"""Cross-checks between what was declared and what the evidence says (pure; no OCR, no I/O).

Each check yields a flag for the reviewer: ``block`` flags stop approval on the server, ``warn``
flags are shown beside the evidence. A reading that cannot be trusted is flagged, never accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str  # "block" | "warn"
    message: str  # Japanese, for the reviewer
    field: str | None = None
    stage: str = "validation"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
