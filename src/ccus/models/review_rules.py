"""Review rules (審査基準): return reason codes, the four-eyes rule, the fields a reviewer may correct.

Pure: no I/O. The reason codes are the closed list a reviewer picks from when returning a case
(差戻し); each carries the sentence that goes into the 不備 notice to the applicant.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from ccus.models.status import Status


@dataclass(frozen=True)
class ReturnReason:
    code: str
    label: str  # short, for the reviewer's screen and the dashboard
    notice: str  # the sentence the applicant reads in the 不備 notice


RETURN_REASONS: Final[tuple[ReturnReason, ...]] = (
    ReturnReason("identity_document_unreadable", "本人確認書類が不鮮明",
                 "本人確認書類の画像が不鮮明で記載内容を確認できません。鮮明な画像を添付してください。"),
    ReturnReason("identity_mismatch", "本人確認書類と申請内容の不一致",
                 "本人確認書類の記載内容（氏名・生年月日・住所）と申請内容が一致しません。内容をご確認ください。"),
    ReturnReason("identity_document_expired", "本人確認書類の有効期限切れ",
                 "本人確認書類の有効期限が切れています。有効期限内の書類を添付してください。"),
    ReturnReason("face_photo_unsuitable", "顔写真が不適切",
                 "顔写真が規格に合っていません（正面・無帽・無背景、6か月以内に撮影したもの）。撮り直した写真を添付してください。"),
    ReturnReason("registry_extract_outdated", "登記事項証明書の発行日超過",
                 "登記事項証明書は発行から3か月以内のものを添付してください。"),
    ReturnReason("registry_extract_mismatch", "登記事項証明書と申請内容の不一致",
                 "登記事項証明書の記載内容（商号・法人番号・所在地）と申請内容が一致しません。"),
    ReturnReason("insurance_proof_missing", "社会保険加入の確認書類不備",
                 "社会保険の加入を確認できる書類が不足しているか、内容を確認できません。"),
    ReturnReason("consent_form_defective", "代行申請同意書の不備",
                 "代行申請同意書に記入漏れ、署名漏れ、または申請内容との不一致があります。"),
    ReturnReason("employer_consent_missing", "所属事業者の同意書なし",
                 "所属事業者以外による代行申請のため、所属事業者の代行申請同意書を添付してください。"),
    ReturnReason("document_missing", "必要書類の添付漏れ",
                 "申請に必要な書類が添付されていません。"),
    ReturnReason("other", "その他", "その他の不備があります（詳細は下記をご確認ください）。"),
)

REASONS_BY_CODE: Final[dict[str, ReturnReason]] = {r.code: r for r in RETURN_REASONS}


def unknown_reason_codes(codes: list[str]) -> list[str]:
    return [c for c in codes if c not in REASONS_BY_CODE]


def notice_items(codes: list[str], free_text: str | None) -> list[str]:
    """The numbered items of a 不備 notice: each code's sentence, then the reviewer's own words."""
    items = [REASONS_BY_CODE[c].notice for c in dict.fromkeys(codes)]
    if free_text and free_text.strip():
        items.append(free_text.strip())
    return items


def needs_second_approval(kind: str, declared: dict[str, Any], corrected: bool) -> list[str]:
    """Why a case needs a second approval by a different person (empty: one approval is enough).

    Four-eyes (二者承認): a proxy application filed by a business that is not the worker's employer,
    and any case whose declared data a reviewer corrected.
    """
    why = []
    proxy = declared.get("proxy") or {}
    if kind == "proxy_worker_registration" and proxy.get("relation") != "employer":
        why.append("所属事業者以外による代行申請")
    if corrected:
        why.append("審査担当者による項目訂正あり")
    return why


@dataclass(frozen=True)
class Approver:
    """A person deciding a case: the actor's name and, when it is one, the staff account
    (``staff_users.id``). The web screens and the API are the same person on the same account."""

    actor: str
    account: int | None = None


def same_person(a: Approver, b: Approver) -> bool:
    """Accounts are compared when both are known, names otherwise."""
    if a.account is not None and b.account is not None:
        return a.account == b.account
    return a.actor == b.actor


RECEIVED_BY_APPROVER: Final = ("この申請を窓口で受け付けた職員は、承認（一次承認・二次承認とも）を行うことができません。"
                               "別の担当者が審査してください。")
FOUR_EYES: Final = "二次承認は一次承認者とは別の担当者が行う必要があります。"
BLOCKED_PREFIX: Final = "承認できません："


@dataclass(frozen=True)
class Approval:
    """What an approval does: a refusal (``refused`` is its code, ``message`` the Japanese reason),
    or the step it is (``single`` | ``first`` | ``second``) and the status the case goes to."""

    step: str = ""
    to: Status | None = None
    refused: str | None = None
    message: str = ""


def approval(approver: Approver, *, awaiting_second: bool, received_by: Approver | None,
             first: Approver | None, blocking_messages: Sequence[str],
             second_approval_reasons: Sequence[str]) -> Approval:
    """The approval rules, in the order they refuse: the staff member who took the case in at the
    counter never approves it; a blocking flag stops any approval; four-eyes (二者承認): the second
    approval is someone else's than the first; a case that needs two approvals gets its first."""
    if received_by is not None and same_person(approver, received_by):
        return Approval(refused="received_by_approver", message=RECEIVED_BY_APPROVER)
    if blocking_messages:
        return Approval(refused="blocked", message=BLOCKED_PREFIX + " / ".join(blocking_messages))
    if awaiting_second:
        if first is not None and same_person(approver, first):
            return Approval(refused="four_eyes", message=FOUR_EYES)
        return Approval("second", Status.APPROVED)
    if second_approval_reasons:
        return Approval("first", Status.AWAITING_SECOND_APPROVAL)
    return Approval("single", Status.APPROVED)


