"""Rules of the portal's screens that need no database: the renewal-due line of the top page and the
screen session's CSRF token."""

from __future__ import annotations

from datetime import date

from ccus.review_ui.routes.web_portal import renewal_due, safe_next
from ccus.services.auth.portal_sign_in import csrf_of


def test_renewal_is_due_from_ninety_days_before_expiry() -> None:
    expires = date(2031, 3, 31)
    assert renewal_due(expires, date(2030, 12, 30))["open"] is False
    due = renewal_due(expires, date(2030, 12, 31))
    assert due["open"] is True and due["days_left"] == 90 and due["opens_on"] == date(2030, 12, 31)
    assert renewal_due(expires, date(2031, 4, 1))["days_left"] == -1


def test_the_csrf_token_is_bound_to_its_session_and_does_not_reveal_it() -> None:
    a, b = "ccusw_" + "a" * 43, "ccusw_" + "b" * 43
    assert csrf_of(a) == csrf_of(a) and csrf_of(a) != csrf_of(b)
    assert a not in csrf_of(a) and len(csrf_of(a)) == 64


def test_after_sign_in_the_browser_goes_only_to_a_portal_screen() -> None:
    assert safe_next("/portal/notices?x=1") == "/portal/notices?x=1"
    for target in ("https://evil.example/portal", "//evil.example/portal", "/queue", "/portal\\..\\x", None, ""):
        assert safe_next(target) is None
