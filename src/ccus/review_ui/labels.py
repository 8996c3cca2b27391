"""Japanese labels for what the screens show (statuses, kinds, channels, flags)."""

from __future__ import annotations

from typing import Final

STATUS_JA: Final[dict[str, str]] = {
    "received": "受付",
    "documents_stored": "書類保存済",
    "extracted": "読取済",
    "validated": "検証済",
    "consent_checked": "同意確認済",
    "awaiting_review": "審査待ち",
    "awaiting_second_approval": "二次承認待ち",
    "returned": "差戻し中",
    "rejected": "却下",
    "approved": "承認",
    "awaiting_payment": "入金待ち",
    "issuing": "発行処理中",
    "registered": "登録完了",
    "needs_operator": "要オペレーター対応",
}

KIND_JA: Final[dict[str, str]] = {
    "business_registration": "事業者登録",
    "worker_registration": "技能者登録",
    "proxy_worker_registration": "技能者登録（代行）",
    "business_change": "事業者情報変更",
    "worker_change": "技能者情報変更（資格の追加）",
    "business_renewal": "事業者登録更新",
    "business_withdrawal": "事業者登録抹消",
}

CHANNEL_JA: Final[dict[str, str]] = {"internet": "インターネット", "mail": "郵送", "counter": "窓口"}

DECISION_JA: Final[dict[str, str]] = {"approve": "承認", "return": "差戻し", "reject": "却下"}

STEP_JA: Final[dict[str, str]] = {"single": "", "first": "一次", "second": "二次"}

SEVERITY_JA: Final[dict[str, str]] = {"block": "承認不可", "warn": "要確認"}

DONE_JA: Final[dict[str, str]] = {
    "claimed": "担当を取得しました。",
    "released": "担当を解除しました。",
    "reassigned": "担当者を変更しました。",
    "corrected": "項目を訂正しました（訂正のある申請は二者承認が必要です）。",
    "approved": "承認しました。",
    "first_approved": "一次承認しました。別の担当者による二次承認を待ちます。",
    "returned": "差戻しました。申請者に不備のお知らせを送ります。",
    "rejected": "却下しました。",
    "user_saved": "アカウントを保存しました。",
    "user_deactivated": "アカウントを無効にしました。",
    # 事業者ポータル
    "portal_signed_out": "ログアウトしました。",
    "notice_read": "既読にしました。",
    "admin_suspended": "管理者IDの利用を停止しました。",
    "admin_reinstated": "管理者IDの利用を再開しました。",
    "admin_removed": "管理者IDを削除しました。",
    "admin_reset": "新しい初期パスワードとセキュリティコードを圧着はがきでお送りします。次回ログイン時にパスワードの変更が必要です。",
}

VALUE_JA: Final[dict[str, dict[str, str]]] = {
    "sex": {"male": "男性", "female": "女性", "unspecified": "回答しない"},
    "business_type": {"corporation": "法人", "sole_proprietor": "個人事業主", "one_person_contractor": "一人親方"},
    "identity_document_type": {
        "drivers_licence": "運転免許証", "my_number_card_front": "マイナンバーカード（表面）",
        "passport_with_residence_record": "パスポート＋住民票", "residence_card": "在留カード",
        "special_permanent_resident_certificate": "特別永住者証明書", "none": "なし（窓口で確認）",
    },
    "proxy.relation": {"employer": "所属事業者", "prime_contractor": "元請事業者",
                       "upper_subcontractor": "上位の下請事業者"},
}

FORM_FIELD_JA: Final[dict[str, str]] = {
    "reason": "理由",
    "value": "訂正内容",
    "field": "項目",
    "to": "担当者",
    "number": "申請番号",
    "username": "ユーザー名",
    "display_name": "氏名",
    "role": "役割",
    "decision": "審査結果",
    "reason_codes": "差戻し理由",
}
