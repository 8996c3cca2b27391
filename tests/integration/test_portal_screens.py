"""The business portal's screens (/portal) over HTTP on the real stack: the forced first password
change, CSRF on every form, the signed-in business's data only, suspended 管理者IDs refused, the
registrant alone acting on 管理者IDs, refusals in Japanese next to their fields with values kept and
nothing stored, the idle timeout and throttling of the sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from ccus.infra.db import unit_of_work
from ccus.models.lifecycle_tables import PortalSession
from ccus.models.tables import AdminId, Credential, PortalNotice
from ccus.services.auth.portal_sign_in import PASSWORD_CHANGED
from tests.support import lifecycle as make
from tests.support.portal_screens import NEW_PASSWORD, field_error, post, screen_client, sign_in, value_of

pytestmark = pytest.mark.integration

WRONG_CODE = "0000" if make.CODE != "0000" else "1111"


def _password_hash(login_id: str) -> str:
    with unit_of_work() as session:
        return str(session.scalar(select(Credential.password_hash).where(Credential.subject_id == login_id)))


def _admin_status(admin_id: str) -> str:
    with unit_of_work() as session:
        return str(session.scalar(select(AdminId.status).where(AdminId.admin_id == admin_id)))


def _signed_in(web: Any, login_id: str) -> Any:
    client = screen_client(web)
    r = sign_in(client, login_id, make.PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/portal", r.text
    return client


def test_first_sign_in_forces_the_password_change_with_the_security_code_then_a_new_sign_in(web: Any) -> None:
    biz = make.business()
    client = screen_client(web)
    r = sign_in(client, biz.business_id, make.PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/portal/password"
    cookie = r.headers["set-cookie"]
    assert "ccus_portal=ccusw_" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    # Nothing but the change until it is done.
    top = client.get("/portal", follow_redirects=False)
    assert top.status_code == 303 and top.headers["location"] == "/portal/password"
    before = _password_hash(biz.business_id)
    wrong = post(client, "/portal/password", {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD,
                                              "security_code": WRONG_CODE}, page="/portal/password")
    assert wrong.status_code == 401
    assert field_error(wrong.text, "security_code") == "セキュリティコードが正しくありません。"
    assert 'id="code-step" class="code-step" role="group"' in wrong.text  # shown open, not as a closed popover
    weak = post(client, "/portal/password", {"new_password": "short", "new_password_confirm": "short",
                                             "security_code": make.CODE}, page="/portal/password")
    assert weak.status_code == 422 and field_error(weak.text, "new_password")
    differ = post(client, "/portal/password", {"new_password": NEW_PASSWORD, "new_password_confirm": "x" + NEW_PASSWORD,
                                               "security_code": make.CODE}, page="/portal/password")
    assert field_error(differ.text, "new_password_confirm") == "確認用のパスワードが一致しません。"
    assert _password_hash(biz.business_id) == before  # nothing stored on refusal
    ok = post(client, "/portal/password", {"new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD,
                                           "security_code": make.CODE}, page="/portal/password")
    assert ok.status_code == 200 and PASSWORD_CHANGED in ok.text
    assert 'href="/portal/login"' in ok.text
    # The session ended; the initial password opens nothing; the new one opens the top page.
    assert client.get("/portal", follow_redirects=False).headers["location"].startswith("/portal/login")
    assert sign_in(client, biz.business_id, make.PASSWORD).status_code == 401
    again = sign_in(client, biz.business_id, NEW_PASSWORD)
    assert again.status_code == 303 and again.headers["location"] == "/portal"
    top = client.get("/portal")
    assert biz.business_id in top.text and 'data-testid="trade-name"' in top.text


def test_forms_without_the_sessions_csrf_token_are_refused_and_change_nothing(web: Any) -> None:
    biz = make.business(admin_ids=2, must_change=False)
    client = _signed_in(web, biz.business_id)
    client.get("/portal/notices")  # posts the registration notice
    with unit_of_work() as session:
        notice_id = session.scalar(select(PortalNotice.id).where(PortalNotice.business_id == biz.business_id))
    other = _signed_in(web, biz.admin_ids[1])  # another session's token is no better than none
    foreign = other.get("/portal").text.split('name="csrf_token" value="')[1].split('"')[0]
    for token in ("", "forged", foreign):
        r = client.post(f"/portal/notices/{notice_id}/read", data={"csrf_token": token}, follow_redirects=False)
        assert r.status_code == 403 and "リクエストを受け付けられません" in r.text
        r = client.post(f"/portal/admin-ids/{biz.admin_ids[1]}/suspend", data={"csrf_token": token})
        assert r.status_code == 403
    with unit_of_work() as session:
        assert session.scalar(select(PortalNotice.read_at).where(PortalNotice.id == notice_id)) is None
    assert _admin_status(biz.admin_ids[1]) == "active"
    # The sign-in form has its own token (cookie and field): a cross-site post signs nobody in.
    bare = screen_client(web)
    r = bare.post("/portal/login", data={"login_id": biz.business_id, "password": make.PASSWORD, "csrf_token": "x"})
    assert r.status_code == 403 and "ccus_portal=" not in r.headers.get("set-cookie", "")
    # Sign-out too needs the token.
    assert client.post("/portal/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/portal", follow_redirects=False).status_code == 200


def test_another_business_is_never_shown_or_touched(web: Any) -> None:
    mine, theirs = make.business(admin_ids=2, must_change=False), make.business(admin_ids=2, must_change=False)
    them = _signed_in(web, theirs.business_id)
    them.get("/portal/notices")
    post(them, "/portal/admin-ids", {"request_key": "theirs-1"}, page="/portal/admin-ids")  # an unpaid invoice
    with unit_of_work() as session:
        their_notice = session.scalar(select(PortalNotice.id).where(PortalNotice.business_id == theirs.business_id))
    me = _signed_in(web, mine.business_id)
    for path in ("/portal", "/portal/notices", "/portal/invoices", "/portal/admin-ids"):
        html = me.get(path).text
        assert mine.business_id in html or path in ("/portal/notices", "/portal/invoices")
        assert theirs.business_id not in html and theirs.admin_ids[1] not in html, path
    assert me.get(f"/portal/notices/{their_notice}").status_code == 404
    r = post(me, f"/portal/notices/{their_notice}/read")
    assert r.status_code == 404
    r = post(me, f"/portal/admin-ids/{theirs.admin_ids[1]}/suspend", page="/portal/admin-ids")
    assert r.status_code == 404 and field_error(r.text, "form") == "指定された管理者IDは、この事業者の管理者IDではありません。"
    assert _admin_status(theirs.admin_ids[1]) == "active"
    # A business_id in the form is ignored: the add is the session's business's.
    post(me, "/portal/admin-ids", {"request_key": "mine-1", "business_id": theirs.business_id}, page="/portal/admin-ids")
    with unit_of_work() as session:
        counts = dict(session.execute(select(AdminId.business_pk, func.count()).where(
            AdminId.business_pk.in_((mine.pk, theirs.pk))).group_by(AdminId.business_pk)).all())
    assert counts == {mine.pk: 3, theirs.pk: 3}


def test_a_suspended_admin_id_is_refused_and_its_open_session_ends(web: Any) -> None:
    biz = make.business(admin_ids=2, must_change=False)
    further = _signed_in(web, biz.admin_ids[1])
    registrant = _signed_in(web, biz.business_id)
    r = post(registrant, f"/portal/admin-ids/{biz.admin_ids[1]}/suspend", page="/portal/admin-ids")
    assert r.status_code == 303 and "done=admin_suspended" in r.headers["location"]
    assert "利用停止中" in registrant.get("/portal/admin-ids").text
    assert further.get("/portal", follow_redirects=False).headers["location"].startswith("/portal/login")
    refused = sign_in(screen_client(web), biz.admin_ids[1], make.PASSWORD)
    assert refused.status_code == 403 and field_error(refused.text, "form") == "このIDは利用できません。"
    assert value_of(refused.text, "login_id") == biz.admin_ids[1]
    assert post(registrant, f"/portal/admin-ids/{biz.admin_ids[1]}/reinstate",
                page="/portal/admin-ids").status_code == 303
    assert sign_in(screen_client(web), biz.admin_ids[1], make.PASSWORD).status_code == 303


def test_only_the_registrant_acts_on_admin_ids_others_see_the_list(web: Any) -> None:
    biz = make.business(admin_ids=3, must_change=False)
    further = _signed_in(web, biz.admin_ids[1])
    listing = further.get("/portal/admin-ids")
    assert listing.status_code == 200 and all(a in listing.text for a in biz.admin_ids)
    assert 'data-testid="list-only"' in listing.text and "/suspend" not in listing.text
    r = post(further, f"/portal/admin-ids/{biz.admin_ids[2]}/suspend", page="/portal/admin-ids")
    assert r.status_code == 403 and "登録責任者" in r.text
    assert post(further, "/portal/admin-ids", {"request_key": "k"}, page="/portal/admin-ids").status_code == 403
    assert _admin_status(biz.admin_ids[2]) == "active"


def test_refusals_are_shown_in_japanese_next_to_their_fields_with_values_kept(web: Any) -> None:
    biz = make.business(admin_ids=2, must_change=False)
    client = screen_client(web)
    empty = client.post("/portal/login", data={"login_id": biz.business_id, "password": "",
                                               "csrf_token": value_of(client.get("/portal/login").text, "csrf_token")})
    assert empty.status_code == 422 and field_error(empty.text, "password") == "パスワードを入力してください。"
    assert value_of(empty.text, "login_id") == biz.business_id
    wrong = sign_in(client, biz.business_id, "not-the-password1")
    assert wrong.status_code == 401 and field_error(wrong.text, "password") == "IDまたはパスワードが正しくありません。"
    assert value_of(wrong.text, "login_id") == biz.business_id
    assert sign_in(client, biz.business_id, make.PASSWORD).status_code == 303
    # Removal needs its confirmation: refused next to the ID, nothing changed.
    r = post(client, f"/portal/admin-ids/{biz.admin_ids[1]}/remove", page="/portal/admin-ids")
    assert r.status_code == 422 and "元に戻せません" in (field_error(r.text, biz.admin_ids[1]) or "")
    assert _admin_status(biz.admin_ids[1]) == "active"
    # A voluntary change needs the current password: named next to its field, nothing stored.
    before = _password_hash(biz.business_id)
    r = post(client, "/portal/password", {"current_password": "wrong-one1", "new_password": NEW_PASSWORD,
                                          "new_password_confirm": NEW_PASSWORD, "security_code": make.CODE},
             page="/portal/password")
    assert field_error(r.text, "current_password") == "現在のパスワードが正しくありません。"
    assert _password_hash(biz.business_id) == before


def _expires_in_seconds(login_id: str) -> float:
    with unit_of_work() as session:
        return float(session.scalar(select(func.extract("epoch", PortalSession.expires_at - func.now())).where(
            PortalSession.login_id == login_id, PortalSession.revoked_at.is_(None))) or 0)


def test_a_used_session_slides_an_idle_one_ends_and_the_sign_in_is_throttled(web: Any) -> None:
    biz = make.business(must_change=False)
    client = _signed_in(web, biz.business_id)
    assert 25 * 60 < _expires_in_seconds(biz.business_id) <= 30 * 60  # the staff screens' idle timeout
    with unit_of_work() as session:
        session.execute(update(PortalSession).where(PortalSession.login_id == biz.business_id)
                        .values(expires_at=func.now() + func.make_interval(0, 0, 0, 0, 0, 5)))
    assert client.get("/portal/notices").status_code == 200
    assert _expires_in_seconds(biz.business_id) > 25 * 60  # used: 30 minutes again
    with unit_of_work() as session:
        session.execute(update(PortalSession).where(PortalSession.login_id == biz.business_id,
                                                    PortalSession.revoked_at.is_(None))
                        .values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 1)))
    r = client.get("/portal/notices", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/portal/login?next=%2Fportal%2Fnotices"
    # An API bearer token in the cookie opens no screen.
    token = client.post("/api/v1/portal/sign-in", json={"login_id": biz.business_id,
                                                        "password": make.PASSWORD}).json()["token"]
    client.cookies.set("ccus_portal", token, path="/portal")
    assert client.get("/portal", follow_redirects=False).status_code == 303
    throttled = None
    for _ in range(6):
        throttled = sign_in(client, biz.business_id, "wrong-password9")
        if throttled.status_code == 429:
            break
    assert throttled is not None and throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert "秒" in (field_error(throttled.text, "form") or "")


def test_the_registrant_resets_and_removes_another_admin_id_on_the_screen(web: Any) -> None:
    biz = make.business(admin_ids=3, must_change=False)
    registrant = _signed_in(web, biz.business_id)
    further = _signed_in(web, biz.admin_ids[1])
    before = _password_hash(biz.admin_ids[1])
    r = post(registrant, f"/portal/admin-ids/{biz.admin_ids[1]}/password-reset", page="/portal/admin-ids")
    assert r.status_code == 303 and "done=admin_reset" in r.headers["location"]
    assert _password_hash(biz.admin_ids[1]) != before  # a new initial password, on its postcard
    assert further.get("/portal", follow_redirects=False).headers["location"].startswith("/portal/login")
    assert sign_in(screen_client(web), biz.admin_ids[1], make.PASSWORD).status_code == 401
    # The registrant's own ID is not reset or removed here.
    r = post(registrant, f"/portal/admin-ids/{biz.business_id}/remove", {"confirm": "yes"}, page="/portal/admin-ids")
    assert r.status_code == 409 and "登録責任者の管理者ID" in (field_error(r.text, biz.business_id) or "")
    assert _admin_status(biz.business_id) == "active"
    r = post(registrant, f"/portal/admin-ids/{biz.admin_ids[2]}/remove", {"confirm": "yes"}, page="/portal/admin-ids")
    assert r.status_code == 303 and _admin_status(biz.admin_ids[2]) == "disabled"
    listing = registrant.get("/portal/admin-ids").text
    assert "削除済み" in listing and f"/portal/admin-ids/{biz.admin_ids[2]}/" not in listing
    assert sign_in(screen_client(web), biz.admin_ids[2], make.PASSWORD).status_code == 403


def test_the_admin_id_screen_states_the_monthly_fee_the_addition_is_charged_at(web: Any) -> None:
    import re

    from ccus.models.lifecycle_tables import Invoice

    biz = make.business(admin_ids=1, must_change=False)
    client = _signed_in(web, biz.business_id)
    stated = re.search(r"1IDあたり月([\d,]+)円", client.get("/portal/admin-ids").text)
    assert stated is not None
    per_month = int(stated.group(1).replace(",", ""))
    r = post(client, "/portal/admin-ids", {"request_key": "monthly-fee"}, page="/portal/admin-ids")
    assert r.status_code == 303
    added = r.headers["location"].rsplit("=", 1)[1]
    with unit_of_work() as session:
        amount = session.scalar(select(Invoice.amount).where(Invoice.breakdown["added_admin_id"].astext == added))
    assert amount is not None and amount > 0 and amount % per_month == 0  # whole months at the stated price
