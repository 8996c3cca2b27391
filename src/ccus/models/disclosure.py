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

from enum import StrEnum
from typing import Final


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
