"""Who is signed in to the portal's screens (事業者ポータル), and the CSRF check of their forms.

The screens' twin of ``auth.py`` (staff) and ``portal_deps.py`` (the portal's API): a cookie session
(``ccus_portal``, HttpOnly, SameSite=Lax, Secure over HTTPS, path ``/portal``) opened by
``portal_sign_in.sign_in(browser=True)``, ending after the staff screens' idle timeout; every form
carries the session's CSRF token. The business is always the session's, never a form field's.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData

from ccus.review_ui.access import BUSINESS, BUSINESS_INITIAL, REGISTRANT, declares
from ccus.review_ui.auth import CsrfFailed, require_clean_text
from ccus.services.auth import portal_sign_in
from ccus.services.auth.portal_sign_in import PortalUser
from ccus.services.registry.admin_ids import require_registrant

PORTAL_COOKIE = "ccus_portal"
PORTAL_LOGIN_CSRF_COOKIE = "ccus_portal_login_csrf"
PORTAL_PATH = "/portal"


class PortalLoginRequired(Exception):
    """No valid portal session: the browser is sent to the portal's sign-in page."""


class PasswordChangeRequired(Exception):
    """Signed in with the initial password: only the password change is open (guide p. 13)."""


@dataclass(frozen=True)
class PortalScreenUser:
    """The 管理者ID behind a portal cookie, and its session's CSRF token."""

    user: PortalUser
    csrf_token: str

    @property
    def registrant(self) -> bool:
        return self.user.login_id == self.user.business_id


@declares(BUSINESS, BUSINESS_INITIAL)
def portal_session(request: Request) -> PortalScreenUser:
    token = request.cookies.get(PORTAL_COOKIE)
    user = portal_sign_in.resolve_browser(token) if token else None
    if user is None or token is None:
        raise PortalLoginRequired()
    signed = PortalScreenUser(user, portal_sign_in.csrf_of(token))
    request.state.portal_user = signed
    return signed


@declares(BUSINESS)
def _full(signed: Annotated[PortalScreenUser, Depends(portal_session)]) -> PortalScreenUser:
    if signed.user.scope != "full":
        raise PasswordChangeRequired()
    return signed


@declares(REGISTRANT)
def _registrant(request: Request) -> PortalScreenUser:
    """The 登録責任者 (signed in with the 事業者ID), password changed; called, not depended on, so the
    route's roles are the registrant's alone (access.declared_roles intersects what it depends on)."""
    signed = _full(portal_session(request))
    require_registrant(signed.user)
    return signed


def require_portal_csrf(form: FormData, signed: PortalScreenUser) -> None:
    token = form.get("csrf_token")
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), signed.csrf_token.encode()):
        raise CsrfFailed()


async def _checked_form(request: Request) -> FormData:
    """The form of a signed-in portal screen: the session's CSRF token, no refused characters."""
    signed: PortalScreenUser | None = getattr(request.state, "portal_user", None)
    if signed is None:  # the route's own check runs first; this is only a guard
        raise PortalLoginRequired()
    form = await request.form(max_files=0, max_fields=30)
    require_portal_csrf(form, signed)
    require_clean_text(form)
    return form


AnyPortalScreen = Annotated[PortalScreenUser, Depends(portal_session)]
PortalScreen = Annotated[PortalScreenUser, Depends(_full)]
RegistrantScreen = Annotated[PortalScreenUser, Depends(_registrant)]
PortalForm = Annotated[FormData, Depends(_checked_form)]
