"""Qualifications (保有資格) and the card level they earn (カードのレベル). Pure data and functions.

Sources:

- Operator's guide (``ccus-business-guide-2nd-ed.txt``), p. 6 「システムが生み出す効果」: the registry
  keeps each worker's 保有資格 and 就業履歴 to evaluate them, and issues 「評価基準に合わせて色分けされた
  カード」; 「運用開始から当面は登録基幹技能者のみゴールドに色分け」 (for now only 登録基幹技能者 are gold).
- Operator's guide p. 7 「技能者のメリット」: 「取得した資格やこれまでの経歴を簡易に確認・証明できます」.
- ``DOMAIN.md`` (Issuance): L1 white (everyone at registration), L2 blue, L3 silver, L4 gold
  (registered core skilled workers, 登録基幹技能者).

Neither source gives the criteria of L2 (blue) or L3 (silver). :data:`LEVEL_RULES` therefore
grants L4 to the 登録基幹技能者 qualifications and holds **no** qualification for L2 or L3: every
other worker is L1. The table is data: when the criteria are published (per trade, by years of
experience and qualification), they are rows here and nothing else changes.

The names of :data:`KNOWN_QUALIFICATIONS` are not in the guide either (it only says 保有資格): they are
a seed list (decision) of nationally recognised qualifications of construction work — the
登録基幹技能者 of the 建設業法施行規則, 施工管理技士, 技能士 (技能検定), licences and 技能講習 of the
労働安全衛生法, 電気工事士 — under their official names. A name not in the list is refused at
intake with the list's existence named, so a new qualification is one row here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

CORE: Final = "core"  # 登録基幹技能者
MANAGEMENT: Final = "management"  # 施工管理技士
SKILL_TEST: Final = "skill_test"  # 技能検定（技能士）
LICENCE: Final = "licence"  # 免許
SKILL_COURSE: Final = "skill_course"  # 技能講習
OTHER: Final = "other"

_CORE = (
    "登録基幹技能者",  # as declared when the trade is given elsewhere
    "登録電気工事基幹技能者", "登録橋梁基幹技能者", "登録造園基幹技能者", "登録コンクリート圧送基幹技能者",
    "登録防水基幹技能者", "登録トンネル基幹技能者", "登録建設塗装基幹技能者", "登録左官基幹技能者",
    "登録機械土工基幹技能者", "登録海上起重基幹技能者", "登録PC基幹技能者", "登録鉄筋基幹技能者",
    "登録圧接基幹技能者", "登録型枠基幹技能者", "登録配管基幹技能者", "登録鳶・土工基幹技能者",
    "登録切断穿孔基幹技能者", "登録内装仕上工事基幹技能者", "登録サッシ・カーテンウォール基幹技能者",
    "登録エクステリア基幹技能者", "登録建築板金基幹技能者", "登録外壁仕上基幹技能者",
    "登録ダクト基幹技能者", "登録保温保冷基幹技能者", "登録グラウト基幹技能者", "登録冷凍空調基幹技能者",
    "登録運動施設基幹技能者", "登録基礎工基幹技能者", "登録タイル張り基幹技能者", "登録標識・路面標示基幹技能者",
    "登録消火設備基幹技能者", "登録建築大工基幹技能者", "登録硝子工事基幹技能者", "登録ALC基幹技能者",
    "登録土工基幹技能者", "登録発破・破砕基幹技能者", "登録圧入工事基幹技能者", "登録送電線工事基幹技能者",
    "登録さく井基幹技能者", "登録チムニー基幹技能者", "登録海上起重作業管理基幹技能者",
)
_MANAGEMENT = tuple(f"{g}級{t}施工管理技士" for g in ("1", "2") for t in (
    "建築", "土木", "電気工事", "管工事", "造園", "建設機械", "電気通信工事"))
_SKILL_TEST = tuple(f"{g}級{t}技能士" for g in ("1", "2") for t in (
    "型枠施工", "鉄筋施工", "とび", "左官", "建築大工", "配管", "塗装", "防水施工", "内装仕上げ施工",
    "タイル張り", "建築板金", "石材施工", "コンクリート圧送施工", "築炉", "ブロック建築", "造園", "かわらぶき",
    "サッシ施工", "ガラス施工", "熱絶縁施工", "建具製作", "畳製作", "冷凍空気調和機器施工", "鉄工",
    "エーエルシーパネル施工", "樹脂接着剤注入施工", "路面標示施工", "スレート施工", "カーテンウォール施工"))
_LICENCE = (
    "第一種電気工事士", "第二種電気工事士", "クレーン・デリック運転士", "移動式クレーン運転士", "発破技士",
    "ボイラー技士", "建築士（一級）", "建築士（二級）", "建築士（木造）", "技術士",
)
_SKILL_COURSE = (
    "玉掛け技能講習", "小型移動式クレーン運転技能講習", "車両系建設機械（整地・運搬・積込み用及び掘削用）運転技能講習",
    "車両系建設機械（解体用）運転技能講習", "高所作業車運転技能講習", "フォークリフト運転技能講習",
    "ガス溶接技能講習", "足場の組立て等作業主任者技能講習", "型枠支保工の組立て等作業主任者技能講習",
    "地山の掘削及び土止め支保工作業主任者技能講習", "建築物等の鉄骨の組立て等作業主任者技能講習",
    "コンクリート造の工作物の解体等作業主任者技能講習", "石綿作業主任者技能講習", "酸素欠乏・硫化水素危険作業主任者技能講習",
    "有機溶剤作業主任者技能講習", "不整地運搬車運転技能講習",
)


@dataclass(frozen=True)
class KnownQualification:
    name: str
    category: str


def fold(name: str) -> str:
    """A qualification name as compared: width folded (NFKC), spaces dropped, the middle dot unified."""
    s = unicodedata.normalize("NFKC", name or "")
    s = s.replace("･", "・").replace("(", "（").replace(")", "）")
    return "".join(s.split())


KNOWN_QUALIFICATIONS: Final[dict[str, KnownQualification]] = {
    fold(n): KnownQualification(n, category)
    for names, category in ((_CORE, CORE), (_MANAGEMENT, MANAGEMENT), (_SKILL_TEST, SKILL_TEST),
                            (_LICENCE, LICENCE), (_SKILL_COURSE, SKILL_COURSE))
    for n in names
}


def known_qualification(name: str) -> KnownQualification | None:
    """The list's entry for ``name`` as written (width and spaces folded), or None."""
    return KNOWN_QUALIFICATIONS.get(fold(name))


