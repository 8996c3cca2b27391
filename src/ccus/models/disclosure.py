"""開示 (disclosure): who may see which registered information, as the guide's table (p. 19–20).

Pure data and one function. The guide:

* 事業者情報 — すべての情報: 自社、自社に所属する技能者、元請事業者、上位下請事業者.
  以下を除いた情報（登録責任者の氏名など・社会保険の番号など）: 自社に所属しない技能者、その他事業者.
* 所属技能者情報 — shared with the businesses above the employer in the construction structure
  (元請事業者・上位下請事業者); to その他事業者 only the items the employer discloses in
  開示設定 → 所属技能者, item by item, all undisclosed by default.

Decisions where the guide is silent: the worker and their employer see all of the worker's
information; a worker not affiliated with the viewer sees none of another worker's.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from ccus.models.japanese import is_katakana_reading
from ccus.models.text_rules import forbidden_character


class Subject(StrEnum):
    BUSINESS = "business"  # 事業者情報
    WORKER = "worker"  # 技能者情報


class Viewer(StrEnum):
    SELF = "self"  # 自社 (business) / 本人 (worker)
    EMPLOYER = "employer"  # 所属事業者 (of the worker viewed)
    OWN_WORKER = "own_worker"  # 自社に所属する技能者 (viewing its business)
    PRIME = "prime"  # 元請事業者
    UPPER = "upper"  # 上位下請事業者
    OTHER_WORKER = "other_worker"  # 自社に所属しない技能者
    OTHER_BUSINESS = "other_business"  # その他事業者


# Information items and the fields of the registered content each one covers.
BUSINESS_ITEMS: Final[dict[str, tuple[str, ...]]] = {
    "basic": ("business_id", "business_type", "trade_name", "trade_name_kana", "corporate_number",
              "representative_name", "representative_name_kana", "postcode", "address", "phone", "email"),
    "licence": ("licence_number",),
    "capital": ("capital_yen",),
    "trades": ("trades",),
    "social_insurance": ("social_insurance",),  # 加入状況
    "registrant": ("registrant",),  # 登録責任者の氏名など
    "social_insurance_numbers": ("social_insurance_numbers",),  # 社会保険の番号など
    "other": ("other",),
}
WORKER_ITEMS: Final[dict[str, tuple[str, ...]]] = {
    "name": ("name", "name_kana"),
    "birth_date": ("birth_date", "sex"),
    "address": ("postcode", "address"),
    "contact": ("phone", "email"),
    "trade": ("trade", "experience_years"),
    "qualifications": ("qualifications", "trainings", "awards"),  # 保有資格・講習・表彰 (models/worker_details.py)
    "social_insurance": ("health_insurance", "pension", "employment_insurance_number"),
    "card": ("card",),
}
ITEMS: Final[dict[Subject, dict[str, tuple[str, ...]]]] = {Subject.BUSINESS: BUSINESS_ITEMS,
                                                           Subject.WORKER: WORKER_ITEMS}
# What a business's 自社に所属しない技能者 and その他事業者 do not see.
BUSINESS_RESTRICTED: Final = frozenset({"registrant", "social_insurance_numbers"})

VIEWERS: Final[dict[Subject, tuple[Viewer, ...]]] = {
    Subject.BUSINESS: (Viewer.SELF, Viewer.OWN_WORKER, Viewer.PRIME, Viewer.UPPER, Viewer.OTHER_WORKER,
                       Viewer.OTHER_BUSINESS),
    Subject.WORKER: (Viewer.SELF, Viewer.EMPLOYER, Viewer.PRIME, Viewer.UPPER, Viewer.OTHER_WORKER,
                     Viewer.OTHER_BUSINESS),
}


def visible_items(subject: Subject, viewer: Viewer, disclosed: frozenset[str] = frozenset()) -> frozenset[str]:
    """The items of ``subject`` that ``viewer`` may see; ``disclosed`` are the worker items the
    employer disclosed to その他事業者 (ignored for everyone else)."""
    if viewer not in VIEWERS[subject]:
        raise ValueError(f"{viewer.value} is not a position from which a {subject.value} is viewed")
    every = frozenset(ITEMS[subject])
    if subject is Subject.BUSINESS:
        if viewer in (Viewer.OTHER_WORKER, Viewer.OTHER_BUSINESS):
            return every - BUSINESS_RESTRICTED
        return every
    if viewer in (Viewer.SELF, Viewer.EMPLOYER, Viewer.PRIME, Viewer.UPPER):
        return every
    if viewer is Viewer.OTHER_BUSINESS:
        return every & disclosed
    return frozenset()


def visible_fields(subject: Subject, items: frozenset[str]) -> frozenset[str]:
    return frozenset(f for item in items for f in ITEMS[subject][item])


# 開示設定 → 所属技能者: the search of the list (所属技能者開示設定一覧 検索条件, guide p.20) -----------
#
# The screen searches by 技能者ID, 技能者名カナ, 技能者名, 技能者名アルファベット, 現住所 (住所1・2) and
# 電話・FAX番号 (「ハイフンありで入力」: a number equal to the fixed, mobile or fax number). The list is
# the business's own workers (所属技能者), whose every item its employer may see (the table above),
# so searching them shows nothing the business may not see. Decisions: every condition given must
# match (AND); 技能者ID matches from its start (a whole or a partial ID); names, reading and address
# match anywhere in the value, width and spaces folded, the alphabet name without regard to case;
# a phone number matches when its digits equal the worker's phone, mobile or fax number's digits.

SEARCH_FIELDS: Final[dict[str, str]] = {
    "worker_id": "技能者ID",
    "name": "技能者名",
    "name_kana": "技能者名カナ",
    "name_alphabet": "技能者名アルファベット",
    "address": "現住所",
    "phone": "電話・FAX番号",
}
SEARCH_MAX_LENGTH: Final = 100


@dataclass(frozen=True)
class WorkerSearch:
    """A checked search of the 開示設定 list; None for a condition not given."""

    worker_id: str | None = None
    name: str | None = None
    name_kana: str | None = None
    name_alphabet: str | None = None
    address: str | None = None
    phone: str | None = None


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _phone_digits(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isascii() and c.isdigit())


_ALPHABET = re.compile(r"[A-Za-z][A-Za-z .'\-]*")
_PHONE = re.compile(r"[0-9][0-9\-]*[0-9]")


def worker_search(params: Mapping[str, str | None]) -> tuple[WorkerSearch, list[tuple[str, str]]]:
    """The search of ``params`` (query parameters by name) and its errors as (parameter, Japanese
    message); a blank parameter is no condition."""
    errors: list[tuple[str, str]] = []
    out: dict[str, str] = {}
    for key, label in SEARCH_FIELDS.items():
        raw = params.get(key)
        if raw is None or not raw.strip():
            continue
        if len(raw) > SEARCH_MAX_LENGTH:
            errors.append((key, f"{label}は{SEARCH_MAX_LENGTH}文字以内で入力してください。"))
            continue
        if reason := forbidden_character(raw):
            errors.append((key, f"{label}：{reason}"))
            continue
        value = _fold(raw)
        if key == "worker_id" and not (value.isascii() and value.isdigit() and len(value) <= 14):
            errors.append((key, f"{label}は14桁以内の数字で入力してください。"))
        elif key == "name_kana" and not is_katakana_reading(value):
            errors.append((key, f"{label}は全角カタカナで入力してください。"))
        elif key == "name_alphabet":
            value = " ".join(unicodedata.normalize("NFKC", raw).split())
            if not _ALPHABET.fullmatch(value):
                errors.append((key, f"{label}は半角英字で入力してください。"))
            value = value.replace(" ", "").casefold()
        elif key == "phone" and not (_PHONE.fullmatch(value) and 10 <= len(_phone_digits(value)) <= 11):
            errors.append((key, f"{label}は10桁または11桁の番号をハイフンありで入力してください（例：03-1234-5678）。"))
        elif key == "phone":
            value = _phone_digits(value)
        out[key] = value
    return WorkerSearch(**out), errors


def worker_matches(search: WorkerSearch, worker_id: str, declared: Mapping[str, Any]) -> bool:
    """Whether a worker (its ID and registered content) meets every condition of ``search``."""
    def text(key: str) -> str:
        value = declared.get(key)
        return _fold(value) if isinstance(value, str) else ""

    if search.worker_id and not worker_id.startswith(search.worker_id):
        return False
    for key in ("name", "name_kana", "address"):
        wanted = getattr(search, key)
        if wanted and wanted not in text(key):
            return False
    if search.name_alphabet and search.name_alphabet not in text("name_alphabet").casefold():
        return False
    if search.phone:
        numbers = {_phone_digits(str(declared.get(k) or "")) for k in ("phone", "mobile_phone", "fax")}
        if search.phone not in numbers:
            return False
    return True
