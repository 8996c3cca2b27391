"""Application kinds (申請種別), channels (受付経路) and the documents each kind requires."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    BUSINESS_REGISTRATION = "business_registration"  # 事業者情報登録申請
    WORKER_REGISTRATION = "worker_registration"  # 技能者情報登録申請
    PROXY_WORKER_REGISTRATION = "proxy_worker_registration"  # 技能者情報登録申請（代行申請）


class Channel(StrEnum):
    INTERNET = "internet"
    MAIL = "mail"
    COUNTER = "counter"


class DocumentRole(StrEnum):
    """What an attached document is (添付書類の種類)."""

    IDENTITY_DOCUMENT = "identity_document"  # 本人確認書類
    FACE_PHOTO = "face_photo"  # 顔写真
    REGISTRY_EXTRACT = "registry_extract"  # 登記事項証明書
    LICENCE_COPY = "licence_copy"  # 建設業許可通知書の写し
    INSURANCE_PROOF = "insurance_proof"  # 社会保険加入を証する書類
    WORKER_CONSENT = "worker_consent"  # 代行申請同意書（技能者）
    EMPLOYER_CONSENT = "employer_consent"  # 代行申請同意書（所属事業者）
    APPLICATION_FORM = "application_form"  # 申請書（郵送の様式の各ページ）
    QUALIFICATION_CERTIFICATE = "qualification_certificate"  # 資格証明書の写し（詳細型）
    OTHER = "other"  # その他


ROLE_LABELS_JA: dict[DocumentRole, str] = {
    DocumentRole.IDENTITY_DOCUMENT: "本人確認書類",
    DocumentRole.FACE_PHOTO: "顔写真",
    DocumentRole.REGISTRY_EXTRACT: "登記事項証明書",
    DocumentRole.LICENCE_COPY: "建設業許可通知書の写し",
    DocumentRole.INSURANCE_PROOF: "社会保険加入を証する書類",
    DocumentRole.WORKER_CONSENT: "代行申請同意書（技能者本人）",
    DocumentRole.EMPLOYER_CONSENT: "代行申請同意書（所属事業者）",
    DocumentRole.APPLICATION_FORM: "申請書",
    DocumentRole.QUALIFICATION_CERTIFICATE: "資格証明書の写し",
    DocumentRole.OTHER: "その他の書類",
}


def required_documents(
    kind: Kind, *, channel: Channel, corporate: bool, licensed: bool, proxy_is_employer: bool
) -> set[DocumentRole]:
    """Documents an application of ``kind`` must carry before it can be reviewed.

    A worker without an identity document may still register in person (counter), with a
    3-year card; on the internet channel the identity document is required.
    """
    if kind is Kind.BUSINESS_REGISTRATION:
        needed = {DocumentRole.INSURANCE_PROOF}
        if corporate:
            needed.add(DocumentRole.REGISTRY_EXTRACT)
        if licensed:
            needed.add(DocumentRole.LICENCE_COPY)
        return needed
    needed = {DocumentRole.FACE_PHOTO}
    if channel is not Channel.COUNTER:
        needed.add(DocumentRole.IDENTITY_DOCUMENT)
    if kind is Kind.PROXY_WORKER_REGISTRATION:
        needed.add(DocumentRole.WORKER_CONSENT)
        if not proxy_is_employer:
            needed.add(DocumentRole.EMPLOYER_CONSENT)
    return needed
