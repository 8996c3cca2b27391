"""Password rules through the public interfaces: `ccus user add` (staff) and the portal's password
change refuse common, single-character and ID-bearing passwords, naming what is wrong in Japanese."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from typer.testing import CliRunner

from ccus.cli import app as cli
from tests.support import lifecycle as make

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("password", "words"), [("password1234", "推測されやすい"), ("zzzzzzzzzzzz", "同じ文字"),
                                                 ("{user}-2026!", "ログインID")])
def test_ccus_user_add_refuses_weak_staff_passwords(db: Any, password: str, words: str) -> None:
    username = f"staff-{uuid.uuid4().hex[:6]}"
    result = CliRunner().invoke(cli, ["user", "add", username, "--role", "reviewer"],
                                env={"CCUS_USER_PASSWORD": password.format(user=username)})
    assert result.exit_code != 0 and words in result.output


def test_the_portal_password_change_refuses_a_common_password(api: Any) -> None:
    biz = make.business()
    token = api.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id, "password": make.PASSWORD}
                     ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    refused = api.post("/api/v1/portal/password", headers=headers,
                       json={"new_password": "password1", "security_code": make.CODE})
    assert refused.status_code == 422
    [error] = refused.json()["errors"]
    assert (error["path"], error["code"]) == ("new_password", "weak_password") and "推測されやすい" in error["message"]
    repeated = api.post("/api/v1/portal/password", headers=headers,
                        json={"new_password": "1111111111", "security_code": make.CODE})
    assert "同じ文字" in repeated.json()["errors"][0]["message"]
    ok = api.post("/api/v1/portal/password", headers=headers,
                  json={"new_password": "Kawasaki-Genba-77", "security_code": make.CODE})
    assert ok.status_code == 200
