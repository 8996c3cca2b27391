"""The security code of the forced password change cannot be brute-forced: its failures have a
counter of their own that a password sign-in never resets, counted atomically before each check."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from ccus.infra.db import unit_of_work
from ccus.models.tables import Credential
from ccus.services.auth.portal_sign_in import MAX_CODE_FAILURES
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration

NEW_PASSWORD = "NewSecret2026x"
WRONG = "9999" if make.CODE != "9999" else "1111"


def _session(api: Any, login_id: str) -> dict[str, str]:
    r = api.post("/api/v1/portal/sign-in", json={"login_id": login_id, "password": make.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _change(api: Any, headers: dict[str, str], code: str) -> Any:
    return api.post("/api/v1/portal/password", headers=headers,
                    json={"new_password": NEW_PASSWORD, "security_code": code})


def _code_failures(login_id: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(Credential.code_failures).where(Credential.subject_id == login_id)).one()


def test_signing_in_again_does_not_reset_the_security_code_failures(api: Any) -> None:
    biz = make.business()
    headers = _session(api, biz.business_id)
    for _ in range(4):
        assert _change(api, headers, WRONG).json()["detail"]["code"] == "invalid_security_code"
    headers = _session(api, biz.business_id)  # a password success: the code's count stays
    assert _change(api, headers, WRONG).status_code == 401  # the fifth wrong code, still checked
    for _ in range(3):
        locked = _change(api, headers, WRONG)
        assert locked.status_code == 423 and locked.json()["detail"]["code"] == "security_code_locked"
        assert "お問い合わせ窓口" in locked.json()["detail"]["message"]
    assert _code_failures(biz.business_id) == MAX_CODE_FAILURES == 5
    headers = _session(api, biz.business_id)
    assert _change(api, headers, make.CODE).status_code == 423  # even the right code, after a new sign-in


def test_parallel_wrong_codes_are_checked_at_most_five_times(api: Any) -> None:
    biz = make.business()
    headers = _session(api, biz.business_id)
    start = threading.Barrier(20)
    answers: list[int] = []

    def guess() -> None:
        start.wait()
        answers.append(_change(api, headers, WRONG).status_code)

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [401] * 5 + [423] * 15
    assert _code_failures(biz.business_id) == 5
    assert _change(api, headers, make.CODE).status_code == 423


def test_an_operator_unlock_lets_the_right_code_change_the_password(api: Any) -> None:
    from ccus.cli import app

    biz = make.business()
    headers = _session(api, biz.business_id)
    for _ in range(MAX_CODE_FAILURES):
        _change(api, headers, WRONG)
    assert _change(api, headers, make.CODE).status_code == 423
    result = CliRunner().invoke(app, ["portal", "unlock", biz.business_id])
    assert result.exit_code == 0, result.output
    assert _change(api, headers, make.CODE).status_code == 200
    assert _code_failures(biz.business_id) == 0
