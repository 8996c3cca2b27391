"""Helpers for requests an applicant makes about their own case: the answer secret (回答用コード)
and the filing business's portal sign-in."""

from __future__ import annotations

import re
from typing import Any

from ccus.models.applicant_view import SECRET_HEADER
from ccus.services.auth import applicant_secrets

_SECRET_IN_MAIL = re.compile(r"■回答用コード：(\S+)")


def secret_headers(number: str) -> dict[str, str]:
    """Headers proving the applicant, with a fresh secret of the case (as the 不備 notice gives one)."""
    return {SECRET_HEADER: applicant_secrets.issue(number, "return")}


def with_secret(secret: str) -> dict[str, str]:
    return {SECRET_HEADER: secret}


def secret_in_mail(body: str) -> str:
    found = _SECRET_IN_MAIL.search(body)
    assert found, "no answer secret in the mail"
    return found.group(1)


def portal_headers(api: Any, login_id: str, password: str) -> dict[str, str]:
    """A full portal session of a business whose password needs no change."""
    r = api.post("/api/v1/portal/sign-in", json={"login_id": login_id, "password": password})
    assert r.status_code == 200 and not r.json()["must_change_password"], r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def status_of(api: Any, number: str, headers: dict[str, str] | None = None) -> str:
    r = api.get(f"/api/v1/applications/{number}", headers=headers or secret_headers(number))
    assert r.status_code == 200, r.text
    return str(r.json()["status"])
