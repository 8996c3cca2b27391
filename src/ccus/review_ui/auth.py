"""Who is signed in, what their role may do, and the CSRF check of every form.

Every page and every form action declares its roles here; the check runs on the server for each
request, whatever the screens show. A form is accepted only with the session's CSRF token.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import FormData

from ccus.models.text_rules import forbidden_character, printable
from ccus.review_ui.access import STAFF_ROLES, declares
from ccus.services.auth import staff_accounts
from ccus.services.auth.staff_accounts import SignedIn

SESSION_COOKIE = "ccus_session"
LOGIN_CSRF_COOKIE = "ccus_login_csrf"


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page."""


class Forbidden(Exception):
    """Signed in, but the role may not do this."""


class CsrfFailed(Exception):
    """A form without the session's CSRF token."""


class FormRefused(Exception):
    """A form field holds characters the registry never stores (``models.text_rules``)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = printable(field)
        self.reason = reason


@declares(*STAFF_ROLES)
def signed_in(request: Request) -> SignedIn:
    token = request.cookies.get(SESSION_COOKIE)
    user = staff_accounts.resolve(token) if token else None
    if user is None:
        raise LoginRequired()
    request.state.user = user
    return user


def role(*roles: str) -> Any:
    @declares(*roles)
    async def check(user: Annotated[SignedIn, Depends(signed_in)]) -> SignedIn:  # no I/O: no thread hop
        if user.role not in roles:
            raise Forbidden()
        return user

    return Depends(check)


def require_csrf(form: FormData, user: SignedIn) -> None:
    """Raise CsrfFailed unless the form carries the session's CSRF token (forms read by their route)."""
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), user.csrf_token.encode()):
        raise CsrfFailed()


def require_clean_text(form: FormData) -> None:
    """Raise FormRefused for the first field (name or value) with a refused character; line breaks
    are allowed here (a reason has several lines), single-line fields are checked by their models."""
    for name, value in form.multi_items():
        for text in (name, value if isinstance(value, str) else ""):
            if reason := forbidden_character(text, multiline=True):
                raise FormRefused(name, reason)


async def checked_form(request: Request, user: Annotated[SignedIn, Depends(signed_in)]) -> FormData:
    form = await request.form(max_files=0, max_fields=60)
    require_csrf(form, user)
    require_clean_text(form)
    return form


REVIEWERS = ("reviewer", "supervisor")
Reviewer = Annotated[SignedIn, role(*REVIEWERS)]
Supervisor = Annotated[SignedIn, role("supervisor")]
Clerk = Annotated[SignedIn, role("clerk", "supervisor")]
Admin = Annotated[SignedIn, role("admin")]
Manager = Annotated[SignedIn, role("supervisor", "admin")]
AnyStaff = Annotated[SignedIn, Depends(signed_in)]
Form = Annotated[FormData, Depends(checked_form)]
