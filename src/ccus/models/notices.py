"""Texts of the e-mails the registry sends, as ``(subject, body)`` pairs. Pure functions.

Rules kept here, in one place:

* IDs and the initial password always travel in **separate** e-mails (operator's guide p.1: 「メールを
  2通に分けてお送りしています」). The ID notice never receives the password and the password notice
  never receives an ID, so neither can leak into the other.
* **Decision: the security code (セキュリティコード) is never sent by e-mail.** The operator's guide
  says it is also e-mailed; here it is printed only on the crimped postcard (business) or on the
  back of the card (worker), so that an intercepted mailbox alone is not enough for the first
  login (initial password + security code). The business password notice therefore only says
  *where* the code is: ``security_code_hint`` describes the postcard (e.g. ``"4月10日発送の圧着は
  がき"``); a hint holding a lone 4-digit number (a year like 2025年 is fine) is refused.
* Every notice quotes the application number (申請番号), which applicants give on the phone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Final

__all__ = [
    "BANK_TRANSFER_DETAILS",
    "SYSTEM_NAME",
    "business_id_notice",
    "business_password_notice",
    "honorific_for",
    "payer_reference",
    "payment_mismatch_notice",
    "payment_request_notice",
    "rejection_notice",
    "return_for_correction_notice",
    "worker_id_notice",
    "worker_password_notice",
]

SYSTEM_NAME: Final = "建設キャリアアップシステム"
_SUBJECT_PREFIX: Final = f"【{SYSTEM_NAME}】"
_DEFAULT_POSTCARD_HINT: Final = "別途郵送する圧着はがき"

_SIGNATURE: Final = f"""\
――――――――――――――――――――――――――――――
{SYSTEM_NAME} 運営事務局
※本メールは送信専用のアドレスからお送りしています。ご返信いただいてもお答えできません。
※お問い合わせの際は、申請番号をお知らせください。
※本メールにお心当たりのない場合は、お手数ですが破棄してくださいますようお願いいたします。
――――――――――――――――――――――――――――――"""

# Words that mark an organisation; addressed with 御中 instead of 様. Single-kanji suffixes only
# count at the end of the name (阿部 太郎 is a person, 大林組 and 総務部 are not).
_ORGANISATION_WORDS: Final = (
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "(株)",
    "(有)",
    "(同)",
    "法人",
    "組合",
    "協会",
    "事務所",
    "工務店",
    "建設",
    "工業",
    "支店",
    "営業所",
)
_ORGANISATION_SUFFIXES: Final = ("組", "部", "課", "店", "所", "社")
_HONORIFICS: Final = ("御中", "様", "殿")


def honorific_for(name: str) -> str:
    """御中 for an organisation, 様 for a person, '' when ``name`` already carries one."""
    text = unicodedata.normalize("NFKC", name).strip()
    if text.endswith(_HONORIFICS):
        return ""
    if any(word in text for word in _ORGANISATION_WORDS) or text.endswith(_ORGANISATION_SUFFIXES):
        return "御中"
    return "様"


def salutation(name: str) -> str:
    honorific = honorific_for(name)
    return f"{name.strip()} {honorific}" if honorific else name.strip()


def _subject(title: str, application_number: str) -> str:
    return f"{_SUBJECT_PREFIX}{title}（申請番号：{application_number}）"


def notice_body(*paragraphs: str) -> str:
    return "\n\n".join(p.rstrip("\n") for p in (*paragraphs, _SIGNATURE)) + "\n"


def _require(value: str, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} must not be empty")
    return value.strip()


def business_id_notice(
    trade_name: str,
    business_id: str,
    admin_ids: Sequence[str],
    application_number: str,
    login_url: str,
) -> tuple[str, str]:
    """First of the two issuance e-mails to a business: its IDs, never the password."""
    _require(business_id, "business_id")
    ids = [_require(a, "admin id") for a in admin_ids]
    if not ids:
        raise ValueError("at least one 管理者ID is required")
    admin_lines = "\n".join(
        f"　管理者ID{i}：{a}" + ("（登録責任者）" if i == 1 else "") for i, a in enumerate(ids, 1)
    )
    subject = _subject("事業者ID発行のお知らせ", application_number)
    body = notice_body(
        salutation(trade_name),
        f"このたびは{SYSTEM_NAME}への事業者情報登録をお申し込みいただき、誠にありがとうございます。\n"
        "審査およびお支払いの確認が完了し、事業者情報の登録が完了しましたので、"
        "事業者IDおよび管理者IDをお知らせいたします。",
        f"■申請番号：{application_number}\n"
        f"■事業者名：{trade_name.strip()}\n"
        f"■事業者ID：{business_id.strip()}\n"
        f"■管理者ID：\n{admin_lines}\n"
        f"■ログインURL：{login_url}",
        "【ご注意】\n"
        "・初期パスワードは、セキュリティ確保のため本メールとは別のメールでお送りしております。\n"
        "・初回ログイン時に必要な4桁のセキュリティコードは、メールではお送りしておりません。"
        "別途郵送する圧着はがきに記載しておりますので、お手元に届きましたらご確認ください。\n"
        "・初回ログイン時には、初期パスワードの変更が必要です。\n"
        f"・これらの情報は{SYSTEM_NAME}のご利用に必要となりますので、ご担当者さまにて大切に保管してください。",
    )
    return subject, body


_HINT_SUFFIX: Final = re.compile(r"に?(記載|掲載)(されています|しています|しております|あり)?[。.]?$")


def _check_hint(security_code_hint: str) -> str:
    """The carrier of the code, as a noun phrase: 「圧着はがきに記載」 → 「圧着はがき」."""
    hint = _HINT_SUFFIX.sub("", security_code_hint.strip()).strip() or _DEFAULT_POSTCARD_HINT
    # A lone 4-digit number (other than a year, 2025年) could be the code itself: refuse it.
    if re.search(r"(?<!\d)\d{4}(?![\d年])", unicodedata.normalize("NFKC", hint)):
        raise ValueError("security_code_hint must say where the code is, not be the code")
    return hint


def business_password_notice(
    trade_name: str,
    initial_password: str,
    security_code_hint: str,
    application_number: str,
    login_url: str,
) -> tuple[str, str]:
    """Second issuance e-mail to a business: the initial password, never an ID or the code.

    ``security_code_hint`` names the postcard that carries the security code
    (e.g. ``"4月10日発送の圧着はがき"``; a trailing 「に記載」 is dropped; empty means
    「別途郵送する圧着はがき」).
    """
    password = _require(initial_password, "initial_password")
    hint = _check_hint(security_code_hint)
    subject = _subject("初期パスワードのお知らせ", application_number)
    body = notice_body(
        salutation(trade_name),
        f"{SYSTEM_NAME}の事業者情報登録が完了しましたので、初期パスワードをお知らせいたします。\n"
        "事業者IDは、別のメール（件名「事業者ID発行のお知らせ」）でお送りしております。",
        f"■申請番号：{application_number}\n■初期パスワード：{password}\n■ログインURL：{login_url}",
        "【初回ログインについて】\n"
        "・初回ログイン時には、初期パスワードを必ず変更していただきます。"
        "ログイン後に表示されるパスワード変更画面で新しいパスワードを入力してください。\n"
        "・パスワード変更の際に、4桁のセキュリティコードの入力が必要です。\n"
        f"・セキュリティコードは本メールには記載しておりません。{hint}に記載しておりますので、"
        "お手元に届いてから初回ログインを行ってください。\n"
        "・新しく設定したパスワードは、お忘れにならないよう大切に管理してください。",
    )
    return subject, body


def worker_id_notice(
    name: str,
    worker_id: str,
    application_number: str,
    login_url: str,
) -> tuple[str, str]:
    """First issuance e-mail to a skilled worker: the 技能者ID, never the password."""
    _require(worker_id, "worker_id")
    subject = _subject("技能者ID発行のお知らせ", application_number)
    body = notice_body(
        salutation(name),
        f"このたびは{SYSTEM_NAME}への技能者情報登録をお申し込みいただき、誠にありがとうございます。\n"
        "技能者情報の登録が完了しましたので、技能者IDをお知らせいたします。",
        f"■申請番号：{application_number}\n■技能者ID：{worker_id.strip()}\n■ログインURL：{login_url}",
        "【ご注意】\n"
        "・初期パスワードは、セキュリティ確保のため本メールとは別のメールでお送りしております。\n"
        "・建設キャリアアップカードは、登録された住所あてに郵送いたします。\n"
        "・初回ログイン時に必要な4桁のセキュリティコードは、カードの裏面に記載しております。",
    )
    return subject, body


def worker_password_notice(
    name: str,
    initial_password: str,
    application_number: str,
    login_url: str,
) -> tuple[str, str]:
    """Second issuance e-mail to a skilled worker: the initial password, never the ID."""
    password = _require(initial_password, "initial_password")
    subject = _subject("初期パスワードのお知らせ", application_number)
    body = notice_body(
        salutation(name),
        f"{SYSTEM_NAME}の技能者情報登録が完了しましたので、初期パスワードをお知らせいたします。\n"
        "技能者IDは、別のメール（件名「技能者ID発行のお知らせ」）でお送りしております。",
        f"■申請番号：{application_number}\n■初期パスワード：{password}\n■ログインURL：{login_url}",
        "【初回ログインについて】\n"
        "・初回ログイン時には、初期パスワードを必ず変更していただきます。\n"
        "・パスワード変更の際に、4桁のセキュリティコードの入力が必要です。"
        "セキュリティコードは、郵送する建設キャリアアップカードの裏面に記載しております"
        "（本メールには記載しておりません）。\n"
        "・新しく設定したパスワードは、お忘れにならないよう大切に管理してください。",
    )
    return subject, body


def return_for_correction_notice(
    name: str,
    application_number: str,
    reasons: Sequence[str],
    answer_secret: str | None = None,
    *,
    portal: bool = False,
) -> tuple[str, str]:
    """不備のお知らせ (差戻し): what to fix; the same application resumes when answered.

    ``answer_secret`` (回答用コード) proves the answer comes from the applicant: given, the mail
    quotes it; ``portal`` says the filing business answers after signing in to the portal."""
    items = [r.strip() for r in reasons if r.strip()]
    if not items:
        raise ValueError("a return for correction needs at least one reason")
    listed = "\n".join(f"　{i}. {r}" for i, r in enumerate(items, 1))
    subject = _subject("申請内容の不備に関するお知らせ", application_number)
    proof = ""
    if answer_secret:
        proof = (f"\n■回答用コード：{answer_secret}\n"
                 "　インターネットで再提出する際は、この回答用コードを添えて送信してください"
                 "（申請状況の照会にも使用します）。第三者には教えないでください。")
    elif portal:
        proof = "\n■再提出の方法：申請した事業者が事業者ポータルにログインのうえ、同じ申請番号で再提出してください。"
    body = notice_body(
        salutation(name),
        f"{SYSTEM_NAME}へのお申し込みにつきまして、審査の結果、下記の点に不備がございましたので、"
        "お手数ですが内容のご確認とご対応をお願いいたします。",
        f"■申請番号：{application_number}\n■不備の内容：\n{listed}{proof}",
        "【ご対応について】\n"
        "・上記の点を修正または書類を追加のうえ、同じ申請番号で再提出してください。"
        "新たにお申し込みいただく必要はございません。\n"
        "・再提出を確認しましたら、審査を再開いたします。\n"
        "・ご不明な点がございましたら、申請番号を添えてお問い合わせください。",
    )
    return subject, body


def rejection_notice(name: str, application_number: str, reason: str) -> tuple[str, str]:
    """Final refusal of an application, with the reason."""
    why = _require(reason, "reason")
    subject = _subject("審査結果のお知らせ", application_number)
    body = notice_body(
        salutation(name),
        f"{SYSTEM_NAME}へのお申し込みにつきまして、慎重に審査いたしました結果、"
        "誠に恐縮ながら、今回は登録をお受けすることができませんでした。",
        f"■申請番号：{application_number}\n■理由：{why}",
        "ご期待に沿えず申し訳ございません。ご不明な点がございましたら、申請番号を添えてお問い合わせください。",
    )
    return subject, body


# --------------------------------------------------------------------------------------------
# Payment (登録料): requested after review; IDs are issued only once the payment is confirmed.

#: PLACEHOLDER, not a real account: the operator's bank account for 振込 goes here before go-live.
#: Until then every payment mail shows it as 【仮】 so nobody pays into it by mistake.
BANK_TRANSFER_DETAILS: Final = (
    "【仮】〇〇銀行 〇〇支店（店番号000） 普通預金 0000000\n"
    "　口座名義：ケンセツキヤリアアツプシステム ウンエイジムキヨク\n"
    "　※上記は仮の口座情報です。正式な振込先は追ってお知らせいたします。"
)

_WEEKDAYS: Final = "月火水木金土日"


def date_jp(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日（{_WEEKDAYS[d.weekday()]}）"


def yen_ja(amount: int) -> str:
    return f"{amount:,}円"


def _positive_yen(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what} must be a positive number of yen, not {value!r}")
    return value


def payer_reference(application_number: str) -> str:
    """The reference a bank transfer for ``application_number`` carries (letters and digits)."""
    return _payer_reference(application_number)


def _payer_reference(application_number: str) -> str:
    """The application number as a bank transfer accepts it in 振込依頼人名: letters and digits."""
    reference = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", application_number).upper())
    if not reference:
        raise ValueError(f"application_number has no letters or digits: {application_number!r}")
    return reference


def _transfer_instructions(reference: str) -> str:
    return (
        f"■振込先：\n　{BANK_TRANSFER_DETAILS}\n"
        f"■振込依頼人名：お名前の前に、申請番号「{reference}」を必ず入力してください。\n"
        f"　（入力例：{reference} ヤマダ タロウ）"
    )


def payment_request_notice(
    name: str,
    application_number: str,
    amount: int,
    breakdown: str,
    pay_by: date | None = None,
) -> tuple[str, str]:
    """審査完了・お支払いのお願い: the amount (tax included) and its breakdown, how to pay by bank
    transfer with the 申請番号 as payer reference; IDs follow once the payment is confirmed."""
    total = _positive_yen(amount, "amount")
    items = [line.strip() for line in breakdown.splitlines() if line.strip()]
    if not items:
        raise ValueError("breakdown must not be empty")
    reference = _payer_reference(application_number)
    listed = "\n".join(f"　{line}" for line in items)
    due = f"\n■お支払い期限：{date_jp(pay_by)}" if pay_by is not None else ""
    subject = _subject("審査完了およびお支払いのお願い", application_number)
    body = notice_body(
        salutation(name),
        f"このたびは{SYSTEM_NAME}へお申し込みいただき、誠にありがとうございます。\n"
        "お申し込み内容の審査が完了いたしましたので、下記のとおり登録料のお支払いをお願いいたします。",
        f"■申請番号：{application_number}\n■ご請求金額：{yen_ja(total)}（税込）\n■内訳：\n{listed}{due}",
        "【お支払い方法（銀行振込）】\n"
        + _transfer_instructions(reference)
        + "\n・ご請求金額と同じ金額を、一度にお振り込みください。\n"
        "・振込手数料は、お客さまのご負担となります。",
        "【IDの発行について】\n"
        "・お支払いの確認後に、IDを発行いたします。IDと初期パスワードは、登録メールアドレスあてに"
        "2通に分けてお送りします。\n"
        "・お振り込みから確認まで、数営業日かかる場合がございます。\n"
        "・申請番号のないお振り込みや、金額の異なるお振り込みは、確認にお時間をいただきます。",
    )
    return subject, body


def payment_mismatch_notice(
    name: str,
    application_number: str,
    expected: int,
    received: int,
) -> tuple[str, str]:
    """お振込金額の確認のお願い: the amount received differs from the amount requested. A shortfall
    asks for the difference; an overpayment is refunded after we contact the payer. Either way
    the IDs stay on hold: this notice never issues anything."""
    requested = _positive_yen(expected, "expected")
    paid = _positive_yen(received, "received")
    if paid == requested:
        raise ValueError("received equals expected: there is no mismatch to notify")
    reference = _payer_reference(application_number)
    difference = abs(requested - paid)
    if paid < requested:
        kind = "不足"
        what_next = (
            "【差額のお振り込みのお願い】\n"
            f"・お手数ですが、不足額 {yen_ja(difference)} を下記の振込先へお振り込みください。\n"
            + _transfer_instructions(reference)
        )
    else:
        kind = "超過"
        what_next = (
            "【超過分の取り扱いについて】\n"
            f"・ご請求金額を超えてお振り込みいただいた {yen_ja(difference)} につきましては、"
            "返金のお手続きのため、担当者から改めてご連絡いたします。\n"
            "・ご連絡まで、今しばらくお待ちくださいますようお願いいたします。"
        )
    subject = _subject("お振込金額の確認のお願い", application_number)
    body = notice_body(
        salutation(name),
        f"{SYSTEM_NAME}の登録料につきまして、お振り込みいただき誠にありがとうございます。\n"
        "ご入金を確認いたしましたところ、ご請求金額と異なっておりました。",
        f"■申請番号：{application_number}\n■ご請求金額：{yen_ja(requested)}\n"
        f"■ご入金額：{yen_ja(paid)}\n■差額：{yen_ja(difference)}（{kind}）",
        what_next,
        "【IDの発行について】\n"
        "・入金額の確認が完了するまで、IDの発行を保留しております。\n"
        "・本メールと行き違いでお手続きいただいている場合は、ご容赦ください。\n"
        "・ご不明な点がございましたら、申請番号を添えてお問い合わせください。",
    )
    return subject, body
