"""Sign-in throttling (portal and staff screens): growing delays per account and per client address,
kept in PostgreSQL, instead of a lock anyone could set off; refused attempts answer 429 with
Retry-After; unknown IDs cost the same argon2 verification as known ones."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support import lifecycle as make
from tests.support.web import new_user, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture
def client_from(db: Any) -> Iterator[Any]:
    """A TestClient of the app whose requests come from a client address of their own."""
    from fastapi.testclient import TestClient

    from ccus.review_ui.app import create_app

    opened: list[Any] = []

    def make_client(address: str | None = None) -> Any:
        client = TestClient(create_app(), client=(address or f"198.51.100.{uuid.uuid4().int % 250 + 1}"
                                                  f"-{uuid.uuid4().hex[:6]}", 40000))
        opened.append(client)
        return client

    yield make_client
    for client in opened:
        client.close()


def _portal(client: Any, login_id: str, password: str) -> Any:
    return client.post("/api/v1/portal/sign-in", json={"login_id": login_id, "password": password})


def test_portal_failures_earn_growing_delays_refusing_even_the_right_password(client_from: Any) -> None:
    client = client_from()
    biz = make.business(must_change=False)
    for _ in range(3):
        assert _portal(client, biz.business_id, "wrong-password1").status_code == 401
    refused = _portal(client, biz.business_id, make.PASSWORD)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["detail"]["code"] == "throttled" and "しばらくログインできません" in refused.json()["detail"]["message"]
    time.sleep(1.1)
    assert _portal(client, biz.business_id, "wrong-password1").status_code == 401  # the fourth failure: 2 s
    assert _portal(client, biz.business_id, make.PASSWORD).headers.get("Retry-After") == "2"
    time.sleep(2.1)
    assert _portal(client, biz.business_id, make.PASSWORD).status_code == 200  # no 30-minute lock-out
    assert _portal(client, biz.business_id, "wrong-password1").status_code == 401  # the success reset the count


def test_portal_failures_from_one_address_are_throttled_across_ids(client_from: Any) -> None:
    client, elsewhere = client_from(), client_from()
    biz = make.business(must_change=False)
    for n in range(10):
        assert _portal(client, f"9999999{n:07d}", "wrong-password1").status_code == 401
    refused = _portal(client, biz.business_id, make.PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert _portal(elsewhere, biz.business_id, make.PASSWORD).status_code == 200  # the business is not locked out


def test_an_unknown_portal_id_takes_as_long_as_a_wrong_password(client_from: Any) -> None:
    biz = make.business(must_change=False)
    known, unknown = [], []
    for n in range(3):
        client = client_from()
        t = time.perf_counter()
        assert _portal(client, biz.business_id, "wrong-password1").status_code == 401
        known.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert _portal(client, f"8888888{n:07d}", "wrong-password1").status_code == 401
        unknown.append(time.perf_counter() - t)
    assert statistics.median(unknown) > 0.5 * statistics.median(known), (known, unknown)


def test_staff_sign_in_is_throttled_per_username_with_retry_after(client_from: Any) -> None:
    client = client_from()
    username = new_user("reviewer")
    for _ in range(3):
        assert sign_in(client, username, "wrong-password-123").status_code == 401
    # The delays grow 1 s, 2 s, 4 s: waited out twice, so that the right password comes within a
    # 4 s delay however slowly a loaded machine checks passwords.
    for waited in (1.1, 2.1):
        time.sleep(waited)
        assert sign_in(client, username, "wrong-password-123").status_code == 401
    refused = sign_in(client, username)  # the right password, during the delay
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 4
    assert "しばらくログインできません" in refused.text
    assert sign_in(client_from(), username).status_code == 429  # the delay is the account's, not the browser's
    time.sleep(int(refused.headers["Retry-After"]) + 0.1)
    assert sign_in(client, username).status_code == 303


def test_staff_sign_in_is_throttled_per_address_across_usernames(client_from: Any) -> None:
    client = client_from()
    username = new_user("reviewer")
    for n in range(10):
        assert sign_in(client, f"nobody-{n}-{uuid.uuid4().hex[:6]}", "wrong-password-123").status_code == 401
    assert sign_in(client, username).status_code == 429
    assert sign_in(client_from(), username).status_code == 303
