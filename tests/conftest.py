"""Shared fixtures.

``stack`` starts the real embedded stack (PostgreSQL, SeaweedFS S3, SMTP) once per test session, in
a temporary CCUS_HOME and on ports of its own, and only when a test asks for it: unit tests never pay
for it. The Prefect server (16–80 s to start on 2 cores, and CPU while it idles) is started on the
same stack by ``prefect_server``, only for tests that run flows: a test module of the stack that
names ``ccus.flows``, ``ccus.tasks``, ``run_here`` or ``prefect`` in its source, or imports a test
helper module that does, gets it (see
``pytest_collection_modifyitems``), any other test may ask for it by name. When the session holds
such tests, they run last and the server starts in the background meanwhile. Without it,
PREFECT_API_URL points at a port where nothing listens, so a flow run fails loudly, and the web
app's triggers are refused at once (the scheduled drains' job, as in production when Prefect is
down). Nothing here imports Prefect at module level.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ccus.infra.settings import Settings

STACK_SERVICES = ("postgres", "s3", "smtp")
# A test module whose source says one of these runs flows: its stack tests get the Prefect server.
RUNS_FLOWS = re.compile(r"\bccus\.(flows|tasks)\b|\bprefect\b|\brun_here\b")


# Whether a collected test needs the Prefect server: ``stack`` then starts it in the background.
_prefect_wanted = False


TESTS_ROOT = Path(__file__).resolve().parent
TEST_IMPORT = re.compile(r"^from (tests(?:\.\w+)+) import", re.MULTILINE)


def _runs_flows(path: Path, seen: dict[Path, bool]) -> bool:
    """Whether a test module runs flows itself or through the test helpers it imports (a module that
    takes ``run_pipeline`` from tests/e2e/test_slice.py runs flows as surely as test_slice does)."""
    if path in seen:
        return seen[path]
    seen[path] = False  # an import cycle reads as "not through this path"
    source = path.read_text(encoding="utf-8")
    found = bool(RUNS_FLOWS.search(source))
    for module in TEST_IMPORT.findall(source):
        if found:
            break
        helper = TESTS_ROOT.parent.joinpath(*module.split(".")).with_suffix(".py")
        found = helper.is_file() and _runs_flows(helper, seen)
    seen[path] = found
    return found


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the type checker now if its test was selected (tests/support/background.py)."""
    from tests.support.background import MYPY_RUN, MYPY_TEST, start_mypy

    if len(session.items) > 1 and any(item.nodeid == MYPY_TEST for item in session.items):
        session.config.stash[MYPY_RUN] = start_mypy()


def pytest_unconfigure(config: pytest.Config) -> None:
    from tests.support.background import MYPY_RUN

    proc = config.stash.get(MYPY_RUN, None)
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.communicate()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give ``prefect_server`` to the stack tests of modules that run flows, and run those modules
    after the others (in their own order), so the server starts while the database-only tests run."""
    global _prefect_wanted
    runs_flows: dict[Path, bool] = {}
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is None or "stack" not in names or "prefect_server" in names:
            continue
        path = Path(str(item.path))
        if _runs_flows(path, runs_flows):
            names.insert(0, "prefect_server")  # before the fixtures that talk to it
    needs = [item for item in items if "prefect_server" in getattr(item, "fixturenames", ())]
    _prefect_wanted = bool(needs)
    if needs:
        items[:] = [item for item in items if "prefect_server" not in getattr(item, "fixturenames", ())] + needs


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of a running embedded stack; ``os.environ`` points at it for the whole session."""
    from ccus.infra.services.base import free_port_base
    from ccus.infra.settings import embedded_settings, reset_settings
    from ccus.infra.stack import service_env, start_stack, stop_stack

    home = tmp_path_factory.mktemp("ccus-home")
    # Always the embedded servers, whatever DATABASE_URL / PREFECT_API_URL … the shell has.
    settings = embedded_settings(home, free_port_base())
    saved_env = dict(os.environ)
    prefect_start: threading.Thread | None = None
    try:
        with contextlib.ExitStack() as cleanup:
            start_stack(settings, services=STACK_SERVICES, progress=True)
            if _prefect_wanted:
                prefect_start = threading.Thread(target=_start_prefect, args=(settings,), name="prefect-start",
                                                 daemon=True)
                prefect_start.start()
                _prefect_starts.append(prefect_start)
            os.environ.update(service_env(settings))
            os.environ["CCUS_HOME"] = str(settings.home_abs)
            os.environ["CCUS_PORT_BASE"] = str(settings.port_base)
            reset_settings()
            if "prefect" in sys.modules:
                # Prefect read its settings at import, before PREFECT_API_URL was set above.
                from prefect.settings import PREFECT_API_URL, PREFECT_HOME, temporary_settings

                cleanup.enter_context(
                    temporary_settings(
                        {PREFECT_API_URL: settings.prefect_api, PREFECT_HOME: settings.home_abs / "prefect"}
                    )
                )
            yield settings
    finally:
        if prefect_start is not None:
            prefect_start.join(timeout=180)
        stop_stack(settings)
        os.environ.clear()
        os.environ.update(saved_env)
        reset_settings()


_prefect_starts: list[threading.Thread] = []
_prefect_start_error: list[Exception] = []


def _start_prefect(settings: Settings) -> None:
    from ccus.infra.stack import start_stack

    try:
        start_stack(settings, services=("prefect",), progress=False)
    except Exception as exc:  # noqa: BLE001 - raised again in the first test that needs the server
        _prefect_start_error.append(exc)


@pytest.fixture(scope="session")
def prefect_server(stack: Settings) -> Iterator[Settings]:
    """The stack with its Prefect server running: started in the background with the stack when a
    collected test needs it, else here; waited for by the first test that needs it."""
    from ccus.infra.orchestrator import flush_prefect
    from ccus.infra.stack import start_stack

    if _prefect_starts:
        _prefect_starts[-1].join()
        if _prefect_start_error:
            raise _prefect_start_error[-1]
    else:
        start_stack(stack, services=("prefect",), progress=True)
    yield stack
    flush_prefect()


@pytest.fixture(scope="session")
def db(stack: Settings) -> Settings:
    """The running stack with the schema migrated to head."""
    from ccus.infra.db import migrate

    migrate()
    return stack


@pytest.fixture(scope="session")
def api(db: Settings) -> Iterator[object]:
    """The web app in-process (FastAPI TestClient) against the real stack."""
    from fastapi.testclient import TestClient

    from ccus.review_ui.app import create_app

    with TestClient(create_app()) as client:
        yield client


@pytest.fixture(scope="session")
def reviewer_token(db: Settings) -> str:
    from ccus.services.auth.api_tokens import issue_token
    from ccus.services.auth.staff_accounts import add_user

    add_user("test-reviewer", "reviewer", "correct-horse-battery", "審査 テスト")
    return issue_token("test-reviewer")
