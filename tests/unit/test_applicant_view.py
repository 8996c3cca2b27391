"""The applicant's view of a case: a Japanese status and next step for every status, nothing else."""

from __future__ import annotations

from ccus.models import notices
from ccus.models.applicant_view import SECRET_PLACEHOLDER, answerable_by_secret, status_and_next_step
from ccus.models.status import Status


def test_every_status_has_a_japanese_label_and_next_step() -> None:
    for status in Status:
        label, step = status_and_next_step(status.value)
        assert label and step.endswith("。")
        assert not any(c.isascii() and c.isalpha() for c in (label + step).replace("ID", "")), (status, step)


def test_an_unknown_status_reads_as_being_checked() -> None:
    assert status_and_next_step("no_such_status")[0] == "確認中"


def test_registrations_are_answered_with_the_secret_and_lifecycle_cases_in_the_portal() -> None:
    assert answerable_by_secret("proxy_worker_registration") and answerable_by_secret("business_registration")
    assert not answerable_by_secret("change")


def test_the_return_notice_quotes_the_secret_or_sends_the_business_to_the_portal() -> None:
    _, with_secret = notices.return_for_correction_notice("山田 太郎", "26-0000001-3", ["写真が不鮮明"], SECRET_PLACEHOLDER)
    assert f"■回答用コード：{SECRET_PLACEHOLDER}" in with_secret
    _, portal = notices.return_for_correction_notice("山田 太郎", "26-0000001-3", ["写真が不鮮明"], portal=True)
    assert "事業者ポータルにログイン" in portal and "回答用コード" not in portal
