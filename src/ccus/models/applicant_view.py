"""What an applicant may see of their own case (申請状況の照会), and the answer secret's rules.

Pure: no I/O. The anonymous status API answers the status and the next step only — never the stage
history with reviewers' words, duplicate-check hits or fees beyond what the applicant must pay.

The answer secret (回答用コード) is a random per-case token that proves a request comes from the
applicant: issued at internet submission (shown once in the answer), at the counter, and in each
不備 notice mail. Mail bodies in the outbox hold ``SECRET_PLACEHOLDER`` instead of the secret; the
secret is drawn when the mail is sent, so no plaintext secret is ever stored.
"""

from __future__ import annotations

from typing import Final

from ccus.models.application_types import Kind
from ccus.models.status import Status

SECRET_HEADER: Final = "X-Application-Secret"
SECRET_PLACEHOLDER: Final = "{{回答用コード}}"

#: Purposes a secret was issued for (kept with its hash, for the audit of who may answer).
PURPOSES: Final = ("intake", "return", "counter")

_STEPS: Final[dict[Status, tuple[str, str]]] = {
    Status.RECEIVED: ("受付済み", "提出された書類を保存しています。しばらくお待ちください。"),
    Status.DOCUMENTS_STORED: ("書類確認中", "添付書類を読み取り、申請内容と照合しています。しばらくお待ちください。"),
    Status.EXTRACTED: ("書類確認中", "添付書類を読み取り、申請内容と照合しています。しばらくお待ちください。"),
    Status.VALIDATED: ("書類確認中", "申請内容を確認しています。しばらくお待ちください。"),
    Status.CONSENT_CHECKED: ("書類確認中", "申請内容を確認しています。しばらくお待ちください。"),
    Status.AWAITING_REVIEW: ("審査中", "審査担当者が審査しています。結果はメールでお知らせします。"),
    Status.AWAITING_SECOND_APPROVAL: ("審査中", "審査担当者が審査しています。結果はメールでお知らせします。"),
    Status.RETURNED: ("差戻し中", "不備のお知らせに記載の点を修正し、同じ申請番号で書類を再提出してください。"),
    Status.REJECTED: ("却下", "審査の結果、登録をお受けできませんでした。理由は審査結果のお知らせをご確認ください。"),
    Status.APPROVED: ("承認済み", "登録料のお支払いのご案内をメールでお送りします。"),
    Status.AWAITING_PAYMENT: ("入金待ち", "ご案内の金額を、申請番号を振込依頼人名の前に付けてお振り込みください。"),
    Status.ISSUING: ("登録手続き中", "IDを発行しています。発行後、メールと郵送でお知らせします。"),
    Status.REGISTERED: ("登録完了", "登録が完了しました。お知らせしたIDと初期パスワードでログインしてください。"),
    Status.NEEDS_OPERATOR: ("確認中", "事務局で確認しています。しばらくお待ちください。"),
}

_UNKNOWN: Final = ("確認中", "事務局で確認しています。しばらくお待ちください。")


def status_and_next_step(status: str) -> tuple[str, str]:
    """The status as the applicant reads it (Japanese label) and the next step, one sentence."""
    try:
        return _STEPS[Status(status)]
    except ValueError:
        return _UNKNOWN


def answerable_by_secret(kind: str) -> bool:
    """Registration cases are answered with new documents (差戻しへの回答) and carry an answer
    secret; a business's own lifecycle cases (change, withdrawal…) are answered in the portal."""
    return kind in {k.value for k in Kind}