@dataclass(frozen=True)
class FieldSpec:
    path: str  # dotted path in the declared data
    label: str
    correctable: bool = True


_PERSON: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("name", "氏名"),
    FieldSpec("name_kana", "氏名（フリガナ）"),
    FieldSpec("birth_date", "生年月日"),
    FieldSpec("sex", "性別", correctable=False),
    FieldSpec("nationality", "国籍"),
    FieldSpec("postcode", "郵便番号"),
    FieldSpec("address", "住所"),
    FieldSpec("phone", "電話番号"),
    FieldSpec("email", "メールアドレス"),
    FieldSpec("employer_business_id", "所属事業者ID", correctable=False),
    FieldSpec("trade", "職種"),
    FieldSpec("experience_years", "経験年数", correctable=False),
    FieldSpec("employment_insurance_number", "雇用保険被保険者番号"),
    FieldSpec("identity_document_type", "本人確認書類の種類", correctable=False),
)

FIELDS: Final[dict[str, tuple[FieldSpec, ...]]] = {
    "business_registration": (
        FieldSpec("business_type", "事業者区分", correctable=False),
        FieldSpec("trade_name", "商号・名称"),
        FieldSpec("trade_name_kana", "商号・名称（フリガナ）"),
        FieldSpec("corporate_number", "法人番号"),
        FieldSpec("representative_name", "代表者氏名"),
        FieldSpec("representative_name_kana", "代表者氏名（フリガナ）"),
        FieldSpec("postcode", "郵便番号"),
        FieldSpec("address", "所在地"),
        FieldSpec("phone", "電話番号"),
        FieldSpec("email", "メールアドレス"),
        FieldSpec("licence_number", "建設業許可番号"),
        FieldSpec("capital_yen", "資本金（円）", correctable=False),
        FieldSpec("registrant.name", "登録責任者"),
        FieldSpec("registrant.email", "登録責任者メールアドレス"),
    ),
    "worker_registration": _PERSON,
    "proxy_worker_registration": (
        *_PERSON,
        FieldSpec("proxy.filer_business_id", "代行申請者の事業者ID", correctable=False),
        FieldSpec("proxy.relation", "代行申請者との関係", correctable=False),
    ),
}

PROXY_RELATION_JA: Final[dict[str, str]] = {
    "employer": "所属事業者",
    "prime_contractor": "元請事業者",
    "upper_subcontractor": "上位の下請事業者",
}


def field_spec(kind: str, path: str) -> FieldSpec | None:
    return next((f for f in FIELDS.get(kind, ()) if f.path == path), None)


def get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def with_path(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``path`` set to ``value`` (``None`` removes the key)."""
    out = dict(data)
    head, _, rest = path.partition(".")
    if rest:
        out[head] = with_path(dict(out.get(head) or {}), rest, value)
    elif value is None:
        out.pop(head, None)
    else:
        out[head] = value
    return out
