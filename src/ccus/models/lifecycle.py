"""Applications after registration (登録後の申請): change, renewal and withdrawal of a business.

Pure data. They are cases like any other (one 申請番号, the stage log, the status view) but they
never pass through document processing or issuance: the registration drains (pipeline, charging,
issuance) claim only the registration kinds, and the lifecycle flows claim these.

Decisions (kept here, in one place):

- 変更申請 (change) is reviewed like any application: it enters at ``awaiting_review`` and, once
  approved, the changes flow applies it to the registered content.
- 更新申請 (renewal) needs no review (the registered content does not change): it is charged the
  registration fee of the day at once and enters at ``awaiting_payment`` (``issuing`` when it owes
  nothing); once paid, the renewal flow extends the registration by 5 years from the old expiry.
- 技能者の変更申請 (``worker_change``: qualifications obtained since registration) is filed by the
  worker's employer on the portal with a certificate for each, reviewed like a change (it enters at
  ``awaiting_review``), and applied by the changes flow; a new card level it earns is a card
  reissue owing no fee (``services/issuance/reissue.request_level_change``).
- 削除申請 (withdrawal) needs no review either: the business signed in with its own password. It
  enters at ``approved`` and is processed by the withdrawal flow (``issuing`` → ``registered`` =
  processed).
- By mail, the change / withdrawal form (様式X1) makes a change or a withdrawal too, but both go
  through the reading stages and review like any paper application (nobody signed in: the
  reviewer checks the target, the name and the seal on the scanned page); an approved one is then
  applied or processed by the same flows. See ``services/reading/paper_requests.py``.
- Retention: the documents of a withdrawn business are kept ``DOCUMENT_RETENTION_DAYS`` after the
  withdrawal, then purged from S3; the audit log and the database rows stay.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class LifecycleKind(StrEnum):
    BUSINESS_CHANGE = "business_change"  # 事業者情報変更申請
    BUSINESS_RENEWAL = "business_renewal"  # 事業者登録更新申請
    BUSINESS_WITHDRAWAL = "business_withdrawal"  # 事業者退会（削除申請）
    WORKER_CHANGE = "worker_change"  # 技能者情報変更申請（資格の追加、所属事業者による）


REGISTRATION_KINDS: Final = ("business_registration", "worker_registration", "proxy_worker_registration")
LIFECYCLE_KINDS: Final = tuple(k.value for k in LifecycleKind)
# Lifecycle kinds that arrive on paper (様式X1) and so pass through the reading stages.
MAIL_LIFECYCLE_KINDS: Final = (LifecycleKind.BUSINESS_CHANGE.value, LifecycleKind.BUSINESS_WITHDRAWAL.value)
# What the automatic stages before review (extract … duplicates) claim.
PIPELINE_KINDS: Final = REGISTRATION_KINDS + MAIL_LIFECYCLE_KINDS

# Days before expiry on which the renewal notices go out (事業者ポータルのお知らせ + mail).
RENEWAL_NOTICE_DAYS: Final = (90, 30)
# Days before a card's expiry on which the worker (or their employer) is told to renew it.
CARD_RENEWAL_NOTICE_DAYS: Final = (90, 30)
# A renewal may be applied for from this many days before expiry.
RENEWAL_WINDOW_DAYS: Final = 90
DOCUMENT_RETENTION_DAYS: Final = 365

# 変更申請: the items the guide lists (p. 21: 「代表者名や所在地、資本金、営んでいる業種など、登録内容の
# 変更があった場合は、事業者ポータルから登録内容の変更ができます。内容の部分的な削除も可能です」), as keys
# of the registered content. An optional item may be deleted (its new value null: a licence given
# up, the other information cleared); a required one may only be changed.
CHANGEABLE_ITEMS: Final[dict[str, str]] = {
    "licence_number": "建設業許可番号",
    "email": "メールアドレス",
    "trade_name": "商号又は名称",
    "trade_name_kana": "商号又は名称（フリガナ）",
    "representative_name": "代表者名",
    "representative_name_kana": "代表者名（フリガナ）",
    "postcode": "郵便番号",
    "address": "所在地",
    "phone": "電話番号",
    "capital_yen": "資本金",
    "trades": "業種",
    "registrant": "登録責任者",
    "social_insurance": "社会保険の加入状況",
    "other": "その他の情報（CI-NET・電子証明書・所属団体など）",
}

# The evidence each change needs (変更の証明書類), by item: the role of the document the business
# attaches to its change application (POST /api/v1/portal/changes/{申請番号}/documents) before it
# can be approved. A new 建設業許可番号 needs the permit (許可通知書) scan, as a new registration
# with a licence does (models/application_types.required_documents: licence_copy); deleting the
# number needs none. Items not listed need none (their review is the reviewer's reading of the
# change against the registered content, as before).
CHANGE_EVIDENCE: Final[dict[str, str]] = {
    "licence_number": "licence_copy",
}
CHANGE_EVIDENCE_JA: Final[dict[str, str]] = {
    "licence_copy": "建設業許可通知書の写し",
}

# Items of the registered content a change application does not change, and where they are
# changed instead. The number of 管理者ID is changed by adding or removing 管理者IDs (each billed
# by the month from the day it is added), not by a reviewed change of the registered content.
CHANGED_ELSEWHERE: Final[dict[str, str]] = {
    "admin_id_count": ("管理者IDの数は変更申請では変更できません。登録責任者が事業者ポータルの「管理者ID」"
                       "（追加・削除：/api/v1/portal/admin-ids）から手続きしてください"
                       "（追加した管理者IDの利用料は、次の請求日までの月数分をご請求します）。"),
}


def evidence_needed(changes: dict[str, object]) -> dict[str, str]:
    """{item: document role} of the evidence the changes need (a deleted item needs none)."""
    return {item: role for item, role in CHANGE_EVIDENCE.items() if changes.get(item) not in (None, "")}


def missing_evidence(changes: dict[str, object], roles_present: set[str]) -> dict[str, str]:
    """{item: Japanese message} of each change whose evidence is not attached."""
    return {item: f"{CHANGEABLE_ITEMS[item]}の変更には{CHANGE_EVIDENCE_JA[role]}の添付が必要です。"
            for item, role in evidence_needed(changes).items() if role not in roles_present}
