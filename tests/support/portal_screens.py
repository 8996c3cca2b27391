"""Helpers for tests of the business portal's screens (/portal): signing in through the form, the
CSRF token of a page, a form posted the way the browser posts it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.support.web import csrf_of

NEW_PASSWORD = "Screens2026pass"


def screen_client(web: Any) -> Any:
    """A TestClient from an address of its own (failed sign-ins throttle only that address)."""
    from fastapi.testclient import TestClient

    return TestClient(web, client=(f"203.0.113.{uuid.uuid4().int % 250 + 1}", 40000))


def sign_in(client: Any, login_id: str, password: str) -> Any:
    form = client.get("/portal/login")
    assert form.status_code == 200, form.text
    return client.post("/portal/login", data={"login_id": login_id, "password": password,
                                              "csrf_token": csrf_of(form.text)}, follow_redirects=False)


def post(client: Any, url: str, data: dict[str, str] | None = None, page: str = "/portal") -> Any:
    """POST a portal form with the CSRF token of the signed-in session (read from ``page``)."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False)


def field_error(html: str, name: str) -> str | None:
    """The error shown next to field ``name`` (its data-testid="error-<name>"), if any."""
    found = re.search(rf'data-testid="error-{re.escape(name)}">([^<]*)<', html)
    return found.group(1) if found else None


def value_of(html: str, name: str) -> str | None:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html)
    return found.group(1) if found else None
