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


UPLOAD_CAP_OF_WEB_PROCESS = 2_000_000


@pytest.fixture(scope="module")  # stopped after its module: test_stack expects no web service
def web_process(db: Any) -> Iterator[Any]:
    """The web app as it runs in production: a uvicorn process of the stack, logging to
    ``logs/web.log``, with an upload cap of :data:`UPLOAD_CAP_OF_WEB_PROCESS` bytes."""
    import os

    from ccus.infra.services.base import stop_service
    from ccus.infra.services.web import start_web

    saved = os.environ.get("CCUS_MAX_UPLOAD_BYTES")
    os.environ["CCUS_MAX_UPLOAD_BYTES"] = str(UPLOAD_CAP_OF_WEB_PROCESS)
    try:
        start_web(db)
    finally:
        if saved is None:
            del os.environ["CCUS_MAX_UPLOAD_BYTES"]
        else:
            os.environ["CCUS_MAX_UPLOAD_BYTES"] = saved
    yield db
    stop_service(db, "web")
