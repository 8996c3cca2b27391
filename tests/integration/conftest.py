"""Fixtures of the staff screens over HTTP (the web app in-process, signed-in clients by role)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.web import new_user, sign_in


@pytest.fixture(scope="module")
def web(db: Any) -> Any:
    from ccus.review_ui.app import create_app

    return create_app()


@pytest.fixture
def client_for(web: Any) -> Iterator[Any]:
    """``client_for(role)`` → (a TestClient signed in as a new user of that role, its username)."""
    from fastapi.testclient import TestClient

    clients: list[Any] = []

    def make(role: str) -> tuple[Any, str]:
        username = new_user(role)
        client = TestClient(web)
        clients.append(client)
        assert sign_in(client, username).status_code == 303
        return client, username

    yield make
    for c in clients:
        c.close()
