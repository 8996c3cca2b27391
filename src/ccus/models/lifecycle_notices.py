"""Texts of the notices of the registry's life after registration (登録完了・更新・変更・退会・請求・
カード更新), as ``(subject, body)`` pairs. Pure functions; the portal shows them and mail carries them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ccus.models.notices import SYSTEM_NAME, date_jp, notice_body, salutation, yen_ja

_PREFIX = f"【{SYSTEM_NAME}】"


def _subject(title: str, ref: str) -> str:
    return f"{_PREFIX}{title}（{ref}）"


def registration_complete(trade_name: str, business_id: str, expires_on: date) -> tuple[str, str]:
    return _subject("事業者情報登録完了のお知らせ", f"事業者ID：{business_id}"), notice_body(
        salutation(trade_name),
        f"{SYSTEM_NAME}への事業者情報の登録が完了しました。",
        f"■事業者ID：{business_id}\n■有効期間：{date_jp(expires_on)}まで",
        "登録内容は事業者ポータルの「閲覧」→「自社情報」からご確認ください。",
    )


def renewal_due(trade_name: str, business_id: str, expires_on: date, days_before: int) -> tuple[str, str]:
    return _subject(f"登録更新のご案内（有効期限の{days_before}日前）", f"事業者ID：{business_id}"), notice_body(
        salutation(trade_name),
        f"貴社の{SYSTEM_NAME}事業者登録の有効期間は{date_jp(expires_on)}までです。",
        "引き続きご利用いただくには、有効期限までに事業者ポータルから更新申請を行い、"
        "登録料をお支払いください（更新の登録料は新規登録と同額です）。",
        "有効期限を過ぎると、管理者IDでのログインを含む各機能がご利用いただけなくなります。",
    )


def registration_lapsed(trade_name: str, business_id: str, expired_on: date) -> tuple[str, str]:
    return _subject("事業者登録の有効期間満了のお知らせ", f"事業者ID：{business_id}"), notice_body(
        salutation(trade_name),
        f"貴社の{SYSTEM_NAME}事業者登録は{date_jp(expired_on)}をもって有効期間が満了しました。"
        "管理者IDはご利用いただけません。",
        "更新をご希望の場合は、お問い合わせセンターまでご連絡ください。",
    )


def renewal_complete(trade_name: str, business_id: str, expires_on: date, application_number: str) -> tuple[str, str]:
    return _subject("事業者登録更新完了のお知らせ", f"申請番号：{application_number}"), notice_body(
        salutation(trade_name),
        f"{SYSTEM_NAME}事業者登録の更新が完了しました。",
        f"■事業者ID：{business_id}\n■新しい有効期間：{date_jp(expires_on)}まで\n■申請番号：{application_number}",
    )


def change_applied(trade_name: str, application_number: str, items: Sequence[str]) -> tuple[str, str]:
    listed = "\n".join(f"　・{i}" for i in items)
    return _subject("登録内容変更完了のお知らせ", f"申請番号：{application_number}"), notice_body(
        salutation(trade_name),
        "変更申請の審査が完了し、登録内容を変更しました。",
        f"■申請番号：{application_number}\n■変更した項目：\n{listed}",
    )


def withdrawal_processed(trade_name: str, business_id: str, application_number: str, on: date) -> tuple[str, str]:
    return _subject("退会手続き完了のお知らせ", f"申請番号：{application_number}"), notice_body(
        salutation(trade_name),
        f"{date_jp(on)}、{SYSTEM_NAME}からの退会手続きが完了しました。"
        "管理者IDはご利用いただけません。所属技能者の所属情報は解除しました。",
        f"■事業者ID：{business_id}\n■申請番号：{application_number}",
        "提出書類は法令等に定める保存期間の経過後に消去します。",
    )


def worker_unlinked(worker_name: str, trade_name: str, on: date) -> tuple[str, str]:
    return _subject("所属事業者の退会に伴う所属解除のお知らせ", trade_name), notice_body(
        salutation(worker_name),
        f"所属事業者「{trade_name}」が{SYSTEM_NAME}を退会したため、{date_jp(on)}付で所属情報を解除しました。",
        "技能者ID・カードは引き続きご利用いただけます。新しい所属事業者が決まりましたら所属の登録をお願いします。",
    )


def invoice_issued(trade_name: str, invoice_number: str, what: str, amount: int, due_on: date) -> tuple[str, str]:
    return _subject(f"{what}のご請求", f"請求番号：{invoice_number}"), notice_body(
        salutation(trade_name),
        f"{what}をご請求いたします。",
        f"■請求番号：{invoice_number}\n■ご請求額：{yen_ja(amount)}（税込）\n■お支払期限：{date_jp(due_on)}",
        "請求の内訳は事業者ポータルの「請求」からご確認ください。",
    )


def invoice_paid(trade_name: str, invoice_number: str, what: str, amount: int, paid_on: date) -> tuple[str, str]:
    return _subject(f"{what}の入金確認", f"請求番号：{invoice_number}"), notice_body(
        salutation(trade_name),
        f"{what}のお支払いを確認いたしました。ありがとうございました。",
        f"■請求番号：{invoice_number}\n■入金額：{yen_ja(amount)}\n■入金日：{date_jp(paid_on)}",
    )


def invoice_payment_mismatch(trade_name: str, invoice_number: str, billed: int, received: int) -> tuple[str, str]:
    what = "過入金" if received > billed else "入金額の不足"
    return _subject(f"ご入金額についてのお知らせ（{what}）", f"請求番号：{invoice_number}"), notice_body(
        salutation(trade_name),
        "ご入金いただいた金額がご請求額と一致しないため、この請求はお支払い済みとして扱われていません。",
        f"■請求番号：{invoice_number}\n■ご請求額：{yen_ja(billed)}\n■ご入金額：{yen_ja(received)}"
        f"\n■差額：{yen_ja(abs(received - billed))}",
        "お手数ですが、お問い合わせ窓口までご連絡ください。",
    )


def card_renewal_requested(addressee: str, request_number: str, worker_id: str, amount: int) -> tuple[str, str]:
    return _subject("カード更新申請の受付", f"更新申請番号：{request_number}"), notice_body(
        salutation(addressee),
        f"技能者ID {worker_id} の建設キャリアアップカードの更新申請を受け付けました。",
        f"■更新申請番号：{request_number}\n■更新料：{yen_ja(amount)}（技能者登録料と同額）",
        "お振込みの際は、依頼人名の前に更新申請番号をご記入ください。入金を確認した後、新しいカードを発行します。",
    )


def card_renewal_due(worker_name: str, worker_id: str, expires_on: date, days_before: int) -> tuple[str, str]:
    return _subject(f"カード有効期限のご案内（{days_before}日前）", f"技能者ID：{worker_id}"), notice_body(
        salutation(worker_name),
        f"建設キャリアアップカードの有効期限は{date_jp(expires_on)}です。"
        "有効期限までに更新のお手続きをお願いいたします（所属事業者による代行も可能です）。",
    )


def card_renewed(worker_name: str, worker_id: str, expires_on: date) -> tuple[str, str]:
    return _subject("カード更新のお知らせ", f"技能者ID：{worker_id}"), notice_body(
        salutation(worker_name),
        f"建設キャリアアップカードを更新しました。新しいカードの有効期限は{date_jp(expires_on)}です。"
        "新しいカードは登録住所へお送りします（裏面に新しいセキュリティコードが記載されています）。",
    )


def contract_requested(trade_name: str, site_name: str, site_id: str, upper_trade_name: str,
                       upper_business_id: str) -> tuple[str, str]:
    """施工体制への登録依頼: an upper business asks to place the addressee under it on a site."""
    return _subject("施工体制への登録依頼のお知らせ", f"現場ID：{site_id}"), notice_body(
        salutation(trade_name),
        "次の事業者から、現場の施工体制に貴社を下位の事業者として登録する依頼がありました。",
        f"■現場：{site_name}（現場ID：{site_id}）\n■依頼元：{upper_trade_name}（事業者ID：{upper_business_id}）",
        "承諾すると、依頼元およびその上位の事業者に、貴社の事業者情報と所属技能者の情報が開示されます。"
        "事業者ポータルの「施工体制の登録依頼」から承諾または辞退してください。"
        "心当たりのない依頼は承諾しないでください。",
    )
