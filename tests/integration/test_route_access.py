"""The route × role table is true: every route refuses each caller its table does not name, and
lets the callers it names past its checks (GET routes: no side effects), on the real stack."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ccus.review_ui import access
from ccus.review_ui.app import create_app
from ccus.services.auth import api_tokens
from ccus.services.registry import attendance
from tests.support import lifecycle as make
from tests.support import portal_screens
from tests.support.web import new_user, sign_in

pytestmark = pytest.mark.integration

CALLERS = (*access.STAFF_ROLES, access.BUSINESS, access.REGISTRANT, access.BUSINESS_INITIAL, access.LINKED_SYSTEM,
           "nobody")


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture(scope="module")
def clients(db: Any) -> Iterator[dict[str, tuple[TestClient, dict[str, str]]]]:
    """One client per caller: a staff session cookie and bearer token, a portal token and a portal
    screens' cookie, a linked key."""
    app = create_app()
    made: dict[str, tuple[TestClient, dict[str, str]]] = {}
    for role in access.STAFF_ROLES:
        client = TestClient(app)
        username = new_user(role)
        assert sign_in(client, username).status_code == 303
        made[role] = (client, {"Authorization": f"Bearer {api_tokens.issue_token(username)}"})
    # A business's further 管理者ID, its 登録責任者 (the 事業者ID), and one still on its initial password.
    for caller, must_change, login in ((access.BUSINESS, False, 1), (access.REGISTRANT, False, 0),
                                       (access.BUSINESS_INITIAL, True, 0)):
        biz = make.business(must_change=must_change, admin_ids=2)
        client = TestClient(app)
        r = client.post("/api/v1/portal/sign-in", json={"login_id": biz.admin_ids[login], "password": make.PASSWORD})
        assert r.status_code == 200, r.text
        # The same 管理者ID signed in to the portal's screens too (their cookie, in the client).
        assert portal_screens.sign_in(client, biz.admin_ids[login], make.PASSWORD).status_code == 303
        made[caller] = (client, {"Authorization": f"Bearer {r.json()['token']}"})
    key = attendance.register_system("ルート検査システム").api_key
    made[access.LINKED_SYSTEM] = (TestClient(app), {"X-API-Key": key})
    made["nobody"] = (TestClient(app), {})
    yield made
    for client, _ in made.values():
        client.close()


def _guarded_rows() -> list[access.RouteAccess]:
    return [row for row in access.route_table(create_app()) if row.roles is not None]


def _refused(response: Any) -> bool:
    if response.status_code in (401, 403):
        return True
    # A screen without a session sends the browser to its sign-in page (staff or portal); a portal
    # screen signed in with the initial password, to the forced password change.
    return response.status_code == 303 and response.headers["location"].startswith(
        ("/login", "/portal/login", "/portal/password"))


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_refuses_the_callers_its_table_does_not_name(
        clients: dict[str, tuple[TestClient, dict[str, str]]], caller: str) -> None:
    client, headers = clients[caller]
    let_through = []
    checked = 0
    for row in _guarded_rows():
        if access.admits(row.roles, caller):
            continue
        checked += 1
        r = client.request(row.method, _fill(row.path), headers=headers, follow_redirects=False)
        if not _refused(r):
            let_through.append(f"{row.method} {row.path} → {r.status_code}")
    assert checked > 0
    assert let_through == []


@pytest.mark.parametrize("caller", [c for c in CALLERS if c != "nobody"])
def test_get_routes_let_the_callers_their_table_names_past_the_checks(
        clients: dict[str, tuple[TestClient, dict[str, str]]], caller: str) -> None:
    client, headers = clients[caller]
    stopped = []
    for row in _guarded_rows():
        if row.method != "GET" or not access.admits(row.roles, caller) or access.APPLICANT in (row.roles or ()):
            continue  # an applicant's routes also need the proof of that very case (test_applicant_proof.py)
        r = client.get(_fill(row.path), headers=headers, follow_redirects=False)
        if _refused(r):
            stopped.append(f"{row.method} {row.path} → {r.status_code}")
    assert stopped == []