# Card levels -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardLevel:
    level: int
    colour: str  # the card table's colour (``cards.colour``)
    label_ja: str


@dataclass(frozen=True)
class LevelRule:
    """A card level and what earns it: any qualification of ``categories`` or named in ``names``."""

    level: CardLevel
    categories: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    source: str = ""

    def met_by(self, held: Iterable[KnownQualification]) -> bool:
        return any(q.category in self.categories or fold(q.name) in self.names for q in held)


WHITE: Final = CardLevel(1, "white", "レベル1（ホワイト）")
BLUE: Final = CardLevel(2, "blue", "レベル2（ブルー）")
SILVER: Final = CardLevel(3, "silver", "レベル3（シルバー）")
GOLD: Final = CardLevel(4, "gold", "レベル4（ゴールド）")

#: Highest level first. L2 and L3 earn nothing yet: no source available here gives their criteria.
LEVEL_RULES: Final[tuple[LevelRule, ...]] = (
    LevelRule(GOLD, categories=frozenset({CORE}),
              source="guide p. 6: 当面は登録基幹技能者のみゴールド; DOMAIN.md: L4 gold = 登録基幹技能者"),
    LevelRule(SILVER, source="DOMAIN.md names L3 silver; no source gives its criteria (none granted)"),
    LevelRule(BLUE, source="DOMAIN.md names L2 blue; no source gives its criteria (none granted)"),
)

LEVELS: Final[dict[int, CardLevel]] = {c.level: c for c in (WHITE, BLUE, SILVER, GOLD)}


def card_level(qualification_names: Iterable[str], rules: tuple[LevelRule, ...] = LEVEL_RULES) -> CardLevel:
    """The card level earned by the verified qualifications named (unknown names earn nothing):
    the first rule of ``rules`` (highest first) one of them meets, else L1 white."""
    held = [q for q in (known_qualification(n) for n in qualification_names) if q is not None]
    for rule in rules:
        if rule.met_by(held):
            return rule.level
    return WHITE
