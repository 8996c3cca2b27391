"""Texts of the notices of issue 14's parties (what each party is told), as ``(subject, body)``
pairs. Pure functions.

* a paid duplicate registration refunded or merged by an operator (重複登録の返金・統合);
* the business that filed a 代行申請 told that its worker is registered: a portal notice and a
  crimped postcard (guide, 2nd ed., chapter 1 §5 「事業者による技能者情報登録の代行申請のお願い」,
  pp.10–11, 「登録完了」: 「技能者情報登録が完了後、事業者ポータルメニューの通知に、技能者情報登録完了を
  通知します。また、圧着はがきでも技能者情報登録完了をお知らせいたします」 — ``PROXY_COMPLETION_PAGES``).
"""

from __future__ import annotations

from typing import Final

from ccus.models.notices import SYSTEM_NAME, notice_body, salutation, yen_ja

_PREFIX: Final = f"【{SYSTEM_NAME}】"


def _subject(title: str, application_number: str) -> str:
    return f"{_PREFIX}{title}（申請番号：{application_number}）"


def duplicate_refunded(name: str, application_number: str, amount: int) -> tuple[str, str]:
    """The case was closed because the same person (business) is registered already; its fee is refunded."""
    refund = (f"お支払いいただいた登録料 {yen_ja(amount)} は返金いたします。返金のお手続きについては、"
              "担当者から改めてご連絡いたします。" if amount > 0 else "登録料のお支払いはございません。")
    return _subject("重複登録による申請終了と返金のお知らせ", application_number), notice_body(
        salutation(name),
        f"{SYSTEM_NAME}へのお申し込みにつきまして、同一の方（事業者）が既に登録されていることが"
        "確認されたため、二重登録とならないよう、この申請による登録は行わずに手続きを終了しました。",
        f"■申請番号：{application_number}\n■返金：{refund}",
        "既に登録されているIDは引き続きご利用いただけます。ご不明な点がございましたら、"
        "申請番号を添えてお問い合わせください。",
    )


def duplicate_merged(name: str, application_number: str) -> tuple[str, str]:
    """The paid case was merged into the person's existing registration (no second 技能者ID)."""
    return _subject("登録済み技能者情報への統合のお知らせ", application_number), notice_body(
        salutation(name),
        f"{SYSTEM_NAME}へのお申し込みにつきまして、同一の方が既に技能者登録されていることが確認されたため、"
        "新たな技能者IDは発行せず、お申し込みの内容（所属事業者）を登録済みの技能者情報に統合しました。",
        f"■申請番号：{application_number}",
        "技能者ID・カードは既にお持ちのものを引き続きご利用ください。ご不明な点がございましたら、"
        "申請番号を添えてお問い合わせください。",
    )


# The guide's pages that promise the filer of a proxy application a notice and a postcard.
PROXY_COMPLETION_PAGES: Final = (10, 11)


def proxy_registration_complete(filer_name: str, worker_name: str, worker_id: str,
                                application_number: str) -> tuple[str, str]:
    """To the business that filed a 代行申請: the worker it filed for is registered."""
    return _subject("代行申請による技能者登録完了のお知らせ", application_number), notice_body(
        salutation(filer_name),
        f"貴社が代行申請された技能者の{SYSTEM_NAME}への登録が完了しました。",
        f"■申請番号：{application_number}\n■技能者氏名：{worker_name}\n■技能者ID：{worker_id}",
        "初期パスワードは技能者ご本人宛てにお知らせし、セキュリティコードはカード裏面に記載しております。"
        "カードは後日郵送いたします。技能者ご本人にお伝えください。",
    )
