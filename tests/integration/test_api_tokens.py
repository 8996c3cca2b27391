"""Staff API tokens belong to staff accounts: `ccus token add USERNAME` (existing accounts only), the
account's current role, expiry, `ccus token list` / `ccus token revoke`, deactivation; the
four-eyes rule sees the same account on the web screen and through the API."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from typer.testing import CliRunner

from ccus.cli import app as cli
from ccus.infra.db import unit_of_work
from ccus.models.tables import ApiToken
from tests.support.web import PASSWORD, api_token, new_user, post_form, proxy_sample, queued_case

pytestmark = pytest.mark.integration

QUEUE = "/api/v1/review/queue"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _cli(*args: str, **env: str) -> Any:
    return CliRunner().invoke(cli, list(args), env=env or None)


def _token_by_cli(username: str, *more: str) -> str:
    result = _cli("token", "add", username, *more)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_token_add_refuses_a_name_that_is_no_staff_account(db: Any) -> None:
    result = _cli("token", "add", "nobody-by-that-name")
    assert result.exit_code == 1 and "no active staff account" in result.output
    assert "--role" not in _cli("token", "add", "--help").output  # the role is the account's


def test_a_token_acts_with_its_accounts_current_role(api: Any) -> None:
    username = new_user("reviewer")
    token = _token_by_cli(username)
    assert api.get(QUEUE, headers=_bearer(token)).status_code == 200
    moved = _cli("user", "add", username, "--role", "clerk", CCUS_USER_PASSWORD=PASSWORD)
    assert moved.exit_code == 0, moved.output
    assert api.get(QUEUE, headers=_bearer(token)).status_code == 403


def test_a_deactivated_accounts_tokens_stop_working_at_once(api: Any) -> None:
    username, token = api_token("reviewer")
    assert api.get(QUEUE, headers=_bearer(token)).status_code == 200
    assert _cli("user", "deactivate", username).exit_code == 0
    assert api.get(QUEUE, headers=_bearer(token)).status_code == 401
    # Reactivating the account does not bring its old tokens back.
    assert _cli("user", "add", username, "--role", "reviewer", CCUS_USER_PASSWORD=PASSWORD).exit_code == 0
    assert api.get(QUEUE, headers=_bearer(token)).status_code == 401


def test_an_expired_token_is_refused(api: Any) -> None:
    username = new_user("reviewer")
    token = _token_by_cli(username, "--days", "1")
    assert api.get(QUEUE, headers=_bearer(token)).status_code == 200
    with unit_of_work() as session:  # a day later
        session.execute(update(ApiToken).where(ApiToken.actor == username)
                        .values(expires_at=func.now() - timedelta(seconds=1)))
    refused = api.get(QUEUE, headers=_bearer(token))
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"


def test_token_list_shows_account_role_and_dates_but_never_the_token(api: Any) -> None:
    username, token = api_token("supervisor")
    api.get(QUEUE, headers=_bearer(token))
    listed = _cli("token", "list")
    assert listed.exit_code == 0, listed.output
    [row] = [line for line in listed.output.splitlines() if username in line]
    assert "supervisor" in row and token not in listed.output and token[5:15] not in listed.output
    assert len(re.findall(r"\d{4}-\d\d-\d\d", row)) == 3  # created, expires, last used; not revoked


def test_token_revoke_by_id_or_by_account_ends_api_access(api: Any) -> None:
    username, first = api_token("reviewer")
    from ccus.services.auth.api_tokens import issue_token

    second, third = issue_token(username), issue_token(username)
    row = next(line for line in _cli("token", "list").output.splitlines() if username in line)
    first_id = re.search(r"\d+", row).group(0)  # type: ignore[union-attr]
    assert _cli("token", "revoke", first_id).exit_code == 0
    assert api.get(QUEUE, headers=_bearer(first)).status_code == 401
    assert api.get(QUEUE, headers=_bearer(second)).status_code == 200
    revoked = _cli("token", "revoke", "--user", username)
    assert revoked.exit_code == 0 and "2 token(s) revoked" in revoked.output
    assert api.get(QUEUE, headers=_bearer(second)).status_code == 401
    assert api.get(QUEUE, headers=_bearer(third)).status_code == 401


def test_four_eyes_sees_one_account_on_the_web_screen_and_through_the_api(api: Any, client_for: Any) -> None:
    web, username = client_for("reviewer")
    from ccus.services.auth.api_tokens import issue_token

    own_token = issue_token(username)
    number = queued_case(proxy_sample("upper_subcontractor"))
    post_form(web, f"/cases/{number}/claim", {})
    assert post_form(web, f"/cases/{number}/decision", {"decision": "approve"}).status_code == 303
    url = f"/api/v1/review/applications/{number}/decision"
    same = api.post(url, json={"decision": "approve"}, headers=_bearer(own_token))
    assert same.status_code == 409 and same.json()["detail"]["code"] == "four_eyes"
    _, other = api_token("supervisor")
    assert api.post(url, json={"decision": "approve"}, headers=_bearer(other)).json()["status"] == "approved"
